"""The pre-filled form a reminder carries: municipality, period and, on a form that asks for it,
the area the municipality named in its last report (a group reports on the same area week after
week, so the form it is reminded with should not make it type the area again)."""

from __future__ import annotations

from sqlmodel import Session

from flow.settings import Config
from outputs.blank_docx import build_blank_docx
from outputs.blank_forms import blank_form_filename
from parsers.result import Cadence, Period
from store import history


def reminder_form(s: Session, config: Config, municipality: str, period: Period) -> tuple[str, bytes]:
    """The Word form to attach to `municipality`'s reminder for `period`: file name and bytes."""
    form = config.county.form
    area = None
    if form.labels.area:
        area = history.last_area(s, config.county.code, municipality, weekly=form.cadence is Cadence.WEEK)
    return blank_form_filename(form, "docx", municipality, period), build_blank_docx(
        form, municipality, period, area=area)
