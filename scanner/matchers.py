"""Matching rule phrases against turns, tolerant of how speech recognition writes things.

Both sides go through the same normaliser: lower case, punctuation dropped, contractions
spelled out ("you're" -> "you are"), number words as digits ("fourteen" -> "14"). Each
normalised token remembers which word of the turn it came from, so a hit maps back to word
times for evidence.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from . import rules_schema as rs
from .spoken import NUMBER_WORDS

_CONTRACTIONS = {
    "can't": "can not",
    "cannot": "can not",
    "won't": "will not",
    "shan't": "shall not",
    "it's": "it is",
    "that's": "that is",
    "what's": "what is",
    "there's": "there is",
    "here's": "here is",
    "he's": "he is",
    "she's": "she is",
    "let's": "let us",
    "who's": "who is",
    "where's": "where is",
}
_SUFFIXES = (
    ("n't", " not"),
    ("'re", " are"),
    ("'m", " am"),
    ("'ve", " have"),
    ("'ll", " will"),
    ("'d", " would"),
)
_NUMBERS = NUMBER_WORDS
_SPLIT = re.compile(r"[^\w']+")


def norm_tokens(word: str) -> list[str]:
    """One written or recognised word to zero or more normalised tokens."""
    w = word.lower().replace("’", "'").replace("‘", "'")
    w = re.sub(r"(?<=\d)[,.](?=\d{3}\b)", "", w)  # 1,200 -> 1200
    out: list[str] = []
    for part in _SPLIT.split(w):
        part = part.strip("'")
        if not part:
            continue
        if part in _CONTRACTIONS:
            out.extend(_CONTRACTIONS[part].split())
            continue
        for suffix, repl in _SUFFIXES:
            if part.endswith(suffix) and len(part) > len(suffix):
                out.extend((part[: -len(suffix)] + repl).split())
                break
        else:
            if part.endswith("'s"):
                part = part[:-2]
            out.append(_NUMBERS.get(part, part.replace("'", "")))
    return out


@dataclass(frozen=True)
class NormText:
    """A turn as normalised tokens, each pointing back at the word it came from."""

    tokens: tuple[str, ...]
    word_of: tuple[int, ...]
    text: str
    offsets: tuple[int, ...]
    words: tuple[str, ...] = ()

    @classmethod
    def from_words(cls, words: list[str]) -> NormText:
        tokens: list[str] = []
        word_of: list[int] = []
        for i, w in enumerate(words):
            for t in norm_tokens(w):
                tokens.append(t)
                word_of.append(i)
        offsets, pos = [], 0
        for t in tokens:
            offsets.append(pos)
            pos += len(t) + 1
        return cls(tuple(tokens), tuple(word_of), " ".join(tokens), tuple(offsets), tuple(words))

    def tokens_of_words(self, first: int, last: int) -> tuple[int, int]:
        """Normalised token range [start, end) for source words first..last (inclusive)."""
        start = bisect.bisect_left(self.word_of, first)
        end = bisect.bisect_right(self.word_of, last)
        return start, max(end, start)

    def token_at(self, char: int) -> int:
        """Index of the token containing (or starting after) a character offset."""
        for i, off in enumerate(self.offsets):
            if off + len(self.tokens[i]) > char:
                return i
        return len(self.tokens)


def norm_phrase(text: str) -> tuple[str, ...]:
    return tuple(t for w in text.split() for t in norm_tokens(w))


@dataclass(frozen=True)
class Hit:
    """Tokens [start, end) of a turn matched with a 0-100 score."""

    start: int
    end: int
    score: float


class Matcher:
    """Compiled match; `hits` are matches at or over threshold, `best` the closest attempt."""

    description: str

    def hits(self, nt: NormText) -> list[Hit]:
        raise NotImplementedError

    def best(self, nt: NormText) -> Hit | None:
        found = self.hits(nt)
        return max(found, key=lambda h: h.score) if found else None


class PhraseMatcher(Matcher):
    def __init__(self, phrases: list[str]) -> None:
        self.phrases = [norm_phrase(p) for p in phrases if norm_phrase(p)]
        self.description = " | ".join(f'phrase "{p}"' for p in phrases)
        self._fuzzy = SimilarMatcher(phrases, 100)

    def hits(self, nt: NormText) -> list[Hit]:
        out = []
        for p in self.phrases:
            n = len(p)
            for i in range(len(nt.tokens) - n + 1):
                if nt.tokens[i : i + n] == p:
                    out.append(Hit(i, i + n, 100.0))
        return out

    def best(self, nt: NormText) -> Hit | None:
        exact = self.hits(nt)
        return exact[0] if exact else self._fuzzy.best(nt)


# how far under the threshold a turn's best substring may score and still be examined
_SCREEN_SLACK = 25


class SimilarMatcher(Matcher):
    def __init__(self, phrases: list[str], threshold: int) -> None:
        self.phrases = [" ".join(norm_phrase(p)) for p in phrases if norm_phrase(p)]
        self.threshold = threshold
        self.description = " | ".join(f'similar "{p}" (>= {threshold})' for p in phrases)
        self._cache: dict[NormText, list[tuple[Hit, bool]]] = {}

    def _scored(self, nt: NormText) -> list[tuple[Hit, bool]]:
        """Every window scored, with whether it is long enough to count as a hit: a hit may
        drop at most one word of the phrase ("this is an attempt to collect" must not pass for
        "... to collect a debt", however close the letters are)."""
        cached = self._cache.get(nt)
        if cached is not None:
            return cached
        out = []
        for p in self.phrases:
            n = len(p.split())
            # cheap C-level screen: a turn whose best substring is far from the phrase cannot
            # hold a hit or a near-miss worth reporting, so skip its word windows
            rough = fuzz.partial_ratio(p, nt.text)
            if rough < self.threshold - _SCREEN_SLACK:
                out.append((Hit(0, min(n, len(nt.tokens)), rough), False))
                continue
            for size in {max(1, n - 1), n, n + 1}:
                for i in range(max(1, len(nt.tokens) - size + 1)):
                    toks = nt.tokens[i : i + size]
                    if not toks:
                        continue
                    score = fuzz.ratio(p, " ".join(toks))
                    if _negated(p.split()) != _negated(toks):
                        score = min(score, 50.0)  # "will call you" is not "will not call you"
                    hit = Hit(i, min(i + size, len(nt.tokens)), score)
                    out.append((hit, len(toks) >= max(1, n - 1)))
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[nt] = out
        return out

    def hits(self, nt: NormText) -> list[Hit]:
        return _dedupe([h for h, whole in self._scored(nt) if whole and h.score >= self.threshold])

    def best(self, nt: NormText) -> Hit | None:
        scored = [h for h, _ in self._scored(nt)]
        return max(scored, key=lambda h: h.score) if scored else None


class RegexMatcher(Matcher):
    def __init__(self, pattern: str) -> None:
        self.pattern = rs.compile_regex(pattern)
        self.description = f"regex /{pattern}/"

    def hits(self, nt: NormText) -> list[Hit]:
        out = []
        for m in self.pattern.finditer(nt.text):
            s, e = m.span()
            out.append(
                Hit(nt.token_at(s), max(nt.token_at(max(e - 1, s)) + 1, nt.token_at(s) + 1), 100.0)
            )
        return out


class WordsMatcher(Matcher):
    def __init__(self, words: list[str]) -> None:
        self.words = {t for w in words for t in norm_tokens(w)}
        self.description = f"words [{', '.join(words)}]"

    def hits(self, nt: NormText) -> list[Hit]:
        return [Hit(i, i + 1, 100.0) for i, t in enumerate(nt.tokens) if t in self.words]


@lru_cache(maxsize=1)
def _nlp():
    import spacy

    from .models import resolve_spacy

    return spacy.load(resolve_spacy(), exclude=["parser", "ner"])


class _SpacyMatcher(Matcher):
    """Runs a spaCy Matcher on the turn's words and maps matches back to our tokens."""

    def __init__(self, patterns: list[list[dict]], description: str) -> None:
        from spacy.matcher import Matcher as SpacyMatcher

        self.nlp = _nlp()
        self.matcher = SpacyMatcher(self.nlp.vocab, validate=True)
        self.matcher.add("rule", patterns)
        self.description = description
        self._cache: dict[NormText, list[Hit]] = {}

    def hits(self, nt: NormText) -> list[Hit]:
        if nt in self._cache:
            return self._cache[nt]
        doc = _doc(nt)
        starts, pos = [], 0
        for w in nt.words:
            starts.append(pos)
            pos += len(w) + 1
        out = []
        for _, s, e in self.matcher(doc):
            first = bisect.bisect_right(starts, doc[s].idx) - 1
            last = bisect.bisect_right(starts, doc[e - 1].idx) - 1
            a, b = nt.tokens_of_words(first, last)
            if b > a:
                out.append(Hit(a, b, 100.0))
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[nt] = out
        return out


_DOCS: dict[str, object] = {}


def _doc(nt: NormText):
    text = " ".join(nt.words)
    doc = _DOCS.get(text)
    if doc is None:
        if len(_DOCS) > 5_000:
            _DOCS.clear()
        doc = _DOCS[text] = _nlp()(text)
    return doc


class LemmaMatcher(_SpacyMatcher):
    def __init__(self, lemmas: list[str]) -> None:
        patterns = [[{"LEMMA": w} for w in phrase.lower().split()] for phrase in lemmas]
        super().__init__(patterns, " | ".join(f'lemma "{p}"' for p in lemmas))


class TokensMatcher(_SpacyMatcher):
    def __init__(self, pattern: list[dict]) -> None:
        super().__init__([pattern], f"tokens {pattern}")


class SemanticMatcher(Matcher):
    """Cosine similarity of each sentence of a turn to example sentences (0-100 scale)."""

    def __init__(self, examples: list[str], threshold: float) -> None:
        from .embed import encoder

        self.encoder = encoder()
        self.examples = self.encoder.encode(examples)
        self.threshold = round(100 * threshold, 1)
        self.description = " | ".join(f'means "{e}" (>= {threshold:g})' for e in examples)
        self._cache: dict[NormText, list[Hit]] = {}

    def _scored(self, nt: NormText) -> list[Hit]:
        if nt in self._cache:
            return self._cache[nt]
        groups: list[tuple[int, int]] = []
        start = 0
        for i, w in enumerate(nt.words):
            if w.endswith((".", "?", "!")) or i - start >= 29 or i == len(nt.words) - 1:
                groups.append((start, i))
                start = i + 1
        sentences = [" ".join(nt.words[a : b + 1]) for a, b in groups]
        sims = self.encoder.encode(sentences) @ self.examples.T if sentences else None
        out = []
        for (a, b), row in zip(groups, sims if sims is not None else []):
            ta, tb = nt.tokens_of_words(a, b)
            out.append(Hit(ta, tb, round(float(row.max()) * 100, 1)))
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[nt] = out
        return out

    def hits(self, nt: NormText) -> list[Hit]:
        return [h for h in self._scored(nt) if h.score >= self.threshold]

    def best(self, nt: NormText) -> Hit | None:
        scored = self._scored(nt)
        return max(scored, key=lambda h: h.score) if scored else None


class AnyMatcher(Matcher):
    def __init__(self, parts: list[Matcher]) -> None:
        self.parts = parts
        self.description = "any of (" + "; ".join(p.description for p in parts) + ")"

    def hits(self, nt: NormText) -> list[Hit]:
        return [h for p in self.parts for h in p.hits(nt)]

    def best(self, nt: NormText) -> Hit | None:
        cands = [b for p in self.parts if (b := p.best(nt)) is not None]
        return max(cands, key=lambda h: h.score) if cands else None


class NotMatcher(Matcher):
    def __init__(self, part: Matcher) -> None:
        self.part = part
        self.description = f"not ({part.description})"

    def hits(self, nt: NormText) -> list[Hit]:
        return [] if self.part.hits(nt) else [Hit(0, 0, 100.0)]


class AllMatcher(Matcher):
    def __init__(self, parts: list[Matcher]) -> None:
        self.parts = parts
        self.description = "all of (" + "; ".join(p.description for p in parts) + ")"

    def hits(self, nt: NormText) -> list[Hit]:
        found = []
        for p in self.parts:
            h = p.hits(nt)
            if not h:
                return []
            if not isinstance(p, NotMatcher):
                found.append(max(h, key=lambda x: x.score))
        if not found:
            return [Hit(0, len(nt.tokens), 100.0)]
        return [
            Hit(min(h.start for h in found), max(h.end for h in found), min(h.score for h in found))
        ]

    def best(self, nt: NormText) -> Hit | None:
        found = self.hits(nt)
        if found:
            return found[0]
        if any(isinstance(p, NotMatcher) and not p.hits(nt) for p in self.parts):
            return None  # an excluded thing is there: not a near-miss, a clear no
        cands = [p.best(nt) for p in self.parts if not isinstance(p, NotMatcher)]
        if not cands or any(c is None for c in cands):
            return None
        return Hit(
            min(c.start for c in cands), max(c.end for c in cands), min(c.score for c in cands)
        )  # type: ignore[union-attr]


class NearMatcher(Matcher):
    def __init__(self, parts: list[Matcher], within: int) -> None:
        self.parts = parts
        self.within = within
        self.description = (
            f"near within {within} words (" + "; ".join(p.description for p in parts) + ")"
        )

    def hits(self, nt: NormText) -> list[Hit]:
        per_part = [p.hits(nt) for p in self.parts]
        if any(not h for h in per_part):
            return []
        out = []
        for anchor in per_part[0]:
            chosen = [anchor]
            for others in per_part[1:]:
                close = [h for h in others if _gap(anchor, h) <= self.within]
                if not close:
                    break
                chosen.append(min(close, key=lambda h: _gap(anchor, h)))
            else:
                out.append(
                    Hit(
                        min(h.start for h in chosen),
                        max(h.end for h in chosen),
                        min(h.score for h in chosen),
                    )
                )
        return out


_NEGATIONS = frozenset({"not", "no", "never", "nobody", "nothing", "none"})


def _negated(tokens) -> bool:
    return bool(_NEGATIONS.intersection(tokens))


def _gap(a: Hit, b: Hit) -> int:
    return max(0, max(a.start, b.start) - min(a.end, b.end))


def _dedupe(hits: list[Hit]) -> list[Hit]:
    """Keep the best of overlapping fuzzy windows."""
    out: list[Hit] = []
    for h in sorted(hits, key=lambda h: -h.score):
        if all(h.end <= o.start or h.start >= o.end for o in out):
            out.append(h)
    return sorted(out, key=lambda h: h.start)


def _as_list(v: str | list[str]) -> list[str]:
    return [v] if isinstance(v, str) else list(v)


def compile_match(spec: Any) -> Matcher:
    """Schema object to matcher."""
    if isinstance(spec, rs.Phrase):
        return PhraseMatcher(_as_list(spec.phrase))
    if isinstance(spec, rs.Similar):
        return SimilarMatcher(_as_list(spec.similar), spec.threshold)
    if isinstance(spec, rs.Regex):
        return RegexMatcher(spec.regex)
    if isinstance(spec, rs.Words):
        return WordsMatcher(spec.words)
    if isinstance(spec, rs.Lemma):
        return LemmaMatcher(_as_list(spec.lemma))
    if isinstance(spec, rs.Tokens):
        return TokensMatcher(spec.tokens)
    if isinstance(spec, rs.Semantic):
        return SemanticMatcher(_as_list(spec.semantic), spec.threshold)
    if isinstance(spec, rs.AnyOf):
        return AnyMatcher([compile_match(p) for p in spec.any])
    if isinstance(spec, rs.AllOf):
        return AllMatcher([compile_match(p) for p in spec.all])
    if isinstance(spec, rs.NotOf):
        return NotMatcher(compile_match(spec.not_))
    if isinstance(spec, rs.Near):
        return NearMatcher([compile_match(p) for p in spec.near], spec.within)
    raise TypeError(f"unknown match spec {type(spec).__name__}")


def clear_caches(m: Matcher) -> None:
    if isinstance(m, SimilarMatcher | SemanticMatcher | _SpacyMatcher):
        m._cache.clear()
    for part in getattr(m, "parts", ()):
        clear_caches(part)
    if isinstance(m, PhraseMatcher):
        clear_caches(m._fuzzy)
    if isinstance(m, NotMatcher):
        clear_caches(m.part)


def threshold_of(m: Matcher) -> float:
    """The score a near-miss is measured against (100 for exact matchers)."""
    if isinstance(m, SimilarMatcher | SemanticMatcher):
        return m.threshold
    if isinstance(m, AnyMatcher | AllMatcher | NearMatcher):
        return min((threshold_of(p) for p in m.parts), default=100.0)
    return 100.0
