"""What the staff web page offers for download: the year's workbook, a period's digest as it
would be sent (HTML, images inline), and the blank form, optionally pre-filled for a municipality,
period and area (what `lagesbild forms` writes), with the area a municipality last reported."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine

from flow.jobs import make_digest, workbook_file
from flow.settings import Config
from flow.staff_ops import OperationRefused
from outputs.blank_docx import build_blank_docx
from outputs.blank_forms import blank_form_filename
from outputs.blank_xlsx import build_blank_xlsx
from outputs.digest import digest_file_html
from parsers.result import Cadence, Period
from store import history
from store.db import read_transaction

FORM_FORMATS = {"docx": build_blank_docx, "xlsx": build_blank_xlsx}


def workbook(engine: Engine, config: Config, year: int, now: datetime) -> tuple[str, bytes]:
    """The county workbook of `year` as the store stands at `now`: file name and bytes."""
    return workbook_file(engine, config, year, now)


def digest_html(engine: Engine, config: Config, period: Period, now: datetime) -> tuple[str, str]:
    """The leadership digest of `period` as it would be sent, as one HTML file: name and text."""
    html = digest_file_html(make_digest(engine, config, period, now))
    return f"Lägesbild {config.county.name} {period}.html", html


def blank_form(config: Config, ext: str, municipality: str | None, period: Period | None,
               area: str | None = None) -> tuple[str, bytes]:
    """The county's form as .docx or .xlsx, blank or pre-filled with a municipality, period and (on a
    form that asks for it) area."""
    build = FORM_FORMATS.get(ext)
    if build is None:
        raise OperationRefused(f"ingen blankett i formatet {ext!r}")
    if municipality is not None and config.municipality(municipality) is None:
        raise OperationRefused(f"{municipality} är inte en kommun i {config.county.name}")
    form = config.county.form
    return blank_form_filename(form, ext, municipality, period), build(form, municipality, period, area=area)


def last_area(engine: Engine, config: Config, municipality: str) -> str | None:
    """The area `municipality` named in its last report of the county's form (what a pre-filled form
    repeats, since a group reports on the same area week after week); None when the form asks for no
    area, the municipality has no report of the form's cadence yet, or its last report named none."""
    form = config.county.form
    if not form.labels.area:
        return None
    with read_transaction(engine) as s:
        return history.last_area(s, config.county.code, municipality, weekly=form.cadence is Cadence.WEEK)
