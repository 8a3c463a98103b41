"""The systemd units in deploy/: hardened to an exposure of at most 2.0 by `systemd-analyze security`
(offline, so no running systemd is needed), the worker watched by systemd's watchdog, and every secret a
unit loads as a credential named as the variable the configuration names."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from lagesbild.config import default_config_text

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = ["lagesbild.service", "lagesbild-web.service"]


@pytest.mark.parametrize("unit", UNITS)
def test_the_unit_is_hardened_to_an_exposure_of_at_most_2(unit: str, tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    done = subprocess.run([tool, "security", "--offline=yes", str(DEPLOY / unit)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    found = re.search(rf"Overall exposure level for {re.escape(unit)}: (\d+\.\d)", done.stdout)
    assert found, done.stdout + done.stderr
    assert float(found.group(1)) <= 2.0, done.stdout


def _directives(unit: str) -> list[tuple[str, str]]:
    lines = (DEPLOY / unit).read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("=", 1)) for line in lines if "=" in line and not line.startswith("#")]  # type: ignore[misc]


def test_the_worker_is_watched_and_the_web_page_is_not_told_to_notify() -> None:
    worker = dict(_directives("lagesbild.service"))
    assert worker["Type"] == "notify" and int(worker["WatchdogSec"]) > 0 and worker["Restart"] == "always"
    assert dict(_directives("lagesbild-web.service"))["Type"] != "notify"  # uvicorn does not speak sd_notify


@pytest.mark.parametrize("unit", UNITS)
def test_every_credential_is_a_secret_variable_the_configuration_names(unit: str) -> None:
    defaults = tomllib.loads(default_config_text())
    named: set[str] = set()

    def walk(table: dict[str, object]) -> None:
        for key, value in table.items():
            if isinstance(value, dict):
                walk(value)
            elif key.endswith("_env") and isinstance(value, str):
                named.add(value)

    walk(defaults)
    text = (DEPLOY / unit).read_text(encoding="utf-8")
    credentials = re.findall(r"^#?LoadCredential=([A-Z_]+):/etc/lagesbild/credentials/([A-Z_]+)$", text, re.M)
    assert credentials
    for name, filename in credentials:
        assert name == filename and name in named, name
    assert "EnvironmentFile" not in text  # secrets never come through the environment
