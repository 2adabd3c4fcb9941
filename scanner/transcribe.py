"""Speech to timed words with faster-whisper, tuned for phone calls on a CPU.

Defaults and why:
- int8 on CPU: about twice as fast as float32 with no measurable loss on call audio.
- VAD on: a channel of a stereo call is about half silence (the other party is talking), and
  whisper invents words in long silences. We cut the speech out ourselves and join it with one
  second of silence between pieces, then map each word back by the piece it falls in.
  faster-whisper's own VAD joins pieces back to back and maps words by their midpoint; on the
  samples that moved a whole customer utterance 8 seconds later, past the agent's next turn,
  which breaks time-window rules. The silence gap keeps whisper's alignment inside a piece.
- no conditioning on previous text: a misheard digit string otherwise seeds a repetition loop
  that runs on to the end of the file; loops that still slip through are collapsed here and the
  turn is flagged.
- word timestamps on: audio redaction needs to know where each personal value was said.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import numpy as np

from .audio import SAMPLE_RATE
from .cjk import has_han, join, simplified
from .conversation import subtract
from .models import DEFAULT_WHISPER, ResolvedModel, resolve_whisper
from .types import Turn, Word

# a run of one to four words repeated this many times in a row is a decoding loop
_MAX_REPEATS = 6


@dataclass(frozen=True)
class TranscribeOptions:
    """The knobs a user may turn; everything else stays at the tuned defaults."""

    model: str = DEFAULT_WHISPER
    compute_type: str = "int8"
    cpu_threads: int = 0  # 0 = every core
    beam_size: int = 5
    language: str | None = "en"
    vad: bool = True
    # Silero's default 0.5 drops much of a male voice on the 300-3400 Hz phone band (measured
    # on samples/: speech scored 0.3-0.6, line noise under 0.02); 0.15/0.05 keeps all of it
    vad_threshold: float = 0.15
    vad_min_silence_ms: int = 500
    allow_download: bool = False
    # names the centre uses (organisations, products), given to whisper as hot words
    hotwords: tuple[str, ...] = ()
    extra: dict[str, object] = field(default_factory=dict, hash=False, compare=False)


class Transcriber:
    """Loads the model once and transcribes any number of channels with it."""

    def __init__(self, options: TranscribeOptions | None = None) -> None:
        from faster_whisper import WhisperModel

        self.options = options or TranscribeOptions()
        self.model_info: ResolvedModel = resolve_whisper(
            self.options.model, allow_download=self.options.allow_download
        )
        threads = self.options.cpu_threads or os.cpu_count() or 1
        self._model = WhisperModel(
            str(self.model_info.path),
            device="cpu",
            compute_type=self.options.compute_type,
            cpu_threads=threads,
            local_files_only=True,
        )
        self._multilingual = self._model.model.is_multilingual

    def describe(self) -> dict[str, object]:
        o = self.options
        return {
            "name": self.model_info.name,
            "origin": self.model_info.origin,
            "compute_type": o.compute_type,
            "beam_size": o.beam_size,
            "vad": o.vad,
            "vad_threshold": o.vad_threshold if o.vad else None,
            "language": o.language if self._multilingual else "en",
        }

    def transcribe(
        self, samples: np.ndarray, channel: int | None = None, hotwords: tuple[str, ...] = ()
    ) -> list[Turn]:
        """One channel of 16 kHz audio to a list of segments (speaker still unknown).
        `hotwords`: names this interaction's metadata adds to the options' own."""
        return list(self.transcribe_channel(samples, channel, hotwords).turns)

    def transcribe_channel(
        self, samples: np.ndarray, channel: int | None = None, hotwords: tuple[str, ...] = ()
    ) -> ChannelText:
        """A channel's segments, and what of its speech they do not account for.

        Fails closed: when the words cover little of the speech voice activity found (whisper's
        hallucination filter can drop a slowly read digit list whole), the channel is decoded
        again without that filter and the better of the two kept; speech still without words
        is returned as `untranscribed`, so redacted audio masks it, and a channel with speech
        but no words at all says so in `empty`."""
        o = self.options
        raw = voice_activity(samples, o)
        voice = tuple((a / SAMPLE_RATE, b / SAMPLE_RATE) for a, b in raw)
        pieces = padded(raw, len(samples)) if o.vad else [(0, len(samples))]
        if not pieces:
            return ChannelText((), (), (), False, False)
        speech = tuple((a / SAMPLE_RATE, b / SAMPLE_RATE) for a, b in pieces)
        turns = self._decode(samples, pieces, channel, hotwords, 2.0)
        retried = False
        if coverage(turns, speech) < RETRY_BELOW:
            again = self._decode(samples, pieces, channel, hotwords, None)
            retried = True
            if coverage(again, speech) > coverage(turns, speech):
                turns = again
        gaps = untranscribed(turns, speech)
        talk = sum(b - a for a, b in speech)
        empty = not turns and talk >= MIN_SPEECH_S
        return ChannelText(tuple(turns), speech, tuple(gaps), retried, empty, voice)

    def _decode(
        self,
        samples: np.ndarray,
        pieces: list[tuple[int, int]],
        channel: int | None,
        hotwords: tuple[str, ...],
        hallucination_silence: float | None,
    ) -> list[Turn]:
        o = self.options
        audio, spans = compact(samples, pieces)
        kwargs: dict[str, object] = {
            "language": o.language if self._multilingual else None,
            "beam_size": o.beam_size,
            "vad_filter": False,
            "condition_on_previous_text": False,
            "word_timestamps": True,
            "hallucination_silence_threshold": hallucination_silence,
        }
        words = tuple(dict.fromkeys((*o.hotwords, *hotwords)))
        if words:
            kwargs["hotwords"] = ", ".join(words)
        kwargs.update(o.extra)
        segments, _info = self._model.transcribe(audio, **kwargs)  # type: ignore[arg-type]
        turns = []
        for seg in segments:
            raw = [_restore(w, spans) for w in (seg.words or [])]
            words, looped = collapse_loops(join_word_pieces(raw))
            if not words:
                continue
            turns.append(
                Turn(
                    speaker="unknown",
                    text=join(w.text for w in words),
                    start=words[0].start,
                    end=words[-1].end,
                    words=words,
                    channel=channel,
                    flags=("repetition-collapsed",) if looped else (),
                )
            )
        return turns


# below this share of voice-activity time covered by words, a channel is decoded again
RETRY_BELOW = 0.3
# this much speech with no words at all: the channel's transcript cannot be trusted
MIN_SPEECH_S = 1.0
# a word accounts for the audio this far around it; what is left of a speech piece longer
# than UNHEARD_MIN_S is speech nobody transcribed; words under WORD_FLOOR count for nothing
WORD_REACH_S = 0.35
UNHEARD_MIN_S = 0.5
WORD_FLOOR = 0.1


@dataclass(frozen=True)
class ChannelText:
    """What transcribing one channel gave: segments, voice activity, and the speech that no
    word accounts for (all in seconds of the recording)."""

    turns: tuple[Turn, ...]
    speech: tuple[tuple[float, float], ...]
    untranscribed: tuple[tuple[float, float], ...]
    retried: bool
    empty: bool
    # voice activity without padding: where the party talked, for the conversation figures
    voice: tuple[tuple[float, float], ...] = ()


def _heard(turns: list[Turn] | tuple[Turn, ...]) -> list[tuple[float, float]]:
    return [
        (w.start - WORD_REACH_S, w.end + WORD_REACH_S)
        for t in turns
        for w in t.words
        if w.probability >= WORD_FLOOR
    ]


def coverage(turns, speech: tuple[tuple[float, float], ...]) -> float:
    """Share of the speech time that lies within reach of a confident word."""
    talk = sum(b - a for a, b in speech)
    if talk <= 0:
        return 1.0
    left = sum(b - a for a, b in subtract(speech, _heard(turns)))
    return 1.0 - left / talk


def untranscribed(turns, speech: tuple[tuple[float, float], ...]) -> list[tuple[float, float]]:
    """Stretches of speech, UNHEARD_MIN_S or longer, that no confident word accounts for."""
    return [
        (round(a, 3), round(b, 3))
        for a, b in subtract(speech, _heard(turns))
        if b - a >= UNHEARD_MIN_S
    ]


# silence put between speech pieces; long enough that whisper never aligns across it
GAP_S = 1.0
# speech pieces closer than this are kept as one
JOIN_S = 0.3


# speech pieces are widened this much each side before transcription (word onsets are soft)
VAD_PAD_S = 0.2


def speech_pieces(samples: np.ndarray, o: TranscribeOptions) -> list[tuple[int, int]]:
    """Sample ranges of speech to transcribe: voice activity padded, close ranges joined."""
    return padded(voice_activity(samples, o), len(samples))


def voice_activity(samples: np.ndarray, o: TranscribeOptions) -> list[tuple[int, int]]:
    """Sample ranges where Silero VAD hears speech, without padding: where someone talked.
    VAD runs once; the transcriber's pieces are these, padded (`padded`)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    found = get_speech_timestamps(
        samples,
        VadOptions(
            threshold=o.vad_threshold,
            neg_threshold=max(0.01, o.vad_threshold - 0.1),
            min_silence_duration_ms=o.vad_min_silence_ms,
            speech_pad_ms=0,
        ),
    )
    return [(int(t["start"]), int(t["end"])) for t in found]


def padded(found: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Activity widened by VAD_PAD_S each side (as Silero's own padding does: a gap shorter than
    two pads is split in the middle) and pieces closer than JOIN_S joined."""
    pad = int(VAD_PAD_S * SAMPLE_RATE)
    wide: list[list[int]] = [[a, b] for a, b in found]
    for i, w in enumerate(wide):
        if i == 0:
            w[0] = max(0, w[0] - pad)
        if i < len(wide) - 1:
            gap = wide[i + 1][0] - w[1]
            half = gap // 2 if gap < 2 * pad else pad
            w[1] = min(length, w[1] + half)
            wide[i + 1][0] = max(0, wide[i + 1][0] - half)
        else:
            w[1] = min(length, w[1] + pad)
    pieces: list[tuple[int, int]] = []
    for a, b in wide:
        if pieces and a - pieces[-1][1] < JOIN_S * SAMPLE_RATE:
            pieces[-1] = (pieces[-1][0], b)
        else:
            pieces.append((a, b))
    return pieces


def compact(
    samples: np.ndarray, pieces: list[tuple[int, int]]
) -> tuple[np.ndarray, list[tuple[float, float, float]]]:
    """Join speech pieces with GAP_S of silence; spans map compacted time back to the original
    as (compacted start, compacted end, original start) in seconds."""
    gap = np.zeros(int(GAP_S * SAMPLE_RATE), dtype=np.float32)
    parts: list[np.ndarray] = []
    spans: list[tuple[float, float, float]] = []
    pos = 0
    for start, end in pieces:
        if parts:
            parts.append(gap)
            pos += len(gap)
        parts.append(samples[start:end])
        spans.append((pos / SAMPLE_RATE, (pos + end - start) / SAMPLE_RATE, start / SAMPLE_RATE))
        pos += end - start
    return np.concatenate(parts).astype(np.float32, copy=False), spans


@dataclass(frozen=True)
class _RawWord:
    word: str
    start: float
    end: float
    probability: float


def _restore(w: object, spans: list[tuple[float, float, float]]) -> _RawWord:
    """Map a word from compacted time back to the recording, by the piece its middle is in."""
    mid = (w.start + w.end) / 2  # type: ignore[attr-defined]
    cs, ce, orig = spans[-1]
    for span in spans:
        if mid <= span[1] + GAP_S / 2:
            cs, ce, orig = span
            break
    start = min(max(w.start, cs), ce) - cs + orig  # type: ignore[attr-defined]
    end = min(max(w.end, cs), ce) - cs + orig  # type: ignore[attr-defined]
    return _RawWord(w.word, start, max(start, end), w.probability)  # type: ignore[attr-defined]


def join_word_pieces(raw: list) -> tuple[Word, ...]:
    """Whisper splits '1,200' or 'e-mail' into pieces without a leading space; join them back
    so a word is what a reader would call one, with the weakest piece's probability."""
    words: list[Word] = []
    for w in raw:
        text = w.word
        if not text.strip():
            continue
        # a piece without a leading space continues the word ('1,200'), except in Chinese,
        # where no piece has one and each is a word of its own
        if words and not text[0].isspace() and not (has_han(text) or has_han(words[-1].text)):
            last = words[-1]
            words[-1] = Word(
                last.text + text.strip(),
                last.start,
                round(w.end, 3),
                min(last.probability, round(w.probability, 4)),
            )
        else:
            words.append(
                Word(
                    simplified(text.strip()),
                    round(w.start, 3),
                    round(w.end, 3),
                    round(w.probability, 4),
                )
            )
    return tuple(words)


def _norm(token: str) -> str:
    return re.sub(r"[^\w]", "", token.lower())


def collapse_loops(words: tuple[Word, ...]) -> tuple[tuple[Word, ...], bool]:
    """Cut any 1-4 word pattern repeated more than _MAX_REPEATS times down to _MAX_REPEATS."""
    keys = [_norm(w.text) for w in words]
    out: list[int] = []
    i, looped = 0, False
    while i < len(words):
        best = None
        for n in range(1, 5):
            reps = 1
            while keys[i : i + n] == keys[i + reps * n : i + (reps + 1) * n] and keys[i]:
                reps += 1
            if reps > _MAX_REPEATS and (best is None or reps * n > best[0] * best[1]):
                best = (reps, n)
        if best:
            reps, n = best
            out.extend(range(i, i + _MAX_REPEATS * n))
            i += reps * n
            looped = True
        else:
            out.append(i)
            i += 1
    return tuple(words[j] for j in out), looped
