"""The batch: plan what to do with each input, have an executor do it, write what comes back.

Plan: an input already done with the same content and settings is skipped (its stored
findings still count in the summary); with `reuse_transcripts`, one whose settings differ only
in rule packs is re-scored from its stored transcript; everything else is run. Only this
process writes: each findings file whole (atomically) before the index row that says it is
done, so a kill at any instant can be resumed by running the same command again; the summary
last. A full disk stops the batch cleanly (OutputError, exit 3 in the CLI).
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import executors, findings
from .audio import declared_seconds
from .errors import MetadataError, OutputError, UsageError
from .index import Index
from .ingest import BatchMetadata, InputFile, batch_csvs, discover, sha256, source_key
from .metadata import column_name
from .models import resolve_whisper
from .process import Processor, ProcessorFactory, ScanOptions
from .rules import RuleSet
from .store import lock_folder, write_json
from .types import FileError, ScanResult

AUTO_LIMIT_BASE_S = 300.0
AUTO_LIMIT_PER_AUDIO_S = 1.0


@dataclass(frozen=True)
class ScanSummary:
    """What a run did. `results` says what each file scanned in this run came to (id, path,
    error, where its findings are, timings); the interactions' text and rule results are in
    the findings files, not kept here, so that a batch's memory does not grow with its
    text."""

    out: Path
    results: tuple[ScanResult, ...]
    skipped: tuple[str, ...]
    # finished by an earlier run with the same content and settings: summary entries
    reused: tuple[dict[str, object], ...] = ()

    @property
    def failed(self) -> tuple[ScanResult, ...]:
        return tuple(r for r in self.results if not r.ok)


@dataclass(frozen=True)
class Plan:
    """What a run will do with each input."""

    run: tuple[InputFile, ...]
    rescore: tuple[tuple[InputFile, dict[str, Any]], ...]
    reused: tuple[dict[str, object], ...]


def file_time_limit(item: InputFile, setting: float | str | None) -> float | None:
    """Seconds one file may take. "auto" allows five minutes plus real time for recordings
    (a scan runs many times faster than real time), so only a stuck file reaches it."""
    if setting is None:
        return None
    if setting == "auto":
        seconds = declared_seconds(item.path) if item.kind == "audio" else None
        return AUTO_LIMIT_BASE_S + AUTO_LIMIT_PER_AUDIO_S * (seconds or 0.0)
    return float(setting) or None


def scan(
    paths: Iterable[Path],
    out: Path,
    options: ScanOptions | None = None,
    *,
    workers: int = 0,
    time_limit: float | str | None = "auto",
    executor: str = "local",
    ray_address: str | None = None,
    progress: Callable[[InputFile, ScanResult], None] | None = None,
    plan: Callable[[int, int], None] | None = None,
) -> ScanSummary:
    """Scan files and folders; write OUT/<id>.json for each and OUT/summary.json at the end.

    Files are scanned by `workers` watched worker processes (0: one per core), or Ray
    actors with executor="ray", each loading the models once; a file past `time_limit`
    seconds ("auto": five minutes plus its length; None: none) is stopped. With
    `options.debug`, files are scanned in this process instead, so tracebacks show."""
    paths = [Path(p) for p in paths]
    out = Path(out)
    prepare_out(paths, out)
    with lock_folder(out):
        return _scan(
            paths,
            out,
            options or ScanOptions(),
            workers,
            time_limit,
            executor,
            ray_address,
            progress,
            plan,
        )


def _scan(
    paths: list[Path],
    out: Path,
    options: ScanOptions,
    workers: int,
    time_limit: float | str | None,
    executor: str,
    ray_address: str | None,
    progress: Callable[[InputFile, ScanResult], None] | None,
    plan: Callable[[int, int], None] | None,
) -> ScanSummary:
    started_at = datetime.now(timezone.utc)
    rules = options.rules()
    index = open_index(out)
    results: list[ScanResult] = []
    tally = findings.SummaryTally()
    model: dict[str, object] | None = None
    try:
        items, skipped = discover(paths, exclude=out, known=index.sources())
        if any(item.kind == "audio" for item in items):  # fail fast, before writing anything
            resolve_whisper(
                options.transcribe.model, allow_download=options.transcribe.allow_download
            )
        csvs = batch_csvs(paths, skipped)
        batch_error: FileError | None = None
        try:
            BatchMetadata(csvs, options.metadata_csv)
        except MetadataError as exc:  # a bad batch CSV fails every file it would describe
            batch_error = FileError(exc.code, str(exc), exc.path)
        config = config_signature(options, rules)
        todo = make_plan(items, index, config, options.reuse_transcripts)
        if plan:
            plan(len(todo.run) + len(todo.rescore), len(todo.reused))
        writer = _Writer(out, index, config, options, results, tally, progress)
        for item, stored in todo.rescore:
            writer.rescored(item, stored, rules)
        if batch_error is not None:
            done = _failed(list(todo.run), batch_error)
        elif options.debug:
            done = _inline(ProcessorFactory(options, tuple(csvs), out, True), list(todo.run))
        else:
            done = executors.run(
                ProcessorFactory(
                    options, tuple(csvs), out, any(i.kind == "audio" for i in todo.run)
                ),
                list(todo.run),
                workers=workers,
                started=writer.started,
                time_limit=lambda item: file_time_limit(item, time_limit),
                size=_size,
                executor=executor,
                address=ray_address,
            )
        with closing(done):  # an early stop (disk full, Ctrl-C) stops the workers with it
            for item, outcome in done:
                if isinstance(outcome, executors.Stopped) and outcome.code == OutputError.code:
                    raise _full_error(out, results)  # a worker filled the disk
                result = _as_result(item, outcome)
                model = dict(result.model) if result.model else model
                writer.scanned(item, result, model)
    except (OSError, sqlite3.Error) as exc:
        if not _disk_full(exc):
            raise
        raise _full_error(out, results) from exc
    finally:
        index.close()
    summary = ScanSummary(out, tuple(results), tuple(skipped), todo.reused)
    try:
        doc = tally.document(
            summary.reused,
            summary.skipped,
            started_at,
            options.keep_unredacted,
            rules.describe(),
            model,
        )
        write_json(out / findings.SUMMARY_NAME, doc)
    except OSError as exc:
        if not _disk_full(exc):
            raise
        raise _full_error(out, results) from exc
    return summary


def prepare_out(paths: list[Path], out: Path) -> None:
    """The output folder must be a folder of its own that this process can write: inputs
    inside it could be overwritten by findings of the same name, and a scan that cannot
    write its results should say so before it starts."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: this is a file; give a folder for the findings")
    full = Path(source_key(out))
    for p in paths:
        if p.is_dir() and Path(source_key(p)) == full:
            raise UsageError(
                f"--out {out} is the input folder {p}: findings would be mixed with the "
                "inputs (and could overwrite them); give the findings a folder of their own"
            )
        if not p.is_dir() and Path(source_key(p)).parent == full:
            raise UsageError(
                f"--out {out} holds the input {p}: findings could overwrite it; give the "
                "findings a folder of their own"
            )
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-check.", dir=out)
        os.close(fd)
        os.unlink(probe)
    except (FileExistsError, NotADirectoryError) as exc:
        raise UsageError(f"--out {out}: a part of this path is a file, not a folder") from exc
    except OSError as exc:
        if _disk_full(exc):
            raise _full_error(out, []) from exc
        raise OutputError(
            f"--out {out}: cannot write there ({exc.strerror or type(exc).__name__})"
        ) from exc


def open_index(out: Path) -> Index:
    try:
        return Index(out)
    except sqlite3.Error as exc:
        raise OutputError(f"{out}: cannot open its index ({exc})") from exc


def make_plan(items: list[InputFile], index: Index, config: str, reuse: bool) -> Plan:
    """Hash each input once; skip what is done under the same content and settings."""
    run: list[InputFile] = []
    rescore: list[tuple[InputFile, dict[str, Any]]] = []
    reused: list[dict[str, object]] = []
    for item in items:
        try:
            sha = sha256(item.path) if item.kind in ("audio", "transcript") else None
        except OSError as exc:  # unreadable (permissions), or gone since it was found
            problem = f"cannot read the file ({exc.strerror or type(exc).__name__})"
            run.append(replace(item, kind="unreadable", problem=problem))
            continue
        if sha and index.is_done(item.id, sha, config):
            row = index.row(item.id)
            try:
                doc = findings.read(Path(row["output"]))
                reused.append(findings.reused_entry(doc, row["output"]))
                continue
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                pass  # its findings were damaged or replaced since: scan it again
        item = replace(item, sha256=sha)
        stored = _stored_transcript(index, item.id, sha, config) if reuse and sha else None
        if stored is not None:
            rescore.append((item, stored))
        else:
            run.append(item)
    return Plan(tuple(run), tuple(rescore), tuple(reused))


class _Writer:
    """Writes each finished interaction: findings file first, then its index row."""

    def __init__(
        self,
        out: Path,
        index: Index,
        config: str,
        options: ScanOptions,
        results: list[ScanResult],
        tally: findings.SummaryTally,
        progress: Callable[[InputFile, ScanResult], None] | None,
    ) -> None:
        self.out, self.index, self.config, self.options = out, index, config, options
        self.results, self.tally, self.progress = results, tally, progress

    def started(self, item: InputFile) -> None:
        """Mark a file running as its work begins, so attempts count real attempts."""
        try:
            size = item.path.stat().st_size if item.path.is_file() else None
        except OSError:
            size = None
        self.index.start(item.id, source_key(item.path), item.sha256, size)

    def scanned(self, item: InputFile, result: ScanResult, model: dict | None) -> None:
        doc = findings.findings_document(
            result, self.options.keep_unredacted, model, self.options.redact
        )
        self._write(item, result, doc)

    def rescored(self, item: InputFile, stored: dict[str, Any], rules: RuleSet) -> None:
        """Only the packs changed: rules again on the stored transcript."""
        self.started(item)
        t0 = time.perf_counter()
        it = findings.interaction_from_findings(stored)
        rule_results = rules.evaluate(it, quotes=True, vocabulary=self.options.vocabulary)
        took = time.perf_counter() - t0
        doc = findings.rescored_document(stored, rule_results, rules.describe(), took)
        result = ScanResult(
            item.id, str(item.path), it, None, (), (("rules", round(took, 3)),), rule_results
        )
        self._write(item, result, doc)

    def _write(self, item: InputFile, result: ScanResult, doc: dict[str, Any]) -> None:
        target = self.out / f"{item.id}.json"
        write_json(target, doc)  # the file first, then the row that says it is done
        it = result.interaction
        self.index.finish(
            item.id,
            ok=result.ok,
            config=self.config,
            output=str(target),
            error_code=result.error.code if result.error else None,
            error_message=result.error.message if result.error else None,
            audio_seconds=it.duration if it and it.medium == "voice" else None,
            timings=dict(result.timings),
        )
        result = replace(result, output=str(target))
        self.tally.add(result)
        # the text and rule results are on disk now: only what the run came to stays
        self.results.append(
            replace(result, interaction=None, rules=(), redaction=None, audio_redaction=None)
        )
        if self.progress:
            self.progress(item, result)


def _as_result(item: InputFile, outcome: ScanResult | executors.Stopped) -> ScanResult:
    if isinstance(outcome, ScanResult):
        return outcome
    text = f"{item.path}: {outcome.message}; the rest of the batch went on"
    return ScanResult(item.id, str(item.path), None, FileError(outcome.code, text, str(item.path)))


def _size(item: InputFile) -> float:
    """How long a file will take, roughly: its declared duration (a header read)."""
    return (declared_seconds(item.path) or 0.0) if item.kind == "audio" else 0.0


def _inline(factory: ProcessorFactory, todo: list[InputFile]) -> Iterator[tuple[InputFile, Any]]:
    processor: Processor | None = None
    for item in todo:
        processor = processor or factory(0)
        yield item, processor.run(item)


def _failed(todo: list[InputFile], error: FileError) -> Iterator[tuple[InputFile, Any]]:
    for item in todo:
        yield item, ScanResult(item.id, str(item.path), None, error)


def _stored_transcript(index: Index, ident: str, sha: str, config: str) -> dict[str, Any] | None:
    """The stored findings of an unchanged file whose settings differ only in rule packs, if
    they hold its transcript: then rules can run again without transcribing or redacting."""
    row = index.row(ident)
    if not row or row["status"] != "done" or row["sha256"] != sha or not row["output"]:
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
        doc = findings.read(Path(row["output"]))
    except (OSError, ValueError):
        return None
    ok = doc.get("status") == "ok" and doc.get("transcript", {}).get("text_included")
    if not ok:
        return None
    try:  # findings edited or damaged since (a turn, the conversation figures): scan it again
        findings.interaction_from_findings(doc)
    except (KeyError, ValueError, TypeError, AttributeError, IndexError):
        return None
    return doc


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


def config_signature(o: ScanOptions, rules: RuleSet) -> str:
    """The settings a finished result depends on; a change means it is scanned again."""
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
            "packs": rules.fingerprint(),
            "redact": [list(o.redact.entities), o.redact.style, o.redact.threshold],
            "keep_unredacted": o.keep_unredacted,
            "keep_metadata": sorted({column_name(c) for c in o.keep_metadata}),
            "redact_audio": o.redact_audio,
            "vocabulary": list(o.vocabulary),
        },
        sort_keys=True,
    )
