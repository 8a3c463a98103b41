"""The package as pip installs it: typed (a py.typed in every package, shipped as package data), licensed,
classified, and with test-only distributions in the test extra, never in what a deploy installs.

`deptry` (./run checks) holds that every imported distribution is declared; this holds what it cannot see.
"""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGES = [name.rstrip("*") for name in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]]
# Imported by the tests and benchmarks only.
TEST_ONLY = {"odfpy", "reportlab", "pytest", "hypothesis", "aiosmtpd", "xlwt", "pdfplumber", "selenium"}


def test_every_package_is_typed_and_ships_its_marker() -> None:
    package_data = PYPROJECT["tool"]["setuptools"]["package-data"]
    for package in PACKAGES:
        assert (ROOT / package / "py.typed").is_file(), package
        assert "py.typed" in package_data.get(package, []), f"{package}: py.typed is not package data"


def test_the_installed_metadata_has_the_license_and_classifiers() -> None:
    meta = importlib.metadata.metadata("lagesbild")
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"] and (ROOT / "LICENSE").is_file()
    classifiers = meta.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers and any(c.startswith("Programming Language :: Python :: 3.") for c in
                                                   classifiers)


def test_test_only_distributions_are_in_the_test_extra_alone() -> None:
    runtime = {Requirement(r).name.lower() for r in PYPROJECT["project"]["dependencies"]}
    test = {Requirement(r).name.lower() for r in PYPROJECT["project"]["optional-dependencies"]["test"]}
    assert not runtime & TEST_ONLY, runtime & TEST_ONLY
    assert test >= TEST_ONLY, TEST_ONLY - test
    # What the code imports at run time is declared for it, not left to the test extra.
    assert {"sqlalchemy", "lxml", "msal", "css-inline", "prometheus-client"} <= runtime
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert "odfpy==" not in lock and "sqlalchemy==" in lock.lower()
