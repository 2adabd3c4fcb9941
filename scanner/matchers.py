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
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal, Union

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

from .cjk import HAN
from .lexicon import (
    CN_SURNAMES,
    COMMON_ZIPF,
    DEPARTMENT_WORDS,
    NEGATIONS,
    NOT_NAMES,
    ORG_TAIL_WORDS,
    ORG_WORDS,
    could_be_name,
    first_names,
    zipf,
)
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
    "ain't": "is not",
    # typed without the apostrophe, as chats often are
    "cant": "can not",
    "dont": "do not",
    "didnt": "did not",
    "doesnt": "does not",
    "isnt": "is not",
    "wasnt": "was not",
    "arent": "are not",
    "werent": "were not",
    "couldnt": "could not",
    "shouldnt": "should not",
    "wouldnt": "would not",
    "havent": "have not",
    "hasnt": "has not",
    "im": "i am",
    "ive": "i have",
    "youre": "you are",
    "thats": "that is",
    "whats": "what is",
    # informal and Scots forms speech recognition writes as heard
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "cannae": "can not",
    "canna": "can not",
    "dinnae": "do not",
    "didnae": "did not",
    "wouldnae": "would not",
    "couldnae": "could not",
    "shouldnae": "should not",
    "willnae": "will not",
    "isnae": "is not",
    "wasnae": "was not",
    "havnae": "have not",
    "havenae": "have not",
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
# a Chinese character, or a run of anything else that is a word (digits, Latin letters)
_HAN_TOKENS = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
)
_CURRENCY = {
    "$": "dollars",
    "£": "pounds",
    "€": "euros",
    "₹": "rupees",
    "¥": "yen",
    "rs": "rupees",
    "rs.": "rupees",
    "r": "rand",
    "ksh": "shillings",
    "rm": "ringgit",
    "s$": "dollars",
    "a$": "dollars",
    "c$": "dollars",
    "nz$": "dollars",
    "us$": "dollars",
}
_MONEY = re.compile(
    r"(?<![\w$])(nz\$|us\$|[sac]\$|rs\.?|ksh|rm|r|[$£€₹¥])\s?(\d[\d,]*(?:\.\d+)?)\b"
)


def norm_tokens(chunk: str) -> list[str]:
    """A word (or a spoken-form number such as "1982") to zero or more normalised tokens.
    A currency sign becomes its word after the amount: "$39.99" -> "39 99 dollars"."""
    w = chunk.lower().replace("’", "'").replace("‘", "'")
    w = re.sub(r"(?<=\d)[,.](?=\d{3}\b)", "", w)  # 1,200 -> 1200
    w = _MONEY.sub(lambda m: f"{m.group(2)} {_CURRENCY[m.group(1)]}", w)
    out: list[str] = []
    for part in _SPLIT.split(w):
        part = part.strip("'")
        if not part:
            continue
        if HAN.search(part):  # Chinese: one token per character (segmentation varies)
            out.extend(t for t in _HAN_TOKENS.findall(part))
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


_CLAUSE_END = re.compile(r"[.,;:!?\u2014]['\")]*$|--$|-$|[，。；：！？、]$")
_CLAUSE_START = frozenset({"but", "however", "although", "though", "但是", "不过", "可是"})
_SENTENCE_END = re.compile(r"(?:[.!?]['\")]*|[。！？]+[”」』）]*)$")


@dataclass(frozen=True)
class NormText:
    """A turn as normalised tokens; token i came from words word_of[i]..last_of[i] and lies
    in clause clause[i] (clauses end at punctuation and start at "but") and sentence
    sentence[i] (sentences end at . ! ?)."""

    tokens: tuple[str, ...]
    word_of: tuple[int, ...]
    last_of: tuple[int, ...]
    text: str
    offsets: tuple[int, ...]
    words: tuple[str, ...] = ()
    clause: tuple[int, ...] = ()
    sentence: tuple[int, ...] = ()

    @classmethod
    def from_words(cls, words: list[str]) -> NormText:
        spoken = spoken_form(list(words))
        clause_of_word, sentence_of_word, c, n = [], [], 0, 0
        for i, w in enumerate(words):
            if i and (_CLAUSE_END.search(words[i - 1]) or w.lower() in _CLAUSE_START):
                c += 1
            if i and _SENTENCE_END.search(words[i - 1]):
                n += 1
            clause_of_word.append(c)
            sentence_of_word.append(n)
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
            tuple(clause_of_word[f] for f in firsts),
            tuple(sentence_of_word[f] for f in firsts),
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
        for name, value in vars(self).items():
            if name.endswith("_cache") and isinstance(value, dict):
                value.clear()
        for child in self.children():
            child.clear()


MATCHERS: dict[str, type[Matcher]] = {}
# names the centre uses (packs' vocabulary, --vocabulary, the interaction's metadata), set
# by the rule engine for the interaction being evaluated
VOCABULARY: ContextVar[tuple[str, ...]] = ContextVar("vocabulary", default=())
_BY_SPEC: dict[type[Strict], type[Matcher]] = {}


def register(cls: type[Matcher]) -> type[Matcher]:
    """Make a matcher usable in packs under `cls.kind`."""
    MATCHERS[cls.kind] = cls
    _BY_SPEC[cls.Spec] = cls
    return cls


def compile_match(spec: Any) -> Matcher:
    """Schema object to matcher."""
    return _BY_SPEC[type(spec)].build(spec)


def kind_of(spec: Any) -> str:
    """The matcher kind a schema object is written with ("phrase", "all", ...)."""
    return _BY_SPEC[type(spec)].kind


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
        """Any one of these terms. A term may be several words; a `*` at the end of a word
        matches any ending: `record*` matches record, records, recorded, recording."""

        words: list[str] = Field(min_length=1)

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls(spec.words)

    def __init__(self, words: list[str]) -> None:
        self.terms: list[tuple[tuple[str, ...], bool]] = []
        for w in words:
            prefix = w.rstrip().endswith("*")
            toks = norm_phrase(w.rstrip().rstrip("*"))
            if toks:
                self.terms.append((toks, prefix))
        self.description = f"words [{', '.join(words)}]"
        # terms by their first token, so a turn is read once rather than once per term;
        # one-word prefixes ("record*") are tried on every token with one startswith
        self._by_first: dict[str, list[tuple[tuple[str, ...], bool]]] = {}
        prefixes = []
        for term, prefix in self.terms:
            if prefix and len(term) == 1:
                prefixes.append(term[0])
            else:
                self._by_first.setdefault(term[0], []).append((term, prefix))
        self._prefixes = tuple(prefixes)
        self._cache: dict[NormText, list[Hit]] = {}
        self._best_cache: dict[NormText, Hit | None] = {}
        self._by_length: dict[int, list[str]] = {}

    def hits(self, nt: NormText) -> list[Hit]:
        return _cached(self._cache, nt, lambda: self._hits(nt))

    def _hits(self, nt: NormText) -> list[Hit]:
        out = []
        toks = nt.tokens
        for i, tok in enumerate(toks):
            if self._prefixes and tok.startswith(self._prefixes):
                out.append(Hit(i, i + 1, 100.0))
            for term, prefix in self._by_first.get(tok, ()):
                n = len(term)
                if i + n > len(toks) or toks[i : i + n - 1] != term[:-1]:
                    continue
                last = toks[i + n - 1]
                if last == term[-1] or (prefix and last.startswith(term[-1])):
                    out.append(Hit(i, i + n, 100.0))
        # where terms overlap ("payment plan", "plan"), the longest stands for them
        kept: list[Hit] = []
        for h in sorted(set(out), key=lambda h: (h.start - h.end, h.start)):
            if all(h.end <= k.start or h.start >= k.end for k in kept):
                kept.append(h)
        return sorted(kept, key=lambda h: h.start)

    def best(self, nt: NormText) -> Hit | None:
        """A hit, or else the closest wording (for near misses): the best fuzzy score of any
        term against the words of the turn (terms of each length scored against windows of
        that many words, in rapidfuzz's C loop)."""
        found = self.hits(nt)
        if found:
            return found[0]
        return _cached(self._best_cache, nt, lambda: self._closest(nt))

    def _closest(self, nt: NormText) -> Hit | None:
        from rapidfuzz import process

        if not self._by_length:
            self._by_length = {}
            for term, _ in self.terms:
                self._by_length.setdefault(len(term), []).append(" ".join(term))
        best: Hit | None = None
        for n, choices in self._by_length.items():
            for i in range(max(1, len(nt.tokens) - n + 1)):
                window = " ".join(nt.tokens[i : i + n])
                got = process.extractOne(window, choices, scorer=fuzz.ratio)
                if got is not None and (best is None or got[1] > best.score):
                    best = Hit(i, min(i + n, len(nt.tokens)), round(got[1], 1))
        return best


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


# ---- meaning: negation, entities, concepts --------------------------------------------------


def negated_before(nt: NormText, hit: Hit, within: int) -> bool:
    """A negation in the hit, or in the `within` tokens before it, in the same clause:
    "this call is not recorded", "we will never contact your employer"."""
    if not nt.tokens:
        return False
    clause = nt.clause[hit.start] if nt.clause else 0
    start = hit.start
    while (
        start > 0
        and hit.start - start < within
        and (not nt.clause or nt.clause[start - 1] == clause)
    ):
        start -= 1
    return any(t in NEGATIONS for t in nt.tokens[start : max(hit.end, hit.start + 1)])


@register
class AffirmedMatcher(Matcher):
    kind = "affirmed"

    class Spec(Strict):
        """The part, only where it is not negated: no "not", "never", "no", "unable"... in
        it or in the `within` words before it in the same clause."""

        affirmed: MatchSpec
        within: int = Field(default=5, ge=0, le=20)

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls(compile_match(spec.affirmed), spec.within)

    def __init__(self, part: Matcher, within: int) -> None:
        self.part, self.within = part, within
        self.description = f"affirmed ({part.description})"
        self.threshold = part.threshold

    def hits(self, nt: NormText) -> list[Hit]:
        return [h for h in self.part.hits(nt) if not negated_before(nt, h, self.within)]

    def best(self, nt: NormText) -> Hit | None:
        found = self.hits(nt)
        if found:
            return max(found, key=lambda h: h.score)
        b = self.part.best(nt)
        return None if b is None or negated_before(nt, b, self.within) else b

    def children(self) -> list[Matcher]:
        return [self.part]


_QUESTION_STARTS = frozenset(
    """can could would will do does did is are am was were have has what which when where who
    whom whose why how may shall should""".split()
)


# a Chinese clause that asks: a question particle at its end, or a question word in it
_ZH_QUESTION_ENDS = ("吗", "呢", "么")
_ZH_QUESTION_WORDS = (
    "请问",
    "是否",
    "多少",
    "什么",
    "哪",
    "怎么",
    "几号",
    "能否",
    "可否",
    "请您提供",
    "请提供",
    "请核对",
    "请确认",
    "请告诉",
    "请说一下",
    "麻烦您提供",
    "麻烦提供",
)


def in_question(nt: NormText, hit: Hit) -> bool:
    """Whether the hit's clause asks rather than tells: it ends with "?", or starts with a
    question word or "please confirm" (speech recognition often drops the "?")."""
    if not nt.tokens:
        return False
    clause = nt.clause[hit.start] if nt.clause else 0
    first = hit.start
    while first > 0 and (not nt.clause or nt.clause[first - 1] == clause):
        first -= 1
    last = hit.start
    while last + 1 < len(nt.tokens) and (not nt.clause or nt.clause[last + 1] == clause):
        last += 1
    if nt.words and nt.words[nt.last_of[last]].rstrip(")\"'").endswith(("?", "？")):
        return True
    after = nt.last_of[last] + 1 if nt.words else 0
    if nt.words and after < len(nt.words) and nt.words[after].startswith(("?", "？")):
        return True  # a segmented Chinese turn: the question mark is a word of its own
    said = "".join(nt.tokens[first : last + 1])
    if HAN.search(said):
        return said.endswith(_ZH_QUESTION_ENDS) or any(q in said for q in _ZH_QUESTION_WORDS)
    lead = [t for t in nt.tokens[first : first + 3] if t not in ("and", "so", "ok", "okay", "um")]
    if lead and lead[0] in _QUESTION_STARTS:
        return True
    return nt.tokens[first : first + 2] == ("please", "confirm")


@register
class StatementMatcher(Matcher):
    kind = "statement"

    class Spec(Strict):
        """The part, only where it is said as a statement, not asked: "your balance is £40"
        tells, "can you confirm the balance on your account?" asks."""

        statement: MatchSpec

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls(compile_match(spec.statement))

    def __init__(self, part: Matcher) -> None:
        self.part = part
        self.description = f"stated ({part.description})"
        self.threshold = part.threshold

    def hits(self, nt: NormText) -> list[Hit]:
        return [h for h in self.part.hits(nt) if not in_question(nt, h)]

    def best(self, nt: NormText) -> Hit | None:
        found = self.hits(nt)
        if found:
            return max(found, key=lambda h: h.score)
        b = self.part.best(nt)
        return None if b is None or in_question(nt, b) else b

    def children(self) -> list[Matcher]:
        return [self.part]


@register
class ExceptMatcher(Matcher):
    kind = "except"

    class Spec(Strict):
        """`match`, except where `except` is found within `within` words of it in the same
        sentence: an account detail, except in an offer ("your new plan would be £20")."""

        model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
        except_: MatchSpec = Field(alias="except")
        match: MatchSpec
        within: int = Field(default=6, ge=0, le=50)

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls(compile_match(spec.match), compile_match(spec.except_), spec.within)

    def __init__(self, part: Matcher, unless: Matcher, within: int) -> None:
        self.part, self.unless, self.within = part, unless, within
        self.description = f"{part.description} except near ({unless.description})"
        self.threshold = part.threshold

    def _spoiled(self, nt: NormText, hit: Hit) -> bool:
        sentences = set(nt.sentence[hit.start : max(hit.end, hit.start + 1)])
        return any(
            _gap(hit, u) <= self.within
            and (not nt.sentence or sentences & set(nt.sentence[u.start : max(u.end, u.start + 1)]))
            for u in self.unless.hits(nt)
        )

    def hits(self, nt: NormText) -> list[Hit]:
        return [h for h in self.part.hits(nt) if not self._spoiled(nt, h)]

    def best(self, nt: NormText) -> Hit | None:
        found = self.hits(nt)
        if found:
            return max(found, key=lambda h: h.score)
        b = self.part.best(nt)
        return None if b is None or self._spoiled(nt, b) else b

    def children(self) -> list[Matcher]:
        return [self.part, self.unless]


# "this is Priya", "you're speaking with Dan", "Niamh speaking", "my name's Jayden"
_INTRO_BEFORE = (
    ("my", "name", "is"),
    ("my", "name"),
    ("name", "is"),
    ("this", "is"),
    ("it", "is"),
    ("i", "am"),
    ("you", "are", "speaking", "with"),
    ("you", "are", "speaking", "to"),
    ("you", "are", "talking", "to"),
    ("you", "are", "talking", "with"),
    ("you", "are", "chatting", "with"),
    ("you", "are", "chatting", "to"),
    ("you", "are", "through", "to"),
    ("you", "have", "got"),
)
_INTRO_AFTER = frozenset({"speaking", "speak", "here"})
# cues after which only a name can come, whatever word speech recognition made of it
_SURE_INTROS = (
    ("my", "name", "is"),
    ("my", "name"),
    ("you", "are", "speaking", "with"),
    ("you", "are", "speaking", "to"),
    ("you", "are", "talking", "to"),
    ("you", "are", "talking", "with"),
    ("you", "are", "chatting", "with"),
    ("you", "are", "chatting", "to"),
)


def _any_name(t: str) -> bool:
    """A word that may stand for a name heard as something else: a word, not a function
    word, a department or an organisation noun."""
    return (
        t.isalpha()
        and len(t) > 1
        and t not in NOT_NAMES
        and t not in DEPARTMENT_WORDS
        and t not in ORG_WORDS
        and t not in _GREETINGS
    )


_AGENT_TITLES = frozenset(
    "agent operator advisor adviser representative rep executive associate officer "
    "consultant specialist employee staff badge".split()
)
# cues after which an organisation's name comes; the strong ones need no noun like "Bank"
_STRONG_ORG_CUES = (
    ("thank", "you", "for", "calling"),
    ("thank", "you", "for", "contacting"),
    ("thank", "you", "for", "choosing"),
    ("thanks", "for", "calling"),
    ("thanks", "for", "contacting"),
    ("thanks", "for", "choosing"),
    # however the customer got in touch: "thanks for messaging Karoo Outdoor"
    ("thanks", "for", "messaging"),
    ("thank", "you", "for", "messaging"),
    ("thanks", "for", "texting"),
    ("thanks", "for", "writing", "to"),
    ("thank", "you", "for", "writing", "to"),
    ("thanks", "for", "reaching", "out", "to"),
    ("thank", "you", "for", "reaching", "out", "to"),
    ("thanks", "for", "getting", "in", "touch", "with"),
    ("thank", "you", "for", "getting", "in", "touch", "with"),
    ("thanks", "for", "ringing"),
    ("thank", "you", "for", "ringing"),
    ("thanks", "for", "phoning"),
    ("thank", "you", "for", "phoning"),
    ("welcome", "to"),
    ("you", "have", "reached"),
    ("calling", "from"),
    ("calling", "you", "from"),
    ("on", "behalf", "of"),
    ("i", "work", "for"),
    ("i", "work", "at"),
    ("working", "for"),
    ("i", "am", "with"),
    ("here", "at"),
)
# "from" may take a capitalised name of its own ("Sneha from KartNation"); after the others
# a name must hold a noun organisations are named with ("with Leila at Quayside Bank")
_FROM_ORG_CUES = (
    ("from",),
    ("you", "are", "chatting", "with"),
    ("you", "are", "chatting", "to"),
    ("you", "are", "speaking", "with"),
    ("you", "are", "speaking", "to"),
    ("you", "are", "talking", "to"),
    ("you", "are", "talking", "with"),
    ("you", "are", "through", "to"),
)
_WEAK_ORG_CUES = (
    ("at",),
    ("with",),
    ("for",),
    ("of",),
    ("you", "have", "got"),
    ("this", "is"),
    ("it", "is"),
)
_GREETINGS = frozenset(
    """hello hi hey hiya howdy morning afternoon evening good gday g'day day welcome yes yeah
    yep ok okay right so um uh oh there hullo kia ora sawubona howzit namaste salaam hola
    bonjour aloha jambo habari sat sri akal vanakkam""".split()
)
_PHRASE_STOP = frozenset(
    """this my i you we how what is are am can may could will would calls call so but
    please today here speaking uh um er just from at with for to on about regarding calling
    who where in""".split()
)


def _starts(toks: tuple[str, ...], i: int, seq: tuple[str, ...]) -> bool:
    return toks[i : i + len(seq)] == seq


def _name_like(nt: NormText, k: int) -> bool:
    """Token k could be (part of) a proper name: not an everyday word, or written with a
    capital where a sentence does not start."""
    t = nt.tokens[k]
    if t in NOT_NAMES or t in DEPARTMENT_WORDS or t in ORG_TAIL_WORDS or t in _GREETINGS:
        return False
    if zipf(t) < COMMON_ZIPF:
        return True
    word = nt.words[nt.word_of[k]] if nt.words else ""
    return word[:1].isupper() and nt.word_of[k] > 0 and not _sentence_start(nt, k)


def _sentence_start(nt: NormText, k: int) -> bool:
    return k == 0 or (bool(nt.sentence) and nt.sentence[k] != nt.sentence[k - 1])


def _org_phrase(nt: NormText, start: int, strength: int = 0, limit: int = 6) -> int:
    """End (exclusive) of an organisation's name starting at token `start`, or `start` if
    none is there. A name holds a noun organisations are named with ("Harbour Energy", "ever
    green energy", "Cedar Hollow Credit Union"), or such a tail after a name of its own
    ("Bluewater Collections"); a department is not one ("the billing team", "Water accounts",
    "the collections desk"). After a strong cue (strength 2: "thanks for calling ...") a name
    without such a noun counts too if it is a name ("Zendesk"); after "from" (strength 1), if
    it is written with capitals ("Sneha from KartNation Support")."""
    toks = nt.tokens
    given = start
    if start < len(toks) and toks[start] in ("the", "our", "a", "an"):
        start += 1  # "the Mercy Bluff Health System": judged on what follows
        determiner = True
    else:
        determiner = False
    if start >= len(toks) or toks[start] in ("your", "my"):
        return given
    end = start
    while end < len(toks) and end - start < limit and toks[end] not in _PHRASE_STOP:
        if end > start and nt.clause and nt.clause[end] != nt.clause[start]:
            break
        end += 1
    phrase = toks[start:end]
    if not phrase:
        return given
    named = [_name_like(nt, k) for k in range(start, end)]
    if end < len(toks) and toks[end] in _INTRO_AFTER and not any(named[:-1]):
        return given  # "thanks for calling, Aroha speaking": a person, not a company
    if phrase[-1] in DEPARTMENT_WORDS and not any(named):
        return given  # "Water accounts", "the billing team"
    if any(t in ORG_WORDS for t in phrase):
        return end
    for k, t in enumerate(phrase):
        if t in ORG_TAIL_WORDS and any(named[:k]):
            return end
    words = [nt.words[nt.word_of[k]] for k in range(start, end)] if nt.words else []
    capitalised = bool(words) and words[0][:1].isupper() and not _sentence_start(nt, start)
    # a brand written in CamelCase is a name whatever cue comes before it ("the StreamNest
    # virtual assistant", "ShopCrate Help")
    camel = bool(words) and words[0][:1].isupper() and any(c.isupper() for c in words[0][1:])
    if camel and words[0][1:].lower() != words[0][1:]:
        return end
    if determiner:
        return given
    if strength >= 2 and (capitalised or any(named)):
        return end
    # after "from" (or "you're chatting to"), a capitalised name: of two words or more, or
    # one that is not an everyday word ("Noah from Flicktide")
    several = len(words) > 1 and all(w[:1].isupper() for w in words[:2])
    person_or_date = phrase[0] in first_names() or phrase[0] in _NOT_ORG_STARTS
    if strength >= 1 and capitalised and (several or named[0]) and not person_or_date:
        return end
    return given


def _opening_org(nt: NormText, intro: int) -> Hit | None:
    """What is said first, before a self-introduction, is the organisation: "Whitcombe, Reyes
    and Abernathy, this is Marisol", "Pellbrook Mutual claims, Siobhan speaking"."""
    toks = nt.tokens
    k = 0
    while k < intro and toks[k] in _GREETINGS:
        k += 1
    phrase = list(range(k, intro))
    if not phrase or len(phrase) > 7:
        return None
    if any(toks[j] in _PHRASE_STOP and toks[j] != "and" for j in phrase):
        return None
    if toks[phrase[-1]] in DEPARTMENT_WORDS and not any(_name_like(nt, j) for j in phrase):
        return None
    if not any(_name_like(nt, j) or toks[j] in ORG_WORDS for j in phrase):
        return None
    return Hit(k, intro, 100.0)


# "this is ..." and "it's ..." are followed by many things besides a name ("this is
# unacceptable", "it's overdue"): after them a name must look like one
_WEAK_INTROS = (("this", "is"), ("it", "is"))
_NAME_FOLLOWERS = frozenset("from calling with at here speaking on behalf".split())


def _named(nt: NormText, k: int) -> bool:
    """Token k looks like a given name: a known first name, written with a capital (not at
    the start of a sentence), a rare word, or followed by "from", "speaking", "here"."""
    toks = nt.tokens
    rare = 3.8 if k >= 2 and toks[k - 2 : k] == ("this", "is") else 3.3
    if toks[k] in first_names() or zipf(toks[k]) < rare:
        return True
    if k + 1 < len(toks) and toks[k + 1] in _NAME_FOLLOWERS:
        return True
    word = nt.words[nt.word_of[k]] if nt.words else ""
    return word[:1].isupper() and nt.word_of[k] > 0


def _staff_number(toks: tuple[str, ...], title: int) -> int | None:
    """End of "agent 4471" / "executive ID 4471" / "staff number 12" after a title word."""
    j = title + 1
    while j < len(toks) and j - title <= 2 and toks[j] in ("number", "id", "no", "code"):
        j += 1
    return j + 1 if j < len(toks) and toks[j].isdigit() else None


def _own_names(nt: NormText) -> list[Hit]:
    toks = nt.tokens
    out: list[Hit] = []
    for i in range(len(toks)):
        for cue in _INTRO_BEFORE:
            if not _starts(toks, i, cue):
                continue
            k = i + len(cue)
            if k >= len(toks):
                continue
            org_first = cue in (("this", "is"), ("it", "is"), ("you", "are", "through", "to"))
            if org_first and _org_phrase(nt, k) > k:  # "this is Eastside Recoveries"
                continue
            if cue == ("i", "am") and i > 0 and toks[i - 1] in ("who", "what"):
                continue
            if could_be_name(toks[k]) and (cue not in _WEAK_INTROS or _named(nt, k)):
                out.append(Hit(i, k + 1, 100.0))
            elif cue in _SURE_INTROS and _any_name(toks[k]):
                # after "my name is", whatever follows is a name, even one speech
                # recognition heard as a word ("my name is busy" for Bisi)
                out.append(Hit(i, k + 1, 100.0))
            elif toks[k] in _AGENT_TITLES and _staff_number(toks, k) is not None:
                out.append(Hit(i, _staff_number(toks, k), 100.0))  # "I'm agent 4471"
        # "Hi, Jake from Sunstate Insurance", "Marcus with Ridgeline Recovery Services"
        if (
            toks[i] in ("from", "with", "at")
            and i > 0
            and could_be_name(toks[i - 1])
            and (i == 1 or toks[i - 2] in _GREETINGS or nt.clause[i - 1] != nt.clause[i - 2])
            and _org_phrase(nt, i + 1, 1) > i + 1
        ):
            out.append(Hit(i - 1, i, 100.0))
        if toks[i] in _INTRO_AFTER and i > 0:
            before = toks[i - 2] if i > 1 else ""
            opens = i == 1 or (bool(nt.clause) and nt.clause[i - 1] != nt.clause[i - 2])
            sure = opens and _any_name(toks[i - 1])  # "ever energy, coffee speaking" (Kofi)
            if (could_be_name(toks[i - 1]) or sure) and before not in (
                "is",
                "am",
                "are",
                "who",
                "the",
                "a",
            ):  # not "who is speaking"
                out.append(Hit(i - 1, i + 1, 100.0))
        # "Pulse Gyms, Dev." - a given name as a clause of its own, after an opening name
        if (
            i > 0
            and nt.clause
            and nt.clause[i] != nt.clause[i - 1]
            and (i + 1 == len(toks) or nt.clause[i + 1] != nt.clause[i])
            and nt.clause[i] <= 2
            and (toks[i] in first_names() or _named(nt, i))
            and could_be_name(toks[i])
            and _opening_org(nt, i) is not None
        ):
            out.append(Hit(i, i + 1, 100.0))
        if toks[i] in _AGENT_TITLES and (end := _staff_number(toks, i)) is not None:
            out.append(Hit(i, end, 100.0))  # "agent number 4471", "executive ID 4471 here"
    out.extend(_signature(nt))
    return out


_DASHES = ("-", "–", "—", "~", "--")
# what follows "from" or "you're chatting with" and is not an organisation
_NOT_ORG_STARTS = frozenset(
    """mr mrs ms miss mx dr sir madam january february march april may june july august
    september october november december monday tuesday wednesday thursday friday saturday
    sunday today tomorrow yesterday""".split()
)


def _signature(nt: NormText) -> list[Hit]:
    """A chat message signed at its end: "... - Tahnee", "... — Kayla, BrightNet support"."""
    words = nt.words
    out = []
    for w in range(max(0, len(words) - 5), len(words)):
        word = words[w]
        name = word.lstrip("".join(_DASHES)) if word.startswith(_DASHES) else ""
        if word in _DASHES and w + 1 < len(words):
            name, w = words[w + 1], w + 1
        name = name.strip(",.!")
        if not name[:1].isupper() or not could_be_name(name.lower()):
            continue
        first, last = nt.tokens_of_words(w, w)
        if last > first:
            out.append(Hit(first, first + 1, 100.0))
    return out


def _organisations(nt: NormText, names: list[tuple[str, ...]]) -> list[Hit]:
    toks = nt.tokens
    out: list[Hit] = []
    for name in names:  # the centre's own names, tolerant of how ASR splits or mishears them
        flat = "".join(name)
        for size in {max(1, len(name) - 1), len(name), len(name) + 1}:
            for i in range(len(toks) - size + 1):
                if fuzz.ratio(flat, "".join(toks[i : i + size])) >= 85:
                    out.append(Hit(i, i + size, 100.0))
    # a name given as the agent's own ("you're chatting with Rhys") is not also the company
    persons = {h.end - 1 for h in _own_names(nt)}
    for i in range(len(toks)):
        for cues, strength in ((_STRONG_ORG_CUES, 2), (_FROM_ORG_CUES, 1), (_WEAK_ORG_CUES, 0)):
            for cue in cues:
                if _starts(toks, i, cue):
                    k = i + len(cue)
                    # "Ollie at Fernbank", "Marcus with Ridgeline": after a person's name
                    # "at" and "with" name where they work
                    after_name = cue in (("at",), ("with",)) and i > 0 and _named(nt, i - 1)
                    end = _org_phrase(nt, k, max(strength, 1 if after_name else 0))
                    if end == k + 1 and k in persons and strength < 2:
                        continue
                    if end > k:
                        out.append(Hit(i, end, 100.0))
    # a name said first thing: "Cedar Hollow Credit Union, this is Malik"
    k = 0
    while k < len(toks) and toks[k] in _GREETINGS:
        k += 1
    end = _org_phrase(nt, k)
    if end > k and k <= 3:
        out.append(Hit(k, end, 100.0))
    for intro in _own_names(nt):
        if intro.start <= 9 and (hit := _opening_org(nt, intro.start)) is not None:
            out.append(hit)
    return out


_PERIODS = frozenset(
    "month months monthly year years yearly annually annual week weeks weekly day days daily "
    "quarter quarterly".split()
)
_MONEY_WORDS = frozenset(
    "dollars dollar bucks pounds pound quid euros euro rupees rupee cents pence p rs usd gbp "
    "aud nzd cad inr eur rand shillings ringgit yen lakh crore".split()
)


_STREET_WORDS = frozenset(
    """street st road rd avenue ave lane ln drive dr close way court ct place pl crescent
    terrace grove gardens square parkway highway hwy boulevard blvd view hill row walk mews
    park rise green circle cir trail parade boulevard marg nagar colony""".split()
)
_UNIT_WORDS = frozenset("flat apartment apt unit suite house number no plot".split())


def _addresses(nt: NormText) -> list[Hit]:
    """A street address: a house number and up to three words before a street word ("221
    birch hollow lane", "fourteen Marlowe Close"), or a flat or unit number."""
    toks = nt.tokens
    out = []
    for i, t in enumerate(toks):
        if t.isdigit() or t[:-1].isdigit():
            for j in range(i + 1, min(i + 5, len(toks))):
                if toks[j] in _STREET_WORDS and j > i + 1:
                    out.append(Hit(i, j + 1, 100.0))
                    break
        if t in _UNIT_WORDS and i + 1 < len(toks) and toks[i + 1].isdigit():
            out.append(Hit(i, i + 2, 100.0))
    return out


_MONEY_PREFIXES = frozenset(
    "rs rupees rupee inr usd gbp eur aud nzd cad sgd ksh kes rm zar naira ngn ghs cedi php".split()
)


def _money(nt: NormText) -> list[Hit]:
    """An amount of money: a number with a currency ("39 99 dollars", "£12", "forty quid")."""
    toks = nt.tokens
    out = []
    for i, t in enumerate(toks):
        if t == "p" and i + 1 < len(toks) and toks[i + 1] == "m":
            continue  # "five p.m." is a time, not five pence
        if t in _MONEY_WORDS and i > 0 and toks[i - 1].isdigit():
            j = i - 1
            while j > 0 and toks[j - 1].isdigit() and i - j < 3:
                j -= 1
            out.append(Hit(j, i + 1, 100.0))
        elif t in _MONEY_PREFIXES and i + 1 < len(toks) and toks[i + 1].isdigit():
            out.append(Hit(i, i + 2, 100.0))
    return out


@register
class EntityMatcher(Matcher):
    """Things that are named rather than worded: a speaker giving their own name, an
    organisation's name, an amount of money."""

    kind = "entity"

    class Spec(Strict):
        """`own-name`: the speaker says who they are ("this is Priya", "you're speaking with
        Dan", "Niamh speaking", "agent 4471"). `organisation`: an organisation's name
        ("thanks for calling Harbour Energy", "Cedar Hollow Credit Union, this is Malik",
        "calling from Vantage Wireless"), or one of `names` however ASR splits it.
        `money`: an amount with its currency. `address`: a street address or flat
        number."""

        entity: Literal["own-name", "organisation", "money", "address"]
        names: list[str] = Field(default_factory=list)

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls(spec.entity, spec.names)

    def __init__(self, entity: str, names: list[str] | None = None) -> None:
        self.entity = entity
        self.names = [n for n in (norm_phrase(x) for x in names or []) if n]
        extra = f" or {', '.join(names or [])}" if names else ""
        self.description = f"entity {entity}{extra}"
        self._cache: dict[tuple[NormText, tuple[str, ...]], list[Hit]] = {}

    def hits(self, nt: NormText) -> list[Hit]:
        vocabulary = VOCABULARY.get() if self.entity == "organisation" else ()
        return _cached(self._cache, (nt, vocabulary), lambda: self._find(nt, vocabulary))

    def _find(self, nt: NormText, vocabulary: tuple[str, ...]) -> list[Hit]:
        chinese = any(HAN.match(t) for t in nt.tokens)
        if self.entity == "own-name":
            return _dedupe(_own_names(nt) + (_zh_matches(nt, _ZH_OWN_NAME) if chinese else []))
        if self.entity == "organisation":
            names = self.names + [n for n in (norm_phrase(v) for v in vocabulary) if n]
            found = _organisations(nt, names)
            return _dedupe(found + (_zh_matches(nt, _ZH_ORGANISATION) if chinese else []))
        if self.entity == "address":
            return _dedupe(_addresses(nt))
        return _dedupe(_money(nt))


# ---- Chinese names: a Chinese turn is one token per character, so these read the characters
# joined back together, and map what they find back to tokens.

_ZH_ROLE = (
    "(?:客服代表|客服专员|在线客服|人工客服|客服|代表|专员|坐席|顾问|经理|管家|助理|小助手|话务员)"
)
_ZH_SERVE = "(?:为您服务|为你服务|为您效劳|在线|很高兴|竭诚|给您|帮您|来为您|这边)"
_ZH_NUMBER = "[a-z0-9零〇一幺二两三四五六七八九十]+"
_ZH_ORG_TAIL = (
    "(?:银行|公司|保险|人寿|财险|寿险|电信|移动|联通|广电|集团|快递|物流|速递|商城|航空|电力|"
    "供电|燃气|水务|自来水|证券|基金|信用社|旗舰店|专营店|官方店|医院|平台|营业厅|科技|宽带|"
    "药房|超市|商场|酒店|银行卡中心|信用卡中心)"
)
_ZH_GREETING = (
    "(?:您好|你好|喂|亲爱的|亲|哈喽|嗨|早上好|上午好|下午好|晚上好|欢迎致电|欢迎来到|"
    "感谢致电|感谢您致电|这里是|呀|哦|啊|~)*"
)
_ZH_SURNAME = f"[{''.join(sorted(CN_SURNAMES))}]"
# a name: a surname and one or two characters, or a familiar 小王 / 阿杰 / 老李
_ZH_PERSON = f"(?:(?:小|阿|老)[\u4e00-\u9fff]|{_ZH_SURNAME}[\u4e00-\u9fff]{{1,2}})"
# the agent: a staff number, or a name after a role word or a self-introduction
_ZH_OWN_NAME = [
    re.compile(f"(?:工号|编号|坐席号|客服号|员工号|工牌号)(?:是)?({_ZH_NUMBER})"),
    re.compile(f"({_ZH_NUMBER})号(?:客服|话务员|坐席|专员|服务专员|为您服务|为你服务|竭诚)"),
    re.compile(f"{_ZH_ROLE}+((?:小|阿|老)?[\u4e00-\u9fff]{{1,3}}?){_ZH_SERVE}"),
    re.compile(f"(?:我是|我叫|我姓|本人是)(?:{_ZH_ROLE}|的)*({_ZH_PERSON})"),
    # "理财经理孙浩", "银行宽带中心的刘洁": a surname right after a role or an organisation's "的"
    re.compile(f"(?:{_ZH_ROLE}|(?:中心|公司|银行|部|店|移动|电信|联通|保险|集团)的)({_ZH_PERSON})"),
]
# the organisation: a name ending in what organisations are called, or what the greeting
# says before the service it is ("鲜果日记客服", "萌宠星球在线客服")
_ZH_ORGANISATION = [
    re.compile(f"([\u4e00-\u9fffa-z]{{1,8}}?{_ZH_ORG_TAIL})"),
    re.compile(
        f"^{_ZH_GREETING}([\u4e00-\u9fffa-z]{{2,10}}?)(?:在线客服|官方客服|客户服务中心|"
        "客服中心|服务中心|客服|热线|售后|服务部|续期服务部)"
    ),
]


def _zh_matches(nt: NormText, patterns: list[re.Pattern[str]]) -> list[Hit]:
    """Each pattern's first group, found in the turn's tokens joined without spaces."""
    joined, owner = "", []
    for i, t in enumerate(nt.tokens):
        joined += t
        owner.extend([i] * len(t))
    out = []
    for rx in patterns:
        for m in rx.finditer(joined):
            a, b = m.span(1)
            if b > a and not all(ch in _ZH_GREETING_CHARS for ch in m.group(1)):
                out.append(Hit(owner[a], owner[b - 1] + 1, 100.0))
    return out


_ZH_GREETING_CHARS = set("您好你喂亲爱的哈喽嗨欢迎致电来到感谢这里是呀哦啊")


def clauses(nt: NormText, longest: int = 14) -> list[tuple[int, int]]:
    """Token spans of a turn's clauses, long ones cut into overlapping pieces of `longest`
    tokens, so a notice buried in a long run-on turn gets a piece of its own."""
    spans: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(nt.tokens) + 1):
        if i == len(nt.tokens) or (nt.clause and nt.clause[i] != nt.clause[i - 1]):
            if i - start <= longest:
                spans.append((start, i))
            else:
                step = max(1, longest // 2)
                for a in range(start, i - step, step):
                    spans.append((a, min(a + longest, i)))
            start = i
    return spans


@register
class ConceptMatcher(Matcher):
    """Sentence embeddings (all-MiniLM-L6-v2, numpy) of each clause of a turn against
    example utterances that mean the thing and counter-examples that must not count: a
    clause counts when its nearest example is close enough and closer than the nearest
    counter-example. Decides by the nearest example, so evidence can say which."""

    kind = "concept"

    class Spec(Strict):
        """`examples`: utterances that mean it; `counter`: near misses that must not count;
        `threshold`: the cosine (0-1) to the nearest example a clause needs; `margin`: how
        much nearer to an example than to any counter-example it must be."""

        concept: str = Field(min_length=1)
        examples: list[str] = Field(min_length=1)
        counter: list[str] = Field(default_factory=list)
        threshold: float = Field(default=0.6, gt=0, le=1)
        margin: float = Field(default=0.0, ge=0, le=1)

    @classmethod
    def build(cls, spec: Any) -> Matcher:
        return cls(spec.concept, spec.examples, spec.counter, spec.threshold, spec.margin)

    def __init__(
        self,
        name: str,
        examples: list[str],
        counter: list[str],
        threshold: float,
        margin: float = 0.0,
    ) -> None:
        from .embed import encoder

        self.encoder = encoder()
        self.name = name
        self.examples = self.encoder.encode(examples)
        self.counter = self.encoder.encode(counter) if counter else None
        self.threshold = round(100 * threshold, 1)
        self.margin = 100 * margin
        self.description = f"concept {name} (>= {threshold:g})"
        self._cache: dict[NormText, list[tuple[Hit, bool]]] = {}

    def _scored(self, nt: NormText) -> list[tuple[Hit, bool]]:
        return _cached(self._cache, nt, lambda: self._score(nt))

    def _score(self, nt: NormText) -> list[tuple[Hit, bool]]:
        spans = clauses(nt)
        texts = [" ".join(nt.tokens[a:b]) for a, b in spans]
        if not texts:
            return []
        vecs = self.encoder.encode(texts)
        pos = (vecs @ self.examples.T).max(axis=1) * 100
        neg = (vecs @ self.counter.T).max(axis=1) * 100 if self.counter is not None else None
        out = []
        for k, (a, b) in enumerate(spans):
            score = round(float(pos[k]), 1)
            beaten = neg is not None and pos[k] - neg[k] < self.margin
            out.append((Hit(a, b, score), not beaten))
        return out

    def hits(self, nt: NormText) -> list[Hit]:
        return [h for h, ok in self._scored(nt) if ok and h.score >= self.threshold]

    def best(self, nt: NormText) -> Hit | None:
        scored = [h for h, ok in self._scored(nt) if ok]
        return max(scored, key=lambda h: h.score) if scored else None


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

    def best(self, nt: NormText) -> Hit | None:
        """A hit; else the parts' closest wordings, scored down for how far apart they are
        (all said, but twenty words apart, is not nearly said)."""
        found = self.hits(nt)
        if found:
            return found[0]
        cands = [p.best(nt) for p in self.parts]
        if any(c is None for c in cands):
            return None
        first = cands[0]
        assert first is not None
        gap = max(_gap(first, c) for c in cands[1:])  # type: ignore[arg-type]
        spread = min(1.0, (self.within + 1) / (gap + 1))
        return Hit(
            min(c.start for c in cands),  # type: ignore[union-attr]
            max(c.end for c in cands),  # type: ignore[union-attr]
            round(min(c.score for c in cands) * spread, 1),  # type: ignore[union-attr]
        )

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
