"""Transcription speed and accuracy: ours against plain faster-whisper, same files, same run.

Each side runs in its own child process (so peak memory is its own and neither warms the other's
caches), alternating, `--repeat` times; the table shows medians and our/plain ratios.

- ours:  scanner's audio path per file: decode, split channels, transcribe each with our
         defaults (int8, VAD tuned for phone audio, word timestamps, loop guards), assign roles.
- plain: faster-whisper's defaults: WhisperModel(path) and model.transcribe(file) with nothing
         changed, on the same model files (so the only difference is how they are used).

    python bench/bench_transcribe.py [--model tiny.en] [--repeat 3] [FILES...]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run_ours(model: str, files: list[str]) -> dict:
    from scanner import Processor, ScanOptions, TranscribeOptions, discover

    t0 = time.perf_counter()
    scanner = Processor(
        ScanOptions(transcribe=TranscribeOptions(model=model), keep_unredacted=True)
    )
    scanner.transcriber  # noqa: B018 load the model
    load = time.perf_counter() - t0
    items, _ = discover([Path(f) for f in files])
    texts, audio = {}, 0.0
    t0 = time.perf_counter()
    for item in items:
        result = scanner.process(item)
        assert result.interaction is not None, result.error
        audio += result.interaction.duration or 0.0
        texts[item.path.name] = " ".join(t.text for t in result.interaction.turns)
    return {"load": load, "wall": time.perf_counter() - t0, "audio": audio, "texts": texts}


def run_plain(model: str, files: list[str]) -> dict:
    from faster_whisper import WhisperModel

    from scanner import resolve_whisper

    t0 = time.perf_counter()
    whisper = WhisperModel(str(resolve_whisper(model).path))
    load = time.perf_counter() - t0
    texts, audio = {}, 0.0
    t0 = time.perf_counter()
    for f in files:
        segments, info = whisper.transcribe(f)
        texts[Path(f).name] = " ".join(s.text.strip() for s in segments)
        audio += info.duration
    return {"load": load, "wall": time.perf_counter() - t0, "audio": audio, "texts": texts}


def child(side: str, model: str, files: list[str]) -> None:
    out = (run_ours if side == "ours" else run_plain)(model, files)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def spawn(side: str, model: str, files: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", side, "--model", model, *files],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def word_error(files: list[str], texts: dict[str, str]) -> float | None:
    """WER against samples/scripts.yaml for the files that are samples (None otherwise)."""
    sys.path.insert(0, str(ROOT))
    try:
        import jiwer

        from tests.helpers import normalise, scripts
    except ImportError:
        return None
    refs = {
        f"{c['id']}.{c['format']}": " ".join(t for _, t in c["turns"]) for c in scripts()["calls"]
    }
    pairs = [(refs[Path(f).name], texts[Path(f).name]) for f in files if Path(f).name in refs]
    if not pairs:
        return None
    return jiwer.wer(
        " ".join(normalise(r) for r, _ in pairs), " ".join(normalise(h) for _, h in pairs)
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--model", default="tiny.en")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", choices=["ours", "plain"])
    args = ap.parse_args()
    files = args.files or sorted(
        str(p)
        for p in (ROOT / "samples" / "calls").iterdir()
        if p.suffix != ".json" and p.suffix != ".csv"
    )
    if args.child:
        child(args.child, args.model, files)
        return
    runs: dict[str, list[dict]] = {"ours": [], "plain": []}
    for i in range(args.repeat):
        for side in ("ours", "plain") if i % 2 == 0 else ("plain", "ours"):
            runs[side].append(spawn(side, args.model, files))
            r = runs[side][-1]
            print(
                f"run {i + 1} {side:5s}: {r['wall']:.2f} s for {r['audio']:.1f} s of audio",
                file=sys.stderr,
            )
    med = {
        side: {k: statistics.median(r[k] for r in rs) for k in ("wall", "load", "peak_rss_mb")}
        for side, rs in runs.items()
    }
    audio = runs["ours"][0]["audio"]
    wer = {side: word_error(files, rs[0]["texts"]) for side, rs in runs.items()}
    print(f"\n{len(files)} files, {audio:.1f} s of audio, model {args.model}, ", end="")
    print(f"{args.repeat} runs each (medians)")
    print(f"{'':8s}{'wall s':>9s}{'x realtime':>12s}{'load s':>9s}{'peak MB':>9s}{'WER':>7s}")
    for side in ("ours", "plain"):
        m = med[side]
        w = f"{wer[side]:.3f}" if wer[side] is not None else "-"
        speed = audio / m["wall"]
        print(f"{side:8s}{m['wall']:9.2f}{speed:12.1f}{m['load']:9.2f}", end="")
        print(f"{m['peak_rss_mb']:9.0f}{w:>7s}")
    ratio = med["plain"]["wall"] / med["ours"]["wall"]
    print(f"\nspeed ratio (plain wall / ours wall): {ratio:.2f}x  (>1 means ours is faster)")
    mem = med["ours"]["peak_rss_mb"] / med["plain"]["peak_rss_mb"]
    print(f"memory ratio (ours peak / plain peak): {mem:.2f}")


if __name__ == "__main__":
    main()
