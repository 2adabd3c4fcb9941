"""Helpers that read a whole recording do it a block at a time, so a long call fits in a
worker's memory: they must still give the answers the one-pass versions gave."""

from __future__ import annotations

import numpy as np

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
