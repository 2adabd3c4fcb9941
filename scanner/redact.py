"""Redaction: find personal data in every turn and mask it, word by word, with an audit.

presidio-analyzer runs with spaCy's small English model (from a PyPI package, offline) plus
our recognizers, on the spoken form of each turn (numbers as digits). Matches map back to the
turn's words, so masking is per word and masked words keep their audio times. Names found once
are masked everywhere in the interaction. Whatever fails, fails closed: the caller writes no
text for that interaction.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

from . import cjk
from .spoken import spoken_form
from .types import Evidence, Interaction, RuleResult, Turn, Word
from .vocab import ENTITIES

MaskStyle = Literal["type", "redacted", "pseudonym"]

ALL_ENTITIES = tuple(sorted(ENTITIES))
# presidio recognizers left out: network at run time (email: tldextract), or pure noise here
_DROP = {"EmailRecognizer", "DateRecognizer", "UsLicenseRecognizer", "MedicalLicenseRecognizer"}
# words never masked as a repeated name (titles, fillers)
_NAME_STOP = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "sir",
        "madam",
        "the",
        "a",
        "an",
        "and",
        "of",
        "to",
        "is",
        "it",
        "yes",
        "no",
        "ok",
        "okay",
        "thank",
        "thanks",
        "hi",
        "hello",
    ]
)


@dataclass(frozen=True)
class RedactOptions:
    entities: tuple[str, ...] = ALL_ENTITIES
    style: MaskStyle = "type"
    threshold: float = 0.35
    # spans under this score are masked but listed for review (without their value)
    borderline: float = 0.5


@dataclass(frozen=True)
class Span:
    """One masked stretch: entity type, turn, words first..last, audio times, who found it."""

    entity: str
    turn: int
    first: int
    last: int
    start: float | None
    end: float | None
    detector: str
    score: float
    mask: str


@dataclass(frozen=True)
class Redacted:
    """An interaction's turns with personal data masked, and what was masked."""

    turns: tuple[Turn, ...]
    spans: tuple[Span, ...]
    words: tuple[tuple[str, ...], ...] = field(default=())  # masked word strings per turn

    def audit(self, borderline: float) -> dict[str, object]:
        counts: dict[str, int] = {}
        for s in self.spans:
            counts[s.entity] = counts.get(s.entity, 0) + 1
        return {
            "counts": counts,
            "spans": [
                {
                    "entity": s.entity,
                    "turn": s.turn,
                    "start": s.start,
                    "end": s.end,
                    "first_word": s.first,
                    "words": s.last - s.first + 1,
                    "detector": s.detector,
                    "score": round(s.score, 2),
                    "borderline": s.score < borderline,
                }
                for s in self.spans
            ],
        }


@lru_cache(maxsize=1)
def analyzer():
    """presidio with spaCy from the offline package and our recognizers; nothing downloads."""
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from . import recognizers_zh  # noqa: F401  (registers the Chinese recognizers)
    from .models import resolve_spacy
    from .recognizers import our_recognizers

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    model = resolve_spacy()
    conf = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]}
    engine = AnalyzerEngine(
        nlp_engine=NlpEngineProvider(nlp_configuration=conf).create_engine(),
        supported_languages=["en"],
    )
    for name in _DROP:
        with contextlib.suppress(Exception):  # a presidio version without it
            engine.registry.remove_recognizer(name)
    for r in our_recognizers():
        engine.registry.add_recognizer(r)
    for r in engine.registry.recognizers:
        if r.name in ENGLISH_READERS:
            r.analyze = _latin_only(r.analyze)
    return engine


def _latin_only(inner):  # presidio's analyze is untyped
    """An English reader's findings without those that cover Chinese characters. Dropped
    inside the recognizer, before presidio settles overlaps: else spaCy's "蒋先生 您好"
    (PERSON, 0.85) wins over the Chinese recognizer's "蒋" and is then thrown away."""

    def analyze(text, entities, nlp_artifacts=None, *args, **kwargs):
        found = inner(text, entities, nlp_artifacts, *args, **kwargs) or []
        return [r for r in found if not cjk.has_han(text[r.start : r.end])]

    return analyze


# recognizers that read English: on a Chinese span they see noise (spaCy's English NER calls
# 感谢您的来电 a person), so their findings that cover Chinese characters are dropped
# (`_latin_only`); the Chinese recognizers (recognizers_zh.py) cover those spans
ENGLISH_READERS = frozenset(
    {
        "SpacyRecognizer",
        "ProperNameRecognizer",
        "IntroducedNameRecognizer",
        "StreetAddressRecognizer",
        "SpelledOutRecognizer",
    }
)


# spaCy components that only feed lemmas (through POS): presidio reads lemmas for context
# words near a candidate, and nothing else does, so they run on a turn only when asked
_LEMMA_PIPES = ("tagger", "attribute_ruler", "lemmatizer")


class _Nlp:
    """spaCy for presidio, doing only the work that is read. Every turn gets the tokens and
    named entities (tok2vec, parser, ner: the parser's sentence starts bound the entities, so
    it stays); the components that only make lemmas run on a turn when presidio first reads
    its lemmas, i.e. when a recognizer with context words found something there. The lemmas
    are the ones the whole pipeline gives (the tagger reads the shared tok2vec output kept on
    the Doc)."""

    def __init__(self, engine) -> None:  # presidio's SpacyNlpEngine (untyped)
        self.engine = engine
        self.spacy = engine.nlp["en"]
        names = self.spacy.pipe_names
        self.later = [(n, self.spacy.get_pipe(n)) for n in _LEMMA_PIPES if n in names]
        self.first = [n for n in names if n not in dict(self.later)]

    def artifacts(self, texts: list[str], batch_size: int = 64):
        with self.spacy.select_pipes(enable=self.first):
            docs = list(self.spacy.pipe(texts, batch_size=batch_size))
        for doc in docs:
            yield _LazyArtifacts(doc, self)

    def lemmas(self, doc) -> list[str]:
        for _, pipe in self.later:
            doc = pipe(doc)
        return [t.lemma_ for t in doc]


class _LazyArtifacts:
    """presidio's NlpArtifacts for one turn, with the lemmas (and the keywords made from them)
    computed on first use."""

    def __init__(self, doc, nlp: _Nlp) -> None:
        engine = nlp.engine
        self.tokens = doc
        self.tokens_indices = [t.idx for t in doc]
        self.entities, self.scores = engine._get_updated_entities(
            engine._get_entities(doc), engine._get_scores_for_entities(doc)
        )
        self.nlp_engine = engine
        self._nlp = nlp
        self._lemmas: list[str] | None = None
        self._keywords: list[str] | None = None

    @property
    def lemmas(self) -> list[str]:
        if self._lemmas is None:
            self._lemmas = self._nlp.lemmas(self.tokens)
        return self._lemmas

    @property
    def keywords(self) -> list[str]:
        if self._keywords is None:
            from presidio_analyzer.nlp_engine import NlpArtifacts

            self._keywords = NlpArtifacts.set_keywords(self.nlp_engine, self.lemmas, "en")
        return self._keywords


# the units masking works in (a typed Chinese turn segmented: unsegmented, a whole Chinese
# sentence would be one word)
_words = cjk.turn_words


def _line_breaks(turn: Turn, words: list[str]) -> frozenset[int]:
    """Indexes of the words a line break follows, in a typed message (`words` as `_words`
    gives them): address blocks and pasted "Name: ..." lines keep their lines for detection."""
    if turn.words or "\n" not in turn.text:
        return frozenset()
    ends, pos = [], 0
    for w in words:
        start = turn.text.find(w, pos)
        if start < 0:
            return frozenset()
        ends.append((start, start + len(w)))
        pos = start + len(w)
    return frozenset(
        i for i in range(len(ends) - 1) if "\n" in turn.text[ends[i][1] : ends[i + 1][0]]
    )


class Redactor:
    def __init__(self, options: RedactOptions | None = None) -> None:
        self.options = options or RedactOptions()
        self.engine = analyzer()
        self.nlp = _Nlp(self.engine.nlp_engine)

    def redact(self, it: Interaction) -> Redacted:
        return self.redact_many([it])[0]

    def redact_many(self, its: Sequence[Interaction]) -> list[Redacted]:
        """Several interactions at once: spaCy runs over the turns of all of them in one
        nlp.pipe, in fuller batches than one chat's dozen turns (18% less spaCy time on the
        dev chats), and each is then masked on its own exactly as `redact` masks it. An error
        in one raises for all: a caller that fails closed per interaction redacts them one at
        a time after that."""
        prepared = []
        texts: list[str] = []
        for it in its:
            all_words = [_words(t) for t in it.turns]
            spoken_turns = [
                spoken_form(words, _line_breaks(t, words)) for words, t in zip(all_words, it.turns)
            ]
            prepared.append((it, all_words, spoken_turns))
            texts += [sp.text for sp in spoken_turns if sp.text]
        # spaCy runs once over all turns (nlp.pipe); presidio then reuses its artifacts
        artifacts = iter(self.nlp.artifacts(texts))
        return [self._redact(it, words, spoken, artifacts) for it, words, spoken in prepared]

    def _redact(self, it: Interaction, all_words, spoken_turns, artifacts) -> Redacted:
        o = self.options
        found: list[tuple[int, int, int, str, str, float]] = []  # turn, first, last, ...
        prev_context: list[str] = []
        for ti, (words, spoken) in enumerate(zip(all_words, spoken_turns)):
            if not spoken.text:
                prev_context = []
                continue
            nlp_artifacts = next(artifacts)
            results = self.engine.analyze(
                spoken.text,
                language="en",
                entities=list(o.entities),
                score_threshold=o.threshold,
                context=prev_context or None,
                return_decision_process=False,
                nlp_artifacts=nlp_artifacts,
            )
            for r in results:
                idx = spoken.words_in(r.start, r.end)
                if not idx:
                    continue
                detector = (r.recognition_metadata or {}).get("recognizer_name", "presidio")
                found.append((ti, idx[0], idx[-1], r.entity_type, detector, float(r.score)))
            prev_context = [re.sub(r"[^\w]", "", w).lower() for w in words[-12:]]
        found += self._names_everywhere(all_words, found)
        return self._apply(it, all_words, found)

    def _names_everywhere(self, all_words, found):
        """A name seen once is masked wherever it recurs in the interaction."""
        names = set()
        for ti, first, last, entity, _, _ in found:
            if entity == "PERSON":
                for w in all_words[ti][first : last + 1]:
                    core = re.sub(r"[^\w'-]", "", w).lower()
                    if len(core) > 1 and core not in _NAME_STOP:
                        names.add(core)
        extra = []
        for ti, words in enumerate(all_words):
            for wi, w in enumerate(words):
                if re.sub(r"[^\w'-]", "", w).lower() in names:
                    extra.append((ti, wi, wi, "PERSON", "NameSeenElsewhere", 0.85))
        # an initial between two masked name words is part of that name ("Lewis L West")
        person = {
            (ti, wi)
            for ti, a, b, e, _, _ in found + extra
            if e == "PERSON"
            for wi in range(a, b + 1)
        }
        for ti, words in enumerate(all_words):
            for wi in range(1, len(words) - 1):
                initial = re.fullmatch(r"[^\w]*[A-Z]\.?", words[wi])
                if initial and (ti, wi - 1) in person and (ti, wi + 1) in person:
                    extra.append((ti, wi, wi, "PERSON", "NameSeenElsewhere", 0.85))
        return extra

    def _apply(self, it: Interaction, all_words, found) -> Redacted:
        # per word: the strongest entity covering it
        best: dict[tuple[int, int], tuple[float, str, str]] = {}
        for ti, first, last, entity, detector, score in found:
            for wi in range(first, last + 1):
                cur = best.get((ti, wi))
                if cur is None or score > cur[0]:
                    best[(ti, wi)] = (score, entity, detector)
        pseudonyms: dict[tuple[str, str], str] = {}
        counters: dict[str, int] = {}
        spans: list[Span] = []
        turns: list[Turn] = []
        masked_words: list[tuple[str, ...]] = []
        for ti, (turn, words) in enumerate(zip(it.turns, all_words)):
            out_words: list[str] = []
            wi = 0
            while wi < len(words):
                hit = best.get((ti, wi))
                if hit is None:
                    out_words.append(words[wi])
                    wi += 1
                    continue
                score, entity, detector = hit
                end = wi
                while (
                    end + 1 < len(words)
                    and (ti, end + 1) in best
                    and best[(ti, end + 1)][1] == entity
                ):
                    end += 1
                value = " ".join(words[wi : end + 1]).lower()
                mask = self._mask(entity, value, pseudonyms, counters)
                span_score = min(best[(ti, k)][0] for k in range(wi, end + 1))
                t0, t1 = _times(turn, wi, end)
                spans.append(Span(entity, ti, wi, end, t0, t1, detector, span_score, mask))
                trail = _trailing_punct(words[end])
                out_words.extend([mask + trail] + [""] * (end - wi))
                wi = end + 1
            text = cjk.join([w for w in out_words if w])
            masked_words.append(tuple(out_words))
            # every word of a span reads as the mask; the last keeps the original's punctuation
            masks = {
                k: sp.mask + (_trailing_punct(words[k]) if k == sp.last else "")
                for sp in spans
                if sp.turn == ti
                for k in range(sp.first, sp.last + 1)
            }
            new_words = (
                tuple(
                    Word(masks.get(k, w.text), w.start, w.end, w.probability)
                    for k, w in enumerate(turn.words)
                )
                if turn.words
                else ()
            )
            turns.append(
                Turn(
                    turn.speaker,
                    text,
                    turn.start,
                    turn.end,
                    new_words,
                    turn.channel,
                    turn.speaker_confidence,
                    turn.flags,
                )
            )
        return Redacted(tuple(turns), tuple(spans), tuple(masked_words))

    def _mask(self, entity: str, value: str, pseudonyms, counters) -> str:
        if self.options.style == "redacted":
            return "[REDACTED]"
        if self.options.style == "type":
            return f"[{entity}]"
        key = (entity, value)
        if key not in pseudonyms:
            counters[entity] = counters.get(entity, 0) + 1
            pseudonyms[key] = f"{entity}_{counters[entity]}"
        return pseudonyms[key]


def _trailing_punct(word: str) -> str:
    m = re.search(r"[.,;:!?]+$", word)
    return m.group(0) if m else ""


def _times(turn: Turn, first: int, last: int) -> tuple[float | None, float | None]:
    if turn.words and last < len(turn.words):
        return turn.words[first].start, turn.words[last].end
    return turn.start, turn.end


def quote(words: tuple[str, ...], first: int, last: int) -> str:
    """Evidence text from masked words: a mask spanning several words is shown once."""
    return cjk.join([w for w in words[first : last + 1] if w])


def quote_redacted(result: RuleResult, red: Redacted) -> RuleResult:
    """Evidence quotes taken from the redacted words, never from the original."""

    def fix(e: Evidence | None) -> Evidence | None:
        if e is None or e.words is None or e.turn >= len(red.words):
            return e
        first, last = e.words
        masked = red.words[e.turn]
        # a mask that starts before the quoted words still hides them: show it
        while first > 0 and masked[first] == "":
            first -= 1
        return replace(e, quote=quote(masked, first, last))

    return replace(
        result,
        evidence=tuple(fix(e) for e in result.evidence),  # type: ignore[misc]
        near_miss=fix(result.near_miss),
    )
