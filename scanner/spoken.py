"""Spoken numbers to digits, keeping a map back to the words (and so the audio) they came from.

Recognizers for cards, phones, dates and IDs look for digits; callers and speech recognition
say and write them as words: "four nine two nine", "oh seven seven double oh", "nineteen
eighty two", "the fourth of March". Each run of number words becomes digits (text2num does
the arithmetic for "four hundred and twelve"; digit-by-digit runs, "oh" and "double"/"triple"
are handled here), and every character of the result remembers which source words it came
from, so a match on "4929 1234" masks exactly the eight words that said it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from text_to_num import alpha2digit

from .cjk import MIN_READ_OUT, read_out_digits

_UNITS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "nought": "0",
    "naught": "0",
    "nil": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
# number words with one value, shared with the rule matcher's normaliser
NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen".split()
    )
}
NUMBER_WORDS.update(
    {
        w: str(10 * i)
        for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)
    }
)
_COMPOSITE = set(
    [
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "million",
    ]
)
_ORDINALS = set(
    [
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
        "thirteenth",
        "fourteenth",
        "fifteenth",
        "sixteenth",
        "seventeenth",
        "eighteenth",
        "nineteenth",
        "twentieth",
        "thirtieth",
    ]
)
_REPEAT = {"double": 2, "triple": 3}
_DIGITISH = re.compile(r"^[$£€#+(]*\d[\d,.\-/:)]*(st|nd|rd|th|s)?$")


def _core(word: str) -> str:
    return word.lower().strip(".,;:!?\"'()")


def _is_number_word(core: str, prev_numeric: bool, next_core: str, prev_core: str = "") -> bool:
    if core in _UNITS:
        # "oh"/"o" only count beside other digits ("oh seven seven", not "oh, I see"), after
        # the "dot" of an address ("twenty six dot oh dot thirty") or among spelled letters
        # and digits ("T oh K one G oh")
        beside_digit = (
            next_core in _UNITS or next_core in _REPEAT or bool(_DIGITISH.match(next_core))
        )
        spelled = len(prev_core) == 1 and prev_core.isalpha() and prev_core not in ("a", "i")
        dotted = prev_core in ("dot", "point") and next_core in ("dot", "point", "")
        return core not in ("oh", "o") or prev_numeric or beside_digit or spelled or dotted
    if core in _COMPOSITE or core in _ORDINALS or core in _REPEAT:
        return True
    if "-" in core and all(
        p in _UNITS or p in _COMPOSITE or p in _ORDINALS for p in core.split("-")
    ):
        return True  # twenty-one
    return _DIGITISH.match(core) is not None


@dataclass(frozen=True)
class Piece:
    """Characters [start, end) of the spoken form came from words first..last."""

    start: int
    end: int
    first: int
    last: int


@dataclass(frozen=True)
class SpokenText:
    text: str
    pieces: tuple[Piece, ...]

    def words_in(self, start: int, end: int) -> list[int]:
        """Source word indices behind text[start:end]."""
        out: set[int] = set()
        for p in self.pieces:
            if p.start < end and p.end > start:
                out.update(range(p.first, p.last + 1))
        return sorted(out)


def spoken_form(words: list[str], breaks: frozenset[int] = frozenset()) -> SpokenText:
    """Words of one turn to text with number runs as digits, and the map back. `breaks`:
    the words a line break follows in a typed message, kept so an address block or a pasted
    "Name: ..." line still reads as one."""
    parts: list[str] = []
    pieces: list[Piece] = []
    pos = 0

    def emit(text: str, first: int, last: int) -> None:
        nonlocal pos
        if parts:
            parts.append("\n" if pieces[-1].last in breaks else " ")
            pos += 1
        parts.append(text)
        pieces.append(Piece(pos, pos + len(text), first, last))
        pos += len(text)

    i = 0
    cores = [_core(w) for w in words]
    while i < len(words):
        # Chinese digits read out one by one ("幺三八 一二三四"): a run long enough is a number
        j, digits = i, ""
        while j < len(words) and (d := read_out_digits(words[j])) is not None:
            digits += d
            j += 1
        if len(digits) >= 3 and j < len(words) and words[j].rstrip("。，.,") in ("X", "x"):
            digits, j = digits + "X", j + 1  # an ID number's check character: "二八七X"
        if len(digits) >= MIN_READ_OUT:
            emit(digits, i, j - 1)
            i = j
            continue
        nxt = cores[i + 1] if i + 1 < len(words) else ""
        before = cores[i - 1] if i else ""
        if not _is_number_word(cores[i], False, nxt, before) or cores[i] in ("and",):
            emit(words[i], i, i)
            i += 1
            continue
        # a run of number words, broken into groups at punctuation ("four nine, two one")
        j = i
        group_start = i
        while j < len(words):
            nxt = cores[j + 1] if j + 1 < len(words) else ""
            numeric = _is_number_word(cores[j], j > i, nxt, cores[j - 1] if j else "")
            joins = (
                cores[j] == "and"
                and j > i
                and cores[j - 1] in ("hundred", "thousand")
                and (nxt in _UNITS or nxt in _COMPOSITE)
            )
            if not (numeric or joins):
                break
            ends_group = words[j].rstrip()[-1:] in ",.;:!?" or j + 1 == len(words)
            if ends_group:
                emit(_digits(words[group_start : j + 1]) + _trailing(words[j]), group_start, j)
                group_start = j + 1
            j += 1
        if group_start < j:
            emit(_digits(words[group_start:j]), group_start, j - 1)
        i = j
    return SpokenText("".join(parts), tuple(pieces))


def _trailing(word: str) -> str:
    tail = word.rstrip()[-1:]
    return tail if tail in ",.;:!?" else ""


def _digits(group: list[str]) -> str:
    """One group of number words (no punctuation inside) to its digits."""
    cores = [_core(w) for w in group]
    if len(group) == 1 and _DIGITISH.match(cores[0]):
        return group[0].strip(".,;:!?\"'()")  # as written: "14/02/1990", "078-05-1120"
    if all(c in _UNITS or c in _REPEAT or _DIGITISH.match(c) for c in cores):
        out, repeat = [], 1
        for c in cores:
            if c in _REPEAT:
                repeat = _REPEAT[c]
                continue
            digit = _UNITS.get(c) or re.sub(r"[^\d]", "", c)
            out.append(digit * repeat if len(digit) == 1 else digit)
            repeat = 1
        return "".join(out)
    text = " ".join("zero" if c in ("oh", "o", "nought", "naught", "nil") else c for c in cores)
    text = re.sub(
        r"\b(double|triple) (\w+)", lambda m: " ".join([m.group(2)] * _REPEAT[m.group(1)]), text
    )
    converted = alpha2digit(text, "en")
    # "19 82" -> "1982"; keep ordinal suffixes ("4th") and words text2num left alone
    return re.sub(r"(?<=\d) (?=\d)", "", converted)
