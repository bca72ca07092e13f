"""The browser suite's fixtures: the edition built once per session into a temporary folder, and
Debian's chromium driven through Debian's chromium-driver by Selenium (nothing downloaded at run
time: the browser and driver paths are given, so Selenium Manager is never asked for them)."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync")
WINDOW = (1400, 1000)


@pytest.fixture(scope="session")
def site(essay_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The edition of the bundled records, built once for the session."""
    from chilecite.edition import build_edition, write_edition
    from chilecite.loading import load_corpus
    from chilecite.text import ReferenceText

    started = time.perf_counter()
    files = build_edition(load_corpus(), ReferenceText.from_file(essay_path))
    print(f"\nedition for the browser: built in {time.perf_counter() - started:.2f} s")
    return write_edition(files, tmp_path_factory.mktemp("edition") / "site")


def _require_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        pytest.skip(f"{' and '.join(missing)} absent: install Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; .ci/run does)")
    pytest.importorskip("selenium", reason="selenium is in the [test] extra")


def make_driver(profile: Path, *, javascript: bool = True, window: tuple[int, int] = WINDOW):
    """A headless chromium with console and network (performance) logging."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={window[0]},{window[1]}")
    if not javascript:
        options.add_argument("--blink-settings=scriptEnabled=false")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


@pytest.fixture(scope="session")
def driver() -> Iterator[object]:
    _require_browser()
    profile = Path(tempfile.mkdtemp(prefix="chilecite-chromium-"))
    browser = make_driver(profile)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def plain_driver() -> Iterator[object]:
    """The same browser with JavaScript off: the page must work as a plain document with footnotes."""
    _require_browser()
    profile = Path(tempfile.mkdtemp(prefix="chilecite-chromium-nojs-"))
    browser = make_driver(profile, javascript=False)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the screenshots go: artifacts/screenshots/ in the checkout, which CI keeps."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


class Traffic:
    """What a page asked for and said: the URLs it requested (from the DevTools performance log)
    and its console errors. Reading drains the logs, so each check sees only what followed the last."""

    def __init__(self, driver) -> None:
        self.driver = driver

    def drain(self) -> tuple[list[str], list[str]]:
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
            elif message["method"] == "Network.webSocketCreated":
                urls.append(message["params"]["url"])
        errors = [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
        return urls, errors
