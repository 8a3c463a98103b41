"""The real web page in a real browser: the app served by uvicorn on loopback, Debian's Chromium
driven by Selenium through Debian's chromedriver, and axe-core injected for accessibility.

`LiveSite` serves `web.app.create_app` on a migrated store with a clock the
test sets; `start_chromium` starts one headless Chromium with a fresh
profile; `axe_violations` runs axe-core on the page shown.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Engine

from flow.settings import Config
from web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
# Without the background-networking flags Chromium's own connections (updates, sync) are refused
# on a machine with no way out, and it stalls; QUIC and the GPU are of no use headless.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=sv-SE")
SERIOUS = ("serious", "critical")


def missing_programs() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return "Debian's chromium and chromium-driver are not installed (./run tests installs them)"
    if shutil.which("npm") is None and not AXE.exists():
        return "npm is not installed (Debian package nodejs), so axe-core cannot be installed"
    return None


def axe_source() -> str:
    """axe.min.js, installed with `npm ci` from the package-lock.json beside this file when missing.

    Two test workers may ask at once: a lock file makes the second wait for the first's install.
    """
    with open(HERE / ".npm-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not AXE.exists():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True,
                           timeout=300)
    return AXE.read_text(encoding="utf-8")


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Clock:
    """The app's clock: fixed at `now` until a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class LiveSite:
    """The app on a free loopback port, on `engine`, for the duration of a test module."""

    config: Config
    engine: Engine
    clock: Clock
    url: str = ""
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    def start(self, port: int = 0) -> None:
        """Serve the app (on `port`, else a free one); returns once uvicorn listens."""
        app = create_app(self.config, self.engine, self.clock, secret_key="browser-tests", secure_cookies=False)
        port = port or free_port()
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                                     lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, name="uvicorn", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    def empty(self) -> None:
        """Every table of the store emptied (the migrations' bookkeeping aside), so each test starts
        from a bare store while the server keeps running. The tables are read from the database, so
        a table a later migration adds is emptied too."""
        tables = MetaData()
        tables.reflect(self.engine)
        names = [t.name for t in reversed(tables.sorted_tables) if t.name != "alembic_version"]
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
            else:
                for name in names:
                    conn.execute(text(f"DELETE FROM {name}"))


@dataclass
class Chromium:
    """One headless Chromium and the folder its downloads land in."""

    driver: WebDriver
    downloads: Path
    profile: Path

    def quit(self) -> None:
        """Close the browser and remove its profile."""
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def start_chromium(downloads: Path) -> Chromium:
    """A headless Chromium with a fresh profile, its console log kept, downloads into `downloads`."""
    profile = Path(tempfile.mkdtemp(prefix="lagesbild-chromium-"))
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False,
                                              "safebrowsing.enabled": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return Chromium(driver, downloads, profile)


def axe_violations(driver: WebDriver, source: str) -> list[dict[str, Any]]:
    """axe-core's violations on the page shown (every rule axe runs by default).

    The script is injected with WebDriver's execute_script, which the page's
    Content-Security-Policy (script-src 'self') does not govern: the
    DevTools protocol evaluates it, not the page.
    """
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(source)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations)).catch(e => done({error: String(e)}));")
    if isinstance(result, dict):
        raise RuntimeError(f"axe-core failed: {result.get('error')}")
    return list(result)


def assert_accessible(driver: WebDriver, axe: str, page: str) -> None:
    """No axe-core violation of impact serious or critical on the page shown (`page` names it).

    With $AXE_REPORT naming a file, every page's violations of any impact are appended to it
    (one JSON line per page), for a report of the minor and moderate ones too.
    """
    violations = axe_violations(driver, axe)
    if os.environ.get("AXE_REPORT"):
        with open(os.environ["AXE_REPORT"], "a", encoding="utf-8") as report:
            report.write(json.dumps({"page": page, "url": driver.current_url,
                                     "violations": [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])}
                                                    for v in violations]}, ensure_ascii=False) + "\n")
    found = serious(violations)
    assert not found, f"axe-core on {page} ({driver.current_url}):\n{describe(found)}"


def serious(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The violations of impact serious or critical."""
    return [v for v in violations if v.get("impact") in SERIOUS]


def describe(violations: list[dict[str, Any]]) -> str:
    """The violations as text for a failing assertion: rule, impact, help and each offending element."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {v.get('helpUrl', '')}")
        for node in v.get("nodes", []):
            lines.append(f"    {json.dumps(node.get('target'))}: {node.get('failureSummary', '').strip()}")
    return "\n".join(lines)


def console_errors(driver: WebDriver) -> list[str]:
    """The browser console's messages of level SEVERE since the last call (a CSP refusal is one)."""
    entries = driver.get_log("browser")  # type: ignore[attr-defined]  # Chromium's driver has it, the base not
    return [str(entry.get("message", "")) for entry in entries if entry.get("level") == "SEVERE"]


@contextmanager
def navigates(driver: WebDriver, timeout: float = 15) -> Iterator[None]:
    """Wait, after the block (a click, Enter), until the browser has left the page and loaded the next."""
    old = driver.find_element(By.TAG_NAME, "html")
    yield

    def gone(_: WebDriver) -> bool:
        try:
            old.is_enabled()
        except WebDriverException:  # stale, or (mid-navigation) "node does not belong to the document"
            return True
        return False

    WebDriverWait(driver, timeout).until(gone)
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.readyState") == "complete")


def sign_in(driver: WebDriver, site: LiveSite, name: str, password: str) -> None:
    """Sign in with the form, as a person would (cookies of an earlier sign-in are dropped first)."""
    driver.delete_all_cookies()
    driver.get(site.url + "/logga-in")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    with navigates(driver):
        driver.find_element(By.CSS_SELECTOR, "form[action='/logga-in'] button[type=submit]").click()


def tab_to(driver: WebDriver, wanted: str, limit: int = 60) -> None:
    """Press Tab until the focused element matches the CSS selector `wanted` (the keyboard's way there)."""
    for _ in range(limit):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        if driver.execute_script("return document.activeElement.matches(arguments[0])", wanted):
            return
    raise AssertionError(f"Tab never reached {wanted}")


def press(driver: WebDriver, *keys: str) -> None:
    """Type `keys` into whatever has the focus."""
    ActionChains(driver).send_keys(*keys).perform()


def focus_ring(driver: WebDriver) -> str:
    """The focused element's outline as computed ("style width"): what shows where the focus is."""
    return str(driver.execute_script(
        "const s = getComputedStyle(document.activeElement);"
        "return s.outlineStyle + ' ' + s.outlineWidth;"))


def keyboard_sign_in(driver: WebDriver, site: LiveSite, name: str, password: str) -> None:
    """Sign in with Tab, typing and Enter only."""
    driver.delete_all_cookies()
    driver.get(site.url + "/logga-in")
    tab_to(driver, "#name")
    press(driver, name)
    tab_to(driver, "#password")
    with navigates(driver):
        press(driver, password, Keys.ENTER)


def downloaded(folder: Path, timeout: float = 20) -> Iterator[Path]:
    """The files that have finished downloading into `folder` (waits until at least one has)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        names = [p for p in folder.iterdir()]
        # Chromium writes NAME.crdownload (and hidden .org.chromium.* files) until the file is whole.
        unfinished = [p for p in names if p.name.endswith(".crdownload") or p.name.startswith(".")]
        if names and not unfinished:
            yield from names
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing downloaded into {folder} within {timeout} s")
