"""The EST checklist's area end to end on a real Maildir: the blank form filled with an area is read,
filed with the version, named in the receipt, the export, the history, the board and the workbook;
a correction about another area is filed as the next version and flagged, and one without an area
for a monthly form's county changes nothing that was there before."""

from __future__ import annotations

import email
import io
import json
from email import policy
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest

from flow.board import board_for
from flow.history import municipality_history
from flow.picture import build_picture
from flow.reports import export_period
from lagesbild.cli import main
from lagesbild.config import load_config
from outputs.blank_docx import build_blank_docx
from outputs.blank_xlsx import build_blank_xlsx
from outputs.workbook import build_county_workbook
from store import repo
from store.db import transaction
from tests.builders import mail as mails
from tests.flow.test_pipeline import Box, at, plain_text
from tests.outputs.fill import fill_docx, fill_xlsx
from tests.parsers.test_forms_as_data import EST, EST_ANSWERS, WEEK

ROOT = Path(__file__).resolve().parents[2]
WEEKLY = ROOT / "examples" / "orebro-est-weekly.toml"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def box(tmp_path: Path) -> Box:
    return Box(tmp_path, load_config(WEEKLY))


def _send(box: Box, attachment: tuple[str, bytes, str], when: str) -> None:
    box.deliver(mails.build_mail("samordnare@kumla.se", "Checklista vecka 43", "Hej!", [attachment]), at(when))


def _mails(box: Box) -> list[tuple[str, EmailMessage]]:
    with transaction(box.engine) as s:
        rows = repo.due_mail(s, at("2030-01-01T00:00"), 1000)
    return [(str(r.kind), email.message_from_bytes(r.raw, policy=policy.default)) for r in rows]


def test_the_area_goes_from_the_form_to_every_place_the_report_is_shown(box: Box, tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    form = fill_docx(build_blank_docx(EST, "Kumla", WEEK), answers=EST_ANSWERS, area="Vivalla   centrum")
    path = tmp_path / "Checklista Kumla v43.docx"
    path.write_bytes(form)
    assert main(["--config", str(WEEKLY), "parse", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["area"] == "Vivalla centrum"

    _send(box, (path.name, form, mails.DOCX_TYPE), "2026-10-20T10:00")
    assert box.poll("2026-10-20T10:05") == {"stored": 1}
    [(kind, receipt)] = _mails(box)
    assert kind == "receipt"
    assert "Område: Vivalla centrum" in plain_text(receipt)
    assert "Område: Vivalla centrum" in plain_text(receipt, ("html",))
    [exported] = export_period(box.engine, box.config, WEEK)
    assert (exported["municipality"], exported["period"], exported["version"], exported["area"]) == \
        ("Kumla", "2026-W43", 1, "Vivalla centrum")
    assert not [i for i in exported["issues"] if i["field"] == "area"]

    history = municipality_history(box.engine, box.config, "Kumla", show_withheld=True)
    assert history.reports[0].latest.area == "Vivalla centrum"
    board = board_for(box.engine, box.config, WEEK, at("2026-10-21T09:00"))
    assert {r.municipality: r.area for r in board.rows}["Kumla"] == "Vivalla centrum"

    book = openpyxl.load_workbook(io.BytesIO(build_county_workbook(
        build_picture(box.engine, box.config, 2026, at("2026-10-21T09:00")))))
    data = book["Data"]
    headers = [c.value for c in data[1]]
    assert headers[-1] == "Område"
    assert {row[-1] for row in data.iter_rows(min_row=2, values_only=True)} == {"Vivalla centrum"}
    comments = book["Kommentarer"]
    assert comments.cell(3, 8).value == "Område" and comments.cell(4, 8).value == "Vivalla centrum"


def test_a_version_about_another_area_is_filed_and_flagged(box: Box) -> None:
    first = fill_xlsx(build_blank_xlsx(EST, "Kumla", WEEK), answers=EST_ANSWERS, area="Vivalla")
    _send(box, ("Checklista.xlsx", first, XLSX), "2026-10-20T10:00")
    assert box.poll("2026-10-20T10:05") == {"stored": 1}
    again = fill_xlsx(build_blank_xlsx(EST, "Kumla", WEEK), answers=EST_ANSWERS, area="vivalla")
    _send(box, ("Checklista.xlsx", again, XLSX), "2026-10-20T11:00")
    assert box.poll("2026-10-20T11:05") == {"correction": 1}  # a new spelling is a new version, not another area
    other = fill_xlsx(build_blank_xlsx(EST, "Kumla", WEEK), answers=EST_ANSWERS, area="Brickebacken")
    _send(box, ("Checklista.xlsx", other, XLSX), "2026-10-20T12:00")
    assert box.poll("2026-10-20T12:05") == {"correction": 1}

    [exported] = export_period(box.engine, box.config, WEEK)
    assert (exported["version"], exported["area"]) == (3, "Brickebacken")
    [issue] = [i for i in exported["issues"] if i["field"] == "area"]
    assert issue["severity"] == "warning" and "vivalla" in issue["message"] and "Brickebacken" in issue["message"]
    with transaction(box.engine) as s:
        versions = repo.report_versions(s, box.config.county.code, "Kumla")
    assert [(v.version, v.area, [i.field for i in v.issues if i.field == "area"]) for v in versions] == [
        (1, "Vivalla", []), (2, "vivalla", []), (3, "Brickebacken", ["area"])]
    receipts = [m for kind, m in _mails(box) if kind == "receipt"]
    assert "Område: Brickebacken" in plain_text(receipts[-1])
    assert "vivalla" in plain_text(receipts[-1]) and "Kontrollera området" in plain_text(receipts[-1])


def test_the_same_form_without_its_area_is_a_new_version_flagged_too(box: Box) -> None:
    with_area = fill_docx(build_blank_docx(EST, "Kumla", WEEK), answers=EST_ANSWERS, area="Vivalla")
    _send(box, ("c.docx", with_area, mails.DOCX_TYPE), "2026-10-20T10:00")
    box.poll("2026-10-20T10:05")
    without = fill_docx(build_blank_docx(EST, "Kumla", WEEK), answers=EST_ANSWERS)
    _send(box, ("c.docx", without, mails.DOCX_TYPE), "2026-10-20T11:00")
    assert box.poll("2026-10-20T11:05") == {"correction": 1}
    [exported] = export_period(box.engine, box.config, WEEK)
    assert exported["area"] is None
    assert [i["field"] for i in exported["issues"]] == ["area"]
