"""Running each rule's own examples like a test suite (in the spirit of semgrep's rule tests).

A "positive" is a violation: the rule failing. An example expecting `failed` that fails is a
true positive; one expecting `passed` (or not_applicable) that fails is a false positive; and
so on. An example passes only when the outcome is exactly what it expects. A rule with no
example that must fail, or none that must not, is itself a test failure: a rule that has never
been seen to fire (or to hold back) is untested.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import rules_schema as rs
from .rules import RuleSet
from .types import Interaction, Metadata, Source, SpeakerMapping, Turn


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


def example_interaction(ex: rs.Example, ident: str = "example") -> Interaction:
    """Voice examples get times (given with `at`, else one turn after another); chat examples
    stay untimed, as real chat logs usually are."""
    turns: list[Turn] = []
    for et in ex.turns:
        if ex.medium == "chat" and et.at is None:
            turns.append(Turn(et.speaker, et.text))
            continue
        start = et.at if et.at is not None else (turns[-1].end or 0.0) + 1.0 if turns else 0.0
        end = start + max(1.5, 0.35 * len(et.text.split()))
        turns.append(Turn(et.speaker, et.text, round(start, 2), round(end, 2)))
    ends = [t.end for t in turns if t.end is not None]
    return Interaction(
        id=ident,
        source=Source("<example>", "transcript", "yaml", "", 0),
        medium=ex.medium,
        turns=tuple(turns),
        speakers=SpeakerMapping("label", 1.0),
        metadata=Metadata(extra=tuple(sorted(ex.metadata.items()))) if ex.metadata else Metadata(),
        duration=max(ends) if ends else None,
    )


def _with_known_metadata(ex: rs.Example, it: Interaction) -> Interaction:
    from . import metadata as meta_io

    if not ex.metadata:
        return it
    return Interaction(**{**it.__dict__, "metadata": meta_io.build(dict(ex.metadata), "<example>")})


def run_pack_tests(pack: rs.Pack) -> list[RuleReport]:
    ruleset = RuleSet([pack])
    reports = []
    for rule in pack.rules:
        cases = []
        for i, ex in enumerate(rule.examples):
            it = _with_known_metadata(ex, example_interaction(ex, f"{rule.id}-{i}"))
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
