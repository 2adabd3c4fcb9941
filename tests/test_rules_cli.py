"""The rule tooling QA leads use: the shipped packs' own examples, lint, test and explain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.rule_tests import run_pack_tests
from scanner.rules_schema import load_pack, pack_files

from .helpers import ROOT, run_cli

PACKS = pack_files([ROOT / "rules"])
REPORTS = [rep for f in PACKS for rep in run_pack_tests(load_pack(f))]


def test_the_shipped_packs() -> None:
    assert sorted(f.parent.name for f in PACKS) == [
        "contact-centre-core",
        "contact-centre-zh",
        "debt-collection",
        "sales-and-telemarketing",
    ]


@pytest.mark.parametrize("rep", REPORTS, ids=lambda r: f"{r.pack}/{r.rule}")
def test_shipped_rule_examples_pass(rep) -> None:
    assert rep.problems == ()
    assert [c for c in rep.cases if not c.ok] == []
    assert rep.count("tp") >= 1 and rep.count("tn") >= 1


def test_rules_test_and_lint_commands(tmp_path: Path) -> None:
    ok = run_cli("rules", "test")
    assert ok.returncode == 0, ok.stdout
    assert "all examples pass" in ok.stdout and "vulnerability-support" in ok.stdout
    broken = tmp_path / "mine"
    broken.mkdir()
    (broken / "pack.yaml").write_text(
        "pack: mine\nversion: 0.1.0\nrules:\n"
        "  - id: hello\n    category: script\n    kind: required\n    severity: low\n"
        "    message: Say hello.\n    match: hello\n    examples:\n"
        "      - expect: passed\n        turns: [{agent: good morning}]\n"
    )
    res = run_cli("rules", "test", str(broken))
    assert res.returncode == 1
    assert "FAIL hello / example 1: expected passed, got failed" in res.stdout
    assert "no example that must fail" in res.stdout
    (broken / "pack.yaml").write_text("pack: mine\nversion: 1\nrules: []\n")
    lint = run_cli("rules", "lint", str(broken))
    assert lint.returncode == 1
    assert "pack.yaml:2 [version] string should match pattern" in lint.stdout


def test_rules_explain_shows_why(tmp_path: Path) -> None:
    res = run_cli(
        "rules",
        "explain",
        "recording-disclosure",
        "--medium",
        "voice",
        "--text",
        "agent: hello\\ncustomer: hi\\nagent: this call may be recorded",
    )
    assert res.returncode == 0, res.stderr
    assert "outcome: PASSED" in res.stdout
    assert "turn 3 agent" in res.stdout and '"call may be recorded"' in res.stdout
    miss = run_cli(
        "rules",
        "explain",
        "debt-collection/mini-miranda",
        "--text",
        "agent: I'm calling about your account",
        "--campaign",
        "collections",
    )
    assert "outcome: FAILED" in miss.stdout and "closest" in miss.stdout
    unknown = run_cli("rules", "explain", "nope", "--text", "agent: hi")
    assert unknown.returncode == 2 and "no rule 'nope'" in unknown.stderr


@pytest.mark.slow
def test_rules_explain_on_a_chat_file_and_on_findings(tmp_path: Path) -> None:
    chat = ROOT / "samples" / "chats" / "chat-01-complaint-handled.txt"
    res = run_cli("rules", "explain", "complaint-handling", "--file", str(chat))
    assert res.returncode == 0, res.stderr
    assert "outcome: PASSED" in res.stdout and "when: " in res.stdout
    # findings hold redacted text: explain works on it, and shows the masks
    out = tmp_path / "o"
    assert run_cli("scan", str(chat), "--out", str(out), "-q").returncode == 0
    findings = out / "chat-01-complaint-handled.json"
    res = run_cli("rules", "explain", "complaint-handling", "--file", str(findings))
    assert res.returncode == 0 and "outcome: PASSED" in res.stdout and "[NUMBER]" in res.stdout
    # findings without text (redaction failed) cannot be explained, and it says why
    doc = json.loads(findings.read_text())
    doc["transcript"]["text_included"] = False
    for turn in doc["transcript"]["turns"]:
        turn.pop("text")
    findings.write_text(json.dumps(doc))
    res = run_cli("rules", "explain", "closing", "--file", str(findings))
    assert res.returncode == 2 and "holds no text" in res.stderr


def _labelled(tmp_path: Path) -> Path:
    folder = tmp_path / "labelled"
    folder.mkdir()
    (folder / "good.txt").write_text(
        "Agent: Thank you for calling Harbour Energy, my name is Priya.\n"
        "Customer: I want to make a complaint about my bill.\n"
        "Agent: I have logged your complaint, the complaint reference is 55.\n"
        "Agent: Is there anything else I can help you with?\n"
    )
    (folder / "bad.txt").write_text(
        "Agent: Hello.\nCustomer: I want to make a complaint.\nAgent: Sure. Bye.\n"
    )
    (folder / "labels.csv").write_text(
        "file,rule,expected\n"
        "good.txt,contact-centre-core/agent-identification,passed\n"
        "good.txt,complaint-handling,passed\n"
        "good.txt,closing,passed\n"
        "bad.txt,agent-identification,failed\n"
        "bad.txt,complaint-handling,failed\n"
        "bad.txt,closing,passed\n"  # wrong on purpose: the rule says failed
    )
    return folder


def test_rules_eval_scores_labelled_conversations(tmp_path: Path) -> None:
    folder = _labelled(tmp_path)
    res = run_cli("rules", "eval", str(folder), "--json", str(tmp_path / "e.json"))
    assert res.returncode == 0, res.stderr
    assert "accuracy 83.3% of 6 verdicts" in res.stdout
    assert "bad  contact-centre-core/closing: expected passed, got failed" in res.stdout
    figures = json.loads((tmp_path / "e.json").read_text())
    closing = figures["rules"]["contact-centre-core/closing"]
    assert closing["accuracy"] == 0.5 and closing["precision"] == 0.0
    assert closing["confusion"]["passed"]["failed"] == 1
    assert figures["rules"]["contact-centre-core/complaint-handling"]["recall"] == 1.0
    # a threshold turns the figures into a gate
    res = run_cli("rules", "eval", str(folder), "--min-rule-accuracy", "0.9")
    assert res.returncode == 1


def test_rules_eval_names_bad_labels(tmp_path: Path) -> None:
    folder = _labelled(tmp_path)
    (folder / "labels.csv").write_text("file,rule,expected\ngood.txt,no-such-rule,passed\n")
    res = run_cli("rules", "eval", str(folder))
    assert res.returncode == 2 and "labels.csv:2: rule 'no-such-rule' unknown" in res.stderr
    (folder / "labels.csv").write_text("file,rule,expected\ngood.txt,closing,maybe\n")
    res = run_cli("rules", "eval", str(folder))
    assert res.returncode == 2 and "expected must be one of" in res.stderr
