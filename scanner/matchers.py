"""Matchers: how a rule recognises words in a turn, each with the schema of its pack syntax.

A matcher is one class: its `kind` (the key it is written with in a pack), its `Spec` (a
strict pydantic model of that syntax, with its own validation) and how it finds hits in a
turn. `@register` adds it to the registry, and the rule schema's `match:` is built from the
registry, so adding a matcher is one class here plus its test.

All matching runs on normalised text (`NormText`): the turn's words in their spoken form
(spoken.py: number words as digits, the same normaliser redaction uses), lower case,
punctuation dropped, contractions spelled out ("you're" -> "you are"). Phrases in packs go
through the same normaliser. Each token remembers the words of the turn it came from, so a
hit maps back to word times for evidence.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)
from rapidfuzz import fuzz

from .spoken import spoken_form

# ---- normalisation --------------------------------------------------------------------------

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
_SPLIT = re.compile(r"[^\w']+")


def norm_tokens(chunk: str) -> list[str]:
    """A word (or a spoken-form number such as "1982") to zero or more normalised tokens."""
    w = chunk.lower().replace("’", "'").replace("‘", "'")
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
            out.append(part.replace("'", ""))
    return out


@dataclass(frozen=True)
class NormText:
    """A turn as normalised tokens; token i came from words word_of[i]..last_of[i]."""

    tokens: tuple[str, ...]
    word_of: tuple[int, ...]
    last_of: tuple[int, ...]
    text: str
    offsets: tuple[int, ...]
    words: tuple[str, ...] = ()

    @classmethod
    def from_words(cls, words: list[str]) -> NormText:
        spoken = spoken_form(list(words))
        tokens: list[str] = []
        firsts: list[int] = []
        lasts: list[int] = []
        for piece in spoken.pieces:
            for t in norm_tokens(spoken.text[piece.start : piece.end]):
                tokens.append(t)
                firsts.append(piece.first)
                lasts.append(piece.last)
        offsets, pos = [], 0
        for t in tokens:
            offsets.append(pos)
            pos += len(t) + 1
        return cls(
            tuple(tokens),
            tuple(firsts),
            tuple(lasts),
            " ".join(tokens),
            tuple(offsets),
            tuple(words),
        )

    def word_span(self, start: int, end: int) -> tuple[int, int]:
        """The first and last word behind tokens [start, end)."""
        return self.word_of[start], self.last_of[end - 1]

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
    return NormText.from_words(text.split()).tokens


@dataclass(frozen=True)
class Hit:
    """Tokens [start, end) of a turn matched with a 0-100 score."""

    start: int
    end: int
    score: float


# ---- the registry ---------------------------------------------------------------------------


class Strict(BaseModel):
    """Pack syntax: every key checked (a misspelt key is an error), nothing mutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Matcher:
    """A compiled match. `hits` are matches at or over threshold, `best` the closest attempt;
    `threshold` is the score a near-miss is measured against (100 for exact matchers)."""

    kind: ClassVar[str]
    Spec: ClassVar[type[Strict]]
    description: str
    threshold: float = 100.0

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        raise NotImplementedError

    def hits(self, nt: NormText) -> list[Hit]:
        raise NotImplementedError

    def best(self, nt: NormText) -> Hit | None:
        found = self.hits(nt)
        return max(found, key=lambda h: h.score) if found else None

    def children(self) -> list[Matcher]:
        return []

    def clear(self) -> None:
        """Forget memoised scores (benchmarks time cold evaluations)."""
        cache = getattr(self, "_cache", None)
        if cache is not None:
            cache.clear()
        for child in self.children():
            child.clear()


MATCHERS: dict[str, type[Matcher]] = {}
_BY_SPEC: dict[type[Strict], type[Matcher]] = {}


def register(cls: type[Matcher]) -> type[Matcher]:
    """Make a matcher usable in packs under `cls.kind`."""
    MATCHERS[cls.kind] = cls
    _BY_SPEC[cls.Spec] = cls
    return cls


def compile_match(spec: Any) -> Matcher:
    """Schema object to matcher."""
    return _BY_SPEC[type(spec)].build(spec)


def _as_list(v: str | list[str]) -> list[str]:
    return [v] if isinstance(v, str) else list(v)


def _cached(cache: dict, key: Any, compute) -> Any:
    value = cache.get(key)
    if value is None:
        if len(cache) > 10_000:
            cache.clear()
        value = cache[key] = compute()
    return value


# ---- leaf matchers --------------------------------------------------------------------------


@register
class PhraseMatcher(Matcher):
    kind = "phrase"

    class Spec(Strict):
        """Exact words after normalisation (case, punctuation, spoken numbers)."""

        phrase: str | list[str]

        @model_validator(mode="before")
        @classmethod
        def _bare(cls, v: Any) -> Any:
            return {"phrase": v} if isinstance(v, str) else v

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls(_as_list(spec.phrase))

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

    def children(self) -> list[Matcher]:
        return [self._fuzzy]


# how far under the threshold a turn's best substring may score and still be examined
_SCREEN_SLACK = 25
_NEGATIONS = frozenset({"not", "no", "never", "nobody", "nothing", "none"})


@register
class SimilarMatcher(Matcher):
    kind = "similar"

    class Spec(Strict):
        """Fuzzy phrase, tolerant of recognition errors; threshold is a 0-100 similarity."""

        similar: str | list[str]
        threshold: int = Field(default=85, ge=50, le=100)

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls(_as_list(spec.similar), spec.threshold)

    def __init__(self, phrases: list[str], threshold: int) -> None:
        self.phrases = [" ".join(norm_phrase(p)) for p in phrases if norm_phrase(p)]
        self.threshold = threshold
        self.description = " | ".join(f'similar "{p}" (>= {threshold})' for p in phrases)
        self._cache: dict[NormText, list[tuple[Hit, bool]]] = {}

    def _scored(self, nt: NormText) -> list[tuple[Hit, bool]]:
        """Every window scored, with whether it is long enough to count as a hit: a hit may
        drop at most one word of the phrase ("this is an attempt to collect" must not pass for
        "... to collect a debt", however close the letters are)."""
        return _cached(self._cache, nt, lambda: self._score(nt))

    def _score(self, nt: NormText) -> list[tuple[Hit, bool]]:
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
        return out

    def hits(self, nt: NormText) -> list[Hit]:
        return _dedupe([h for h, whole in self._scored(nt) if whole and h.score >= self.threshold])

    def best(self, nt: NormText) -> Hit | None:
        scored = [h for h, _ in self._scored(nt)]
        return max(scored, key=lambda h: h.score) if scored else None


@contextlib.contextmanager
def _quiet_stderr():  # RE2 logs parse errors to fd 2 itself; we report them our way
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def compile_regex(pattern: str) -> Any:
    """Compile with RE2 (linear time); Python's re syntax RE2 lacks is a clear error."""
    import re2

    try:
        with _quiet_stderr():
            return re2.compile(pattern, re2.Options())
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise ValueError(
            f"regex is not valid RE2 ({detail}); backreferences and lookaround are not "
            "supported, because they can make matching take exponential time"
        ) from exc


@register
class RegexMatcher(Matcher):
    kind = "regex"

    class Spec(Strict):
        """An RE2 pattern on the normalised text (lower case, digits for numbers)."""

        regex: str

        @field_validator("regex")
        @classmethod
        def _compiles(cls, v: str) -> str:
            compile_regex(v)
            return v

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls(spec.regex)

    def __init__(self, pattern: str) -> None:
        self.pattern = compile_regex(pattern)
        self.description = f"regex /{pattern}/"

    def hits(self, nt: NormText) -> list[Hit]:
        out = []
        for m in self.pattern.finditer(nt.text):
            s, e = m.span()
            first = nt.token_at(s)
            out.append(Hit(first, max(nt.token_at(max(e - 1, s)) + 1, first + 1), 100.0))
        return out


@register
class WordsMatcher(Matcher):
    kind = "words"

    class Spec(Strict):
        """Any one of these words."""

        words: list[str] = Field(min_length=1)

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls(spec.words)

    def __init__(self, words: list[str]) -> None:
        self.words = {t for w in words for t in norm_phrase(w)}
        self.description = f"words [{', '.join(words)}]"

    def hits(self, nt: NormText) -> list[Hit]:
        return [Hit(i, i + 1, 100.0) for i, t in enumerate(nt.tokens) if t in self.words]


@lru_cache(maxsize=1)
def _nlp():
    import spacy

    from .models import resolve_spacy

    return spacy.load(resolve_spacy(), exclude=["parser", "ner"])


_DOCS: dict[str, object] = {}


def _doc(nt: NormText):
    text = " ".join(nt.words)
    return _cached(_DOCS, text, lambda: _nlp()(text))


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
        return _cached(self._cache, nt, lambda: self._hits(nt))

    def _hits(self, nt: NormText) -> list[Hit]:
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
        return out


@register
class LemmaMatcher(_SpacyMatcher):
    kind = "lemma"

    class Spec(Strict):
        """Words by dictionary form: 'record call' matches "recorded calls", "recording the
        call" is not matched (lemmas in this order, adjacent). A list gives alternatives."""

        lemma: str | list[str]

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls(_as_list(spec.lemma))

    def __init__(self, lemmas: list[str]) -> None:
        patterns = [[{"LEMMA": w} for w in phrase.lower().split()] for phrase in lemmas]
        super().__init__(patterns, " | ".join(f'lemma "{p}"' for p in lemmas))


def validate_token_pattern(pattern: list[dict[str, Any]]) -> None:
    """spaCy's own validation of a Matcher pattern, with its message; and ours: no custom
    attributes (`_`: the scanner defines none), and every REGEX valid RE2 on a text attribute,
    because the matcher runs it with RE2 (see `re2_token_pattern`)."""
    from spacy.matcher import Matcher as SpacyMatcher
    from spacy.vocab import Vocab

    for i, spec in enumerate(pattern):
        for attr, value in spec.items():
            if attr == "_":
                raise ValueError(
                    f"token {i}: custom attributes ('_') are not available in rule packs"
                )
            if isinstance(value, dict) and "REGEX" in value:
                regex = value["REGEX"]
                if str(attr).upper() not in _TOKEN_TEXT or not isinstance(regex, str):
                    raise ValueError(
                        f"token {i}: REGEX works on a text attribute "
                        f"({', '.join(_TOKEN_TEXT)}) and takes one pattern"
                    )
                compile_regex(regex)
    try:
        SpacyMatcher(Vocab(), validate=True).add("p", [pattern])
    except Exception as exc:  # MatchPatternError, and TypeError etc. on odd shapes
        detail = " ".join(str(exc).split())[:500] or type(exc).__name__
        raise ValueError(f"not a valid spaCy token pattern: {detail}") from exc


# the token attributes REGEX may test, and how to read each from a spaCy token
_TOKEN_TEXT: dict[str, Callable[[Any], str]] = {
    "ORTH": lambda t: t.orth_,
    "TEXT": lambda t: t.text,
    "LOWER": lambda t: t.lower_,
    "NORM": lambda t: t.norm_,
    "LEMMA": lambda t: t.lemma_,
    "POS": lambda t: t.pos_,
    "TAG": lambda t: t.tag_,
    "DEP": lambda t: t.dep_,
    "SHAPE": lambda t: t.shape_,
    "PREFIX": lambda t: t.prefix_,
    "SUFFIX": lambda t: t.suffix_,
    "ENT_TYPE": lambda t: t.ent_type_,
    "MORPH": lambda t: str(t.morph),
}


def re2_token_pattern(pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pattern with each REGEX predicate run by RE2. spaCy runs REGEX with Python's
    backtracking `re`, where a pattern such as ^(a+)+$ can take forever on one token; each
    becomes a token extension whose getter is an RE2 search, which takes linear time."""
    from spacy.tokens import Token

    out = []
    for spec in pattern:
        spec = dict(spec)
        extensions: dict[str, bool] = {}
        for attr, value in list(spec.items()):
            if not (isinstance(value, dict) and "REGEX" in value):
                continue
            key = str(attr).upper()
            name = "scanner_re2_" + hashlib.sha1(f"{key}\0{value['REGEX']}".encode()).hexdigest()
            if not Token.has_extension(name):
                regex, read = compile_regex(value["REGEX"]), _TOKEN_TEXT[key]
                Token.set_extension(
                    name, getter=lambda t, regex=regex, read=read: bool(regex.search(read(t)))
                )
            extensions[name] = True
            rest = {k: v for k, v in value.items() if k != "REGEX"}
            if rest:
                spec[attr] = rest
            else:
                del spec[attr]
        if extensions:
            spec["_"] = extensions
        out.append(spec)
    return out


@register
class TokensMatcher(_SpacyMatcher):
    kind = "tokens"

    class Spec(Strict):
        """A spaCy Matcher token pattern, for what phrases cannot say (e.g. any form of
        'record' followed by up to two words and then 'call'). Checked by spaCy when the pack
        loads; REGEX predicates run with RE2."""

        tokens: list[dict[str, Any]] = Field(min_length=1)

        @field_validator("tokens")
        @classmethod
        def _valid(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
            validate_token_pattern(v)
            return v

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls(spec.tokens)

    def __init__(self, pattern: list[dict]) -> None:
        super().__init__([re2_token_pattern(pattern)], f"tokens {pattern}")


@register
class SemanticMatcher(Matcher):
    """Cosine similarity of each sentence of a turn to example sentences (0-100 scale)."""

    kind = "semantic"

    class Spec(Strict):
        """Similar in meaning to any example sentence (sentence embeddings, cosine 0-1)."""

        semantic: str | list[str]
        threshold: float = Field(default=0.6, gt=0, le=1)

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls(_as_list(spec.semantic), spec.threshold)

    def __init__(self, examples: list[str], threshold: float) -> None:
        from .embed import encoder

        self.encoder = encoder()
        self.examples = self.encoder.encode(examples)
        self.threshold = round(100 * threshold, 1)
        self.description = " | ".join(f'means "{e}" (>= {threshold:g})' for e in examples)
        self._cache: dict[NormText, list[Hit]] = {}

    def _scored(self, nt: NormText) -> list[Hit]:
        return _cached(self._cache, nt, lambda: self._score(nt))

    def _score(self, nt: NormText) -> list[Hit]:
        groups = sentences(nt)
        texts = [" ".join(nt.words[a : b + 1]) for a, b in groups]
        sims = self.encoder.encode(texts) @ self.examples.T if texts else None
        out = []
        for (a, b), row in zip(groups, sims if sims is not None else []):
            ta, tb = nt.tokens_of_words(a, b)
            out.append(Hit(ta, tb, round(float(row.max()) * 100, 1)))
        return out

    def hits(self, nt: NormText) -> list[Hit]:
        return [h for h in self._scored(nt) if h.score >= self.threshold]

    def best(self, nt: NormText) -> Hit | None:
        scored = self._scored(nt)
        return max(scored, key=lambda h: h.score) if scored else None


def sentences(nt: NormText, longest: int = 30) -> list[tuple[int, int]]:
    """A turn's sentences as (first word, last word), split at . ? ! and every `longest`
    words, so a long run-on transcript still gets sentence-sized pieces."""
    groups: list[tuple[int, int]] = []
    start = 0
    for i, w in enumerate(nt.words):
        if w.endswith((".", "?", "!")) or i - start >= longest - 1 or i == len(nt.words) - 1:
            groups.append((start, i))
            start = i + 1
    return groups


# ---- combinators ----------------------------------------------------------------------------


@register
class AnyMatcher(Matcher):
    kind = "any"

    class Spec(Strict):
        any: list[MatchSpec] = Field(min_length=1)

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls([compile_match(p) for p in spec.any])

    def __init__(self, parts: list[Matcher]) -> None:
        self.parts = parts
        self.description = "any of (" + "; ".join(p.description for p in parts) + ")"
        self.threshold = min((p.threshold for p in parts), default=100.0)

    def hits(self, nt: NormText) -> list[Hit]:
        return [h for p in self.parts for h in p.hits(nt)]

    def best(self, nt: NormText) -> Hit | None:
        cands = [b for p in self.parts if (b := p.best(nt)) is not None]
        return max(cands, key=lambda h: h.score) if cands else None

    def children(self) -> list[Matcher]:
        return self.parts


@register
class NotMatcher(Matcher):
    kind = "not"

    class Spec(Strict):
        """The turn does not contain this (only meaningful inside `all`)."""

        model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
        not_: MatchSpec = Field(alias="not")

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls(compile_match(spec.not_))

    def __init__(self, part: Matcher) -> None:
        self.part = part
        self.description = f"not ({part.description})"

    def hits(self, nt: NormText) -> list[Hit]:
        return [] if self.part.hits(nt) else [Hit(0, 0, 100.0)]

    def children(self) -> list[Matcher]:
        return [self.part]


@register
class AllMatcher(Matcher):
    kind = "all"

    class Spec(Strict):
        """Every part in the same turn."""

        all: list[MatchSpec] = Field(min_length=1)

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls([compile_match(p) for p in spec.all])

    def __init__(self, parts: list[Matcher]) -> None:
        self.parts = parts
        self.description = "all of (" + "; ".join(p.description for p in parts) + ")"
        self.threshold = min((p.threshold for p in parts), default=100.0)

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
            min(c.start for c in cands),  # type: ignore[union-attr]
            max(c.end for c in cands),  # type: ignore[union-attr]
            min(c.score for c in cands),  # type: ignore[union-attr]
        )

    def children(self) -> list[Matcher]:
        return self.parts


@register
class NearMatcher(Matcher):
    kind = "near"

    class Spec(Strict):
        """Every part within `within` words of each other, in the same turn."""

        near: list[MatchSpec] = Field(min_length=2)
        within: int = Field(default=8, ge=1, le=100)

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls([compile_match(p) for p in spec.near], spec.within)

    def __init__(self, parts: list[Matcher], within: int) -> None:
        self.parts = parts
        self.within = within
        self.description = (
            f"near within {within} words (" + "; ".join(p.description for p in parts) + ")"
        )
        self.threshold = min((p.threshold for p in parts), default=100.0)

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

    def children(self) -> list[Matcher]:
        return self.parts


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


# ---- the pack syntax of `match:`, built from the registry -----------------------------------


def _match_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return "<phrase>"
    if isinstance(value, dict):
        for kind in MATCHERS:
            if kind in value:
                return f"<{kind}>"
    if isinstance(value, BaseModel) and type(value) in _BY_SPEC:
        return f"<{_BY_SPEC[type(value)].kind}>"
    return None


def match_spec() -> Any:
    """The tagged union of every registered matcher's Spec: what `match:` may hold."""
    members = tuple(Annotated[cls.Spec, Tag(f"<{kind}>")] for kind, cls in MATCHERS.items())
    return Annotated[
        Union[members],  # noqa: UP007 a tagged union needs the Union form here
        Discriminator(
            _match_tag,
            custom_error_type="match_kind",
            custom_error_message=f"a match needs one of: {', '.join(MATCHERS)}",
        ),
    ]


MatchSpec = match_spec()
for _cls in MATCHERS.values():
    _cls.Spec.model_rebuild(_types_namespace={"MatchSpec": MatchSpec})
