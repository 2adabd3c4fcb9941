"""`scanner rules explain`: one rule on one interaction, turn by turn, for QA leads.

It prints to the terminal only, and quotes the words the user gave it (or a findings file
that already holds text); it never writes anything.
"""

from __future__ import annotations

from pathlib import Path

from . import rules_schema as rs
from .conversation import with_figures
from .errors import ScannerError
from .findings import FindingsError, interaction_from_findings
from .findings import read as read_findings
from .matchers import Matcher
from .metadata import build as build_metadata
from .rule_tests import timed
from .rules import Prepared, RuleSet, speaker_ok, window_ok
from .transcripts import read_transcript, role_of
from .types import Evidence, Interaction, RuleResult, Turn


def interaction_from_text(text: str, medium: str, campaign: str | None) -> Interaction:
    turns = []
    for n, line in enumerate(text.replace("\\n", "\n").splitlines(), start=1):
        if not line.strip():
            continue
        label, sep, said = line.partition(":")
        role = role_of(label) if sep else None
        if role is None:
            raise ValueError(f"--text line {n}: start it with 'agent:' or 'customer:'")
        turns.append(Turn(role, said.strip()))
    if medium == "voice":  # give voice turns times, as the rule tests do
        turns = timed(turns)
    meta = build_metadata({"campaign": campaign}, "--campaign") if campaign else None
    return with_figures(Interaction.from_turns(turns, medium=medium, metadata=meta))  # type: ignore[arg-type]


def interaction_from_file(path: Path) -> Interaction:
    """A transcript, or a findings file that holds text."""
    if path.suffix.lower() == ".json":
        try:
            doc = read_findings(path)
        except FindingsError:  # not findings: a JSON transcript (or broken: its reader says)
            doc = None
        if doc is not None:
            return interaction_from_findings(doc)
    turns, own = read_transcript(path)
    meta = build_metadata({k: v for k, v in own.items() if not k.startswith("_")}, str(path))
    return with_figures(
        Interaction.from_turns(
            turns,
            id=path.stem,
            medium=str(own.get("_medium", "chat")),  # type: ignore[arg-type]
            metadata=meta,
        )
    )


def explain(
    ref: str,
    files: list[Path],
    text: str | None = None,
    file: Path | None = None,
    medium: str = "chat",
    campaign: str | None = None,
) -> str:
    if (text is None) == (file is None):
        raise ValueError("give exactly one of --text or --file")
    packs = [rs.load_pack(f) for f in files]
    pack_id, _, rule_id = ref.rpartition("/")
    matches = [
        (p, r) for p in packs for r in p.rules if r.id == rule_id and pack_id in ("", p.pack)
    ]
    if not matches:
        known = ", ".join(f"{p.pack}/{r.id}" for p in packs for r in p.rules)
        raise ValueError(f"no rule '{ref}' (known: {known})")
    pack, rule = matches[0]
    it = (
        interaction_from_text(text, medium, campaign)
        if text is not None
        else interaction_from_file(file)
    )  # type: ignore[arg-type]
    ruleset = RuleSet([pack])
    result = next(r for r in ruleset.evaluate(it, quotes=True) if r.rule == rule.id)
    compiled = next(c for c in ruleset.rules if c.rule.id == rule.id)
    prep = Prepared(it)

    lines = [f"{pack.pack}/{rule.id} ({rule.kind}, {rule.severity}): {rule.title or rule.message}"]
    if rule.kind == "measured":
        return "\n".join([*lines, *_measured_lines(rule, result, it)])
    if rule.kind == "conditional":
        assert compiled.when and compiled.then and rule.when and rule.then
        lines.append(f"  when {rule.when.speaker}: {compiled.when.description}")
        lines.append(
            f"  then {rule.then.speaker} ({rule.then.direction}): {compiled.then.description}"
        )
    else:
        assert compiled.match is not None
        where = f", window {rule.window.model_dump(exclude_none=True)}" if rule.window else ""
        lines.append(f"  looks for ({rule.speaker}{where}): {compiled.match.description}")
    lines.append("")
    lines.append(f"outcome: {result.outcome.upper()} - {result.reason}")
    for e in result.evidence:
        lines.append(f"  evidence: {_place(e)}")
    if result.near_miss:
        lines.append(f"  closest:  {_place(result.near_miss)}")
    lines.append("")
    lines.append("turn by turn (best score of each matcher in the turn):")
    steps: list[tuple[str, Matcher, str, rs.Window | None]] = []
    if rule.kind == "conditional":
        steps = [
            ("when", compiled.when, rule.when.speaker, rule.when.window),  # type: ignore[list-item,union-attr]
            ("then", compiled.then, rule.then.speaker, rule.then.window),
        ]  # type: ignore[list-item,union-attr]
    else:
        steps = [("match", compiled.match, rule.speaker, rule.window)]  # type: ignore[list-item]
    for i, turn in enumerate(it.turns):
        cells = []
        for name, m, speaker, window in steps:
            best = m.best(prep.norm[i])
            if best is None:
                cells.append(f"{name}: -")
                continue
            loc = prep.locate(i, best)
            blocked = []
            if not speaker_ok(turn, speaker):
                blocked.append(f"not {speaker}")
            if (w := window_ok(prep, loc, window)) is not None:
                blocked.append(w)
            note = f" [{'; '.join(blocked)}]" if blocked else ""
            cells.append(f'{name}: {best.score:.0f} "{prep.quote(loc)}"{note}')
        lines.append(f"  {i + 1:>3} {turn.speaker:<8} {_when(turn.start):>8}  " + " | ".join(cells))
    return "\n".join(lines)


def _measured_lines(rule: rs.Rule, result: RuleResult, it: Interaction) -> list[str]:
    """A measured rule: its limit, the figures it read, and where the limit was broken."""
    assert rule.measure is not None
    lines = [f"  limit: {rule.measure.model_dump(exclude_none=True)}", ""]
    lines.append(f"outcome: {result.outcome.upper()} - {result.reason}")
    lines += [
        f"  at {_when(e.start)}-{_when(e.end)} {e.speaker}: {e.matched}" for e in result.evidence
    ]
    c = it.conversation
    if c is not None and c.measured_from != "chat":
        lines += [
            "",
            f"figures ({c.measured_from}): longest silence {c.longest_silence_seconds:.1f} s, "
            f"agent talk {100 * (c.agent_talk_ratio or 0):.0f}%, interruptions agent "
            f"{c.interruptions_by('agent')} / customer {c.interruptions_by('customer')}, "
            f"words a minute agent {c.words_per_minute('agent')} / customer "
            f"{c.words_per_minute('customer')}",
        ]
    return lines


def _place(e: Evidence) -> str:
    return f'turn {e.turn + 1} {e.speaker} {_when(e.start)} score {e.score}: "{e.quote}"'


def _when(t: float | None) -> str:
    return f"{t:.1f}s" if t is not None else "-"


__all__ = ["ScannerError", "explain"]
