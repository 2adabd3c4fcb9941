"""One file's disaster stays that file's: a worker killed mid-file (what the out-of-memory
killer does), a file past its time limit, and a disk that fills up mid-batch."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import SAMPLES, run_cli

CALL = SAMPLES / "calls" / "call-01-card-payment.wav"  # 60 s: several seconds to scan


def _batch(tmp_path: Path) -> Path:
    """The call first (its name sorts first), then the chats."""
    batch = tmp_path / "batch"
    shutil.copytree(SAMPLES / "chats", batch)
    shutil.copyfile(CALL, batch / "a-call.wav")
    return batch


def _row(out: Path, ident: str) -> sqlite3.Row | None:
    con = sqlite3.connect(out / "index.sqlite")
    con.row_factory = sqlite3.Row
    try:
        return con.execute("SELECT * FROM interactions WHERE id = ?", (ident,)).fetchone()
    finally:
        con.close()


def _workers(pid: int) -> list[int]:
    """Worker processes of the scan with this pid (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in cmdline:
                found.append(int(entry.name))
    return found


def _doc(out: Path, ident: str) -> dict:
    return json.loads((out / f"{ident}.json").read_text())


@pytest.mark.slow
def test_a_worker_killed_mid_file_fails_only_that_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "scanner", "scan", str(_batch(tmp_path)), "--out", str(out)]
    cmd += ["--workers", "1"]  # one worker: the one holding the call
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    worker = None
    while time.monotonic() < deadline and worker is None:
        time.sleep(0.1)
        row = _row(out, "a-call") if (out / "index.sqlite").is_file() else None
        kids = _workers(proc.pid)
        if row is not None and row["status"] == "running" and kids:
            worker = kids[0]
    assert worker is not None, "the call never started in a worker"
    time.sleep(1.0)
    os.kill(worker, signal.SIGKILL)  # what the kernel's out-of-memory killer does
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1, stderr
    call = _doc(out, "a-call")
    assert call["status"] == "failed"
    assert call["errors"][0]["code"] == "worker-crashed"
    assert (
        "SIGKILL" in call["errors"][0]["message"] and "a-call.wav" in call["errors"][0]["message"]
    )
    chats = [p.stem for p in (SAMPLES / "chats").glob("chat-*")]
    assert all(_doc(out, c)["status"] == "ok" for c in chats)  # a fresh worker took over
    status = run_cli("status", str(out))
    assert "failed  a-call  [worker-crashed]" in status.stdout


@pytest.mark.slow
def test_a_file_past_its_time_limit_is_stopped(tmp_path: Path) -> None:
    out, batch = tmp_path / "out", _batch(tmp_path)
    res = run_cli("scan", str(batch), "--out", str(out), "--time-limit", "1.5")
    assert res.returncode == 1, res.stderr
    err = _doc(out, "a-call")["errors"][0]
    assert err["code"] == "time-limit" and "not finished after 1.5 s" in err["message"]
    assert all(_doc(out, p.stem)["status"] == "ok" for p in (SAMPLES / "chats").glob("chat-*"))
    # the same command with room to finish retries only what failed
    res = run_cli("scan", str(batch), "--out", str(out), "--time-limit", "auto")
    assert res.returncode == 0 and "1 scanned, 0 failed, 4 already done" in res.stderr
    assert _doc(out, "a-call")["status"] == "ok"


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real 160 KB filesystem (tmpfs): the findings of a few chats fill it."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", str(mnt)], capture_output=True
    )
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {res.stderr.decode().strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.mark.slow
def test_a_full_disk_stops_the_batch_cleanly_and_a_rerun_finishes(
    tmp_path: Path, small_disk: Path
) -> None:
    batch = tmp_path / "chats"
    batch.mkdir()
    for i in range(24):
        src = sorted((SAMPLES / "chats").glob("chat-*"))[i % 4]
        shutil.copyfile(src, batch / f"c{i:02d}{src.suffix}")
    out = small_disk / "out"
    res = run_cli("scan", str(batch), "--out", str(out), "--time-limit", "0")
    assert res.returncode == 3, res.stderr
    assert (
        "no space left on the device" in res.stderr and "run the same command again" in res.stderr
    )
    assert "Traceback" not in res.stderr
    written = sorted(out.glob("c*.json"))
    assert 0 < len(written) < 24
    for f in written:
        json.loads(f.read_text())  # every findings file that exists is whole
    assert not list(out.glob(".*.tmp"))  # no temp file left behind
    con = sqlite3.connect(out / "index.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    done = {r[0] for r in con.execute("SELECT id FROM interactions WHERE status = 'done'")}
    con.close()
    assert done and done <= {f.stem for f in written}
    before = {f.name: f.stat().st_mtime_ns for f in written if f.stem in done}

    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
    res = run_cli("scan", str(batch), "--out", str(out), "--time-limit", "0", "--no-report")
    assert res.returncode == 0, res.stderr
    assert f"{len(done)} already done" in res.stderr
    assert len(list(out.glob("c*.json"))) == 24
    assert all(
        (out / name).stat().st_mtime_ns == mtime for name, mtime in before.items()
    )  # nothing that finished was redone


def test_workers_send_back_no_original_text(tmp_path: Path) -> None:
    """What crosses a pipe or Ray's object store is already redacted."""
    import pickle

    from scanner import Processor, discover
    from scanner.process import without_original_text

    (item,), _ = discover([SAMPLES / "chats" / "chat-01-complaint-handled.txt"])
    result = Processor().process(item)
    assert b"Aisha" in pickle.dumps(result)  # the original is in the worker's hands...
    sent = pickle.dumps(without_original_text(result, keep_unredacted=False))
    assert b"Aisha" not in sent and b"[PERSON]" in sent  # ...and stays there
    assert b"Aisha" in pickle.dumps(without_original_text(result, keep_unredacted=True))
