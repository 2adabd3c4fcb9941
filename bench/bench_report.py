"""How fast a batch of chats becomes a report people can open: scan N chat transcripts (rules
and redaction, the real pipeline), build report.html and the CSVs, and open the report in
headless Chromium, timing each step.

The chats are the four sample chats (txt, json, vtt, srt) copied N/4 times under new names,
with a metadata.csv spreading them over agents, teams and dates.

    .venv/bin/python bench/bench_report.py [--n 1000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from scanner import scan
from scanner.report import build_report

ROOT = Path(__file__).resolve().parent.parent
CHATS = sorted((ROOT / "samples" / "chats").glob("chat-*"))


def make_batch(folder: Path, n: int) -> None:
    rows = ["file,agent_id,team,campaign,date"]
    for i in range(n):
        src = CHATS[i % len(CHATS)]
        name = f"chat-{i:05d}{src.suffix}"
        shutil.copyfile(src, folder / name)
        team = ("payments", "sales", "collections")[i % 3]
        campaign = ("inbound-service", "telemarketing", "collections")[i % 3]
        rows.append(f"{name},A-{i % 40:03d},{team},{campaign},2026-10-{1 + i % 28:02d}")
    (folder / "metadata.csv").write_text("\n".join(rows) + "\n")


def open_in_chromium(report: Path) -> tuple[float, int]:
    """Seconds until the page has loaded and its script has filled the table; rows shown."""
    sys.path.insert(0, str(ROOT))
    from tests.helpers import chromium

    driver = chromium()
    try:
        driver.get("about:blank")  # browser start-up is not the report's cost
        t0 = time.perf_counter()
        driver.get(report.resolve().as_uri() + "#interactions")
        rows = driver.execute_script(
            "return document.querySelectorAll('#table tbody tr.row:not([hidden])').length"
        )
        return time.perf_counter() - t0, rows
    finally:
        driver.quit()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="chats in the batch")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in", Path(tmp) / "out"
        src.mkdir()
        make_batch(src, args.n)
        t0 = time.perf_counter()
        summary = scan([src], out)
        scanned = time.perf_counter() - t0
        t0 = time.perf_counter()
        files = build_report(out)
        built = time.perf_counter() - t0
        opened, rows = open_in_chromium(files.html)
        size = files.html.stat().st_size / 1e6
    ok = len(summary.results) - len(summary.failed)
    print(f"chats: {args.n} ({ok} scanned ok)")
    print(f"scan (rules + redaction): {scanned:.1f} s, {args.n / scanned:.1f} chats/s")
    print(f"report build: {built:.2f} s (report.html {size:.1f} MB, results.csv, interactions.csv)")
    print(f"open in Chromium until the table is filled: {opened:.2f} s, {rows} rows shown")


if __name__ == "__main__":
    main()
