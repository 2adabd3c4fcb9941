"""The independent leak check, and redacted audio transcribed again."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from scanner import ScanOptions, Transcriber, load_audio, scan
from scanner.verify import verify

from .helpers import SAMPLES, normalise, run_cli


@pytest.mark.slow
def test_verify_passes_a_redacted_scan(default_scan: Path) -> None:
    res = run_cli("verify", str(default_scan))
    assert res.returncode == 0, res.stdout
    assert "0 possible leaks" in res.stdout


@pytest.mark.slow
def test_verify_catches_an_unredacted_scan(unredacted_scan: Path) -> None:
    found = verify(unredacted_scan)
    kinds = {leak.kind for leak in found.leaks}
    assert found.files == 11 and found.problems == ()  # ten JSON files and the index
    assert {"digit run", "ssn", "email"} <= kinds
    res = run_cli("verify", str(unredacted_scan))
    assert res.returncode == 1
    assert "chat-04-collections-chat.json: transcript.turns[3].text: possible ssn" in res.stdout
    assert "078-05-1120" not in res.stdout  # the report never shows the value


def test_verify_reads_csv_html_and_sqlite(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,note\n1,call me on 07700 900123\n")
    (tmp_path / "r.html").write_text("<p>My name is Helen</p>\n<p>4111 1111 1111 1111</p>")
    con = sqlite3.connect(tmp_path / "index.sqlite")
    con.execute("CREATE TABLE t (v TEXT)")
    con.execute("INSERT INTO t VALUES ('james dot miller at example dot com')")
    con.commit()
    con.close()
    found = {(Path(leak.file).name, leak.kind) for leak in verify(tmp_path).leaks}
    assert found == {
        ("a.csv", "digit run"),
        ("r.html", "introduced name"),
        ("r.html", "card number"),
        ("index.sqlite", "spoken email"),
    }


@pytest.fixture(scope="module")
def redacted_call(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("audio")
    scan([SAMPLES / "calls" / "call-01-card-payment.wav"], out, ScanOptions(redact_audio="tone"))
    return out


@pytest.mark.slow
def test_redacted_audio_is_written_with_its_spans(redacted_call: Path) -> None:
    doc = json.loads((redacted_call / "call-01-card-payment.json").read_text())
    audio = doc["redaction"]["audio"]
    assert audio["file"] == "call-01-card-payment.redacted.wav" and audio["method"] == "tone"
    card = next(s for s in doc["redaction"]["spans"] if s["entity"] == "CREDIT_CARD")
    assert any(a <= card["start"] and card["end"] <= b for a, b in audio["spans"])
    wav = load_audio(redacted_call / audio["file"])
    assert abs(wav.duration - doc["interaction"]["duration"]) < 0.1


@pytest.mark.slow
def test_redacted_audio_transcribed_again_holds_no_personal_value(redacted_call: Path) -> None:
    wav = load_audio(redacted_call / "call-01-card-payment.redacted.wav")
    tr = Transcriber()
    said = normalise(" ".join(t.text for ch in wav.channels for t in tr.transcribe(ch)))
    # the call is still there (the tiny model re-hears "debit" as "credit" once the tones
    # break the audio up) ...
    assert "card" in said and "recorded" in said
    digits = re.sub(r"\D", "", said)
    for value in ("4929", "1234", "5678", "9012", "1982"):  # ... its personal values are not
        assert value not in digits, value
    for word in ("helen", "cho"):
        assert not re.search(rf"\b{word}\b", said), word
