"""Decoding recordings into per-channel 16 kHz float arrays, with errors that say what is wrong.

PyAV (already a faster-whisper dependency) reads every container ffmpeg reads, so one code path
serves wav, mp3, flac, ogg and m4a. We decode ourselves rather than through faster-whisper so
that channels stay apart (agent and customer are usually on separate channels) and so that a
truncated or corrupt file is caught rather than silently transcribed in part.
"""

from __future__ import annotations

import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from .errors import (
    AudioDecodeError,
    AudioTooLongError,
    EmptyAudioError,
    InputError,
    TruncatedAudioError,
    UnsupportedFormatError,
)

SAMPLE_RATE = 16000
AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".aac"})
# more channels than this are not a call recording ffmpeg can mix down to two
MAX_CHANNELS = 8
_MAX_CHUNKS = 256  # RIFF chunks looked at before the data chunk: real files have a handful
# a file whose decodable audio falls this far short of what its header declares is truncated
_TRUNCATION_TOLERANCE = 0.05


# recordings longer than this are kept on disk, not in memory (`DiskChannel`): four hours of
# stereo is 1.8 GB of float32, more than a worker's memory budget
DISK_AFTER_S = 30 * 60


class DiskChannel:
    """One channel of a long recording, in an unlinked temporary file, read a slice at a time:
    `len(ch)` and `ch[a:b]` (a float32 array) are all the stages ask of a channel, so they
    work on it unchanged while only the slices they are working on are in memory."""

    def __init__(self) -> None:
        # closed with the channel (__del__), not at the end of a block
        self._file = tempfile.TemporaryFile(prefix="scanner-audio-")  # noqa: SIM115
        self._length = 0

    def append(self, samples: np.ndarray) -> None:
        self._file.write(np.ascontiguousarray(samples, dtype=np.float32).tobytes())
        self._length += len(samples)

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, key: slice) -> np.ndarray:
        if not isinstance(key, slice):
            raise TypeError("a DiskChannel is read by slices")
        start, stop, step = key.indices(self._length)
        if step != 1:
            raise TypeError("a DiskChannel is read by contiguous slices")
        if stop <= start:
            return np.zeros(0, np.float32)
        self._file.flush()
        raw = os.pread(self._file.fileno(), (stop - start) * 4, start * 4)
        return np.frombuffer(raw, np.float32)

    def __del__(self) -> None:
        self._file.close()


@dataclass(frozen=True)
class Audio:
    """Decoded audio: one array per channel (at most two), 16 kHz mono float32 each; for a
    recording longer than DISK_AFTER_S, a DiskChannel each (sliced like an array)."""

    channels: tuple[np.ndarray | DiskChannel, ...]
    source_channels: int
    source_rate: int
    codec: str

    @property
    def duration(self) -> float:
        return len(self.channels[0]) / SAMPLE_RATE if self.channels else 0.0


# a contact-centre call is minutes long; hours usually mean a wrong file (a whole day's
# recording, a concatenation), which would hold a worker and its memory for a long time
MAX_SECONDS = 4 * 3600


def load_audio(path: Path, max_seconds: float | None = MAX_SECONDS) -> Audio:
    """Decode a recording, keeping left and right apart; raise an InputError on bad files
    and refuse ones longer than max_seconds (None: no limit) before decoding them."""
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            raise EmptyAudioError(str(path), "file is empty (0 bytes)")
        _check_wav_length(path)
    except OSError as exc:
        raise InputError(str(path), f"cannot read the file ({exc.strerror})") from exc
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise AudioDecodeError(str(path), f"not a readable audio file ({_reason(exc)})") from exc
    with container:
        if not container.streams.audio:
            raise AudioDecodeError(str(path), "no audio stream in the file")
        stream = container.streams.audio[0]
        if stream.codec_context is None:
            raise AudioDecodeError(str(path), "no decoder for its audio codec")
        source_channels = stream.codec_context.channels or 1
        if source_channels > MAX_CHANNELS:
            raise UnsupportedFormatError(
                str(path),
                f"{source_channels} audio channels: the scanner reads mono and two-channel "
                f"(agent and customer) recordings, and mixes down up to {MAX_CHANNELS}",
            )
        source_rate = stream.codec_context.sample_rate or 0
        declared = _declared_seconds(container, stream)
        if max_seconds is not None and declared > max_seconds:
            raise AudioTooLongError(
                str(path),
                f"{declared / 3600:.1f} hours of audio is over the {max_seconds / 3600:g} hour "
                "limit (a call is minutes long; pass --max-hours to allow longer files)",
            )
        layout = "stereo" if source_channels >= 2 else "mono"
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
        out = _Samples(2 if layout == "stereo" else 1, declared)
        try:
            for frame in container.decode(stream):
                frame.pts = None
                for f in resampler.resample(frame):
                    out.add(f.to_ndarray())
            for f in resampler.resample(None):
                out.add(f.to_ndarray())
        except av.FFmpegError as exc:
            raise AudioDecodeError(
                str(path), f"corrupt audio after {out.size / SAMPLE_RATE:.1f} s ({_reason(exc)})"
            ) from exc
    if not out.size:
        raise EmptyAudioError(str(path), "no audio samples could be decoded")
    channels = out.channels()
    decoded = out.size / SAMPLE_RATE
    if declared and decoded < declared * (1 - _TRUNCATION_TOLERANCE) - 0.1:
        raise TruncatedAudioError(
            str(path),
            f"truncated: the header declares {declared:.1f} s of audio but only "
            f"{decoded:.1f} s could be decoded",
        )
    if decoded < 0.1:
        raise EmptyAudioError(str(path), f"audio is too short to hold speech ({decoded:.2f} s)")
    block = 1 << 20  # looked at a block at a time: np.abs of the whole call is another copy
    if not any(
        np.abs(ch[i : i + block]).max() > 1e-4 for ch in channels for i in range(0, out.size, block)
    ):
        raise EmptyAudioError(str(path), "audio holds only digital silence")
    return Audio(
        channels=channels,
        source_channels=source_channels,
        source_rate=source_rate,
        codec=stream.codec_context.name,
    )


class _Samples:
    """Decoded frames written into one array sized from the declared length (grown by half
    when a header understated it), instead of a list of frames joined at the end: the join
    held every sample twice, 3.7 GB for a 4-hour stereo call. A recording declared longer
    than DISK_AFTER_S goes to a DiskChannel per channel instead."""

    def __init__(self, channels: int, declared_s: float) -> None:
        self.disk = [DiskChannel() for _ in range(channels)] if declared_s > DISK_AFTER_S else []
        # a header is outside input: trust it for at most four hours, grow past that if real
        start = 0 if self.disk else int(min(max(declared_s, 0.0), 4 * 3600) * SAMPLE_RATE)
        self._data = np.empty((channels, start + SAMPLE_RATE), np.float32)
        self.size = 0

    def add(self, frame: np.ndarray) -> None:
        n = frame.shape[1]
        if self.disk:
            for ch, row in zip(self.disk, frame):
                ch.append(row)
            self.size += n
            return
        if self.size + n > self._data.shape[1]:
            grown = np.empty(
                (len(self._data), max(self.size + n, self._data.shape[1] * 3 // 2)), np.float32
            )
            grown[:, : self.size] = self._data[:, : self.size]
            self._data = grown
        self._data[:, self.size : self.size + n] = frame
        self.size += n

    def channels(self) -> tuple[np.ndarray | DiskChannel, ...]:
        """The samples per channel (views, no copy; the unused tail is a second at most)."""
        if self.disk:
            return tuple(self.disk)
        return tuple(np.ascontiguousarray(row) for row in self._data[:, : self.size])


def _check_wav_length(path: Path) -> None:
    """A WAV whose data chunk declares more audio than the file holds is truncated. ffmpeg
    quietly takes the file's length for the truth, so the header is read here."""
    found = wav_data_extent(path)
    if found is None:
        return
    declared, present, unfinished = found
    if present < declared * (1 - _TRUNCATION_TOLERANCE) - 0.1:
        hint = " (its header was never finished, as a recorder stopped mid-call leaves it)"
        raise TruncatedAudioError(
            str(path),
            f"truncated: the header declares {declared:.1f} s of audio but the file holds "
            f"only {present:.1f} s{hint if unfinished else ''}",
        )


def wav_data_extent(path: Path) -> tuple[float, float, bool] | None:
    """For a RIFF WAV: seconds its data chunk declares, seconds the file holds, and whether
    the size is the placeholder of an unfinished header. None for anything else."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
            return None
        order = "<" if head[:4] == b"RIFF" else ">"
        byte_rate = 0
        pos = 12
        for _ in range(_MAX_CHUNKS):
            if pos + 8 > size:
                break
            fh.seek(pos)
            chunk, length = struct.unpack(f"{order}4sI", fh.read(8))
            if chunk == b"fmt ":
                fmt = fh.read(min(length, 16))
                if len(fmt) >= 12:
                    byte_rate = struct.unpack(f"{order}I", fmt[8:12])[0]
            elif chunk == b"data":
                if not byte_rate:
                    return None
                present = size - pos - 8
                return length / byte_rate, present / byte_rate, length >= 0xFFFFF000
            pos += 8 + length + (length & 1)
    return None


def declared_seconds(path: Path) -> float | None:
    """The duration a file's header declares, without decoding it; None if unreadable."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                return None
            return _declared_seconds(container, container.streams.audio[0]) or None
    except (av.FFmpegError, OSError, ValueError):
        return None


def _declared_seconds(container: av.container.InputContainer, stream: av.AudioStream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return 0.0


def _reason(exc: av.FFmpegError) -> str:
    return getattr(exc, "strerror", None) or type(exc).__name__
