"""Who said what: channel mapping for stereo calls, voice pitch plus wording for mono ones.

Stereo call recorders put agent and customer on separate channels, so roles come for free once
we know which channel is the agent. A mono recording has to be split: we cut the recognised
speech into utterances at pauses, separate two voices by their pitch, and then decide which
voice is the agent from what it says (the one that greets on behalf of the organisation, states
the recording notice, offers further help). Every inference is marked with its confidence and
the evidence behind it so a reviewer can judge it; no words of the call are quoted there.
"""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import pairwise

import numpy as np

from .audio import SAMPLE_RATE
from .types import Role, SpeakerMapping, Turn, Word

# consecutive segments of one speaker closer than this are one turn
MERGE_GAP_S = 2.0
# a pause this long inside a mono segment may be a change of speaker
SPLIT_GAP_S = 0.45
# two voices closer than this in median pitch cannot be told apart reliably
MIN_SEMITONES = 2.5

AGENT_CUES = tuple(
    re.compile(p)
    for p in (
        r"\bthank(s| you) for (calling|contacting|holding|waiting)\b",
        r"\b(calling|call) (you )?(from|on behalf of)\b",
        r"\bthis is \w+( \w+)? (calling )?(from|at|with)\b",
        r"\byou(\'re| are) (through|speaking|chatting) (to|with)\b",
        r"\bmy name is \w+,? (and i'?m |i'?m )?(calling )?(from|with|at)\b",
        r"\b(this|the|your) call (may|will|is going to) be (recorded|monitored)\b",
        r"\bcalls? (are|is) recorded\b",
        r"\bhow (can|may) i help\b",
        r"\b(is there )?anything else i can (help|do|assist)\b",
        r"\bcan i (take|have|confirm) your\b",
        r"\bfor security\b",
        r"\bthis is an attempt to collect a debt\b",
        r"\b(complaint|reference) number is\b",
        r"\bhave a (good|great|nice|lovely) (day|evening|afternoon)\b",
        r"\byou owe\b",
        r"\b(am i|i am) speaking (with|to)\b",
    )
)
CUSTOMER_CUES = tuple(
    re.compile(p)
    for p in (
        r"\bi('d| would) like to (make a )?complain",
        r"\bi want to (make a )?complain",
        r"\bi (can'?t|cannot) (afford|pay)\b",
        r"\bmy (card|account) number is\b",
        r"\bmy (date of birth|postcode|zip code|email|phone number|address) is\b",
        r"\bmy (social security|national insurance|ssn) number\b",
        r"\bmy (husband|wife|partner|mother|father|son|daughter) (has )?(passed away|died)\b",
        r"\bi want my money back\b",
        r"\bi (lost|have lost) my job\b",
        r"\bi('m| am) calling (about|because|to)\b",
    )
)


def assign_by_channel(
    channel_turns: list[list[Turn]], agent_channel: int, configured: bool
) -> tuple[tuple[Turn, ...], SpeakerMapping]:
    """Stereo: the agent's channel is known; merge both sides by time."""
    roles: dict[int, Role] = {agent_channel: "agent", 1 - agent_channel: "customer"}
    # whisper may join speech from either side of the other party's turn into one segment
    turns = [
        replace(piece, speaker=roles[ch], speaker_confidence=1.0)
        for ch, segs in enumerate(channel_turns)
        for t in segs
        for piece in split_at_pauses(t)
    ]
    scores = [_cue_score(segs) for segs in channel_turns]
    side = ("left", "right")
    evidence = [
        f"agent on the {side[agent_channel]} channel "
        + ("(from metadata)" if configured else "(default: left = agent)"),
        f"agent wording on left: {scores[0]:+d}, right: {scores[1]:+d}",
    ]
    confidence = 1.0
    if scores[1 - agent_channel] > max(scores[agent_channel], 0):
        evidence.append(
            f"warning: the wording suggests the agent is on the {side[1 - agent_channel]} channel;"
            " check the channel mapping"
        )
        confidence = 0.5
    mapping = SpeakerMapping("channel", confidence, agent_channel, tuple(evidence))
    return merge_turns(turns), mapping


def infer_roles(
    segments: list[Turn], samples: np.ndarray | None
) -> tuple[tuple[Turn, ...], SpeakerMapping]:
    """Mono: give every recognised word the median pitch of its voiced frames, split the words
    into two pitch groups, cut turns where the group changes, then name the agent's voice by
    what it says. Word medians are robust to the octave slips single frames make."""
    if not any(seg.text for seg in segments):
        return (), SpeakerMapping("inferred", 0.0, None, ("no speech recognised",))
    evidence: list[str] = []
    word_semis: list[list[float | None]] | None = None
    threshold = 0.0
    if samples is not None:
        f0 = pitch_track(samples, [(w.start, w.end) for seg in segments for w in seg.words])
        word_semis = [[_span_semitones(f0, w.start, w.end) for w in seg.words] for seg in segments]
        known = np.array([v for seg in word_semis for v in seg if v is not None])
        if len(known) >= 6:
            threshold, gap = _two_groups(known)
            if gap >= MIN_SEMITONES:
                lo = 2 ** (np.median(known[known <= threshold]) / 12)
                hi = 2 ** (np.median(known[known > threshold]) / 12)
                evidence.append(
                    f"two voices told apart by pitch: {lo:.0f} Hz and {hi:.0f} Hz "
                    f"({gap:.1f} semitones apart)"
                )
            else:
                evidence.append(f"voices not separable by pitch ({gap:.1f} semitones apart)")
                word_semis = None
        else:
            evidence.append("too little voiced speech to tell voices apart by pitch")
            word_semis = None
    if word_semis is not None:
        pieces, labels, margin = _split_by_voice(segments, word_semis, threshold)
        roles, confidence, more = _roles_from_voices(pieces, labels, margin)
    else:
        pieces = [u for seg in segments for u in split_at_pauses(seg)]
        roles, confidence, more = _roles_from_wording(pieces)
    evidence.extend(more)
    turns = [
        replace(u, speaker=r, speaker_confidence=round(c, 2))
        for u, r, c in zip(pieces, roles, confidence)
    ]
    overall = float(np.mean(confidence)) if confidence else 0.0
    return merge_turns(turns), SpeakerMapping("inferred", round(overall, 2), None, tuple(evidence))


def _span_semitones(f0: np.ndarray, start: float, end: float) -> float | None:
    span = f0[int(start * 100) : int(end * 100) + 1]
    span = span[~np.isnan(span)]
    if len(span) < 3:
        return None
    hz = float(np.median(span))
    if not _PLAUSIBLE_HZ[0] <= hz <= _PLAUSIBLE_HZ[1]:
        return None
    return float(12 * np.log2(hz))


def _split_by_voice(
    segments: list[Turn], word_semis: list[list[float | None]], threshold: float
) -> tuple[list[Turn], list[int | None], list[float]]:
    """Label every word with a voice and cut segments where the voice changes.

    Single words misjudge pitch (an octave slip, a creaky syllable), so the labels come from a
    two-state Viterbi pass over all words in time order: each word costs its distance from a
    voice's typical pitch, and changing voice costs little across a pause but a lot between
    words spoken back to back. Returns pieces, their labels and how far (in semitones) their
    pitch sits from the dividing line.
    """
    known = np.array([v for seg in word_semis for v in seg if v is not None])
    centres = (
        float(np.median(known[known <= threshold])),
        float(np.median(known[known > threshold])),
    )
    flat = [(si, wi) for si, seg in enumerate(segments) for wi in range(len(seg.words))]
    labels_flat = _viterbi(
        [word_semis[si][wi] for si, wi in flat],
        [segments[si].words[wi] for si, wi in flat],
        centres,
    )
    by_seg: dict[int, list[int]] = {}
    for (si, _), lab in zip(flat, labels_flat):
        by_seg.setdefault(si, []).append(lab)
    pieces: list[Turn] = []
    labels: list[int | None] = []
    margins: list[float] = []
    for si, seg in enumerate(segments):
        if not seg.words:
            pieces.append(seg)
            labels.append(None)
            margins.append(0.0)
            continue
        labs, semis = by_seg[si], word_semis[si]
        start = 0
        for i in range(1, len(labs) + 1):
            if i == len(labs) or labs[i] != labs[start]:
                words = seg.words[start:i]
                voiced = [v for v in semis[start:i] if v is not None]
                pieces.append(
                    replace(
                        seg,
                        text=" ".join(w.text for w in words),
                        start=words[0].start,
                        end=words[-1].end,
                        words=words,
                    )
                )
                labels.append(labs[start])
                margins.append(abs(float(np.median(voiced)) - threshold) if voiced else 0.0)
                start = i
    return pieces, labels, margins


# switching voice between words with no pause costs this much (in semitone units) ...
_SWITCH_COST_TIGHT = 6.0
# ... and this much across a pause at least _PAUSE_S long
_SWITCH_COST_PAUSE = 0.5
_PAUSE_S = 0.25


def _viterbi(
    semis: list[float | None], words: list[Word], centres: tuple[float, float]
) -> list[int]:
    if not semis:
        return []

    def emit(v: float | None) -> np.ndarray:
        if v is None:
            return np.zeros(2)
        return np.minimum([abs(v - centres[0]), abs(v - centres[1])], 6.0)

    cost = emit(semis[0])
    back: list[np.ndarray] = []
    for i in range(1, len(semis)):
        gap = words[i].start - words[i - 1].end
        switch = _SWITCH_COST_PAUSE if gap >= _PAUSE_S else _SWITCH_COST_TIGHT
        stay = cost
        swap = cost[::-1] + switch
        back.append(np.where(stay <= swap, np.arange(2), 1 - np.arange(2)))
        cost = np.minimum(stay, swap) + emit(semis[i])
    state = int(np.argmin(cost))
    path = [state]
    for b in reversed(back):
        state = int(b[state])
        path.append(state)
    return path[::-1]


def _roles_from_voices(
    pieces: list[Turn], labels: list[int | None], margin: list[float]
) -> tuple[list[Role], list[float], list[str]]:
    score = [0, 0]
    for u, lab in zip(pieces, labels):
        if lab is not None:
            score[lab] += _cue_score([u])
    first = next((lab for lab in labels if lab is not None), 0)
    if score[0] == score[1]:
        agent = first
        why = "no wording tells the voices apart; the voice that speaks first is taken as the agent"
        cue_conf = 0.55
    else:
        agent = 0 if score[0] > score[1] else 1
        why = (
            f"agent wording: lower voice {score[0]:+d}, higher voice {score[1]:+d}; "
            f"the {'lower' if agent == 0 else 'higher'} voice is the agent"
        )
        cue_conf = min(0.99, 0.7 + 0.08 * abs(score[0] - score[1]))
    roles: list[Role] = []
    conf: list[float] = []
    for i, lab in enumerate(labels):
        if lab is None:  # too little voiced speech: the nearest labelled neighbour's role
            lab = _nearest_label(pieces, labels, i)
            roles.append("agent" if lab == agent else "customer")
            conf.append(0.4)
        else:
            roles.append("agent" if lab == agent else "customer")
            conf.append(cue_conf * min(1.0, 0.5 + margin[i] / 4))
    return roles, conf, [why]


def _nearest_label(utterances: list[Turn], labels: list[int | None], i: int) -> int:
    best, best_gap = None, float("inf")
    for j, lab in enumerate(labels):
        if lab is None or j == i:
            continue
        a, b = utterances[i], utterances[j]
        gap = (b.start - a.end) if j > i else (a.start - b.end)  # type: ignore[operator]
        if gap < best_gap:
            best, best_gap = lab, gap
    return best if best is not None else 0


def _roles_from_wording(utterances: list[Turn]) -> tuple[list[Role], list[float], list[str]]:
    roles: list[Role] = []
    conf: list[float] = []
    for u in utterances:
        s = _cue_score([u])
        if s:
            roles.append("agent" if s > 0 else "customer")
            conf.append(0.6)
        else:
            prev = roles[-1] if roles else "agent"
            roles.append(("customer" if prev == "agent" else "agent") if roles else prev)
            conf.append(0.35)
    return roles, conf, ["roles from wording, alternating between pauses where it says nothing"]


def _cue_score(turns: list[Turn]) -> int:
    score = 0
    for t in turns:
        text = _plain(t.text)
        score += sum(bool(p.search(text)) for p in AGENT_CUES)
        score -= sum(bool(p.search(text)) for p in CUSTOMER_CUES)
    return score


def _plain(text: str) -> str:
    return re.sub(r"[^\w' ]+", " ", text.lower()).replace("  ", " ")


def _two_groups(values: np.ndarray) -> tuple[float, float]:
    """Otsu split of 1-D values: the threshold and the gap between the two group means."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    n = len(v)
    if n < 2:
        return (float(v[0]) if n else 0.0), 0.0
    k = np.arange(1, n)
    csum = np.cumsum(v)
    mean_a = csum[:-1] / k
    mean_b = (csum[-1] - csum[:-1]) / (n - k)
    between = k * (n - k) * (mean_b - mean_a) ** 2
    best = int(np.argmax(between))
    return float((v[best] + v[best + 1]) / 2), float(mean_b[best] - mean_a[best])


def split_at_pauses(segment: Turn) -> list[Turn]:
    """Cut a segment where its words pause long enough for the other party to speak."""
    words = segment.words
    if len(words) < 2:
        return [segment]
    groups: list[list[Word]] = [[words[0]]]
    for prev, w in pairwise(words):
        if w.start - prev.end >= SPLIT_GAP_S:
            groups.append([])
        groups[-1].append(w)
    if len(groups) == 1:
        return [segment]
    return [
        replace(
            segment,
            text=" ".join(w.text for w in g),
            start=g[0].start,
            end=g[-1].end,
            words=tuple(g),
        )
        for g in groups
    ]


# YIN's dip threshold: on telephone audio a low voice's harmonics make shallow dips at a half
# or a third of its period, which a loose threshold (the usual 0.1-0.2) takes for the pitch;
# measured on the eval calls (bench: 8 mono calls of the piper/flite pair), 0.2 put 16% of
# voiced frames over 250 Hz where neither voice goes, 0.05 with the deepest dip as fallback 8%
_YIN_THRESHOLD = 0.05
_YIN_FALLBACK = 0.25
# a word whose median pitch is outside this range is an octave slip, not a voice
_PLAUSIBLE_HZ = (60.0, 300.0)


def pitch_track(samples: np.ndarray, spans: list[tuple[float, float]] | None = None) -> np.ndarray:
    """F0 in Hz for every 10 ms frame (NaN where quiet or unvoiced, or outside `spans`, the
    stretches in seconds that are asked about: the words, when voices are told apart), by YIN.

    YIN's cumulative-mean-normalised difference takes the first clear dip, which avoids the
    octave errors plain autocorrelation makes on telephone audio, where the fundamental itself
    is filtered out and only its harmonics remain.
    """
    frame, hop = 800, 160  # 50 ms windows every 10 ms
    lo, hi = SAMPLE_RATE // 400, SAMPLE_RATE // 60  # lags for 400 Hz down to 60 Hz
    n = 1 + (len(samples) - frame - hi) // hop if len(samples) >= frame + hi else 0
    f0 = np.full(max(n, 0), np.nan)
    if n <= 0:
        return f0
    starts = hop * np.arange(n)
    # energy of each frame from the energies of its five hops, a block at a time: no float64
    # copy of the whole recording (a 4-hour call is 1.8 GB of it)
    total, block = (n + frame // hop - 1) * hop, 100_000 * hop
    per_hop = np.concatenate(
        [
            np.square(samples[i : min(i + block, total)], dtype=np.float64)
            .reshape(-1, hop)
            .sum(axis=1)
            for i in range(0, total, block)
        ]
    )
    sums = np.concatenate([[0.0], np.cumsum(per_hop)])
    energy = sums[np.arange(n) + frame // hop] - sums[:n]
    loud = energy > max(float(np.percentile(energy, 99)) * 0.01, 1e-6)
    if spans is not None:  # the YIN search is the cost: only where it will be read
        asked = np.zeros(n, dtype=bool)
        for a, b in spans:
            asked[max(0, int(a * 100)) : max(0, int(b * 100) + 1)] = True
        loud &= asked
    taus = np.arange(hi + 1)
    for chunk in np.array_split(np.nonzero(loud)[0], max(1, int(loud.sum()) // 2000)):
        if len(chunk) == 0:
            continue
        first = int(starts[chunk[0]])  # the chunk's stretch is read once (slices only: the
        stretch = samples[first : int(starts[chunk[-1]]) + frame + hi]  # audio may be on disk)
        idx = (starts[chunk] - first)[:, None] + np.arange(frame + hi)[None, :]
        frames = stretch[idx].astype(np.float64)
        size = 2 * (frame + hi)
        cross = np.fft.irfft(
            np.conj(np.fft.rfft(frames[:, :frame], size, axis=1))
            * np.fft.rfft(frames, size, axis=1),
            axis=1,
        )[:, : hi + 1]
        sq = np.concatenate([np.zeros((len(frames), 1)), np.cumsum(frames**2, axis=1)], axis=1)
        d = sq[:, [frame]] + (sq[:, taus + frame] - sq[:, taus]) - 2 * cross
        d[:, 0] = 0
        cmnd = np.ones_like(d)  # cmnd[:, tau] for tau = 0..hi
        cmnd[:, 1:] = d[:, 1:] * taus[1:] / np.maximum(np.cumsum(d[:, 1:], axis=1), 1e-12)
        below = cmnd[:, lo:] < _YIN_THRESHOLD
        first = lo + np.argmax(below, axis=1)
        deepest = lo + np.argmin(cmnd[:, lo:], axis=1)
        for row, tau, ok, low, frame_no in zip(cmnd, first, below.any(axis=1), deepest, chunk):
            if not ok:  # no clear dip: the deepest one, if it is deep enough
                if row[low] > _YIN_FALLBACK:
                    continue
                tau = low
            while tau + 1 <= hi and row[tau + 1] < row[tau]:  # walk down to the dip's bottom
                tau += 1
            f0[frame_no] = SAMPLE_RATE / tau
    return f0


def median_pitch(samples: np.ndarray, start: float | None, end: float | None) -> float | None:
    """Median F0 (Hz) between start and end; None with under a quarter second voiced."""
    if start is None or end is None:
        return None
    f0 = pitch_track(samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)])
    f0 = f0[~np.isnan(f0)]
    return float(np.median(f0)) if len(f0) >= 25 else None


def merge_turns(turns: list[Turn]) -> tuple[Turn, ...]:
    """Order by time and join consecutive pieces of one speaker into one turn."""
    ordered = sorted(turns, key=lambda t: (t.start if t.start is not None else 0.0, t.channel or 0))
    out: list[Turn] = []
    for t in ordered:
        last = out[-1] if out else None
        if (
            last is not None
            and last.speaker == t.speaker
            and last.end is not None
            and t.start is not None
            and t.start - last.end <= MERGE_GAP_S
        ):
            out[-1] = replace(
                last,
                text=f"{last.text} {t.text}",
                end=max(last.end, t.end or last.end),
                words=last.words + t.words,
                speaker_confidence=min(last.speaker_confidence, t.speaker_confidence),
                flags=tuple(dict.fromkeys(last.flags + t.flags)),
            )
        else:
            out.append(t)
    return tuple(out)
