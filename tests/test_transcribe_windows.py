"""How speech pieces are packed into decoding windows for the batched decoder: no window is
longer than whisper's 30 s input, nothing is lost or reordered, and a piece too long for one
window is cut where the audio is quietest, not mid-word."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.audio import SAMPLE_RATE
from scanner.transcribe import GAP_S, WINDOW_S, plan_windows

SR = SAMPLE_RATE


def _length(window: list[tuple[int, int]]) -> int:
    return sum(b - a for a, b in window) + int(GAP_S * SR) * (len(window) - 1)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 40 * SR), st.integers(1, 5 * SR)), max_size=30))
def test_windows_fit_whisper_and_keep_every_sample_in_order(spec) -> None:
    pieces, pos = [], 0
    for length, pause in spec:
        pos += pause
        pieces.append((pos, pos + length))
        pos += length
    samples = np.random.default_rng(0).normal(0, 0.1, pos + SR).astype(np.float32)
    plan = plan_windows(samples, pieces)
    assert all(_length(w) <= WINDOW_S * SR for w in plan)
    flat = [p for w in plan for p in w]
    assert flat == sorted(flat)
    covered = sum(b - a for a, b in flat)
    assert covered == sum(b - a for a, b in pieces)
    # cuts only split pieces, never join two
    for a, b in flat:
        assert any(pa <= a and b <= pb for pa, pb in pieces)


def test_short_pieces_share_a_window_until_it_is_full() -> None:
    samples = np.zeros(120 * SR, dtype=np.float32)
    pieces = [(i * 10 * SR, i * 10 * SR + 8 * SR) for i in range(10)]  # 8 s of speech each
    plan = plan_windows(samples, pieces)
    # 8 + 1 + 8 + 1 + 8 = 26 s fits, a fourth piece would not
    assert [len(w) for w in plan] == [3, 3, 3, 1]


def test_a_long_piece_is_cut_in_its_quietest_moment() -> None:
    rng = np.random.default_rng(1)
    samples = rng.normal(0, 0.3, 50 * SR).astype(np.float32)
    quiet = int(25.5 * SR)
    samples[quiet - SR // 20 : quiet + SR // 20] *= 0.001  # a 100 ms pause at 25.5 s
    plan = plan_windows(samples, [(0, 50 * SR)])
    assert len(plan) == 2
    cut = plan[0][0][1]
    assert abs(cut - quiet) < SR // 20
    assert plan[1][0] == (cut, 50 * SR)


def test_voice_activity_found_in_blocks_matches_one_pass(monkeypatch) -> None:
    """Long recordings are searched for speech a block at a time (bounded memory); on a real
    call cut into 10 s blocks the speech found is the same as in one pass, give or take the
    few windows where Silero's state restarts."""
    import scanner.transcribe as transcribe
    from scanner.audio import load_audio
    from tests.helpers import SAMPLES

    audio = load_audio(SAMPLES / "calls" / "call-03-collections-plan.mp3").channels[0]
    options = transcribe.TranscribeOptions()
    whole = transcribe.voice_activity(audio, options)
    monkeypatch.setattr(transcribe, "VAD_BLOCK_S", 320 * 512 / SR)  # 10.24 s
    blocked = transcribe.voice_activity(audio, options)
    assert len(audio) > 5 * 320 * 512  # several block boundaries fall in the call

    def talk(ranges):
        return sum(b - a for a, b in ranges) / SR

    assert abs(talk(blocked) - talk(whole)) < 0.05 * talk(whole)
    assert abs(len(blocked) - len(whole)) <= 3
    assert all(b1 < a2 for (_, b1), (a2, _) in pairwise(blocked))  # joined, in order
