"""The data every stage passes along: frozen, so no stage can quietly edit another's output.

Audio and text interactions share one shape, so rules and redaction never care where a turn
came from. Times are seconds from the start of the interaction; untimed text has None.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .vocab import Medium, Outcome

Role = Literal["agent", "customer", "unknown"]
RoleMethod = Literal["channel", "label", "inferred"]


@dataclass(frozen=True)
class Word:
    """One recognised word with its audio times, kept for audio redaction later."""

    text: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Turn:
    """One speaker's stretch of talk (a chat message, or merged ASR segments)."""

    speaker: Role
    text: str
    start: float | None = None
    end: float | None = None
    words: tuple[Word, ...] = ()
    channel: int | None = None
    speaker_confidence: float = 1.0
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class SpeakerMapping:
    """How roles were assigned, so a reviewer can judge whether to trust them."""

    method: RoleMethod
    confidence: float
    agent_channel: int | None = None
    evidence: tuple[str, ...] = ()


Span = tuple[float, float]
PARTIES: tuple[Role, Role] = ("agent", "customer")
# a pace needs this much time and this many words to mean anything (a two-word turn says nothing)
MIN_RATE_SECONDS = 2.0
MIN_RATE_WORDS = 4


def words_per_minute(words: int, seconds: float) -> float | None:
    """Rate over a stretch of speech; None where it is too short to say."""
    if seconds < MIN_RATE_SECONDS or words < MIN_RATE_WORDS:
        return None
    return round(words / seconds * 60, 1)


@dataclass(frozen=True)
class Interruption:
    """`by` started talking at `at` while the other party was mid-utterance; both talked
    together for `seconds`."""

    by: Role
    at: float
    seconds: float


@dataclass(frozen=True)
class TurnFigures:
    """One turn's speaking rate, loudness (dBFS of its channel over its span), sentiment
    (-1..1) and the quarter of the interaction its middle falls in (0-3)."""

    turn: int
    speaker: Role
    words: int
    quarter: int
    words_per_minute: float | None = None
    loudness_db: float | None = None
    sentiment: float | None = None


@dataclass(frozen=True)
class Conversation:
    """How the interaction was conducted (conversation.py measures it). `measured_from`:
    "voice-activity" (audio), "turn-times" (a timed transcript) or "chat" (message times:
    response delays, no talk time); `attribution`: how talk was given to a party ("channel",
    "inferred" on a mono call, "label")."""

    measured_from: str
    attribution: str
    attribution_confidence: float
    span: Span | None = None  # first to last speech
    agent_talk: tuple[Span, ...] = ()
    customer_talk: tuple[Span, ...] = ()
    non_talk: tuple[Span, ...] = ()
    overlaps: tuple[Span, ...] = ()
    interruptions: tuple[Interruption, ...] = ()
    turns: tuple[TurnFigures, ...] = ()
    # per party replying: (party, mean delay s, longest delay s, replies) for chats with times
    response_delays: tuple[tuple[Role, float, float, int], ...] = ()
    non_talk_min_seconds: float = 3.0

    def talk(self, role: str) -> tuple[Span, ...]:
        return self.agent_talk if role == "agent" else self.customer_talk

    @property
    def non_talk_seconds(self) -> float:
        return round(sum((b - a for a, b in self.non_talk), 0.0), 2)

    @property
    def longest_silence_seconds(self) -> float:
        return round(max((b - a for a, b in self.non_talk), default=0.0), 2)

    @property
    def overlap_seconds(self) -> float:
        return round(sum((b - a for a, b in self.overlaps), 0.0), 2)

    def talk_seconds(self, role: str) -> float:
        return round(sum((b - a for a, b in self.talk(role)), 0.0), 2)

    @property
    def agent_talk_ratio(self) -> float | None:
        a, c = self.talk_seconds("agent"), self.talk_seconds("customer")
        return round(a / (a + c), 3) if a + c > 0 else None

    def interruptions_by(self, role: str) -> int:
        return sum(1 for i in self.interruptions if i.by == role)

    def words_per_minute(self, role: str) -> float | None:
        """Words the party said over the time it talked; None on too little talk."""
        words = sum(f.words for f in self.turns if f.speaker == role)
        return words_per_minute(words, self.talk_seconds(role))

    def sentiment(self, role: str) -> dict[str, object]:
        """The party's mean turn sentiment per quarter, overall, and at the end (its last
        three scored turns)."""
        scored = [f for f in self.turns if f.speaker == role and f.sentiment is not None]

        def mean(fs: list[TurnFigures]) -> float | None:
            return round(sum(f.sentiment or 0.0 for f in fs) / len(fs), 3) if fs else None

        return {
            "quarters": [mean([f for f in scored if f.quarter == q]) for q in range(4)],
            "mean": mean(scored),
            "end": mean(scored[-3:]),
        }


@dataclass(frozen=True)
class Metadata:
    """What the contact centre knows about an interaction (sidecar file or batch CSV).

    In a worker it holds every column, so rules can use any of them; what leaves the worker
    holds only the safe columns and those the user kept by name (`metadata.restrict`), and
    `dropped` names the others (never their values)."""

    agent_channel: int | None = None
    agent_id: str | None = None
    team: str | None = None
    campaign: str | None = None
    date: str | None = None
    language: str | None = None
    extra: tuple[tuple[str, str], ...] = ()
    dropped: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, str | int]:
        out: dict[str, str | int] = {
            k: v
            for k, v in (
                ("agent_channel", self.agent_channel),
                ("agent_id", self.agent_id),
                ("team", self.team),
                ("campaign", self.campaign),
                ("date", self.date),
                ("language", self.language),
            )
            if v is not None
        }
        out.update(dict(self.extra))
        return out


@dataclass(frozen=True)
class Source:
    """Which file an interaction came from; the hash lets a re-scan spot a changed file."""

    path: str
    kind: Literal["audio", "transcript"]
    format: str
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Interaction:
    """One call or chat, ready for redaction and rules."""

    id: str
    source: Source
    medium: Medium
    turns: tuple[Turn, ...]
    speakers: SpeakerMapping
    metadata: Metadata = field(default_factory=Metadata)
    duration: float | None = None
    channels: int = 1
    language: str | None = None
    # speech that voice activity detection found and no word accounts for (start, end s):
    # masked in redacted audio whatever the transcript says, since nobody knows what was said
    untranscribed: tuple[tuple[float, float], ...] = ()
    # why the transcript cannot be trusted whole (a channel with speech came back empty):
    # every verdict on it becomes needs_review
    review: tuple[str, ...] = ()
    # silence, talk-over, talk share, speaking rate, sentiment (None: not measured)
    conversation: Conversation | None = None

    @classmethod
    def from_turns(
        cls,
        turns: Iterable[Turn],
        *,
        id: str = "text",
        medium: Medium = "chat",
        metadata: Metadata | None = None,
        source: Source | None = None,
        speakers: SpeakerMapping | None = None,
        duration: float | None = None,
        channels: int = 1,
        language: str | None = None,
        review: tuple[str, ...] = (),
    ) -> Interaction:
        """The one way to build an interaction from turns: the duration defaults to the last
        time any turn holds, the source to a placeholder naming the id, roles to labels."""
        turns = tuple(turns)
        if duration is None:
            ends = [t.end if t.end is not None else t.start for t in turns]
            known = [e for e in ends if e is not None]
            duration = max(known) if known else None
        return cls(
            id=id,
            source=source or Source(id, "transcript", "text", "", 0),
            medium=medium,
            turns=turns,
            speakers=speakers or SpeakerMapping("label", 1.0),
            metadata=metadata or Metadata(),
            duration=duration,
            channels=channels,
            language=language,
            review=review,
        )


@dataclass(frozen=True)
class FileError:
    """A per-file failure as written to results: a stable code and a message without content."""

    code: str
    message: str
    path: str


@dataclass(frozen=True)
class ScanResult:
    """The outcome for one input file: an interaction or an error, and where it was written."""

    id: str
    path: str
    interaction: Interaction | None = None
    error: FileError | None = None
    output: str | None = None
    timings: tuple[tuple[str, float], ...] = ()
    rules: tuple[RuleResult, ...] = ()
    redaction: Any = None  # redact.Redacted; typed loosely to keep this module dependency-free
    audio_redaction: dict[str, Any] | None = None
    model: Mapping[str, object] | None = None  # the whisper model that transcribed it

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Evidence:
    """Where a rule found (or nearly found) what it looks for. `quote` stays None unless text
    may be written."""

    turn: int
    speaker: Role
    start: float | None
    end: float | None
    score: float
    matched: str
    word_confidence: float | None = None
    quote: str | None = None
    words: tuple[int, int] | None = None  # first and last word of the turn, for quoting


@dataclass(frozen=True)
class RuleResult:
    """One rule's outcome on one interaction, with what it saw and why."""

    pack: str
    pack_version: str
    rule: str
    rule_version: str
    category: str
    kind: str
    severity: str
    weight: float
    outcome: Outcome
    reason: str
    message: str
    reference: str | None = None
    evidence: tuple[Evidence, ...] = ()
    near_miss: Evidence | None = None
