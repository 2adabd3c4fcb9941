"""--executor ray on a local Ray instance: the same findings as the local executor on every
sample, the same output layout, and the same fault isolation (a time limit stops an actor)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scanner import scan

from .helpers import SAMPLES, run_cli

pytestmark = pytest.mark.slow  # whisper, a browser or a real batch


def _same(a: dict, b: dict) -> None:
    assert a["status"] == b["status"]
    assert [t.get("text") for t in a["transcript"]["turns"]] == [
        t.get("text") for t in b["transcript"]["turns"]
    ]
    assert [t["speaker"] for t in a["transcript"]["turns"]] == [
        t["speaker"] for t in b["transcript"]["turns"]
    ]
    assert [(r["pack"], r["rule"], r["outcome"], r["reason"]) for r in a["results"]] == [
        (r["pack"], r["rule"], r["outcome"], r["reason"]) for r in b["results"]
    ]
    assert a["redaction"]["counts"] == b["redaction"]["counts"]
    assert a["interaction"]["metadata"] == b["interaction"]["metadata"]


def test_ray_executor_gives_the_same_findings_as_local(tmp_path: Path, default_scan: Path) -> None:
    out = tmp_path / "out"
    summary = scan([SAMPLES], out, executor="ray", workers=0)
    assert len(summary.results) == 9 and not summary.failed
    names = sorted(p.name for p in default_scan.glob("c*.json"))
    assert sorted(p.name for p in out.glob("c*.json")) == names
    for name in names:
        _same(json.loads((out / name).read_text()), json.loads((default_scan / name).read_text()))
    assert (out / "index.sqlite").is_file() and (out / "summary.json").is_file()
    # run again: the index says everything is done, Ray is not even needed
    again = scan([SAMPLES], out, executor="ray")
    assert len(again.reused) == 9 and not again.results


def test_ray_cli_time_limit_stops_only_that_file(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    shutil.copytree(SAMPLES / "chats", batch)
    shutil.copyfile(SAMPLES / "calls" / "call-01-card-payment.wav", batch / "a-call.wav")
    out = tmp_path / "out"
    cmd = ["scan", str(batch), "--out", str(out), "--executor", "ray", "--time-limit", "1.5"]
    res = run_cli(*cmd)
    assert res.returncode == 1, res.stderr
    call = json.loads((out / "a-call.json").read_text())
    assert call["errors"][0]["code"] == "time-limit"  # the same words as the local executor's
    assert "after 1.5 s" in call["errors"][0]["message"]
    assert "its worker was stopped" in call["errors"][0]["message"]
    for chat in (SAMPLES / "chats").glob("chat-*"):
        assert json.loads((out / f"{chat.stem}.json").read_text())["status"] == "ok"
    assert (out / "report.html").is_file()
