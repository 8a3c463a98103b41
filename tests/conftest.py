"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support import libreoffice


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the operator's LAGESBILD_* settings."""
    for key in list(os.environ):
        if key.startswith("LAGESBILD_"):
            monkeypatch.delenv(key)
    yield


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `libreoffice` are skipped, with a reason, when it is missing."""
    if libreoffice.available():
        return
    skip = pytest.mark.skip(reason="LibreOffice (soffice) is not installed; ./run tests installs it")
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(skip)
