"""Fixtures that run the real pipeline once per session and share its outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from scanner import ScanOptions, scan

from .helpers import SAMPLES, chromium

_SLOW_FIXTURES = {
    "default_scan",
    "unredacted_scan",
    "browser",
    "sample_report",
    "fresh_calls",
    "chat_scan",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses a whisper scan or the browser is slow, whether or not it says so."""
    for item in items:
        if _SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def unredacted_scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples scanned with --keep-unredacted: text is there to check against scripts."""
    out = tmp_path_factory.mktemp("scan-unredacted")
    scan([SAMPLES], out, ScanOptions(keep_unredacted=True))
    return out


@pytest.fixture(scope="session")
def default_scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples scanned with defaults: no transcript text may be written."""
    out = tmp_path_factory.mktemp("scan-default")
    scan([SAMPLES], out)
    return out


@pytest.fixture(scope="session")
def chat_scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample chats scanned with defaults, with the report and CSVs (no whisper: fast)."""
    from scanner.report import build_report

    out = tmp_path_factory.mktemp("scan-chats")
    scan([SAMPLES / "chats"], out)
    build_report(out)
    return out


def load(out: Path, name: str) -> dict:
    return json.loads((out / f"{name}.json").read_text())


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True, capture_output=True)


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """One headless Chromium for the session, with a fresh profile."""
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
