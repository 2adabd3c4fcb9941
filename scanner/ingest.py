"""Ingest: which files a batch holds, their ids and hashes, and what is known about each.

Everything here happens before any file is scanned and without reading contents beyond a
hash: finding inputs in folders, giving each a stable id, and gathering its metadata from a
sidecar `<recording>.json` or the batch `metadata.csv`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import metadata as meta_io
from .audio import AUDIO_SUFFIXES
from .transcripts import TRANSCRIPT_SUFFIXES
from .types import Metadata, Source

InputKind = Literal["audio", "transcript", "unsupported", "missing"]


@dataclass(frozen=True)
class InputFile:
    """One input of a batch: where it is, what kind it is, its id and (once read) its hash."""

    path: Path
    kind: InputKind
    id: str
    sha256: str | None = None


def discover(
    paths: Iterable[Path], exclude: Path | None = None
) -> tuple[list[InputFile], list[str]]:
    """Files named on the command line are always taken (an unknown type is an error); inside
    folders, files of other types (scripts, READMEs, sidecars) are skipped and listed."""
    found: list[tuple[Path, InputKind]] = []
    skipped: list[str] = []
    excl = exclude.resolve() if exclude else None
    for root in paths:
        root = Path(root)
        if not root.exists():
            found.append((root, "missing"))
            continue
        if root.is_file():
            found.append((root, kind_of(root) or "unsupported"))
            continue
        files = sorted(p for p in root.rglob("*") if p.is_file())
        names = set(files)
        for p in files:
            rel_parts = p.relative_to(root).parts
            if any(part.startswith(".") for part in rel_parts):
                continue
            if excl and (excl == p.resolve().parent or excl in p.resolve().parents):
                continue
            kind = kind_of(p)
            if kind is None or meta_io.is_sidecar(p, names) or p.name == meta_io.BATCH_CSV_NAME:
                skipped.append(str(p))
            else:
                found.append((p, kind))
    return with_ids(found), skipped


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


def path_tag(path: Path) -> str:
    """Eight letters from a hash of the path (32 bits, as eight hex digits would be)."""
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    return "".join(_HASH_LETTERS[int(ch, 16)] for ch in digest)


def with_ids(found: list[tuple[Path, InputKind]]) -> list[InputFile]:
    """Ids are file stems made safe; clashing stems get a short tag made from the path."""
    seen: dict[Path, None] = {}
    unique = [(p, k) for p, k in found if not (p.resolve() in seen or seen.setdefault(p.resolve()))]
    stems = [re.sub(r"[^A-Za-z0-9._-]+", "-", p.stem).strip("-.") or "file" for p, _ in unique]
    counts = Counter(stems)
    out = []
    for (p, k), stem in zip(unique, stems):
        if counts[stem] > 1:
            stem = f"{stem}-{path_tag(p)}"
        out.append(InputFile(p, k, stem))
    return out


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
