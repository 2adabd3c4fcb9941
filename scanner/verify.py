"""`scanner verify OUTDIR`: an independent leak check of everything a scan wrote.

Independent on purpose: it shares no code with redaction (no presidio, no spaCy, not our
recognizers or spoken-number parser), so a blind spot there is not a blind spot here. It reads
every file under OUTDIR (every JSON string and key, CSV, HTML, text, SQLite names and cells)
and looks for what personal data looks like once written: long digit runs (Luhn-valid ones are
cards), numbers spoken as words, emails typed or spoken, dates with a year, postcodes, SSNs,
and names after "my name is" or a title. No field is exempt: the scanner's own text passes
because of its shape (timestamps, standards references, digests), never because of where it
stands. Findings give the file, where in it, and the kind, never the value. It writes nothing:
SQLite files are opened read-only and immutable, so a read-only folder can be checked.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
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
            r"\b\d{1,2}/\d{1,2}/(?:19|20)\d\d\b|"
            r"\b(?:19|20)\d\d-\d\d-\d\d(?!\d)",
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


@dataclass(frozen=True)
class Leak:
    file: str
    where: str
    kind: str


@dataclass(frozen=True)
class Problem:
    """Something that could not be checked: the file (or folder) and why, never its content."""

    file: str
    problem: str


@dataclass(frozen=True)
class Verification:
    """What `verify` found: possible leaks, what it could not check, how many files it saw."""

    leaks: tuple[Leak, ...]
    problems: tuple[Problem, ...]
    files: int


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _holds_card(run: str) -> bool:
    """Whether some whole groups of a digit run ("13 4111 1111 1111 1111") make a Luhn-valid
    number of card length."""
    groups = re.split(r"[ \-]", run)
    for i in range(len(groups)):
        for j in range(i + 1, len(groups) + 1):
            digits = "".join(groups[i:j])
            if 13 <= len(digits) <= 19 and luhn(digits):
                return True
    return False


# Shapes of the scanner's own text that are not personal data, blanked before the checks. Each
# is narrow enough that a personal value cannot hide in it:
# - ISO 8601 dates and timestamps (when a batch ran, the interaction's date), but only of
#   recent years: a date of birth written 1982-03-12 is still reported
_ISO = re.compile(
    r"\b(?P<year>\d{4})-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+\-]\d{2}:\d{2})?)?\b"
)
RECENT_YEARS = 15
# - standards references in rule packs ("ISO 18295-1:2017", "ISO/IEC 27001:2022"): an
#   upper-case standards body, a number of at most five digits, a part, a year; at most seven
#   digits are blanked, so a card or phone number after "ISO" still leaves a digit run
_STANDARD = re.compile(
    r"\b(?:ISO|IEC|EN|BS|ANSI|ETSI)(?:/(?:IEC|IEEE|TS|TR|PAS))* \d{3,5}(?:-\d{1,2})?"
    r"(?::(?:19|20)\d\d)?(?![\w-])"
)
# - SHA-256 hex digests (of inputs, of rule packs): 64 hex characters with at least one letter
_DIGEST = re.compile(r"\b(?=[0-9a-f]{0,63}[a-f])[0-9a-f]{64}\b")


def _blank_own(text: str) -> str:
    this_year = date.today().year

    def iso(m: re.Match[str]) -> str:
        recent = this_year - RECENT_YEARS <= int(m["year"]) <= this_year + 1
        return " " if recent else m.group(0)

    return _DIGEST.sub(" ", _STANDARD.sub(" ", _ISO.sub(iso, text)))


def scan_text(text: str) -> Iterator[str]:
    """The kind of every possible personal value in `text`."""
    text = _blank_own(text)
    for kind, pattern in CHECKS:
        for m in pattern.finditer(text):
            if kind == "digit run":
                yield "card number" if _holds_card(m.group(0)) else kind
            else:
                yield kind


def _name(name: str, n: int, what: str) -> str:
    """A key or column name as a place to report: itself, unless it is what leaked."""
    return f"<{what} {n}>" if any(True for _ in scan_text(name)) else name


def _json_strings(obj: object, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a JSON document, keys included (a key can be personal data too)."""
    if isinstance(obj, dict):
        for n, (k, v) in enumerate(obj.items(), start=1):
            key = str(k)
            name = _name(key, n, "key")
            here = f"{path}.{name}" if path else name
            yield f"{here} (key)", key
            yield from _json_strings(v, here)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _json_strings(v, f"{path}[{i}]")
    elif isinstance(obj, str):
        yield path or "whole file", obj


def _connect(path: Path, tmp: Path) -> sqlite3.Connection:
    """Read-only and immutable, so nothing is written beside the database (no -wal, no -shm)
    and a read-only folder works. A -wal left by a killed writer holds rows the database file
    does not have yet, and an immutable connection does not read it: then the database and
    its -wal are read from a private copy instead."""
    wal = path.with_name(path.name + "-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        copy = tmp / "db.sqlite"
        shutil.copyfile(path, copy)
        shutil.copyfile(wal, tmp / "db.sqlite-wal")
        return sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True)
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro&immutable=1", uri=True)


def _sqlite_strings(path: Path) -> list[tuple[str, str]]:
    """Table and column names and every text (or blob) cell; sqlite3.Error or OSError if the
    file cannot be read as a database."""
    out: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="scanner-verify-") as tmp:
        con = _connect(path, Path(tmp))
        try:
            tables = [
                r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            for t, table in enumerate(tables, start=1):
                tname = _name(table, t, "table")
                out.append((f"table {tname} (name)", table))
                quoted = '"' + table.replace('"', '""') + '"'
                cur = con.execute(f"SELECT * FROM {quoted}")
                cols = [_name(d[0], c, "column") for c, d in enumerate(cur.description, start=1)]
                out.extend(
                    (f"table {tname} column {c} (name)", d[0])
                    for c, d in zip(cols, cur.description)
                )
                for n, row in enumerate(cur, start=1):
                    for col, v in zip(cols, row):
                        if isinstance(v, bytes):
                            v = v.decode("utf-8", errors="replace")
                        if isinstance(v, str):
                            out.append((f"table {tname} row {n} column {col}", v))
        finally:
            con.close()
    return out


_AUDIO = (".wav", ".flac", ".mp3", ".ogg", ".m4a", ".opus")
_SQLITE = (".sqlite", ".db", ".sqlite3")


def _walk(outdir: Path, problems: list[Problem]) -> list[Path]:
    """Every file under outdir; a folder that cannot be listed is a problem, not a skip."""
    files: list[Path] = []

    def failed(exc: OSError) -> None:
        problems.append(Problem(str(exc.filename or outdir), _os_problem(exc, "cannot list it")))

    for folder, dirs, names in os.walk(outdir, onerror=failed):
        files.extend(Path(folder) / n for n in names)
        for d in dirs:
            if (Path(folder) / d).is_symlink():  # not followed (it could loop): not checked
                problems.append(Problem(str(Path(folder) / d), "a link to a folder, not followed"))
    return sorted(files)


def _os_problem(exc: OSError, doing: str) -> str:
    return f"{doing} ({exc.strerror or type(exc).__name__})"


def _items(f: Path) -> Iterator[tuple[str, str]]:
    suffix = f.suffix.lower()
    if suffix in _SQLITE:
        return iter(_sqlite_strings(f))
    if suffix == ".json":
        return _json_strings(json.loads(f.read_text(encoding="utf-8")))
    text = f.read_text(encoding="utf-8", errors="replace")
    return ((f"line {n}", line) for n, line in enumerate(text.splitlines(), start=1))


def _check_raw(f: Path, leaks: list[Leak]) -> None:
    """A file that could not be parsed is still read as text, so what it holds is reported."""
    try:
        text = f.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return
    for n, line in enumerate(text.splitlines(), start=1):
        leaks.extend(Leak(str(f), f"line {n}", kind) for kind in scan_text(line))


def verify(outdir: Path) -> Verification:
    """Every possible leak in OUTDIR, every file or folder that could not be checked, and how
    many files there were. Writes nothing."""
    outdir = Path(outdir)
    leaks: list[Leak] = []
    problems: list[Problem] = []
    if not outdir.exists():
        return Verification((), (Problem(str(outdir), "no such folder"),), 0)
    if not outdir.is_dir():
        return Verification((), (Problem(str(outdir), "not a folder"),), 0)
    files = _walk(outdir, problems)
    names = set(files)
    for f in files:
        if f.suffix.lower() in _AUDIO:
            continue  # audio is checked by transcribing it, not here
        db = f.with_name(f.name[:-4])
        if f.name.endswith(("-wal", "-shm")) and db in names and db.suffix.lower() in _SQLITE:
            continue  # read through its database (-shm holds no content, only a WAL index)
        try:
            for where, text in _items(f):
                leaks.extend(Leak(str(f), where, kind) for kind in scan_text(text))
        except OSError as exc:
            problems.append(Problem(str(f), _os_problem(exc, "cannot read it")))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            what = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else "not valid JSON"
            problems.append(Problem(str(f), f"cannot parse it ({what}); read as plain text"))
            _check_raw(f, leaks)
        except sqlite3.Error as exc:
            problems.append(
                Problem(str(f), f"cannot read it as SQLite ({type(exc).__name__}); read as bytes")
            )
            _check_raw(f, leaks)
        except (ValueError, RecursionError, MemoryError) as exc:  # e.g. JSON nested too deep
            problems.append(Problem(str(f), f"cannot parse it ({type(exc).__name__})"))
            _check_raw(f, leaks)
    return Verification(tuple(leaks), tuple(problems), len(files))
