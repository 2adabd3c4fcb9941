"""A batch survives being killed: kill -9 a real scan mid-run, run it again, and it finishes
the rest without redoing what was finished and without half-written files."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import SAMPLES, run_cli

pytestmark = pytest.mark.slow  # whisper, a browser or a real batch


def _rows(out: Path) -> dict[str, sqlite3.Row]:
    con = sqlite3.connect(out / "index.sqlite")
    con.row_factory = sqlite3.Row
    try:
        return {r["id"]: r for r in con.execute("SELECT * FROM interactions")}
    finally:
        con.close()


def test_rerun_skips_what_is_done_and_redoes_what_changed(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    shutil.copytree(SAMPLES / "chats", batch)
    out = tmp_path / "out"
    assert run_cli("scan", str(batch), "--out", str(out), "-q").returncode == 0
    first = {p.name: p.stat().st_mtime_ns for p in out.glob("chat-*.json")}
    again = run_cli("scan", str(batch), "--out", str(out))
    assert again.returncode == 0 and "0 scanned, 0 failed, 4 already done" in again.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("chat-*.json")} == first
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"]["inputs"] == 4 and summary["counts"]["reused"] == 4
    assert len(summary["interactions"]) == 4
    # a changed file is scanned again; so is everything when the settings change
    chat = batch / "chat-01-complaint-handled.txt"
    chat.write_text(chat.read_text() + "Agent: Goodbye.\n")
    res = run_cli("scan", str(batch), "--out", str(out))
    assert "1 scanned, 0 failed, 3 already done" in res.stderr
    assert _rows(out)["chat-01-complaint-handled"]["attempts"] == 2
    res = run_cli("scan", str(batch), "--out", str(out), "--mask-style", "pseudonym")
    assert "4 scanned, 0 failed, 1 skipped" in res.stderr


def test_kill_9_mid_batch_then_resume(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "scanner", "scan", str(SAMPLES / "calls"), "--out", str(out), "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(out.glob("call-*.json"))) < 2:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # no chance to clean up
    proc.wait()
    # what the index calls done is finished (its file was written first); a findings file
    # whose row is still running may be redone, whole, on the next run
    rows = _rows(out)
    done_before = {
        f"{ident}.json": (out / f"{ident}.json").stat().st_mtime_ns
        for ident, r in rows.items()
        if r["status"] == "done"
    }
    assert 1 <= len(done_before) < 5, "the kill came too late to test anything"
    assert not (out / "summary.json").exists()
    status = run_cli("status", str(out))
    assert f"{len(done_before)} done" in status.stdout

    res = run_cli("scan", str(SAMPLES / "calls"), "--out", str(out), "-q")
    assert res.returncode == 0, res.stderr
    rows = _rows(out)
    assert len(rows) == 5 and all(r["status"] == "done" for r in rows.values())
    for name, mtime in done_before.items():  # finished before the kill: not redone
        assert (out / name).stat().st_mtime_ns == mtime
        assert rows[name.removesuffix(".json")]["attempts"] == 1
    # at most the files in flight when it was killed, one per worker, are redone
    from scanner.executors import default_workers

    assert sum(r["attempts"] for r in rows.values()) <= 5 + default_workers()
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if n.startswith(".") or n.endswith(".tmp")]
    assert len([n for n in names if n.startswith("call-")]) == 5
    for p in out.glob("*.json"):
        json.loads(p.read_text())  # every file whole
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"]["inputs"] == 5 and summary["counts"]["failed"] == 0
    assert run_cli("status", str(out)).returncode == 0


def test_failed_files_are_retried_by_running_the_same_command(tmp_path: Path) -> None:
    batch = tmp_path / "b"
    batch.mkdir()
    bad = batch / "broken.txt"
    bad.write_text("no speaker here\n")
    out = tmp_path / "out"
    assert run_cli("scan", str(batch), "--out", str(out), "-q").returncode == 1
    status = run_cli("status", str(out))
    assert "failed  broken  [transcript-format]" in status.stdout
    bad.write_text("Agent: Hello.\nCustomer: Hi.\n")
    assert run_cli("scan", str(batch), "--out", str(out), "-q").returncode == 0
    assert _rows(out)["broken"]["status"] == "done"


def test_parallel_workers_give_the_same_findings(tmp_path: Path, default_scan: Path) -> None:
    batch = tmp_path / "batch"
    shutil.copytree(SAMPLES / "chats", batch / "chats")
    (batch / "calls").mkdir()
    for name in (
        "call-02-complaint-pressure.flac",
        "call-02-complaint-pressure.flac.json",
        "call-04-collections-threats.ogg",
    ):
        shutil.copy(SAMPLES / "calls" / name, batch / "calls")
    rows = (SAMPLES / "calls" / "metadata.csv").read_text().splitlines()
    (batch / "calls" / "metadata.csv").write_text(
        "\n".join([rows[0]] + [r for r in rows[1:] if r.startswith("call-04")]) + "\n"
    )
    out = tmp_path / "out"
    res = run_cli("scan", str(batch), "--out", str(out), "-q", "--workers", "2")
    assert res.returncode == 0, res.stderr
    for path in out.glob("c*.json"):
        par = json.loads(path.read_text())
        ser = json.loads((default_scan / path.name).read_text())
        assert [t["text"] for t in par["transcript"]["turns"]] == [
            t["text"] for t in ser["transcript"]["turns"]
        ]
        assert [(r["rule"], r["outcome"]) for r in par["results"]] == [
            (r["rule"], r["outcome"]) for r in ser["results"]
        ]
        assert par["interaction"]["metadata"] == ser["interaction"]["metadata"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"]["inputs"] == 6 and summary["model"]["name"] == "tiny.en"


def _masked(doc: dict, evidence: list[dict]) -> bool:
    """Whether any of this evidence touches a masked word."""
    spans = doc["redaction"]["spans"]
    for e in evidence:
        if "words" not in e:
            continue
        lo, hi = e["words"]
        for sp in spans:
            last = sp["first_word"] + sp["words"] - 1
            if sp["turn"] == e["turn"] and lo <= last and sp["first_word"] <= hi:
                return True
    return False


def test_a_new_pack_version_rescores_stored_transcripts(tmp_path: Path) -> None:
    """Only the packs changed and --reuse-transcripts: rules run again on the stored
    (redacted) transcripts, nothing is transcribed or redacted again, and outcomes match a
    full re-scan except where a rule's evidence is a masked word."""
    batch = tmp_path / "batch"
    shutil.copytree(SAMPLES / "chats", batch)
    shutil.copyfile(SAMPLES / "calls" / "call-01-card-payment.wav", batch / "call-01.wav")
    packs = tmp_path / "rules"
    shutil.copytree(SAMPLES.parent / "rules", packs)
    out = tmp_path / "out"
    cmd = ["scan", str(batch), "--out", str(out), "--rules", str(packs), "--no-report"]
    assert run_cli(*cmd).returncode == 0
    first = json.loads((out / "call-01.json").read_text())

    core = packs / "contact-centre-core" / "pack.yaml"
    text = re.sub(r"^version: .*$", "version: 99.1.0", core.read_text(), count=1, flags=re.M)
    head, tail = text.split("  - id: closing", 1)
    core.write_text(head + "  - id: closing" + tail.replace("severity: low", "severity: high", 1))
    res = run_cli(*cmd, "--reuse-transcripts")
    assert res.returncode == 0 and "5 scanned, 0 failed" in res.stderr, res.stderr
    again = json.loads((out / "call-01.json").read_text())
    assert again["rules_rescored"]["from"] == "stored redacted transcript"
    assert again["timings"] == first["timings"]  # the transcription was not redone
    assert again["transcript"] == first["transcript"] and again["redaction"] == first["redaction"]
    results = {(r["pack"], r["rule"]): r for r in again["results"]}
    closing = results[("contact-centre-core", "closing")]  # contact-centre-zh has one too
    assert closing["severity"] == "high" and closing["pack_version"] == "99.1.0"
    assert _rows(out)["call-01"]["attempts"] == 2

    full = tmp_path / "full"
    assert (
        run_cli("scan", str(batch), "--out", str(full), "--rules", str(packs), "-q").returncode == 0
    )
    same = 0
    for path in full.glob("c*.json"):
        want = json.loads(path.read_text())
        got = json.loads((out / path.name).read_text())
        for w, g in zip(want["results"], got["results"], strict=True):
            assert (w["rule"], w["severity"]) == (g["rule"], g["severity"])
            if w["outcome"] == g["outcome"]:
                same += 1
            else:  # only a masked word can make the difference
                assert _masked(want, w["evidence"]) or _masked(got, g["evidence"]), (
                    path.name,
                    w["rule"],
                )
    assert same >= 0.9 * 5 * len(want["results"])
    # without --reuse-transcripts a pack change means a full scan
    core.write_text(core.read_text().replace("version: 99.1.0", "version: 99.2.0", 1))
    assert run_cli(*cmd).returncode == 0
    assert "rules_rescored" not in json.loads((out / "call-01.json").read_text())


def test_damaged_stored_findings_are_scanned_again_not_rescored(tmp_path: Path) -> None:
    """--reuse-transcripts on a findings file whose stored figures were damaged since (here
    the conversation object) scans the file again instead of stopping the batch."""
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copyfile(SAMPLES / "chats" / "chat-01-complaint-handled.txt", batch / "c.txt")
    out = tmp_path / "out"
    packs = tmp_path / "rules"
    shutil.copytree(SAMPLES.parent / "rules" / "contact-centre-core", packs)
    cmd = ["scan", str(batch), "--out", str(out), "--rules", str(packs), "--no-report"]
    assert run_cli(*cmd, "--keep-unredacted").returncode == 0
    doc = json.loads((out / "c.json").read_text())
    doc["conversation"] = {"turns": [{"turn": "x"}]}
    (out / "c.json").write_text(json.dumps(doc))
    pack = packs / "pack.yaml"
    pack.write_text(
        re.sub(r"^version: .*$", "version: 99.0.0", pack.read_text(), count=1, flags=re.M)
    )
    res = run_cli(*cmd, "--keep-unredacted", "--reuse-transcripts")
    assert res.returncode == 0 and "1 scanned, 0 failed" in res.stderr, res.stderr
    again = json.loads((out / "c.json").read_text())
    assert "rules_rescored" not in again and again["conversation"]["measured_from"] == "chat"
