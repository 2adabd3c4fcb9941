"""Full-pipeline throughput: `scanner scan` (decode, transcribe, roles, redact, rules, write
findings, index and report) against plain faster-whisper only transcribing the same files, in
the same run; word error rate of each side on the same audio; peak memory; how the scan scales
with workers and batch size.

Peers (the same tiny.en model files):
- batched:  faster-whisper's BatchedInferencePipeline, int8, batch 8, its defaults otherwise
            (Silero VAD at threshold 0.5): the strongest plain peer, what a user who knows
            faster-whisper would run for transcripts alone.
- batched-vad.15: the same with Silero's threshold at 0.15 as ours; the default threshold drops
            much of a voice on the 300-3400 Hz phone band, and its WER shows it.
- default:  WhisperModel(path) and model.transcribe(file), nothing changed (float32 on a CPU).

Every run is a fresh process (start-up and model loading included), the sides alternate, and
the table shows medians of `--repeat` runs. Peak memory is the largest resident set of any
process of the run (a worker, for our multi-worker runs). Our timed runs are default scans
(redacted); our WER comes from one more, untimed, run with `--keep-unredacted`, whose decoding
is the same. WER references: the sources of the evaluation corpus (`--set dev|test`, the
corpus's calls rendered by `eval/make_eval.py audio --voices flite`), or samples/scripts.yaml.
Tune on `--set dev`; report `--set test`.

    python bench/bench_pipeline.py [--set test] [--files 12] [--repeat 3]
                                   [--workers 1,2] [--batch-sizes 8] [--peers batched,default]
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

CORPUS = ROOT / "eval" / "rules-en"

PLAIN = """
import sys, json
from faster_whisper import WhisperModel, BatchedInferencePipeline
from scanner import resolve_whisper
peer = sys.argv[1]
path = str(resolve_whisper("tiny.en").path)
texts = {}
if peer == "default":
    model = WhisperModel(path)
    run = model.transcribe
else:
    pipe = BatchedInferencePipeline(WhisperModel(path, compute_type="int8"))
    vad = {"threshold": float(peer.split("vad")[1])} if "vad" in peer else None
    run = lambda f: pipe.transcribe(f, batch_size=8, vad_parameters=vad)
for f in sys.argv[2:]:
    segments, info = run(f)
    texts[f.rsplit("/", 1)[-1]] = " ".join(s.text for s in segments)
print(json.dumps(texts))
"""


def pick_files(name: str, count: int, folder: Path) -> list[Path]:
    """`count` calls spread evenly over the set (every author and both channel layouts),
    copied under `folder` so each run reads the same bytes."""
    if name == "samples":
        src = sorted(
            p for p in (ROOT / "samples" / "calls").iterdir() if p.suffix not in (".json", ".csv")
        )
        chosen = [src[i % len(src)] for i in range(count)]
    else:
        pool = sorted((ROOT / "eval" / "build" / "rules-en" / name / "audio-flite").glob("*.wav"))
        if len(pool) < count:
            raise SystemExit(
                f"{len(pool)} rendered calls in the {name} half; render them first: "
                f"python eval/make_eval.py audio --voices flite --half {name}"
            )
        step = len(pool) / count
        chosen = [pool[int(i * step)] for i in range(count)]
    files = []
    for i, src in enumerate(chosen):
        dst = folder / (src.name if name != "samples" else f"{src.stem}-{i:02d}{src.suffix}")
        shutil.copyfile(src, dst)
        sidecar = src.with_name(src.name + ".json")
        if sidecar.is_file():
            shutil.copyfile(sidecar, dst.with_name(dst.name + ".json"))
        files.append(dst)
    return files


def references(name: str, files: list[Path]) -> dict[str, str]:
    import yaml

    from tests.helpers import scripts

    refs: dict[str, str] = {}
    if name == "samples":
        by_id = {c["id"]: " ".join(t for _, t in c["turns"]) for c in scripts()["calls"]}
        for f in files:
            refs[f.name] = by_id[f.stem.rsplit("-", 1)[0]]
        return refs
    src = {p.stem: p for p in (CORPUS / "src").rglob("*.yaml")}
    for f in files:
        turns = yaml.safe_load(src[f.stem].read_text())["turns"]
        texts = [t.get("text") if "speaker" in t else next(iter(t.values())) for t in turns]
        refs[f.name] = " ".join(str(t) for t in texts)
    return refs


def word_error(refs: dict[str, str], texts: dict[str, str]) -> float:
    import jiwer

    from tests.helpers import normalise

    names = sorted(refs)
    return jiwer.wer(
        [normalise(refs[n]) for n in names], [normalise(texts.get(n, "")) for n in names]
    )


def run_plain(peer: str, files: list[Path]) -> tuple[float, float, dict[str, str]]:
    wall, mb, out = timed([sys.executable, "-c", PLAIN, peer, *map(str, files)])
    return wall, mb, json.loads(out.strip().splitlines()[-1])


def scan_cmd(files: list[Path], out: Path, workers: int, batch: int) -> list[str]:
    cmd = [sys.executable, "-m", "scanner", "scan", *map(str, files), "--out", str(out), "-q"]
    return [*cmd, "--workers", str(workers), "--batch-size", str(batch)]


def run_ours(files: list[Path], workers: int, batch: int, out: Path) -> tuple[float, float]:
    shutil.rmtree(out, ignore_errors=True)
    wall, mb, _ = timed(scan_cmd(files, out, workers, batch))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"]["failed"] == 0, summary["errors_by_code"]
    for path in out.glob("*.json"):  # where each file's time went, from its own timings
        doc = json.loads(path.read_text())
        for stage, seconds in doc.get("timings", {}).items():
            STAGES[stage] = STAGES.get(stage, 0.0) + seconds
    return wall, mb


def our_texts(files: list[Path], out: Path) -> dict[str, str]:
    shutil.rmtree(out, ignore_errors=True)
    timed([*scan_cmd(files, out, 0, 8), "--keep-unredacted", "--no-report"])
    texts = {}
    for f in files:
        doc = json.loads((out / f"{f.stem}.json").read_text())
        texts[f.name] = " ".join(t.get("text", "") for t in doc["transcript"]["turns"])
    return texts


# seconds per stage over every scanned file (decode, transcribe, conversation, redact...)
STAGES: dict[str, float] = {}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--set", default="test", choices=["dev", "test", "samples"])
    ap.add_argument("--files", type=int, default=12, help="calls in the batch")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", default="0", help="our worker counts (0: the default)")
    ap.add_argument("--batch-sizes", default="8", help="our --batch-size values")
    ap.add_argument("--peers", default="batched,batched-vad.15,default")
    args = ap.parse_args()
    ours = [(int(w), int(b)) for w in args.workers.split(",") for b in args.batch_sizes.split(",")]
    peers = [p for p in args.peers.split(",") if p]
    print(f"{os.cpu_count()} cores; set {args.set}, {args.files} calls, medians of {args.repeat}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        files = pick_files(args.set, args.files, folder)
        refs = references(args.set, files)
        from scanner.audio import load_audio

        audio = sum(load_audio(f).duration for f in files)
        walls: dict[str, list[float]] = {}
        mem: dict[str, float] = {}
        wer: dict[str, float] = {}
        sides: list[object] = [*peers, *ours]
        for i in range(args.repeat):
            for side in sides if i % 2 == 0 else list(reversed(sides)):
                if isinstance(side, str):
                    wall, mb, texts = run_plain(side, files)
                    key = f"plain {side}"
                    wer.setdefault(key, word_error(refs, texts))
                else:
                    workers, batch = side
                    wall, mb = run_ours(files, workers, batch, Path(tmp) / "out")
                    key = f"ours w{workers or 'default'} b{batch}"
                walls.setdefault(key, []).append(wall)
                mem[key] = max(mem.get(key, 0.0), mb)
                print(f"  {key}: {wall:.1f} s", file=sys.stderr)
        texts = our_texts(files, Path(tmp) / "wer")
    ours_wer = word_error(refs, texts)
    base = statistics.median(walls["plain batched"]) if "plain batched" in walls else None
    print(f"\n{audio:.0f} s of audio in {len(files)} calls\n")
    head = f"{'side':24s}{'wall s':>8s}{'audio s/s':>11s}{'ours/batched':>14s}"
    print(f"{head}{'peak MB':>9s}{'WER':>7s}")
    for key, values in walls.items():
        w = statistics.median(values)
        ratio = f"{w / base:13.2f}x" if base else f"{'-':>14s}"
        e = wer.get(key, ours_wer if key.startswith("ours") else float("nan"))
        print(f"{key:24s}{w:8.1f}{audio / w:11.2f}{ratio}{mem[key]:9.0f}{e:7.3f}")
    print("\nours/batched < 1: the full scan (redaction, rules, findings, report) took less")
    print("wall time than plain batched faster-whisper transcribing alone")
    total = STAGES.pop("total", 0.0)
    if total:
        print("\nshare of per-file time by stage (all our runs):")
        for stage, seconds in sorted(STAGES.items(), key=lambda kv: -kv[1]):
            print(f"  {stage:14s}{100 * seconds / total:6.2f}%")


if __name__ == "__main__":
    main()
