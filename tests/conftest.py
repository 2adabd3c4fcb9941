"""Fixtures that run the real pipeline once per session and share its outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from scanner import ScanOptions, scan

from .helpers import SAMPLES


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


def load(out: Path, name: str) -> dict:
    return json.loads((out / f"{name}.json").read_text())


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True, capture_output=True)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """Debian's headless Chromium driven by its own chromedriver; nothing may reach a network
    (selenium's driver manager is kept offline, Chromium's background services are off)."""
    import os

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for tool in (CHROMIUM, CHROMEDRIVER):
        assert Path(tool).is_file(), f"{tool} missing: apt-get install chromium chromium-driver"
    os.environ["SE_OFFLINE"] = "true"
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--window-size=1300,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
