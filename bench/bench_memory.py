"""Peak memory of one worker scanning one long recording, by length: a stereo 8 kHz call made
by repeating the sample calls end to end (agent left, customer right) to each length, scanned
with the default options in a fresh process (`--workers 1`, report included); peak resident
memory is the largest of the scan's processes (os.wait4). The issue's bound is 1.5 GB per
worker for a 4-hour recording; the slope per hour shows what a longer one would take.

    python bench/bench_memory.py [--minutes 20,60]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._proc import timed  # noqa: E402


def long_call(path: Path, minutes: float) -> None:
    """Sample stereo calls end to end (8 kHz, 16-bit) until `minutes` long, written in
    blocks so the bench itself holds little."""
    from scanner.audio import load_audio

    rate = 8000
    stereo = []
    for p in sorted((ROOT / "samples" / "calls").iterdir()):
        if p.suffix in (".json", ".csv"):
            continue
        audio = load_audio(p)
        if len(audio.channels) == 2:
            both = np.stack(audio.channels, axis=1)[::2]  # 16 kHz to 8 kHz (phone band)
            stereo.append(both.astype(np.float32))
    total = int(minutes * 60 * rate)
    with sf.SoundFile(path, "w", rate, 2, subtype="PCM_16") as out:
        written, i = 0, 0
        while written < total:
            part = stereo[i % len(stereo)][: total - written]
            out.write(part)
            written += len(part)
            i += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--minutes", default="20,60")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in [float(m) for m in args.minutes.split(",")]:
            call = Path(tmp) / f"long-{minutes:g}min.wav"
            long_call(call, minutes)
            out = Path(tmp) / "out"
            cmd = [sys.executable, "-m", "scanner", "scan", str(call), "--out", str(out), "-q"]
            cmd += ["--workers", "1", "--max-hours", "24"]
            wall, mb, _ = timed(cmd)
            summary = json.loads((out / "summary.json").read_text())
            assert summary["counts"]["failed"] == 0, summary["errors_by_code"]
            rows.append((minutes, wall, mb))
            call.unlink()
            print(f"  {minutes:g} min: {wall:.0f} s, {mb:.0f} MB", file=sys.stderr)
    print(f"\n{'minutes':>8s}{'wall s':>9s}{'peak MB':>9s}")
    for minutes, wall, mb in rows:
        print(f"{minutes:8g}{wall:9.0f}{mb:9.0f}")
    if len(rows) >= 2:
        (m0, _, a), (m1, _, b) = rows[0], rows[-1]
        slope = (b - a) / ((m1 - m0) / 60)
        four = a + slope * (240 - m0) / 60
        print(f"\n{slope:.0f} MB more per hour of stereo audio; 4 hours: about {four:.0f} MB")


if __name__ == "__main__":
    main()
