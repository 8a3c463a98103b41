"""The deploy's lock file keeps up with pyproject.toml, checked offline: `requirements.lock` (written by
`./run lock`) pins every dependency the package and its postgres extra declare, at a version the
declared specifier accepts, with the distributions an extra brings (psycopg[binary]: psycopg-binary),
each pin with its hashes. A dependency added to pyproject.toml without `./run lock` fails here."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_EXTRAS = ("postgres",)  # what `./run lock` compiles: the package and --extra postgres
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def _pins(lock: str) -> tuple[dict[str, str], list[str]]:
    """The lock's pins (name: version) and the names pinned without a hash."""
    pins: dict[str, str] = {}
    unhashed: list[str] = []
    current = None
    for line in lock.splitlines():
        if match := _PIN.match(line):
            current = canonicalize_name(match.group(1))
            pins[current] = match.group(2).rstrip("\\").strip()
            unhashed.append(current)
        elif current is not None and line.strip().startswith("--hash=sha256:") and current in unhashed:
            unhashed.remove(current)
    return pins, unhashed


def _extra_requirements(requirement: Requirement) -> list[Requirement]:
    """What `requirement`'s extras add, from the installed distribution's metadata (no network)."""
    if not requirement.extras:
        return []
    out = []
    for text in metadata.requires(requirement.name) or []:
        extra = Requirement(text)
        if extra.marker is not None and any(extra.marker.evaluate({"extra": e}) for e in requirement.extras) \
                and not extra.marker.evaluate({"extra": ""}):
            extra.marker = None  # applies here (its platform part was evaluated with the extra)
            out.append(extra)
    return out


def lock_problems(pyproject: dict[str, Any], lock: str) -> list[str]:
    """What is wrong with `lock` for the deploy `pyproject` declares; [] when nothing."""
    project = pyproject["project"]
    declared = [Requirement(r) for r in project["dependencies"]]
    declared += [Requirement(r) for e in DEPLOY_EXTRAS for r in project.get("optional-dependencies", {}).get(e, [])]
    pins, unhashed = _pins(lock)
    problems = [f"{name}=={pins[name]}: pinned without a hash" for name in unhashed]
    for requirement in declared + [x for r in declared for x in _extra_requirements(r)]:
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue  # not for this platform or interpreter
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement}: not pinned in requirements.lock (run ./run lock)")
            continue
        try:
            pinned = Version(pins[name])
        except InvalidVersion:
            problems.append(f"{requirement}: requirements.lock pins {pins[name]!r}, not a version")
            continue
        if requirement.specifier and not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{requirement}: requirements.lock pins {pinned}, outside {requirement.specifier}")
    return problems


def _project() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _lock() -> str:
    return (ROOT / "requirements.lock").read_text(encoding="utf-8")


def test_the_lock_pins_every_dependency_of_the_deploy() -> None:
    assert lock_problems(_project(), _lock()) == []
    pins, _ = _pins(_lock())
    declared = {canonicalize_name(Requirement(r).name) for r in _project()["project"]["dependencies"]}
    assert len(declared) > 25 and declared <= set(pins)  # the check reads what it should
    assert {"psycopg", "psycopg-binary"} <= set(pins)


def test_a_dependency_added_without_relocking_fails() -> None:
    project = _project()
    project["project"]["dependencies"] = [*project["project"]["dependencies"], "tomlkit>=0.12"]
    assert lock_problems(project, _lock()) == ["tomlkit>=0.12: not pinned in requirements.lock (run ./run lock)"]


def test_a_raised_minimum_the_pin_does_not_meet_fails() -> None:
    project = _project()
    deps = project["project"]["dependencies"]
    project["project"]["dependencies"] = [("lxml>=99" if Requirement(d).name == "lxml" else d) for d in deps]
    pinned = _pins(_lock())[0]["lxml"]
    assert lock_problems(project, _lock()) == [f"lxml>=99: requirements.lock pins {pinned}, outside >=99"]


def test_the_postgres_extra_and_what_it_brings_are_checked() -> None:
    lock = _lock()
    without_binary = re.sub(r"(?ms)^psycopg-binary==.*?(?=^\S)", "", lock)
    assert "psycopg-binary==" not in without_binary
    problems = lock_problems(_project(), without_binary)
    assert len(problems) == 1 and problems[0].startswith("psycopg-binary") and "not pinned" in problems[0], problems


def test_a_pin_without_its_hashes_fails() -> None:
    lock = re.sub(r"(?m)^(alembic==\S+) \\\n(\s+--hash=\S+( \\)?\n)+", r"\1\n", _lock())
    assert lock_problems(_project(), lock) == [f"alembic=={_pins(_lock())[0]['alembic']}: pinned without a hash"]
