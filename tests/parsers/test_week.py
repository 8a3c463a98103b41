"""Reading an ISO week from a weekly form: the week and its year, or null with an issue."""

from __future__ import annotations

import pytest

from parsers.form import FormError, builtin_form_path, form_from_dict, load_form
from parsers.result import Cadence, Issue, Period
from parsers.week import read_week, week_period_of


@pytest.mark.parametrize("text", ["Vecka 43 2026", "vecka 43, 2026", "v.43 2026", "v 43 2026", "V43/2026",
                                  "2026-W43", "2026 v 43", "43/2026", "v 43 -26", "Vecka 43 (19–25 oktober 2026)",
                                  "Veckorapport vecka 43 2026"])
def test_a_week_with_its_year(text: str) -> None:
    assert read_week(text).period == Period.parse("2026-W43")


@pytest.mark.parametrize("text", ["v.43", "Vecka 43", "vecka 43", "43"])
def test_a_week_without_a_year_is_not_a_period(text: str) -> None:
    reading = read_week(text)
    assert reading.period is None and reading.week_only == 43


@pytest.mark.parametrize("text", ["vecka 43–44", "v. 43-44 2026", "vecka 43 och 44", "Vecka 43 2026, vecka 44 2026"])
def test_two_weeks_are_ambiguous(text: str) -> None:
    assert read_week(text).ambiguous


@pytest.mark.parametrize("text", ["vecka 53 2027", "vecka 54 2026", "vecka 0 2026"])
def test_a_week_that_does_not_exist(text: str) -> None:
    reading = read_week(text)
    assert reading.period is None and (reading.impossible or not reading.found)


def _period(values: list[str], titles: tuple[str, ...] = (), filename: str = "") -> tuple[Period | None, list[Issue]]:
    issues: list[Issue] = []
    return week_period_of(values, list(titles), None, filename, issues), issues


def test_the_form_says_the_week_and_nothing_is_flagged() -> None:
    period, issues = _period(["Vecka 43 2026"])
    assert str(period) == "2026-W43" and issues == []


def test_a_span_of_weeks_is_null_with_an_error() -> None:
    period, issues = _period(["vecka 43–44"])
    assert period is None
    assert [(i.field, i.severity.value) for i in issues] == [("period", "error")]
    assert "mer än en vecka" in issues[0].message


def test_a_week_without_a_year_is_null_with_a_warning() -> None:
    period, issues = _period(["v.43"])
    assert period is None and issues[0].field == "period" and "utan år" in issues[0].message


def test_a_week_without_a_year_takes_it_from_the_file_name_flagged() -> None:
    period, issues = _period(["Vecka 43"], filename="Checklista EST vecka 43 2026.docx")
    assert str(period) == "2026-W43" and "filnamnet" in issues[0].message


def test_week_and_year_on_lines_of_their_own() -> None:
    period, issues = _period(["43", "2026"])
    assert str(period) == "2026-W43" and issues == []


def test_a_date_outside_the_week_is_flagged_and_the_week_kept() -> None:
    period, issues = _period(["Vecka 43 2026, 2026-12-01"])
    assert str(period) == "2026-W43"
    assert issues and issues[0].severity.value == "warning" and "2026-12-01" in issues[0].message
    period, issues = _period(["Vecka 43 2026, 2026-10-20"])
    assert str(period) == "2026-W43" and issues == []


def test_a_form_dated_months_away_is_flagged() -> None:
    issues: list[Issue] = []
    period = week_period_of(["Vecka 43 2026"], [], None, "", issues, [Period(2027, 3)])
    assert str(period) == "2026-W43" and "daterat" in issues[0].message


def test_nothing_said_is_a_warning() -> None:
    period, issues = _period([], ("Checklista för information till EST",))
    assert period is None and issues[0].message == "Vecka och år saknas i formuläret."


# --- the form file declares cadence and deadline ------------------------------------------


def _form(**extra: object) -> dict[str, object]:
    return {"id": "x", "title": "X", "scale": {"min": 1, "max": 2, "levels": [
        {"value": 1, "name": "Lugnt"}, {"value": 2, "name": "Oro"}]},
        "questions": [{"number": 1, "short": "A"}], **extra}


def test_the_shipped_forms_declare_their_cadence_and_deadline() -> None:
    est = load_form(builtin_form_path("est-veckochecklista"))  # type: ignore[arg-type]
    assert est.cadence is Cadence.WEEK
    assert (est.deadline.rule, est.deadline.weekday, str(est.deadline.at)) == ("weekday", 1, "16:00:00")
    assert est.deadline.describe() == "tisdag kl. 16.00 samma vecka"
    vbe = load_form(builtin_form_path("vbe-lagesbild"))  # type: ignore[arg-type]
    assert vbe.cadence is Cadence.MONTH and vbe.scale.max == 4 and str(vbe.deadline.at) == "12:00:00"
    dalarna = load_form(builtin_form_path("dalarna-sociala-risker"))  # type: ignore[arg-type]
    assert dalarna.cadence is Cadence.MONTH and dalarna.deadline.at is None


def test_cadence_words_and_a_quarter_refused() -> None:
    assert form_from_dict(_form(cadence="weekly")).cadence is Cadence.WEEK
    assert form_from_dict(_form()).cadence is Cadence.MONTH
    with pytest.raises(FormError, match="cadence"):
        form_from_dict(_form(cadence="quarter"))


@pytest.mark.parametrize(("deadline", "fragment"), [
    ({"rule": "weekday", "weekday": "someday"}, "deadline.weekday"),
    ({"rule": "weekday", "time": "25:00"}, "deadline.time"),
    ({"rule": "last_working_day"}, "deadline.rule"),
    ({"rule": "weekday", "week_offset": 3}, "deadline.week_offset"),
    ({"rule": "weekday", "when": 1}, "unknown key"),
])
def test_a_weekly_deadline_rule_is_checked(deadline: dict[str, object], fragment: str) -> None:
    with pytest.raises(FormError, match=fragment):
        form_from_dict(_form(cadence="week", deadline=deadline))


def test_a_weekly_rule_in_swedish_words() -> None:
    form = form_from_dict(_form(cadence="vecka", deadline={"weekday": "onsdag", "time": "08.30", "week_offset": 1}))
    assert (form.deadline.weekday, str(form.deadline.at), form.deadline.week_offset) == (2, "08:30:00", 1)
