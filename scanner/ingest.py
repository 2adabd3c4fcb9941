"""Ingest: which files a batch holds, their ids and hashes, and what is known about each.

Everything here happens before any file is scanned and without reading contents beyond a
hash: finding inputs in folders, giving each a stable id, and gathering its metadata from a
sidecar `<recording>.json` or the batch `metadata.csv`.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import metadata as meta_io
from .audio import AUDIO_SUFFIXES
from .transcripts import TRANSCRIPT_SUFFIXES
from .types import Metadata, Source
from .vocab import RESERVED_IDS

InputKind = Literal["audio", "transcript", "unsupported", "missing", "unreadable"]


@dataclass(frozen=True)
class InputFile:
    """One input of a batch: where it is, what kind it is, its id and (once read) its hash.
    An `unreadable` input carries the `problem` its error result will name."""

    path: Path
    kind: InputKind
    id: str
    sha256: str | None = None
    problem: str | None = None


def discover(
    paths: Iterable[Path],
    exclude: Path | None = None,
    known: Mapping[str, str] | None = None,
) -> tuple[list[InputFile], list[str]]:
    """Files named on the command line are always taken (an unknown type is an error); inside
    folders, files of other types (scripts, READMEs, sidecars) are skipped and listed. A folder
    that cannot be listed, and an input that is not a regular file, become inputs of their own
    that fail with the reason, so nothing is left out without a word. `exclude` (the output
    folder) is not searched when it lies inside a scanned folder; `known` maps the sources an
    output folder has seen to their ids, so a source keeps its id from run to run."""
    found: list[tuple[Path, InputKind, str | None]] = []
    skipped: list[str] = []
    excl = exclude.resolve() if exclude else None
    for root in paths:
        root = Path(root)
        if not os.path.lexists(root):
            found.append((root, "missing", None))
        elif root.is_dir():
            _walk(root, excl, found, skipped)
        else:
            found.append(_entry(root, kind_of(root) or "unsupported"))
    return with_ids(found, known), skipped


def _walk(
    root: Path,
    excl: Path | None,
    found: list[tuple[Path, InputKind, str | None]],
    skipped: list[str],
) -> None:
    """Every file under a folder, in name order, hidden ones and the output folder left out."""

    mine: list[tuple[Path, InputKind, str | None]] = []

    def unlistable(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else root
        problem = f"cannot list this folder ({exc.strerror or type(exc).__name__}); "
        mine.append((where, "unreadable", problem + "nothing in it was scanned"))

    files: list[Path] = []
    for dirpath, dirs, names in os.walk(root, onerror=unlistable):
        here = Path(dirpath)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and not (excl and (here / d).resolve() == excl)
        )
        files += [here / n for n in names if not n.startswith(".")]
    files.sort()
    regular = {p for p in files if p.is_file()}
    for p in files:
        kind = kind_of(p)
        if kind is None or meta_io.is_sidecar(p, regular) or p.name == meta_io.BATCH_CSV_NAME:
            skipped.append(str(p))
        else:
            mine.append(_entry(p, kind))
    found += sorted(mine, key=lambda f: str(f[0]))


def _entry(path: Path, kind: InputKind) -> tuple[Path, InputKind, str | None]:
    """A file to scan, or why it cannot be: a broken link, a FIFO, a socket, a device."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return path, "unreadable", f"cannot read the file ({exc.strerror or type(exc).__name__})"
    if not stat.S_ISREG(mode):
        what = "folder" if stat.S_ISDIR(mode) else "FIFO, socket or device"
        return path, "unreadable", f"not a regular file (a {what})"
    return path, kind, None


def kind_of(path: Path) -> Literal["audio", "transcript"] | None:
    suffix = path.suffix.lower()
    if suffix in AUDIO_SUFFIXES:
        return "audio"
    if suffix in TRANSCRIPT_SUFFIXES:
        return "transcript"
    return None


# the 16 letters a path hash is written in: consonants only, so an id we make up never reads
# as a number (a digit run to `scanner verify`) or spells a word
_HASH_LETTERS = "bcdfghjklmnpqrst"


def path_tag(path: Path | str, size: int = 8) -> str:
    """`size` letters from a hash of the path (4 bits each, as hex digits would be)."""
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:size]
    return "".join(_HASH_LETTERS[int(ch, 16)] for ch in digest)


def with_ids(
    found: list[tuple[Path, InputKind, str | None]], known: Mapping[str, str] | None = None
) -> list[InputFile]:
    """Ids are file stems made safe. A source the output folder has seen keeps its id; a stem
    that clashes (in any case: some filesystems ignore it) with another input's, with an id
    the output folder holds for another source, or with the name of one of our own outputs
    (summary, report, ...) gets a short hash of the source's full path."""
    known = dict(known or {})
    seen: set[str] = set()
    unique = []
    for p, k, problem in found:
        full = source_key(p)
        if full not in seen:
            seen.add(full)
            unique.append((p, k, problem, full))
    fixed = {full: known[full] for *_, full in unique if full in known}
    held = {v.lower() for v in known.values()}
    stems = [_stem(p) for p, *_ in unique]
    counts = Counter(s.lower() for s, (*_, full) in zip(stems, unique) if full not in fixed)
    out = []
    for (p, k, problem, full), stem in zip(unique, stems):
        ident = fixed.get(full)
        if ident is None:
            ident = stem
            low = stem.lower()
            if counts[low] > 1 or low in held or low in RESERVED_IDS:
                tag = path_tag(full, 40)
                size = 8
                while f"{stem}-{tag[:size]}".lower() in held and size < len(tag):
                    size += 8
                ident = f"{stem}-{tag[:size]}"
        out.append(InputFile(p, k, ident, problem=problem))
    return out


def _stem(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem).strip("-.") or "file"


def source_key(path: Path) -> str:
    """A path as the index remembers sources: absolute, links resolved where they exist."""
    return os.path.realpath(path)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_source(item: InputFile) -> Source:
    """Where an interaction came from; the hash is the one taken when the batch was planned."""
    path = item.path
    return Source(
        str(path),
        "audio" if item.kind == "audio" else "transcript",
        path.suffix.lower().lstrip("."),
        item.sha256 or sha256(path),
        path.stat().st_size,
    )


def batch_csvs(paths: Iterable[Path], skipped: Iterable[str]) -> list[Path]:
    """The metadata.csv files of a batch: those found in scanned folders, and those beside
    files named on the command line."""
    beside = {Path(p).parent / meta_io.BATCH_CSV_NAME for p in paths if Path(p).is_file()}
    found = {Path(p) for p in skipped if Path(p).name == meta_io.BATCH_CSV_NAME}
    return [c for c in sorted(found | beside) if c.is_file()]


class BatchMetadata:
    """What the contact centre says about each file: the batch CSV rows, then the sidecar,
    then the transcript's own metadata, later ones winning."""

    def __init__(self, csvs: Iterable[Path] = (), explicit: Path | None = None) -> None:
        """The explicit --metadata CSV (rows match by path or bare file name) replaces the
        metadata.csv files found beside the inputs (rows match files in their own folder)."""
        self.rows: dict[str, dict[str, object]] = {}
        if explicit is not None:
            self.rows.update(meta_io.read_batch_csv(explicit))
            return
        for c in csvs:
            for key, row in meta_io.read_batch_csv(c).items():
                if os.sep in key:
                    self.rows.setdefault(key, row)

    def for_file(self, path: Path, own: dict[str, object] | None = None) -> Metadata:
        values: dict[str, object] = dict(meta_io.lookup(path, self.rows))
        sidecar = meta_io.read_sidecar(path)
        if sidecar:
            values.update(sidecar)
        if own:
            values.update({k: v for k, v in own.items() if not k.startswith("_")})
        src = str(meta_io.sidecar_path(path)) if sidecar else str(path)
        return meta_io.build(values, src)
