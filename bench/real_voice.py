"""Calls whose customer is a real recorded human voice: Debian's asterisk-core-sounds-en-wav
(Allison Smith reading digits, letters, "at", "dot", months and ordinals at a natural pace)
composed into card numbers, phone numbers, ZIP codes, UK postcodes, dates of birth and
spelled emails, with the pauses people leave between groups. The agent's channel asks for
each value (espeak-ng). Nothing is committed: the recordings are read from the apt package at
run time, and each call's values are kept as the ground truth.

    python bench/real_voice.py OUTDIR --seeds 1,2,3      # writes OUTDIR/<id>.wav + truth.json

Seeds 1-8 are the dev calls (look at them, tune on them); seeds 101-108 the test calls.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.audio import SAMPLE_RATE, load_audio  # noqa: E402
from scanner.audio_redact import write_wav  # noqa: E402

SOUNDS = Path("/usr/share/asterisk/sounds/en")
DEV_SEEDS = tuple(range(1, 9))
TEST_SEEDS = tuple(range(101, 109))
_MONTHS = "january february march april may june july august september october november december"


@dataclass(frozen=True)
class Value:
    kind: str  # card, phone, zip, postcode, dob, email
    text: str  # as written ("4929 1234 5678 9012", "sw1a 1aa", "jsmith@gmail.com")
    start: float  # seconds in the call
    end: float


def available() -> bool:
    return (SOUNDS / "digits" / "4.wav").exists() and (SOUNDS / "letters" / "a.wav").exists()


class _Clips:
    def __init__(self) -> None:
        self._cache: dict[str, np.ndarray] = {}

    def get(self, name: str) -> np.ndarray:
        if name not in self._cache:
            audio = load_audio(SOUNDS / f"{name}.wav")
            self._cache[name] = _trim(audio.channels[0])
        return self._cache[name]


def _trim(x: np.ndarray, floor: float = 0.01) -> np.ndarray:
    """The recordings carry a little silence each side; people do not between digits."""
    loud = np.flatnonzero(np.abs(x) > floor)
    return x[max(0, loud[0] - 400) : loud[-1] + 400] if len(loud) else x


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


def _say_agent(text: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "a.wav"
        subprocess.run(
            ["espeak-ng", "-v", "en-gb", "-s", "165", "-w", str(wav), text],
            check=True,
            capture_output=True,
        )
        return load_audio(wav).channels[0]


def _digit_clips(digits: str, rng: random.Random) -> list[str]:
    return [("digits/oh" if d == "0" and rng.random() < 0.5 else f"digits/{d}") for d in digits]


def _groups(rng: random.Random, kind: str) -> tuple[str, list[list[str]]]:
    """A value and the clips its groups are said with."""
    if kind == "card":
        digits = "4" + "".join(str(rng.randrange(10)) for _ in range(15))
        groups = [digits[i : i + 4] for i in range(0, 16, 4)]
        return " ".join(groups), [_digit_clips(g, rng) for g in groups]
    if kind == "phone":
        digits = "07" + "".join(str(rng.randrange(10)) for _ in range(9))
        groups = [digits[:5], digits[5:8], digits[8:]]
        return " ".join(groups), [_digit_clips(g, rng) for g in groups]
    if kind == "zip":
        digits = "".join(str(rng.randrange(1, 10)) for _ in range(5))
        return digits, [_digit_clips(digits, rng)]
    if kind == "postcode":
        letters, inward = "abcdefghijklmnoprstuwy", "abdefghjlnpqrstuwxyz"
        out = (
            rng.choice(letters) + rng.choice(letters) + str(rng.randrange(1, 10)),
            str(rng.randrange(1, 10)) + rng.choice(inward) + rng.choice(inward),
        )
        clips = [[f"letters/{c}" if c.isalpha() else f"digits/{c}" for c in part] for part in out]
        return " ".join(out), clips
    if kind == "dob":
        day, month, year = rng.randrange(1, 29), rng.randrange(12), rng.randrange(1940, 2004)
        yy = year % 100
        year_clips = ["digits/19" if year < 2000 else "digits/2", "digits/thousand"][
            : 1 if year < 2000 else 2
        ]
        if yy < 10:
            tail = ["digits/oh", f"digits/{yy}"] if year < 2000 else [f"digits/{yy}"]
        elif yy < 20 or yy % 10 == 0:
            tail = [f"digits/{yy}"]
        else:
            tail = [f"digits/{yy - yy % 10}", f"digits/{yy % 10}"]
        ordinal = (
            [f"digits/h-{day}"]
            if day <= 20 or day % 10 == 0
            else [
                f"digits/{day - day % 10}",
                f"digits/h-{day % 10}",
            ]
        )
        text = f"{day} {_MONTHS.split()[month]} {year}"
        return text, [ordinal, [f"digits/mon-{month}"], year_clips + tail]
    if kind == "email":
        first = rng.choice(["jsmith", "kpatel", "mlopez", "achen", "tnovak", "rbrown"])
        num = str(rng.randrange(10, 99))
        domain = rng.choice(["gmail", "yahoo", "mailbox"])
        local = [f"letters/{c}" for c in first] + [f"digits/{d}" for d in num]
        dom = [f"letters/{c}" for c in domain]
        return f"{first}{num}@{domain}.com", [
            local,
            ["letters/at"],
            dom,
            ["letters/dot"],
            ["letters/c", "letters/o", "letters/m"],
        ]
    raise ValueError(kind)


_ASK = {
    "card": "Can I take the long card number, please?",
    "phone": "And the best phone number to reach you on?",
    "zip": "What is the zip code on the account?",
    "postcode": "Could you confirm your postcode?",
    "dob": "And your date of birth, please?",
    "email": "Could you spell your email address for me?",
}


def compose(seed: int, clips: _Clips) -> tuple[np.ndarray, list[Value]]:
    """One stereo call: the agent (left) asks for three or four values, the customer (right,
    the real voice) gives each, with pauses of 0.05-0.2 s inside a group and 0.35-0.9 s
    between groups (slow readers leave more)."""
    rng = random.Random(seed)
    kinds = rng.sample(list(_ASK), k=4)
    slow = rng.random() < 0.5
    agent, customer, values = [_silence(0.5)], [_silence(0.5)], []
    pos = 0.5

    def add(a: np.ndarray, c: np.ndarray) -> None:
        nonlocal pos
        n = max(len(a), len(c))
        agent.append(np.pad(a, (0, n - len(a))))
        customer.append(np.pad(c, (0, n - len(c))))
        pos += n / SAMPLE_RATE

    add(
        _say_agent("Thanks for calling. Before we go on, I need to check a few details."),
        _silence(0),
    )
    for kind in kinds:
        add(_say_agent(_ASK[kind]), _silence(0))
        add(_silence(0), _silence(rng.uniform(0.4, 0.9)))
        text, groups = _groups(rng, kind)
        parts: list[np.ndarray] = []
        for gi, group in enumerate(groups):
            if gi:
                parts.append(_silence(rng.uniform(0.6, 1.2) if slow else rng.uniform(0.35, 0.7)))
            for ci, name in enumerate(group):
                if ci:
                    parts.append(
                        _silence(rng.uniform(0.15, 0.35) if slow else rng.uniform(0.04, 0.15))
                    )
                parts.append(clips.get(name))
        said = np.concatenate(parts)
        start = pos
        add(_silence(0), said)
        values.append(Value(kind, text, round(start, 3), round(pos, 3)))
        add(_silence(0), _silence(rng.uniform(0.5, 1.0)))
    add(
        _say_agent("Thank you, that's all verified. Is there anything else I can help with?"),
        _silence(0),
    )
    return np.stack([np.concatenate(agent), np.concatenate(customer)]), values


def write_calls(out: Path, seeds: tuple[int, ...]) -> dict[str, list[dict[str, object]]]:
    out.mkdir(parents=True, exist_ok=True)
    clips = _Clips()
    truth: dict[str, list[dict[str, object]]] = {}
    for seed in seeds:
        data, values = compose(seed, clips)
        name = f"real-voice-{seed:03d}"
        write_wav(out / f"{name}.wav", data)
        truth[name] = [asdict(v) for v in values]
    (out / "truth.json").write_text(json.dumps(truth, indent=1))
    return truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seeds", default=",".join(map(str, DEV_SEEDS)))
    args = ap.parse_args()
    if not available():
        raise SystemExit("install Debian's asterisk-core-sounds-en-wav first")
    seeds = tuple(int(s) for s in args.seeds.split(","))
    print(json.dumps(write_calls(args.out, seeds), indent=1))


if __name__ == "__main__":
    main()
