"""Fixtures of the browser tests: one headless Chromium per test module, the app served on
loopback on SQLite and on PostgreSQL (`site`, one server per store and module), axe-core.

Every test starts from an empty store, a signed-out browser and the clock at NOW;
`staff` and `leader` add the accounts most tests sign in with.

They run in the clock-ahead run too (tests/support/clock.py): the page's clock
is the fixed NOW, and Chromium keeps the session cookie by Max-Age, relative
to its own clock, so the browser's real clock changes nothing they assert.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flow.accounts import Role, add_user
from lagesbild.config import load_config
from store.db import make_engine, migrate
from tests.web.browser.browser import Chromium, Clock, LiveSite, axe_source, missing_programs, start_chromium
from tests.web.conftest import NOW, PASSWORD

STAFF, LEADER = "handlaggare", "ledning"


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    """One headless Chromium for the whole module (starting one costs about a second)."""
    reason = missing_programs()
    if reason:
        pytest.skip(reason)
    browser = start_chromium(tmp_path_factory.mktemp("downloads"))
    yield browser
    browser.quit()


@pytest.fixture(scope="session")
def axe() -> str:
    """axe-core's script (installed with npm ci on first use)."""
    return axe_source()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """The app served on loopback, on a migrated SQLite or PostgreSQL store, for the whole module."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("store")
        engine = make_engine(f"sqlite:///{folder / 'lagesbild.db'}")
        migrate(engine)
    else:
        engine = make_engine(request.getfixturevalue("pg_module_url"))
    live = LiveSite(load_config(None), engine, Clock(NOW))
    live.start()
    yield live
    live.stop()
    engine.dispose()


@pytest.fixture(autouse=True)
def fresh(request: pytest.FixtureRequest) -> None:
    """An empty store, the clock at NOW and no cookies before each test that uses the site."""
    if "site" not in request.fixturenames:
        return
    live: LiveSite = request.getfixturevalue("site")
    live.empty()
    live.clock.now = NOW
    if "chromium" in request.fixturenames:
        browser: Chromium = request.getfixturevalue("chromium")
        browser.driver.delete_all_cookies()
        for old in browser.downloads.iterdir():
            old.unlink()


@pytest.fixture
def staff(site: LiveSite) -> str:
    """A staff account of the configured county; its name (the password is PASSWORD)."""
    add_user(site.engine, STAFF, Role.STAFF, site.config.county.code, PASSWORD, NOW)
    return STAFF


@pytest.fixture
def leader(site: LiveSite) -> str:
    """A leadership account of the configured county; its name."""
    add_user(site.engine, LEADER, Role.LEADERSHIP, site.config.county.code, PASSWORD, NOW)
    return LEADER

