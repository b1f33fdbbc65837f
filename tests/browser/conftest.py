"""A real headless Chromium (Debian's package, driven by Playwright's Python package; no browser
download) against `lockstep serve` running in its own process on loopback."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.desk import running_desk

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PEOPLE = ("drafter", "director", "reviewer", "secretary", "signer", "editor", "publicity")
PASSWORD = "correct horse 1"


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    from desk import auth
    from services.home.context import initialise
    from services.home.folder import Home
    home = Home(tmp_path_factory.mktemp("browser") / "home")
    initialise(home)
    for name in PEOPLE:
        auth.set_password(home.path, name, PASSWORD)
    with running_desk(home.path) as info:
        yield {"url": info["url"], "home": home.path}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run scripts/setup --test"
    with sync_playwright() as p:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--lang=zh-CN"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """Screenshots of every page the journey visits, to look at (the folder is printed)."""
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots: {folder}")
    return folder
