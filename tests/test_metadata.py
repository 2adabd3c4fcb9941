"""Metadata columns: only the safe ones are written unless the user keeps one by name; the
findings name what was dropped, never its value."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scanner import scan
from scanner.findings import interaction_from_findings
from scanner.ingest import BatchMetadata
from scanner.metadata import HIDDEN_NAME, SAFE_COLUMNS, restrict
from scanner.report import build_report
from scanner.verify import verify

from .helpers import SAMPLES, run_cli

NAME, PHONE, CARD = "Helen Qzxcho", "07700 900123", "4111 1111 1111 1111"
# what must not appear anywhere, in any spelling the outputs could use
NEEDLES = ("qzxcho", "900123", "4111", "1111 1111", "qzxdoe")


def _batch(tmp_path: Path) -> Path:
    batch = tmp_path / "batch"
    batch.mkdir()
    for name in ("chat-01-complaint-handled.txt", "chat-03-investment-pressure.vtt"):
        shutil.copy(SAMPLES / "chats" / name, batch)
    (batch / "metadata.csv").write_text(
        "file,agent_id,team,date,language,customer_name,customer_phone,notes,Jane Qzxdoe\n"
        f'chat-01-complaint-handled.txt,A-1,payments,2026-10-01,en,{NAME},{PHONE},"card {CARD}",y\n'
        f'chat-03-investment-pressure.vtt,A-2,sales,2026-10-02,en,{NAME},{PHONE},"card {CARD}",y\n'
    )
    # a JSON transcript's own metadata goes the same way
    doc = json.loads((SAMPLES / "chats" / "chat-02-vulnerable-no-support.json").read_text())
    doc["metadata"].update({"customer_name": NAME, "notes": f"card {CARD}"})
    (batch / "chat-02.json").write_text(json.dumps(doc))
    return batch


def _every_file_lacks(out: Path, needles: tuple[str, ...]) -> None:
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {"summary.json", "index.sqlite", "report.html", "results.csv", "interactions.csv"} <= {
        p.name for p in files
    }
    for p in files:
        text = p.read_bytes().decode("utf-8", errors="replace").lower()
        for needle in needles:
            assert needle not in text, (p.name, needle)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("metadata")
    batch, out = _batch(tmp), tmp / "out"
    scan([batch], out)
    build_report(out)
    return batch, out


@pytest.mark.slow
def test_unsafe_columns_are_written_nowhere(scanned: tuple[Path, Path]) -> None:
    _, out = scanned
    _every_file_lacks(out, NEEDLES)
    assert verify(out).leaks == ()


@pytest.mark.slow
def test_findings_keep_the_safe_columns_and_name_the_dropped_ones(
    scanned: tuple[Path, Path],
) -> None:
    _, out = scanned
    it = json.loads((out / "chat-01-complaint-handled.json").read_text())["interaction"]
    assert it["metadata"] == {"agent_id": "A-1", "team": "payments", "date": "2026-10-01",
                              "language": "en"}  # fmt: skip
    # a name that could itself be data is not shown
    assert it["metadata_dropped"] == ["customer_name", "customer_phone", HIDDEN_NAME, "notes"]
    own = json.loads((out / "chat-02.json").read_text())["interaction"]
    assert set(own["metadata"]) == {"agent_id", "team", "campaign", "date"}
    assert own["metadata_dropped"] == ["customer_name", "notes"]
    # reading findings back keeps what was written and what was dropped
    again = interaction_from_findings(json.loads((out / "chat-02.json").read_text()))
    assert again.metadata.dropped == ("customer_name", "notes")


@pytest.mark.slow
def test_keep_metadata_keeps_exactly_the_named_column(
    scanned: tuple[Path, Path], tmp_path: Path
) -> None:
    batch, first = scanned
    out = tmp_path / "out"
    shutil.copytree(first, out)
    res = run_cli("scan", str(batch), "--out", str(out), "--keep-metadata", "Notes")
    assert res.returncode == 0, res.stderr
    assert "already done" not in res.stderr  # a different choice of columns is a new scan
    it = json.loads((out / "chat-01-complaint-handled.json").read_text())["interaction"]
    assert it["metadata"]["notes"] == f"card {CARD}"
    assert set(it["metadata"]) - set(SAFE_COLUMNS) == {"notes"}
    assert it["metadata_dropped"] == ["customer_name", "customer_phone", HIDDEN_NAME]
    _every_file_lacks(out, ("qzxcho", "900123", "qzxdoe"))
    # the user asked for it by name; verify still says where it is
    leaks = {(Path(leak.file).name, leak.where) for leak in verify(out).leaks}
    assert ("chat-01-complaint-handled.json", "interaction.metadata.notes") in leaks


def test_a_sidecars_unsafe_fields_are_dropped(tmp_path: Path) -> None:
    call = tmp_path / "call.wav"
    call.write_bytes(b"")
    (tmp_path / "call.wav.json").write_text(
        json.dumps({"agent_channel": "right", "team": "t", "Customer_Phone": PHONE})
    )
    meta = BatchMetadata().for_file(call)
    assert meta.agent_channel == 1  # every column is there for the stages and the rules ...
    assert dict(meta.extra) == {"customer_phone": PHONE}
    safe = restrict(meta)  # ... and only the safe ones leave the worker
    assert safe.as_dict() == {"agent_channel": 1, "team": "t"}
    assert safe.dropped == ("customer_phone",)
    assert restrict(safe) == safe
    assert restrict(meta, ["customer_phone"]).as_dict()["customer_phone"] == PHONE
