"""Transcript readers: every format, and errors that point at the line without quoting it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner import TranscriptFormatError, read_transcript


def write(tmp_path: Path, name: str, body: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(body if isinstance(body, bytes) else body.encode())
    return p


def test_plain_text_with_aliases_timestamps_and_continuations(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "c.txt",
        "\ufeff[00:01] Agent: Hello, Northwind Bank.\n\n"
        "[00:04.5] Caller: Hi. I need help\nwith my card.\nSarah (Agent): Sure.\n",
    )
    turns, meta = read_transcript(p)
    assert [(t.speaker, t.text, t.start) for t in turns] == [
        ("agent", "Hello, Northwind Bank.", 1.0),
        ("customer", "Hi. I need help with my card.", 4.5),
        ("agent", "Sure.", None),
    ]
    assert meta == {}


def test_plain_text_unknown_label_names_the_line(tmp_path: Path) -> None:
    p = write(tmp_path, "c.txt", "Agent: hi\nSupervisor Bob: secret words\n")
    with pytest.raises(TranscriptFormatError) as info:
        read_transcript(p)
    msg = str(info.value)
    assert msg.startswith(f"{p}:2: unknown speaker label")
    assert "secret" not in msg
    assert info.value.code == "transcript-format" and info.value.line == 2


def test_plain_text_first_line_without_prefix(tmp_path: Path) -> None:
    p = write(tmp_path, "c.txt", "just some words\n")
    with pytest.raises(TranscriptFormatError, match=r"c.txt:1: line has no speaker prefix"):
        read_transcript(p)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "file is empty"),
        (b"   \n\n", "file is empty"),
        (b"Agent: caf\xe9\n", "not UTF-8 text (bad byte at offset 10)"),
    ],
)
def test_empty_and_undecodable_text(tmp_path: Path, body: bytes, says: str) -> None:
    with pytest.raises(TranscriptFormatError) as info:
        read_transcript(write(tmp_path, "c.txt", body))
    assert says in str(info.value)


def test_json_interaction(tmp_path: Path) -> None:
    doc = {
        "format": "scanner.interaction/v1",
        "id": "x1",
        "medium": "chat",
        "metadata": {"team": "t1", "campaign": None},
        "turns": [
            {"speaker": "agent", "text": " Hi ", "start": 0, "end": 1.5},
            {"speaker": "Customer", "text": "Hello"},
        ],
    }
    turns, meta = read_transcript(write(tmp_path, "c.json", json.dumps(doc)))
    assert [(t.speaker, t.text, t.start, t.end) for t in turns] == [
        ("agent", "Hi", 0, 1.5),
        ("customer", "Hello", None, None),
    ]
    assert meta == {"team": "t1", "_id": "x1", "_medium": "chat"}


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        ({"turns": []}, "[format] field required"),
        (
            {"format": "other/v2", "turns": []},
            '[format] expected "format": "scanner.interaction/v1"',
        ),
        (
            {"format": "scanner.interaction/v1", "turns": []},
            "[turns] list should have at least 1 item",
        ),
        (
            {
                "format": "scanner.interaction/v1",
                "turns": [{"speaker": "agent", "text": "x", "strat": 1}],
            },
            "[turns -> 0] unknown field (3rd field of the turn; "
            "allowed: speaker, text, start, end)",
        ),
        (
            {"format": "scanner.interaction/v1", "turns": [{"speaker": "boss", "text": "x"}]},
            "[turns -> 0 -> speaker] unknown speaker",
        ),
        (
            {
                "format": "scanner.interaction/v1",
                "turns": [{"speaker": "agent", "text": "x", "start": 5, "end": 2}],
            },
            "[turns -> 0 -> end] end is before start",
        ),
    ],
)
def test_json_errors_name_the_path(tmp_path: Path, doc: dict, says: str) -> None:
    with pytest.raises(TranscriptFormatError) as info:
        read_transcript(write(tmp_path, "c.json", json.dumps(doc)))
    assert says in str(info.value)


def test_json_syntax_error_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(TranscriptFormatError, match=r"c.json:3: invalid JSON"):
        read_transcript(write(tmp_path, "c.json", '{\n "format": 1,\n ]'))


def test_webvtt_voice_tags(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "c.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.500\n<v Agent>Hello\nthere</v>\n\n"
        "00:01:03.000 --> 00:01:05.000\n<v Customer>Hi</v>\n",
    )
    turns, _ = read_transcript(p)
    assert [(t.speaker, t.text, t.start, t.end) for t in turns] == [
        ("agent", "Hello there", 1.0, 3.5),
        ("customer", "Hi", 63.0, 65.0),
    ]


def test_srt_with_prefixes(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "c.srt",
        "1\n00:00:01,000 --> 00:00:02,000\nAgent: Hello\n\n"
        "2\n00:00:02,500 --> 00:00:04,000\nCustomer: Hi there\n",
    )
    turns, _ = read_transcript(p)
    assert [(t.speaker, t.text, t.start) for t in turns] == [
        ("agent", "Hello", 1.0),
        ("customer", "Hi there", 2.5),
    ]


def test_captions_without_speakers_and_malformed(tmp_path: Path) -> None:
    p = write(tmp_path, "c.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nNo speaker here\n")
    with pytest.raises(
        TranscriptFormatError, match=r"\[cue 1 at 00:00:01.000\] caption has no known speaker"
    ):
        read_transcript(p)
    with pytest.raises(TranscriptFormatError, match="not a valid WebVTT file"):
        read_transcript(write(tmp_path, "d.vtt", "this is not webvtt\n"))
    with pytest.raises(TranscriptFormatError, match="not a valid SRT file"):
        read_transcript(write(tmp_path, "d.srt", "1\nnonsense\n"))


S = "Qzx Sentinel"  # a key or value that could be personal data


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        (
            {"format": "scanner.interaction/v1", "turns": [{"speaker": "agent", "text": S, S: S}]},
            "[turns -> 0] unknown field (3rd field of the turn; "
            "allowed: speaker, text, start, end)",
        ),
        (
            {
                "format": "scanner.interaction/v1",
                S: S,
                "turns": [{"speaker": "agent", "text": "x"}],
            },
            "[root] unknown field (2nd field of the document; "
            "allowed: format, id, medium, metadata, turns)",
        ),
        (
            {
                "format": "scanner.interaction/v1",
                "metadata": {"team": "t", S: [S]},
                "turns": [{"speaker": "agent", "text": "x"}],
            },
            "[metadata] the value of the 2nd field must be text, a number or null",
        ),
        ({"format": S, "turns": [{"speaker": "agent", "text": "x"}]}, "[format] expected"),
        (
            {"format": "scanner.interaction/v1", "turns": [{"speaker": S, "text": S}]},
            "[turns -> 0 -> speaker] unknown speaker",
        ),
        (
            {"format": "scanner.interaction/v1", "turns": [{"speaker": "agent", "text": [S]}]},
            "[turns -> 0 -> text] input should be a valid string",
        ),
        (
            {
                "format": "scanner.interaction/v1",
                "turns": [{"speaker": "agent", "text": "x", "start": S}],
            },
            "[turns -> 0 -> start] input should be a valid number",
        ),
        (
            {"format": "scanner.interaction/v1", "medium": S, "turns": [S]},
            "[medium] input should be 'chat' or 'voice' (and 1 more problems)",
        ),
        ([S], "[root] must be a JSON object"),
    ],
)
def test_json_errors_never_quote_keys_or_values(tmp_path: Path, doc: object, says: str) -> None:
    with pytest.raises(TranscriptFormatError) as info:
        read_transcript(write(tmp_path, "c.json", json.dumps(doc)))
    assert says in str(info.value)
    assert "qzx" not in str(info.value).lower()


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("a.txt", f"{S}: hello\n"),
        ("b.txt", f"{S}\n"),
        ("c.vtt", f"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v {S}>hi</v>\n"),
        ("d.vtt", f"{S}\n\n00:00:01.000 --> 00:00:02.000\n<v Agent>hi</v>\n"),
        ("e.srt", f"1\n00:00:01,000 --> 00:00:02,000\n{S}: hi\n"),
        ("f.srt", f"1\n{S}\n"),
    ],
)
def test_text_and_caption_errors_never_quote_the_file(tmp_path: Path, name: str, body: str) -> None:
    with pytest.raises(TranscriptFormatError) as info:
        read_transcript(write(tmp_path, name, body))
    assert "qzx" not in str(info.value).lower()
