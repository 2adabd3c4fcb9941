"""`scanner verify OUTDIR`: an independent leak check of everything a scan wrote.

Independent on purpose: it shares no code with redaction (no presidio, no spaCy, not our
recognizers or spoken-number parser), so a blind spot there is not a blind spot here. It reads
every file under OUTDIR (JSON string values, CSV, HTML, text, SQLite text columns) and looks
for what personal data looks like once written: long digit runs (Luhn-valid ones are cards),
numbers spoken as words, emails typed or spoken, dates with a year, postcodes, SSNs, and
names after "my name is" or a title. Findings give the file, where in it, and the kind, never
the value.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_NUM_WORD = (
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|double|triple)"
)
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
)
CHECKS: list[tuple[str, re.Pattern[str]]] = [
    ("digit run", re.compile(r"(?<![\w.])\d(?:[ \-]?\d){5,}(?![\w.])")),
    ("spoken digits", re.compile(rf"\b{_NUM_WORD}(?:[ ,\-]+{_NUM_WORD}){{3,}}\b", re.I)),
    ("email", re.compile(r"\b[\w.+\-]+@[\w\-]+\.[\w.\-]+\b")),
    ("spoken email", re.compile(r"\b\w+(?: dot \w+)* at \w+ dot (?:com|org|net|co|uk|io)\b", re.I)),
    (
        "date with year",
        re.compile(
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?: of)? {_MONTH},? (?:19|20)\d\d\b|"
            rf"\b{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? (?:19|20)\d\d\b|"
            r"\b\d{1,2}/\d{1,2}/(?:19|20)\d\d\b",
            re.I,
        ),
    ),
    ("postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")),
    ("ssn", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    (
        "introduced name",
        re.compile(
            r"\b(?:[Mm]y name is|[Mm]r\.?|[Mm]rs\.?|[Mm]s\.?|[Mm]iss|[Dd]r\.?) [A-Z][a-z]+\b"
        ),
    ),
]
# JSON keys whose values are ours, not the interaction's (hashes, codes, our own wording)
_SKIP_KEYS = {"sha256", "schema", "matched", "message", "reference", "reason", "detector"}


@dataclass(frozen=True)
class Leak:
    file: str
    where: str
    kind: str


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


# our own timestamps and interaction dates (ISO 8601) are not personal data
_ISO = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+\-]\d{2}:\d{2})?)?\b"
)


def scan_text(text: str) -> Iterator[str]:
    text = _ISO.sub(" ", text)
    for kind, pattern in CHECKS:
        for m in pattern.finditer(text):
            if kind == "digit run":
                digits = re.sub(r"\D", "", m.group(0))
                yield "card number" if 13 <= len(digits) <= 19 and luhn(digits) else kind
            else:
                yield kind


# in our HTML report, an element marked data-ours holds our own wording (a rule's message,
# reference or reason), the HTML counterpart of _SKIP_KEYS; it cannot hold anything else
_OURS = re.compile(r"<(\w+)\b[^>]*\sdata-ours\b[^>]*>[^<]*</\1>")


def _json_strings(obj: object, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k not in _SKIP_KEYS:
                yield from _json_strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _json_strings(v, f"{path}[{i}]")
    elif isinstance(obj, str):
        yield path, obj


def _sqlite_strings(path: Path) -> Iterator[tuple[str, str]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for rowid, *values in con.execute(f'SELECT rowid, * FROM "{table}"'):
                for i, v in enumerate(values):
                    if isinstance(v, str):
                        yield f"{table} row {rowid} column {i}", v
    finally:
        con.close()


def verify(outdir: Path) -> tuple[list[Leak], int]:
    """Every leak found, and how many files were read."""
    leaks: list[Leak] = []
    files = sorted(p for p in Path(outdir).rglob("*") if p.is_file())
    for f in files:
        if f.suffix.lower() in (".wav", ".flac", ".mp3", ".ogg", ".m4a", ".opus"):
            continue  # audio is checked by transcribing it, not here
        if f.suffix.lower() in (".sqlite", ".db", ".sqlite3"):
            items: Iterator[tuple[str, str]] = _sqlite_strings(f)
        elif f.suffix.lower() == ".json":
            try:
                items = _json_strings(json.loads(f.read_text(encoding="utf-8")))
            except (json.JSONDecodeError, UnicodeDecodeError):
                items = iter([("whole file", f.read_text(encoding="utf-8", errors="replace"))])
        else:
            text = f.read_text(encoding="utf-8", errors="replace")
            lines = text.splitlines()
            if f.suffix.lower() in (".html", ".htm"):
                lines = [_OURS.sub(" ", line) for line in lines]
            items = ((f"line {n}", line) for n, line in enumerate(lines, start=1))
        for where, text in items:
            for kind in scan_text(text):
                leaks.append(Leak(str(f), where, kind))
    return leaks, len(files)
