"""The rule-pack language: a strict schema, and a loader whose errors name file, line and path.

Rule packs are data, never code: YAML is read with the safe loader, every key is checked
(a typo is an error, not a silently ignored setting), and regexes are compiled with RE2, whose
matching time is linear in the text, so no pattern can hang a scan.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from .errors import RulePackError
from .matchers import MatchSpec, Strict, kind_of
from .vocab import Category, Kind, Outcome, Severity, Speaker

_SLUG = r"^[a-z0-9][a-z0-9-]*$"
_Strict = Strict


def _coerce_match(value: Any) -> Any:
    """A bare string is shorthand for a phrase."""
    return {"phrase": value} if isinstance(value, str) else value


# ---- conditions -----------------------------------------------------------------------------


class Window(_Strict):
    """Where in the interaction a rule looks. Seconds apply to timed turns; on untimed chats
    only the turn and percent limits apply."""

    first_seconds: float | None = Field(default=None, gt=0)
    last_seconds: float | None = Field(default=None, gt=0)
    first_turns: int | None = Field(default=None, ge=1)
    last_turns: int | None = Field(default=None, ge=1)
    first_percent: float | None = Field(default=None, gt=0, le=100)
    last_percent: float | None = Field(default=None, gt=0, le=100)

    @model_validator(mode="after")
    def _not_empty(self) -> Window:
        if all(v is None for v in self.model_dump().values()):
            raise ValueError("a window needs at least one limit, e.g. first_seconds: 30")
        return self


class Step(_Strict):
    """One side of a conditional: who says what, where."""

    speaker: Speaker = "any"
    match: MatchSpec
    window: Window | None = None

    @field_validator("match", mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        return _coerce_match(v)


class Then(Step):
    """What must follow (or, with direction: before, precede) each trigger, and how soon."""

    within_seconds: float | None = Field(default=None, gt=0)
    within_turns: int | None = Field(default=None, ge=1)
    # within so many turns of the responding speaker ("within the agent's next three
    # replies"), however many the other side takes in between
    within_replies: int | None = Field(default=None, ge=1)
    direction: Literal["after", "before"] = "after"
    # when the trigger never occurs: the rule does not apply (default), or `then` is still
    # required somewhere ("verify the debtor before disclosing the debt", and verify them
    # even if the debt is never spelled out)
    untriggered: Literal["not_applicable", "required"] = "not_applicable"


class Detect(Step):
    """What shows a conversation is of a kind; `at_least` different wordings must be found
    (a collections call says "overdue" and "debt", a service call may say one of them)."""

    at_least: int = Field(default=1, ge=1, le=20)


class AppliesWhen(_Strict):
    """When a rule applies. `metadata`: each key must equal one of the listed values; where
    the interaction's metadata does not have the key at all, `detect` decides instead: the
    rule applies if that is found in the conversation (a call about collecting a debt gets
    the debt-collection rules even without a campaign column). Metadata always wins."""

    metadata: dict[str, str | list[str]] = Field(default_factory=dict)
    medium: Literal["voice", "chat", "any"] = "any"
    detect: Detect | None = None
    # ... unless the conversation shows it is of another kind (a collections call that
    # offers a repayment arrangement is not a sale)
    unless: Detect | None = None

    @model_validator(mode="after")
    def _detect_needs_metadata(self) -> AppliesWhen:
        if self.detect is not None and not self.metadata:
            raise ValueError("'detect' decides when a metadata key is missing: give 'metadata'")
        return self


# ---- limits on how the conversation was conducted (conversation.py measures them) ----------


class SilenceLimit(_Strict):
    """No silence in which neither party speaks longer than this, unless it was announced
    (a hold notice) shortly before it started."""

    longer_than_seconds: float = Field(gt=0)
    unless_announced: Step | None = None
    announced_within_seconds: float = Field(default=30, gt=0)


class InterruptionLimit(_Strict):
    """No more than `more_than` interruptions by a party (starting to talk while the other
    is mid-utterance, and talking over them)."""

    by: Literal["agent", "customer"]
    more_than: int = Field(default=0, ge=0)


class RatioLimit(_Strict):
    """A party's share of the talk time (0-1) must stay within bounds."""

    speaker: Literal["agent", "customer"]
    above: float | None = Field(default=None, ge=0, le=1)
    below: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _bound(self) -> RatioLimit:
        if self.above is None and self.below is None:
            raise ValueError("give 'above' or 'below' (a share of talk time, 0-1)")
        return self


class RateLimit(_Strict):
    """A party's speaking rate over the whole call, in words per minute."""

    speaker: Literal["agent", "customer"]
    above: float = Field(gt=0)


class SentimentLimit(_Strict):
    """A party's sentiment (-1..1) must not fall below a floor: at the end (its last three
    turns), over the whole interaction, or in any quarter of it."""

    speaker: Literal["agent", "customer"] = "customer"
    at: Literal["end", "overall", "any_quarter"] = "end"
    below: float = Field(ge=-1, le=1)


class Measure(_Strict):
    """Exactly one limit on how the conversation was conducted."""

    silence: SilenceLimit | None = None
    interruptions: InterruptionLimit | None = None
    talk_ratio: RatioLimit | None = None
    words_per_minute: RateLimit | None = None
    sentiment: SentimentLimit | None = None

    @model_validator(mode="after")
    def _one(self) -> Measure:
        given = [k for k, v in self.model_dump().items() if v is not None]
        if len(given) != 1:
            raise ValueError(
                "a measure is exactly one of silence, interruptions, talk_ratio, "
                f"words_per_minute, sentiment (given: {', '.join(given) or 'none'})"
            )
        return self


class ExampleTurn(_Strict):
    speaker: Literal["agent", "customer"]
    text: str
    # when the turn starts and ends (seconds): examples of silence, talk-over and pace
    at: float | None = Field(default=None, ge=0)
    until: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _order(self) -> ExampleTurn:
        if self.until is not None and (self.at is None or self.until <= self.at):
            raise ValueError("'until' needs an 'at' before it")
        return self

    @field_validator("text", mode="before")
    @classmethod
    def _numbers_are_text(cls, v: Any) -> Any:
        """`- customer: 448120` is what someone typed, not a number."""
        return str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v


class Example(_Strict):
    """A tiny interaction and the outcome the rule must give on it."""

    name: str | None = None
    expect: Outcome
    medium: Literal["voice", "chat"] = "voice"
    metadata: dict[str, str] = Field(default_factory=dict)
    turns: list[ExampleTurn] = Field(min_length=1)

    @field_validator("turns", mode="before")
    @classmethod
    def _pairs(cls, v: Any) -> Any:
        """Accept `- agent: text` and `- [agent, text]` as well as full mappings."""
        out = []
        for item in v if isinstance(v, list) else []:
            if isinstance(item, list) and len(item) == 2:
                out.append({"speaker": item[0], "text": item[1]})
            elif isinstance(item, dict) and len(item) == 1 and "speaker" not in item:
                ((speaker, text),) = item.items()
                out.append({"speaker": speaker, "text": text})
            else:
                out.append(item)
        return out if isinstance(v, list) else v


class Rule(_Strict):
    id: str = Field(pattern=_SLUG)
    title: str | None = None
    category: Category
    kind: Kind
    severity: Severity
    message: str = Field(min_length=1)
    reference: str | None = None
    version: str = "1"
    weight: float = Field(default=1.0, ge=0)
    owner: str | None = None
    speaker: Speaker = "any"
    channel: Literal["voice", "chat", "any"] = "any"
    window: Window | None = None
    after: str | None = Field(default=None, pattern=_SLUG)
    before: str | None = Field(default=None, pattern=_SLUG)
    match: MatchSpec | None = None
    # with `match: {all: [...]}`, each part may be found in a different turn (each within the
    # rule's speaker, window and order): "the organisation and the agent's name, in the
    # opening", whether said in one sentence or two turns
    across_turns: bool = False
    when: Step | None = None
    then: Then | None = None
    # a measured rule: a limit on silence, talk-over, talk share, pace or sentiment
    measure: Measure | None = None
    # a required wording read faster than this (words per minute over the words found)
    # fails: a disclosure gabbled too fast to follow is not given
    max_words_per_minute: float | None = Field(default=None, gt=0)
    applies_when: AppliesWhen | None = None
    review_margin: int = Field(default=5, ge=0, le=50)
    min_word_confidence: float = Field(default=0.4, ge=0, le=1)
    examples: list[Example] = Field(default_factory=list)

    @field_validator("match", mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        return _coerce_match(v)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) else v

    @model_validator(mode="after")
    def _shape(self) -> Rule:
        if self.kind == "measured":
            if self.measure is None:
                raise ValueError("a measured rule needs 'measure'")
            if self.match is not None or self.when is not None or self.then is not None:
                raise ValueError("a measured rule uses 'measure', not 'match' or 'when'/'then'")
            return self
        if self.measure is not None:
            raise ValueError(f"'measure' belongs to measured rules, not {self.kind}")
        if self.max_words_per_minute is not None and self.kind != "required":
            raise ValueError("max_words_per_minute limits the pace of a required wording")
        if self.kind == "conditional":
            if self.when is None or self.then is None:
                raise ValueError("a conditional rule needs both 'when' and 'then'")
            if self.match is not None:
                raise ValueError("a conditional rule uses 'when'/'then', not 'match'")
        else:
            if self.match is None:
                raise ValueError(f"a {self.kind} rule needs 'match'")
            if self.when is not None or self.then is not None:
                raise ValueError(f"'when'/'then' belong to conditional rules, not {self.kind}")
        if self.across_turns and not (self.kind == "required" and kind_of(self.match) == "all"):
            raise ValueError("across_turns is for required rules whose match is 'all'")
        if self.across_turns and any(kind_of(p) == "not" for p in self.match.all):  # type: ignore[union-attr]
            raise ValueError("across_turns finds each part somewhere: 'not' parts have no place")
        return self


class Pack(_Strict):
    pack: str = Field(pattern=_SLUG)
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    title: str | None = None
    description: str | None = None
    owner: str | None = None
    # the language of the conversations it is written for: on an interaction in another
    # language every rule is not_applicable (its wording would never match, and "not found"
    # would read as a violation)
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}$")
    # when the whole pack applies (a rule's own applies_when replaces it)
    applies_when: AppliesWhen | None = None
    # names the centre uses (organisations, products, campaigns): given to speech
    # recognition as hot words, and recognised as organisation names however they are heard
    vocabulary: list[str] = Field(default_factory=list)
    rules: list[Rule] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) else v

    @model_validator(mode="after")
    def _ids(self) -> Pack:
        seen: set[str] = set()
        ids = {r.id for r in self.rules}
        for i, r in enumerate(self.rules):
            if r.id in seen:
                raise ValueError(f"rule id '{r.id}' is used twice (rules -> {i})")
            seen.add(r.id)
            for ref in (r.after, r.before):
                if ref and ref not in ids:
                    raise ValueError(f"rule '{r.id}' refers to unknown rule '{ref}'")
        cycle = _reference_cycle({r.id: [x for x in (r.after, r.before) if x] for r in self.rules})
        if cycle:
            raise ValueError(
                "rules refer to each other in a circle through after/before ("
                + " -> ".join(cycle)
                + "): one of them would always be checked without the other, so it could "
                "never pass"
            )
        return self


def _reference_cycle(refs: dict[str, list[str]]) -> list[str] | None:
    """The first circle of after/before references (a rule referring to itself included)."""
    state: dict[str, int] = {}
    for start in refs:
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                if state.get(node) == 2:
                    continue
                if state.get(node) == 1:
                    return [*path[path.index(node) :], node]
                state[node] = 1
                path.append(node)
            nexts = refs.get(node, [])
            if i < len(nexts):
                stack.append((node, i + 1))
                stack.append((nexts[i], 0))
            else:
                state[node] = 2
                path.pop()
    return None


# ---- loading with line numbers --------------------------------------------------------------


class PackLoader(yaml.SafeLoader):
    """The safe loader with YAML 1.2 booleans: only true/false. In YAML 1.1 `no`, `off`,
    `yes` and `on` are booleans, and a word list of what people say is full of them."""


PackLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
PackLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_pack(path: Path) -> Pack:
    """Read and validate one pack file; every problem is a RulePackError with file:line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulePackError(str(path), [(None, None, f"cannot read the file ({exc})")]) from exc
    try:
        root = yaml.compose(text, Loader=PackLoader)
        _check_nodes(path, root)
        data = yaml.load(text, Loader=PackLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise RulePackError(str(path), [(line, None, f"invalid YAML: {problem}")]) from exc
    except RecursionError as exc:
        raise RulePackError(str(path), [(None, None, "invalid YAML: nested too deeply")]) from exc
    if not isinstance(data, dict):
        raise RulePackError(
            str(path), [(1, None, "a rule pack is a mapping with 'pack' and 'rules'")]
        )
    try:
        return Pack.model_validate(data)
    except ValidationError as exc:
        raise RulePackError(str(path), [_issue(root, e) for e in exc.errors()]) from exc
    except RecursionError as exc:
        raise RulePackError(str(path), [(None, None, "nested too deeply")]) from exc


# what a pack may expand to through YAML aliases: packs are hundreds of values, and an alias
# of an alias of ... (the "billion laughs") would hold validation for ever
_MAX_VALUES = 200_000


def _check_nodes(path: Path, root: yaml.Node | None) -> None:
    """What the YAML reader lets through silently: a key given twice in one mapping (the
    last one would win), and aliases that multiply the document beyond reason."""
    if root is None:
        return
    sizes: dict[int, int] = {}
    entered: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # sizes after expanding aliases, children before parents
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        kids = _children(node)
        if done:
            sizes[id(node)] = min(_MAX_VALUES + 1, 1 + sum(sizes.get(id(c), 1) for c in kids))
            continue
        if id(node) in entered:  # an alias of an enclosing node: counted once
            continue
        entered.add(id(node))
        if isinstance(node, yaml.MappingNode):
            _no_duplicate_keys(path, node)
        stack.append((node, True))
        stack.extend((c, False) for c in kids if id(c) not in sizes)
    if sizes[id(root)] > _MAX_VALUES:
        raise RulePackError(
            str(path),
            [(None, None, f"the pack expands to over {_MAX_VALUES} values (YAML aliases)")],
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [x for pair in node.value for x in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _no_duplicate_keys(path: Path, node: yaml.MappingNode) -> None:
    first: dict[str, int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        line = key.start_mark.line + 1
        if key.value in first:
            problem = (
                f"key '{key.value}' is given twice in one mapping (first on line "
                f"{first[key.value]}); only one of them could count"
            )
            raise RulePackError(str(path), [(line, None, problem)])
        first[key.value] = line


def _issue(root: yaml.Node, err: Any) -> tuple[int | None, str | None, str]:
    loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("<"))]
    problem = _problem(err)
    line = _line_of(root, loc)
    if err["type"] == "extra_forbidden":
        problem = f"unknown key '{loc[-1]}'"
        loc = loc[:-1]
    return line, " -> ".join(str(p) for p in loc) or None, problem


def _problem(err: dict) -> str:
    msg = str(err["msg"])
    msg = re.sub(r"^Value error, ", "", msg)
    if err["type"] == "missing":
        return "required key missing"
    if err["type"] == "literal_error":
        return msg[0].lower() + msg[1:]
    return msg[0].lower() + msg[1:] if msg else msg


def _line_of(node: yaml.Node | None, loc: list[Any]) -> int | None:
    """Follow a pydantic location through the YAML node tree to the deepest line we can."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == part or k.value == str(part)), None)
            key = next((k for k, _ in node.value if k.value == str(part)), None)
            if nxt is None:
                break
            line = (key or nxt).start_mark.line + 1
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def pack_files(paths: list[Path]) -> list[Path]:
    """Pack folders hold pack.yaml (and anything else); a .yaml file is taken as it is."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            direct = p / "pack.yaml"
            out.extend([direct] if direct.is_file() else sorted(p.glob("*/pack.yaml")))
        else:
            out.append(p)
    return out
