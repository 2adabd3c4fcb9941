"""Process: one input file to one result, through every stage, holding the models.

The stages, in order: decode (audio.py), transcribe (transcribe.py), speakers (speakers.py),
rules (rules.py, on the unredacted text in memory), redact (redact.py), redacted audio
(audio_redact.py). A problem with the file becomes that file's error result; a failure to
redact becomes `redaction-failed` with no text at all. What leaves this module for another
process (`Processor.run`) holds only redacted text unless the user asked for the original.
"""

from __future__ import annotations

import errno
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .audio import AUDIO_SUFFIXES, Audio, load_audio
from .audio_redact import PAD_S, masked_times, redact_samples, write_wav
from .cjk import text_language
from .conversation import measure_audio, with_figures
from .errors import InputError, OutputError, ScannerError, UnsupportedFormatError
from .ingest import BatchMetadata, InputFile, file_source
from .metadata import restrict
from .redact import Redacted, RedactOptions, Redactor, quote_redacted
from .rules import RuleSet, default_rule_paths
from .sentiment import score_turns
from .speakers import assign_by_channel, infer_roles
from .transcribe import TranscribeOptions, Transcriber
from .transcripts import TRANSCRIPT_SUFFIXES, read_transcript
from .types import FileError, Interaction, Metadata, ScanResult, SpeakerMapping

# stereo files whose channels are this alike are a mono call stored twice
_SAME_CHANNELS_CORR = 0.98


@dataclass(frozen=True)
class ScanOptions:
    """Everything that decides what one file's findings say."""

    transcribe: TranscribeOptions = field(default_factory=TranscribeOptions)
    agent_channel: int = 0
    keep_unredacted: bool = False
    metadata_csv: Path | None = None
    # metadata columns beyond the safe ones that the user asked to keep, by name
    keep_metadata: tuple[str, ...] = ()
    # rule packs (folders or pack files); None = the shipped packs, () = no rules
    rule_paths: tuple[Path, ...] | None = None
    redact: RedactOptions = field(default_factory=RedactOptions)
    # write OUT/<id>.redacted.wav with every masked span replaced ("tone" or "silence")
    redact_audio: str | None = None
    # refuse recordings longer than this before decoding them (None: no limit)
    max_audio_hours: float | None = 4.0
    # a re-run where only the rule packs changed re-scores the stored transcript instead of
    # transcribing and redacting again (off by default: rules then see masked text)
    reuse_transcripts: bool = False
    # names the centre uses (organisations, products): hot words for whisper, and known
    # organisation names for the rules, beside the packs' own vocabulary
    vocabulary: tuple[str, ...] = ()
    debug: bool = False

    def rules(self) -> RuleSet:
        paths = self.rule_paths
        return RuleSet.load(list(default_rule_paths() if paths is None else paths))


class Processor:
    """Holds the loaded models (one per worker process) and scans files one at a time."""

    def __init__(
        self,
        options: ScanOptions | None = None,
        metadata: BatchMetadata | None = None,
        out: Path | None = None,
    ) -> None:
        self.options = options or ScanOptions()
        self.metadata = metadata or BatchMetadata()
        self.out = out  # where redacted audio goes, when asked for
        self.rules = self.options.rules()
        self.vocabulary = tuple(dict.fromkeys((*self.rules.vocabulary, *self.options.vocabulary)))
        self._transcriber: Transcriber | None = None
        self._redactor: Redactor | None = None

    @property
    def redactor(self) -> Redactor:
        if self._redactor is None:
            self._redactor = Redactor(self.options.redact)
        return self._redactor

    @property
    def transcriber(self) -> Transcriber:
        if self._transcriber is None:
            t = self.options.transcribe
            self._transcriber = Transcriber(replace(t, hotwords=(*t.hotwords, *self.vocabulary)))
        return self._transcriber

    def warm_up(self, audio: bool) -> None:
        """Load the models now (redaction, the rules' word lists and models; whisper when
        there is audio), so that a file's time limit counts its own work, not loading."""
        _ = self.redactor
        self.rules.warm_up()
        if audio:
            _ = self.transcriber

    def model_description(self) -> dict[str, object] | None:
        return self._transcriber.describe() if self._transcriber else None

    def run(self, item: InputFile) -> ScanResult:
        """What a worker sends back: the result with only redacted text and safe metadata in
        it (rules saw every column)."""
        result = with_safe_metadata(self.process(item), self.options.keep_metadata)
        return without_original_text(result, self.options.keep_unredacted)

    def interaction(self, item: InputFile) -> Interaction | str:
        """The file as an interaction, unredacted and in memory only (for `rules eval`), or
        the message of its error."""
        try:
            _check_kind(item)
            if item.kind == "audio":
                return self._audio(item, {})[0]
            return self._transcript(item, {})
        except InputError as exc:
            return str(exc)

    def process(self, item: InputFile) -> ScanResult:
        """One file to a ScanResult; input problems become an error result, never a crash."""
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        it: Interaction | None = None
        error: FileError | None = None
        rule_results: tuple = ()
        redaction: Redacted | None = None
        audio_out: dict[str, object] | None = None
        try:
            _check_kind(item)
            audio: Audio | None = None
            if item.kind == "audio":
                it, audio = self._audio(item, timings)
            else:
                it = self._transcript(item, timings)
            with _timed(timings, "rules"):
                rule_results = self.rules.evaluate(
                    it, quotes=self.options.keep_unredacted, vocabulary=self.options.vocabulary
                )
            with _timed(timings, "redact"):
                redaction, error = self._redact(item, it)
            if redaction is not None and not self.options.keep_unredacted:
                rule_results = tuple(quote_redacted(r, redaction) for r in rule_results)
            if redaction is not None and self.options.redact_audio and audio is not None:
                audio_out = self._write_redacted_audio(item, redaction, audio, it.untranscribed)
        except InputError as exc:
            it, error, rule_results, redaction = (
                None,
                FileError(exc.code, str(exc), str(item.path)),
                (),
                None,
            )
        except ScannerError:  # not about this file (a missing model): the batch cannot go on
            raise
        except Exception as exc:  # a bug must not stop the batch; content stays out of the message
            if self.options.debug:
                raise
            it, rule_results, redaction = None, (), None
            error = FileError(
                "internal-error",
                f"{item.path}: unexpected {type(exc).__name__} while scanning "
                "(run with --debug for the traceback)",
                str(item.path),
            )
        timings["total"] = time.perf_counter() - t0
        return ScanResult(
            item.id,
            str(item.path),
            it,
            error,
            timings=tuple((k, round(v, 3)) for k, v in timings.items()),
            rules=rule_results,
            redaction=redaction,
            audio_redaction=audio_out,
            model=self.model_description(),
        )

    def _write_redacted_audio(
        self,
        item: InputFile,
        red: Redacted,
        audio: Audio,
        untranscribed: tuple[tuple[float, float], ...] = (),
    ) -> dict | None:
        if self.out is None:
            return None
        spans = masked_times(red, audio.duration, extra=untranscribed)
        method = self.options.redact_audio or "tone"
        target = self.out / f"{item.id}.redacted.wav"
        try:
            write_wav(target, redact_samples(audio, spans, method))
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):  # the batch stops, as for findings
                raise OutputError(f"{self.out}: no space left on the device") from exc
            raise
        return {
            "file": target.name,
            "method": method,
            "padding_s": PAD_S,
            "spans": [list(s) for s in spans],
            # speech no word accounts for, masked too (fail closed): included in `spans`
            "untranscribed_speech": [list(s) for s in untranscribed],
        }

    def _redact(self, item: InputFile, it: Interaction) -> tuple[Redacted | None, FileError | None]:
        """Fail closed: if redaction breaks, the interaction's text is not written at all."""
        try:
            return self.redactor.redact(it), None
        except ScannerError:
            raise
        except Exception as exc:
            if self.options.debug:
                raise
            return None, FileError(
                "redaction-failed",
                f"{item.path}: redaction failed ({type(exc).__name__}); no text of this "
                "interaction was written",
                str(item.path),
            )

    def _audio(self, item: InputFile, timings: dict[str, float]) -> tuple[Interaction, Audio]:
        with _timed(timings, "decode"):
            meta = self.metadata.for_file(item.path)
            source = file_source(item)
            hours = self.options.max_audio_hours
            audio = load_audio(item.path, None if hours is None else hours * 3600)
        chans = audio.channels
        if len(chans) == 2 and _same_channels(chans[0], chans[1]):
            chans = (chans[0],)
        own = tuple(_vocabulary_of(meta))
        with _timed(timings, "transcribe"):
            heard = self.transcriber.transcribe_channels(chans, own)
        per_channel = [list(h.turns) for h in heard]
        review = tuple(
            f"{'channel ' + str(i) if len(chans) == 2 else 'the recording'}: "
            f"{sum(b - a for a, b in h.speech):.1f} s of speech found, no words transcribed"
            for i, h in enumerate(heard)
            if h.empty
        )
        with _timed(timings, "speakers"):
            if len(chans) == 2:
                configured = meta.agent_channel is not None
                agent = meta.agent_channel if configured else self.options.agent_channel
                turns, mapping = assign_by_channel(per_channel, agent, configured)  # type: ignore[arg-type]
            else:
                turns, mapping = infer_roles(per_channel[0], chans[0])
        it = Interaction(
            id=item.id,
            source=source,
            medium="voice",
            turns=turns,
            speakers=mapping,
            metadata=meta,
            duration=round(audio.duration, 3),
            channels=audio.source_channels,
            language=self.transcriber.describe()["language"],  # type: ignore[arg-type]
            untranscribed=tuple(sorted(g for h in heard for g in h.untranscribed)),
            review=review,
        )
        with _timed(timings, "conversation"):
            felt = score_turns([t.text for t in it.turns], [t.speaker for t in it.turns])
            measured = measure_audio(it, [h.voice for h in heard], chans, felt)
        return replace(it, conversation=measured), audio

    def _transcript(self, item: InputFile, timings: dict[str, float]) -> Interaction:
        with _timed(timings, "parse"):
            source = file_source(item)
            turns, own = read_transcript(item.path)
            meta = self.metadata.for_file(item.path, own)
        it = Interaction.from_turns(
            turns,
            id=item.id,
            medium=own.get("_medium", "chat"),  # type: ignore[arg-type]
            metadata=meta,
            language=meta.language or text_language(" ".join(t.text for t in turns)),
            source=source,
            speakers=SpeakerMapping(
                "label", 1.0, None, ("roles from the transcript's speaker labels",)
            ),
        )
        with _timed(timings, "conversation"):
            return with_figures(it)


@dataclass(frozen=True)
class ProcessorFactory:
    """What an executor is given to build a worker in another process (or on a Ray node):
    picklable, and it loads the models there, once."""

    options: ScanOptions
    csvs: tuple[Path, ...]
    out: Path
    audio: bool

    def __call__(self, threads: int) -> Processor:
        options = self.options
        if not options.transcribe.cpu_threads:
            options = replace(options, transcribe=replace(options.transcribe, cpu_threads=threads))
        metadata = BatchMetadata(self.csvs, options.metadata_csv)
        processor = Processor(options, metadata, self.out)
        processor.warm_up(self.audio)
        return processor


def with_safe_metadata(result: ScanResult, keep: tuple[str, ...]) -> ScanResult:
    """Only the safe metadata columns and those kept by name, so the others never travel
    through a pipe or get written; the findings name what was dropped."""
    it = result.interaction
    if it is None:
        return result
    return replace(result, interaction=replace(it, metadata=restrict(it.metadata, keep)))


def without_original_text(result: ScanResult, keep_unredacted: bool) -> ScanResult:
    """The redacted turns in place of the original ones (no text at all if redaction failed),
    so unredacted words never travel through a pipe or Ray's object store unless the user
    asked for them to be written."""
    it = result.interaction
    if keep_unredacted or it is None:
        return result
    red = result.redaction
    if red is not None:
        turns = red.turns
    else:
        turns = tuple(
            replace(t, text="", words=tuple(replace(w, text="") for w in t.words)) for t in it.turns
        )
    return replace(result, interaction=replace(it, turns=turns))


def _vocabulary_of(meta: Metadata) -> list[str]:
    """Names a file's metadata adds (a `vocabulary` column, names separated by ';')."""
    raw = dict(meta.extra).get("vocabulary", "")
    return [v.strip() for v in raw.replace(";", ",").split(",") if v.strip()]


def _check_kind(item: InputFile) -> None:
    if item.kind == "missing":
        raise InputError(str(item.path), "no such file or folder")
    if item.kind == "unreadable":
        raise InputError(str(item.path), item.problem or "cannot read the file")
    if item.kind == "unsupported":
        raise UnsupportedFormatError(
            str(item.path),
            f"unsupported file type '{item.path.suffix or '(none)'}' (audio: "
            f"{', '.join(sorted(AUDIO_SUFFIXES))}; transcripts: "
            f"{', '.join(sorted(TRANSCRIPT_SUFFIXES))})",
        )


class _timed:
    """Adds the seconds a block took to timings[name]."""

    def __init__(self, timings: dict[str, float], name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        self.t0 = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.name] = self.timings.get(self.name, 0.0) + time.perf_counter() - self.t0


def _same_channels(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two channels carry the same signal (a mono call saved as stereo): Pearson
    correlation summed a block at a time (np.corrcoef copies both to float64 at once)."""
    n, block = min(len(a), len(b)), 1 << 20
    sums = np.zeros(5)
    for at in range(0, n, block):
        x = a[at : at + block].astype(np.float64)
        y = b[at : at + block].astype(np.float64)
        sums += (x.sum(), y.sum(), x @ x, y @ y, x @ y)
    sx, sy, sxx, syy, sxy = sums
    vx, vy = sxx - sx * sx / max(n, 1), syy - sy * sy / max(n, 1)
    if vx <= 0 or vy <= 0:  # a silent channel is not the same as a speaking one
        return False
    corr = (sxy - sx * sy / n) / np.sqrt(vx * vy)
    return float(corr) >= _SAME_CHANNELS_CORR
