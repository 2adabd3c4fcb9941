"""Chat throughput: `scanner scan` over a batch of chats (redact, rules, findings, index,
report) against plain presidio analyzing the same turns one by one, in the same run; peak
memory of each.

The batch is made of the evaluation corpus's chats (eval/rules-en, rendered by
`python eval/make_eval.py text`; chats were not written for this code), copied under new names
until it holds `--n` of them. Tune on `--half dev`; report `--half test`.

- ours:  `python -m scanner scan FOLDER --out OUT -q` with its defaults (the shipped rule
         packs, redaction, findings, index, report), a fresh process; wall time from start to
         exit (start-up and model loading included).
- plain: presidio's AnalyzerEngine with its defaults (every recognizer, every entity, score
         threshold 0) on the same spaCy model our package uses, `engine.analyze(text)` once per
         turn, a fresh process; tldextract is pointed at its bundled suffix list so it does not
         try the network (as in bench_redaction.py). Its wall time is from start to exit too;
         the time inside the analyze loop alone is shown beside it.

The sides alternate over `--repeat` runs (medians shown). Peak memory is the largest resident
set of the process or of any of its children (`os.wait4`'s ru_maxrss: a worker, for ours).

    python bench/bench_chats.py [--n 10000] [--half test|dev] [--repeat 1] [--workers 0]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._proc import timed  # noqa: E402

PLAIN = """
import json, sys, time
import tldextract
from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider
import presidio_analyzer.predefined_recognizers.generic.email_recognizer as er
from scanner.models import resolve_spacy

offline = tldextract.TLDExtract(suffix_list_urls=())
tldextract.extract = offline
er.tldextract.extract = offline
conf = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": resolve_spacy()}]}
engine = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=conf).create_engine())
texts = json.load(open(sys.argv[1], encoding="utf-8"))
t0 = time.perf_counter()
found = 0
for text in texts:
    found += len(engine.analyze(text, language="en"))
print(json.dumps({"analyze_s": time.perf_counter() - t0, "found": found}))
"""


def chat_sources(half: str) -> list[Path]:
    folder = ROOT / "eval" / "build" / "rules-en" / half / "text"
    if not folder.is_dir():
        raise SystemExit(f"{folder} is missing: run `python eval/make_eval.py text` first")
    chats = [
        p
        for p in sorted(folder.glob("*.json"))
        if json.loads(p.read_text(encoding="utf-8")).get("medium") == "chat"
    ]
    if not chats:
        raise SystemExit(f"no chats in {folder}")
    return chats


def build_batch(half: str, n: int, folder: Path) -> list[str]:
    """N chats in `folder` (the corpus's chats in turn, each copy under a new name); returns
    the text of every turn of the batch, in order."""
    sources = chat_sources(half)
    turns = {
        p: [t.get("text", "") for t in json.loads(p.read_text(encoding="utf-8"))["turns"]]
        for p in sources
    }
    folder.mkdir(parents=True)
    texts: list[str] = []
    for k in range(n):
        src = sources[k % len(sources)]
        shutil.copyfile(src, folder / f"{src.stem}-n{k:05d}.json")
        texts.extend(t for t in turns[src] if t.strip())
    return texts


def run_ours(folder: Path, out: Path, workers: int) -> tuple[float, float]:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "scanner", "scan", str(folder), "--out", str(out), "-q"]
    wall, mb, _ = timed([*cmd, "--workers", str(workers)] if workers else cmd)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"]["failed"] == 0, summary["errors_by_code"]
    assert (out / "report.html").is_file()
    return wall, mb


def stage_shares(out: Path) -> dict[str, float]:
    """Seconds per stage over every findings file of a run, from their own timings."""
    stages: dict[str, float] = {}
    for path in out.glob("*.json"):
        if path.name == "summary.json":
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        for stage, seconds in doc.get("timings", {}).items():
            stages[stage] = stages.get(stage, 0.0) + seconds
    return stages


def run_plain(texts_file: Path) -> tuple[float, float, float]:
    wall, mb, out = timed([sys.executable, "-c", PLAIN, str(texts_file)])
    return wall, mb, json.loads(out.strip().splitlines()[-1])["analyze_s"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000, help="chats in the batch")
    ap.add_argument("--half", default="test", choices=["test", "dev"])
    ap.add_argument("--repeat", type=int, default=1, help="alternated pairs of runs")
    ap.add_argument("--workers", type=int, default=0, help="our --workers (0: the default)")
    ap.add_argument("--sides", default="ours,plain", help="which sides to run")
    args = ap.parse_args()
    sides = [s for s in args.sides.split(",") if s]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "chats"
        texts = build_batch(args.half, args.n, folder)
        texts_file = Path(tmp) / "turns.json"
        texts_file.write_text(json.dumps(texts), encoding="utf-8")
        words = sum(len(t.split()) for t in texts)
        print(
            f"{os.cpu_count()} cores; {args.n} chats from eval/rules-en {args.half} "
            f"({len(chat_sources(args.half))} distinct), {len(texts)} turns, {words} words; "
            f"medians of {args.repeat}"
        )
        walls: dict[str, list[float]] = {}
        mem: dict[str, float] = {}
        inner: list[float] = []
        stages: dict[str, float] = {}
        for i in range(args.repeat):
            for side in sides if i % 2 == 0 else list(reversed(sides)):
                if side == "ours":
                    out = Path(tmp) / "out"
                    wall, mb = run_ours(folder, out, args.workers)
                    for k, v in stage_shares(out).items():
                        stages[k] = stages.get(k, 0.0) + v
                else:
                    wall, mb, analyze_s = run_plain(texts_file)
                    inner.append(analyze_s)
                walls.setdefault(side, []).append(wall)
                mem[side] = max(mem.get(side, 0.0), mb)
                print(f"  {side}: {wall:.1f} s, {len(texts) / wall:.0f} turns/s", file=sys.stderr)
    n = len(texts)
    print(f"\n{'side':34s}{'wall s':>9s}{'turns/s':>10s}{'peak MB':>9s}")
    for side, values in walls.items():
        w = statistics.median(values)
        name = "ours (scanner scan, end to end)" if side == "ours" else "plain presidio, one by one"
        print(f"{name:34s}{w:9.1f}{n / w:10.0f}{mem[side]:9.0f}")
    if inner:
        a = statistics.median(inner)
        print(f"{'  plain: the analyze loop alone':34s}{a:9.1f}{n / a:10.0f}")
    if "ours" in walls and "plain" in walls:
        ours, plain = statistics.median(walls["ours"]), statistics.median(walls["plain"])
        print(f"\nturns/s ours / plain presidio: {plain / ours:.2f} (end to end, both sides)")
        if inner:
            print(f"turns/s ours / plain analyze loop alone: {statistics.median(inner) / ours:.2f}")
    total = stages.pop("total", 0.0)
    if total:
        print("\nour per-file time by stage (all our runs, from the findings' timings):")
        runs = len(walls["ours"])
        for stage, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
            print(f"  {stage:14s}{100 * seconds / total:6.2f}%  {seconds / runs:8.1f} s")
        print(f"  {'(total)':14s}{100:6.2f}%  {total / runs:8.1f} s per run")


if __name__ == "__main__":
    main()
