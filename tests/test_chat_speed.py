"""The work redaction skips on chats is work nobody reads: the spaCy components that only make
lemmas run on a turn when presidio reads its lemmas, and then give what the whole pipeline
gives; and what a batch keeps in memory per file is what the summary needs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner import ScanOptions, scan
from scanner.redact import Redactor
from scanner.types import Interaction, Turn

TEXTS = [
    "my phone number is 07700 900123 and my name is Dana Whitfield",
    "No, that'll do it. You tell Harold I said hello if you see him at church.",
    "my card number is 4929 1234 5678 9012, expiry next March",
    "thanks, that's everything",
    "Flat 302, Sai Krupa Residency, 14th Cross, Indiranagar, Bangalore 560038.",
]


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def test_lemmas_are_made_only_when_read(redactor: Redactor) -> None:
    (art,) = redactor.nlp.artifacts(["we were getting the calls recorded"])
    assert not art.tokens.has_annotation("LEMMA")
    assert art.lemmas == ["we", "be", "get", "the", "call", "record"]
    assert art.tokens.has_annotation("LEMMA")


def test_artifacts_are_the_whole_pipelines(redactor: Redactor) -> None:
    """Entities, lemmas and keywords as presidio's own engine makes them with every
    component run on every turn."""
    engine = redactor.engine.nlp_engine
    for text, ours in zip(TEXTS, redactor.nlp.artifacts(TEXTS)):
        full = engine.process_text(text, "en")
        assert [(e.start_char, e.end_char, e.label_) for e in ours.entities] == [
            (e.start_char, e.end_char, e.label_) for e in full.entities
        ]
        assert ours.scores == full.scores
        assert ours.tokens_indices == full.tokens_indices
        assert ours.lemmas == full.lemmas
        assert ours.keywords == full.keywords


def test_findings_as_with_the_whole_pipeline(redactor: Redactor) -> None:
    """presidio's results with our artifacts equal those with its own, context words
    included."""
    engine = redactor.engine
    for text, ours in zip(TEXTS, redactor.nlp.artifacts(TEXTS)):
        kw = {"language": "en", "score_threshold": 0.35, "context": ["phone", "number"]}
        got = engine.analyze(text, nlp_artifacts=ours, **kw)
        want = engine.analyze(text, nlp_artifacts=engine.nlp_engine.process_text(text, "en"), **kw)
        assert sorted((r.start, r.end, r.entity_type, r.score) for r in got) == sorted(
            (r.start, r.end, r.entity_type, r.score) for r in want
        )


def test_several_interactions_at_once_as_one_at_a_time(redactor: Redactor) -> None:
    """spaCy over the turns of several chats in one pass masks each as on its own."""
    its = [
        Interaction.from_turns(
            [Turn("agent", "Hello, who am I speaking with?"), Turn("customer", t)]
        )
        for t in TEXTS
    ]
    many = redactor.redact_many(its)
    assert [[t.text for t in r.turns] for r in many] == [
        [t.text for t in redactor.redact(it).turns] for it in its
    ]
    assert [len(r.spans) for r in many] == [len(redactor.redact(it).spans) for it in its]
    assert "Whitfield" not in many[0].turns[1].text and "[PERSON]" in many[1].turns[1].text


def test_batch_keeps_no_text_per_file(tmp_path: Path) -> None:
    """The summary is tallied as files are written; the run's results hold no text."""
    chats = tmp_path / "in"
    chats.mkdir()
    for i in range(3):
        turns = [
            {"speaker": "agent", "text": "Thanks for calling, this call is recorded."},
            {"speaker": "customer", "text": f"my name is Dana Whitfield, order {i}"},
        ]
        doc = {"format": "scanner.interaction/v1", "turns": turns}
        (chats / f"chat{i}.json").write_text(json.dumps(doc))
    summary = scan([chats], tmp_path / "out", ScanOptions(), workers=1)
    assert [r.ok for r in summary.results] == [True] * 3
    assert all(r.interaction is None and not r.rules for r in summary.results)
    doc = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert doc["counts"]["inputs"] == 3 and doc["counts"]["ok"] == 3
    assert [e["turns"] for e in doc["interactions"]] == [2, 2, 2]
    assert doc["rules"] and all(sum(c.values()) == 3 for c in doc["rules"].values())
    one = json.loads((tmp_path / "out" / "chat0.json").read_text())
    assert "Dana" not in json.dumps(one["transcript"])
