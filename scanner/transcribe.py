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
- batched decoding: the speech pieces of every channel of a call are packed into windows of
  up to 30 s (cut at the silences between pieces) and decoded together, `batch_size` windows
  at a time, with faster-whisper's batched pipeline (about 1.5x the sequential speed on two
  cores, `bench/bench_pipeline.py`). The sequential decoder, with its temperature fallback,
  is kept as the second opinion when the words cover too little of the speech.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
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
    # windows decoded at once; 1 decodes sequentially (faster-whisper's own 30 s seek loop)
    batch_size: int = 8
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
        self._batched = None
        if self.options.batch_size > 1:
            from faster_whisper import BatchedInferencePipeline

            self._batched = BatchedInferencePipeline(self._model)

    def describe(self) -> dict[str, object]:
        o = self.options
        return {
            "name": self.model_info.name,
            "origin": self.model_info.origin,
            "compute_type": o.compute_type,
            "beam_size": o.beam_size,
            "batch_size": o.batch_size,
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
        """One channel's segments, and what of its speech they do not account for."""
        return self.transcribe_channels([samples], hotwords, channel)[0]

    def transcribe_channels(
        self,
        channels: list[np.ndarray] | tuple[np.ndarray, ...],
        hotwords: tuple[str, ...] = (),
        channel: int | None = None,
    ) -> list[ChannelText]:
        """Each channel's segments, and what of its speech they do not account for. The
        channels of a call are decoded together (one batch); `channel` labels a lone one.

        Fails closed: when the words cover little of the speech voice activity found (a
        decoder can drop a slowly read digit list whole), the channel is decoded again by the
        other decoder (sequential, no hallucination filter) and the better of the two kept;
        speech still without words is returned as `untranscribed`, so redacted audio masks it,
        and a channel with speech but no words at all says so in `empty`."""
        o = self.options
        labels = [channel] if len(channels) == 1 else list(range(len(channels)))
        with ThreadPoolExecutor(len(channels)) as pool:  # Silero runs on one thread each
            raws = list(pool.map(lambda c: voice_activity(c, o), channels))
        cut = [padded(r, len(c)) if o.vad else [(0, len(c))] for r, c in zip(raws, channels)]
        if self._batched is not None:
            first = self._decode_batched(list(channels), cut, labels, hotwords)
        else:
            first = [
                self._decode(c, p, lab, hotwords, 2.0) if p else []
                for c, p, lab in zip(channels, cut, labels)
            ]
        out = []
        for samples, raw, pieces, lab, turns in zip(channels, raws, cut, labels, first):
            voice = tuple((a / SAMPLE_RATE, b / SAMPLE_RATE) for a, b in raw)
            if not pieces:
                out.append(ChannelText((), (), (), False, False, voice))
                continue
            speech = _seconds(pieces)
            retried = False
            if coverage(turns, speech) < RETRY_BELOW:
                again = self._decode(samples, pieces, lab, hotwords, None)
                retried = True
                if coverage(again, speech) > coverage(turns, speech):
                    turns = again
            gaps = untranscribed(turns, speech)
            talk = sum(b - a for a, b in speech)
            empty = not turns and talk >= MIN_SPEECH_S
            out.append(ChannelText(tuple(turns), speech, tuple(gaps), retried, empty, voice))
        return out

    def _options(self, hotwords: tuple[str, ...]) -> dict[str, object]:
        o = self.options
        kwargs: dict[str, object] = {
            "language": o.language if self._multilingual else None,
            "beam_size": o.beam_size,
            "vad_filter": False,
            "condition_on_previous_text": False,
            "word_timestamps": True,
        }
        words = tuple(dict.fromkeys((*o.hotwords, *hotwords)))
        if words:
            kwargs["hotwords"] = ", ".join(words)
        return kwargs

    def _decode_batched(
        self,
        channels: list[np.ndarray],
        cut: list[list[tuple[int, int]]],
        labels: list[int | None],
        hotwords: tuple[str, ...],
    ) -> list[list[Turn]]:
        """Batched decoding, twice where needed: whisper sometimes ends a window early, after
        the last timestamp it is sure of, or skips the start of a piece, where the sequential
        decoder would have gone on from there; here the speech no word accounts for
        (`untranscribed`) is decoded again, in windows of its own."""
        turns = self._batch_pass(channels, cut, labels, hotwords)
        missed = [
            [
                (int(a * SAMPLE_RATE), int(b * SAMPLE_RATE))
                for a, b in untranscribed(heard, _seconds(pieces))
            ]
            for pieces, heard in zip(cut, turns)
        ]
        if any(missed):
            again = self._batch_pass(channels, missed, labels, hotwords)
            turns = [sorted(a + b, key=lambda t: t.start) for a, b in zip(turns, again)]
        return turns

    def _batch_pass(
        self,
        channels: list[np.ndarray],
        cut: list[list[tuple[int, int]]],
        labels: list[int | None],
        hotwords: tuple[str, ...],
    ) -> list[list[Turn]]:
        """Every channel's speech pieces packed into windows (`plan_windows`) and decoded
        batch_size at a time; each word is mapped back by its window's pieces. Windows are
        laid out GROUP_WINDOWS at a time, so the audio copied for decoding stays a few minutes
        long however long the recording is."""
        plan = [
            (i, window)
            for i, (samples, pieces) in enumerate(zip(channels, cut))
            for window in plan_windows(samples, pieces)
        ]
        turns: list[list[Turn]] = [[] for _ in channels]
        kwargs = self._options(hotwords)
        kwargs.update(batch_size=self.options.batch_size, without_timestamps=False)
        kwargs.update(self.options.extra)
        gap = np.zeros(int(GAP_S * SAMPLE_RATE), dtype=np.float32)
        for k in range(0, len(plan), GROUP_WINDOWS):
            parts, clips, maps, owner = [], [], [], []
            pos = 0.0
            for i, window in plan[k : k + GROUP_WINDOWS]:
                audio, spans = compact(channels[i], window)
                maps.append([(a + pos, b + pos, orig) for a, b, orig in spans])
                clips.append({"start": pos, "end": pos + len(audio) / SAMPLE_RATE})
                owner.append(i)
                parts += [audio, gap]
                pos += (len(audio) + len(gap)) / SAMPLE_RATE
            segments, info = self._batched.transcribe(  # type: ignore[union-attr]
                np.concatenate(parts), clip_timestamps=clips, **kwargs
            )
            opts = info.transcription_options
            for seg in segments:
                if _silent(seg, opts.no_speech_threshold, opts.log_prob_threshold):
                    continue
                j = _placed(seg, [clip["end"] for clip in clips])
                turns[owner[j]].extend(_turns(seg.words or [], maps[j], labels[owner[j]]))
        return turns

    def _decode(
        self,
        samples: np.ndarray,
        pieces: list[tuple[int, int]],
        channel: int | None,
        hotwords: tuple[str, ...],
        hallucination_silence: float | None,
    ) -> list[Turn]:
        """One channel, sequentially (faster-whisper's seek loop, temperature fallback)."""
        audio, spans = compact(samples, pieces)
        kwargs = self._options(hotwords)
        kwargs["hallucination_silence_threshold"] = hallucination_silence
        kwargs.update(self.options.extra)
        segments, _info = self._model.transcribe(audio, **kwargs)  # type: ignore[arg-type]
        turns = []
        for seg in segments:
            turns.extend(_turns(seg.words or [], spans, channel, split=False))
        return turns


def _turns(
    words: list, spans: list[tuple[float, float, float]], channel: int | None, split: bool = True
) -> list[Turn]:
    """A decoded segment's words as turns, in recording time. `split`: a segment that runs
    across the silence between two speech pieces becomes one turn per piece (the batched
    decoder makes one segment of a window more often than the sequential one does)."""
    raw = [(_restore(w, spans), _piece(w, spans)) for w in words]
    groups: list[list[_RawWord]] = []
    last = None
    for w, piece in raw:
        if not groups or (split and piece != last):
            groups.append([])
        groups[-1].append(w)
        last = piece
    turns = []
    for group in groups:
        kept, looped = collapse_loops(join_word_pieces(group))
        if not kept:
            continue
        turns.append(
            Turn(
                speaker="unknown",
                text=join(w.text for w in kept),
                start=kept[0].start,
                end=kept[-1].end,
                words=kept,
                channel=channel,
                flags=("repetition-collapsed",) if looped else (),
            )
        )
    return turns


def _seconds(pieces: list[tuple[int, int]]) -> tuple[tuple[float, float], ...]:
    return tuple((a / SAMPLE_RATE, b / SAMPLE_RATE) for a, b in pieces)


def _silent(seg: object, no_speech: float | None, log_prob: float | None) -> bool:
    """faster-whisper's sequential no-speech rule, which its batched pipeline does not apply:
    a window whisper thinks is silence, decoded with low confidence, gives no words."""
    if no_speech is None or seg.no_speech_prob <= no_speech:  # type: ignore[attr-defined]
        return False
    return log_prob is None or seg.avg_logprob <= log_prob  # type: ignore[attr-defined]


# longest window whisper decodes at once (its input is 30 s)
WINDOW_S = 30.0
# windows laid out for decoding at once (32 x 30 s: 61 MB of samples at most)
GROUP_WINDOWS = 32


def plan_windows(samples: np.ndarray, pieces: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Speech pieces (sample ranges) packed in order into decoding windows: a window's pieces,
    with GAP_S of silence between them, fit in WINDOW_S. A piece longer than that is first
    cut at its quietest 20 ms in the last third of a window (a hard cut mid-word would garble
    the word)."""
    limit = int(WINDOW_S * SAMPLE_RATE)
    gap = int(GAP_S * SAMPLE_RATE)
    parts: list[tuple[int, int]] = []
    for a, b in pieces:
        while b - a > limit:
            cut = _quietest(samples, a + 2 * limit // 3, a + limit)
            parts.append((a, cut))
            a = cut
        parts.append((a, b))
    plan: list[list[tuple[int, int]]] = []
    used = 0
    for a, b in parts:
        if plan and used + gap + (b - a) <= limit:
            plan[-1].append((a, b))
            used += gap + (b - a)
        else:
            plan.append([(a, b)])
            used = b - a
    return plan


def _quietest(samples: np.ndarray, a: int, b: int) -> int:
    """The middle sample of the quietest 20 ms frame in samples[a:b]."""
    frame = int(0.02 * SAMPLE_RATE)
    n = (b - a) // frame
    if n == 0:
        return b
    energy = (samples[a : a + n * frame].reshape(n, frame) ** 2).sum(axis=1)
    return a + int(np.argmin(energy)) * frame + frame // 2


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


# voice activity is found this many seconds at a time (Silero's input is copied twice over;
# a block keeps that small however long the recording), a multiple of its 512-sample window
VAD_BLOCK_S = 120.0


def voice_activity(samples: np.ndarray, o: TranscribeOptions) -> list[tuple[int, int]]:
    """Sample ranges where Silero VAD hears speech, without padding: where someone talked.
    VAD runs once; the transcriber's pieces are these, padded (`padded`). Speech running
    across the boundary of two blocks is joined back into one range."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(
        threshold=o.vad_threshold,
        neg_threshold=max(0.01, o.vad_threshold - 0.1),
        min_silence_duration_ms=o.vad_min_silence_ms,
        speech_pad_ms=0,
    )
    block = int(VAD_BLOCK_S * SAMPLE_RATE)
    found: list[tuple[int, int]] = []
    for at in range(0, len(samples), block):
        for t in get_speech_timestamps(samples[at : at + block], options):
            a, b = at + int(t["start"]), at + int(t["end"])
            if found and found[-1][1] >= at and a <= at + 512:  # one stretch, cut by the block
                found[-1] = (found[-1][0], b)
            else:
                found.append((a, b))
    return found


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
    cs, ce, orig = spans[_piece(w, spans)]
    start = min(max(w.start, cs), ce) - cs + orig  # type: ignore[attr-defined]
    end = min(max(w.end, cs), ce) - cs + orig  # type: ignore[attr-defined]
    return _RawWord(w.word, start, max(start, end), w.probability)  # type: ignore[attr-defined]


def _piece(w: object, spans: list[tuple[float, float, float]]) -> int:
    """Which speech piece a word (in compacted time) belongs to, by its middle."""
    return _placed(w, [span[1] for span in spans])


def _placed(item: object, ends: list[float]) -> int:
    """Index of the stretch (speech piece or decoding window; in order, GAP_S of silence
    between them) an item with a start and an end falls in, by its middle."""
    mid = (item.start + item.end) / 2  # type: ignore[attr-defined]
    for i, end in enumerate(ends):
        if mid <= end + GAP_S / 2:
            return i
    return len(ends) - 1


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
