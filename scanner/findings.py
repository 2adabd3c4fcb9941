"""The per-interaction findings document and the batch summary, as plain JSON-ready dicts.

Until redaction exists, words are only written when the user asked for them by name
(`keep_unredacted`); otherwise a turn carries its structure (who, when, how many words, how
confident) and no text at all.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from . import __version__
from .redact import RedactOptions
from .rules import scorecard
from .types import (
    Evidence,
    FileError,
    Interaction,
    RuleResult,
    ScanResult,
    Source,
    SpeakerMapping,
    Turn,
    Word,
)

FINDINGS_SCHEMA = "scanner.findings/v1"
SUMMARY_SCHEMA = "scanner.summary/v1"


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
    }


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
    if result.error:
        entry["error"] = error_record(result.error)
    return entry


def interaction_from_findings(doc: dict[str, Any]) -> Interaction:
    """The interaction as a findings file stored it (redacted text, unless the scan kept the
    original by request): what rules re-run on when only the rule packs changed."""
    from .metadata import build as build_metadata

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
        metadata=build_metadata(it.get("metadata") or {}, src.get("path", doc["id"])),
        duration=it.get("duration"),
        channels=it.get("channels", 1),
        language=it.get("language"),
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
