"""Redaction on real human speech: calls whose customer is a real recorded voice
(bench/real_voice.py, Debian's asterisk-core-sounds-en-wav) giving card numbers, phone
numbers, ZIP codes, UK postcodes, dates of birth and spelled emails at a natural pace.

Each call is scanned with the defaults and `--redact-audio tone`; a value is *left in text*
when any written file (findings, summary, CSVs, report) still holds it, and *audible* when
the redacted audio, transcribed again (the bundled model, and `--model base` with --base),
gives it back. A value is found back by four or more of its digits in a row, its letters in
a row, or its day and month together.

    python bench/bench_redaction_audio.py                # the test calls (report only)
    python bench/bench_redaction_audio.py --half dev     # the calls to tune on; lists leaks
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _written import OWN_NUMBERS  # noqa: E402
from real_voice import DEV_SEEDS, TEST_SEEDS, available, write_calls  # noqa: E402

from scanner import TranscribeOptions, Transcriber, load_audio  # noqa: E402
from scanner.spoken import spoken_form  # noqa: E402

BUILD = ROOT / "eval" / "build" / "real-voice"
_MONTHS = "january february march april may june july august september october november december"


def _digits_runs(text: str) -> list[str]:
    """Digit runs as a reader would join them ("4929 1234", "19-98" -> "49291234", "1998")."""
    spoken = spoken_form(text.split()).text
    return [re.sub(r"\D", "", m) for m in re.findall(r"\d[\d ,.\-]*\d|\d", spoken)]


def found(value: dict[str, object], text: str) -> bool:
    """Whether `text` gives the value back."""
    v = str(value["text"]).lower()
    kind = value["kind"]
    runs = [r for line in text.splitlines() for r in _digits_runs(line)]
    digits = re.sub(r"\D", "", v)
    if kind in ("card", "phone", "zip") or (kind == "email" and len(digits) >= 4):
        windows = {digits[i : i + 4] for i in range(len(digits) - 3)}
        if any(w in r for r in runs for w in windows):
            return True
    flat = re.sub(r"[^a-z0-9]", "", text.lower())
    if kind == "postcode":
        return re.sub(r"\W", "", v) in flat
    if kind == "email":
        local = re.sub(r"\d", "", v.split("@")[0])
        return local in flat
    if kind == "dob":
        day, month, year = v.split()
        said = text.lower()
        if any(year in r for r in runs):
            return True
        return (
            re.search(rf"\b{day}(st|nd|rd|th)?\W+(of\W+)?{month}", spoken_form(said.split()).text)
            is not None
        )
    return False


def written_text(out: Path, name: str) -> str:
    """Every file the scan wrote that may hold this call's words, less the scanner's own
    numbers (hashes, timestamps, scores), one line per line so runs never join across."""
    parts = []
    for f in sorted(out.rglob("*")):
        if f.suffix in (".json", ".csv", ".html", ".txt", ".log") and (
            name in f.name or not f.name.startswith("real-voice")
        ):
            parts.append(OWN_NUMBERS.sub(" ", f.read_text(errors="replace")))
    return "\n".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--half", choices=["dev", "test"], default="test")
    ap.add_argument("--base", action="store_true", help="also re-transcribe with whisper base")
    args = ap.parse_args()
    if not available():
        raise SystemExit("needs Debian's asterisk-core-sounds-en-wav (apt-get install it)")
    seeds = DEV_SEEDS if args.half == "dev" else TEST_SEEDS
    calls = BUILD / args.half / "calls"
    out = BUILD / args.half / "out"
    truth = write_calls(calls, seeds)
    shutil.rmtree(out, ignore_errors=True)  # a fresh scan: the code may have changed
    cmd = [sys.executable, "-m", "scanner", "scan", str(calls), "--out", str(out)]
    subprocess.run([*cmd, "--redact-audio", "tone", "-q"], cwd=ROOT, check=False)
    hearers = [("tiny.en", Transcriber())]
    if args.base:
        hearers.append(("base", Transcriber(TranscribeOptions(model="base"))))
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0] + [0] * len(hearers))
    for name, values in truth.items():
        doc = json.loads((out / f"{name}.json").read_text())
        texts = written_text(out, name)
        wav = load_audio(out / doc["redaction"]["audio"]["file"])
        heard = [
            " ".join(t.text for ch in wav.channels for t in tr.transcribe(ch)) for _, tr in hearers
        ]
        for v in values:
            row = per[str(v["kind"])]
            row[0] += 1
            if found(v, texts):
                row[1] += 1
                if args.half == "dev":
                    print(f"  LEFT IN TEXT {name} {v['kind']}")
            for k, said in enumerate(heard):
                if found(v, said):
                    row[2 + k] += 1
                    if args.half == "dev":
                        print(f"  AUDIBLE ({hearers[k][0]}) {name} {v['kind']}: {said[:300]!r}")
    heads = "".join(f"{'audible ' + h:>18s}" for h, _ in hearers)
    print(f"\nreal voice, {args.half} calls {seeds}")
    print(f"{'value':10s}{'n':>4s}{'left in text':>14s}{heads}")
    tot = [0] * (2 + len(hearers))
    for kind in sorted(per):
        row = per[kind]
        tot = [a + b for a, b in zip(tot, row)]
        print(f"{kind:10s}{row[0]:4d}{row[1]:14d}" + "".join(f"{x:18d}" for x in row[2:]))
    print(f"{'all':10s}{tot[0]:4d}{tot[1]:14d}" + "".join(f"{x:18d}" for x in tot[2:]))


if __name__ == "__main__":
    main()
