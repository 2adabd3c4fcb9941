"""Helpers that read a whole recording do it a block at a time, so a long call fits in a
worker's memory: they must still give the answers the one-pass versions gave."""

from __future__ import annotations

import numpy as np
import pytest

from scanner.audio import load_audio
from scanner.process import _same_channels
from tests.helpers import SAMPLES


def test_same_channels_tells_a_duplicated_channel_from_two_parties() -> None:
    stereo = load_audio(SAMPLES / "calls" / "call-01-card-payment.wav").channels
    agent, customer = stereo
    noise = np.random.default_rng(0).normal(0, 1e-3, len(agent)).astype(np.float32)
    assert _same_channels(agent, agent + noise)
    assert not _same_channels(agent, customer)
    assert not _same_channels(agent, np.zeros_like(agent))
    # the blocked sums agree with numpy's one-pass correlation
    whole = float(np.corrcoef(agent, customer)[0, 1])
    assert abs(whole) < 0.5
    assert _same_channels(agent, agent * 0.5 + noise) == (
        float(np.corrcoef(agent, agent * 0.5 + noise)[0, 1]) >= 0.98
    )


def test_a_disk_channel_slices_like_the_array_it_holds() -> None:
    from scanner.audio import DiskChannel

    data = np.random.default_rng(2).normal(0, 0.1, 50_000).astype(np.float32)
    ch = DiskChannel()
    for i in range(0, len(data), 7_000):  # written frame by frame, as decoding does
        ch.append(data[i : i + 7_000])
    assert len(ch) == len(data)
    for a, b in [(0, 10), (123, 45_678), (49_990, 60_000), (-100, None), (5, 5), (None, None)]:
        assert np.array_equal(ch[a:b], data[a:b])


@pytest.mark.slow
def test_a_long_recording_kept_on_disk_scans_as_it_would_in_memory(monkeypatch) -> None:
    """The same mono call (pitch-based roles, loudness, voice activity) and stereo call
    (same-channel check, two channels decoded together), scanned in memory and from disk."""
    import scanner.audio as audio_mod
    from scanner import Processor, ScanOptions, discover

    calls = [
        SAMPLES / "calls" / n for n in ("call-03-collections-plan.mp3", "call-01-card-payment.wav")
    ]
    items, _ = discover(calls)
    proc = Processor(ScanOptions(keep_unredacted=True))
    in_memory = [proc.process(item) for item in items]
    monkeypatch.setattr(audio_mod, "DISK_AFTER_S", 1.0)
    assert isinstance(audio_mod.load_audio(calls[0]).channels[0], audio_mod.DiskChannel)
    on_disk = [proc.process(item) for item in items]
    for a, b in zip(in_memory, on_disk):
        assert a.error is None and b.error is None
        assert a.interaction.turns == b.interaction.turns
        assert a.interaction.speakers == b.interaction.speakers
        assert a.interaction.conversation == b.interaction.conversation
        assert a.rules == b.rules
