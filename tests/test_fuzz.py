"""Property-based fuzzing of everything that reads outside input: the transcript readers, the
metadata reader, the rule-pack loader and the audio decoder. Whatever the bytes, each reader
either gives a well-formed result or raises its own documented error, whose message names the
file and never quotes the content; nothing else may escape, and nothing may hang.

The normal test run tries a bounded number of inputs per property (profile "ci"); `make fuzz`
runs the "fuzz" profile, 10,000 generated inputs per property (HYPOTHESIS_PROFILE=fuzz).
"""

from __future__ import annotations

import io
import json
import math
import os
import struct
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scanner import read_transcript
from scanner.audio import load_audio
from scanner.errors import InputError, MetadataError, RulePackError, TranscriptFormatError
from scanner.ingest import BatchMetadata
from scanner.metadata import read_batch_csv, read_sidecar
from scanner.rules import RuleSet
from scanner.rules_schema import load_pack
from scanner.types import Interaction, Metadata, Turn

pytestmark = pytest.mark.slow  # bounded fuzzing runs with the whole suite (make test, CI)

settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")),
    deadline=None,
    database=None,
    derandomize=True,  # the normal run is the same every time; `make fuzz` explores
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "10000")),
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# written into every text field: an error message that holds it quoted the content
CANARY = "ZQXJ4929"
ROLES = ("agent", "customer")


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _clean_error(exc: Exception, path: Path) -> None:
    message = str(exc)
    assert message.startswith(str(path)), message
    assert CANARY not in message, message
    assert "\n" not in message, message


# ---- transcripts -------------------------------------------------------------------------------

labels = st.sampled_from(
    ["Agent", "Customer", "agent", "CALLER", "Sarah (Agent)", "Bob", "", "Rep", "x" * 50]
)
texts = st.one_of(
    st.text(max_size=40).map(lambda t: f"{t} {CANARY}"),
    st.just(f"my card is {CANARY}"),
)
times = st.one_of(
    st.none(),
    st.from_regex(r"\A\d{1,3}:\d{1,2}(:\d{1,2})?([.,]\d{0,4})?\Z"),
    st.text(alphabet="0123456789:.,-x", max_size=12),
)


@st.composite
def txt_transcripts(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            lines.append(draw(texts))  # a continuation, or a line with no label
        else:
            t = draw(times)
            stamp = f"[{t}] " if t is not None else ""
            lines.append(f"{stamp}{draw(labels)}:{draw(texts)}")
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)


json_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**30), 10**30),
    st.sampled_from([1e400, -1e400, 1e308, 604800.5, 0, -0.0]),
)
json_leaves = st.one_of(st.none(), st.booleans(), json_numbers, texts, st.text(max_size=10))
json_values = st.recursive(
    json_leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=20,
)


@st.composite
def json_transcripts(draw: st.DrawFn) -> str:
    def turn() -> dict[str, Any]:
        t: dict[str, Any] = {
            "speaker": draw(st.sampled_from([*ROLES, "caller", "bot", "nobody", CANARY])),
            "text": draw(texts),
        }
        for key in ("start", "end"):
            if draw(st.booleans()):
                t[key] = draw(json_numbers)
        if draw(st.integers(0, 9)) == 0:
            t[draw(st.text(max_size=6))] = draw(json_values)
        return t

    doc: dict[str, Any] = {
        "format": draw(st.sampled_from(["scanner.interaction/v1", "v2", 1])),
        "turns": [turn() for _ in range(draw(st.integers(0, 4)))],
    }
    if draw(st.booleans()):
        doc["medium"] = draw(st.sampled_from(["chat", "voice", "fax", 3]))
    if draw(st.booleans()):
        doc["metadata"] = draw(st.dictionaries(st.text(max_size=8), json_values, max_size=3))
    if draw(st.integers(0, 4)) == 0:
        doc = draw(json_values)  # anything at all
    text = json.dumps(doc, allow_nan=True)
    if draw(st.integers(0, 5)) == 0:  # broken JSON: cut, or nested beyond reason
        text = draw(
            st.one_of(
                st.integers(0, len(text)).map(lambda n: text[:n]),
                st.integers(1, 5000).map(lambda n: "[" * n + text),
            )
        )
    return text


cue_times = st.one_of(
    st.builds(
        lambda h, m, s, ms, sep: f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}",
        st.integers(0, 99),
        st.integers(0, 99),
        st.integers(0, 99),
        st.integers(0, 9999),
        st.sampled_from([".", ","]),
    ),
    st.text(alphabet="0123456789:.,x ", max_size=14),
)


@st.composite
def captions(draw: st.DrawFn, suffix: str) -> str:
    blocks = ["WEBVTT"] if suffix == ".vtt" and draw(st.integers(0, 9)) else []
    for n in range(draw(st.integers(0, 5))):
        timing = f"{draw(cue_times)} --> {draw(cue_times)}"
        label = draw(labels)
        body = (
            f"<v {label}>{draw(texts)}"
            if suffix == ".vtt" and draw(st.booleans())
            else (f"{label}: {draw(texts)}")
        )
        head = [str(n + 1)] if suffix == ".srt" or draw(st.booleans()) else []
        if draw(st.integers(0, 7)) == 0:
            head = [draw(st.sampled_from(["NOTE x", "STYLE", "-->", ""]))]
        blocks.append("\n".join([*head, timing, body]))
    return "\n\n".join(blocks) + "\n"


def _check_transcript(path: Path) -> None:
    try:
        turns, meta = read_transcript(path)
    except TranscriptFormatError as exc:
        _clean_error(exc, path)
        return
    assert turns, "a transcript without turns was accepted"
    for t in turns:
        assert t.speaker in ROLES
        for v in (t.start, t.end):
            assert v is None or (math.isfinite(v) and 0 <= v <= 7 * 24 * 3600), v
        if t.start is not None and t.end is not None:
            assert t.end >= t.start
    json.dumps(meta, allow_nan=False)  # whatever the file said, it can be written as JSON


@given(txt_transcripts())
def test_fuzz_plain_text_transcripts(work: Path, text: str) -> None:
    path = work / "t.txt"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _check_transcript(path)


@given(json_transcripts())
def test_fuzz_json_transcripts(work: Path, text: str) -> None:
    path = work / "t.json"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    _check_transcript(path)


@given(st.sampled_from([".vtt", ".srt"]).flatmap(lambda s: st.tuples(st.just(s), captions(s))))
def test_fuzz_caption_transcripts(work: Path, case: tuple[str, str]) -> None:
    suffix, text = case
    path = work / f"t{suffix}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    _check_transcript(path)


@given(st.sampled_from([".txt", ".json", ".vtt", ".srt"]), st.binary(max_size=300))
def test_fuzz_transcripts_from_raw_bytes(work: Path, suffix: str, raw: bytes) -> None:
    path = work / f"raw{suffix}"
    path.write_bytes(raw + CANARY.encode())
    _check_transcript(path)


# ---- metadata ----------------------------------------------------------------------------------


@given(st.one_of(json_values.map(json.dumps), st.binary(max_size=200).map(repr)))
def test_fuzz_metadata_sidecars(work: Path, text: str) -> None:
    recording = work / "call.wav"
    recording.write_bytes(b"")
    sidecar = work / "call.wav.json"
    sidecar.write_text(text.replace("\\ud", "ud"), encoding="utf-8", errors="replace")
    try:
        meta = BatchMetadata().for_file(recording)
    except MetadataError as exc:
        assert CANARY not in str(exc) and "\n" not in str(exc)
        assert str(sidecar) in str(exc)
        return
    assert isinstance(meta, Metadata)
    assert meta.agent_channel in (None, 0, 1)
    json.dumps(meta.as_dict())
    assert isinstance(read_sidecar(recording), dict)


csv_cells = st.one_of(
    st.sampled_from(["file", "agent_channel", "left", "right", "2", "call.wav", "", '"', ","]),
    texts,
    st.text(max_size=8),
)


@example(rows=[["file"], ["\x00 x"]], sep=",", bom=False)  # found by make fuzz: ValueError
@example(  # found by make fuzz: the error quoted the value
    rows=[["file", "agent_channel"], ["a.wav", f"my card is {CANARY}"]], sep=",", bom=False
)
@given(
    st.lists(st.lists(csv_cells, max_size=5), max_size=5),
    st.sampled_from([",", ";", "\t"]),
    st.booleans(),
)
def test_fuzz_batch_metadata_csv(work: Path, rows: list[list[str]], sep: str, bom: bool) -> None:
    path = work / "metadata.csv"
    text = "\n".join(sep.join(row) for row in rows)
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8", "surrogatepass"))
    try:
        found = read_batch_csv(path)
    except MetadataError as exc:
        assert str(exc).startswith(str(path)) and CANARY not in str(exc)
        return
    assert all(isinstance(v, dict) for v in found.values())


# ---- rule packs --------------------------------------------------------------------------------

MATCHES: list[Any] = [
    "hello",
    {"phrase": ["thank you", "cheers"]},
    {"regex": "card ?(number)?"},
    {"regex": "(a+)+$"},
    {"words": ["refund", "complaint"]},
    {"any": ["hello", {"words": ["hi"]}]},
    {"all": ["call", {"not": "never"}]},
    {"tokens": [{"LOWER": "record"}, {"OP": "?"}, {"LOWER": "call"}]},
    {"tokens": [{"LOWER": {"REGEX": "^(a+)+$"}}]},
    {"tokens": [{"LEMMA": {"IN": ["record", "monitor"]}}]},
]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 200), st.text(max_size=8))


@st.composite
def rule_dicts(draw: st.DrawFn, ident: str, ids: list[str]) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": ident,
        "category": draw(st.sampled_from(["disclosure", "script", "privacy", "nope"])),
        "kind": draw(st.sampled_from(["required", "prohibited", "conditional"])),
        "severity": draw(st.sampled_from(["low", "high", "critical", "meh"])),
        "message": draw(texts),
    }
    if rule["kind"] == "conditional":
        rule["when"] = {"speaker": "customer", "match": draw(st.sampled_from(MATCHES))}
        rule["then"] = {"speaker": "agent", "match": draw(st.sampled_from(MATCHES))}
        if draw(st.booleans()):
            rule["then"]["within_turns"] = draw(scalars)
    else:
        rule["match"] = draw(st.sampled_from(MATCHES))
    for key in ("after", "before"):
        if ids and draw(st.integers(0, 3)) == 0:
            rule[key] = draw(st.sampled_from(ids))
    if draw(st.booleans()):
        rule["window"] = {
            draw(st.sampled_from(["first_seconds", "last_turns", "first_percent", "frist"])): (
                draw(st.one_of(scalars, st.floats()))
            )
        }
    if draw(st.integers(0, 5)) == 0:
        rule[draw(st.sampled_from(["speaker", "weight", "review_margin", "x"]))] = draw(scalars)
    if draw(st.booleans()):
        rule["examples"] = [
            {
                "expect": draw(st.sampled_from(["passed", "failed", "maybe"])),
                "turns": [[draw(st.sampled_from(ROLES)), draw(texts)]],
            }
        ]
    return rule


@st.composite
def packs(draw: st.DrawFn) -> str:
    ids = [f"r{i}" for i in range(draw(st.integers(1, 4)))]
    doc: dict[str, Any] = {
        "pack": draw(st.sampled_from(["fuzz", "Bad Name", ""])),
        "version": draw(st.sampled_from(["1.0.0", "1.0", 2])),
        "rules": [draw(rule_dicts(i, ids)) for i in ids],
    }
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    mutation = draw(st.integers(0, 6))
    if mutation == 0:  # cut anywhere
        text = text[: draw(st.integers(0, len(text)))]
    elif mutation == 1:  # a line repeated: duplicate keys, broken indentation
        lines = text.splitlines()
        i = draw(st.integers(0, len(lines) - 1))
        lines.insert(i, lines[i])
        text = "\n".join(lines)
    elif mutation == 2:  # raw characters spliced in
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.text(alphabet="[]{}:&*!|>-'\"#%@`\t\n ", max_size=10)) + text[i:]
    return text


SAMPLE_TURNS = (
    Turn("agent", "hello this call may be recorded aaaaaaaaaaaaaaaaaaaaaaaaab", 0.0, 3.0),
    Turn("customer", "I want a refund thank you", 3.5, 5.0),
)


@given(st.one_of(packs(), st.text(max_size=200)))
def test_fuzz_rule_packs(work: Path, text: str) -> None:
    path = work / "pack.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        pack = load_pack(path)
    except RulePackError as exc:
        assert str(exc).startswith(str(path)) and CANARY not in str(exc)
        return
    # a pack that lints runs: on an interaction, every rule gives a known outcome
    results = RuleSet([pack]).evaluate(Interaction.from_turns(SAMPLE_TURNS, id="fuzz"))
    assert {r.outcome for r in results} <= {"passed", "failed", "not_applicable", "needs_review"}


# ---- audio -------------------------------------------------------------------------------------


def _wav_bytes(seconds: float = 0.5, channels: int = 2, rate: int = 8000) -> bytes:
    n = int(seconds * rate)
    tone = (np.sin(2 * np.pi * 440 * np.arange(n) / rate) * 8000).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(tone[:, None], channels, axis=1).tobytes())
    return buf.getvalue()


def _encoded(fmt: str, codec: str) -> bytes | None:
    """A half-second clip in another container, made with PyAV (None if it has no encoder)."""
    import av

    buf = io.BytesIO()
    try:
        with av.open(buf, "w", format=fmt) as out:
            stream = out.add_stream(codec, rate=16000 if codec != "libopus" else 48000)
            rate = stream.codec_context.sample_rate
            n = rate // 2
            samples = (np.sin(2 * np.pi * 440 * np.arange(n) / rate) * 0.3).astype(np.float32)
            frame_size = stream.codec_context.frame_size or 1024
            for i in range(0, n, frame_size):
                chunk = samples[None, i : i + frame_size]
                fmt_name = "fltp" if stream.codec_context.format.is_planar else "flt"
                frame = av.AudioFrame.from_ndarray(
                    chunk if fmt_name == "fltp" else chunk.reshape(1, -1),
                    format=fmt_name,
                    layout="mono",
                )
                frame.sample_rate = rate
                for packet in stream.encode(frame):
                    out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)
    except Exception:
        return None
    return buf.getvalue()


_SEEDS: dict[str, bytes] = {".wav": _wav_bytes(), ".wav-mono": _wav_bytes(channels=1)}
for _suffix, _fmt, _codec in [
    (".flac", "flac", "flac"),
    (".mp3", "mp3", "libmp3lame"),
    (".ogg", "ogg", "libvorbis"),
    (".opus", "ogg", "libopus"),
    (".m4a", "ipod", "aac"),
]:
    _clip = _encoded(_fmt, _codec)
    if _clip:
        _SEEDS[_suffix] = _clip


@st.composite
def mutated_audio(draw: st.DrawFn) -> tuple[str, bytes]:
    key = draw(st.sampled_from(sorted(_SEEDS)))
    data = bytearray(_SEEDS[key])
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.integers(0, 3))
        if op == 0 and data:  # flip bytes, most often in the header
            i = draw(
                st.one_of(st.integers(0, min(63, len(data) - 1)), st.integers(0, len(data) - 1))
            )
            data[i] = draw(st.integers(0, 255))
        elif op == 1:  # cut
            del data[draw(st.integers(0, len(data))) :]
        elif op == 2 and len(data) >= 48:  # a header field set to an extreme
            i = draw(st.sampled_from([4, 16, 22, 24, 28, 32, 34, 40]))
            value = draw(st.sampled_from([0, 1, 2, 64, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF]))
            size = 2 if i in (22, 32, 34) else 4
            data[i : i + size] = struct.pack("<H" if size == 2 else "<I", value & (256**size - 1))
        else:  # random bytes spliced in
            i = draw(st.integers(0, len(data)))
            data[i:i] = draw(st.binary(max_size=64))
    return key.split("-")[0], bytes(data)


# found by make fuzz: a PCM WAV of 0 bits per sample has no decoder (was internal-error)
@example(case=(".wav", _SEEDS[".wav"][:34] + b"\x00\x00" + _SEEDS[".wav"][36:]))
@given(
    st.one_of(
        mutated_audio(), st.tuples(st.sampled_from([".wav", ".mp3"]), st.binary(max_size=200))
    )
)
def test_fuzz_audio_decoder(work: Path, case: tuple[str, bytes]) -> None:
    suffix, data = case
    path = work / f"a{suffix}"
    path.write_bytes(data)
    try:
        audio = load_audio(path, max_seconds=600)
    except InputError as exc:
        _clean_error(exc, path)
        return
    assert 1 <= len(audio.channels) <= 2
    for ch in audio.channels:
        assert ch.dtype == np.float32 and len(ch) == len(audio.channels[0])
        assert np.isfinite(ch).all()
    assert audio.duration >= 0.1


def test_every_container_is_seeded() -> None:
    """The audio fuzz starts from real files of each common container this PyAV can write."""
    assert {".wav", ".flac"} <= set(_SEEDS), sorted(_SEEDS)
