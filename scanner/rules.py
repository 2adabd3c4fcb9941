"""The rule engine: evaluate rule packs on an Interaction, with evidence and near-misses.

Rules see the interaction in memory (normalised text); what they return holds positions,
times and scores, and quotes only when the caller allows text to be written.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from . import rules_schema as rs
from .cjk import turn_words
from .matchers import VOCABULARY, AllMatcher, Hit, Matcher, NormText, compile_match
from .measured import judge
from .types import Evidence, Interaction, RuleResult, Turn, words_per_minute
from .vocab import Outcome

# how a not_applicable verdict for a pack in another language begins
OTHER_LANGUAGE = "the pack is for"


def default_rule_paths() -> list[Path]:
    """The shipped packs: $SCANNER_RULES_DIR, else rules/ beside the package (a checkout or
    editable install), else ./rules."""
    import os

    env = os.environ.get("SCANNER_RULES_DIR")
    if env:
        return [Path(env)]
    beside = Path(__file__).resolve().parent.parent / "rules"
    return [beside if beside.is_dir() else Path.cwd() / "rules"]


@dataclass(frozen=True)
class Located:
    """A hit placed in the interaction: which turn, which tokens, when."""

    turn: int
    hit: Hit
    start: float | None
    end: float | None
    confidence: float | None


class Prepared:
    """An interaction normalised once for every rule."""

    def __init__(self, it: Interaction) -> None:
        self.it = it
        self.norm = [NormText.from_words(_words(t)) for t in it.turns]
        ends = [t.end or t.start for t in it.turns if (t.end or t.start) is not None]
        self.duration = it.duration or (max(ends) if ends else None)
        self.timed = all(t.start is not None for t in it.turns)

    def locate(self, ti: int, hit: Hit) -> Located:
        turn = self.it.turns[ti]
        nt = self.norm[ti]
        if turn.words and hit.end > hit.start and nt.word_of:
            first, last = nt.word_span(hit.start, hit.end)
            words = turn.words[first : last + 1]
            conf = sum(w.probability for w in words) / len(words)
            return Located(ti, hit, words[0].start, words[-1].end, round(conf, 3))
        return Located(ti, hit, turn.start, turn.end, None)

    def word_range(self, loc: Located) -> tuple[int, int] | None:
        nt = self.norm[loc.turn]
        if loc.hit.end <= loc.hit.start or not nt.word_of:
            return None
        return nt.word_span(loc.hit.start, loc.hit.end)

    def quote(self, loc: Located) -> str:
        turn = self.it.turns[loc.turn]
        span = self.word_range(loc)
        if span is None:
            return turn.text
        return " ".join(_words(turn)[span[0] : span[1] + 1])


# the same words redaction masks, so evidence quotes map onto the masked words
_words = turn_words


@dataclass(frozen=True)
class CompiledRule:
    pack: rs.Pack
    rule: rs.Rule
    match: Matcher | None
    when: Matcher | None
    then: Matcher | None
    applies: rs.AppliesWhen | None = None  # the rule's own, else its pack's
    detect: Matcher | None = None
    unless: Matcher | None = None
    announce: Matcher | None = None  # what excuses a silence (a measured rule's hold notice)

    def matchers(self) -> list[Matcher]:
        found = (self.match, self.when, self.then, self.detect, self.unless, self.announce)
        return [m for m in found if m is not None]


def compile_pack(pack: rs.Pack) -> list[CompiledRule]:
    out = []
    detects: dict[int, Matcher] = {}  # one compiled detector per applies_when block
    for r in pack.rules:
        applies = r.applies_when or pack.applies_when
        detect = unless = None
        if applies is not None and applies.detect is not None:
            detect = detects.setdefault(id(applies.detect), compile_match(applies.detect.match))
        if applies is not None and applies.unless is not None:
            unless = detects.setdefault(id(applies.unless), compile_match(applies.unless.match))
        silence = r.measure.silence if r.measure is not None else None
        announce = silence.unless_announced if silence is not None else None
        out.append(
            CompiledRule(
                pack,
                r,
                compile_match(r.match) if r.match is not None else None,
                compile_match(r.when.match) if r.when else None,
                compile_match(r.then.match) if r.then else None,
                applies,
                detect,
                unless,
                compile_match(announce.match) if announce is not None else None,
            )
        )
    return out


class RuleSet:
    """Compiled packs, evaluated in an order that puts a rule after the rules it refers to."""

    def __init__(self, packs: list[rs.Pack]) -> None:
        self.packs = packs
        self.rules = [c for p in packs for c in _ordered(compile_pack(p))]

    @classmethod
    def load(cls, paths: list[Path]) -> RuleSet:
        return cls([rs.load_pack(f) for f in rs.pack_files(paths)])

    def clear_caches(self) -> None:
        """Forget memoised fuzzy scores (benchmarks use this to time cold evaluations)."""
        for c in self.rules:
            for m in c.matchers():
                m.clear()

    def warm_up(self) -> None:
        """Load what the matchers load on first use (word lists, spaCy, embeddings) by
        evaluating every rule once on a small made-up conversation."""
        turns = (
            Turn("agent", "Thanks for calling Acme Energy, this is Sam, calls are recorded."),
            Turn("customer", "I can't pay the £40 I owe, I lost my job."),
        )
        self.evaluate(Interaction.from_turns(turns, id="warm-up", medium="voice"))
        self.clear_caches()

    @property
    def vocabulary(self) -> tuple[str, ...]:
        """The names every pack says the centre uses."""
        return tuple(dict.fromkeys(v for p in self.packs for v in p.vocabulary))

    def describe(self) -> list[dict[str, str]]:
        return [{"pack": p.pack, "version": p.version} for p in self.packs]

    def fingerprint(self) -> list[dict[str, str]]:
        """Name, version and a hash of each pack's content: an edit counts as a change even
        when nobody bumped the version."""
        import hashlib

        return [
            {
                "pack": p.pack,
                "version": p.version,
                "sha256": hashlib.sha256(repr(p).encode()).hexdigest(),
            }
            for p in self.packs
        ]

    def evaluate(
        self, it: Interaction, quotes: bool = False, vocabulary: tuple[str, ...] = ()
    ) -> tuple[RuleResult, ...]:
        """Every rule on one interaction. `vocabulary`: names the centre uses, beside the
        packs' own and the interaction's `vocabulary` metadata."""
        prep = Prepared(it)
        names = (*self.vocabulary, *vocabulary, *_metadata_vocabulary(it))
        token = VOCABULARY.set(tuple(dict.fromkeys(names)))
        try:
            anchors: dict[tuple[str, str], Located | None] = {}
            detected: dict[int, Located | None] = {}
            results = []
            for c in self.rules:
                res, anchor = _Evaluation(c, prep, anchors, quotes, detected).run()
                anchors[(c.pack.pack, c.rule.id)] = anchor
                results.append(res)
            if it.review:  # part of what was said is missing: no verdict can stand
                results = [_for_review(r, it.review) for r in results]
            return tuple(results)
        finally:
            VOCABULARY.reset(token)


def _for_review(r: RuleResult, why: tuple[str, ...]) -> RuleResult:
    """A verdict on a transcript with speech missing from it is a question for a person."""
    if r.outcome == "needs_review":
        return r
    return replace(
        r,
        outcome="needs_review",
        reason=f"{r.reason}; the transcript is incomplete ({'; '.join(why)})",
    )


def _metadata_vocabulary(it: Interaction) -> list[str]:
    raw = dict(it.metadata.extra).get("vocabulary", "")
    return [v.strip() for v in raw.replace(";", ",").split(",") if v.strip()]


def _ordered(rules: list[CompiledRule]) -> list[CompiledRule]:
    by_id = {c.rule.id: c for c in rules}
    done: dict[str, CompiledRule] = {}

    def visit(c: CompiledRule, stack: tuple[str, ...]) -> None:
        if c.rule.id in done:
            return
        for ref in (c.rule.after, c.rule.before):
            if ref and ref not in stack:
                visit(by_id[ref], (*stack, c.rule.id))
        done[c.rule.id] = c

    for c in rules:
        visit(c, ())
    return list(done.values())


# ---- conditions -----------------------------------------------------------------------------


def speaker_ok(turn: Turn, speaker: str) -> bool:
    return speaker == "any" or turn.speaker == speaker


def window_ok(prep: Prepared, loc: Located, w: rs.Window | None) -> str | None:
    """None when the place is inside the window, else why not (for near-miss reasons)."""
    if w is None:
        return None
    n = len(prep.it.turns)
    i = loc.turn
    if w.first_turns is not None and i >= w.first_turns:
        return f"in turn {i + 1}, after the first {w.first_turns} turns"
    if w.last_turns is not None and i < n - w.last_turns:
        return f"in turn {i + 1}, before the last {w.last_turns} turns"
    timed = loc.start is not None and prep.duration
    if timed:
        t0, t1, dur = loc.start or 0.0, loc.end or loc.start or 0.0, prep.duration or 0.0
        if w.first_seconds is not None and t0 >= w.first_seconds:
            return f"at {t0:.1f} s, after the first {w.first_seconds:g} s"
        if w.last_seconds is not None and t1 < dur - w.last_seconds:
            return f"at {t1:.1f} s, before the last {w.last_seconds:g} s"
        if w.first_percent is not None and t0 > dur * w.first_percent / 100:
            return f"at {100 * t0 / dur:.0f}% of the call, after the first {w.first_percent:g}%"
        if w.last_percent is not None and t1 < dur * (1 - w.last_percent / 100):
            return f"at {100 * t1 / dur:.0f}% of the call, before the last {w.last_percent:g}%"
    else:  # untimed: percent limits fall back to turn positions, seconds do not apply
        if w.first_percent is not None and i >= math.ceil(n * w.first_percent / 100):
            return f"in turn {i + 1}, after the first {w.first_percent:g}% of turns"
        if w.last_percent is not None and i < n - math.ceil(n * w.last_percent / 100):
            return f"in turn {i + 1}, before the last {w.last_percent:g}% of turns"
    return None


def _order_ok(
    loc: Located, after: Located | None, before: Located | None, rule: rs.Rule
) -> str | None:
    key = (loc.turn, loc.hit.start)
    if rule.after:
        if after is None:
            return f"'{rule.after}' never happened"
        if key <= (after.turn, after.hit.start):
            return f"before '{rule.after}' (turn {after.turn + 1})"
    if rule.before and before is not None and key >= (before.turn, before.hit.start):
        return f"after '{rule.before}' (turn {before.turn + 1})"
    return None


def _applies(c: CompiledRule, prep: Prepared, detected: dict[int, Located | None]) -> str | None:
    """None when the rule applies, else why not. Metadata decides where it has the key;
    where it has not, the pack's detector looks at the conversation (once per pack)."""
    rule, it = c.rule, prep.it
    spoken = (it.language or "").split("-")[0].lower()
    if spoken and spoken != c.pack.language:
        return f"{OTHER_LANGUAGE} {c.pack.language} conversations; this one is in {spoken}"
    if rule.channel != "any" and rule.channel != it.medium:
        return f"applies to {rule.channel} interactions only"
    aw = c.applies
    if aw is None:
        return None
    if aw.medium != "any" and aw.medium != it.medium:
        return f"applies to {aw.medium} interactions only"
    meta = it.metadata.as_dict()
    for key, allowed in aw.metadata.items():
        values = [allowed] if isinstance(allowed, str) else allowed
        if key in meta:
            if str(meta[key]) not in values:
                return f"metadata {key} is {meta[key]}, not {' or '.join(values)}"
            continue
        if aw.detect is None or c.detect is None:
            return f"metadata has no {key} (needs {' or '.join(values)})"
        if _detected(prep, aw.detect, c.detect, detected) is None:
            return f"metadata has no {key}, and the conversation does not show one of {values}"
        if aw.unless is not None and c.unless is not None:
            other = _detected(prep, aw.unless, c.unless, detected)
            if other is not None:
                said = " ".join(prep.norm[other.turn].tokens[other.hit.start : other.hit.end])
                return f"metadata has no {key}, and the conversation is of another kind ({said})"
    return None


def _detected(
    prep: Prepared, step: rs.Detect, m: Matcher, cache: dict[int, Located | None]
) -> Located | None:
    """The first sign the conversation is of the kind `step` looks for, if at least
    `step.at_least` different, separate wordings of it are found (once per interaction)."""
    if id(step) in cache:
        return cache[id(step)]
    it = prep.it
    hits = [
        h
        for h in _all_hits(prep, m)
        if speaker_ok(it.turns[h.turn], step.speaker) and window_ok(prep, h, step.window) is None
    ]
    separate: list[Located] = []
    for h in hits:  # overlapping hits are one thing said, not two
        if all(
            o.turn != h.turn or h.hit.end <= o.hit.start or h.hit.start >= o.hit.end
            for o in separate
        ):
            separate.append(h)
    said = {prep.norm[h.turn].tokens[h.hit.start : h.hit.end] for h in separate}
    cache[id(step)] = separate[0] if len(said) >= step.at_least else None
    return cache[id(step)]


def _all_hits(prep: Prepared, m: Matcher) -> list[Located]:
    return [prep.locate(i, h) for i, nt in enumerate(prep.norm) for h in m.hits(nt)]


def _best(prep: Prepared, m: Matcher) -> Located | None:
    cands = [prep.locate(i, b) for i, nt in enumerate(prep.norm) if (b := m.best(nt)) is not None]
    return max(cands, key=lambda c: c.hit.score) if cands else None


# ---- evaluation -----------------------------------------------------------------------------


class _Evaluation:
    """One rule on one prepared interaction: its result, and its anchor for after/before."""

    def __init__(
        self,
        c: CompiledRule,
        prep: Prepared,
        anchors: dict[tuple[str, str], Located | None],
        quotes: bool,
        detected: dict[int, Located | None] | None = None,
    ) -> None:
        self.c, self.rule, self.prep, self.quotes = c, c.rule, prep, quotes
        self.detected = {} if detected is None else detected
        rule = c.rule
        self.after = anchors.get((c.pack.pack, rule.after)) if rule.after else None
        self.before = anchors.get((c.pack.pack, rule.before)) if rule.before else None

    def run(self) -> tuple[RuleResult, Located | None]:
        why_not = _applies(self.c, self.prep, self.detected)
        if why_not:
            return self.result("not_applicable", why_not), None
        if self.rule.kind == "measured":
            return self.measured(), None
        if self.rule.kind == "conditional":
            return self.conditional()
        if self.rule.kind == "required":
            return self.required()
        return self.prohibited()

    # -- building results --

    def evidence(self, loc: Located, matcher: Matcher) -> Evidence:
        turn = self.prep.it.turns[loc.turn]
        return Evidence(
            turn=loc.turn,
            speaker=turn.speaker,
            start=loc.start,
            end=loc.end,
            score=round(loc.hit.score, 1),
            matched=matcher.description,
            word_confidence=loc.confidence,
            quote=self.prep.quote(loc) if self.quotes else None,
            words=self.prep.word_range(loc),
        )

    def result(
        self,
        outcome: Outcome,
        reason: str,
        evidence: list[Evidence] | tuple[Evidence, ...] = (),
        near: Evidence | None = None,
    ) -> RuleResult:
        rule = self.rule
        return RuleResult(
            pack=self.c.pack.pack,
            pack_version=self.c.pack.version,
            rule=rule.id,
            rule_version=rule.version,
            category=rule.category,
            kind=rule.kind,
            severity=rule.severity,
            weight=rule.weight,
            outcome=outcome,
            reason=reason,
            message=rule.message,
            reference=rule.reference,
            evidence=tuple(evidence),
            near_miss=near,
        )

    # -- required and prohibited --

    def blocker(self, loc: Located) -> str | None:
        """None when a hit counts where it is, else why not."""
        turn = self.prep.it.turns[loc.turn]
        rule = self.rule
        if not speaker_ok(turn, rule.speaker):
            return f"said by the {turn.speaker}, not the {rule.speaker}"
        return window_ok(self.prep, loc, rule.window) or _order_ok(
            loc, self.after, self.before, rule
        )

    def _found(self) -> tuple[Matcher, list[Located], list[Located]]:
        """The matcher, hits where they count, and those recognised confidently enough."""
        m = self.c.match
        assert m is not None
        eligible = [h for h in _all_hits(self.prep, m) if self.blocker(h) is None]
        floor = self.rule.min_word_confidence
        confident = [h for h in eligible if h.confidence is None or h.confidence >= floor]
        return m, eligible, confident

    def required(self) -> tuple[RuleResult, Located | None]:
        if self.rule.across_turns:
            return self.required_across()
        m, eligible, confident = self._found()
        rule, ev = self.rule, self.evidence
        limit = rule.max_words_per_minute
        if confident and limit is not None:
            paced = [(h, self.pace(h)) for h in confident]
            calm = [h for h, r in paced if r is None or r <= limit]
            if not calm:
                h, rate = paced[0]
                reason = (
                    f"found, but read at {rate:.0f} words a minute (limit {limit:g}): "
                    "too fast to follow"
                )
                return self.result("failed", reason, [ev(h, m)]), h
            confident = calm
        if confident:
            return self.result("passed", "found", [ev(confident[0], m)]), confident[0]
        if eligible:
            first = eligible[0]
            reason = (
                f"found, but the words were recognised with low confidence "
                f"({first.confidence:.2f} < {rule.min_word_confidence})"
            )
            return self.result("needs_review", reason, [ev(first, m)]), first
        near = _near_miss(self.prep, m, self.blocker)
        if near is None:
            return self.result("failed", "not found, nothing close"), None
        loc, why = near
        score = loc.hit.score
        if why is None and score >= m.threshold:
            why = f"only part of it was said (closest scores {score:.0f})"
        if why is None and score >= m.threshold - rule.review_margin:
            reason = f"closest match scores {score:.0f}, just under {m.threshold:.0f}"
            return self.result("needs_review", reason, near=ev(loc, m)), None
        why = why or f"closest match scores {score:.0f} < {m.threshold:.0f}"
        return self.result("failed", f"not found; {why}", near=ev(loc, m)), None

    def pace(self, loc: Located) -> float | None:
        """Words a minute over the words found; where they are too few to time, over the
        whole turn they were said in. None when neither can be timed."""
        turn = self.prep.it.turns[loc.turn]
        span = self.prep.word_range(loc)
        if turn.words and span is not None:
            words = turn.words[span[0] : span[1] + 1]
            rate = words_per_minute(len(words), words[-1].end - words[0].start)
            if rate is not None:
                return rate
            return words_per_minute(len(turn.words), turn.words[-1].end - turn.words[0].start)
        if turn.start is not None and turn.end is not None:
            return words_per_minute(len(turn.text.split()), turn.end - turn.start)
        return None

    def required_across(self) -> tuple[RuleResult, Located | None]:
        """Each part of an `all`, in any turn that meets the rule's conditions."""
        m, ev = self.c.match, self.evidence
        assert isinstance(m, AllMatcher)
        found: list[tuple[Located, Matcher]] = []
        for part in m.parts:
            eligible = [h for h in _all_hits(self.prep, part) if self.blocker(h) is None]
            if eligible:
                found.append((eligible[0], part))
                continue
            near = _near_miss(self.prep, part, self.blocker)
            why = f"no {part.description}"
            if near is not None:
                why += f"; the closest was {near[1] or f'scored {near[0].hit.score:.0f}'}"
            evidence = [ev(h, p) for h, p in found]
            return self.result(
                "failed", why, evidence, near=ev(near[0], part) if near else None
            ), None
        evidence = [ev(h, p) for h, p in found]
        floor = self.rule.min_word_confidence
        low = [h for h, _ in found if h.confidence is not None and h.confidence < floor]
        first = min((h for h, _ in found), key=lambda h: (h.turn, h.hit.start))
        if low:
            reason = f"found, but recognised with low confidence ({low[0].confidence:.2f})"
            return self.result("needs_review", reason, evidence), first
        return self.result("passed", "found", evidence), first

    def prohibited(self) -> tuple[RuleResult, Located | None]:
        m, eligible, confident = self._found()
        ev = self.evidence
        if confident:
            return self.result("failed", "found", [ev(h, m) for h in confident]), confident[0]
        if eligible:
            reason = "possibly found, but recognised with low confidence"
            return self.result("needs_review", reason, [ev(h, m) for h in eligible]), eligible[0]
        near = _near_miss(self.prep, m, self.blocker)
        if near is not None and near[1] is None:
            loc = near[0]
            if loc.hit.score >= m.threshold - self.rule.review_margin:
                reason = f"something close was said (score {loc.hit.score:.0f})"
                return self.result("needs_review", reason, near=ev(loc, m)), None
        return self.result("passed", "not found"), None

    # -- measured --

    def measured(self) -> RuleResult:
        """A limit on how the conversation went (silence, talk-over, share, pace, mood)."""
        rule, it = self.rule, self.prep.it
        assert rule.measure is not None
        announced: list[tuple[float, float]] = []
        silence = rule.measure.silence
        if self.c.announce is not None and silence and silence.unless_announced is not None:
            for h in self._placed(self.c.announce, silence.unless_announced):
                who = it.turns[h.turn].speaker
                later = [t.start for t in it.turns[h.turn + 1 :] if t.speaker == who]
                nxt = min((s for s in later if s is not None), default=math.inf)
                if h.end is not None:
                    announced.append((h.end, nxt))
        j = judge(rule.measure, it.conversation, announced)
        evidence = []
        for b in j.breaches:
            turn = b.turn if b.turn is not None else _turn_at(it.turns, b.start)
            evidence.append(
                Evidence(
                    turn=turn,
                    speaker=b.speaker or (it.turns[turn].speaker if it.turns else "unknown"),
                    start=b.start,
                    end=b.end,
                    score=100.0,
                    matched=b.what,
                )
            )
        return self.result(j.outcome, j.reason, evidence)

    # -- conditional --

    def _placed(self, m: Matcher, step: rs.Step) -> list[Located]:
        """Hits by the step's speaker inside its window."""
        prep = self.prep
        return [
            h
            for h in _all_hits(prep, m)
            if speaker_ok(prep.it.turns[h.turn], step.speaker)
            and window_ok(prep, h, step.window) is None
        ]

    def conditional(self) -> tuple[RuleResult, Located | None]:
        rule, prep, ev = self.rule, self.prep, self.evidence
        when, then, m_when, m_then = rule.when, rule.then, self.c.when, self.c.then
        assert when and then and m_when and m_then
        seen_turns: set[int] = set()
        triggers = [
            t
            for t in self._placed(m_when, when)
            if not (t.turn in seen_turns or seen_turns.add(t.turn))  # one per turn
        ]
        responses = self._placed(m_then, then)
        if not triggers and then.untriggered == "required":
            if responses:
                reason = "the trigger did not occur; what it asks for was done anyway"
                return self.result("passed", reason, [ev(responses[0], m_then)]), None
            return self.result("failed", "neither the trigger nor what it asks for occurred"), None
        if not triggers:
            return self.result("not_applicable", "the triggering situation did not occur"), None
        evidence: list[Evidence] = []
        for trig in triggers:
            answer = next((r for r in responses if _follows(trig, r, then, prep) is None), None)
            if answer is not None:
                evidence += [ev(trig, m_when), ev(answer, m_then)]
                continue
            why = f"no {then.speaker} response {_limit_text(then)}"
            near = None
            if responses:
                cand = min(responses, key=lambda r: abs(r.turn - trig.turn))
                why += f"; the closest one was {_follows(trig, cand, then, prep)}"
                near = ev(cand, m_then)
            elif (b := _best(prep, m_then)) is not None:
                near = ev(b, m_then)
                why += f"; closest wording scores {b.hit.score:.0f}"
            return self.result("failed", why, [ev(trig, m_when)], near), None
        reason = f"{len(triggers)} trigger(s), each answered"
        return self.result("passed", reason, evidence), triggers[0]


def _turn_at(turns: tuple[Turn, ...], t: float | None) -> int:
    """The last turn that started by time t (the first turn if none did)."""
    if t is None:
        return 0
    started = [i for i, x in enumerate(turns) if x.start is not None and x.start <= t]
    return started[-1] if started else 0


def _near_miss(
    prep: Prepared, m: Matcher, blocker: Callable[[Located], str | None]
) -> tuple[Located, str | None] | None:
    """The closest attempt and why it did not count: exact hits that were out of place first,
    then the best fuzzy score among eligible places."""
    misplaced = [(h, blocker(h)) for h in _all_hits(prep, m)]
    misplaced = [(h, why) for h, why in misplaced if why is not None]
    if misplaced:
        return misplaced[0]
    cands = []
    for i, nt in enumerate(prep.norm):
        b = m.best(nt)
        if b is not None:
            loc = prep.locate(i, b)
            cands.append((loc, blocker(loc)))
    if not cands:
        return None
    return max(cands, key=lambda c: (c[1] is None, c[0].hit.score))


def _limit_text(then: rs.Then) -> str:
    lim = []
    if then.within_seconds:
        lim.append(f"within {then.within_seconds:g} s")
    if then.within_turns:
        lim.append(f"within {then.within_turns} turns")
    if then.within_replies:
        lim.append(f"within {then.within_replies} {then.speaker} turns")
    side = "before" if then.direction == "before" else "after"
    return " ".join([*lim, side, "it"]) if lim else f"{side} it"


def _follows(trig: Located, resp: Located, then: rs.Then, prep: Prepared) -> str | None:
    """None when `resp` answers `trig` under then's limits, else why not."""
    key_t, key_r = (trig.turn, trig.hit.start), (resp.turn, resp.hit.start)
    if then.direction == "after" and key_r <= key_t:
        return f"before it (turn {resp.turn + 1})"
    if then.direction == "before" and key_r >= key_t:
        return f"after it (turn {resp.turn + 1})"
    if then.within_turns is not None and abs(resp.turn - trig.turn) > then.within_turns:
        return f"{abs(resp.turn - trig.turn)} turns away"
    if then.within_replies is not None:
        lo, hi = sorted((trig.turn, resp.turn))
        turns = prep.it.turns
        replies = sum(speaker_ok(turns[k], then.speaker) for k in range(lo + 1, hi + 1))
        if replies > then.within_replies:
            return f"{replies} {then.speaker} turns away"
    if then.within_seconds is not None and trig.start is not None and resp.start is not None:
        gap = abs(resp.start - trig.start)
        if gap > then.within_seconds:
            return f"{gap:.0f} s away"
    return None


# ---- scorecard ------------------------------------------------------------------------------


def scorecard(results: tuple[RuleResult, ...]) -> dict[str, object]:
    """Weighted pass rate per category and overall; needs_review is pending, not counted."""

    def score(rs_: list[RuleResult]) -> dict[str, object]:
        passed = sum(r.weight for r in rs_ if r.outcome == "passed")
        failed = sum(r.weight for r in rs_ if r.outcome == "failed")
        pending = sum(r.weight for r in rs_ if r.outcome == "needs_review")
        total = passed + failed
        return {
            "score": round(100 * passed / total, 1) if total else None,
            "passed": sum(r.outcome == "passed" for r in rs_),
            "failed": sum(r.outcome == "failed" for r in rs_),
            "needs_review": sum(r.outcome == "needs_review" for r in rs_),
            "not_applicable": sum(r.outcome == "not_applicable" for r in rs_),
            "pending_weight": pending,
        }

    cats = sorted({r.category for r in results})
    return {
        "overall": score(list(results)),
        "categories": {cat: score([r for r in results if r.category == cat]) for cat in cats},
    }
