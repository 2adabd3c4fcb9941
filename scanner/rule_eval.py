"""`scanner rules eval`: rule packs against whole labelled conversations, with figures.

Where `rules test` runs each rule's own short examples, this runs every rule of the packs over
a folder of real (or realistic) interactions that a QA lead has labelled, and says how often
each verdict is right: accuracy, precision and recall of violations (a `failed` verdict is a
positive, as in `rules test`), a confusion table per rule, and every disagreement with the
reason the rule gave. The labels are one CSV (`labels.csv` beside the interactions, or
`--labels`): `file,rule,expected`; see eval/README.md.

The folder may hold transcripts (evaluated here, nothing written), recordings (transcribed by
the executor's workers, which send back only outcomes and reasons), or the findings of an
earlier scan (re-scored from the text they hold, so a recording is transcribed once for many
rounds of rule changes).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import executors, findings
from .errors import ScannerError
from .ingest import BatchMetadata, InputFile, batch_csvs, discover
from .process import Processor, ScanOptions
from .rules import OTHER_LANGUAGE, RuleSet
from .vocab import OUTCOMES

LABELS_NAME = "labels.csv"
EXPECTED = ("passed", "failed", "not_applicable")


class LabelsError(ScannerError):
    code = "labels"


@dataclass(frozen=True)
class Verdict:
    interaction: str
    rule: str  # pack/rule
    expected: str
    got: str
    reason: str

    @property
    def right(self) -> bool:
        return self.expected == self.got


@dataclass(frozen=True)
class RuleScore:
    rule: str
    verdicts: tuple[Verdict, ...]

    @property
    def n(self) -> int:
        return len(self.verdicts)

    @property
    def accuracy(self) -> float:
        return sum(v.right for v in self.verdicts) / self.n if self.n else 1.0

    def count(self, expected: str | None = None, got: str | None = None) -> int:
        return sum(
            (expected is None or v.expected == expected) and (got is None or v.got == got)
            for v in self.verdicts
        )

    @property
    def precision(self) -> float | None:
        """Of the violations reported, how many were violations."""
        said = self.count(got="failed")
        return self.count("failed", "failed") / said if said else None

    @property
    def recall(self) -> float | None:
        """Of the violations there were, how many were reported."""
        real = self.count(expected="failed")
        return self.count("failed", "failed") / real if real else None


@dataclass(frozen=True)
class EvalReport:
    rules: tuple[RuleScore, ...]
    interactions: int
    unlabelled: tuple[str, ...] = ()
    errors: tuple[str, ...] = field(default=())

    @property
    def verdicts(self) -> list[Verdict]:
        return [v for r in self.rules for v in r.verdicts]

    @property
    def accuracy(self) -> float:
        vs = self.verdicts
        return sum(v.right for v in vs) / len(vs) if vs else 1.0

    @property
    def needs_review(self) -> float:
        vs = self.verdicts
        return sum(v.got == "needs_review" for v in vs) / len(vs) if vs else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "interactions": self.interactions,
            "verdicts": len(self.verdicts),
            "accuracy": round(self.accuracy, 4),
            "needs_review": round(self.needs_review, 4),
            "rules": {
                r.rule: {
                    "n": r.n,
                    "accuracy": round(r.accuracy, 4),
                    "precision": None if r.precision is None else round(r.precision, 4),
                    "recall": None if r.recall is None else round(r.recall, 4),
                    "confusion": {e: {g: r.count(e, g) for g in OUTCOMES} for e in EXPECTED},
                }
                for r in self.rules
            },
            "disagreements": [v.__dict__ for v in self.verdicts if not v.right],
            "errors": list(self.errors),
        }


def read_labels(path: Path, known_rules: list[str]) -> dict[str, dict[str, str]]:
    """labels.csv to {file stem: {pack/rule: expected}}; a rule may be given by its id alone
    (where packs in several languages share it, "a/x|b/x": the file's language decides).
    Problems name the file and line."""
    by_id: dict[str, list[str]] = {}
    for key in known_rules:
        by_id.setdefault(key.split("/", 1)[1], []).append(key)
    out: dict[str, dict[str, str]] = {}
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            cols = {c.strip().lower() for c in reader.fieldnames or []}
            if not {"file", "rule", "expected"} <= cols:
                raise LabelsError(f"{path}: needs the columns file, rule, expected")
            for row in reader:
                row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
                where = f"{path}:{reader.line_num}"
                rule, expected = row["rule"], row["expected"].lower()
                if expected not in EXPECTED:
                    raise LabelsError(f"{where}: expected must be one of {', '.join(EXPECTED)}")
                if "/" not in rule:
                    keys = by_id.get(rule, [])
                    if not keys:
                        raise LabelsError(f"{where}: rule '{rule}' unknown")
                    # in several packs (the English and the Chinese core packs share ids):
                    # the one written for the conversation's language, decided per file
                    rule = "|".join(keys)
                elif rule not in known_rules:
                    raise LabelsError(f"{where}: rule '{rule}' is not in the packs")
                out.setdefault(Path(row["file"]).stem, {})[rule] = expected
    except OSError as exc:
        raise LabelsError(f"{path}: cannot read the labels ({exc.strerror})") from exc
    return out


Outcomes = dict[str, tuple[str, str]]  # pack/rule -> (outcome, reason)


def _for_language(rule: str, outcomes: Outcomes) -> str:
    """Of the packs a bare rule id is in ("a/x|b/x"), the one whose language the
    conversation is in (the others are not_applicable for that reason)."""
    keys = rule.split("|")
    fitting = [k for k in keys if not outcomes.get(k, ("", ""))[1].startswith(OTHER_LANGUAGE)]
    return (fitting or keys)[0]


@dataclass(frozen=True)
class _OutcomeWorkerFactory:
    """Builds workers that scan a file and send back rule outcomes only: no text at all."""

    options: ScanOptions
    csvs: tuple[Path, ...]

    def __call__(self, threads: int) -> _OutcomeWorker:
        from dataclasses import replace

        options = self.options
        if not options.transcribe.cpu_threads:
            options = replace(options, transcribe=replace(options.transcribe, cpu_threads=threads))
        return _OutcomeWorker(Processor(options, BatchMetadata(self.csvs, options.metadata_csv)))


class _OutcomeWorker:
    def __init__(self, processor: Processor) -> None:
        self.processor = processor

    def run(self, item: InputFile) -> Outcomes | str:
        it = self.processor.interaction(item)
        if isinstance(it, str):
            return it  # the file's error message
        vocabulary = self.processor.options.vocabulary
        results = self.processor.rules.evaluate(it, vocabulary=vocabulary)
        return {f"{r.pack}/{r.rule}": (r.outcome, r.reason) for r in results}


def outcomes_of_folder(
    folder: Path, options: ScanOptions, workers: int = 0
) -> tuple[dict[str, Outcomes], list[str]]:
    """Rule outcomes for every interaction in the folder, by id, and per-file errors."""
    docs = findings.load_dir(folder).docs if folder.is_dir() else ()
    rules = options.rules()
    results: dict[str, Outcomes] = {}
    errors: list[str] = []
    if docs:  # an earlier scan's findings: re-score their text
        for doc in docs:
            try:
                it = findings.interaction_from_findings(doc)
            except ValueError as exc:
                errors.append(str(exc))
                continue
            results[str(doc["id"])] = {
                f"{r.pack}/{r.rule}": (r.outcome, r.reason)
                for r in rules.evaluate(it, vocabulary=options.vocabulary)
            }
        return results, errors
    items, skipped = discover([folder])
    csvs = tuple(batch_csvs([folder], skipped))
    texts = [i for i in items if i.kind != "audio"]
    audio = [i for i in items if i.kind == "audio"]
    if texts:
        worker = _OutcomeWorkerFactory(options, csvs)(0)
        for item in texts:
            _keep(results, errors, item, worker.run(item))
    if audio:
        for item, out in executors.run(
            _OutcomeWorkerFactory(options, csvs), audio, workers=workers
        ):
            _keep(results, errors, item, out)
    return results, errors


def _keep(results: dict, errors: list, item: InputFile, out: object) -> None:
    if isinstance(out, dict):
        results[item.id] = out
    else:
        errors.append(out if isinstance(out, str) else f"{item.path}: {out}")


def evaluate(
    folder: Path,
    options: ScanOptions | None = None,
    labels: Path | None = None,
    workers: int = 0,
    progress: Callable[[str], None] | None = None,
) -> EvalReport:
    options = options or ScanOptions()
    rules: RuleSet = options.rules()
    known = [f"{c.pack.pack}/{c.rule.id}" for c in rules.rules]
    labels_path = labels or Path(folder) / LABELS_NAME
    if not labels_path.is_file():
        raise LabelsError(f"{labels_path}: no labels (give --labels or put labels.csv there)")
    wanted = read_labels(labels_path, known)
    got, errors = outcomes_of_folder(Path(folder), options, workers)
    per_rule: dict[str, list[Verdict]] = {k: [] for k in known}
    for ident, expected in sorted(wanted.items()):
        if ident not in got:
            errors.append(f"{ident}: labelled, but not found or not scanned")
            continue
        for rule, exp in expected.items():
            rule = _for_language(rule, got[ident])
            outcome, reason = got[ident].get(rule, ("not_applicable", "rule not run"))
            per_rule[rule].append(Verdict(ident, rule, exp, outcome, reason))
    unlabelled = tuple(sorted(set(got) - set(wanted)))
    scores = tuple(RuleScore(k, tuple(v)) for k, v in per_rule.items() if v)
    return EvalReport(scores, len(set(got) & set(wanted)), unlabelled, tuple(errors))
