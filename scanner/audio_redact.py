"""Redacted audio: every masked word's time span, padded, replaced by a tone or silence.

Word times come from whisper's alignment, which can be a little early or late, so each span is
padded (0.25 s each side by default) and overlapping spans merged. All channels are masked at
those times: the other party's channel often carries an echo of what was said.
"""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np

from .audio import SAMPLE_RATE, Audio
from .redact import Redacted
from .store import write_atomic

PAD_S = 0.25
TONE_HZ = 1000.0


def masked_times(
    red: Redacted,
    duration: float,
    pad: float = PAD_S,
    extra: tuple[tuple[float, float], ...] = (),
) -> list[tuple[float, float]]:
    """Merged, padded (start, end) seconds of every masked span that has audio times, and of
    `extra` spans (speech that no word accounts for: fail closed)."""
    times = [(s.start, s.end) for s in red.spans if s.start is not None and s.end is not None]
    raw = sorted(
        (max(0.0, a - pad), min(duration, b + pad))
        for a, b in [*times, *extra]  # type: ignore[misc]
    )
    merged: list[tuple[float, float]] = []
    for start, end in raw:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return [(round(a, 3), round(b, 3)) for a, b in merged]


def redact_samples(
    audio: Audio, spans: list[tuple[float, float]], method: str = "tone"
) -> np.ndarray:
    """(channels, samples) float32 with every span replaced."""
    data = np.stack([c[0 : len(c)] for c in audio.channels])  # a copy (channels may be on disk)
    for start, end in spans:
        a, b = int(start * SAMPLE_RATE), int(end * SAMPLE_RATE)
        if method == "tone":
            t = np.arange(b - a) / SAMPLE_RATE
            data[:, a:b] = 0.1 * np.sin(2 * np.pi * TONE_HZ * t)
        else:
            data[:, a:b] = 0.0
    return data


def write_wav(path: Path, data: np.ndarray) -> None:
    """16-bit PCM WAV at 16 kHz, written atomically."""
    pcm = (np.clip(data, -1.0, 1.0) * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(data.shape[0])
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.T.tobytes())
    write_atomic(path, buf.getvalue())
