"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.support import clock, libreoffice, postgres


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--clock-ahead", type=int, default=0, metavar="DAYS",
                     help="run with the clock moved DAYS ahead, so a test that depends on today's date fails now")


def pytest_configure(config: pytest.Config) -> None:
    """Move the clock first, before any test module reads it (workers inherit it through the environment)."""
    clock.move_ahead(config.getoption("--clock-ahead") or clock.days_ahead())


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the operator's LAGESBILD_* settings."""
    for key in list(os.environ):
        if key.startswith("LAGESBILD_"):
            monkeypatch.delenv(key)
    yield


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `libreoffice` are skipped, with a reason, when it is missing.

    With the clock moved ahead, tests of programs that keep the real clock
    (LibreOffice, Chromium) are skipped: they run in the ordinary run.
    """
    if clock.days_ahead():
        ahead = pytest.mark.skip(reason="LibreOffice and Chromium keep the real clock; they run in the ordinary run")
        for item in items:
            if "libreoffice" in item.keywords or "chromium" in item.keywords:
                item.add_marker(ahead)
    if libreoffice.available():
        return
    skip = pytest.mark.skip(reason="LibreOffice (soffice) is not installed; ./run tests installs it")
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Mark the reports of a test that used PostgreSQL, so the closing count sees them (also from xdist workers)."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    # By name: a test "..._on_postgresql" or a "postgresql" parameter, but not the SQLite half of such a test.
    params = getattr(getattr(item, "callspec", None), "id", "").split("-")
    used = item.nodeid in postgres.ASKED or ("postgres" in item.name.lower() and "sqlite" not in params)
    if used and not _on_postgresql(report):
        report.user_properties.append(("postgresql", True))


def _on_postgresql(report: pytest.TestReport) -> bool:
    return any(key == "postgresql" for key, _ in getattr(report, "user_properties", []))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One closing line with how many PostgreSQL tests passed, failed or were skipped: a run that says
    "N passed" overall could otherwise have left the PostgreSQL half out unnoticed."""
    outcomes: dict[str, str] = {}
    for kind in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(kind, []):
            # A failure or skip in any phase wins over a pass.
            if _on_postgresql(report) and outcomes.get(report.nodeid, "passed") == "passed":
                outcomes[report.nodeid] = kind
    if outcomes:
        counts = Counter(outcomes.values())
        terminalreporter.write_line("PostgreSQL tests: " + ", ".join(f"{counts[k]} {k}" for k in
                                                                   ("passed", "failed", "error", "skipped")
                                                                   if counts[k]))
