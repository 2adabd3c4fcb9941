"""The scan: find inputs, turn each into an Interaction, write one findings file each.

A failure in one file becomes that file's error result; the batch goes on. Every write is
atomic, and the summary is written last so its presence means the batch ran to the end.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from . import metadata as meta_io
from .audio import AUDIO_SUFFIXES, Audio, declared_seconds, load_audio
from .audio_redact import PAD_S, masked_times, redact_samples, write_wav
from .errors import InputError, MetadataError, OutputError, ScannerError, UnsupportedFormatError
from .findings import (
    SUMMARY_SCHEMA,
    findings_document,
    interaction_from_findings,
    rescored_document,
    summary_entry,
)
from .index import Index
from .models import resolve_whisper
from .redact import Redacted, RedactOptions, Redactor, quote_redacted
from .rules import RuleSet, default_rule_paths
from .speakers import assign_by_channel, infer_roles
from .store import write_json
from .transcribe import TranscribeOptions, Transcriber
from .transcripts import TRANSCRIPT_SUFFIXES, read_transcript
from .types import FileError, Interaction, Metadata, ScanResult, Source, SpeakerMapping
from .workers import run_supervised

# stereo files whose channels are this alike are a mono call stored twice
_SAME_CHANNELS_CORR = 0.98


@dataclass(frozen=True)
class ScanOptions:
    transcribe: TranscribeOptions = field(default_factory=TranscribeOptions)
    agent_channel: int = 0
    keep_unredacted: bool = False
    metadata_csv: Path | None = None
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
    # per-file time limit: seconds, "auto" (5 min plus the recording's length), or None for
    # none. With a limit, files run in watched worker processes that can be stopped.
    time_limit: float | str | None = None
    debug: bool = False


AUTO_LIMIT_BASE_S = 300.0
AUTO_LIMIT_PER_AUDIO_S = 1.0


def file_time_limit(item: InputFile, setting: float | str | None) -> float | None:
    """Seconds one file may take. "auto" allows five minutes plus real time for recordings
    (a scan runs many times faster than real time), so only a stuck file reaches it."""
    if setting is None:
        return None
    if setting == "auto":
        seconds = declared_seconds(item.path) if item.kind == "audio" else None
        return AUTO_LIMIT_BASE_S + AUTO_LIMIT_PER_AUDIO_S * (seconds or 0.0)
    return float(setting) or None


@dataclass(frozen=True)
class InputFile:
    path: Path
    kind: str  # "audio" | "transcript" | "unsupported"
    id: str
    sha256: str | None = None  # filled in once by scan(), reused for the findings' source


@dataclass(frozen=True)
class ScanSummary:
    out: Path
    results: tuple[ScanResult, ...]
    skipped: tuple[str, ...]
    # finished by an earlier run with the same content and settings: summary entries
    reused: tuple[dict[str, object], ...] = ()

    @property
    def failed(self) -> tuple[ScanResult, ...]:
        return tuple(r for r in self.results if not r.ok)


def discover(
    paths: Iterable[Path], exclude: Path | None = None
) -> tuple[list[InputFile], list[str]]:
    """Files named on the command line are always taken (an unknown type is an error); inside
    folders, files of other types (scripts, READMEs, sidecars) are skipped and listed."""
    found: list[tuple[Path, str]] = []
    skipped: list[str] = []
    excl = exclude.resolve() if exclude else None
    for root in paths:
        root = Path(root)
        if not root.exists():
            found.append((root, "missing"))
            continue
        if root.is_file():
            found.append((root, _kind(root) or "unsupported"))
            continue
        files = sorted(p for p in root.rglob("*") if p.is_file())
        names = set(files)
        for p in files:
            rel_parts = p.relative_to(root).parts
            if any(part.startswith(".") for part in rel_parts):
                continue
            if excl and (excl == p.resolve().parent or excl in p.resolve().parents):
                continue
            kind = _kind(p)
            if kind is None or meta_io.is_sidecar(p, names) or p.name == meta_io.BATCH_CSV_NAME:
                skipped.append(str(p))
            else:
                found.append((p, kind))
    return _with_ids(found), skipped


def _kind(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in AUDIO_SUFFIXES:
        return "audio"
    if suffix in TRANSCRIPT_SUFFIXES:
        return "transcript"
    return None


def _with_ids(found: list[tuple[Path, str]]) -> list[InputFile]:
    """Ids are file stems made safe; clashing stems get a short hash of the path."""
    seen: dict[Path, None] = {}
    unique = [(p, k) for p, k in found if not (p.resolve() in seen or seen.setdefault(p.resolve()))]
    stems = [re.sub(r"[^A-Za-z0-9._-]+", "-", p.stem).strip("-.") or "file" for p, _ in unique]
    counts = Counter(stems)
    out = []
    for (p, k), stem in zip(unique, stems):
        if counts[stem] > 1:
            stem = f"{stem}-{hashlib.sha1(str(p).encode()).hexdigest()[:8]}"
        out.append(InputFile(p, k, stem))
    return out


def file_source(path: Path, kind: str, sha256: str | None = None) -> Source:
    """Where an interaction came from; the hash is taken once per scan (see scan())."""
    return Source(
        str(path),
        kind,  # type: ignore[arg-type]
        path.suffix.lower().lstrip("."),
        sha256 or _sha256(path),
        path.stat().st_size,
    )


class Scanner:
    """Holds the loaded models for a batch; one per process."""

    def __init__(self, options: ScanOptions | None = None) -> None:
        self.options = options or ScanOptions()
        self._transcriber: Transcriber | None = None
        self._batch_meta: dict[str, dict[str, object]] = {}
        paths = self.options.rule_paths
        self.rules = RuleSet.load(list(default_rule_paths() if paths is None else paths))
        self._redactor: Redactor | None = None
        self._audio_data: Audio | None = None

    @property
    def redactor(self) -> Redactor:
        if self._redactor is None:
            self._redactor = Redactor(self.options.redact)
        return self._redactor

    @property
    def transcriber(self) -> Transcriber:
        if self._transcriber is None:
            self._transcriber = Transcriber(self.options.transcribe)
        return self._transcriber

    def warm_up(self, audio: bool) -> None:
        """Load the models now (redaction always; whisper when there is audio), so that a
        file's time limit counts its own work, not model loading."""
        _ = self.redactor
        if audio:
            _ = self.transcriber

    def model_description(self) -> dict[str, object] | None:
        return self._transcriber.describe() if self._transcriber else None

    def load_batch_metadata(self, csvs: Iterable[Path]) -> None:
        """Batch CSVs: the explicit --metadata one (rows match by path or bare file name), else
        every metadata.csv found beside the inputs (rows match files in its own folder)."""
        if self.options.metadata_csv is not None:
            self._batch_meta.update(meta_io.read_batch_csv(self.options.metadata_csv))
            return
        for c in csvs:
            rows = meta_io.read_batch_csv(c)
            for key, row in rows.items():
                if os.sep in key:
                    self._batch_meta.setdefault(key, row)

    def metadata_for(self, path: Path, own: dict[str, object] | None = None) -> Metadata:
        values: dict[str, object] = dict(meta_io.lookup(path, self._batch_meta))
        sidecar = meta_io.read_sidecar(path)
        if sidecar:
            values.update(sidecar)
        if own:
            values.update({k: v for k, v in own.items() if not k.startswith("_")})
        src = str(meta_io.sidecar_path(path)) if sidecar else str(path)
        return meta_io.build(values, src)

    def process(self, item: InputFile, out: Path | None = None) -> ScanResult:
        """One file to a ScanResult; input problems become an error result, never a crash.
        With `out`, redacted audio (when asked for) is written there."""
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        self._audio_data = None
        audio_out: dict[str, object] | None = None
        try:
            if item.kind == "missing":
                raise InputError(str(item.path), "no such file or folder")
            if item.kind == "unsupported":
                raise UnsupportedFormatError(
                    str(item.path),
                    f"unsupported file type '{item.path.suffix or '(none)'}' (audio: "
                    f"{', '.join(sorted(AUDIO_SUFFIXES))}; transcripts: "
                    f"{', '.join(sorted(TRANSCRIPT_SUFFIXES))})",
                )
            if item.kind == "audio":
                it = self._audio(item, timings)
            else:
                it = self._transcript(item, timings)
            t = time.perf_counter()
            rule_results = self.rules.evaluate(it, quotes=self.options.keep_unredacted)
            timings["rules"] = time.perf_counter() - t
            error = None
            t = time.perf_counter()
            redaction, error = self._redact(item, it)
            timings["redact"] = time.perf_counter() - t
            if redaction is not None and not self.options.keep_unredacted:
                rule_results = tuple(quote_redacted(r, redaction) for r in rule_results)
            if redaction is not None and self.options.redact_audio and out and self._audio_data:
                audio_out = self._write_redacted_audio(item, redaction, out)
        except InputError as exc:
            it, error, rule_results = None, FileError(exc.code, str(exc), str(item.path)), ()
            redaction = None
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
        )

    def _write_redacted_audio(self, item: InputFile, red: Redacted, out: Path) -> dict[str, object]:
        audio = self._audio_data
        assert audio is not None
        spans = masked_times(red, audio.duration)
        method = self.options.redact_audio or "tone"
        target = out / f"{item.id}.redacted.wav"
        write_wav(target, redact_samples(audio, spans, method))
        self._audio_data = None
        return {
            "file": target.name,
            "method": method,
            "padding_s": PAD_S,
            "spans": [list(s) for s in spans],
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

    def _audio(self, item: InputFile, timings: dict[str, float]) -> Interaction:
        t = time.perf_counter()
        meta = self.metadata_for(item.path)
        source = file_source(item.path, "audio", item.sha256)
        hours = self.options.max_audio_hours
        audio = load_audio(item.path, None if hours is None else hours * 3600)
        self._audio_data = audio if self.options.redact_audio else None
        timings["decode"] = time.perf_counter() - t
        t = time.perf_counter()
        chans = audio.channels
        if len(chans) == 2 and _same_channels(chans[0], chans[1]):
            chans = (chans[0],)
        if len(chans) == 2:
            configured = meta.agent_channel is not None
            agent = meta.agent_channel if configured else self.options.agent_channel
            per_channel = [self.transcriber.transcribe(c, channel=i) for i, c in enumerate(chans)]
            timings["transcribe"] = time.perf_counter() - t
            turns, mapping = assign_by_channel(per_channel, agent, configured)  # type: ignore[arg-type]
        else:
            segments = self.transcriber.transcribe(chans[0])
            timings["transcribe"] = time.perf_counter() - t
            turns, mapping = infer_roles(segments, chans[0])
        timings["speakers"] = time.perf_counter() - t - timings["transcribe"]
        return Interaction(
            id=item.id,
            source=source,
            medium="voice",
            turns=turns,
            speakers=mapping,
            metadata=meta,
            duration=round(audio.duration, 3),
            channels=audio.source_channels,
            language=self.transcriber.describe()["language"],  # type: ignore[arg-type]
        )

    def _transcript(self, item: InputFile, timings: dict[str, float]) -> Interaction:
        t = time.perf_counter()
        source = file_source(item.path, "transcript", item.sha256)
        turns, own = read_transcript(item.path)
        meta = self.metadata_for(item.path, own)
        timings["parse"] = time.perf_counter() - t
        ends = [t.end or t.start for t in turns if (t.end or t.start) is not None]
        return Interaction(
            id=item.id,
            source=source,
            medium=own.get("_medium", "chat"),  # type: ignore[arg-type]
            turns=turns,
            speakers=SpeakerMapping(
                "label", 1.0, None, ("roles from the transcript's speaker labels",)
            ),
            metadata=meta,
            duration=max(ends) if ends else None,
            channels=1,
        )


def _same_channels(a: np.ndarray, b: np.ndarray) -> bool:
    if not np.any(a) or not np.any(b):
        return False
    corr = float(np.corrcoef(a, b)[0, 1])
    return corr >= _SAME_CHANNELS_CORR


def scan(
    paths: Iterable[Path],
    out: Path,
    options: ScanOptions | None = None,
    progress: Callable[[InputFile, ScanResult], None] | None = None,
    workers: int = 1,
    plan: Callable[[int, int], None] | None = None,
    executor: str = "local",
    ray_address: str | None = None,
) -> ScanSummary:
    """Scan files and folders, write OUT/<id>.json for each and OUT/summary.json at the end.

    With workers > 1 or a time limit, files are processed in that many watched processes,
    each loading the models once; with executor="ray", on that many Ray actors (workers=0:
    as many as the cluster's CPUs allow). Either way this process alone writes findings,
    the index and the summary."""
    paths = [Path(p) for p in paths]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc)
    options = options or ScanOptions()
    scanner = Scanner(options)
    items, skipped = discover(paths, exclude=out)
    if any(item.kind == "audio" for item in items):  # fail fast, before writing anything
        resolve_whisper(options.transcribe.model, allow_download=options.transcribe.allow_download)
    results: list[ScanResult] = []
    batch_error: FileError | None = None
    beside = {p.parent / meta_io.BATCH_CSV_NAME for p in paths if p.is_file()}
    csvs = sorted({Path(p) for p in skipped if Path(p).name == meta_io.BATCH_CSV_NAME} | beside)
    csvs = [c for c in csvs if c.is_file()]
    try:
        scanner.load_batch_metadata(csvs)
    except MetadataError as exc:  # a bad batch CSV fails every file it would describe
        batch_error = FileError(exc.code, str(exc), exc.path)
    config = config_signature(scanner)
    index = Index(out)
    reused: list[dict[str, object]] = []
    model: dict[str, object] | None = None
    try:
        todo: list[InputFile] = []
        rescore: list[tuple[InputFile, dict[str, Any]]] = []
        hashes: dict[str, str | None] = {}
        for item in items:
            sha = _sha256(item.path) if item.path.is_file() else None
            if sha and index.is_done(item.id, sha, config):
                reused.append(reused_entry(index.row(item.id)))
                continue
            hashes[item.id] = sha
            reuse = options.reuse_transcripts and sha
            stored = _stored_transcript(index, item.id, sha, config) if reuse else None
            if stored is not None:
                rescore.append((replace(item, sha256=sha), stored))
                continue
            todo.append(replace(item, sha256=sha))

        if plan:
            plan(len(todo) + len(rescore), len(reused))

        def mark_started(item: InputFile) -> None:
            """Mark a file running as its work begins, so attempts count real attempts."""
            size = item.path.stat().st_size if item.path.is_file() else None
            index.start(item.id, str(item.path), hashes[item.id], size)

        for item, stored in rescore:  # only the packs changed: rules on the stored transcript
            mark_started(item)
            target = out / f"{item.id}.json"
            t0 = time.perf_counter()
            it = interaction_from_findings(stored)
            rule_results = scanner.rules.evaluate(it, quotes=True)
            took = time.perf_counter() - t0
            doc = rescored_document(stored, rule_results, scanner.rules.describe(), took)
            write_json(target, doc)
            voice = it.medium == "voice"
            index.finish(
                item.id,
                ok=True,
                config=config,
                output=str(target),
                audio_seconds=it.duration if voice else None,
                timings={"rules": round(took, 3)},
            )
            result = ScanResult(item.id, str(item.path), it, None, str(target), (), rule_results)
            results.append(result)
            if progress:
                progress(item, result)

        if batch_error is not None:
            done = _run_failed(todo, batch_error, mark_started)
        elif todo and executor == "ray":
            from .ray_executor import run_on_ray

            done = run_on_ray(
                options,
                csvs,
                todo,
                out,
                workers,
                mark_started,
                lambda item: file_time_limit(item, options.time_limit),
                address=ray_address,
            )
        elif todo and (workers > 1 or options.time_limit is not None):
            done = run_supervised(
                options,
                csvs,
                todo,
                out,
                workers,
                mark_started,
                lambda item: file_time_limit(item, options.time_limit),
            )
        else:
            done = _run_serial(scanner, todo, out, mark_started)
        # closing: an early stop (disk full, Ctrl-C) stops the workers with it
        with closing(done):
            for item, result, described in done:
                model = described or model
                target = out / f"{item.id}.json"
                doc = findings_document(result, options.keep_unredacted, model, options.redact)
                write_json(target, doc)  # the file first, then the row that says it is done
                index.finish(
                    item.id,
                    ok=result.ok,
                    config=config,
                    output=str(target),
                    error_code=result.error.code if result.error else None,
                    error_message=result.error.message if result.error else None,
                    audio_seconds=result.interaction.duration
                    if result.interaction and result.interaction.medium == "voice"
                    else None,
                    timings=dict(result.timings),
                )
                result = replace(result, output=str(target))
                results.append(result)
                if progress:
                    progress(item, result)
    except (OSError, sqlite3.Error) as exc:
        if not _disk_full(exc):
            raise
        raise _full_error(out, results) from exc
    finally:
        index.close()
    summary = ScanSummary(out, tuple(results), tuple(skipped), tuple(reused))
    try:
        write_json(out / "summary.json", summary_document(summary, started, scanner, model))
    except OSError as exc:
        if not _disk_full(exc):
            raise
        raise _full_error(out, results) from exc
    return summary


def _stored_transcript(index: Index, ident: str, sha256: str, config: str) -> dict[str, Any] | None:
    """The stored findings of an unchanged file whose settings differ only in rule packs, if
    they hold its transcript: then rules can run again without transcribing or redacting."""
    row = index.row(ident)
    if not row or row["status"] != "done" or row["sha256"] != sha256 or not row["output"]:
        return None
    try:
        before, now = json.loads(row["config"]), json.loads(config)
    except (TypeError, json.JSONDecodeError):
        return None
    before.pop("packs", None)
    now.pop("packs", None)
    if before != now:
        return None
    try:
        doc = json.loads(Path(row["output"]).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    ok = doc.get("status") == "ok" and doc.get("transcript", {}).get("text_included")
    return doc if ok else None


def without_original_text(result: ScanResult, keep_unredacted: bool) -> ScanResult:
    """What a worker or Ray actor sends back: the redacted turns in place of the original
    ones (no text at all if redaction failed), so unredacted words never travel through a
    pipe or Ray's object store unless the user asked for them to be written."""
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


def _disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return "disk is full" in str(exc) or "disk I/O error" in str(exc)


def _full_error(out: Path, results: list[ScanResult]) -> OutputError:
    """A full disk stops the batch: every later file would fail the same way. What finished
    is in the index; the file being written was not recorded done, so a re-run redoes it."""
    return OutputError(
        f"{out}: no space left on the device; {len(results)} interaction(s) of this run were "
        "written and recorded before it filled up, nothing was half-written. Free some space "
        "and run the same command again to finish the rest."
    )


def _run_serial(
    scanner: Scanner, todo: list[InputFile], out: Path, started: Callable[[InputFile], None]
) -> Iterator[tuple[InputFile, ScanResult, dict[str, object] | None]]:
    for item in todo:
        started(item)
        yield item, scanner.process(item, out), scanner.model_description()


def _run_failed(
    todo: list[InputFile], error: FileError, started: Callable[[InputFile], None]
) -> Iterator[tuple[InputFile, ScanResult, dict[str, object] | None]]:
    for item in todo:
        started(item)
        yield item, ScanResult(item.id, str(item.path), None, error), None


def config_signature(scanner: Scanner) -> str:
    """The settings a finished result depends on; a change means it is scanned again."""
    o = scanner.options
    t = o.transcribe
    return json.dumps(
        {
            "transcribe": [
                t.model,
                t.compute_type,
                t.beam_size,
                t.language,
                t.vad,
                t.vad_threshold,
            ],
            "agent_channel": o.agent_channel,
            "packs": scanner.rules.fingerprint(),
            "redact": [list(o.redact.entities), o.redact.style, o.redact.threshold],
            "keep_unredacted": o.keep_unredacted,
            "redact_audio": o.redact_audio,
        },
        sort_keys=True,
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def reused_entry(row: object) -> dict[str, object]:
    """A summary entry for an interaction finished by an earlier run, from its findings."""
    doc = json.loads(Path(row["output"]).read_text(encoding="utf-8"))  # type: ignore[index]
    it = doc.get("interaction", {})
    entry: dict[str, object] = {
        "id": doc["id"],
        "source": it.get("source", {}).get("path"),
        "status": doc["status"],
        "output": row["output"],  # type: ignore[index]
        "reused": True,
    }
    if "medium" in it:
        entry.update(
            medium=it["medium"],
            duration=it.get("duration"),
            turns=len(doc.get("transcript", {}).get("turns", [])),
            speakers=it.get("speakers", {}).get("method"),
        )
    if doc.get("results"):
        entry["outcomes"] = {f"{r['pack']}/{r['rule']}": r["outcome"] for r in doc["results"]}
        entry["score"] = doc.get("scorecard", {}).get("overall", {}).get("score")
    return entry


def rule_totals(results: tuple[ScanResult, ...]) -> dict[str, dict[str, int]]:
    """Per rule, how many interactions passed, failed, needed review or were not applicable."""
    totals: dict[str, dict[str, int]] = {}
    for r in results:
        for rr in r.rules:
            counts = totals.setdefault(
                f"{rr.pack}/{rr.rule}",
                {"passed": 0, "failed": 0, "needs_review": 0, "not_applicable": 0},
            )
            counts[rr.outcome] += 1
    return totals


def summary_document(
    summary: ScanSummary,
    started: datetime,
    scanner: Scanner,
    model: dict[str, object] | None = None,
) -> dict[str, object]:
    codes = Counter(r.error.code for r in summary.results if r.error)
    return {
        "schema": SUMMARY_SCHEMA,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "text": "unredacted" if scanner.options.keep_unredacted else "redacted",
        "model": model or scanner.model_description(),
        "counts": {
            "inputs": len(summary.results) + len(summary.reused),
            "ok": sum(r.ok for r in summary.results) + len(summary.reused),
            "reused": len(summary.reused),
            "failed": len(summary.failed),
            "skipped": len(summary.skipped),
            "audio_seconds": round(
                sum(
                    r.interaction.duration or 0
                    for r in summary.results
                    if r.interaction and r.interaction.medium == "voice"
                )
                + sum(
                    float(e.get("duration") or 0)  # type: ignore[arg-type]
                    for e in summary.reused
                    if e.get("medium") == "voice"
                ),
                3,
            ),
        },
        "errors_by_code": dict(codes),
        "rule_packs": scanner.rules.describe(),
        "rules": rule_totals(summary.results),
        "interactions": sorted(
            [summary_entry(r) for r in summary.results] + list(summary.reused),
            key=lambda e: str(e["id"]),
        ),
        "skipped": list(summary.skipped),
    }
