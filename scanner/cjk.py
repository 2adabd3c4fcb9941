"""Chinese text as words: segmentation, spoken digits, and joining words back into text.

Redaction masks word by word, and a typed Chinese message has no spaces: split on whitespace,
a whole sentence is one "word", so either all of it is masked or none, and no digit-pattern
recognizer sees its digits (`\\b` finds no boundary between 是 and 1, both being word
characters). Segmenting with jieba gives words a mask can cover, and the space-joined form
given to the recognizers puts boundaries around every number. Only runs of CJK characters go
through jieba; everything else (e-mail addresses, Latin names, digits with their separators)
is split on whitespace as before, so an English turn is unchanged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache

from .types import Turn

# CJK ideographs and the full-width punctuation that goes with them
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = "\u3000-\u303f\uff00-\uffef"
HAN = re.compile(f"[{_HAN}]")
_CJK_RUN = re.compile(f"[{_HAN}{_CJK_PUNCT}]+")
# Chinese digits as read out one by one (幺 is how 1 is said in phone numbers)
CN_DIGITS = {
    "零": "0",
    "〇": "0",
    "幺": "1",
    "一": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
# this many Chinese digits in a row are a number read out (一二三 alone is not)
MIN_READ_OUT = 4
_READ_OUT = re.compile(f"[{''.join(CN_DIGITS)}]{{{MIN_READ_OUT},}}")


def has_han(text: str) -> bool:
    return HAN.search(text) is not None


def han_share(text: str) -> float:
    """Share of the letters that are CJK ideographs (0 for text without letters)."""
    letters = [c for c in text if c.isalpha()]
    return sum(1 for c in letters if HAN.match(c)) / len(letters) if letters else 0.0


# a text whose letters are at least this share Chinese characters is Chinese
ZH_SHARE = 0.3


def text_language(text: str) -> str:
    """'zh' for Chinese text, else 'en' (the languages the shipped packs are written for)."""
    return "zh" if han_share(text) >= ZH_SHARE else "en"


@lru_cache(maxsize=1)
def _jieba():  # jieba is untyped
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def segment(text: str) -> list[str]:
    """The words of a typed turn: CJK runs cut by jieba (a run of Chinese digits read out
    kept whole), the rest split on whitespace."""
    words: list[str] = []
    for chunk in text.split():
        pos = 0
        for m in _CJK_RUN.finditer(chunk):
            if m.start() > pos:
                words.append(chunk[pos : m.start()])
            words.extend(_cut(m.group(0)))
            pos = m.end()
        if pos < len(chunk):
            words.append(chunk[pos:])
    return words


def tagged(run: str) -> list[tuple[str, str]]:
    """Words of a run of Chinese with jieba's part-of-speech tags (nr: a person's name)."""
    _jieba()
    import jieba.posseg as pseg

    return [(w.word, w.flag) for w in pseg.lcut(run)]


def turn_words(turn: Turn) -> list[str]:
    """The words of a turn as redaction masks them and rules quote them (one definition, so
    a rule's evidence and a mask count words alike): recognised words as they came, a typed
    turn split on whitespace, a typed Chinese turn segmented."""
    if turn.words:
        return [w.text for w in turn.words]
    return segment(turn.text) if has_han(turn.text) else turn.text.split()


@lru_cache(maxsize=1)
def _t2s():  # opencc is untyped
    from opencc import OpenCC

    return OpenCC("t2s")


def simplified(text: str) -> str:
    """Chinese in Simplified characters (whisper writes Traditional as often as not: 貨幣 for
    货币), so rules, recognizers and readers see one script. Other text is returned as is."""
    return _t2s().convert(text) if has_han(text) else text


def _cut(run: str) -> list[str]:
    out: list[str] = []
    pos = 0
    for m in _READ_OUT.finditer(run):
        if m.start() > pos:
            out.extend(_jieba().lcut(run[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    if pos < len(run):
        out.extend(_jieba().lcut(run[pos:]))
    return [w for w in out if w.strip()]


def read_out_digits(word: str) -> str | None:
    """'幺三八' -> '138' for a word that is only Chinese digits (trailing punctuation
    aside); else None. Callers decide whether a run of them is long enough to be a number."""
    core = word.rstrip("，。、；：！？,.;:!? ")
    check = core[-1:] if len(core) >= 4 and core[-1:] in "Xx" else ""  # an ID's last character
    core = core[: len(core) - len(check)]
    if core and all(c in CN_DIGITS for c in core):
        return "".join(CN_DIGITS[c] for c in core) + check.upper()
    return None


def _cjk_edge(ch: str) -> bool:
    return bool(re.match(f"[{_HAN}{_CJK_PUNCT}]", ch))


def join(words: Sequence[str]) -> str:
    """Words back into text: no space where either side is Chinese, one space elsewhere
    (so English text comes back exactly as `" ".join`)."""
    out: list[str] = []
    for w in words:
        if out and not (_cjk_edge(out[-1][-1]) or _cjk_edge(w[0])):
            out.append(" ")
        out.append(w)
    return "".join(out)
