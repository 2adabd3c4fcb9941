"""Bad files get their own clear error result; the rest of the batch goes on; exit code says so."""

from __future__ import annotations

import json
import random
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from scanner import (
    AudioDecodeError,
    AudioTooLongError,
    EmptyAudioError,
    TruncatedAudioError,
    load_audio,
)

from .conftest import sox
from .helpers import SAMPLES, run_cli


@pytest.fixture()
def audio_dir(tmp_path: Path) -> Path:
    d = tmp_path / "audio"
    d.mkdir()
    sox(
        "-n",
        "-r",
        "8000",
        "-c",
        "2",
        str(d / "tone.wav"),
        "synth",
        "3",
        "sine",
        "300",
        "sine",
        "500",
    )
    full = (d / "tone.wav").read_bytes()
    (d / "truncated.wav").write_bytes(full[: len(full) // 3])
    (d / "not-audio.wav").write_text("Agent: this is a text file wearing a .wav name\n")
    (d / "empty.mp3").write_bytes(b"")
    sox("-n", "-r", "8000", "-c", "1", str(d / "silent.flac"), "trim", "0", "2")
    # fixed bytes: about one random 4 KB in 150 happens to parse as a container with no audio
    # stream, a different (also right) error, which made this test fail now and then
    (d / "garbage.ogg").write_bytes(random.Random(0).randbytes(4096))
    return d


def test_good_stereo_audio_decodes_to_two_16k_channels(audio_dir: Path) -> None:
    audio = load_audio(audio_dir / "tone.wav")
    assert len(audio.channels) == 2 and audio.source_channels == 2
    assert audio.source_rate == 8000
    assert abs(audio.duration - 3.0) < 0.01


@pytest.mark.parametrize(
    ("name", "error", "says"),
    [
        ("truncated.wav", TruncatedAudioError, "truncated: the header declares 3.0 s"),
        ("not-audio.wav", AudioDecodeError, "not a readable audio file"),
        ("empty.mp3", EmptyAudioError, "file is empty (0 bytes)"),
        ("silent.flac", EmptyAudioError, "only digital silence"),
        ("garbage.ogg", AudioDecodeError, "not a readable audio file"),
    ],
)
def test_bad_audio_raises_a_specific_error(
    audio_dir: Path, name: str, error: type, says: str
) -> None:
    with pytest.raises(error) as info:
        load_audio(audio_dir / name)
    assert str(info.value).startswith(str(audio_dir / name))
    assert says in str(info.value)


@pytest.mark.slow
def test_batch_with_bad_files_finishes_with_exact_per_file_errors(
    audio_dir: Path, tmp_path: Path
) -> None:
    batch = tmp_path / "batch"
    shutil.copytree(audio_dir, batch / "audio")
    shutil.copy(SAMPLES / "chats" / "chat-01-complaint-handled.txt", batch)
    (batch / "broken.json").write_text(
        '{"format": "scanner.interaction/v1", "turns": [{"speaker": "agent"}]}'
    )
    (batch / "no-speakers.txt").write_text("hello there\nhow are you\n")
    notes = tmp_path / "notes.docx"
    notes.write_bytes(b"PK\x03\x04")
    out = tmp_path / "out"
    proc = run_cli("scan", str(batch), str(notes), "--out", str(out))
    assert proc.returncode == 1, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    by_id = {e["id"]: e for e in summary["interactions"]}
    expect = {
        "chat-01-complaint-handled": None,
        "tone": None,
        "truncated": "audio-truncated",
        "not-audio": "audio-decode",
        "empty": "audio-empty",
        "silent": "audio-empty",
        "garbage": "audio-decode",
        "broken": "transcript-format",
        "no-speakers": "transcript-format",
        "notes": "unsupported-format",
    }
    assert {k: (v.get("error") or {}).get("code") for k, v in by_id.items()} == expect
    assert summary["counts"] == {**summary["counts"], "ok": 2, "failed": 8}
    assert summary["errors_by_code"]["audio-empty"] == 2
    # every file, failed or not, has its own result file naming the problem
    for ident, code in expect.items():
        doc = json.loads((out / f"{ident}.json").read_text())
        if code is None:
            assert doc["status"] == "ok" and doc["errors"] == []
        else:
            assert doc["status"] == "failed"
            assert doc["errors"][0]["code"] == code
            assert doc["errors"][0]["path"].endswith(by_id[ident]["source"].split("/")[-1])
    broken = json.loads((out / "broken.json").read_text())["errors"][0]["message"]
    assert "[turns -> 0 -> text] field required" in broken
    no_speakers = json.loads((out / "no-speakers.json").read_text())["errors"][0]["message"]
    assert no_speakers.endswith(
        "no-speakers.txt:1: line has no speaker prefix such as 'Agent:' or 'Customer:'"
    )
    assert "hello there" not in no_speakers  # content is never quoted in errors
    assert "failed" in proc.stderr and "2 scanned, 8 failed" in proc.stderr
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "temp files left behind"


@pytest.mark.slow
def test_all_good_batch_exits_zero(tmp_path: Path) -> None:
    proc = run_cli("scan", str(SAMPLES / "chats"), "--out", str(tmp_path / "o"), "-q")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_missing_model_is_fatal_with_a_clear_message(tmp_path: Path) -> None:
    proc = run_cli(
        "scan",
        str(SAMPLES / "calls" / "call-04-collections-threats.ogg"),
        "--out",
        str(tmp_path / "o"),
        "--model",
        "large-v9",
    )
    assert proc.returncode == 3
    assert "whisper model 'large-v9' not found" in proc.stderr
    assert "--allow-download" in proc.stderr


@pytest.mark.slow
def test_missing_input_path_is_a_per_file_error(tmp_path: Path) -> None:
    proc = run_cli("scan", str(tmp_path / "nope.wav"), "--out", str(tmp_path / "o"))
    assert proc.returncode == 1
    doc = json.loads((tmp_path / "o" / "nope.json").read_text())
    assert doc["errors"][0]["message"].endswith("nope.wav: no such file or folder")


@pytest.mark.slow
def test_absurdly_long_recordings_are_refused_before_decoding(tmp_path: Path) -> None:
    # five hours of 8-bit audio at 1 kHz (18 MB): refused from the header alone
    long_wav = tmp_path / "all-day.wav"
    rate, seconds = 1000, 5 * 3600
    tone = (128 + 60 * np.sin(2 * np.pi * 100 * np.arange(rate) / rate)).astype(np.uint8)
    with wave.open(str(long_wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(rate)
        w.writeframes(np.tile(tone, seconds).tobytes())
    with pytest.raises(AudioTooLongError, match=r"5.0 hours of audio is over the 4 hour limit"):
        load_audio(long_wav)
    res = run_cli("scan", str(long_wav), "--out", str(tmp_path / "o"), "-q")
    assert res.returncode == 1
    doc = json.loads((tmp_path / "o" / "all-day.json").read_text())
    assert doc["errors"][0]["code"] == "audio-too-long"
