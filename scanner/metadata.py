"""Per-interaction metadata: a sidecar `<recording>.json` or one batch CSV for many files.

A sidecar is named after the whole recording file name (`call.wav.json`), so it can never be
mistaken for a JSON transcript. A batch CSV has a `file` column (a path relative to the CSV, or
a bare file name) and any columns. Only the safe columns are written; any other column (a
customer's name, a phone number, free notes) is dropped before anything is written unless the
user keeps it by name (`--keep-metadata COL`), and the findings name what was dropped.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from .errors import MetadataError
from .types import Metadata

# the columns known to say nothing about the customer, written by default; every other column
# is dropped unless kept by name
SAFE_COLUMNS = ("agent_channel", "agent_id", "team", "campaign", "date", "language")
# a dropped column is named in the findings only if its name looks like a column name (letters,
# '_' or '-', up to two digits at the end); a name that could itself be data is not shown
_COLUMN_NAME = re.compile(r"[a-z][a-z_-]{0,37}\d{0,2}")
HIDDEN_NAME = "(a column whose name is not shown)"
BATCH_CSV_NAME = "metadata.csv"
_CHANNELS = {"left": 0, "l": 0, "0": 0, "right": 1, "r": 1, "1": 1}


def sidecar_path(recording: Path) -> Path:
    return recording.with_name(recording.name + ".json")


def is_sidecar(path: Path, siblings: set[Path]) -> bool:
    """A `x.wav.json` beside an `x.wav` is metadata, not a transcript."""
    return path.suffix.lower() == ".json" and path.with_suffix("") in siblings


def build(values: dict[str, object], source: str) -> Metadata:
    """Validate one record of metadata; `source` names where it came from for errors."""
    extra = {}
    fields: dict[str, object] = {}
    for key, value in values.items():
        if value is None or value == "":
            continue
        k = column_name(key)
        if k == "agent_channel":
            ch = _CHANNELS.get(str(value).strip().lower())
            if ch is None:
                raise MetadataError(source, "agent_channel must be left/right (or 0/1)")
            fields[k] = ch
        elif k in SAFE_COLUMNS:
            fields[k] = str(value).strip()
        elif k != "file":
            extra[k] = str(value)
    return Metadata(**fields, extra=tuple(sorted(extra.items())))  # type: ignore[arg-type]


def column_name(name: object) -> str:
    """Column names match whatever their case or surrounding spaces."""
    return str(name).strip().lower()


def restrict(meta: Metadata, keep: Iterable[str] = ()) -> Metadata:
    """Only the safe columns and those the user kept by name; `dropped` names the others
    (their names when they look like column names, never their values)."""
    wanted = {column_name(k) for k in keep}
    dropped = tuple(
        k if _COLUMN_NAME.fullmatch(k) else HIDDEN_NAME for k, _ in meta.extra if k not in wanted
    )
    kept = tuple((k, v) for k, v in meta.extra if k in wanted)
    return replace(meta, extra=kept, dropped=meta.dropped + dropped)


def read_sidecar(recording: Path) -> dict[str, object] | None:
    path = sidecar_path(recording)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MetadataError(str(path), f"metadata sidecar: {_why(exc)}") from exc
    if not isinstance(data, dict):
        raise MetadataError(str(path), "metadata sidecar must be a JSON object")
    return data


def read_batch_csv(path: Path) -> dict[str, dict[str, object]]:
    """Rows keyed by resolved file path and by bare name (the first one wins on clashes)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "file" not in [
                f.strip().lower() for f in reader.fieldnames
            ]:
                raise MetadataError(str(path), "batch metadata CSV needs a 'file' column")
            rows: dict[str, dict[str, object]] = {}
            for row in reader:
                row = {k.strip().lower(): v for k, v in row.items() if k}
                name = (row.get("file") or "").strip()
                if not name:
                    raise MetadataError(f"{path}:{reader.line_num}", "row has an empty 'file'")
                if "\x00" in name:  # no path holds one; resolving it would raise ValueError
                    raise MetadataError(
                        f"{path}:{reader.line_num}", "row's 'file' holds a NUL character"
                    )
                build(row, f"{path}:{reader.line_num}")  # validate now, with the line number
                rows.setdefault(str((path.parent / name).resolve()), row)
                rows.setdefault(Path(name).name, row)
            return rows
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise MetadataError(str(path), f"cannot read batch metadata ({_why(exc)})") from exc


def _why(exc: Exception) -> str:
    """What went wrong reading a metadata file, without quoting any of it (the exceptions' own
    messages can quote a byte, a path or a line)."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (bad byte at offset {exc.start})"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
    if isinstance(exc, OSError):
        return f"cannot read the file ({exc.strerror or type(exc).__name__})"
    if isinstance(exc, csv.Error):
        return "not a well-formed CSV file"
    return type(exc).__name__


def lookup(path: Path, batch: dict[str, dict[str, object]]) -> dict[str, object]:
    return batch.get(str(path.resolve())) or batch.get(path.name) or {}
