"""Speaker helpers: pitch on real synthesised tones, splitting, merging, loop collapsing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scanner import Turn, Word, load_audio
from scanner.speakers import (
    _two_groups,
    assign_by_channel,
    infer_roles,
    median_pitch,
    merge_turns,
    split_at_pauses,
)
from scanner.transcribe import collapse_loops

from .conftest import sox


@pytest.mark.parametrize("hz", [95, 120, 165, 220])
def test_pitch_of_a_phone_band_voice_like_tone(tmp_path: Path, hz: int) -> None:
    """A sawtooth through the 300-3400 Hz phone band has lost its fundamental; YIN must still
    find it rather than a harmonic."""
    wav = tmp_path / "t.wav"
    sox(
        "-n",
        "-r",
        "8000",
        "-c",
        "1",
        str(wav),
        "synth",
        "1.5",
        "sawtooth",
        str(hz),
        "sinc",
        "300-3400",
        "vol",
        "0.5",
    )
    audio = load_audio(wav)
    f0 = median_pitch(audio.channels[0], 0.0, audio.duration)
    assert f0 is not None and abs(f0 - hz) / hz < 0.04


def test_pitch_of_silence_and_tiny_spans_is_unknown() -> None:
    assert median_pitch(np.zeros(16000, np.float32), 0.0, 1.0) is None
    assert median_pitch(np.ones(16000, np.float32), 0.0, 0.01) is None
    assert median_pitch(np.ones(16000, np.float32), None, 1.0) is None


def test_two_groups_finds_the_gap() -> None:
    threshold, gap = _two_groups(np.array([10.0, 10.5, 11.0, 19.0, 19.5]))
    assert 11.0 < threshold < 19.0 and gap == pytest.approx(8.75)


def _w(text: str, start: float, end: float) -> Word:
    return Word(text, start, end, 0.9)


def test_split_at_pauses_and_merge_back() -> None:
    seg = Turn(
        "unknown",
        "a b c d",
        0.0,
        3.0,
        (_w("a", 0.0, 0.4), _w("b", 0.5, 0.9), _w("c", 1.6, 2.0), _w("d", 2.1, 3.0)),
    )
    parts = split_at_pauses(seg)
    assert [(p.text, p.start, p.end) for p in parts] == [("a b", 0.0, 0.9), ("c d", 1.6, 3.0)]
    merged = merge_turns([p for p in parts])
    assert len(merged) == 1 and merged[0].text == "a b c d" and len(merged[0].words) == 4


def test_merge_keeps_speakers_apart_and_orders_by_time() -> None:
    turns = [
        Turn("customer", "two", 2.0, 3.0),
        Turn("agent", "one", 0.0, 1.0),
        Turn("agent", "three", 3.5, 4.0),
        Turn("agent", "four", 9.0, 10.0),
    ]
    merged = merge_turns(turns)
    assert [(t.speaker, t.text) for t in merged] == [
        ("agent", "one"),
        ("customer", "two"),
        ("agent", "three"),
        ("agent", "four"),
    ]


def test_channel_mapping_warns_when_wording_disagrees() -> None:
    left = [Turn("unknown", "I want to make a complaint, my card number is", 0.0, 2.0, channel=0)]
    right = [
        Turn("unknown", "Thank you for calling, this call may be recorded", 2.5, 4.0, channel=1)
    ]
    turns, mapping = assign_by_channel([left, right], agent_channel=0, configured=False)
    assert [t.speaker for t in turns] == ["agent", "customer"]
    assert mapping.confidence == 0.5
    assert any("check the channel mapping" in e for e in mapping.evidence)


def test_roles_from_wording_when_there_is_no_audio() -> None:
    segs = [
        Turn("unknown", "Thank you for calling Northwind, how can I help?", 0.0, 2.0),
        Turn("unknown", "Hi there", 3.0, 4.0),
        Turn("unknown", "Sure thing", 5.0, 6.0),
    ]
    turns, mapping = infer_roles(segs, None)
    assert [t.speaker for t in turns] == ["agent", "customer", "agent"]
    assert mapping.method == "inferred" and mapping.confidence < 0.6


def test_collapse_repetition_loops() -> None:
    words = tuple(_w(t, i, i + 0.5) for i, t in enumerate(["my", "number"] + ["1,"] * 20 + ["ok"]))
    out, looped = collapse_loops(words)
    assert looped and [w.text for w in out] == ["my", "number"] + ["1,"] * 6 + ["ok"]
    pattern = tuple(_w(t, i, i) for i, t in enumerate(["nine", "zero"] * 10))
    out, looped = collapse_loops(pattern)
    assert looped and len(out) == 12
    legit = tuple(_w(t, i, i) for i, t in enumerate(["five", "five", "five", "five", "one", "two"]))
    assert collapse_loops(legit) == (legit, False)
