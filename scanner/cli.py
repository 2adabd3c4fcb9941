"""The command line: parse, call the library, map outcomes to exit codes. Nothing else.

Exit codes: 0 every file scanned; 1 some files failed (each has its own error result);
2 usage error; 3 the batch could not run at all (e.g. the model is missing).
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .errors import ScannerError
from .models import WHISPER_PACKAGES, models_dir, resolve_whisper
from .pipeline import InputFile, ScanOptions, scan
from .transcribe import TranscribeOptions
from .types import ScanResult

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Offline compliance scanner for contact-centre calls and chats.",
)
err = Console(stderr=True, highlight=False)

EXIT_FAILED_FILES = 1
EXIT_FATAL = 3


class Channel(str, Enum):
    left = "left"
    right = "right"


@app.command("scan")
def scan_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Recordings, transcripts or folders.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the findings.")],
    model: Annotated[
        str, typer.Option(help="Whisper model: a name (tiny.en, base) or a model folder.")
    ] = "tiny.en",
    agent_channel: Annotated[
        Channel, typer.Option(help="Which stereo channel is the agent, unless metadata says.")
    ] = Channel.left,
    metadata: Annotated[
        Path | None,
        typer.Option(help="Batch metadata CSV (default: metadata.csv in a scanned folder)."),
    ] = None,
    keep_unredacted: Annotated[
        bool,
        typer.Option(
            "--keep-unredacted",
            help="Write transcript text and words UNREDACTED. Personal data will be on disk.",
        ),
    ] = False,
    beam_size: Annotated[int, typer.Option(min=1, max=10)] = 5,
    compute_type: Annotated[str, typer.Option(help="CTranslate2 compute type.")] = "int8",
    threads: Annotated[int, typer.Option(min=0, help="CPU threads (0 = every core).")] = 0,
    vad: Annotated[bool, typer.Option(help="Skip silence with voice activity detection.")] = True,
    language: Annotated[
        str, typer.Option(help="Spoken language for multilingual models ('auto' to detect).")
    ] = "en",
    allow_download: Annotated[
        bool, typer.Option(help="Allow fetching a model from the hub if it is not found locally.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    debug: Annotated[bool, typer.Option(help="Stop on internal errors with a traceback.")] = False,
) -> None:
    """Scan recordings and transcripts; write OUT/<id>.json per file and OUT/summary.json."""
    options = ScanOptions(
        transcribe=TranscribeOptions(
            model=model,
            compute_type=compute_type,
            cpu_threads=threads,
            beam_size=beam_size,
            language=None if language == "auto" else language,
            vad=vad,
            allow_download=allow_download,
        ),
        agent_channel=0 if agent_channel is Channel.left else 1,
        keep_unredacted=keep_unredacted,
        metadata_csv=metadata,
        debug=debug,
    )
    if keep_unredacted and not quiet:
        err.print("[yellow]--keep-unredacted: transcript text is written without redaction[/]")

    def report(item: InputFile, result: ScanResult) -> None:
        if quiet:
            return
        if result.ok:
            it = result.interaction
            assert it is not None
            dur = f"{it.duration:.1f} s, " if it.medium == "voice" and it.duration else ""
            err.print(f"[green]ok[/]     {item.path}  ({dur}{len(it.turns)} turns)")
        else:
            assert result.error is not None
            err.print(f"[red]failed[/] {result.error.message}  [dim]({result.error.code})[/]")

    try:
        summary = scan(paths, out, options, progress=report)
    except ScannerError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(EXIT_FATAL) from exc
    failed = len(summary.failed)
    if not quiet:
        err.print(
            f"{len(summary.results) - failed} scanned, {failed} failed, "
            f"{len(summary.skipped)} skipped; findings in {summary.out}"
        )
    raise typer.Exit(EXIT_FAILED_FILES if failed else 0)


@app.command("models")
def models_cmd() -> None:
    """List the known model names and where each one is found (nothing is downloaded)."""
    err.print(f"models folder: {models_dir()}")
    for name in WHISPER_PACKAGES:
        try:
            found = resolve_whisper(name)
            typer.echo(f"{name}\t{found.origin}\t{found.path}")
        except ScannerError as exc:
            typer.echo(f"{name}\tmissing\t{exc}")


def main() -> None:
    app(prog_name="scanner")


if __name__ == "__main__":
    sys.exit(main())
