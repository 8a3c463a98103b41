"""What a (municipality, month, question) cell of the county workbook shows: a level, or the word for why not."""

from __future__ import annotations

import enum
from datetime import datetime
from zoneinfo import ZoneInfo

from outputs.picture import CountyPicture, Group, MonthReport, MonthState
from parsers.form import FormSpec, Question

TZ = ZoneInfo("Europe/Stockholm")

# Words for cells that hold no level (the legend explains them).
PENDING_WORD = "Väntas"
MISSING_WORD = "Saknas"
BLANK_WORD = "Ej angiven"
WITHHELD_WORD = "Granskas"
ON_TIME_WORD = "I tid"
LATE_WORD = "Sen"

WITHHELD_NOTE = "Svaret hålls inne i väntan på sekretessgranskning och visas när det har frigjorts."


class CellKind(enum.Enum):
    """What a (municipality, month, question) cell shows on a question sheet."""

    LEVEL = "level"
    NOT_DUE = "not_due"
    PENDING = "pending"
    MISSING = "missing"
    BLANK = "blank"  # the report came, the question has no level
    WITHHELD = "withheld"


def came_in(report: MonthReport) -> bool:
    """True when the month's report came in, on time or late."""
    return report.state in (MonthState.ON_TIME, MonthState.LATE)


def level_of(form: FormSpec, report: MonthReport, number: int) -> int | None:
    """The impact to show, never for a withheld question, only values on the scale."""
    if number in report.withheld:
        return None
    answer = report.answers.get(number)
    if answer is None or answer.impact is None:
        return None
    if not form.scale.min <= answer.impact <= form.scale.max:
        return None
    return answer.impact


def classify(form: FormSpec, report: MonthReport, number: int) -> tuple[CellKind, int | None]:
    """What the question's cell shows for one report: the kind, and the level when it has one."""
    if not came_in(report):
        kind = {MonthState.PENDING: CellKind.PENDING, MonthState.MISSING: CellKind.MISSING}
        return kind.get(report.state, CellKind.NOT_DUE), None
    if number in report.withheld:
        return CellKind.WITHHELD, None
    level = level_of(form, report, number)
    return (CellKind.BLANK, None) if level is None else (CellKind.LEVEL, level)


def comment_of(report: MonthReport, number: int) -> str:
    """The question's comment, stripped; empty when withheld or not given."""
    if number in report.withheld:
        return ""
    answer = report.answers.get(number)
    return answer.comment.strip() if answer else ""


def is_answered(report: MonthReport, question: Question) -> bool:
    """A report's question counts as answered when it has a level, a comment, or is withheld."""
    if not came_in(report):
        return False
    if question.number in report.withheld:
        return True
    answer = report.answers.get(question.number)
    return answer is not None and (answer.impact is not None or bool(answer.comment.strip()))


def local_time(moment: datetime | None) -> datetime | None:
    """An Excel datetime: Europe/Stockholm wall time, no tzinfo (a naive value is taken as local)."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(TZ).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def group_members(picture: CountyPicture, group: Group) -> list[str]:
    """The members of `group` that are municipalities of the county, in the group's order."""
    known = set(picture.municipalities)
    return [m for m in group.members if m in known]


KIND_WORD = {
    CellKind.NOT_DUE: None,
    CellKind.PENDING: PENDING_WORD,
    CellKind.MISSING: MISSING_WORD,
    CellKind.BLANK: BLANK_WORD,
    CellKind.WITHHELD: WITHHELD_WORD,
}
