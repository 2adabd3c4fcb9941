"""Findings: the one codec that writes and reads findings documents and the batch summary.

Writing: text comes from the redacted turns, the original only when the user asked for it by
name (`keep_unredacted`), and none at all when redaction failed. Reading: everything that
reads findings back (the report, the --fail-on gate, re-scoring, `rules explain`, resuming)
goes through `read`, `load_dir` and `interaction_from_findings` here.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ._version import __version__
from .errors import OutputError
from .redact import RedactOptions
from .rules import scorecard
from .types import (
    PARTIES,
    Conversation,
    Evidence,
    FileError,
    Interaction,
    Interruption,
    RuleResult,
    ScanResult,
    Source,
    Span,
    SpeakerMapping,
    Turn,
    TurnFigures,
    Word,
)
from .vocab import OUTCOMES

FINDINGS_SCHEMA = "scanner.findings/v1"
SUMMARY_SCHEMA = "scanner.summary/v1"
SUMMARY_NAME = "summary.json"


def turn_record(index: int, turn: Turn, keep_text: bool) -> dict[str, object]:
    rec: dict[str, object] = {
        "index": index,
        "speaker": turn.speaker,
        "speaker_confidence": turn.speaker_confidence,
        "channel": turn.channel,
        "start": turn.start,
        "end": turn.end,
        "word_count": len(turn.words) if turn.words else len(turn.text.split()),
    }
    if turn.words:
        rec["mean_word_probability"] = round(
            sum(w.probability for w in turn.words) / len(turn.words), 3
        )
    if turn.flags:
        rec["flags"] = list(turn.flags)
    if keep_text:
        rec["text"] = turn.text
        if turn.words:
            rec["words"] = [
                {"text": w.text, "start": w.start, "end": w.end, "p": w.probability}
                for w in turn.words
            ]
    return rec


def interaction_record(it: Interaction) -> dict[str, object]:
    return {
        "id": it.id,
        "medium": it.medium,
        "source": asdict(it.source),
        "duration": it.duration,
        "channels": it.channels,
        "language": it.language,
        "speakers": {
            "method": it.speakers.method,
            "confidence": it.speakers.confidence,
            "agent_channel": it.speakers.agent_channel,
            "evidence": list(it.speakers.evidence),
        },
        "metadata": it.metadata.as_dict(),
        **({"metadata_dropped": list(it.metadata.dropped)} if it.metadata.dropped else {}),
        # speech found in the audio that no word accounts for (masked in redacted audio)
        **(
            {"untranscribed_speech": [list(g) for g in it.untranscribed]}
            if it.untranscribed
            else {}
        ),
        # why the transcript cannot be trusted whole; every verdict is then needs_review
        **({"needs_review": list(it.review)} if it.review else {}),
    }


def conversation_record(c: Conversation) -> dict[str, object]:
    """The findings' `conversation` object (definitions in docs/formats.md)."""
    d: dict[str, object] = {
        "measured_from": c.measured_from,
        "attribution": {"method": c.attribution, "confidence": round(c.attribution_confidence, 3)},
    }
    if c.measured_from == "chat":
        d["response_delays"] = {
            r: {"mean_seconds": mean, "longest_seconds": longest, "replies": n}
            for r, mean, longest, n in c.response_delays
        }
    else:
        d.update(
            {
                "span": list(c.span) if c.span else None,
                "non_talk_min_seconds": c.non_talk_min_seconds,
                "non_talk_seconds": c.non_talk_seconds,
                "non_talk": [
                    {"start": a, "end": b, "seconds": round(b - a, 2)} for a, b in c.non_talk
                ],
                "longest_silence_seconds": c.longest_silence_seconds,
                "talk_seconds": {r: c.talk_seconds(r) for r in PARTIES},
                "agent_talk_ratio": c.agent_talk_ratio,
                "interruptions": {r: c.interruptions_by(r) for r in PARTIES},
                "interruption_list": [
                    {"by": i.by, "at": i.at, "seconds": i.seconds} for i in c.interruptions
                ],
                "overlap_seconds": c.overlap_seconds,
                "overlaps": [list(s) for s in c.overlaps],
                "words_per_minute": {r: c.words_per_minute(r) for r in PARTIES},
                "talk": {r: [list(s) for s in c.talk(r)] for r in PARTIES},
            }
        )
    d["sentiment"] = {r: c.sentiment(r) for r in PARTIES}
    d["turns"] = [
        {
            "turn": f.turn,
            "speaker": f.speaker,
            "words": f.words,
            "quarter": f.quarter,
            **({"words_per_minute": f.words_per_minute} if f.words_per_minute else {}),
            **({"loudness_db": f.loudness_db} if f.loudness_db is not None else {}),
            **({"sentiment": f.sentiment} if f.sentiment is not None else {}),
        }
        for f in c.turns
    ]
    return d


def conversation_from_record(d: dict[str, Any]) -> Conversation:
    """The figures as a findings file stored them, for rules re-run on it."""

    def spans(xs: Any) -> tuple[Span, ...]:
        return tuple((float(a), float(b)) for a, b in xs or ())

    att = d.get("attribution") or {}
    talk = d.get("talk") or {}
    return Conversation(
        measured_from=d.get("measured_from", "chat"),
        attribution=att.get("method", "label"),
        attribution_confidence=float(att.get("confidence", 1.0)),
        span=tuple(d["span"]) if d.get("span") else None,  # type: ignore[arg-type]
        agent_talk=spans(talk.get("agent")),
        customer_talk=spans(talk.get("customer")),
        non_talk=tuple((float(g["start"]), float(g["end"])) for g in d.get("non_talk", ())),
        overlaps=spans(d.get("overlaps")),
        interruptions=tuple(
            Interruption(i["by"], float(i["at"]), float(i["seconds"]))
            for i in d.get("interruption_list", ())
        ),
        turns=tuple(
            TurnFigures(
                f["turn"],
                f["speaker"],
                int(f.get("words", 0)),
                int(f.get("quarter", 0)),
                f.get("words_per_minute"),
                f.get("loudness_db"),
                f.get("sentiment"),
            )
            for f in d.get("turns", ())
        ),
        response_delays=tuple(
            (r, float(v["mean_seconds"]), float(v["longest_seconds"]), int(v["replies"]))
            for r, v in (d.get("response_delays") or {}).items()
        ),
        non_talk_min_seconds=float(d.get("non_talk_min_seconds", 3.0)),
    )


def evidence_record(e: Evidence) -> dict[str, object]:
    """Evidence as written; `words` (first and last word of the turn) lets a report mark the
    quote in place."""
    rec = {k: v for k, v in asdict(e).items() if v is not None}
    if e.words is not None:
        rec["words"] = list(e.words)
    return rec


def rule_record(r: RuleResult) -> dict[str, object]:
    rec: dict[str, object] = {
        "pack": r.pack,
        "pack_version": r.pack_version,
        "rule": r.rule,
        "rule_version": r.rule_version,
        "category": r.category,
        "kind": r.kind,
        "severity": r.severity,
        "weight": r.weight,
        "outcome": r.outcome,
        "reason": r.reason,
        "message": r.message,
        "reference": r.reference,
        "evidence": [evidence_record(e) for e in r.evidence],
    }
    if r.near_miss is not None:
        rec["near_miss"] = evidence_record(r.near_miss)
    return rec


def error_record(err: FileError) -> dict[str, str]:
    return {"code": err.code, "message": err.message, "path": err.path}


def findings_document(
    result: ScanResult,
    keep_unredacted: bool,
    model: dict[str, object] | None = None,
    redact_options: RedactOptions | None = None,
) -> dict[str, object]:
    """The JSON written to OUT/<id>.json for one input file, failed or not.

    Text comes from the redacted turns; the original only when the user asked for it by
    name; none at all when redaction failed."""
    doc: dict[str, object] = {
        "schema": FINDINGS_SCHEMA,
        "id": result.id,
        "status": "ok" if result.ok else "failed",
        "scanner": {"version": __version__, "model": model},
        "timings": dict(result.timings),
    }
    it = result.interaction
    red = result.redaction
    if it is not None:
        doc["interaction"] = interaction_record(it)
        if keep_unredacted:
            turns, text = it.turns, "unredacted"
        elif red is not None:
            turns, text = red.turns, "redacted"
        else:
            turns, text = it.turns, "none"
        doc["transcript"] = {
            "text": text,
            "text_included": text != "none",
            "redacted": text == "redacted",
            "turns": [turn_record(i, t, text != "none") for i, t in enumerate(turns)],
        }
        if red is not None:
            opts = redact_options or RedactOptions()
            doc["redaction"] = {
                "style": opts.style,
                "threshold": opts.threshold,
                **red.audit(opts.borderline),
            }
            if result.audio_redaction:
                doc["redaction"]["audio"] = result.audio_redaction  # type: ignore[index]
    else:
        doc["interaction"] = {"id": result.id, "source": {"path": result.path}}
    if it is not None and it.conversation is not None:
        doc["conversation"] = conversation_record(it.conversation)
    doc["results"] = [rule_record(r) for r in result.rules]
    if result.rules:
        doc["scorecard"] = scorecard(result.rules)
    doc["errors"] = [error_record(result.error)] if result.error else []
    return doc


def summary_entry(result: ScanResult) -> dict[str, object]:
    it = result.interaction
    entry: dict[str, object] = {
        "id": result.id,
        "source": result.path,
        "status": "ok" if result.ok else "failed",
        "output": result.output,
    }
    if it is not None:
        entry.update(
            medium=it.medium,
            duration=it.duration,
            turns=len(it.turns),
            speakers=it.speakers.method,
        )
    if result.rules:
        entry["outcomes"] = {f"{r.pack}/{r.rule}": r.outcome for r in result.rules}
        entry["score"] = scorecard(result.rules)["overall"]["score"]  # type: ignore[index]
    if it is not None and it.review:
        entry["needs_review"] = list(it.review)
    if result.error:
        entry["error"] = error_record(result.error)
    return entry


def rule_totals(results: Iterable[ScanResult]) -> dict[str, dict[str, int]]:
    """Per rule, how many interactions passed, failed, needed review or were not applicable."""
    tally = SummaryTally()
    for r in results:
        tally.count_rules(r)
    return tally.totals


class SummaryTally:
    """What the summary says about the interactions of a run, gathered one result at a time
    as each is written, so that a batch keeps a summary entry per input rather than every
    interaction's text and rule results until the end."""

    def __init__(self) -> None:
        self.entries: list[dict[str, object]] = []
        self.totals: dict[str, dict[str, int]] = {}
        self.codes: Counter[str] = Counter()
        self.voice = 0.0
        self.ok = self.failed = 0

    def add(self, result: ScanResult) -> None:
        self.entries.append(summary_entry(result))
        self.count_rules(result)
        it = result.interaction
        if it is not None and it.medium == "voice":
            self.voice += it.duration or 0
        if result.error:
            self.codes[result.error.code] += 1
            self.failed += 1
        else:
            self.ok += 1

    def count_rules(self, result: ScanResult) -> None:
        for rr in result.rules:
            counts = self.totals.setdefault(f"{rr.pack}/{rr.rule}", dict.fromkeys(OUTCOMES, 0))
            counts[rr.outcome] += 1

    def document(
        self,
        reused: tuple[dict[str, object], ...],
        skipped: tuple[str, ...],
        started: datetime,
        keep_unredacted: bool,
        packs: list[dict[str, str]],
        model: dict[str, object] | None,
    ) -> dict[str, object]:
        """OUT/summary.json: counts, errors by code, per-rule outcomes, one entry per input."""
        voice = self.voice + sum(
            float(e.get("duration") or 0)  # type: ignore[arg-type]
            for e in reused
            if e.get("medium") == "voice"
        )
        return {
            "schema": SUMMARY_SCHEMA,
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "text": "unredacted" if keep_unredacted else "redacted",
            "model": model,
            "counts": {
                "inputs": self.ok + self.failed + len(reused),
                "ok": self.ok + len(reused),
                "reused": len(reused),
                "failed": self.failed,
                "skipped": len(skipped),
                "audio_seconds": round(voice, 3),
            },
            "errors_by_code": dict(self.codes),
            "rule_packs": packs,
            "rules": self.totals,
            "interactions": sorted([*self.entries, *reused], key=lambda e: str(e["id"])),
            "skipped": list(skipped),
        }


def summary_document(
    results: tuple[ScanResult, ...],
    reused: tuple[dict[str, object], ...],
    skipped: tuple[str, ...],
    started: datetime,
    keep_unredacted: bool,
    packs: list[dict[str, str]],
    model: dict[str, object] | None,
) -> dict[str, object]:
    """OUT/summary.json: counts, errors by code, per-rule outcomes, one entry per input."""
    tally = SummaryTally()
    for r in results:
        tally.add(r)
    return tally.document(reused, skipped, started, keep_unredacted, packs, model)


# ---- reading --------------------------------------------------------------------------------


class FindingsError(ValueError):
    """A file that cannot be read as JSON."""


class NotFindingsError(FindingsError):
    """JSON, but not a findings document (the summary, anything else)."""


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def read(path: Path) -> dict[str, Any]:
    """One findings document. FindingsError if the file is not JSON, NotFindingsError if it is
    not findings, OSError if it cannot be read at all."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"), parse_constant=_not_json)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # NaN/Infinity: ValueError
        raise FindingsError(f"{path}: not readable JSON ({type(exc).__name__})") from exc
    if not isinstance(doc, dict) or doc.get("schema") != FINDINGS_SCHEMA:
        raise NotFindingsError(f"{path}: not a findings file (schema {FINDINGS_SCHEMA})")
    return doc


@dataclass(frozen=True)
class Loaded:
    """The findings documents of an output folder, ordered by id, and the files that could
    not be read."""

    docs: tuple[dict[str, Any], ...]
    unreadable: tuple[str, ...] = field(default=())


def load_dir(outdir: Path) -> Loaded:
    """Every findings document directly in OUTDIR; other JSON (the summary) is ignored,
    unreadable files are named."""
    outdir = Path(outdir)
    if not outdir.is_dir():
        raise OutputError(f"{outdir}: not a folder of scan results")
    docs: list[dict[str, Any]] = []
    unreadable: list[str] = []
    for path in sorted(outdir.glob("*.json")):
        try:
            docs.append(read(path))
        except NotFindingsError:
            continue
        except (OSError, FindingsError) as exc:
            cause = exc.__cause__ or exc
            unreadable.append(f"{path.name}: {type(cause).__name__}")
    docs.sort(key=lambda d: str(d.get("id", "")))
    return Loaded(tuple(docs), tuple(unreadable))


def reused_entry(doc: dict[str, Any], output: str) -> dict[str, object]:
    """A summary entry for an interaction finished by an earlier run, from its findings."""
    it = doc.get("interaction", {})
    entry: dict[str, object] = {
        "id": doc["id"],
        "source": it.get("source", {}).get("path"),
        "status": doc["status"],
        "output": output,
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


def interaction_from_findings(doc: dict[str, Any]) -> Interaction:
    """The interaction as a findings file stored it (redacted text, unless the scan kept the
    original by request): what rules re-run on when only the rule packs changed, and what
    `rules explain --file` shows. ValueError if the file holds no text."""
    from .metadata import build as build_metadata

    if not (doc.get("transcript") or {}).get("text_included"):
        raise ValueError(
            f"findings {doc.get('id')}: this findings file holds no text (scanned without it)"
        )
    it = doc["interaction"]
    turns = tuple(
        Turn(
            t["speaker"],
            t.get("text", ""),
            t.get("start"),
            t.get("end"),
            tuple(Word(w["text"], w["start"], w["end"], w["p"]) for w in t.get("words", [])),
            t.get("channel"),
            t.get("speaker_confidence", 1.0),
            tuple(t.get("flags", ())),
        )
        for t in doc["transcript"]["turns"]
    )
    sp = it.get("speakers", {})
    src = it.get("source", {})
    return Interaction(
        id=doc["id"],
        source=Source(
            src.get("path", ""),
            src.get("kind", "transcript"),
            src.get("format", ""),
            src.get("sha256", ""),
            src.get("bytes", 0),
        ),
        medium=it["medium"],
        turns=turns,
        speakers=SpeakerMapping(
            sp.get("method", "label"),
            sp.get("confidence", 1.0),
            sp.get("agent_channel"),
            tuple(sp.get("evidence", ())),
        ),
        metadata=replace(
            build_metadata(it.get("metadata") or {}, src.get("path", doc["id"])),
            dropped=tuple(it.get("metadata_dropped", ())),
        ),
        duration=it.get("duration"),
        channels=it.get("channels", 1),
        language=it.get("language"),
        untranscribed=tuple((float(a), float(b)) for a, b in it.get("untranscribed_speech", ())),
        review=tuple(str(r) for r in it.get("needs_review", ())),
        conversation=conversation_from_record(doc["conversation"])
        if isinstance(doc.get("conversation"), dict)
        else None,
    )


def rescored_document(
    doc: dict[str, Any], rules: tuple[RuleResult, ...], packs: object, seconds: float
) -> dict[str, Any]:
    """A findings document with its rule results replaced, saying where they came from."""
    new = dict(doc)
    new["results"] = [rule_record(r) for r in rules]
    new.pop("scorecard", None)
    if rules:
        new["scorecard"] = scorecard(rules)
    new["rules_rescored"] = {
        "from": f"stored {doc['transcript']['text']} transcript",
        "packs": packs,
        "seconds": round(seconds, 3),
        "note": "rules ran on the stored transcript: where a rule needs a word that was "
        "masked, its outcome can differ from a full scan",
    }
    return new
