"""Transcription fails closed: speech that no word accounts for is masked in redacted audio,
and a channel with speech but no words makes every verdict a question for a person."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from scanner import ScanOptions, load_audio, scan
from scanner.audio import SAMPLE_RATE
from scanner.audio_redact import TONE_HZ, masked_times
from scanner.redact import Redacted
from scanner.rules import RuleSet, default_rule_paths
from scanner.transcribe import TranscribeOptions, coverage, untranscribed
from scanner.types import Interaction, Turn, Word

from .helpers import SAMPLES


def _turn(*words: tuple[float, float, float]) -> Turn:
    ws = tuple(Word(f"w{i}", a, b, p) for i, (a, b, p) in enumerate(words))
    return Turn("unknown", " ".join(w.text for w in ws), ws[0].start, ws[-1].end, ws)


def test_speech_without_words_is_untranscribed() -> None:
    speech = ((1.0, 4.0), (10.0, 16.0))
    turns = [_turn((1.2, 1.6, 0.9), (1.7, 2.2, 0.8), (2.3, 3.8, 0.9))]
    # the first piece is accounted for; the second has no word at all
    assert untranscribed(turns, speech) == [(10.0, 16.0)]
    assert 0.3 < coverage(turns, speech) < 0.4


def test_a_word_below_the_confidence_floor_accounts_for_nothing() -> None:
    speech = ((0.0, 3.0),)
    assert untranscribed([_turn((0.5, 2.5, 0.02))], speech) == [(0.0, 3.0)]
    assert untranscribed([_turn((0.5, 2.5, 0.9))], speech) == []


def test_untranscribed_speech_is_masked_with_the_redacted_words() -> None:
    red = Redacted(turns=(), spans=())
    assert masked_times(red, 20.0, extra=((10.0, 16.0),)) == [(9.75, 16.25)]


def test_an_incomplete_transcript_makes_every_verdict_needs_review() -> None:
    turns = [
        Turn("agent", "Thank you for calling Harbour Energy, this is Sam. This call is recorded."),
        Turn("customer", "I want to make a complaint."),
    ]
    whole = Interaction.from_turns(turns, medium="voice")
    part = Interaction.from_turns(
        turns, medium="voice", review=("channel 1: 12.0 s of speech found, no words transcribed",)
    )
    rules = RuleSet.load(default_rule_paths())
    before = {r.rule: r.outcome for r in rules.evaluate(whole)}
    after = rules.evaluate(part)
    assert "passed" in before.values() and "failed" in before.values()
    assert {r.outcome for r in after} == {"needs_review"}
    assert all("transcript is incomplete" in r.reason for r in after)


@pytest.mark.slow
def test_a_channel_whisper_returns_empty_is_masked_and_flagged(tmp_path: Path) -> None:
    """Whisper run for real, told to drop every segment as silence (what its hallucination
    filter did to a slowly read card number): the retry finds nothing either, so the speech
    is masked in the redacted audio and the interaction needs review."""
    call = SAMPLES / "calls" / "call-01-card-payment.wav"
    drop_all = {"no_speech_threshold": 0.0, "log_prob_threshold": 10.0}
    opts = ScanOptions(redact_audio="tone", transcribe=TranscribeOptions(extra=drop_all))
    scan([call], tmp_path, opts)
    doc = json.loads((tmp_path / "call-01-card-payment.json").read_text())
    it = doc["interaction"]
    assert it["needs_review"] and "no words transcribed" in it["needs_review"][0]
    assert {r["outcome"] for r in doc["results"]} == {"needs_review"}
    gaps = it["untranscribed_speech"]
    audio = doc["redaction"]["audio"]
    assert audio["untranscribed_speech"] == gaps and gaps
    # every second of speech is masked: the redacted file is the tone wherever speech was
    wav = load_audio(tmp_path / audio["file"])
    for a, b in gaps:
        seg = wav.channels[0][int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)]
        t = np.arange(len(seg)) / SAMPLE_RATE
        tone = 0.1 * np.sin(2 * np.pi * TONE_HZ * t)
        assert abs(np.dot(seg, tone)) / (np.linalg.norm(seg) * np.linalg.norm(tone)) > 0.9
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["interactions"][0]["needs_review"]
