"""No error message quotes the input, keys included: a transcript and metadata made of a
sentinel string, and the sentinel is in no message, findings file, summary, index or report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scanner.errors import MetadataError
from scanner.ingest import BatchMetadata
from scanner.metadata import read_batch_csv

from .conftest import sox
from .helpers import SAMPLES, run_cli

S = "Qzx Sentinel"  # keys and values that could be someone's name
NEEDLE = "qzx"
V1 = "scanner.interaction/v1"
GOOD_TURNS = [{"speaker": "agent", "text": "Hello, how can I help?"}]


def _json(path: Path, doc: object) -> None:
    path.write_text(json.dumps(doc))


def _sentinel_batch(root: Path) -> Path:
    batch = root / "batch"
    batch.mkdir()
    _json(batch / "turn-key.json", {"format": V1, "turns": [{"speaker": "agent", "text": S, S: S}]})
    _json(batch / "root-key.json", {"format": V1, S: S, "turns": GOOD_TURNS})
    _json(batch / "meta-value.json", {"format": V1, "metadata": {S: [S]}, "turns": GOOD_TURNS})
    _json(batch / "speaker.json", {"format": V1, "turns": [{"speaker": S, "text": S}]})
    _json(batch / "start.json", {"format": V1, "turns": [{**GOOD_TURNS[0], "start": S}]})
    _json(batch / "format.json", {"format": S, "medium": S, "turns": [S]})
    (batch / "label.txt").write_text(f"{S}: hello\n")
    (batch / "nolabel.txt").write_text(f"{S}\n")
    (batch / "voice.vtt").write_text(f"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v {S}>hi</v>\n")
    (batch / "bad.srt").write_text(f"1\n{S}\n")
    (batch / "bytes.txt").write_bytes(f"Agent: {S} ".encode() + b"\xff\xfe\n")
    # good files whose metadata keys and values are the sentinel: dropped, name not shown
    _json(batch / "good.json", {"format": V1, "metadata": {S: S, "notes": S}, "turns": GOOD_TURNS})
    shutil.copy(SAMPLES / "chats" / "chat-01-complaint-handled.txt", batch / "chat.txt")
    (batch / "metadata.csv").write_text(f"file,team,{S},notes\nchat.txt,t1,{S},{S}\n")
    return batch


def _assert_nowhere(out: Path, *texts: str) -> None:
    for text in texts:
        assert NEEDLE not in text.lower(), text
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {"summary.json", "index.sqlite", "report.html", "interactions.csv"} <= {
        p.name for p in files
    }
    for p in files:
        assert NEEDLE not in p.read_bytes().decode("utf-8", "replace").lower(), p.name


@pytest.mark.slow
def test_errors_and_outputs_never_quote_transcript_or_metadata_content(tmp_path: Path) -> None:
    batch = _sentinel_batch(tmp_path)
    out = tmp_path / "out"
    res = run_cli("scan", str(batch), "--out", str(out))
    assert res.returncode == 1, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    codes = {e["id"]: (e.get("error") or {}).get("code") for e in summary["interactions"]}
    assert codes == {
        **dict.fromkeys(
            ["turn-key", "root-key", "meta-value", "speaker", "start", "format", "label",
             "nolabel", "voice", "bad", "bytes"],
            "transcript-format",
        ),
        "good": None,
        "chat": None,
    }  # fmt: skip
    messages = [e["error"]["message"] for e in summary["interactions"] if e.get("error")]
    assert any("[turns -> 0] unknown field (3rd field of the turn" in m for m in messages)
    assert json.loads((out / "good.json").read_text())["interaction"]["metadata_dropped"] == [
        "notes",
        "(a column whose name is not shown)",
    ]
    status = run_cli("status", str(out))
    verify = run_cli("verify", str(out))
    assert verify.returncode == 0, verify.stdout
    _assert_nowhere(out, res.stdout, res.stderr, status.stdout, status.stderr, verify.stdout)


def test_a_bad_agent_channel_in_the_batch_csv_is_not_quoted(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(SAMPLES / "chats" / "chat-01-complaint-handled.txt", batch / "chat.txt")
    (batch / "metadata.csv").write_text(f"file,agent_channel\nchat.txt,{S}\n")
    out = tmp_path / "out"
    res = run_cli("scan", str(batch), "--out", str(out))
    assert res.returncode == 1
    error = json.loads((out / "chat.json").read_text())["errors"][0]
    assert error["code"] == "metadata"
    assert error["message"].endswith("metadata.csv:2: agent_channel must be left/right (or 0/1)")
    _assert_nowhere(out, res.stdout, res.stderr, run_cli("status", str(out)).stdout)


@pytest.mark.parametrize(
    ("sidecar", "says"),
    [
        (json.dumps({"agent_channel": S}).encode(), "agent_channel must be left/right (or 0/1)"),
        (f'{{"team": "{S}", }}'.encode(), "not valid JSON (Expecting property name"),
        (f'{{"team": "{S}'.encode() + b'\xff"}', "not UTF-8 text (bad byte at offset 22)"),
    ],
)
def test_sidecar_errors_are_not_quoted(tmp_path: Path, sidecar: bytes, says: str) -> None:
    call = tmp_path / "call.wav"
    call.write_bytes(b"")
    (tmp_path / "call.wav.json").write_bytes(sidecar)
    with pytest.raises(MetadataError) as info:
        BatchMetadata().for_file(call)
    assert says in str(info.value) and str(info.value).startswith(f"{tmp_path}/call.wav.json")
    assert NEEDLE not in str(info.value).lower()


def test_batch_csv_read_errors_are_not_quoted(tmp_path: Path) -> None:
    csv = tmp_path / "metadata.csv"
    csv.write_bytes(f"file,team\nchat.txt,{S}".encode() + b"\xff\n")
    with pytest.raises(MetadataError) as info:
        read_batch_csv(csv)
    assert "not UTF-8 text (bad byte at offset" in str(info.value)
    assert NEEDLE not in str(info.value).lower() and "0xff" not in str(info.value)


@pytest.mark.slow
def test_a_recordings_sidecar_is_never_quoted_or_written(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    for name in ("kept", "bad"):
        sox("-n", "-r", "8000", "-c", "2", str(batch / f"{name}.wav"), "synth", "2", "sine", "300")
    _json(batch / "kept.wav.json", {"agent_channel": "left", S: S, "notes": S})
    _json(batch / "bad.wav.json", {"agent_channel": S})
    out = tmp_path / "out"
    res = run_cli("scan", str(batch), "--out", str(out))
    assert res.returncode == 1, res.stderr
    kept = json.loads((out / "kept.json").read_text())
    assert kept["interaction"]["metadata"] == {"agent_channel": 0}
    assert kept["interaction"]["metadata_dropped"] == [
        "notes",
        "(a column whose name is not shown)",
    ]
    bad = json.loads((out / "bad.json").read_text())["errors"][0]
    assert bad["code"] == "metadata" and bad["message"].endswith(
        "bad.wav.json: agent_channel must be left/right (or 0/1)"
    )
    _assert_nowhere(out, res.stdout, res.stderr, run_cli("status", str(out)).stdout)
