"""`scanner verify`: no field is exempt, our own text passes by its shape, it writes nothing,
and its exit code says whether it found something (1) or could not check something (3)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from scanner.ingest import with_ids
from scanner.verify import scan_text, verify

from .helpers import run_cli

THIS_YEAR = date.today().year
# one value of each kind of personal data, and what verify must call it
VALUES = {
    "card": ("4111 1111 1111 1111", "card number"),
    "phone": ("07700 900123", "digit run"),
    "email": ("helen.cho@example.com", "email"),
    "date of birth": ("12 March 1982", "date with year"),
    "ISO date of birth": ("1982-03-12", "date with year"),
    "postcode": ("SW1A 1AA", "postcode"),
    "ssn": ("078-05-1120", "ssn"),
}
# fields that verify used to skip, and others that hold only our own words
FIELDS = [
    ("results", 0, "message"),
    ("results", 0, "reason"),
    ("results", 0, "reference"),
    ("results", 0, "evidence", 0, "matched"),
    ("redaction", "spans", 0, "detector"),
    ("interaction", "source", "sha256"),
    ("schema",),
    ("id",),
]


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _set(doc: dict, path: tuple, value: str) -> str:
    """Put `value` at `path` (after our own text, as it would be if it slipped in) and
    return the place as verify names it."""
    *parents, last = path
    node = doc
    for p in parents:
        node = node[p]
    node[last] = f"{node.get(last, '')} {value}" if isinstance(node, dict) else value
    where = ""
    for p in path:
        where += f"[{p}]" if isinstance(p, int) else (f".{p}" if where else p)
    return where


def test_a_clean_scan_of_the_chats_with_report_and_csvs_verifies_clean(chat_scan: Path) -> None:
    names = {p.name for p in chat_scan.iterdir()}
    assert {"report.html", "results.csv", "interactions.csv", "index.sqlite"} <= names
    found = verify(chat_scan)
    assert found.leaks == () and found.problems == ()
    res = run_cli("verify", str(chat_scan))
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"{found.files} files checked, 0 possible leaks" in res.stdout


@pytest.mark.parametrize("kind", VALUES)
def test_a_personal_value_in_any_findings_field_is_reported(
    chat_scan: Path, tmp_path: Path, kind: str
) -> None:
    value, reported_as = VALUES[kind]
    src = chat_scan / "chat-01-complaint-handled.json"
    for field in FIELDS:
        doc = json.loads(src.read_text())
        doc["results"][0]["evidence"] = doc["results"][0]["evidence"] or [{"matched": ""}]
        where = _set(doc, field, value)
        out = tmp_path / where
        out.mkdir()
        (out / "f.json").write_text(json.dumps(doc))
        leaks = verify(out).leaks
        assert {(leak.where, leak.kind) for leak in leaks} >= {(where, reported_as)}, field


@pytest.mark.parametrize("kind", VALUES)
def test_a_personal_value_as_a_json_key_is_reported_without_quoting_it(
    tmp_path: Path, kind: str
) -> None:
    value, reported_as = VALUES[kind]
    (tmp_path / "f.json").write_text(json.dumps({"interaction": {"metadata": {value: "x"}}}))
    leaks = verify(tmp_path).leaks
    assert [(leak.where, leak.kind) for leak in leaks if leak.kind == reported_as] == [
        ("interaction.metadata.<key 1> (key)", reported_as)
    ]


@pytest.mark.parametrize("kind", VALUES)
def test_a_personal_value_in_the_reports_own_wording_is_reported(
    chat_scan: Path, tmp_path: Path, kind: str
) -> None:
    """The report's rule messages, references and reasons (once marked data-ours and skipped)
    are read like everything else, and so is the CSV."""
    value, reported_as = VALUES[kind]
    out = _copy(chat_scan, tmp_path / "o")
    html = (out / "report.html").read_text()
    reason = "<td data-ours>1 trigger(s), each answered</td>"
    assert html.count("<td>1 trigger(s), each answered</td>") >= 1
    html = html.replace("<td>1 trigger(s), each answered</td>", reason.replace("each", value), 1)
    (out / "report.html").write_text(html)
    with (out / "results.csv").open("a") as fh:
        fh.write(f"x,y,failed,{value}\n")
    found = {(Path(leak.file).name, leak.kind) for leak in verify(out).leaks}
    assert {("report.html", reported_as), ("results.csv", reported_as)} <= found


@pytest.mark.parametrize(
    "text",
    [
        "ISO 18295-1:2017 4.2; GDPR Art. 13",
        "ISO/IEC 27001:2022 A.8",
        "BS EN 15838:2009",
        "a7c0f3e56d3ac6b1f1c7e2e4b0c8a2a9d0e8c5b3f2a1d4e6c8b9a0f1e2d3c4b5",
        f"{THIS_YEAR}-11-23T21:22:00+00:00",
        f"{THIS_YEAR - 1}-10-05",
        "call-02-complaint-pressure-mkrtbdcl",
    ],
)
def test_our_own_shapes_are_not_personal_data(text: str) -> None:
    assert list(scan_text(text)) == []


@pytest.mark.parametrize(
    "text, kind",
    [
        ("ISO 4111 1111 1111 1111", "digit run"),  # "ISO 4111" reads as a standard
        ("ISO 18295-1:2017 07700 900123", "digit run"),
        ("ISO 07700 900123", "digit run"),
        ("ISO 12345-6789012", "digit run"),
        (
            "a7c0f3e56d3ac6b1f1c7e2e4b0c8a2a9d0e8c5b3f2a1d4e6c8b9a0f1e2d3c4b5 4111111111111111",
            "card number",
        ),
        ("1234567890123456789012345678901234567890123456789012345678901234", "digit run"),
        ("born 1982-03-12T00:00:00", "date with year"),
    ],
)
def test_a_personal_value_next_to_or_shaped_like_our_own_text_is_still_reported(
    text: str, kind: str
) -> None:
    assert kind in set(scan_text(text))


def test_ids_made_for_clashing_names_never_read_as_a_number(tmp_path: Path) -> None:
    """The tag added to clashing ids was eight hex digits, all digits for about 1 path in 40
    ("call-12345678", a digit run to verify); it is letters now."""
    paths = [tmp_path / str(n) / "call.wav" for n in range(400)]
    ids = [item.id for item in with_ids([(p, "audio", None) for p in paths])]
    assert len(set(ids)) == 400
    for ident in ids:
        stem, tag = ident.rsplit("-", 1)
        assert stem == "call" and len(tag) == 8 and tag.isalpha() and tag.islower()
        assert list(scan_text(ident)) == [], ident


# ---- writes nothing; read-only folders ------------------------------------------------------


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
    }


def _unprivileged_prefix() -> list[str]:
    """What runs a command with file permissions in force. Root ignores them (the tests run as
    root), so there the capabilities that override them are dropped with setpriv first."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root without setpriv: file permissions cannot be put in force")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", "--inh-caps=-all"]


def _unprivileged(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [*_unprivileged_prefix(), sys.executable, "-m", "scanner", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def _chmod_tree(folder: Path, dirs: int, files: int) -> None:
    for p in [folder, *folder.rglob("*")]:
        p.chmod(dirs if p.is_dir() else files)


def test_verify_leaves_no_file_behind(chat_scan: Path, tmp_path: Path) -> None:
    out = _copy(chat_scan, tmp_path / "o")
    before = _listing(out)
    assert not [n for n in before if n.endswith(("-wal", "-shm"))]
    assert run_cli("verify", str(out)).returncode == 0
    assert _listing(out) == before


def test_verify_works_on_a_read_only_folder(chat_scan: Path, tmp_path: Path) -> None:
    out = _copy(chat_scan, tmp_path / "o")
    before = _listing(out)
    _chmod_tree(out, 0o555, 0o444)
    try:
        touch = [*_unprivileged_prefix(), "touch", str(out / "x")]
        denied = subprocess.run(touch, capture_output=True, text=True)
        assert denied.returncode != 0, "the folder is not read-only for the check"
        res = _unprivileged("verify", str(out))
    finally:
        _chmod_tree(out, 0o755, 0o644)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    assert _listing(out) == before


def test_rows_left_in_a_write_ahead_log_are_checked_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    """A writer killed before a checkpoint leaves rows only in index.sqlite-wal: an immutable
    connection would not see them, so they are read from a private copy."""
    work = tmp_path / "work"
    work.mkdir()
    con = sqlite3.connect(work / "index.sqlite", isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE interactions (id TEXT, error_message TEXT)")
    con.execute("INSERT INTO interactions VALUES ('a', 'call me on 07700 900123')")
    out = tmp_path / "out"
    out.mkdir()
    for name in ("index.sqlite", "index.sqlite-wal"):  # as a kill would leave them
        shutil.copy(work / name, out / name)
    con.close()
    before = _listing(out)
    found = verify(out)
    assert [(leak.where, leak.kind) for leak in found.leaks] == [
        ("table interactions row 1 column error_message", "digit run")
    ]
    assert found.problems == () and _listing(out) == before


# ---- exit codes -----------------------------------------------------------------------------


def _assert_clean_error(res: subprocess.CompletedProcess[str], code: int, *named: str) -> None:
    assert res.returncode == code, res.stdout + res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    for text in named:
        assert text in res.stderr, res.stderr


def test_exit_codes_nothing_found_leaks_and_usage(tmp_path: Path) -> None:
    (tmp_path / "ok.json").write_text('{"note": "nothing personal"}')
    assert run_cli("verify", str(tmp_path)).returncode == 0
    (tmp_path / "leak.json").write_text('{"note": "card 4111 1111 1111 1111"}')
    res = run_cli("verify", str(tmp_path))
    assert res.returncode == 1 and "leak.json: note: possible card number" in res.stdout
    assert "4111" not in res.stdout + res.stderr
    usage = run_cli("verify")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_a_folder_that_does_not_exist_or_is_a_file_cannot_be_checked(tmp_path: Path) -> None:
    _assert_clean_error(run_cli("verify", str(tmp_path / "nope")), 3, "nope", "no such folder")
    (tmp_path / "f.json").write_text("{}")
    _assert_clean_error(run_cli("verify", str(tmp_path / "f.json")), 3, "f.json", "not a folder")


def test_files_that_cannot_be_read_or_parsed_are_named_and_the_rest_is_checked(
    tmp_path: Path,
) -> None:
    (tmp_path / "broken.json").write_text('{"note": "my name is Helen", ')
    (tmp_path / "index.sqlite").write_bytes(b"not a database at all, 07700 900123\n" * 200)
    (tmp_path / "gone.json").symlink_to(tmp_path / "missing-target.json")
    (tmp_path / "good.json").write_text('{"note": "fine"}')
    found = verify(tmp_path)
    problems = {Path(p.file).name: p.problem for p in found.problems}
    assert set(problems) == {"broken.json", "index.sqlite", "gone.json"}
    assert "not valid JSON" in problems["broken.json"]
    assert "SQLite" in problems["index.sqlite"]
    assert "cannot read it" in problems["gone.json"]
    # what could be read of them is still checked
    kinds = {(Path(leak.file).name, leak.kind) for leak in found.leaks}
    assert {("broken.json", "introduced name"), ("index.sqlite", "digit run")} <= kinds
    res = run_cli("verify", str(tmp_path))
    assert res.returncode == 1  # leaks were found: that comes first
    assert "Helen" not in res.stdout + res.stderr and "900123" not in res.stdout + res.stderr
    (tmp_path / "broken.json").write_text('{"note": ')
    (tmp_path / "index.sqlite").write_bytes(b"not a database\n")
    _assert_clean_error(run_cli("verify", str(tmp_path)), 3, "broken.json", "gone.json")


def test_a_linked_folder_is_named_as_not_checked(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "leak.json").write_text('{"note": "07700 900123"}')
    out = tmp_path / "out"
    out.mkdir()
    (out / "ok.json").write_text("{}")
    (out / "linked").symlink_to(elsewhere, target_is_directory=True)
    _assert_clean_error(run_cli("verify", str(out)), 3, "linked", "not followed")


def test_unreadable_files_and_folders_cannot_be_checked(tmp_path: Path) -> None:
    (tmp_path / "ok.json").write_text("{}")
    (tmp_path / "secret.json").write_text("{}")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner.json").write_text("{}")
    (tmp_path / "secret.json").chmod(0)
    (tmp_path / "sub").chmod(0)
    try:
        res = _unprivileged("verify", str(tmp_path))
    finally:
        (tmp_path / "sub").chmod(0o755)
        (tmp_path / "secret.json").chmod(0o644)
    _assert_clean_error(res, 3, "secret.json", "sub", "Permission denied")
    assert "2 could not be checked" in res.stdout


def test_the_shipped_rule_packs_wording_passes() -> None:
    """Messages, references and phrases end up in every findings file and the report (the
    examples do not: they are only run by `scanner rules test`)."""
    import yaml

    from scanner.rules import default_rule_paths
    from scanner.verify import _json_strings

    packs = [f for p in default_rule_paths() for f in sorted(Path(p).rglob("*.yaml"))]
    assert len(packs) >= 3
    for pack in packs:
        doc = yaml.safe_load(pack.read_text())
        for rule in doc.get("rules", []):
            rule.pop("examples", None)
        for where, text in _json_strings(doc):
            assert list(scan_text(text)) == [], f"{pack}: {where}"
