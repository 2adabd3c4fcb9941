"""Judging the limits of measured rules (rules_schema.Measure) on a conversation's figures.

Kept apart from the wording rules: these read numbers (conversation.py's), not text, and
their only use of text is a hold notice that excuses a silence. A limit on one party judged
on a mono call, where talk was given to a party by inference, is a question for a person
when that inference is unsure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import rules_schema as rs
from .types import Conversation, Role
from .vocab import Outcome

# below this confidence in who said what on a mono call, a limit on one party is not judged
MIN_ATTRIBUTION = 0.8
# an announcement counts for a silence that starts up to this long after its last word
# (word end times and voice activity disagree by a fraction of a second)
ANNOUNCE_SLACK_S = 1.0


@dataclass(frozen=True)
class Breach:
    """Where a limit was broken: a stretch of the call and who broke it."""

    start: float | None
    end: float | None
    speaker: Role | None
    what: str
    turn: int | None = None  # the turn it is about, where it is one turn


@dataclass(frozen=True)
class Judgement:
    outcome: Outcome
    reason: str
    breaches: tuple[Breach, ...] = ()


def judge(m: rs.Measure, c: Conversation | None, announced: Sequence[float] = ()) -> Judgement:
    """The outcome of one limit. `announced`: end times of what excuses a silence."""
    if c is None:
        return Judgement("not_applicable", "no times to measure the conversation from")
    if m.sentiment is not None:
        return _sentiment(m.sentiment, c)
    if c.measured_from == "chat":
        return Judgement("not_applicable", "measured on calls: a chat has no talk time")
    if m.silence is not None:
        return _silence(m.silence, c, announced)
    if m.interruptions is not None:
        j, party = _interruptions(m.interruptions, c), m.interruptions.by
    elif m.talk_ratio is not None:
        j, party = _ratio(m.talk_ratio, c), m.talk_ratio.speaker
    else:
        assert m.words_per_minute is not None
        j, party = _rate(m.words_per_minute, c), m.words_per_minute.speaker
    unsure = c.attribution == "inferred" and c.attribution_confidence < MIN_ATTRIBUTION
    if j.outcome == "failed" and unsure:
        return Judgement(
            "needs_review",
            f"{j.reason}; but on this mono call who spoke when was inferred with "
            f"confidence {c.attribution_confidence:.2f}, so the {party}'s share is unsure",
            j.breaches,
        )
    return j


def _silence(
    lim: rs.SilenceLimit, c: Conversation, announced: Sequence[tuple[float, float]]
) -> Judgement:
    long = [(a, b) for a, b in c.non_talk if b - a > lim.longer_than_seconds]
    excused = [
        (a, b)
        for a, b in long
        if any(
            a - lim.announced_within_seconds <= end <= a + ANNOUNCE_SLACK_S
            and then >= a - ANNOUNCE_SLACK_S
            for end, then in announced
        )
    ]
    breaches = tuple(
        Breach(a, b, None, f"silence of {b - a:.1f} s") for a, b in long if (a, b) not in excused
    )
    limit = f"{lim.longer_than_seconds:g} s"
    if breaches:
        n = len(breaches)
        return Judgement(
            "failed",
            f"{n} silence{'s' if n > 1 else ''} over {limit}"
            + (" with no announcement before" if lim.unless_announced else "")
            + f" (longest {max(b.end - b.start for b in breaches):.1f} s)",  # type: ignore[operator]
            breaches,
        )
    if excused:
        return Judgement(
            "passed", f"{len(excused)} silence(s) over {limit}, each announced before it"
        )
    return Judgement("passed", f"longest silence {c.longest_silence_seconds:.1f} s (limit {limit})")


def _interruptions(lim: rs.InterruptionLimit, c: Conversation) -> Judgement:
    mine = [i for i in c.interruptions if i.by == lim.by]
    other = "customer" if lim.by == "agent" else "agent"
    reason = f"the {lim.by} interrupted the {other} {len(mine)} time(s) (limit {lim.more_than})"
    if len(mine) > lim.more_than:
        return Judgement(
            "failed",
            reason,
            tuple(
                Breach(
                    i.at, i.at + i.seconds, lim.by, f"talked over the {other} for {i.seconds:.1f} s"
                )
                for i in mine
            ),
        )
    return Judgement("passed", reason)


def _ratio(lim: rs.RatioLimit, c: Conversation) -> Judgement:
    share = c.agent_talk_ratio
    if share is None:
        return Judgement("not_applicable", "nobody's talk was measured")
    if lim.speaker == "customer":
        share = round(1 - share, 3)
    said = f"the {lim.speaker} talked {100 * share:.0f}% of the time"
    if lim.above is not None and share > lim.above:
        return Judgement("failed", f"{said} (limit {100 * lim.above:.0f}%)", _whole(c, lim.speaker))
    if lim.below is not None and share < lim.below:
        return Judgement(
            "failed", f"{said} (at least {100 * lim.below:.0f}% expected)", _whole(c, lim.speaker)
        )
    return Judgement("passed", said)


def _rate(lim: rs.RateLimit, c: Conversation) -> Judgement:
    rate = c.words_per_minute(lim.speaker)
    if rate is None:
        return Judgement("not_applicable", f"too little talk by the {lim.speaker} to measure pace")
    said = f"the {lim.speaker} spoke at {rate:.0f} words a minute (limit {lim.above:g})"
    if rate > lim.above:
        return Judgement("failed", said, _whole(c, lim.speaker))
    return Judgement("passed", said)


def _sentiment(lim: rs.SentimentLimit, c: Conversation) -> Judgement:
    s = c.sentiment(lim.speaker)
    if lim.at == "any_quarter":
        scored = [(q, v) for q, v in enumerate(s["quarters"]) if v is not None]  # type: ignore[arg-type]
        if not scored:
            return _unscored(lim)
        q, value = min(scored, key=lambda x: x[1])
        where = f"in quarter {q + 1}"
    else:
        value = s["end" if lim.at == "end" else "mean"]  # type: ignore[assignment]
        if value is None:
            return _unscored(lim)
        where = "at the end" if lim.at == "end" else "overall"
    said = f"the {lim.speaker}'s sentiment {where} was {value:+.2f} (floor {lim.below:+.2f})"
    if value < lim.below:
        turns = [f for f in c.turns if f.speaker == lim.speaker and f.sentiment is not None]
        if lim.at == "end":
            turns = turns[-3:]
        worst = min(turns, key=lambda f: f.sentiment or 0.0)
        return Judgement(
            "failed",
            said,
            (Breach(None, None, lim.speaker, f"sentiment {worst.sentiment:+.2f}", worst.turn),),
        )
    return Judgement("passed", said)


def _unscored(lim: rs.SentimentLimit) -> Judgement:
    return Judgement("not_applicable", f"no turn of the {lim.speaker} could be scored")


def _whole(c: Conversation, role: Role) -> tuple[Breach, ...]:
    talk = c.talk(role)
    if not talk:
        return ()
    return (Breach(talk[0][0], talk[-1][1], role, f"the {role}'s talk"),)
