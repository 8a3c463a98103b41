"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support import clock, libreoffice


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
