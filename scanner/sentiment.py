"""Sentiment per turn, offline: VADER's lexicon and rules (vaderSentiment, weights in the
package, no model download).

VADER was chosen by measurement on eval/sentiment-en (600 contact-centre turns in six styles,
labelled by people): see bench/bench_sentiment.py for the figures against TextBlob and a
polarity-word baseline. It handles negation ("not happy"), intensifiers and capitals, which
is most of what a customer's mood turns on. Scores are -1 (negative) to 1 (positive).
Text with no Latin letters (a Mandarin turn) is not scored: None, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

_LATIN = re.compile(r"[A-Za-z]")
# placeholders a redacted or spoken transcript may hold carry no feeling
_PLACEHOLDER = re.compile(r"<[A-Z_]+>|\[[A-Z_]+\]")


@lru_cache(maxsize=1)
def _analyzer():  # vaderSentiment is untyped
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def score(text: str) -> float | None:
    """-1..1 for one turn; None for text this scorer cannot read (no Latin letters)."""
    text = _PLACEHOLDER.sub(" ", text)
    if not _LATIN.search(text):
        return None
    return round(float(_analyzer().polarity_scores(text)["compound"]), 3)


def score_turns(texts: Sequence[str]) -> list[float | None]:
    return [score(t) for t in texts]
