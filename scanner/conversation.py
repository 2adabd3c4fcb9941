"""How a conversation was conducted: silence, talk-over, talk share, speaking rate, loudness.

Speech and silence come from voice activity per channel (what was heard), not from recognised
words, because words get dropped: a stretch whisper missed is still talk, not dead air. On a
mono call the one stream of activity is given to a party by the turns it overlaps, and the
figures say how sure that attribution is. A transcript with times but no audio is measured
from its turn times; a chat with times gets response delays instead. Every definition is in
docs/formats.md ("conversation").
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .sentiment import score_turns
from .types import (
    PARTIES,
    Conversation,
    Interaction,
    Interruption,
    Role,
    Span,
    Turn,
    TurnFigures,
    words_per_minute,
)

# a silence in which neither party speaks counts as non-talk time from this long (AWS and
# the Chinese QA products use 2-5 s)
NON_TALK_MIN_S = 3.0
# an interruption: the other party was at least this far into a stretch of speech...
MID_UTTERANCE_S = 0.5
# ...and both then talked together at least this long ("mm" over the other is not one)
MIN_TALK_OVER_S = 0.6
# on a mono call, activity this close to a turn of one party is that party's
ATTRIBUTE_REACH_S = 1.0
SAMPLE_RATE = 16000


def measure_audio(
    it: Interaction,
    activity: Sequence[Sequence[Span]],
    samples: Sequence[np.ndarray] = (),
    sentiment: Sequence[float | None] = (),
) -> Conversation:
    """Figures for a call from the voice activity of each channel. Two channels: each is one
    party (the interaction's agent channel); one channel: activity goes to the party whose
    turns it overlaps, with the speaker attribution's confidence."""
    if len(activity) == 2:
        agent_ch = it.speakers.agent_channel if it.speakers.agent_channel is not None else 0
        agent = _union(activity[agent_ch])
        customer = _union(activity[1 - agent_ch])
        method = "channel"
    else:
        agent, customer = _attribute(_union(activity[0] if activity else ()), it.turns)
        method = "inferred"
    everything = _union([*activity[0], *(activity[1] if len(activity) == 2 else ())])
    return _conversation(
        it,
        "voice-activity",
        method,
        it.speakers.confidence,
        agent,
        customer,
        everything,
        samples,
        sentiment,
    )


def measure_turns(it: Interaction, sentiment: Sequence[float | None] = ()) -> Conversation | None:
    """Figures from the turns' own times: a timed transcript of a call is measured like a
    call (talk is its turns' spans); a chat with times gets response delays. None when the
    turns have no times and no sentiment was scored."""
    timed = all(t.start is not None for t in it.turns) and bool(it.turns)
    if it.medium == "voice" and timed and all(t.end is not None for t in it.turns):
        spans = {r: _union([_span(t) for t in it.turns if t.speaker == r]) for r in PARTIES}
        everything = _union([_span(t) for t in it.turns])
        return _conversation(
            it,
            "turn-times",
            "label",
            it.speakers.confidence,
            spans["agent"],
            spans["customer"],
            everything,
            (),
            sentiment,
        )
    if not timed and not any(s is not None for s in sentiment):
        return None
    return Conversation(
        "chat",
        it.speakers.method,
        it.speakers.confidence,
        turns=_turn_figures(it, (), sentiment),
        response_delays=_response_delays(it.turns) if timed else (),
    )


def with_figures(it: Interaction) -> Interaction:
    """A text interaction (transcript, rule example) with its figures measured from its
    turns and their sentiment scored."""
    felt = score_turns([t.text for t in it.turns], [t.speaker for t in it.turns])
    return replace(it, conversation=measure_turns(it, felt))


def _conversation(
    it: Interaction,
    measured_from: str,
    method: str,
    confidence: float,
    agent: list[Span],
    customer: list[Span],
    everything: list[Span],
    samples: Sequence[np.ndarray],
    sentiment: Sequence[float | None],
) -> Conversation:
    span = (everything[0][0], everything[-1][1]) if everything else None
    return Conversation(
        measured_from,
        method,
        confidence,
        span=_rounded([span])[0] if span else None,
        agent_talk=_rounded(agent),
        customer_talk=_rounded(customer),
        non_talk=_rounded(_gaps(everything, NON_TALK_MIN_S)),
        overlaps=_rounded(_intersect(agent, customer)),
        interruptions=tuple(
            sorted(
                [
                    *_interruptions("agent", agent, customer),
                    *_interruptions("customer", customer, agent),
                ],
                key=lambda i: i.at,
            )
        ),
        turns=_turn_figures(it, samples, sentiment),
        non_talk_min_seconds=NON_TALK_MIN_S,
    )


# ---- spans ----------------------------------------------------------------------------------


def _span(t: Turn) -> Span:
    start = t.start or 0.0
    return (start, max(start, t.end if t.end is not None else start))


def _union(spans: Sequence[Span]) -> list[Span]:
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out if b > a]


def _intersect(xs: list[Span], ys: list[Span]) -> list[Span]:
    out, i, j = [], 0, 0
    while i < len(xs) and j < len(ys):
        a, b = max(xs[i][0], ys[j][0]), min(xs[i][1], ys[j][1])
        if b > a:
            out.append((a, b))
        if xs[i][1] < ys[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(spans: Sequence[Span], holes: Sequence[Span]) -> list[Span]:
    """What of `spans` no hole covers."""
    out = []
    holes = sorted(holes)
    for a, b in spans:
        cur = a
        for h0, h1 in holes:
            if h1 <= cur or h0 >= b:
                continue
            if h0 > cur:
                out.append((cur, h0))
            cur = max(cur, h1)
            if cur >= b:
                break
        if cur < b:
            out.append((cur, b))
    return out


def _gaps(spans: list[Span], at_least: float) -> list[Span]:
    """Silences between the first and the last speech, at_least long."""
    return [(b, c) for (_, b), (c, _) in itertools.pairwise(spans) if c - b >= at_least]


def _rounded(spans: Sequence[Span]) -> tuple[Span, ...]:
    return tuple((round(a, 2), round(b, 2)) for a, b in spans)


def _interruptions(by: Role, mine: list[Span], theirs: list[Span]) -> list[Interruption]:
    """Each stretch `by` starts while the other party is MID_UTTERANCE_S into theirs and both
    go on together at least MIN_TALK_OVER_S."""
    out = []
    for a, b in mine:
        for c, d in theirs:
            if c + MID_UTTERANCE_S <= a < d:
                together = min(b, d) - a
                if together >= MIN_TALK_OVER_S:
                    out.append(Interruption(by, round(a, 2), round(together, 2)))
                break
    return out


def _attribute(activity: list[Span], turns: Sequence[Turn]) -> tuple[list[Span], list[Span]]:
    """Mono: activity inside (or within ATTRIBUTE_REACH_S of) a party's turns is that
    party's; what lies near neither stays talk of nobody known (it still is not silence)."""
    spans = {
        r: _union([_span(t) for t in turns if t.speaker == r and t.start is not None])
        for r in PARTIES
    }
    near = {
        r: _union([(a - ATTRIBUTE_REACH_S, b + ATTRIBUTE_REACH_S) for a, b in spans[r]])
        for r in PARTIES
    }
    agent = _intersect(activity, spans["agent"])
    customer = _intersect(activity, spans["customer"])
    rest = subtract(activity, _union([*spans["agent"], *spans["customer"]]))
    # what no turn covers goes to the one party near it (if both are near, to neither)
    only_agent = subtract(_intersect(rest, near["agent"]), near["customer"])
    only_customer = subtract(_intersect(rest, near["customer"]), near["agent"])
    return _union([*agent, *only_agent]), _union([*customer, *only_customer])


# ---- per turn -------------------------------------------------------------------------------


def _turn_figures(
    it: Interaction, samples: Sequence[np.ndarray], sentiment: Sequence[float | None]
) -> tuple[TurnFigures, ...]:
    duration = it.duration or max((t.end or t.start or 0.0 for t in it.turns), default=0.0)
    n = len(it.turns)
    out = []
    for i, t in enumerate(it.turns):
        words = len(t.words) if t.words else len(t.text.split())
        if t.start is not None and duration:
            mid = (t.start + (t.end if t.end is not None else t.start)) / 2
            quarter = min(3, int(4 * mid / duration))
        else:
            quarter = min(3, 4 * i // max(1, n))
        out.append(
            TurnFigures(
                turn=i,
                speaker=t.speaker,
                words=words,
                quarter=quarter,
                words_per_minute=_turn_rate(t, words),
                loudness_db=_loudness(t, samples),
                sentiment=sentiment[i] if i < len(sentiment) else None,
            )
        )
    return tuple(out)


def _turn_rate(t: Turn, words: int) -> float | None:
    if t.words:
        start, end = t.words[0].start, t.words[-1].end
    elif t.start is not None and t.end is not None:
        start, end = t.start, t.end
    else:
        return None
    return words_per_minute(words, end - start)


def _loudness(t: Turn, samples: Sequence[np.ndarray]) -> float | None:
    """dBFS of the turn's channel over its span (RMS)."""
    if not samples or t.start is None or t.end is None:
        return None
    ch = samples[t.channel] if t.channel is not None and t.channel < len(samples) else samples[0]
    piece = ch[int(t.start * SAMPLE_RATE) : int(t.end * SAMPLE_RATE)]
    if not len(piece):
        return None
    rms = float(np.sqrt(np.mean(np.square(piece, dtype=np.float64))))
    return round(20 * math.log10(rms), 1) if rms > 1e-6 else -120.0


def _response_delays(turns: Sequence[Turn]) -> tuple[tuple[Role, float, float, int], ...]:
    """Per party: how long it took to answer the other party's last message."""
    waits: dict[Role, list[float]] = {"agent": [], "customer": []}
    for prev, t in itertools.pairwise(turns):
        if t.speaker in waits and prev.speaker not in (t.speaker, "unknown"):
            since = prev.end if prev.end is not None else prev.start
            if t.start is not None and since is not None and t.start >= since:
                waits[t.speaker].append(t.start - since)
    return tuple(
        (r, round(sum(w) / len(w), 1), round(max(w), 1), len(w)) for r, w in waits.items() if w
    )
