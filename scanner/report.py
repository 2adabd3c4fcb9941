"""`scanner report OUTDIR`: one self-contained HTML report and two CSV exports of a batch.

Everything is built from the findings files a scan wrote (never from the inputs), so a report
shows exactly what was written and can be rebuilt at any time. The HTML needs no network: CSS,
JavaScript and SVG charts are inline, and each interaction's page is pre-rendered into an inert
`<script type="text/html">` block that the page shows on demand, so a batch of thousands opens
quickly. Transcript text appears only when the findings hold redacted text, or unredacted text
and the user asked for it by name (`keep_unredacted`).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from ._version import __version__
from .charts import (
    Bar,
    Point,
    Stretch,
    Timeline,
    call_timeline,
    mini_bar,
    pass_rate_bars,
    rate_class,
    trend_chart,
)
from .findings import Loaded, load_dir
from .report_labels import LANGUAGES, Labels, majority_language
from .store import write_atomic
from .vocab import CATEGORIES, SEVERITIES, severity_rank

REPORT_NAME = "report.html"
RESULTS_CSV = "results.csv"
INTERACTIONS_CSV = "interactions.csv"
# the CSVs carry a byte-order mark: Excel reads a CSV without one in the system's code page,
# which turns Chinese (or any non-ASCII) text into mojibake
CSV_ENCODING = "utf-8-sig"
_EN = Labels("en")


@dataclass(frozen=True)
class ReportFiles:
    """What `build_report` wrote, and what it could not read."""

    html: Path
    results_csv: Path
    interactions_csv: Path
    interactions: int
    unreadable: tuple[str, ...] = ()
    language: str = "en"  # the labels' language


@dataclass(frozen=True)
class GateHit:
    """A failed rule at or above the `--fail-on` severity."""

    interaction: str
    rule: str
    severity: str


def gate(docs: tuple[dict[str, Any], ...] | list[dict[str, Any]], fail_on: str) -> list[GateHit]:
    """Failed rules whose severity is at or above `fail_on`, for pipelines to stop on."""
    floor = severity_rank(fail_on)
    return [
        GateHit(str(d["id"]), f"{r['pack']}/{r['rule']}", r["severity"])
        for d in docs
        for r in d.get("results", [])
        if r.get("outcome") == "failed" and severity_rank(r.get("severity", "")) >= floor
    ]


# ---- one interaction ---------------------------------------------------------------------


def _meta(doc: dict[str, Any]) -> dict[str, str]:
    meta = (doc.get("interaction") or {}).get("metadata") or {}
    return {k: str(meta[k]) for k in ("agent_id", "team", "campaign", "date") if meta.get(k)}


def _text_policy(doc: dict[str, Any], keep_unredacted: bool, t: Labels = _EN) -> tuple[bool, str]:
    """Whether this document's words may be shown, and why not when they may not."""
    kind = (doc.get("transcript") or {}).get("text", "none")
    if kind == "redacted":
        return True, ""
    if kind == "unredacted":
        if keep_unredacted:
            return True, ""
        return False, t("text_hidden_unredacted")
    if doc.get("status") == "failed":
        return False, t("text_failed")
    return False, t("text_unredacted_failed")


def _turn_tokens(turn: dict[str, Any], spans: list[list[int]]) -> list[str] | None:
    """The turn's display words indexed like the words the rules saw: a mask that covers
    several words stands once at its first word (with the punctuation of its last), the rest
    are empty. None if they cannot be lined up."""
    removed = {i for covered in spans for i in covered[1:]}
    if turn.get("words"):
        tokens = [str(w["text"]) for w in turn["words"]]
        for covered in spans:
            if covered[-1] < len(tokens):
                tokens[covered[0]] = tokens[covered[-1]]
        for i in removed:
            if 0 <= i < len(tokens):
                tokens[i] = ""
        return tokens
    text = turn.get("text")
    if text is None:
        return None
    parts = str(text).split()
    total = len(parts) + len(removed)
    out: list[str] = []
    it = iter(parts)
    for i in range(total):
        if i in removed:
            out.append("")
        else:
            nxt = next(it, None)
            if nxt is None:
                return None
            out.append(nxt)
    return out


def _timed(turn: dict[str, Any], start: float | None, end: float | None) -> list[int]:
    """Word indices of a transcribed turn inside [start, end]: how findings written before
    word indices were recorded still line up."""
    if start is None or end is None or not turn.get("words"):
        return []
    return [
        i
        for i, w in enumerate(turn["words"])
        if w["start"] >= start - 0.01 and w["end"] <= end + 0.01
    ]


def _span_words(span: dict[str, Any], turns: list[dict[str, Any]]) -> list[int]:
    if span.get("first_word") is not None:
        first = int(span["first_word"])
        return list(range(first, first + int(span.get("words", 1))))
    t = span.get("turn")
    return _timed(turns[t], span.get("start"), span.get("end")) if t < len(turns) else []


def _evidence_words(e: dict[str, Any], turns: list[dict[str, Any]]) -> tuple[int, int] | None:
    if e.get("words"):
        return int(e["words"][0]), int(e["words"][1])
    t = e.get("turn", len(turns))
    found = _timed(turns[t], e.get("start"), e.get("end")) if t < len(turns) else []
    return (found[0], found[-1]) if found else None


@dataclass
class _Mark:
    cls: str
    title: str
    ref: str


def _render_turn(
    tokens: list[str], marks: list[tuple[int, int, _Mark]], masks: dict[int, str]
) -> Markup:
    """Words with evidence marked in place: consecutive words under the same marks share one
    <mark>; masks get their own style."""
    by_word: list[list[_Mark]] = [[] for _ in tokens]
    for first, last, m in marks:
        for i in range(max(first, 0), min(last, len(tokens) - 1) + 1):
            by_word[i].append(m)
    html: list[str] = []
    run: list[str] = []
    run_marks: list[_Mark] = []

    def flush() -> None:
        if not run:
            return
        inner = " ".join(run)
        if run_marks:
            classes = " ".join(sorted({m.cls for m in run_marks}))
            title = "; ".join(dict.fromkeys(m.title for m in run_marks))
            refs = " ".join(dict.fromkeys(m.ref for m in run_marks))
            html.append(
                f'<mark class="{classes}" title="{escape(title)}" data-refs="{escape(refs)}">'
                f"{inner}</mark>"
            )
        else:
            html.append(inner)
        run.clear()

    for i, tok in enumerate(tokens):
        if not tok:
            continue
        word = (
            f'<span class="mask" title="{escape(masks[i])}">{escape(tok)}</span>'
            if i in masks
            else str(escape(tok))
        )
        if by_word[i] != run_marks:
            flush()
            run_marks = by_word[i]
        run.append(word)
    flush()
    return Markup(" ".join(html))


def _text_lang(language: object, t: Labels) -> str:
    """The `lang` for an interaction's own words where it differs from the page's: a Chinese
    transcript in an English report is marked so, and its Han characters are drawn with
    Chinese glyphs; an English one in a Chinese report is marked `en`."""
    if not isinstance(language, str) or not language:
        return ""
    lang = "zh-CN" if language.lower().split("-")[0] == "zh" else language
    return "" if lang.split("-")[0] == t.html_lang.split("-")[0] else lang


def _fmt_time(t: float | None) -> str:
    if not isinstance(t, int | float) or not math.isfinite(t):
        return ""
    m, s = divmod(int(t), 60)
    return f"{m}:{s:02d}"


def _evidence_view(e: dict[str, Any], show_text: bool) -> dict[str, Any]:
    return {
        "turn": e.get("turn"),
        "speaker": e.get("speaker"),
        "time": _fmt_time(e.get("start")),
        "start": e.get("start"),
        "score": e.get("score"),
        "quote": e.get("quote") if show_text else None,
        "matched": e.get("matched", ""),
    }


def _mask_places(
    doc: dict[str, Any], t: Labels = _EN
) -> tuple[dict[int, list[list[int]]], dict[int, dict]]:
    """Per turn: the words each mask covers, and a title for each mask (entity, detector,
    score). None for text that is not redacted (no masks to show)."""
    covers: dict[int, list[list[int]]] = defaultdict(list)
    masks: dict[int, dict[int, str]] = defaultdict(dict)
    if (doc.get("transcript") or {}).get("text") != "redacted":
        return covers, masks
    turn_docs = (doc.get("transcript") or {}).get("turns", [])
    for sp in (doc.get("redaction") or {}).get("spans", []):
        covered = _span_words(sp, turn_docs)
        if covered:
            covers[sp["turn"]].append(covered)
            masks[sp["turn"]][covered[0]] = t(
                "mask_title", entity=sp["entity"], detector=sp["detector"], score=sp["score"]
            )
    return covers, masks


# ---- how the conversation went -------------------------------------------------------------

PARTIES = ("agent", "customer")


def _num(x: object) -> int | float | None:
    """A finite number from a findings file, or None (a hand-written file may hold anything)."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    return x if math.isfinite(x) else None


def _dict(x: object) -> dict[str, Any]:
    return x if isinstance(x, dict) else {}


def _list(x: object) -> list[Any]:
    return x if isinstance(x, list) else []


def _pairs(x: object) -> list[tuple[float, float]]:
    """[[start, end], ...] as numbers, start not after end; anything else left out."""
    out = []
    for p in _list(x):
        if isinstance(p, list | tuple) and len(p) == 2:
            a, b = _num(p[0]), _num(p[1])
            if a is not None and b is not None and b >= a:
                out.append((float(a), float(b)))
    return out


def _party_num(d: object, party: str) -> int | float | None:
    return _num(_dict(d).get(party))


def _is_call(c: dict[str, Any]) -> bool:
    return bool(c) and c.get("measured_from") != "chat"


def conversation_stats(doc: dict[str, Any]) -> dict[str, Any]:
    """The figures a CSV row and the batch tables carry; None where the findings have none."""
    c = _dict(doc.get("conversation"))
    sentiment = _dict(c.get("sentiment"))
    span = _pairs([c.get("span")])
    return {
        "measured_from": c.get("measured_from")
        if isinstance(c.get("measured_from"), str)
        else None,
        "call": _is_call(c),
        "span_seconds": span[0][1] - span[0][0] if span else None,
        "non_talk_seconds": _num(c.get("non_talk_seconds")),
        "longest_silence_seconds": _num(c.get("longest_silence_seconds")),
        "agent_talk_seconds": _party_num(c.get("talk_seconds"), "agent"),
        "customer_talk_seconds": _party_num(c.get("talk_seconds"), "customer"),
        "agent_talk_ratio": _num(c.get("agent_talk_ratio")),
        "agent_interruptions": _party_num(c.get("interruptions"), "agent"),
        "customer_interruptions": _party_num(c.get("interruptions"), "customer"),
        "overlap_seconds": _num(c.get("overlap_seconds")),
        "agent_wpm": _party_num(c.get("words_per_minute"), "agent"),
        "customer_wpm": _party_num(c.get("words_per_minute"), "customer"),
        "customer_sentiment_end": _num(_dict(sentiment.get("customer")).get("end")),
        "agent_sentiment_end": _num(_dict(sentiment.get("agent")).get("end")),
    }


def _span_text(a: float, b: float) -> str:
    return f"{_fmt_time(a)}–{_fmt_time(b)}"


def _mask_stretches(doc: dict[str, Any], t: Labels = _EN) -> list[Stretch]:
    """Masked (redacted) stretches where the findings give their times: the span's own times,
    else the times of the words it covers."""
    turns = (doc.get("transcript") or {}).get("turns") or []
    out = []
    for sp in _list(_dict(doc.get("redaction")).get("spans")):
        if not isinstance(sp, dict):
            continue
        ti = sp.get("turn")
        turn = _dict(turns[ti]) if isinstance(ti, int) and 0 <= ti < len(turns) else {}
        a, b = _num(sp.get("start")), _num(sp.get("end"))
        if (a is None or b is None) and turn.get("words"):
            words = turn["words"]
            covered = [i for i in _span_words(sp, turns) if 0 <= i < len(words)]
            if covered:
                a, b = _num(words[covered[0]].get("start")), _num(words[covered[-1]].get("end"))
        if a is None or b is None or b < a:
            continue
        entity = str(sp.get("entity", "value"))
        title = t(
            "tl_masked",
            entity=entity,
            span=_span_text(a, b),
            detector=sp.get("detector"),
            score=sp.get("score"),
        )
        speaker = turn.get("speaker")
        out.append(
            Stretch(
                float(a),
                float(b),
                "mask-span",
                title,
                lane=speaker if speaker in PARTIES else None,
                turn=ti if turn else None,
            )
        )
    return out


def _evidence_class(r: dict[str, Any]) -> str:
    if r.get("outcome") == "failed":
        return "ev-violation" if r.get("kind") in ("prohibited", "measured") else "ev-trigger"
    return "ev-near" if r.get("outcome") == "needs_review" else "ev-found"


def _evidence_stretches(doc: dict[str, Any], t: Labels = _EN) -> list[Stretch]:
    """Rule evidence that has a start and an end, and a failed rule's near miss."""
    out = []
    for r in _list(doc.get("results")):
        if not isinstance(r, dict) or r.get("outcome") in (None, "not_applicable"):
            continue
        key = f"{r.get('pack')}/{r.get('rule')}"
        items = [
            (e, _evidence_class(r), t.term("outcome", r.get("outcome")))
            for e in _list(r.get("evidence"))
        ]
        near = r.get("near_miss")
        if isinstance(near, dict) and r.get("outcome") == "failed":
            items.append((near, "ev-near", t("near_miss_score", score=near.get("score"))))
        for e, cls, what in items:
            if not isinstance(e, dict):
                continue
            a, b = _num(e.get("start")), _num(e.get("end"))
            if a is None or b is None or b < a:
                continue
            title = t(
                "tl_evidence",
                rule=key,
                what=what,
                speaker=t.term("party", e.get("speaker") or "unknown"),
                span=_span_text(a, b),
            )
            if r.get("kind") == "measured" and e.get("matched"):
                title += f": {e['matched']}"
            turn = e.get("turn")
            out.append(
                Stretch(
                    float(a),
                    float(b),
                    cls,
                    title,
                    turn=turn if isinstance(turn, int) and not isinstance(turn, bool) else None,
                )
            )
    return out


def _timeline(doc: dict[str, Any], c: dict[str, Any], t: Labels = _EN) -> Markup:
    talk = {p: _pairs(_dict(c.get("talk")).get(p)) for p in PARTIES}
    silences = []
    for g in _list(c.get("non_talk")):
        a, b = _num(_dict(g).get("start")), _num(_dict(g).get("end"))
        if a is not None and b is not None and b >= a:
            secs = _num(g.get("seconds"))
            secs = float(b - a) if secs is None else float(secs)
            silences.append(
                Stretch(
                    float(a),
                    float(b),
                    "non-talk",
                    t("tl_no_one", span=_span_text(a, b), seconds=t.seconds(secs)),
                    label=t.seconds(secs),
                )
            )
    overlaps = [
        Stretch(a, b, "overlap", t("tl_both", span=_span_text(a, b), seconds=t.seconds(b - a)))
        for a, b in _pairs(c.get("overlaps"))
    ]
    interruptions = []
    for i in _list(c.get("interruption_list")):
        at, secs, by = _num(_dict(i).get("at")), _num(_dict(i).get("seconds")), _dict(i).get("by")
        if at is None or by not in PARTIES:
            continue
        other = "customer" if by == "agent" else "agent"
        secs = float(secs or 0.0)
        interruptions.append(
            Stretch(
                float(at),
                float(at) + secs,
                "interruption",
                t(
                    "tl_interrupts",
                    by=t.term("party", by),
                    other=t.term("party", other),
                    at=_fmt_time(at),
                    seconds=t.seconds(secs),
                ),
                lane=by,
            )
        )
    ends = [
        float(_num(_dict(doc.get("interaction")).get("duration")) or 0.0),
        *(b for spans in talk.values() for _a, b in spans),
        *(s.end for s in (*silences, *overlaps, *interruptions)),
        *(b for _a, b in _pairs([c.get("span")])),
    ]
    if not any(talk.values()):
        return Markup("")
    tl = Timeline(
        max(ends),
        talk,
        silences,
        overlaps,
        interruptions,
        _mask_stretches(doc, t),
        _evidence_stretches(doc, t),
    )
    return Markup(call_timeline(tl, t("timeline"), t))


def _count(x: int | float | None, t: Labels = _EN) -> str:
    return t("na") if x is None else f"{x:g}"


def _signed(x: object) -> str:
    v = _num(x)
    return "–" if v is None else f"{v:+.2f}"


def _mood(x: object) -> str:
    v = _num(x)
    if v is None:
        return "s-none"
    return "s-pos" if v >= 0.25 else "s-neg" if v <= -0.25 else "s-neutral"


def conversation_view(doc: dict[str, Any], t: Labels = _EN) -> dict[str, Any] | None:
    """How the conversation went, as the detail page shows it; None for findings without
    figures (written before they were measured, or for a failed input)."""
    c = doc.get("conversation")
    if not isinstance(c, dict) or not c:
        return None
    stats = conversation_stats(doc)
    att = _dict(c.get("attribution"))
    method = str(att.get("method", ""))
    confidence = _num(att.get("confidence"))
    attribution = t.term("attribution", method) + (
        t("confidence", value=f"{confidence:.2f}") if confidence is not None else ""
    )
    sentiment = []
    for p in PARTIES:
        s = _dict(_dict(c.get("sentiment")).get(p))
        quarters = s.get("quarters") if isinstance(s.get("quarters"), list) else []
        quarters = (list(quarters) + [None] * 4)[:4]
        sentiment.append(
            {
                "party": p,
                "quarters": [(_signed(q), _mood(q)) for q in quarters],
                "mean": (_signed(s.get("mean")), _mood(s.get("mean"))),
                "end": (_signed(s.get("end")), _mood(s.get("end"))),
            }
        )
    view: dict[str, Any] = {
        "call": stats["call"],
        "measured_from": t.term("measured", str(c.get("measured_from"))),
        "attribution": attribution,
        "inferred": method == "inferred",
        "sentiment": sentiment,
    }
    if not stats["call"]:
        delays = []
        for p in PARTIES:
            d = _dict(_dict(c.get("response_delays")).get(p))
            if d:
                delays.append(
                    {
                        "party": p,
                        "mean": t.seconds(_num(d.get("mean_seconds"))),
                        "longest": t.seconds(_num(d.get("longest_seconds"))),
                        "replies": _num(d.get("replies")),
                    }
                )
        view["delays"] = delays
        return view
    span = stats["span_seconds"]
    non_talk = stats["non_talk_seconds"]
    share = non_talk / span if non_talk is not None and span else None
    minimum = _num(c.get("non_talk_min_seconds"))
    wpm = [
        t("m_wpm_party", party=t.term("party", p), wpm=f"{stats[f'{p}_wpm']:.0f}")
        if stats[f"{p}_wpm"] is not None
        else t("m_wpm_none", party=t.term("party", p))
        for p in PARTIES
    ]
    ratio = stats["agent_talk_ratio"]
    view["metrics"] = [
        (
            t("m_non_talk"),
            t.seconds(non_talk)
            + (t("m_non_talk_share", pct=f"{share * 100:.0f}") if share is not None else "")
            + (t("m_non_talk_min", seconds=f"{minimum:g}") if minimum is not None else ""),
        ),
        (t("m_longest_silence"), t.seconds(stats["longest_silence_seconds"])),
        (
            t("m_talk_time"),
            t(
                "m_talk_time_value",
                agent=t.seconds(stats["agent_talk_seconds"]),
                customer=t.seconds(stats["customer_talk_seconds"]),
            ),
        ),
        (t("m_talk_share"), t("na") if ratio is None else f"{ratio * 100:.0f}%"),
        (
            t("m_interruptions"),
            t(
                "m_interruptions_value",
                agent=_count(stats["agent_interruptions"], t),
                customer=_count(stats["customer_interruptions"], t),
            ),
        ),
        (t("m_overlap"), t.seconds(stats["overlap_seconds"])),
        (t("m_wpm"), t("list_sep").join(wpm)),
    ]
    view["timeline"] = _timeline(doc, c, t)
    return view


_OUTCOME_ORDER = {"failed": 0, "needs_review": 1, "passed": 2, "not_applicable": 3}


def _rule_views(
    doc: dict[str, Any], n: int, show_text: bool, t: Labels = _EN
) -> tuple[list[dict[str, Any]], dict[int, list[tuple[int, int, _Mark]]]]:
    """Each rule's result as the report shows it, and where its evidence sits in the turns
    (found, prohibited wording, a trigger without its answer, a near miss)."""
    turn_docs = (doc.get("transcript") or {}).get("turns", [])
    marks: dict[int, list[tuple[int, int, _Mark]]] = defaultdict(list)
    views = []
    for ri, r in enumerate(doc.get("results", [])):
        key, ref = f"{r['pack']}/{r['rule']}", f"r{n}-{ri}"
        near = r.get("near_miss")
        if r["outcome"] == "failed":
            cls = "ev-violation" if r["kind"] == "prohibited" else "ev-trigger"
        else:
            cls = "ev-found"
        for e in r.get("evidence", []):
            if where := _evidence_words(e, turn_docs):
                title = f"{key}: {t.term('outcome', r['outcome'])}"
                marks[e["turn"]].append((*where, _Mark(cls, title, ref)))
        where = _evidence_words(near, turn_docs) if near and r["outcome"] == "failed" else None
        if near and where:
            title = f"{key}: {t('near_miss_score', score=near.get('score'))}"
            marks[near["turn"]].append((*where, _Mark("ev-near", title, ref)))
        views.append(
            {
                "ref": ref,
                "key": key,
                "pack": r["pack"],
                "pack_version": r.get("pack_version"),
                "rule": r["rule"],
                "category": r.get("category"),
                "kind": r["kind"],
                "severity": r["severity"],
                "outcome": r["outcome"],
                "reason": r.get("reason", ""),
                "message": r.get("message", ""),
                "reference": r.get("reference"),
                "evidence": [_evidence_view(e, show_text) for e in r.get("evidence", [])],
                "near_miss": _evidence_view(near, show_text) if near else None,
            }
        )
    views.sort(key=lambda v: (_OUTCOME_ORDER.get(v["outcome"], 9), -severity_rank(v["severity"])))
    return views, marks


def _turn_views(
    doc: dict[str, Any],
    show_text: bool,
    marks: dict[int, list[tuple[int, int, _Mark]]],
    t: Labels = _EN,
) -> list[dict[str, Any]]:
    """The conversation as bubbles: masks styled, evidence marked in place."""
    covers, masks = _mask_places(doc, t)
    turns = []
    for ti, turn in enumerate((doc.get("transcript") or {}).get("turns", [])):
        body: Markup | None = None
        if show_text:
            tokens = _turn_tokens(turn, covers.get(ti, []))
            if tokens is None:
                body = Markup(escape(turn.get("text", "")))
            else:
                body = _render_turn(tokens, marks.get(ti, []), masks.get(ti, {}))
        turns.append(
            {
                "index": ti,
                "speaker": turn.get("speaker", "unknown"),
                "time": _fmt_time(turn.get("start")),
                "start": turn.get("start"),
                "confidence": turn.get("speaker_confidence"),
                "words": turn.get("word_count"),
                "flags": turn.get("flags", []),
                "body": body,
            }
        )
    return turns


def interaction_view(
    doc: dict[str, Any], n: int, outdir: Path, keep_unredacted: bool, t: Labels = _EN
) -> dict[str, Any]:
    """Everything the report shows for one interaction, as plain values for the template."""
    show_text, hidden_reason = _text_policy(doc, keep_unredacted, t)
    it = doc.get("interaction") or {}
    results = doc.get("results", [])
    red = doc.get("redaction") or {}
    rule_views, marks = _rule_views(doc, n, show_text, t)
    turns = _turn_views(doc, show_text, marks, t)
    audio = (red.get("audio") or {}).get("file")
    score = ((doc.get("scorecard") or {}).get("overall") or {}).get("score")
    outcomes = Counter(r["outcome"] for r in results)
    failed = [v for v in rule_views if v["outcome"] == "failed"]
    worst = max((severity_rank(v["severity"]) for v in failed), default=-1)
    source = it.get("source") or {}
    error = (doc.get("errors") or [None])[0]
    return {
        "n": n,
        "id": str(doc["id"]),
        "status": doc.get("status", "ok"),
        "medium": it.get("medium", ""),
        "source": str(source.get("path", "")),
        "source_name": Path(str(source.get("path", ""))).name,
        "duration": it.get("duration"),
        "duration_text": _fmt_time(it.get("duration")) if it.get("duration") else "",
        "meta": _meta(doc),
        "speakers": it.get("speakers") or {},
        "show_text": show_text,
        "hidden_reason": hidden_reason,
        "turns": turns,
        "rules": rule_views,
        "failed": failed,
        "worst": SEVERITIES[worst] if worst >= 0 else "",
        "worst_rank": worst,
        "outcomes": outcomes,
        "score": score,
        "score_class": rate_class(score / 100.0 if score is not None else None),
        "scorecard": doc.get("scorecard") or {},
        "redaction": red,
        "audio": audio if audio and (outdir / audio).is_file() else None,
        "error": error,
        "outcome_keys": " ".join(f"{v['key']}:{v['outcome']}" for v in rule_views),
        "rescored": doc.get("rules_rescored"),
        "conversation": conversation_view(doc, t),
        # the interaction's own language, for its text (Han characters drawn as Chinese)
        "text_lang": _text_lang(it.get("language"), t),
        "conv_stats": conversation_stats(doc),
    }


# ---- the batch ---------------------------------------------------------------------------


def _bars(results: list[tuple[str, dict[str, Any]]], key: str) -> list[Bar]:
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for _id, r in results:
        name = f"{r['pack']}/{r['rule']}" if key == "rule" else str(r.get("category"))
        tally[name][r["outcome"]] += 1
    bars = []
    for name, c in tally.items():
        decided = c["passed"] + c["failed"]
        rate = c["passed"] / decided if decided else None
        link = f"#interactions?rule={name}&outcome=failed" if key == "rule" else None
        bars.append(Bar(name, rate, c["passed"], c["failed"], c["needs_review"], link))
    bars.sort(key=lambda b: (b.rate if b.rate is not None else 2.0, b.label))
    return bars


def _trend(views: list[dict[str, Any]], results_by_id: dict[str, list[dict]]) -> list[Point]:
    days: dict[str, Counter[str]] = defaultdict(Counter)
    counts: Counter[str] = Counter()
    for v in views:
        day = v["meta"].get("date", "")[:10]
        if not day:
            continue
        counts[day] += 1
        for r in results_by_id.get(v["id"], []):
            days[day][r["outcome"]] += 1
    points = []
    for day in sorted(counts):
        c = days[day]
        decided = c["passed"] + c["failed"]
        points.append(Point(day, c["passed"] / decided if decided else None, decided, counts[day]))
    return points


def _agents(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_agent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in views:
        if v["meta"].get("agent_id") and v["status"] == "ok":
            by_agent[v["meta"]["agent_id"]].append(v)
    rows = []
    for agent, vs in by_agent.items():
        scores = [v["score"] for v in vs if v["score"] is not None]
        serious = sum(1 for v in vs for f in v["failed"] if severity_rank(f["severity"]) >= 2)
        rows.append(
            {
                "agent": agent,
                "team": vs[0]["meta"].get("team", ""),
                "interactions": len(vs),
                "score": sum(scores) / len(scores) if scores else None,
                "serious": serious,
                "failed": sum(len(v["failed"]) for v in vs),
            }
        )
    rows.sort(key=lambda r: (-r["serious"], -r["failed"], r["agent"]))
    return rows


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def conversation_groups(
    views: list[dict[str, Any]], key: str, t: Labels = _EN
) -> list[dict[str, Any]]:
    """Per agent (or team): non-talk share over the calls' time from first to last speech,
    interruptions by each party, the agent's mean talk share, and the customer's mean
    sentiment at the end (calls and chats). Only interactions with figures count."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in views:
        if v["status"] == "ok" and v["meta"].get(key) and v["conv_stats"]["measured_from"]:
            groups[v["meta"][key]].append(v["conv_stats"])
    rows = []
    for name, stats in groups.items():
        calls = [s for s in stats if s["call"]]
        timed = [s for s in calls if s["span_seconds"] and s["non_talk_seconds"] is not None]
        span = sum(s["span_seconds"] for s in timed)
        share = sum(s["non_talk_seconds"] for s in timed) / span if span else None
        ends = [
            s["customer_sentiment_end"] for s in stats if s["customer_sentiment_end"] is not None
        ]
        mean_end = _mean(ends)
        rows.append(
            {
                "name": name,
                "interactions": len(stats),
                "calls": len(calls),
                "non_talk_share": share,
                "agent_interruptions": sum(s["agent_interruptions"] or 0 for s in calls),
                "customer_interruptions": sum(s["customer_interruptions"] or 0 for s in calls),
                "talk_ratio": _mean(
                    [s["agent_talk_ratio"] for s in calls if s["agent_talk_ratio"] is not None]
                ),
                "customer_end": mean_end,
                "customer_end_class": _mood(mean_end),
                "customer_end_n": len(ends),
            }
        )
    most = max((r["non_talk_share"] or 0.0 for r in rows), default=0.0)
    for r in rows:  # bars scaled to the largest share in the table
        share = r["non_talk_share"]
        frac = share / most if share is not None and most > 0 else share
        r["non_talk_bar"] = Markup(mini_bar(frac, t("non_talk_share_of", name=r["name"])))
    rows.sort(key=lambda r: r["name"])
    return rows


def _options(views: list[dict[str, Any]], key: str) -> list[str]:
    return sorted({v["meta"][key] for v in views if v["meta"].get(key)})


def batch_view(
    docs: tuple[dict[str, Any], ...], outdir: Path, keep_unredacted: bool, t: Labels = _EN
) -> dict:
    views = [interaction_view(d, n, outdir, keep_unredacted, t) for n, d in enumerate(docs)]
    results = [(str(d["id"]), r) for d in docs for r in d.get("results", [])]
    by_id: dict[str, list[dict]] = defaultdict(list)
    for i, r in results:
        by_id[i].append(r)
    ok = [v for v in views if v["status"] == "ok"]
    failed_processing = [v for v in views if v["status"] != "ok"]
    outcomes = Counter(r["outcome"] for _i, r in results)
    decided = outcomes["passed"] + outcomes["failed"]
    rule_bars = _bars(results, "rule")
    category_bars = _bars(results, "category")
    points = _trend(views, by_id)
    packs = sorted({f"{r['pack']} {r['pack_version']}" for _i, r in results})
    scored = [v for v in ok if v["score"] is not None]
    worst = sorted(scored, key=lambda v: (v["score"], -v["worst_rank"], v["id"]))[:10]
    audio_seconds = sum(v["duration"] or 0.0 for v in ok if v["medium"] == "voice")
    models = [d.get("scanner", {}).get("model") for d in docs if d.get("scanner", {}).get("model")]
    severity_failures = Counter(r["severity"] for _i, r in results if r["outcome"] == "failed")
    return {
        "views": views,
        "counts": {
            "interactions": len(views),
            "ok": len(ok),
            "failed_processing": len(failed_processing),
            "voice": sum(1 for v in ok if v["medium"] == "voice"),
            "chat": sum(1 for v in ok if v["medium"] == "chat"),
            "audio_hours": audio_seconds / 3600.0,
            "results": len(results),
            "passed": outcomes["passed"],
            "failed": outcomes["failed"],
            "needs_review": outcomes["needs_review"],
            "with_failures": sum(1 for v in ok if v["failed"]),
        },
        "severity_failures": [(s, severity_failures[s]) for s in reversed(SEVERITIES)],
        "pass_rate": outcomes["passed"] / decided if decided else None,
        "rule_chart": Markup(pass_rate_bars(rule_bars, t("pass_rate_rule"), t=t))
        if rule_bars
        else "",
        "category_chart": Markup(pass_rate_bars(category_bars, t("pass_rate_category"), 160.0, t=t))
        if category_bars
        else "",
        "trend_chart": Markup(trend_chart(points, t("trend_chart"), t)),
        "days": len(points),
        "rules": [b.label for b in sorted(rule_bars, key=lambda b: b.label)],
        "worst": worst,
        "agents": _agents(views)[:10],
        "conversation_agents": conversation_groups(views, "agent_id", t),
        "conversation_teams": conversation_groups(views, "team", t),
        "failures": failed_processing,
        "packs": packs,
        "model": models[0] if models else None,
        "agents_all": _options(views, "agent_id"),
        "teams": _options(views, "team"),
        "campaigns": _options(views, "campaign"),
        "dates": _options(views, "date"),
        "text_hidden": sum(1 for v in ok if not v["show_text"]),
    }


# ---- CSV ---------------------------------------------------------------------------------


def _cell(value: object) -> object:
    """Spreadsheet-safe: a text cell that starts like a formula is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow([_cell(v) for v in row])
    return buf.getvalue().encode(CSV_ENCODING)


def results_csv(views: list[dict[str, Any]]) -> bytes:
    """One row per interaction and rule result."""
    header = [
        "interaction_id",
        "source_file",
        "medium",
        "date",
        "agent_id",
        "team",
        "campaign",
        "pack",
        "pack_version",
        "rule",
        "category",
        "kind",
        "severity",
        "outcome",
        "reason",
        "evidence_start_s",
        "evidence_quote",
        "near_miss_score",
    ]
    rows: list[list[object]] = []
    for v in views:
        m = v["meta"]
        for r in v["rules"]:
            first = r["evidence"][0] if r["evidence"] else None
            near = r["near_miss"]
            rows.append(
                [
                    v["id"],
                    v["source_name"],
                    v["medium"],
                    m.get("date"),
                    m.get("agent_id"),
                    m.get("team"),
                    m.get("campaign"),
                    r["pack"],
                    r["pack_version"],
                    r["rule"],
                    r["category"],
                    r["kind"],
                    r["severity"],
                    r["outcome"],
                    r["reason"],
                    first["start"] if first else None,
                    first["quote"] if first else None,
                    near["score"] if near and r["outcome"] == "failed" else None,
                ]
            )
    return _csv(header, rows)


# interactions.csv's columns of conversation figures, named as in `conversation_stats`
CONVERSATION_COLUMNS = (
    "non_talk_seconds",
    "longest_silence_seconds",
    "agent_talk_seconds",
    "customer_talk_seconds",
    "agent_talk_ratio",
    "agent_interruptions",
    "customer_interruptions",
    "overlap_seconds",
    "agent_wpm",
    "customer_wpm",
    "customer_sentiment_end",
    "agent_sentiment_end",
)


def interactions_csv(views: list[dict[str, Any]]) -> bytes:
    """One row per interaction: status, who and when, score overall and per category, and
    how the conversation went (empty where the findings have no such figure)."""
    header = [
        "interaction_id",
        "source_file",
        "status",
        "error_code",
        "medium",
        "duration_s",
        "date",
        "agent_id",
        "team",
        "campaign",
        "speakers_method",
        "score",
        *(f"score_{c}" for c in CATEGORIES),
        "passed",
        "failed",
        "needs_review",
        "not_applicable",
        *(f"failed_{s}" for s in reversed(SEVERITIES)),
        "redacted_spans",
        "conversation_measured_from",
        *CONVERSATION_COLUMNS,
    ]
    rows: list[list[object]] = []
    for v in views:
        m = v["meta"]
        cats = v["scorecard"].get("categories", {})
        sev = Counter(f["severity"] for f in v["failed"])
        rows.append(
            [
                v["id"],
                v["source_name"],
                v["status"],
                (v["error"] or {}).get("code"),
                v["medium"],
                v["duration"],
                m.get("date"),
                m.get("agent_id"),
                m.get("team"),
                m.get("campaign"),
                v["speakers"].get("method"),
                v["score"],
                *((cats.get(c) or {}).get("score") for c in CATEGORIES),
                v["outcomes"]["passed"],
                v["outcomes"]["failed"],
                v["outcomes"]["needs_review"],
                v["outcomes"]["not_applicable"],
                *(sev[s] for s in reversed(SEVERITIES)),
                len(v["redaction"].get("spans", [])),
                v["conv_stats"]["measured_from"],
                *(v["conv_stats"][k] for k in CONVERSATION_COLUMNS),
            ]
        )
    return _csv(header, rows)


# ---- HTML --------------------------------------------------------------------------------


def _asset(name: str) -> str:
    return resources.files("scanner").joinpath("templates", name).read_text(encoding="utf-8")


def _environment(t: Labels = _EN):
    from jinja2 import Environment, FunctionLoader

    env = Environment(
        loader=FunctionLoader(lambda name: _asset(name)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda x: t("na") if x is None else f"{x * 100:.0f}%"
    env.filters["score"] = lambda x: t("na") if x is None else f"{x:.0f}"
    env.filters["mmss"] = _fmt_time
    env.filters["rate_class"] = rate_class
    env.filters["term"] = lambda value, kind: t.term(kind, value)
    return env


def report_language(docs: tuple[dict[str, Any], ...] | list[dict[str, Any]], asked: str) -> str:
    """The labels' language: `en` or `zh` as asked, or for `auto` Chinese when most of the
    interactions are (their findings' `interaction.language`), else English."""
    if asked in LANGUAGES:
        return asked
    if asked != "auto":
        raise ValueError(f"report language {asked!r}: use {', '.join(LANGUAGES)} or auto")
    return majority_language(_dict(d.get("interaction")).get("language") for d in docs)


def render_html(batch: dict[str, Any], title: str, generated: str, t: Labels = _EN) -> str:
    return "".join(render_pieces(batch, title, generated, t))


def render_pieces(
    batch: dict[str, Any], title: str, generated: str, t: Labels = _EN
) -> Iterator[str]:
    """The page in pieces as the template produces them, for writing as it renders: a
    10,000-chat page held whole (and again encoded) was most of a batch's peak memory."""
    env = _environment(t)
    index = {v["id"]: v["n"] for v in batch["views"]}
    # JSON inside <script>: "<" escaped so no value can close the element
    index_json = json.dumps(index, ensure_ascii=False).replace("<", "\\u003c")
    return env.get_template("report.html.j2").generate(
        b=batch,
        title=title,
        generated=generated,
        version=__version__,
        css=Markup(_asset("report.css")),
        js=Markup(_asset("report.js")),
        index_json=Markup(index_json),
        severities=SEVERITIES,
        t=t,
    )


def build_report(
    outdir: Path,
    keep_unredacted: bool = False,
    title: str | None = None,
    loaded: Loaded | None = None,
    language: str = "auto",
) -> ReportFiles:
    """Write OUTDIR/report.html, results.csv and interactions.csv from the findings there
    (`loaded`: those findings, if the caller has read them already). `language`: of the
    report's labels, `en`, `zh` or `auto` (Chinese when most interactions are); the CSVs'
    columns and values are the same in every language."""
    outdir = Path(outdir)
    loaded = loaded or load_dir(outdir)
    t = Labels(report_language(loaded.docs, language))
    batch = batch_view(loaded.docs, outdir, keep_unredacted, t)
    batch["unreadable"] = list(loaded.unreadable)
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    pieces = render_pieces(batch, title or t("title", name=outdir.name), generated, t)
    files = ReportFiles(
        outdir / REPORT_NAME,
        outdir / RESULTS_CSV,
        outdir / INTERACTIONS_CSV,
        len(loaded.docs),
        loaded.unreadable,
        t.language,
    )
    write_atomic(files.results_csv, results_csv(batch["views"]))
    write_atomic(files.interactions_csv, interactions_csv(batch["views"]))
    write_atomic(files.html, (piece.encode("utf-8") for piece in pieces))
    return files
