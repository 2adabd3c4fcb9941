"""Redaction on a real recorded human voice (Debian's asterisk-core-sounds-en-wav): card,
phone, ZIP, postcode, date of birth and spelled email said at a natural pace, some slowly.
Nothing of them may be left in what the scan writes, or be heard again in the redacted audio."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from scanner import ScanOptions, Transcriber, load_audio, scan

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

from bench_redaction_audio import found, written_text  # noqa: E402
from real_voice import available, write_calls  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not available(), reason="apt-get install asterisk-core-sounds-en-wav"),
]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    calls = tmp_path_factory.mktemp("calls")
    out = tmp_path_factory.mktemp("out")
    # seed 5 reads slowly and gives a ZIP code digit by digit; seed 2 spells an email
    truth = write_calls(calls, (2, 5))
    scan(sorted(calls.glob("*.wav")), out, ScanOptions(redact_audio="tone"))
    return out, truth


def test_no_value_is_left_in_anything_written(scanned: tuple[Path, dict]) -> None:
    out, truth = scanned
    for name, values in truth.items():
        text = written_text(out, name)
        assert "[CREDIT_CARD]" in text or "[NUMBER]" in text  # the scan did run and mask
        for v in values:
            assert not found(v, text), (name, v["kind"])


def test_no_value_is_heard_in_the_redacted_audio(scanned: tuple[Path, dict]) -> None:
    out, truth = scanned
    tr = Transcriber()
    for name, values in truth.items():
        doc = json.loads((out / f"{name}.json").read_text())
        wav = load_audio(out / doc["redaction"]["audio"]["file"])
        heard = " ".join(t.text for ch in wav.channels for t in tr.transcribe(ch))
        assert "zip code" in heard.lower() or "card number" in heard.lower()  # the call is there
        for v in values:
            assert not found(v, heard), (name, v["kind"], heard)
