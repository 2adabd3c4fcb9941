"""Shared test helpers: word error rate on normalised text, and sample scripts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import jiwer
import yaml
from text_to_num import alpha2digit

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

_CONTRACTIONS = {
    "i'd": "i would",
    "you're": "you are",
    "it's": "it is",
    "can't": "cannot",
    "don't": "do not",
    "that's": "that is",
    "i'm": "i am",
    "i've": "i have",
    "i'll": "i will",
    "we'll": "we will",
    "won't": "will not",
    "haven't": "have not",
    "you've": "you have",
    "what's": "what is",
}


def run_cli(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """`scanner ARGS...` in a fresh interpreter, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args], capture_output=True, text=True, timeout=timeout
    )


def normalise(text: str) -> str:
    """Lower-case, spell contractions out, and write every number as single digits, so that
    'four nine two nine' and '4929', 'nineteen eighty two' and '1982' compare equal."""
    t = text.lower().replace("’", "'")
    t = " ".join(_CONTRACTIONS.get(w, w) for w in t.split())
    t = re.sub(r"\bdouble (\w+)", r"\1 \1", t)
    t = alpha2digit(t, "en")
    t = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", t)
    t = re.sub(r"\boh\b(?=[\s,.-]*\d)", "0", t)
    t = re.sub(r"(?<=\d)[\s,.-]+(?=\d)", "", t)  # join digit groups, then split per digit
    t = re.sub(r"\d", lambda m: f" {m.group(0)} ", t)
    t = re.sub(r"[^\w\s]", " ", t)
    return " ".join(t.lower().split())


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(normalise(reference), normalise(hypothesis))


def scripts() -> dict:
    return yaml.safe_load((SAMPLES / "scripts.yaml").read_text())


def timeline() -> dict:
    return yaml.safe_load((SAMPLES / "timeline.yaml").read_text())


def role_accuracy(doc: dict, placed: list[tuple[str, float, float]]) -> float:
    """Share of recognised words whose speaker matches who was placed speaking at that time
    (placed: role, start, end); a word between turns goes to the nearest one."""
    right = total = 0
    for turn in doc["transcript"]["turns"]:
        for w in turn["words"]:
            mid = (w["start"] + w["end"]) / 2
            role = min(
                placed,
                key=lambda p: 0 if p[1] <= mid <= p[2] else min(abs(mid - p[1]), abs(mid - p[2])),
            )[0]
            right += role == turn["speaker"]
            total += 1
    return right / total


def chromium(profile: Path | None = None, width: int = 1300, height: int = 1000):
    """Debian's headless Chromium driven by its own chromedriver, with nothing that could
    reach a network: selenium's driver manager kept offline, Chromium's background services
    off. Used by the report tests and bench/bench_report.py."""
    import os
    import shutil

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or "/usr/bin/chromium"
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    for tool in (binary, driver):
        assert Path(tool).is_file(), f"{tool} missing: apt-get install chromium chromium-driver"
    os.environ["SE_OFFLINE"] = "true"
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
    ):
        opts.add_argument(arg)
    if profile is not None:
        opts.add_argument(f"--user-data-dir={profile}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=opts)
