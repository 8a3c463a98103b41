"""The house rules the layer contract cannot check: no module of the packages is over 400 lines.

The packages are the import contract's own (`root_packages` in pyproject.toml,
which `./run checks` holds to its layers), so a new package is counted the day
it joins the contract. A module past the limit is split by what it does, not
cut at a line.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MOST_LINES = 400


def packages() -> list[str]:
    """The project's packages, as the import contract names them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names: list[str] = config["tool"]["importlinter"]["root_packages"]
    return names


def oversized(root: Path, names: list[str], most: int = MOST_LINES) -> list[str]:
    """"package/module.py: N lines" for every module of `names` under `root` over `most` lines."""
    out = []
    for name in names:
        for path in sorted((root / name).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > most:
                out.append(f"{path.relative_to(root).as_posix()}: {lines} lines")
    return out


def test_the_packages_are_the_layers_and_not_tests_or_bench() -> None:
    names = packages()
    assert {"parsers", "ingest", "store", "outputs", "flow", "lagesbild", "web", "ground"} <= set(names)
    assert not {"tests", "bench"} & set(names)
    assert all((ROOT / name / "__init__.py").is_file() for name in names)


def test_no_package_module_is_over_400_lines() -> None:
    too_long = oversized(ROOT, packages())
    assert not too_long, f"over {MOST_LINES} lines (split by what each part does): " + "; ".join(too_long)


def test_the_check_names_the_module_and_its_count(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "short.py").write_text("x = 1\n" * 400, encoding="utf-8")
    (tmp_path / "pkg" / "sub" / "long.py").write_text("x = 1\n" * 401, encoding="utf-8")
    assert oversized(tmp_path, ["pkg"]) == ["pkg/sub/long.py: 401 lines"]
