"""Which sentiment scorer reads contact-centre turns best: the shipped one (VADER, with the
scanner's handling in scanner/sentiment.py) against TextBlob's pattern lexicon and the
majority label, on eval/sentiment-en (600 turns by six authors in six styles, labelled by
people; eval/sentiment-en/README.md), in one run.

    python bench/bench_sentiment.py               # the test half: report only
    python bench/bench_sentiment.py --half dev    # the half the scorer may be tuned on

A score above +T is positive, below -T negative, else neutral (T = 0.05, VADER's own
convention, for both scorers). Prints accuracy, macro F1 and the recall and precision of
negative turns (what a QA lead filters on), per scorer and per author.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.sentiment import score  # noqa: E402

DATA = ROOT / "eval" / "sentiment-en" / "sentences.csv"
LABELS = ("negative", "neutral", "positive")
T = 0.05


def label(x: float | None) -> str:
    if x is None:
        return "neutral"
    return "positive" if x > T else "negative" if x < -T else "neutral"


def vader(text: str) -> float:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return float(SentimentIntensityAnalyzer().polarity_scores(text)["compound"])


def textblob(text: str) -> float:
    from textblob import TextBlob

    return float(TextBlob(text).sentiment.polarity)


def figures(gold: list[str], got: list[str]) -> dict[str, float]:
    acc = sum(g == p for g, p in zip(gold, got, strict=True)) / len(gold)
    f1s = []
    out = {"accuracy": acc}
    for lab in LABELS:
        tp = sum(g == p == lab for g, p in zip(gold, got, strict=True))
        fp = sum(p == lab != g for g, p in zip(gold, got, strict=True))
        fn = sum(g == lab != p for g, p in zip(gold, got, strict=True))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
        if lab == "negative":
            out["neg_precision"], out["neg_recall"] = prec, rec
    out["macro_f1"] = sum(f1s) / len(f1s)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--half", choices=("dev", "test"), default="test")
    args = ap.parse_args()
    rows = [r for r in csv.DictReader(DATA.open(encoding="utf-8")) if r["half"] == args.half]
    gold = [r["label"] for r in rows]
    majority = Counter(gold).most_common(1)[0][0]
    scorers = {
        "scanner (VADER)": [label(score(r["text"], r["speaker"])) for r in rows],
        "plain VADER": [label(vader(r["text"])) for r in rows],
        "TextBlob": [label(textblob(r["text"])) for r in rows],
        "majority label": [majority] * len(rows),
    }
    print(f"eval/sentiment-en, {args.half} half: {len(rows)} turns")
    print(f"{'scorer':<18} {'accuracy':>9} {'macro F1':>9} {'neg P':>7} {'neg R':>7}")
    for name, got in scorers.items():
        f = figures(gold, got)
        print(
            f"{name:<18} {f['accuracy']:>9.3f} {f['macro_f1']:>9.3f} "
            f"{f['neg_precision']:>7.3f} {f['neg_recall']:>7.3f}"
        )
    print("\nper author, accuracy (scanner / TextBlob):")
    for author in sorted({r["author"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["author"] == author]
        g = [gold[i] for i in idx]
        a = figures(g, [scorers["scanner (VADER)"][i] for i in idx])["accuracy"]
        b = figures(g, [scorers["TextBlob"][i] for i in idx])["accuracy"]
        print(f"  {author}: {a:.3f} / {b:.3f}  ({len(idx)} turns)")
    ours = figures(gold, scorers["scanner (VADER)"])["accuracy"]
    theirs = figures(gold, scorers["TextBlob"])["accuracy"]
    print(f"\naccuracy ratio scanner / TextBlob: {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
