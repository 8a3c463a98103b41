"""What the commands do, apart from reading options and printing.

Each function takes the configuration (or the parts it needs) and plain
values, and returns plain values, so the command line stays thin and the
behaviour is testable without it.
"""

from __future__ import annotations

from pathlib import Path

from lagesbild.config import Config
from lagesbild.errors import ConfigError
from lagesbild.sandbox import ParserCrashed, parse_isolated
from parsers import blank_result
from parsers.form import FormSpec
from parsers.limits import Limits
from parsers.result import Format, Issue, ParseResult, Period

FORM_SUFFIXES = {".docx", ".docm", ".xlsx", ".xlsm", ".pdf", ".odt", ".ods", ".xls", ".doc", ".rtf", ".txt"}


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; a folder becomes its form files, sorted by name."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FORM_SUFFIXES))
        else:
            out.append(path)
    return out


def parse_files(paths: list[Path], form: FormSpec, limits: Limits) -> list[tuple[Path, ParseResult]]:
    """Parse each file under the limits; a file that cannot be opened gets a `file` error."""
    results: list[tuple[Path, ParseResult]] = []
    for path in expand_paths(paths):
        try:
            data = path.read_bytes()
        except OSError as exc:
            message = f"Filen kunde inte öppnas: {exc.strerror or exc}."
            results.append((path, blank_result(form, Format.UNKNOWN, [Issue.error("file", message)])))
            continue
        try:
            results.append((path, parse_isolated(data, path.name, form, limits)))
        except ParserCrashed as exc:
            message = f"Internt fel när filen lästes ({exc}); filen är inte nödvändigtvis fel."
            results.append((path, blank_result(form, Format.UNKNOWN, [Issue.error("file", message)])))
    return results


def parse_period_option(value: str | None) -> Period | None:
    """--period YYYY-MM, or ConfigError (exit 2) saying what to write."""
    if value is None:
        return None
    try:
        return Period.parse(value)
    except ValueError as exc:
        raise ConfigError(f"--period: '{value}' must be YYYY-MM, e.g. 2026-10") from exc


def write_blank_forms(config: Config, out_dir: Path, municipality: str | None,
                      period_text: str | None) -> list[Path]:
    """Write the blank .docx and .xlsx forms; returns the paths written."""
    from outputs.blank_forms import blank_form_filename, build_blank_docx, build_blank_xlsx
    from parsers.municipality import load_registry

    period = parse_period_option(period_text)
    name: str | None = None
    if municipality:
        found = load_registry().resolve(municipality, config.county.code).municipality
        if found is None:
            raise ConfigError(f"--municipality: '{municipality}' is not a Swedish municipality")
        name = found.name
    out_dir.mkdir(parents=True, exist_ok=True)
    form = config.county.form
    written = []
    for ext, build in (("docx", build_blank_docx), ("xlsx", build_blank_xlsx)):
        path = out_dir / blank_form_filename(form, ext, name, period)
        path.write_bytes(build(form, name, period))
        written.append(path)
    return written
