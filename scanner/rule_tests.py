"""Running each rule's own examples like a test suite (in the spirit of semgrep's rule tests).

A "positive" is a violation: the rule failing. An example expecting `failed` that fails is a
true positive; one expecting `passed` (or not_applicable) that fails is a false positive; and
so on. An example passes only when the outcome is exactly what it expects. A rule with no
example that must fail, or none that must not, is itself a test failure: a rule that has never
been seen to fire (or to hold back) is untested.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import metadata as meta_io
from . import rules_schema as rs
from .conversation import with_figures
from .rules import RuleSet
from .types import Interaction, Turn

# the pace given to untimed voice examples: about 170 words a minute, a second between turns
SECONDS_PER_WORD = 0.35
MIN_TURN_S = 1.5
GAP_S = 1.0


@dataclass(frozen=True)
class Case:
    name: str
    expected: str
    got: str
    reason: str

    @property
    def ok(self) -> bool:
        return self.expected == self.got


@dataclass(frozen=True)
class RuleReport:
    pack: str
    rule: str
    cases: tuple[Case, ...]
    problems: tuple[str, ...]

    def count(self, kind: str) -> int:
        pos = {"tp": (True, True), "fp": (False, True), "fn": (True, False), "tn": (False, False)}
        want_fail, got_fail = pos[kind]
        return sum(
            ((c.expected == "failed") == want_fail) and ((c.got == "failed") == got_fail)
            for c in self.cases
        )

    @property
    def ok(self) -> bool:
        return not self.problems and all(c.ok for c in self.cases)


def timed(
    turns: list[Turn],
    at: list[float | None] | None = None,
    until: list[float | None] | None = None,
) -> list[Turn]:
    """Give turns times as if spoken one after another at a steady pace (`at`, `until`:
    a start or end given for some turns, which then wins: that is how an example states a
    silence, a talk-over or a gabbled disclosure)."""
    out: list[Turn] = []
    for i, turn in enumerate(turns):
        given = at[i] if at else None
        start = given if given is not None else (out[-1].end or 0.0) + GAP_S if out else 0.0
        end = until[i] if until and until[i] is not None else None
        if end is None:
            end = start + max(MIN_TURN_S, SECONDS_PER_WORD * len(turn.text.split()))
        out.append(Turn(turn.speaker, turn.text, round(start, 2), round(end, 2)))
    return out


def example_interaction(ex: rs.Example, ident: str = "example") -> Interaction:
    """Voice examples get times (given with `at`, else one turn after another); chat examples
    stay untimed, as real chat logs usually are, unless an `at` is given. The conversation
    figures are measured from those times, as for a timed transcript."""
    turns = [Turn(et.speaker, et.text) for et in ex.turns]
    at = [et.at for et in ex.turns]
    if ex.medium == "voice" or any(a is not None for a in at):
        turns = timed(turns, at, [et.until for et in ex.turns])
    it = Interaction.from_turns(
        turns,
        id=ident,
        medium=ex.medium,
        metadata=meta_io.build(dict(ex.metadata), "<example>") if ex.metadata else None,
    )
    return with_figures(it)


def run_pack_tests(pack: rs.Pack) -> list[RuleReport]:
    ruleset = RuleSet([pack])
    reports = []
    for rule in pack.rules:
        cases = []
        for i, ex in enumerate(rule.examples):
            it = example_interaction(ex, f"{rule.id}-{i}")
            result = next(r for r in ruleset.evaluate(it) if r.rule == rule.id)
            cases.append(
                Case(ex.name or f"example {i + 1}", ex.expect, result.outcome, result.reason)
            )
        problems = []
        if not any(ex.expect == "failed" for ex in rule.examples):
            problems.append("no example that must fail (the rule is never seen to fire)")
        if not any(ex.expect in ("passed", "not_applicable") for ex in rule.examples):
            problems.append("no example that must not fail (the rule is never seen to hold back)")
        reports.append(RuleReport(pack.pack, rule.id, tuple(cases), tuple(problems)))
    return reports
