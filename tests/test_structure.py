"""The shape of the package: imports run one way, each word of the vocabulary has one home,
and matchers and recognizers come from their registries."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from pydantic import ValidationError

import scanner
from scanner import errors, executors, matchers, rules_schema, vocab

PACKAGE = Path(scanner.__file__).parent


def _imports() -> dict[str, set[str]]:
    """Module -> scanner modules it imports, lazy (inside functions) imports included."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.glob("*.py"):
        mod = path.stem
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    deps.add(node.module.split(".")[0])
                else:
                    deps.update(a.name for a in node.names)
        graph[mod] = deps - {mod}
    return graph


def test_no_import_cycle_in_the_package_lazy_imports_included() -> None:
    graph = _imports()
    graph.pop("__init__")  # the public API re-exports everything and is imported by nothing
    state: dict[str, int] = {}

    def visit(mod: str, path: list[str]) -> None:
        if state.get(mod) == 1:
            raise AssertionError("import cycle: " + " -> ".join([*path, mod]))
        if state.get(mod) == 2:
            return
        state[mod] = 1
        for dep in sorted(graph.get(mod, ())):
            assert dep != "__init__", f"{mod} imports the package itself"
            visit(dep, [*path, mod])
        state[mod] = 2

    for mod in sorted(graph):
        visit(mod, [])


def test_executors_know_nothing_of_scanning() -> None:
    assert _imports()["executors"] <= {"errors"}


def test_only_the_cli_drives_the_batch_and_only_the_batch_runs_files() -> None:
    graph = _imports()
    assert {m for m, deps in graph.items() if "batch" in deps} <= {"cli", "__init__"}
    # the CLI builds ScanOptions; only the batch and `rules eval` run the per-file processor
    runners = {"batch", "rule_eval", "cli", "__init__"}
    assert {m for m, deps in graph.items() if "process" in deps} <= runners


def test_every_error_code_is_in_the_vocabulary() -> None:
    classes = [
        c
        for _, c in inspect.getmembers(errors, inspect.isclass)
        if issubclass(c, errors.ScannerError)
    ]
    classes += [executors.ExecutorError, executors.RayUnavailableError]
    for cls in classes:
        assert cls.code in vocab.ERROR_CODES or cls.code in vocab.FATAL_CODES, cls


def test_every_recognizer_is_registered_with_a_known_entity() -> None:
    from scanner import recognizers, recognizers_zh

    defined = [
        c
        for module in (recognizers, recognizers_zh)
        for name, c in inspect.getmembers(module, inspect.isclass)
        if c.__module__ == module.__name__ and hasattr(c, "analyze") and not name.startswith("_")
    ]
    assert set(defined) == set(recognizers.RECOGNIZERS)
    assert recognizers.entities() <= set(vocab.ENTITIES)


def test_the_rule_schema_accepts_exactly_the_registered_matchers() -> None:
    kinds = set(matchers.MATCHERS)
    assert {"phrase", "similar", "regex", "any", "all", "not", "near"} <= kinds
    for kind, cls in matchers.MATCHERS.items():
        assert cls.kind == kind and issubclass(cls.Spec, matchers.Strict)
    with pytest.raises(ValidationError) as info:
        rules_schema.Step.model_validate({"match": {"no_such_matcher": 1}})
    assert all(k in str(info.value) for k in kinds)  # the error names every registered kind


def test_our_own_output_names_are_the_ones_ids_keep_clear_of() -> None:
    from scanner import findings, index, report

    written = {
        findings.SUMMARY_NAME,
        index.INDEX_NAME,
        report.REPORT_NAME,
        report.RESULTS_CSV,
        report.INTERACTIONS_CSV,
    }
    assert written == set(vocab.OUTPUT_NAMES)
    assert {n.split(".")[0] for n in written} <= vocab.RESERVED_IDS
