"""Inputs from a careful attacker and a clumsy user (issue #13), one test per way they broke
the scanner: each bad file gets its own result with a code and a message naming it, the rest
of the batch is scanned, summary and report are written, exit codes keep their meaning, and
the same command can always run again."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from scanner import TruncatedAudioError, load_audio, read_transcript
from scanner.errors import RulePackError, TranscriptFormatError, UnsupportedFormatError
from scanner.rules_schema import load_pack

from .helpers import ROOT, SAMPLES, run_cli

CHAT = SAMPLES / "chats" / "chat-01-complaint-handled.txt"
JSON_CHAT = '{"format": "scanner.interaction/v1", "turns": [%s]}'


def _summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def _codes(out: Path) -> dict[str, str | None]:
    return {e["id"]: (e.get("error") or {}).get("code") for e in _summary(out)["interactions"]}


def _no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    """No traceback, plain or drawn by rich (which ends in a line 'SomeError: ...')."""
    assert "Traceback" not in proc.stderr
    assert not re.search(r"^\w+(Error|Exception): ", proc.stderr, re.M), proc.stderr


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder outside root's private pytest folder, so a process without root's powers
    over file modes can still reach it."""
    d = Path(tempfile.mkdtemp(prefix="hostile-", dir="/tmp"))
    d.chmod(0o755)
    yield d
    for p in d.rglob("*"):  # give back what the tests took away, so it can be removed
        if p.is_dir() and not p.is_symlink():
            p.chmod(0o755)
    shutil.rmtree(d, ignore_errors=True)


def run_unprivileged(*args: str) -> subprocess.CompletedProcess[str]:
    """`scanner ARGS...` as root without the capabilities that let root ignore file modes
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH): mode 000 is then unreadable to it, as to any
    user. Tests run as root, where a chmod alone proves nothing."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to take away root's power over file modes")
    cmd = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]
    return subprocess.run(
        [*cmd, sys.executable, "-m", "scanner", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


# 1 --------------------------------------------------------------------------------------------


@pytest.mark.slow  # several scans
def test_markup_in_names_keys_and_text_is_printed_literally(tmp_path: Path) -> None:
    batch = tmp_path / "in"
    (batch / "a[").mkdir(parents=True)
    shutil.copy(CHAT, batch / "a[" / "b].txt")  # the path holds "[/b]"
    shutil.copy(CHAT, batch / "[red]x.txt")
    (batch / "k.json").write_text(JSON_CHAT % '{"speaker": "agent", "text": "hi", "[/x]": 1}')
    (batch / "t.json").write_text(JSON_CHAT % '{"speaker": "agent", "text": "hi [/x] [bold]"}')
    out = tmp_path / "out"
    proc = run_cli("scan", str(batch), "--out", str(out))
    assert proc.returncode == 1, proc.stderr
    _no_traceback(proc)
    assert "MarkupError" not in proc.stderr
    assert f"{batch}/a[/b].txt" in proc.stderr and f"{batch}/[red]x.txt" in proc.stderr
    # the unknown key is given by its position, never quoted, and the line prints literally
    assert "[turns -> 0] unknown field (3rd field of the turn;" in proc.stderr
    assert "[/x]" not in proc.stderr.split("k.json", 1)[1].split("\n", 1)[0]
    assert _codes(out) == {"b": None, "red-x": None, "k": "transcript-format", "t": None}
    assert (out / "report.html").is_file()
    again = run_cli("scan", str(batch), "--out", str(out))  # and a re-run works the same
    assert again.returncode == 1 and "3 already done" in again.stderr, again.stderr


# 2 --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_unreadable_file_fails_alone_and_the_batch_goes_on(shared_tmp: Path) -> None:
    """Unreadable: mode 000 under a scan without root's override (see run_unprivileged);
    and a FIFO with a transcript's name, which would block whoever opens it."""
    batch = shared_tmp / "in"
    batch.mkdir()
    shutil.copy(CHAT, batch / "good.txt")
    shutil.copy(CHAT, batch / "secret.txt")
    (batch / "secret.txt").chmod(0o000)
    os.mkfifo(batch / "pipe.txt")
    out = shared_tmp / "out"
    proc = run_unprivileged("scan", str(batch), "--out", str(out), "--no-report")
    assert proc.returncode == 1, proc.stderr
    _no_traceback(proc)
    assert _codes(out) == {"good": None, "secret": "input-error", "pipe": "input-error"}
    secret = json.loads((out / "secret.json").read_text())["errors"][0]["message"]
    assert secret == f"{batch}/secret.txt: cannot read the file (Permission denied)"
    pipe = json.loads((out / "pipe.json").read_text())["errors"][0]["message"]
    assert pipe.endswith("pipe.txt: not a regular file (a FIFO, socket or device)")


# 3 --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_inputs_named_like_our_own_outputs_keep_their_findings(tmp_path: Path) -> None:
    batch = tmp_path / "in"
    batch.mkdir()
    names = ["summary", "report", "index", "results", "interactions", "Summary"]
    for name in names:
        shutil.copy(CHAT, batch / f"{name}.txt")
    out = tmp_path / "out"
    proc = run_cli("scan", str(batch), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    summary = _summary(out)
    assert summary["schema"] == "scanner.summary/v1" and summary["counts"]["ok"] == len(names)
    ids = {e["id"] for e in summary["interactions"]}
    assert len(ids) == len(names)
    for ident in ids:
        assert ident.split("-")[0].lower() in {n.lower() for n in names}
        assert ident.lower() not in {"summary", "report", "index", "results", "interactions"}
        doc = json.loads((out / f"{ident}.json").read_text())
        assert doc["schema"] == "scanner.findings/v1" and doc["status"] == "ok"
    assert f"({len(names)} interactions)" in proc.stderr
    again = run_cli("scan", str(batch), "--out", str(out))
    assert again.returncode == 0 and f"{len(names)} already done" in again.stderr, again.stderr


# 4 --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_time_of_1e400_is_a_format_error_and_infinity_never_stops_the_report(
    tmp_path: Path,
) -> None:
    batch = tmp_path / "in"
    batch.mkdir()
    shutil.copy(CHAT, batch / "good.txt")
    (batch / "huge.json").write_text(
        JSON_CHAT % '{"speaker": "agent", "text": "hello", "start": 1e400, "end": 1e400}'
    )
    out = tmp_path / "out"
    proc = run_cli("scan", str(batch), "--out", str(out))
    assert proc.returncode == 1, proc.stderr
    _no_traceback(proc)
    assert _codes(out) == {"good": None, "huge": "transcript-format"}
    message = json.loads((out / "huge.json").read_text())["errors"][0]["message"]
    assert "[turns -> 0 -> start] input should be a finite number" in message
    for written in out.glob("*.json"):
        json.loads(written.read_text(), parse_constant=lambda c: pytest.fail(f"{c} written"))
    # findings that hold Infinity (an older version wrote them) are named, not fatal
    doc = json.loads((out / "good.json").read_text())
    doc["id"] = "old"
    doc["transcript"]["turns"][0]["start"] = float("inf")
    (out / "old.json").write_text(json.dumps(doc))
    rebuilt = run_cli("report", str(out))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "not read: old.json: ValueError" in rebuilt.stderr
    assert "(2 interactions)" in rebuilt.stderr


# 5 --------------------------------------------------------------------------------------------


def _wav(path: Path, seconds: float, channels: int = 1, rate: int = 16000) -> bytes:
    tone = np.sin(2 * np.pi * 300 * np.arange(int(seconds * rate)) / rate) * 10000
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(tone.astype("<i2")[:, None], channels, axis=1).tobytes())
    return path.read_bytes()


def test_a_wav_shorter_than_its_header_says_is_truncated(tmp_path: Path) -> None:
    full = _wav(tmp_path / "full.wav", 6.7)
    (tmp_path / "cut.wav").write_bytes(full[: 44 + int(2.7 * 16000) * 2])
    with pytest.raises(
        TruncatedAudioError, match=r"declares 6.7 s of audio but the file holds only 2.7 s"
    ):
        load_audio(tmp_path / "cut.wav")
    claims_4gb = bytearray(full[: 44 + 3 * 16000 * 2])
    claims_4gb[4:8] = claims_4gb[40:44] = struct.pack("<I", 0xFFFFFFFF)
    (tmp_path / "4gb.wav").write_bytes(bytes(claims_4gb))
    with pytest.raises(TruncatedAudioError, match=r"only 3.0 s \(its header was never finished"):
        load_audio(tmp_path / "4gb.wav")
    assert abs(load_audio(tmp_path / "full.wav").duration - 6.7) < 0.01


# 6 --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        (
            "broken.vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Agent>Hello\n\n"
            "00:00:0x.000 --> 00:00:06.000\n<v Customer>I want to complain\n",
            "broken.vtt:6: [cue 2] cue has no readable timing line",
        ),
        (
            "broken.srt",
            "1\n00:00:01,000 --> 00:00:03,000\nAgent: Hello\n\n"
            "2\n00:00:0x,000 --> 00:00:06,000\nCustomer: I want to complain\n",
            "broken.srt:6: [cue 2] cue has no readable timing line",
        ),
        (
            "backwards.vtt",
            "WEBVTT\n\n00:00:09.000 --> 00:00:07.000\n<v Agent>Hello\n",
            "backwards.vtt: [cue 1 at 00:00:09.000] cue ends before it starts",
        ),
        (
            "backwards.srt",
            "1\n00:00:09,000 --> 00:00:07,000\nAgent: Hello\n",
            "backwards.srt: [cue 1 at 00:00:09.000] cue ends before it starts",
        ),
    ],
)
def test_a_caption_cue_is_never_dropped_or_taken_backwards(
    tmp_path: Path, name: str, text: str, says: str
) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(TranscriptFormatError) as info:
        read_transcript(tmp_path / name)
    assert str(info.value) == f"{tmp_path}/{says}" or str(info.value).startswith(
        f"{tmp_path}/{says}"
    )
    assert "complain" not in str(info.value)


# 7 --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_unreadable_subfolder_is_reported_not_skipped(shared_tmp: Path) -> None:
    batch = shared_tmp / "in"
    (batch / "locked").mkdir(parents=True)
    shutil.copy(CHAT, batch / "good.txt")
    shutil.copy(CHAT, batch / "locked" / "hidden-call.txt")
    (batch / "locked").chmod(0o000)
    out = shared_tmp / "out"
    proc = run_unprivileged("scan", str(batch), "--out", str(out), "--no-report")
    assert proc.returncode == 1, proc.stderr
    assert _codes(out) == {"good": None, "locked": "input-error"}
    assert (
        f"{batch}/locked: cannot list this folder (Permission denied); nothing in it was scanned"
        in proc.stderr
    )


# 8 --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_out_equal_to_the_input_folder_is_refused_and_a_parent_works(tmp_path: Path) -> None:
    batch = tmp_path / "data" / "chats"
    shutil.copytree(SAMPLES / "chats", batch)
    same = run_cli("scan", str(batch), "--out", str(batch))
    assert same.returncode == 2, same.stderr
    assert f"--out {batch} is the input folder" in same.stderr
    assert not (batch / "summary.json").exists()
    parent = tmp_path / "data"
    proc = run_cli("scan", str(batch), "--out", str(parent), "--no-report")
    assert proc.returncode == 0, proc.stderr
    assert "4 scanned, 0 failed" in proc.stderr
    assert _summary(parent)["counts"]["ok"] == 4


# 9 --------------------------------------------------------------------------------------------


@pytest.mark.slow  # several scans
def test_the_same_name_from_two_folders_in_two_runs_keeps_both(tmp_path: Path) -> None:
    for folder in ("north", "south"):
        (tmp_path / folder).mkdir()
        shutil.copy(CHAT, tmp_path / folder / "call.txt")
    (tmp_path / "south" / "call.txt").write_text(CHAT.read_text().replace("late fee", "fee"))
    out = tmp_path / "out"
    assert run_cli("scan", str(tmp_path / "north"), "--out", str(out)).returncode == 0
    second = run_cli("scan", str(tmp_path / "south"), "--out", str(out))
    assert second.returncode == 0, second.stderr
    assert "(2 interactions)" in second.stderr
    con = sqlite3.connect(out / "index.sqlite")
    rows = dict(con.execute("SELECT id, source FROM interactions").fetchall())
    con.close()
    assert len(rows) == 2 and "call" in rows
    assert rows["call"] == str(tmp_path / "north" / "call.txt")
    south = next(i for i in rows if i != "call")
    assert south.startswith("call-") and rows[south] == str(tmp_path / "south" / "call.txt")
    for ident, source in rows.items():
        doc = json.loads((out / f"{ident}.json").read_text())
        assert doc["interaction"]["source"]["path"] == source
    # each source keeps its id from run to run
    again = run_cli("scan", str(tmp_path / "south"), "--out", str(out))
    assert again.returncode == 0 and "1 already done" in again.stderr, again.stderr


# 10 -------------------------------------------------------------------------------------------


REGEX_PACK = """\
pack: backtracking
version: 1.0.0
rules:
  - id: many-a
    category: script
    kind: required
    severity: low
    message: says a lot of a
    match: {tokens: [{LOWER: {REGEX: "^(a+)+$"}}]}
    examples:
      - expect: passed
        turns: [[agent, "aaaa"]]
      - expect: failed
        turns: [[agent, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"]]
"""


@pytest.mark.slow  # several scans
def test_a_backtracking_regex_in_a_token_pattern_runs_in_linear_time(tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(REGEX_PACK)
    tested = run_cli("rules", "test", str(pack), timeout=120)  # Python's re: hours
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "all examples pass" in tested.stdout
    chat = tmp_path / "in" / "chat.txt"
    chat.parent.mkdir()
    chat.write_text("Agent: " + "a" * 60 + "b\nCustomer: aaaa\n")
    out = tmp_path / "out"
    scanned = run_cli(
        "scan",
        str(chat.parent),
        "--out",
        str(out),
        "--rules",
        str(pack),
        "--time-limit",
        "0",
        timeout=180,
    )
    assert scanned.returncode == 0, scanned.stderr
    doc = json.loads((out / "chat.json").read_text())
    assert doc["results"][0]["outcome"] == "passed"  # the customer's "aaaa"
    bad = tmp_path / "bad.yaml"
    bad.write_text(REGEX_PACK.replace("^(a+)+$", "(a)\\\\1"))  # a backreference: not RE2
    with pytest.raises(RulePackError, match="regex is not valid RE2"):
        load_pack(bad)


# 11 -------------------------------------------------------------------------------------------


RULE = """\
  - id: {id}
    category: script
    kind: required
    severity: low
    message: m
    match: {match}
"""


def _pack(*rules: str) -> str:
    return "pack: p\nversion: 1.0.0\nrules:\n" + "".join(rules)


@pytest.mark.slow
def test_broken_rule_packs_are_lint_errors_not_crashes(tmp_path: Path) -> None:
    packs = {
        "custom-attr": _pack(RULE.format(id="a", match="{tokens: [{_: {foo: [[x]]}}]}")),
        "deep": "pack: p\nversion: 1.0.0\nrules: " + "[" * 20000 + "]" * 20000 + "\n",
        "twice": _pack(RULE.format(id="a", match="hello") + "    severity: high\n"),
        "self": _pack(RULE.format(id="a", match="hello") + "    after: a\n"),
        "circle": _pack(
            RULE.format(id="a", match="hello") + "    after: b\n",
            RULE.format(id="b", match="bye") + "    before: a\n",
        ),
    }
    says = {
        "custom-attr": "custom attributes ('_') are not available in rule packs",
        "deep": "invalid YAML: nested too deeply",
        "twice": "twice.yaml:10 key 'severity' is given twice in one mapping (first on line 7)",
        "self": "circle through after/before (a -> a)",
        "circle": "circle through after/before (a -> b -> a)",
    }
    for name, text in packs.items():
        (tmp_path / f"{name}.yaml").write_text(text)
        with pytest.raises(RulePackError) as info:
            load_pack(tmp_path / f"{name}.yaml")
        assert says[name] in str(info.value), name
    proc = run_cli("rules", "lint", *(str(tmp_path / f"{n}.yaml") for n in packs))
    assert proc.returncode == 1
    _no_traceback(proc)
    assert all(s in proc.stdout for s in says.values()), proc.stdout


# 12 -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_out_that_is_a_file_or_read_only_is_a_clear_error(shared_tmp: Path) -> None:
    afile = shared_tmp / "taken"
    afile.write_text("not a folder")
    proc = run_cli("scan", str(CHAT), "--out", str(afile))
    assert proc.returncode == 2, proc.stderr
    assert f"--out {afile}: this is a file; give a folder for the findings" in proc.stderr
    _no_traceback(proc)
    locked = shared_tmp / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    proc = run_unprivileged("scan", str(CHAT), "--out", str(locked))
    assert proc.returncode == 3, proc.stderr
    assert f"--out {locked}: cannot write there (Permission denied)" in proc.stderr
    _no_traceback(proc)


# 13 -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_second_scan_of_a_busy_out_stops_at_once_with_a_message(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY)  # another scan, as the kernel sees it: a lock on the folder
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        proc = run_cli("scan", str(CHAT), "--out", str(out))
    finally:
        os.close(fd)
    assert proc.returncode == 3, proc.stderr
    assert "another scan is writing to this folder" in proc.stderr
    assert not (out / "index.sqlite").exists()
    assert run_cli("scan", str(CHAT), "--out", str(out), "-q").returncode == 0


@pytest.mark.slow
def test_two_scans_started_at_once_never_hit_a_locked_database(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "scanner", "scan", str(SAMPLES / "chats"), "--no-report"]
    for attempt in range(4):
        out = tmp_path / f"out{attempt}"
        procs = [
            subprocess.Popen([*cmd, "--out", str(out)], stderr=subprocess.PIPE, text=True, cwd=ROOT)
            for _ in range(2)
        ]
        results = [(p.wait(300), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
        codes = sorted(code for code, _ in results)
        assert codes in ([0, 0], [0, 3]), results
        for code, stderr in results:
            assert "database is locked" not in stderr and "Traceback" not in stderr
            if code == 3:
                assert "another scan is writing to this folder" in stderr
        assert _summary(out)["counts"]["ok"] == 4


# 14 -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_deep_json_many_channels_newlines_and_models_listing(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"format": "scanner.interaction/v1", "turns": ' + "[" * 100_000)
    with pytest.raises(TranscriptFormatError, match="nested too deeply"):
        read_transcript(deep)
    _wav(tmp_path / "many.wav", 1.0, channels=64)
    with pytest.raises(UnsupportedFormatError, match="64 audio channels"):
        load_audio(tmp_path / "many.wav")
    # a newline in a file name stays inside its log line
    batch = tmp_path / "in"
    batch.mkdir()
    shutil.copy(CHAT, batch / "two\nlines.txt")
    (batch / "bad\nname.json").write_text("{")
    proc = run_cli("scan", str(batch), "--out", str(tmp_path / "out"), "--no-report")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    assert any(
        line.startswith("ok ") and line.endswith("two\\nlines.txt  (8 turns)") for line in lines
    )
    assert any(
        line.startswith("failed ") and "bad\\nname.json:1: invalid JSON" in line for line in lines
    )
    # listing models writes nothing where it runs, nor anywhere else
    here = tmp_path / "elsewhere"
    here.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "SCANNER_MODELS_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    listed = subprocess.run(
        [sys.executable, "-m", "scanner", "models"],
        capture_output=True,
        text=True,
        cwd=here,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    assert "tiny.en\tpackage" in listed.stdout
    assert list(here.iterdir()) == [] and not (tmp_path / "cache").exists()


@pytest.mark.slow
def test_a_full_disk_while_writing_redacted_audio_stops_the_batch(tmp_path: Path) -> None:
    mnt = tmp_path / "small"
    mnt.mkdir()
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mnt)], capture_output=True
    )
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {res.stderr.decode().strip()}")
    try:
        call = SAMPLES / "calls" / "call-01-card-payment.wav"  # 60 s: a 3.8 MB redacted WAV
        out = mnt / "out"
        proc = run_cli("scan", str(call), "--out", str(out), "--redact-audio", "tone")
        assert proc.returncode == 3, proc.stderr
        assert "no space left on the device" in proc.stderr
        assert "run the same command again" in proc.stderr
        _no_traceback(proc)
        assert not list(out.glob("*.json"))  # nothing recorded as done, nothing half-written
        assert not list(out.glob(".*.tmp"))
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
