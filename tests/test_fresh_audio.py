"""A call the scanner has never seen: synthesised here with espeak-ng in two voices, mixed to
mono and also laid out as stereo, then scanned through the public API."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from scanner import ScanOptions, scan

from .conftest import load
from .helpers import role_accuracy, wer

pytestmark = pytest.mark.slow  # whisper, a browser or a real batch

TURNS = [
    ("agent", "en-us", "Good afternoon, thank you for calling Acme Insurance, this is Robert."),
    ("customer", "en-us+f4", "Hello, I would like to cancel my policy please."),
    ("agent", "en-us", "I can help with that. Can I take your policy number?"),
    ("customer", "en-us+f4", "Yes, it is seven two four nine one."),
    ("agent", "en-us", "Thank you. Is there anything else I can help you with today?"),
]
RATE = 16000


def _speak(voice: str, text: str, tmp: Path) -> np.ndarray:
    wav = tmp / "t.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), text], check=True)
    x, sr = sf.read(wav, dtype="float32")
    n = int(len(x) * RATE / sr)
    return np.interp(np.arange(n) * sr / RATE, np.arange(len(x)), x).astype(np.float32)


@pytest.fixture(scope="module")
def fresh_calls(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, list[tuple[str, float, float]]]:
    tmp = tmp_path_factory.mktemp("fresh")
    pieces, placed, t = [], [], 0.4
    for role, voice, text in TURNS:
        audio = _speak(voice, text, tmp)
        pieces.append((role, int(t * RATE), audio))
        placed.append((role, t, t + len(audio) / RATE))
        t += len(audio) / RATE + 0.8
    total = int((t + 0.4) * RATE)
    agent, customer = np.zeros(total, np.float32), np.zeros(total, np.float32)
    for role, start, audio in pieces:
        (agent if role == "agent" else customer)[start : start + len(audio)] += audio
    calls = tmp / "calls"
    calls.mkdir()
    sf.write(calls / "fresh-mono.wav", 0.7 * (agent + customer), RATE)
    # agent on the right this time, declared in a sidecar
    sf.write(calls / "fresh-stereo.flac", np.stack([customer, agent], axis=1) * 0.7, RATE)
    (calls / "fresh-stereo.flac.json").write_text('{"agent_channel": "right"}')
    return calls, placed


def test_fresh_calls_scan_with_right_roles_and_words(fresh_calls, tmp_path: Path) -> None:
    calls, placed = fresh_calls
    summary = scan([calls], tmp_path / "out", ScanOptions(keep_unredacted=True))
    assert [r.ok for r in summary.results] == [True, True]
    script = " ".join(text for _, _, text in TURNS)
    mono = load(tmp_path / "out", "fresh-mono")
    stereo = load(tmp_path / "out", "fresh-stereo")
    assert mono["interaction"]["speakers"]["method"] == "inferred"
    assert stereo["interaction"]["speakers"]["agent_channel"] == 1
    for doc in (mono, stereo):
        said = " ".join(t["text"] for t in doc["transcript"]["turns"])
        assert wer(script, said) < 0.35, said
        assert role_accuracy(doc, placed) >= 0.9
        assert doc["transcript"]["turns"][0]["speaker"] == "agent"
