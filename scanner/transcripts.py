"""Reading chat logs and transcripts into turns: plain text, our JSON, WebVTT and SRT.

Errors name the file and the line (or the JSON path) and never quote the line itself, which may
hold personal data.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

import webvtt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import TranscriptFormatError
from .types import Role, Turn

TRANSCRIPT_SUFFIXES = frozenset({".txt", ".json", ".vtt", ".srt"})
JSON_FORMAT = "scanner.interaction/v1"

# speaker labels seen in contact-centre exports, mapped to roles
ROLE_ALIASES: dict[str, Role] = {
    **dict.fromkeys(
        (
            "agent",
            "advisor",
            "adviser",
            "rep",
            "representative",
            "operator",
            "csr",
            "collector",
            "staff",
            "support",
            "assistant",
            "bot",
        ),
        "agent",
    ),
    **dict.fromkeys(
        ("customer", "caller", "client", "consumer", "debtor", "member", "user", "visitor"),
        "customer",
    ),
}

# Chinese labels: a label that starts with one of these is that role ("客服小王", "客户经理"
# is an agent: the longer label is tried first)
ZH_ROLE_PREFIXES: tuple[tuple[str, Role], ...] = tuple(
    sorted(
        [
            *(
                (p, "agent")
                for p in "客服 坐席 座席 人工 在线客服 工作人员 话务员 接线员 业务员 "
                "机器人 智能客服 客户经理 客服代表 专员 催收员".split()
            ),
            *(
                (p, "customer")
                for p in "客户 顾客 用户 访客 来电人 来电者 买家 会员 客人 持卡人 借款人".split()
            ),
        ],
        key=lambda pr: -len(pr[0]),
    )
)

_TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d+)?"
_TXT_LINE = re.compile(
    rf"^\s*(?:\[(?P<time>{_TIME})\]\s*)?"  # optional [mm:ss] or [hh:mm:ss.f]
    r"(?P<label>[A-Za-z\u4e00-\u9fff][\w .'-]{0,40}?)\s*"  # the speaker label
    r"(?:[(（](?P<role>[A-Za-z\u4e00-\u9fff]+)[)）])?"  # optional role: 'Sarah (Agent)'
    r"\s*[:：]\s?(?P<text>.*)$"  # a colon, ASCII or full-width
)


def role_of(label: str) -> Role | None:
    """Map 'Agent', 'Customer', 'Sarah (Agent)', '客服', '客户' and similar labels to a
    role."""
    key = label.strip().lower()
    found = ROLE_ALIASES.get(key) or ROLE_ALIASES.get(key.split()[0] if key else "")
    if found is None and key:
        found = next((role for p, role in ZH_ROLE_PREFIXES if key.startswith(p)), None)
    return found


def parse_seconds(value: str) -> float:
    parts = value.replace(",", ".").split(":")
    secs = 0.0
    for p in parts:
        secs = secs * 60 + float(p)
    return secs


def read_transcript(path: Path) -> tuple[tuple[Turn, ...], dict[str, object]]:
    """Parse a transcript file; returns its turns and any metadata it carries itself."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TranscriptFormatError(str(path), f"cannot read the file ({exc.strerror})") from exc
    if not raw.strip():
        raise TranscriptFormatError(str(path), "file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TranscriptFormatError(
            str(path), f"not UTF-8 text (bad byte at offset {exc.start})"
        ) from exc
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return _read_txt(path, text), {}
    if suffix == ".json":
        return _read_json(path, text)
    if suffix in (".vtt", ".srt"):
        return _read_captions(path, text, suffix), {}
    raise TranscriptFormatError(str(path), f"unknown transcript format '{suffix}'")


def _read_txt(path: Path, text: str) -> tuple[Turn, ...]:
    turns: list[Turn] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        m = _TXT_LINE.match(line)
        role = None
        if m:
            role = role_of(m["role"]) if m["role"] else role_of(m["label"])
        if role is None:
            if m is None and turns:  # a continuation line of the previous message
                last = turns[-1]
                turns[-1] = Turn(last.speaker, f"{last.text} {line.strip()}", last.start, last.end)
                continue
            if m is not None:
                raise TranscriptFormatError(
                    str(path),
                    "unknown speaker label (use 'Agent:' or 'Customer:'; aliases: "
                    + ", ".join(sorted(ROLE_ALIASES))
                    + ")",
                    line=lineno,
                )
            raise TranscriptFormatError(
                str(path), "line has no speaker prefix such as 'Agent:' or 'Customer:'", lineno
            )
        start = parse_seconds(m["time"]) if m["time"] else None
        turns.append(Turn(role, m["text"].strip(), start, None))
    if not turns:
        raise TranscriptFormatError(str(path), "no turns found")
    return tuple(turns)


# a time past a week into an interaction is a broken file, not a long call
MAX_SECONDS = 7 * 24 * 3600.0


class _JsonTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    speaker: str
    text: str
    start: float | None = Field(default=None, ge=0, le=MAX_SECONDS, allow_inf_nan=False)
    end: float | None = Field(default=None, ge=0, le=MAX_SECONDS, allow_inf_nan=False)


class _JsonInteraction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["scanner.interaction/v1"]
    id: str | None = None
    medium: Literal["chat", "voice"] = "chat"
    metadata: dict[str, str | int | float | None] = Field(default_factory=dict)
    turns: list[_JsonTurn] = Field(min_length=1)


def _read_json(path: Path, text: str) -> tuple[tuple[Turn, ...], dict[str, object]]:
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise TranscriptFormatError(str(path), f"invalid JSON: {exc.msg}", line=exc.lineno) from exc
    except ValueError as exc:  # NaN, Infinity: not JSON, whatever Python's reader allows
        raise TranscriptFormatError(str(path), f"invalid JSON: {exc}") from exc
    except RecursionError as exc:
        raise TranscriptFormatError(str(path), "invalid JSON: nested too deeply") from exc
    try:
        doc = _JsonInteraction.model_validate(data)
    except ValidationError as exc:
        problems = list(dict.fromkeys(_json_problem(err, data) for err in exc.errors()))
        where, msg = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise TranscriptFormatError(str(path), msg + more, where=where) from exc
    turns = []
    for i, t in enumerate(doc.turns):
        role = role_of(t.speaker)
        if role is None:
            raise TranscriptFormatError(
                str(path),
                "unknown speaker (use 'agent' or 'customer')",
                where=f"turns -> {i} -> speaker",
            )
        if t.start is not None and t.end is not None and t.end < t.start:
            raise TranscriptFormatError(
                str(path), "end is before start", where=f"turns -> {i} -> end"
            )
        turns.append(Turn(role, t.text.strip(), t.start, t.end))
    meta = {k: v for k, v in doc.metadata.items() if v is not None}
    if doc.id:
        meta["_id"] = doc.id
    meta["_medium"] = doc.medium
    return tuple(turns), meta


# pydantic's messages for these say what was expected, never what was given
_PLAIN_MESSAGES = frozenset(
    {
        "missing",
        "string_type",
        "float_type",
        "float_parsing",
        "int_type",
        "int_parsing",
        "bool_type",
        "finite_number",
        "greater_than_equal",
        "literal_error",
        "list_type",
        "too_short",
        "dict_type",
    }
)
_FIELDS = {"turn": tuple(_JsonTurn.model_fields), "document": tuple(_JsonInteraction.model_fields)}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _position(data: object, loc: tuple[object, ...], key: object) -> str:
    """Where `key` stands among the keys of the object at `loc` ("3rd field")."""
    node = data
    try:
        for part in loc:
            node = node[part]  # type: ignore[index]
        return f"{_ordinal(list(node).index(key) + 1)} field"  # type: ignore[call-overload]
    except (KeyError, IndexError, TypeError, ValueError):
        return "a field"


def _json_problem(err: dict, data: object) -> tuple[str, str]:
    """Where and what, from a pydantic error, without quoting the file: a key that is not
    ours (an unknown field, a metadata key) is given by its position, never by its name, and
    a value is never repeated."""
    loc, kind = tuple(err["loc"]), err["type"]
    if kind == "extra_forbidden":
        parent, key = loc[:-1], loc[-1]
        what = "turn" if parent[:1] == ("turns",) else "document"
        n = _position(data, parent, key)
        return " -> ".join(map(str, parent)) or "root", (
            f"unknown field ({n} of the {what}; allowed: {', '.join(_FIELDS[what])})"
        )
    if loc[:1] == ("metadata",) and len(loc) > 1:
        n = _position(data, ("metadata",), loc[1])
        return "metadata", f"the value of the {n} must be text, a number or null"
    where = " -> ".join(map(str, loc)) or "root"
    if kind == "literal_error" and loc == ("format",):
        return where, f'expected "format": "{JSON_FORMAT}"'
    if kind in ("model_type", "model_attributes_type"):
        return where, "must be a JSON object"
    if kind in _PLAIN_MESSAGES:
        return where, str(err["msg"]).lower()
    return where, f"invalid value ({kind.replace('_', ' ')})"


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


_VOICE_PREFIX = re.compile(r"^\s*(?P<label>[A-Za-z][\w .'-]{0,40}?)\s*:\s*(?P<text>.*)$", re.S)


_CUE_TIME = r"(?:\d+:)?[0-5]?\d:[0-5]\d[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*{_CUE_TIME}\s+-->\s+{_CUE_TIME}(?:\s.*)?$")


def _cue_blocks(text: str, suffix: str) -> list[tuple[int, list[str]]]:
    """Each cue of a caption file as (first line number, lines): every block but the WebVTT
    header, NOTE, STYLE and REGION blocks."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    for lineno, line in enumerate([*text.splitlines(), ""], start=1):
        if line.strip():
            if not current:
                first = lineno
            current.append(line)
        elif current:
            blocks.append((first, current))
            current = []
    if suffix == ".vtt" and blocks and blocks[0][1][0].lstrip("\ufeff").startswith("WEBVTT"):
        blocks = blocks[1:]
    skip = ("NOTE", "STYLE", "REGION")
    return [b for b in blocks if not (suffix == ".vtt" and b[1][0].split(" ")[0] in skip)]


def _check_cues(path: Path, text: str, suffix: str) -> int:
    """Every cue has a readable timing line: a cue that the caption reader would drop without
    a word (a broken timestamp) is an error naming its line. Returns the number of cues."""
    blocks = _cue_blocks(text, suffix)
    for n, (lineno, lines) in enumerate(blocks, start=1):
        timing = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        if timing is None or not _TIMING.match(lines[timing]):
            raise TranscriptFormatError(
                str(path),
                "cue has no readable timing line (expected 00:00:01.000 --> 00:00:04.000)",
                line=lineno + (timing or 0),
                where=f"cue {n}",
            )
    return len(blocks)


def _read_captions(path: Path, text: str, suffix: str) -> tuple[Turn, ...]:
    kind = "WebVTT" if suffix == ".vtt" else "SRT"
    try:
        captions = webvtt.from_string(text) if suffix == ".vtt" else webvtt.from_srt(path)
    except webvtt.errors.MalformedFileError as exc:
        raise TranscriptFormatError(str(path), f"not a valid {kind} file") from exc
    except webvtt.errors.MalformedCaptionError as exc:  # its message quotes the cue
        raise TranscriptFormatError(
            str(path), f"not a valid {kind} file (a cue with a bad timestamp or layout)"
        ) from exc
    cues = _check_cues(path, text, suffix)
    if len(captions) != cues:
        raise TranscriptFormatError(
            str(path), f"{cues - len(captions)} of {cues} cues could not be read"
        )
    turns: list[Turn] = []
    for i, cap in enumerate(captions):
        body = " ".join(cap.text.split())
        label = getattr(cap, "voice", None)
        if not label:
            m = _VOICE_PREFIX.match(body)
            if m and role_of(m["label"]):
                label, body = m["label"], m["text"].strip()
        role = role_of(label) if label else None
        if role is None:
            raise TranscriptFormatError(
                str(path),
                "caption has no known speaker (use a voice tag <v Agent> or an 'Agent:' prefix)",
                where=f"cue {i + 1} at {cap.start}",
            )
        start, end = parse_seconds(cap.start), parse_seconds(cap.end)
        if end < start:
            raise TranscriptFormatError(
                str(path), "cue ends before it starts", where=f"cue {i + 1} at {cap.start}"
            )
        turns.append(Turn(role, body, start, end))
    if not turns:
        raise TranscriptFormatError(str(path), "no captions found")
    return tuple(turns)
