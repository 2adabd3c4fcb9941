"""Rule accuracy on conversations we did not tune on: the shipped packs against the first-wave
packs (exact and fuzzy phrase lists, kept in bench/baseline-packs/) on the same labelled
interactions, in one run, as text and as audio in two voice pairs.

    python bench/bench_accuracy.py                      # the test half: report only
    python bench/bench_accuracy.py --half dev           # the half rules may be tuned on
    python bench/bench_accuracy.py --sets text          # skip the audio (minutes, not an hour)

The corpus is eval/rules-en (eval/README.md): sources written by several authors in their own
styles from eval/LABELLING.md, split once into dev and test. Audio is rendered by
eval/make_eval.py and scanned once with `scanner scan --keep-unredacted` (synthetic data; the
transcripts are kept so the rules can be re-scored without transcribing again); a re-run
resumes where it stopped. Prints, per rule and overall, the share of verdicts that are right
for both packs, precision and recall of violations, and needs_review; and the word error
rate of the transcripts against the sources.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from scanner import ScanOptions  # noqa: E402
from scanner.rule_eval import EvalReport, evaluate  # noqa: E402

CORPUS = "rules-en"
BASELINE = ROOT / "bench" / "baseline-packs"
SHIPPED = ROOT / "rules"
AUDIO_SETS = ("audio-piper-flite", "audio-flite", "audio-espeak")


def build(half: str, sets: list[str]) -> None:
    make = [sys.executable, str(ROOT / "eval" / "make_eval.py")]
    subprocess.run([*make, "split"], check=True)
    subprocess.run([*make, "text"], check=True, capture_output=True)
    for name in sets:
        if name.startswith("audio-"):
            voices = name.removeprefix("audio-")
            subprocess.run([*make, "audio", "--voices", voices, "--half", half], check=True)


def scan_audio(folder: Path, out: Path, metadata: Path | None = None) -> None:
    """Transcribe once; the findings keep the text so rules can be scored again and again."""
    cmd = [sys.executable, "-m", "scanner", "scan", str(folder), "--out", str(out)]
    cmd += ["--keep-unredacted", "--no-report", "-q"]
    if metadata is not None:
        cmd += ["--metadata", str(metadata)]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if res.returncode not in (0, 1):
        raise SystemExit(f"scan of {folder} failed: {res.stderr[-2000:]}")


def wer(folder: Path, scanned: Path) -> float:
    """Word error rate of the scanned transcripts against the source turns (normalised as
    the tests do: numbers as digits, contractions spelled out)."""
    import jiwer
    import yaml
    from helpers import normalise

    src = {p.stem: p for p in (ROOT / "eval" / CORPUS / "src").rglob("*.yaml")}
    refs, hyps = [], []
    for f in sorted(scanned.glob("*.json")):
        doc = json.loads(f.read_text())
        if doc.get("schema") != "scanner.findings/v1" or doc["id"] not in src:
            continue
        turns = yaml.safe_load(src[doc["id"]].read_text())["turns"]
        texts = [t.get("text") if "speaker" in t else next(iter(t.values())) for t in turns]
        refs.append(normalise(" ".join(str(t) for t in texts)))
        hyps.append(normalise(" ".join(t.get("text", "") for t in doc["transcript"]["turns"])))
    return jiwer.wer(refs, hyps) if refs else float("nan")


def row(report: EvalReport) -> dict[str, object]:
    return report.as_dict()


_CUES = set(
    """thank thanks you for calling contacting choosing welcome to from at with this is it its
    i im am my name names youre speaking are chatting talking through here on behalf of the
    a an and""".split()
)


def vocabulary_csv(folder: Path, target: Path) -> Path:
    """What a centre would configure: each call's organisation and agent names, as said in
    the opening of its source (found by the rules' own entity matcher on the clean text),
    in a metadata CSV whose `vocabulary` column the scan gives whisper as hot words."""
    import csv

    import yaml

    from scanner.matchers import EntityMatcher, NormText

    src = {p.stem: p for p in (ROOT / "eval" / CORPUS / "src").rglob("*.yaml")}
    finders = [EntityMatcher("organisation"), EntityMatcher("own-name")]
    rows = []
    for wav in sorted(folder.glob("*.wav")):
        turns = yaml.safe_load(src[wav.stem].read_text())["turns"][:4]
        names: list[str] = []
        for t in turns:
            speaker, text = (t["speaker"], t["text"]) if "speaker" in t else next(iter(t.items()))
            if speaker != "agent":
                continue
            nt = NormText.from_words(str(text).split())
            for m in finders:
                for h in m.hits(nt):
                    words = nt.words[nt.word_of[h.start] : nt.last_of[h.end - 1] + 1]
                    kept = [w.strip(".,!?;:") for w in words]
                    kept = [w for w in kept if w.lower().replace("'", "") not in _CUES]
                    if kept:
                        names.append(" ".join(kept))
        rows.append({"file": wav.name, "vocabulary": "; ".join(dict.fromkeys(names))})
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["file", "vocabulary"])
        writer.writeheader()
        writer.writerows(rows)
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--half", choices=["dev", "test"], default="test")
    ap.add_argument("--sets", default="text," + ",".join(AUDIO_SETS))
    ap.add_argument("--json", type=Path, help="write every figure here")
    ap.add_argument(
        "--vocabulary",
        action="store_true",
        help="also scan the audio with each call's names as vocabulary (hot words)",
    )
    args = ap.parse_args()
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    if args.vocabulary:
        sets += [f"{s}+vocabulary" for s in sets if s.startswith("audio-")]
    build(args.half, [s for s in sets if not s.endswith("+vocabulary")])
    base = ROOT / "eval" / "build" / CORPUS / args.half
    figures: dict[str, dict[str, object]] = {}
    for name in sets:
        folder = base / name.removesuffix("+vocabulary")
        labels = folder / "labels.csv"
        target = folder
        if name.endswith("+vocabulary"):
            target = base / f"scan-{name}"
            scan_audio(folder, target, vocabulary_csv(folder, base / f"{name}.csv"))
        elif name.startswith("audio-"):
            target = base / f"scan-{name}"
            scan_audio(folder, target)
        for packs_name, packs in (("shipped", SHIPPED), ("baseline", BASELINE)):
            report = evaluate(target, ScanOptions(rule_paths=(packs,)), labels)
            figures.setdefault(name, {})[packs_name] = row(report)
        if name.startswith("audio-"):
            figures[name]["wer"] = round(wer(folder, target), 3)

    rules = list(next(iter(figures.values()))["shipped"]["rules"])  # type: ignore[index]
    head = f"{'rule':54s}" + "".join(f"{s[:22]:>24s}" for s in sets)
    print(f"\nverdicts right, shipped packs vs first-wave baseline ({args.half} half)\n")
    print(head)
    for rule in rules:
        cells = []
        for s in sets:
            ours = figures[s]["shipped"]["rules"][rule]["accuracy"]  # type: ignore[index]
            old = figures[s]["baseline"]["rules"][rule]["accuracy"]  # type: ignore[index]
            cells.append(f"{100 * ours:6.1f}% vs {100 * old:5.1f}%")
        print(f"{rule:54s}" + "".join(f"{c:>24s}" for c in cells))
    for key, label in (("accuracy", "all verdicts"), ("needs_review", "needs_review")):
        cells = []
        for s in sets:
            ours, old = figures[s]["shipped"][key], figures[s]["baseline"][key]  # type: ignore[index]
            cells.append(f"{100 * ours:6.1f}% vs {100 * old:5.1f}%")  # type: ignore[operator]
        print(f"{label:54s}" + "".join(f"{c:>24s}" for c in cells))
    first = figures[sets[0]]["shipped"]
    print(f"\n{first['interactions']} interactions, {first['verdicts']} verdicts per set")
    for s in sets:
        if "wer" in figures[s]:
            print(f"{s}: word error rate of the transcripts {figures[s]['wer']:.3f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
