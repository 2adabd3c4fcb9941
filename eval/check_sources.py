"""Check evaluation conversation sources (eval/<corpus>/src/**/*.yaml) for format mistakes.

    python eval/check_sources.py eval/rules-en/src [more folders or files]

Prints one line per problem and exits 1 if there is any. It checks the shape only (keys,
speakers, every rule labelled with a known outcome, personal values present verbatim in the
text); whether a label is right is for a reviewer, not for this script.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import yaml

RULES = {
    "contact-centre-core": [
        "recording-disclosure",
        "agent-identification",
        "identity-verification",
        "complaint-handling",
        "vulnerability-support",
        "no-pressure-or-misleading-claims",
        "closing",
    ],
    "debt-collection": [
        "right-party-verification",
        "mini-miranda",
        "no-threats-or-harassment",
        "payment-plan-offered",
    ],
    "sales-and-telemarketing": [
        "cooling-off-stated",
        "costs-stated",
        "no-pressure-selling",
        "opt-out-honoured",
    ],
}
# the Chinese corpus (eval/rules-zh, `language: zh`) is labelled for its own pack only
ZH_RULES = [
    "recording-disclosure",
    "agent-identification",
    "identity-verification",
    "complaint-handling",
    "no-forbidden-phrases",
    "closing",
    "terms-disclosure",
]
OUTCOMES = {"passed", "failed", "not_applicable"}
CONDITIONAL = {
    "identity-verification",
    "complaint-handling",
    "vulnerability-support",
    "payment-plan-offered",
    "opt-out-honoured",
}
KEYS = {
    "id",
    "language",
    "sector",
    "variety",
    "style",
    "medium",
    "metadata",
    "notes",
    "turns",
    "labels",
    "personal",
}
TURN_KEYS = {"speaker", "text", "interrupts"}


def check(path: Path) -> list[str]:
    problems: list[str] = []

    def bad(msg: str) -> None:
        problems.append(f"{path}: {msg}")

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return [f"{path}: not readable YAML ({exc})"]
    if not isinstance(doc, dict):
        return [f"{path}: must be a mapping"]
    for k in set(doc) - KEYS:
        bad(f"unknown key {k!r}")
    for k in ("id", "sector", "medium", "turns", "labels"):
        if k not in doc:
            bad(f"missing key {k!r}")
    if doc.get("id") != path.stem:
        bad(f"id {doc.get('id')!r} must equal the file name stem {path.stem!r}")
    medium = doc.get("medium")
    if medium not in ("voice", "chat"):
        bad("medium must be voice or chat")
    turns = doc.get("turns") or []
    texts: list[str] = []
    speakers: list[str] = []
    if not isinstance(turns, list) or len(turns) < 2:
        bad("turns must be a list of at least two turns")
        turns = []
    for i, t in enumerate(turns):
        if isinstance(t, dict) and len(t) == 1 and "speaker" not in t:
            ((sp, text),) = t.items()
            t = {"speaker": sp, "text": text}
        if not isinstance(t, dict):
            bad(f"turn {i}: must be '- agent: text' or a mapping")
            continue
        for k in set(t) - TURN_KEYS:
            bad(f"turn {i}: unknown key {k!r}")
        if t.get("speaker") not in ("agent", "customer"):
            bad(f"turn {i}: speaker must be agent or customer")
        if not isinstance(t.get("text"), str) or not t["text"].strip():
            bad(f"turn {i}: text must be a non-empty string")
            continue
        if t.get("interrupts") and medium != "voice":
            bad(f"turn {i}: interrupts only makes sense in a call")
        texts.append(t["text"])
        speakers.append(t["speaker"])
    if speakers and set(speakers) != {"agent", "customer"}:
        bad("both an agent and a customer must speak")
    labels = doc.get("labels") or {}
    if not isinstance(labels, dict):
        bad("labels must be a mapping of rule id to outcome")
        labels = {}
    chinese = doc.get("language") == "zh"
    known = set(ZH_RULES) if chinese else {r for rules in RULES.values() for r in rules}
    for r in set(labels) - known:
        bad(f"labels: unknown rule {r!r}")
    for r in sorted(known - set(labels)):
        bad(f"labels: rule {r!r} is not labelled")
    for r, v in labels.items():
        if v not in OUTCOMES:
            bad(f"labels: {r}: {v!r} is not one of {sorted(OUTCOMES)}")
    if medium == "chat" and labels.get("recording-disclosure") not in (None, "not_applicable"):
        bad("labels: recording-disclosure is not_applicable on chats")
    for pack in () if chinese else ("debt-collection", "sales-and-telemarketing"):
        vals = {labels.get(r) for r in RULES[pack]}
        if "not_applicable" in vals and vals - {"not_applicable", None}:
            non_cond = [r for r in RULES[pack] if r not in CONDITIONAL]
            if any(labels.get(r) == "not_applicable" for r in non_cond):
                bad(f"labels: {pack} is applied to some rules and not to others")
    all_text = "\n".join(texts)
    personal = doc.get("personal") or {}
    if not isinstance(personal, dict):
        bad("personal must be a mapping of entity type to a list of values")
        personal = {}
    for entity, values in personal.items():
        listed = values if isinstance(values, list) else [values]
        for v in listed:
            if str(v) not in all_text:
                bad(f"personal: {entity} value not found verbatim in the turns")
        # "[April eighteenth, nineteen sixty-four]" is two items to YAML: one value, unquoted
        for a, b in itertools.pairwise(listed):
            if f"{a}, {b}" in all_text:
                bad(f"personal: {entity} '{a}, {b}' is one value split at its comma; quote it")
    return problems


def main(argv: list[str]) -> int:
    files: list[Path] = []
    for a in argv or ["eval"]:
        p = Path(a)
        files += sorted(p.rglob("*.yaml")) if p.is_dir() else [p]
    problems = [msg for f in files for msg in check(f)]
    ids: dict[str, Path] = {}
    for f in files:
        if f.stem in ids:
            problems.append(f"{f}: id {f.stem} also used by {ids[f.stem]}")
        ids[f.stem] = f
    for msg in problems:
        print(msg)
    print(f"{len(files)} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
