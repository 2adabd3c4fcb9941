"""The command line: parse, call the library, map outcomes to exit codes. Nothing else.

Exit codes: 0 every file scanned; 1 some files failed (each has its own error result);
2 usage error (also: --out is a file, or an input folder); 3 the batch could not run at all
(the model is missing, --out cannot be written or another scan holds it) or the disk filled
up; 4 a rule at or above the `--fail-on` severity failed (and every file was scanned).
`scanner verify`: 0 nothing found; 1 possible leaks; 3 something could not be checked.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from .batch import scan
from .errors import RulePackError, ScannerError, UsageError, shown
from .ingest import InputFile
from .models import WHISPER_PACKAGES, cache_dir, models_dir, resolve_whisper
from .process import ScanOptions
from .redact import ALL_ENTITIES, RedactOptions
from .rule_tests import run_pack_tests
from .rules import default_rule_paths
from .rules_schema import load_pack, pack_files
from .transcribe import TranscribeOptions
from .types import ScanResult
from .vocab import SEVERITIES

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Offline compliance scanner for contact-centre calls and chats.",
)
# log lines stay whole, and text from inputs (file names, JSON keys, messages) prints as it
# is: no markup, no emoji codes, control characters escaped (see `say`)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)


def say(*parts: str | tuple[str, str], console: Console | None = None) -> None:
    """One log line: plain strings, or (text, style) for colour; nothing in them is markup."""
    line = Text()
    for part in parts:
        text, style = (part, "") if isinstance(part, str) else part
        line.append(shown(text), style=style)
    (console or err).print(line)


def say_lines(prefix: tuple[str, str], message: object) -> None:
    """A message of several lines (a rule pack's problems), each line a log line."""
    for line in str(message).splitlines() or [""]:
        say(prefix, " ", line)


EXIT_FAILED_FILES = 1
EXIT_LEAKS = 1  # scanner verify
EXIT_USAGE = 2
EXIT_FATAL = 3
EXIT_GATE = 4


class Executor(str, Enum):
    local = "local"
    ray = "ray"


SeverityOpt = Enum("SeverityOpt", {s: s for s in SEVERITIES}, type=str)  # type: ignore[misc]


FailOn = Annotated[
    SeverityOpt | None,
    typer.Option(
        "--fail-on",
        help="Exit 4 if any rule of this severity or worse failed (for CI and pipelines).",
    ),
]


class ReportLanguage(str, Enum):
    auto = "auto"
    en = "en"
    zh = "zh"


ReportLanguageOpt = Annotated[
    ReportLanguage,
    typer.Option(
        "--report-language",
        help="Language of the report's labels: en, zh, or auto (Chinese when most of the "
        "interactions are).",
    ),
]


class AudioMask(str, Enum):
    tone = "tone"
    silence = "silence"


class MaskStyleOpt(str, Enum):
    type = "type"
    redacted = "redacted"
    pseudonym = "pseudonym"


def _time_limit(value: str) -> float | str | None:
    if value.strip().lower() == "auto":
        return "auto"
    try:
        seconds = float(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r}: give seconds, 'auto' or 0", param_hint="--time-limit"
        ) from None
    if seconds < 0:
        raise typer.BadParameter("must not be negative", param_hint="--time-limit")
    return seconds or None


def _entities(value: str | None) -> tuple[str, ...]:
    if not value:
        return ALL_ENTITIES
    chosen = tuple(e.strip().upper() for e in value.split(",") if e.strip())
    unknown = [e for e in chosen if e not in ALL_ENTITIES]
    if unknown:
        raise typer.BadParameter(
            f"unknown entity type(s) {', '.join(unknown)}; known: {', '.join(ALL_ENTITIES)}",
            param_hint="--redact-entities",
        )
    return chosen


def _vocabulary(values: list[str] | None) -> tuple[str, ...]:
    names: list[str] = []
    for v in values or []:
        if v.startswith("@"):
            try:
                text = Path(v[1:]).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise typer.BadParameter(
                    f"{v[1:]}: cannot read ({type(exc).__name__})", param_hint="--vocabulary"
                ) from exc
            names += [line.strip() for line in text.splitlines() if line.strip()]
        else:
            names += [n.strip() for n in v.split(",") if n.strip()]
    return tuple(dict.fromkeys(names))


class Channel(str, Enum):
    left = "left"
    right = "right"


def model_for(model: str | None, language: str) -> str:
    """The whisper model a scan uses: the one asked for, else tiny.en for English and the
    multilingual base for any other language (tiny.en would transcribe Mandarin as English
    nonsense). An English-only model asked for with another language is refused."""
    if model is None:
        return "tiny.en" if language == "en" else "base"
    if model.endswith(".en") and language != "en":
        raise typer.BadParameter(
            f"{model} understands English only; for --language {language} leave --model out "
            "(the multilingual base is used) or name a multilingual model",
            param_hint="--model",
        )
    return model


@app.command("scan")
def scan_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Recordings, transcripts or folders.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the findings.")],
    model: Annotated[
        str | None,
        typer.Option(
            help="Whisper model: a name (tiny.en, base) or a model folder. Default: tiny.en "
            "for English, the multilingual base for any other --language."
        ),
    ] = None,
    agent_channel: Annotated[
        Channel, typer.Option(help="Which stereo channel is the agent, unless metadata says.")
    ] = Channel.left,
    metadata: Annotated[
        Path | None,
        typer.Option(help="Batch metadata CSV (default: metadata.csv in a scanned folder)."),
    ] = None,
    keep_metadata: Annotated[
        list[str] | None,
        typer.Option(
            "--keep-metadata",
            metavar="COL",
            help="Also write this metadata column (repeat for more). Only agent_channel, "
            "agent_id, team, campaign, date and language are written otherwise; other columns "
            "are dropped and named in the findings.",
        ),
    ] = None,
    keep_unredacted: Annotated[
        bool,
        typer.Option(
            "--keep-unredacted",
            help="Write transcript text and quotes UNREDACTED. Personal data will be on disk.",
        ),
    ] = False,
    beam_size: Annotated[int, typer.Option(min=1, max=10)] = 5,
    batch_size: Annotated[
        int,
        typer.Option(min=1, max=64, help="Speech windows decoded at once (1: sequentially)."),
    ] = 8,
    compute_type: Annotated[str, typer.Option(help="CTranslate2 compute type.")] = "int8",
    threads: Annotated[int, typer.Option(min=0, help="CPU threads (0 = every core).")] = 0,
    vad: Annotated[bool, typer.Option(help="Skip silence with voice activity detection.")] = True,
    language: Annotated[
        str, typer.Option(help="Spoken language for multilingual models ('auto' to detect).")
    ] = "en",
    allow_download: Annotated[
        bool, typer.Option(help="Allow fetching a model from the hub if it is not found locally.")
    ] = False,
    rules: Annotated[
        list[Path] | None,
        typer.Option("--rules", help="Rule pack folder or file (repeat; default: shipped packs)."),
    ] = None,
    no_rules: Annotated[bool, typer.Option("--no-rules", help="Transcribe only.")] = False,
    redact_audio: Annotated[
        AudioMask | None,
        typer.Option(help="Also write OUT/<id>.redacted.wav with personal data replaced."),
    ] = None,
    mask_style: Annotated[
        MaskStyleOpt, typer.Option(help="How masked values read: [PERSON], [REDACTED], PERSON_1.")
    ] = MaskStyleOpt.type,
    redact_entities: Annotated[
        str | None,
        typer.Option(
            help=f"Comma-separated entity types to redact (default all: {', '.join(ALL_ENTITIES)})."
        ),
    ] = None,
    redact_threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Lowest detector score that is masked.")
    ] = 0.35,
    max_hours: Annotated[
        float, typer.Option(min=0, help="Refuse recordings longer than this (0 = no limit).")
    ] = 4.0,
    workers: Annotated[
        int,
        typer.Option(
            min=0, help="Worker processes (0 = one per core, 1.5 GB each); models load once each."
        ),
    ] = 0,
    executor: Annotated[
        Executor,
        typer.Option(help="Where files are scanned: worker processes here, or Ray actors."),
    ] = Executor.local,
    ray_address: Annotated[
        str | None,
        typer.Option(
            help="Ray cluster to join ('auto': the one this machine is in; default: start a "
            "private local instance). Inputs and --out must be on a shared filesystem."
        ),
    ] = None,
    reuse_transcripts: Annotated[
        bool,
        typer.Option(
            "--reuse-transcripts/--no-reuse-transcripts",
            help="When only rule packs changed since the last run, re-run the rules on the "
            "stored (redacted) transcripts instead of transcribing again: fast, but rules "
            "see masks where names and numbers were.",
        ),
    ] = False,
    vocabulary: Annotated[
        list[str] | None,
        typer.Option(
            help="Names the centre uses (organisation, products), comma-separated or @FILE "
            "with one per line: whisper hears them better, rules know them as organisations.",
        ),
    ] = None,
    time_limit: Annotated[
        str,
        typer.Option(
            help="Per-file time limit in seconds; 'auto' = 5 min plus the recording's length; "
            "0 = none.",
        ),
    ] = "auto",
    write_report: Annotated[
        bool,
        typer.Option(
            "--report/--no-report", help="Write OUT/report.html and the CSV exports at the end."
        ),
    ] = True,
    fail_on: FailOn = None,
    report_language: ReportLanguageOpt = ReportLanguage.auto,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    debug: Annotated[
        bool,
        typer.Option(help="Scan in this process and stop on internal errors with a traceback."),
    ] = False,
) -> None:
    """Scan recordings and transcripts; write OUT/<id>.json per file, OUT/summary.json and
    OUT/report.html."""
    model = model_for(model, language)
    options = ScanOptions(
        transcribe=TranscribeOptions(
            model=model,
            compute_type=compute_type,
            cpu_threads=threads,
            beam_size=beam_size,
            batch_size=batch_size,
            language=None if language == "auto" else language,
            vad=vad,
            allow_download=allow_download,
        ),
        agent_channel=0 if agent_channel is Channel.left else 1,
        keep_unredacted=keep_unredacted,
        metadata_csv=metadata,
        keep_metadata=tuple(keep_metadata or ()),
        rule_paths=() if no_rules else (tuple(rules) if rules else None),
        redact=RedactOptions(
            entities=_entities(redact_entities),
            style=mask_style.value,  # type: ignore[arg-type]
            threshold=redact_threshold,
        ),
        redact_audio=redact_audio.value if redact_audio else None,
        max_audio_hours=max_hours or None,
        reuse_transcripts=reuse_transcripts,
        vocabulary=_vocabulary(vocabulary),
        debug=debug,
    )
    if keep_unredacted and not quiet:
        say(("--keep-unredacted: transcript text is written WITHOUT redaction", "yellow"))
    if keep_metadata and not quiet:
        say((f"--keep-metadata: {', '.join(keep_metadata)} written as given, unredacted", "yellow"))

    bar = _ProgressBar() if not quiet and err.is_terminal else None

    def report(item: InputFile, result: ScanResult) -> None:
        if bar is not None:
            bar.advance(result)
        if quiet or (bar is not None and result.ok):
            return
        if result.ok:
            it = result.interaction
            assert it is not None
            dur = f"{it.duration:.1f} s, " if it.medium == "voice" and it.duration else ""
            failed = [r.rule for r in result.rules if r.outcome == "failed"]
            review = sum(r.outcome == "needs_review" for r in result.rules)
            notes: list[str | tuple[str, str]] = []
            if failed:
                notes += ["; ", (f"failed: {', '.join(failed)}", "red")]
            if review:
                notes += ["; ", (f"{review} to review", "yellow")]
            say(("ok", "green"), f"     {item.path}  ({dur}{len(it.turns)} turns", *notes, ")")
        else:
            assert result.error is not None
            say(("failed", "red"), f" {result.error.message}  ", (f"({result.error.code})", "dim"))

    try:
        summary = scan(
            paths,
            out,
            options,
            progress=report,
            workers=workers,
            time_limit=_time_limit(time_limit),
            plan=bar.start if bar else None,
            executor=executor.value,
            ray_address=ray_address,
        )
    except ScannerError as exc:
        say_lines(("error:", "red"), exc)
        raise typer.Exit(EXIT_USAGE if isinstance(exc, UsageError) else EXIT_FATAL) from exc
    except OSError as exc:  # the output folder went away or became unwritable mid-batch
        say(("error:", "red"), f" {exc.filename or out}: {exc.strerror or type(exc).__name__}")
        raise typer.Exit(EXIT_FATAL) from exc
    finally:
        if bar is not None:
            bar.stop()
    failed = len(summary.failed)
    if not quiet:
        reused = f"{len(summary.reused)} already done, " if summary.reused else ""
        say(
            f"{len(summary.results) - failed} scanned, {failed} failed, {reused}"
            f"{len(summary.skipped)} skipped; findings in {summary.out}"
        )
    gate_failed = False
    if write_report or fail_on:
        gate_failed = _report_and_gate(
            out, write_report, fail_on, quiet=quiet, language=report_language.value
        )
    if failed:
        raise typer.Exit(EXIT_FAILED_FILES)
    raise typer.Exit(EXIT_GATE if gate_failed else 0)


def _report_and_gate(
    out: Path,
    write: bool,
    fail_on: SeverityOpt | None,
    keep_unredacted: bool = False,
    quiet: bool = False,
    title: str | None = None,
    language: str = "auto",
) -> bool:
    """Write the report (if asked) and say whether the --fail-on gate tripped."""
    from .findings import load_dir
    from .report import build_report, gate

    try:
        loaded = load_dir(out)
        if write:
            files = build_report(out, keep_unredacted, title, loaded, language)
            if not quiet:
                say(f"report: {files.html} ({files.interactions} interactions)")
            for name in files.unreadable:
                say(("not read:", "yellow"), f" {name}")
        if fail_on is None:
            return False
        hits = gate(loaded.docs, fail_on.value)
    except (ScannerError, OSError) as exc:
        say(("error:", "red"), f" report: {exc}")
        raise typer.Exit(EXIT_FATAL) from exc
    for hit in hits if not quiet else []:
        say(
            (f"fail-on {fail_on.value}:", "red"), f" {hit.interaction}: {hit.rule} ({hit.severity})"
        )
    if hits:
        say(
            (f"{len(hits)} failed rule(s) at or above {fail_on.value}", "red"),
            f" in {len({h.interaction for h in hits})} interaction(s)",
        )
    return bool(hits)


rules_app = typer.Typer(no_args_is_help=True, help="Write, check and test rule packs.")
app.add_typer(rules_app, name="rules")
PacksArg = Annotated[
    list[Path] | None, typer.Argument(help="Pack folders or files (default: shipped packs).")
]


def _pack_files(packs: list[Path] | None) -> list[Path]:
    files = pack_files(list(packs) if packs else default_rule_paths())
    if not files:
        say(("error:", "red"), " no rule packs found (a pack is a folder with pack.yaml)")
        raise typer.Exit(2)
    return files


@rules_app.command("lint")
def rules_lint(packs: PacksArg = None) -> None:
    """Validate packs against the rule language; errors give file:line and the path."""
    bad = 0
    for f in _pack_files(packs):
        try:
            pack = load_pack(f)
            typer.echo(f"ok    {f}  ({pack.pack} {pack.version}, {len(pack.rules)} rules)")
        except RulePackError as exc:
            bad += 1
            typer.echo(str(exc))
    raise typer.Exit(1 if bad else 0)


@rules_app.command("test")
def rules_test(
    packs: PacksArg = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every example.")] = False,
) -> None:
    """Run every rule's examples; print a table per rule; exit 1 if any example fails."""
    from rich.table import Table

    out = Console(highlight=False, markup=False, emoji=False)
    failures = 0
    for f in _pack_files(packs):
        try:
            pack = load_pack(f)
        except RulePackError as exc:
            out.print(str(exc))
            failures += 1
            continue
        table = Table(title=f"{pack.pack} {pack.version}", title_justify="left")
        for col in ("rule", "examples", "TP", "FP", "TN", "FN", "result"):
            table.add_column(col, justify="left" if col in ("rule", "result") else "right")
        details = []
        for rep in run_pack_tests(pack):
            failures += not rep.ok
            table.add_row(
                rep.rule,
                str(len(rep.cases)),
                str(rep.count("tp")),
                str(rep.count("fp")),
                str(rep.count("tn")),
                str(rep.count("fn")),
                Text("ok", style="green") if rep.ok else Text("FAIL", style="red"),
            )
            details += [f"  {rep.rule}: {p}" for p in rep.problems]
            for case in rep.cases:
                if not case.ok or verbose:
                    mark = "ok  " if case.ok else "FAIL"
                    details.append(
                        f"  {mark} {rep.rule} / {case.name}: expected {case.expected}, "
                        f"got {case.got} ({case.reason})"
                    )
        out.print(table)
        for d in details:
            say(d, console=out)
    out.print(f"{'all examples pass' if not failures else f'{failures} failing'}")
    raise typer.Exit(1 if failures else 0)


@rules_app.command("eval")
def rules_eval(
    folder: Annotated[
        Path,
        typer.Argument(help="Labelled interactions (transcripts, recordings or scan findings)."),
    ],
    labels: Annotated[
        Path | None, typer.Option(help="The labels CSV (default: FOLDER/labels.csv).")
    ] = None,
    packs: Annotated[list[Path] | None, typer.Option("--rules", help="Pack folders.")] = None,
    min_accuracy: Annotated[
        float, typer.Option(min=0, max=1, help="Exit 1 if overall accuracy is below this.")
    ] = 0.0,
    min_rule_accuracy: Annotated[
        float, typer.Option(min=0, max=1, help="Exit 1 if any rule's accuracy is below this.")
    ] = 0.0,
    show: Annotated[int, typer.Option(help="Disagreements to list (0: none).")] = 50,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures to this JSON file.")
    ] = None,
    model: Annotated[str, typer.Option(help="Whisper model, for recordings.")] = "tiny.en",
    workers: Annotated[int, typer.Option(min=0, help="Workers for recordings.")] = 0,
    vocabulary: Annotated[
        list[str] | None, typer.Option(help="Names the centre uses, as for scan.")
    ] = None,
) -> None:
    """Run the packs over labelled conversations; print per-rule accuracy, precision and
    recall of violations, a confusion table and the disagreements."""
    import json

    from rich.table import Table

    from .rule_eval import evaluate

    options = ScanOptions(
        transcribe=TranscribeOptions(model=model),
        rule_paths=tuple(packs) if packs else None,
        vocabulary=_vocabulary(vocabulary),
    )
    try:
        report = evaluate(folder, options, labels, workers=workers)
    except ScannerError as exc:
        say_lines(("error:", ""), exc)
        raise typer.Exit(2) from exc
    out = Console(
        highlight=False,
        soft_wrap=True,
        markup=False,
        emoji=False,
        width=max(120, Console().width),
    )
    table = Table(title=f"{folder}: {report.interactions} interactions", title_justify="left")
    for col in ("rule", "n", "accuracy", "precision", "recall", "exp\\got P/F/NA/R"):
        table.add_column(col, justify="left" if col == "rule" else "right")

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.0f}%"

    for r in report.rules:
        confusion = " ".join(
            f"{e[0].upper()}:" + "/".join(str(r.count(e, g)) for g in OUTCOMES_ORDER)
            for e in ("passed", "failed", "not_applicable")
        )
        table.add_row(r.rule, str(r.n), pct(r.accuracy), pct(r.precision), pct(r.recall), confusion)
    out.print(table)
    wrong = [v for v in report.verdicts if not v.right]
    for v in wrong[:show]:
        out.print(
            f"  {v.interaction}  {v.rule}: expected {v.expected}, got {v.got} ({v.reason})",
            markup=False,
        )
    if len(wrong) > show:
        out.print(f"  ... and {len(wrong) - show} more")
    for e in report.errors:
        out.print(f"  error: {e}", markup=False)
    out.print(
        f"accuracy {100 * report.accuracy:.1f}% of {len(report.verdicts)} verdicts; "
        f"needs_review {100 * report.needs_review:.1f}%"
    )
    if json_out:
        json_out.write_text(json.dumps(report.as_dict(), indent=1))
    worst = min((r.accuracy for r in report.rules), default=1.0)
    raise typer.Exit(1 if report.accuracy < min_accuracy or worst < min_rule_accuracy else 0)


OUTCOMES_ORDER = ("passed", "failed", "not_applicable", "needs_review")


@rules_app.command("explain")
def rules_explain(
    rule: Annotated[str, typer.Argument(help="Rule id, or pack/rule.")],
    text: Annotated[
        str | None,
        typer.Option(help="Turns as lines 'agent: ...' / 'customer: ...' (\\n separates)."),
    ] = None,
    file: Annotated[
        Path | None, typer.Option(help="An interaction: transcript, or findings JSON.")
    ] = None,
    packs: Annotated[list[Path] | None, typer.Option("--rules", help="Pack folders.")] = None,
    medium: Annotated[str, typer.Option(help="voice or chat, for --text.")] = "chat",
    campaign: Annotated[str | None, typer.Option(help="metadata campaign, for --text.")] = None,
) -> None:
    """Show what a rule matched on an interaction, where, and why it did or did not count."""
    from .explain import explain

    try:
        report = explain(
            rule, _pack_files(packs), text=text, file=file, medium=medium, campaign=campaign
        )
    except (ScannerError, ValueError) as exc:
        say_lines(("error:", "red"), exc)
        raise typer.Exit(2) from exc
    typer.echo(report)


@app.command("report")
def report_cmd(
    outdir: Annotated[Path, typer.Argument(help="A scan's output folder.")],
    keep_unredacted: Annotated[
        bool,
        typer.Option(
            "--keep-unredacted",
            help="Show text from findings scanned with --keep-unredacted (personal data!).",
        ),
    ] = False,
    title: Annotated[str | None, typer.Option(help="Report title.")] = None,
    fail_on: FailOn = None,
    report_language: ReportLanguageOpt = ReportLanguage.auto,
) -> None:
    """Write OUTDIR/report.html (self-contained, works offline), results.csv (one row per
    interaction and rule) and interactions.csv (one row per interaction)."""
    if not outdir.is_dir():
        say(("error:", "red"), f" {outdir}: not a folder")
        raise typer.Exit(2)
    if keep_unredacted:
        say(("--keep-unredacted: the report may show personal data", "yellow"))
    tripped = _report_and_gate(
        outdir,
        True,
        fail_on,
        keep_unredacted=keep_unredacted,
        title=title,
        language=report_language.value,
    )
    raise typer.Exit(EXIT_GATE if tripped else 0)


@app.command("verify")
def verify_cmd(
    outdir: Annotated[Path, typer.Argument(help="A scan's output folder.")],
) -> None:
    """Re-scan everything written for personal data with an independent method, writing
    nothing. Exit 0: nothing found; 1: possible leaks (listed by file, place and kind, never
    the value); 3: something could not be checked (named, with the problem)."""
    from .verify import verify

    result = verify(outdir)
    for leak in result.leaks:
        typer.echo(f"{leak.file}: {leak.where}: possible {leak.kind}")
    for problem in result.problems:
        say(("error:", "red"), f" {problem.file}: {problem.problem}")
    unchecked = f", {len(result.problems)} could not be checked" if result.problems else ""
    typer.echo(f"{result.files} files checked, {len(result.leaks)} possible leaks{unchecked}")
    if result.leaks:
        raise typer.Exit(EXIT_LEAKS)
    raise typer.Exit(EXIT_FATAL if result.problems else 0)


@app.command("status")
def status_cmd(
    outdir: Annotated[Path, typer.Argument(help="A scan's output folder.")],
) -> None:
    """Progress and failures of a batch, from its index. Re-running the same scan command
    retries the failed and unfinished ones and skips the rest."""
    from .index import INDEX_NAME, Index

    if not (outdir / INDEX_NAME).is_file():
        say(("error:", "red"), f" {outdir}: no {INDEX_NAME} (not a scan output folder)")
        raise typer.Exit(2)
    index = Index(outdir)
    try:
        counts = index.counts()
        rows = index.all()
        audio = sum(r["audio_seconds"] or 0 for r in rows if r["status"] == "done")
        typer.echo(
            f"{len(rows)} interactions: {counts.get('done', 0)} done, "
            f"{counts.get('failed', 0)} failed, {counts.get('running', 0)} unfinished; "
            f"{audio / 3600:.2f} h of audio done"
        )
        for r in index.failed():
            typer.echo(f"failed  {r['id']}  [{r['error_code']}] {r['error_message']}")
        for r in rows:
            if r["status"] == "running":
                typer.echo(f"unfinished  {r['id']}  ({r['source']})")
    finally:
        index.close()
    raise typer.Exit(1 if counts.get("failed") or counts.get("running") else 0)


@app.command("models")
def models_cmd() -> None:
    """List the known model names and where each one is found (nothing is downloaded)."""
    say(f"models folder: {models_dir()}; models in parts are joined into {cache_dir()}")
    for name in WHISPER_PACKAGES:
        try:
            found = resolve_whisper(name, join=False)  # a listing writes nothing
            typer.echo(f"{name}\t{found.origin}\t{found.path}")
        except ScannerError as exc:
            typer.echo(f"{name}\tmissing\t{exc}")


class _ProgressBar:
    """Files done of the batch, hours of audio done, and speed in audio seconds per second."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(
            TextColumn("scanning"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[audio]}"),
            console=err,
            transient=True,
        )
        self.task = None
        self.audio = 0.0
        self.t0 = 0.0

    def start(self, todo: int, reused: int) -> None:
        import time

        self.t0 = time.perf_counter()
        self.task = self.progress.add_task("scan", total=todo, audio="")
        self.progress.start()
        if reused:
            say(f"{reused} already done (same content and settings): skipped")

    def advance(self, result: ScanResult) -> None:
        import time

        it = result.interaction
        if it is not None and it.medium == "voice":
            self.audio += it.duration or 0.0
        rate = self.audio / max(time.perf_counter() - self.t0, 1e-6)
        text = f"{self.audio / 3600:.2f} h audio, {rate:.1f}x realtime" if self.audio else ""
        self.progress.update(self.task, advance=1, audio=text)

    def stop(self) -> None:
        self.progress.stop()


def main() -> None:
    """The `scanner` command. A bug shows as one line naming it, never a traceback (which
    could hold content); --debug shows the traceback."""
    try:
        app(prog_name="scanner")
    except Exception as exc:
        if "--debug" in sys.argv:
            raise
        say(
            ("internal error:", "red"),
            f" unexpected {type(exc).__name__} (a bug in the scanner; run the command with "
            "--debug for the traceback)",
        )
        sys.exit(EXIT_FATAL)


if __name__ == "__main__":
    sys.exit(main())
