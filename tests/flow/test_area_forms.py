"""`lagesbild forms` pre-fills the EST checklist's area: given with --area, or with --last-area the
area the municipality named in its last stored report (filed through a real Maildir and database);
the Word and Excel files, and the Word file printed to PDF, read back through the real parsers with
that area. A monthly form has no area field, and the options for one are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flow.downloads import blank_form, last_area
from lagesbild.cli import main
from lagesbild.config import load_config
from outputs.blank_docx import build_blank_docx
from outputs.blank_xlsx import build_blank_xlsx
from parsers import parse_bytes
from parsers.form import default_form
from parsers.header import area_text
from parsers.result import ParseResult, Period
from tests.builders import mail as mails
from tests.builders.other_builder import convert, libreoffice_available
from tests.flow.test_pipeline import Box, at
from tests.outputs.fill import fill_docx
from tests.parsers.test_forms_as_data import EST, EST_ANSWERS, WEEK

ROOT = Path(__file__).resolve().parents[2]
WEEKLY = ROOT / "examples" / "orebro-est-weekly.toml"
W45 = Period.iso_week(2026, 45)


@pytest.fixture
def box(tmp_path: Path) -> Box:
    return Box(tmp_path, load_config(WEEKLY))


@pytest.fixture
def config_file(box: Box, tmp_path: Path) -> Path:
    """The weekly county's configuration with the box's database as its store."""
    path = tmp_path / "config.toml"
    path.write_text(WEEKLY.read_text(encoding="utf-8")
                    + f'\n[store]\nurl = "sqlite:///{tmp_path / "lb.db"}"\n', encoding="utf-8")
    return path


def _file(box: Box, area: str | None, week: int, when: str) -> None:
    form = fill_docx(build_blank_docx(EST, "Kumla", Period.iso_week(2026, week)), answers=EST_ANSWERS, area=area)
    raw = mails.build_mail("samordnare@kumla.se", f"Checklista vecka {week}", "Hej!",
                           [(f"Checklista v{week}.docx", form, mails.DOCX_TYPE)])
    box.deliver(raw, at(when))
    assert box.poll(when) in ({"stored": 1}, {"correction": 1})


def _read_back(paths: list[Path]) -> list[ParseResult]:
    return [parse_bytes(p.read_bytes(), p.name, form=EST) for p in sorted(paths)]


def _forms(config: Path, out: Path, *options: str) -> tuple[int, list[Path]]:
    code = main(["--config", str(config), "forms", "--out", str(out), "--municipality", "Kumla",
                 "--period", str(W45), *options])
    return code, sorted(out.glob("*"))


def test_last_area_pre_fills_what_the_municipality_last_reported(box: Box, config_file: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _file(box, "Vivalla", 43, "2026-10-20T10:00")
    _file(box, "Brickebacken", 44, "2026-10-27T10:00")
    _file(box, "Vivalla", 42, "2026-10-28T10:00")  # a late week 42 is not the last report: week 44 is
    assert last_area(box.engine, box.config, "Kumla") == "Brickebacken"

    code, paths = _forms(config_file, tmp_path / "ut", "--last-area")
    assert code == 0 and [p.suffix for p in paths] == [".docx", ".xlsx"]
    for result in _read_back(paths):
        assert (result.municipality, str(result.period), result.area) == ("Kumla", "2026-W45", "Brickebacken")
        assert result.issues_for("area") == []


def test_the_last_reports_own_version_decides_even_when_it_named_no_area(box: Box, config_file: Path,
                                                                        tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    _file(box, "Vivalla", 43, "2026-10-20T10:00")
    _file(box, None, 43, "2026-10-20T11:00")  # a correction about the whole municipality
    assert last_area(box.engine, box.config, "Kumla") is None
    code, paths = _forms(config_file, tmp_path / "ut", "--last-area")
    assert code == 0
    assert "no earlier report naming an area" in capsys.readouterr().err
    assert [r.area for r in _read_back(paths)] == [None, None]


def test_a_municipality_with_no_report_gets_a_blank_area(box: Box, config_file: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert last_area(box.engine, box.config, "Kumla") is None
    code, paths = _forms(config_file, tmp_path / "ut", "--last-area")
    assert code == 0 and [r.area for r in _read_back(paths)] == [None, None]


def test_area_option_pre_fills_the_area(box: Box, config_file: Path, tmp_path: Path) -> None:
    _file(box, "Vivalla", 43, "2026-10-20T10:00")
    code, paths = _forms(config_file, tmp_path / "ut", "--area", "Baronbackarna  norra")
    assert code == 0
    assert [r.area for r in _read_back(paths)] == ["Baronbackarna norra"] * 2


# Both options at once; --last-area without --municipality (whose last report?).
@pytest.mark.parametrize("options", [["--area", "Vivalla", "--last-area"], ["--last-area"]])
def test_the_area_options_that_do_not_fit_are_usage_errors(tmp_path: Path, config_file: Path, options: list[str],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--config", str(config_file), "forms", "--out", str(tmp_path / "ut"), *options]
    assert main(args) == 2
    assert "--" in capsys.readouterr().err
    assert not (tmp_path / "ut").exists()


def test_a_monthly_form_refuses_an_area(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["forms", "--out", str(tmp_path / "ut"), "--municipality", "Mora", "--area", "Noret"]) == 2
    assert "no area field" in capsys.readouterr().err
    # The builders given an area for a form without the field write none.
    result = parse_bytes(build_blank_docx(default_form(), "Mora", Period(2026, 10), area="Noret"), "m.docx")
    assert result.area is None and "Noret" not in str(result.to_json("m.docx"))


def test_the_web_pages_blank_form_carries_the_area(box: Box) -> None:
    name, data = blank_form(box.config, "xlsx", "Kumla", WEEK, area="Vivalla")
    assert name.endswith(".xlsx")
    assert parse_bytes(data, name, form=EST).area == "Vivalla"


# Text a person can type as an area (letters, marks, digits, punctuation, symbols, spaces; "=" first too).
_TYPED = st.text(st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), min_size=1, max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed=_TYPED, ext=st.sampled_from(["docx", "xlsx"]))
def test_any_area_pre_filled_reads_back_as_the_parser_reads_it_typed(typed: str, ext: str) -> None:
    expected = area_text(typed)
    assume(expected is not None)
    assert expected is not None
    build = build_blank_docx if ext == "docx" else build_blank_xlsx
    result = parse_bytes(build(EST, "Kumla", WEEK, area=typed), f"c.{ext}", form=EST)
    assert result.area == expected
    assert result.issues_for("area") == [] or len(expected) > 100


@pytest.mark.libreoffice
def test_the_pre_filled_checklist_printed_to_pdf_keeps_its_area() -> None:
    if not libreoffice_available():
        pytest.skip("LibreOffice (soffice) is not installed")
    filled = fill_docx(build_blank_docx(EST, "Kumla", WEEK, area="Vivalla centrum"), answers=EST_ANSWERS)
    result = parse_bytes(convert(filled, "docx", "pdf"), "checklista.pdf", form=EST)
    assert (result.format.value, result.municipality, str(result.period), result.area) == \
        ("pdf", "Kumla", "2026-W43", "Vivalla centrum")
    assert result.answers == EST_ANSWERS
