"""Full-pipeline throughput: `scanner scan` (decode, transcribe, roles, redact, rules, write
findings, index and report) against plain faster-whisper with its defaults transcribing the
same files, in the same run; and how the scan scales with worker processes and batch size.

Both sides are timed end to end as a fresh process (start-up and model loading included),
alternating, so neither warms the other's caches. Throughput is audio seconds per wall
second. The batch is the five sample calls, copied `--sizes` times over under new names.
It also prints the share of per-file time each stage took (the findings' own timings), so
the cost of one stage (the conversation figures, redaction) is read off the same runs.

    python bench/bench_pipeline.py [--sizes 1,2] [--workers 1,2] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CALLS = sorted(
    p for p in (ROOT / "samples" / "calls").iterdir() if p.suffix not in (".json", ".csv")
)

PLAIN = """
import sys, json
from faster_whisper import WhisperModel
from scanner import resolve_whisper
model = WhisperModel(str(resolve_whisper("tiny.en").path))
audio = 0.0
for f in sys.argv[1:]:
    segments, info = model.transcribe(f)
    text = " ".join(s.text for s in segments)
    audio += info.duration
print(json.dumps({"audio": audio}))
"""


def make_batch(folder: Path, copies: int) -> list[Path]:
    files = []
    for c in range(copies):
        for src in CALLS:
            dst = folder / f"{src.stem}-{c:02d}{src.suffix}"
            shutil.copyfile(src, dst)
            sidecar = src.with_name(src.name + ".json")
            if sidecar.is_file():
                shutil.copyfile(sidecar, dst.with_name(dst.name + ".json"))
            files.append(dst)
    return files


def timed(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 4):
        raise SystemExit(f"{cmd[:4]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, proc.stdout


def run_plain(files: list[Path]) -> tuple[float, float]:
    wall, out = timed([sys.executable, "-c", PLAIN, *map(str, files)])
    return wall, json.loads(out.strip().splitlines()[-1])["audio"]


def run_ours(files: list[Path], workers: int, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "scanner", "scan", *map(str, files), "--out", str(out), "-q"]
    wall, _ = timed([*cmd, "--workers", str(workers)])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"]["failed"] == 0, summary["errors_by_code"]
    for path in out.glob("*.json"):  # where each file's time went, from its own timings
        doc = json.loads(path.read_text())
        for stage, seconds in doc.get("timings", {}).items():
            STAGES[stage] = STAGES.get(stage, 0.0) + seconds
    return wall


# seconds per stage over every scanned file (decode, transcribe, conversation, redact...)
STAGES: dict[str, float] = {}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="1,2", help="copies of the 5 sample calls per batch")
    ap.add_argument("--workers", default="1,2", help="worker counts to try")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    worker_counts = [int(w) for w in args.workers.split(",")]
    print(f"{os.cpu_count()} cores; plain = faster-whisper defaults, ours = scanner scan defaults")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for copies in sizes:
            folder = Path(tmp) / f"batch-{copies}"
            folder.mkdir()
            files = make_batch(folder, copies)
            plain, ours = [], {w: [] for w in worker_counts}
            audio = 0.0
            for i in range(args.repeat):
                order = ["plain", *worker_counts]
                for side in order if i % 2 == 0 else list(reversed(order)):
                    if side == "plain":
                        wall, audio = run_plain(files)
                        plain.append(wall)
                    else:
                        ours[side].append(run_ours(files, side, Path(tmp) / "out"))
                    print(f"  {len(files)} files, {side}: done", file=sys.stderr)
            p = statistics.median(plain)
            rows.append((len(files), audio, "plain", p, 1.0))
            for w in worker_counts:
                o = statistics.median(ours[w])
                rows.append((len(files), audio, f"ours, {w} worker(s)", o, p / o))
            shutil.rmtree(folder)
    head = f"{'files':>5s} {'audio s':>8s}  {'side':22s}{'wall s':>8s}"
    print(f"\n{head}{'audio s/s':>11s}{'vs plain':>10s}")
    for n, audio, side, wall, ratio in rows:
        print(f"{n:5d} {audio:8.1f}  {side:22s}{wall:8.1f}{audio / wall:11.2f}{ratio:9.2f}x")
    print("\nvs plain > 1: the full scan (with redaction, rules, findings, report) was faster")
    total = STAGES.pop("total", 0.0)
    if total:
        print("\nshare of per-file time by stage (all our runs):")
        for stage, seconds in sorted(STAGES.items(), key=lambda kv: -kv[1]):
            print(f"  {stage:14s}{100 * seconds / total:6.2f}%")


if __name__ == "__main__":
    main()
