"""Reading the reporting week from what a weekly form says (ISO 8601 weeks).

    "Vecka 43 2026", "vecka 43, 2026", "v.43 2026", "v 43 -26", "2026-W43",
    "V43/2026", "43/2026" (a "Vecka och år" value on its own)   -> 2026-W43
    "Vecka 43", "v.43"                                          -> week only (no period on its own)
    "vecka 43–44", "v. 43 och 44", "vecka 43 2026, vecka 44"    -> ambiguous
    "vecka 54 2026", "vecka 53 2027"                            -> no such week

A week without a year is not a period, like a month without one: the caller
reports null with a warning. Dates written beside the week ("Vecka 43,
19–25 oktober 2026", "Datum: 2026-10-20") are cross-checked against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from parsers.normalize import fold
from parsers.result import Issue, Period, weeks_in_year

_WORD = r"(?:vecka|veckan|veckonummer|veckonr|v|w|week)"
_SPAN_RE = re.compile(rf"\b{_WORD}\.?\s*(\d{{1,2}})\s*(?:-|/|och|till|&|,)\s*(?:{_WORD}\.?\s*)?(\d{{1,2}})\b"
                      r"(?!\s*[-/.]\s*\d)")
_WEEK_RE = re.compile(rf"\b{_WORD}\.?\s*:?\s*(\d{{1,2}})\b(?:\s*(?:,|/|-|\s)\s*(?:(20\d\d)|'?(\d\d))\b)?")
_ISO_RE = re.compile(r"\b(20\d\d)\s*-?\s*w\s*(\d{1,2})\b")
_YEAR_WEEK_RE = re.compile(rf"\b(20\d\d)\s*,?\s*{_WORD}\.?\s*(\d{{1,2}})\b")
_BARE_RE = re.compile(r"^\s*(\d{1,2})\s*(?:/|,|-|\s)\s*(20\d\d)\s*$")
_YEAR_RE = re.compile(r"\b(20\d\d)\b")
_DATE_RE = re.compile(r"\b(20\d\d)-(\d{1,2})-(\d{1,2})\b|\b(\d{1,2})[/.](\d{1,2})[/.](20\d\d)\b")


@dataclass(frozen=True, slots=True)
class WeekReading:
    """What was read: a week period, a week number without a year, or nothing.

    `ambiguous` when several weeks are named; `impossible` holds the text of
    a week that does not exist ("vecka 53 2027"); `dates` are whole dates
    written beside the week, for the cross-check.
    """

    period: Period | None = None
    week_only: int | None = None
    ambiguous: bool = False
    impossible: str = ""
    dates: tuple[date, ...] = ()

    @property
    def found(self) -> bool:
        return self.period is not None or self.week_only is not None or self.ambiguous or bool(self.impossible)


def _dates(text: str) -> tuple[date, ...]:
    out = []
    for m in _DATE_RE.finditer(text):
        y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(6), m.group(5), m.group(4))
        try:
            out.append(date(int(y), int(mo), int(d)))
        except ValueError:
            continue
    return tuple(out)


def read_week(text: str) -> WeekReading:
    """Read an ISO week from a short text such as a "Vecka och år:" value or a title line."""
    t = fold(text).replace("_", " ")
    dates = _dates(t)
    for m in _SPAN_RE.finditer(t):
        # "vecka 43-44" names two weeks; "vecka 43-26" a week and a year ("-26").
        if int(m.group(2)) > int(m.group(1)):
            return WeekReading(ambiguous=True)
    found: set[tuple[int | None, int]] = set()
    for m in _ISO_RE.finditer(t):
        found.add((int(m.group(1)), int(m.group(2))))
    rest = _ISO_RE.sub(" ", t)
    for m in _YEAR_WEEK_RE.finditer(rest):
        found.add((int(m.group(1)), int(m.group(2))))
    rest = _YEAR_WEEK_RE.sub(" ", rest)
    for m in _WEEK_RE.finditer(_DATE_RE.sub(" ", rest)):
        year = int(m.group(2)) if m.group(2) else 2000 + int(m.group(3)) if m.group(3) else None
        found.add((year, int(m.group(1))))
    bare = _BARE_RE.match(t)
    alone = re.fullmatch(r"\s*(\d{1,2})\s*", t)
    if not found and bare:
        found.add((int(bare.group(2)), int(bare.group(1))))
    elif not found and alone:
        found.add((None, int(alone.group(1))))  # a "Vecka:" value on its own
    weeks = {w for _, w in found}
    if len(weeks) > 1:
        return WeekReading(ambiguous=True)
    if not weeks:
        return WeekReading(dates=dates)
    week = weeks.pop()
    years = {y for y, _ in found if y is not None}
    if not years:
        # "Vecka 43 (19-25 oktober 2026)": the year written elsewhere in the same text.
        years = {int(y) for y in _YEAR_RE.findall(_DATE_RE.sub(" ", t))} | {d.isocalendar()[0] for d in dates}
    if len(years) > 1:
        return WeekReading(ambiguous=True)
    if not years:
        if not 1 <= week <= 53:
            return WeekReading(impossible=text.strip()[:40])
        return WeekReading(week_only=week, dates=dates)
    year = years.pop()
    if not 2000 <= year <= 2099 or not 1 <= week <= weeks_in_year(year):
        return WeekReading(impossible=text.strip()[:40])
    return WeekReading(period=Period.iso_week(year, week), dates=dates)


def _year_of(week: int, near: list[date]) -> Period | None:
    """The year of a week number from a date on the form: the week within a month of the date."""
    for day in near:
        for year in (day.isocalendar()[0] - 1, day.isocalendar()[0], day.isocalendar()[0] + 1):
            if 1 <= week <= weeks_in_year(year) and abs((Period.iso_week(year, week).first_day - day).days) <= 31:
                return Period.iso_week(year, week)
    return None


def week_period_of(values: list[str], titles: list[str], field_value: str | None, filename: str,
                   issues: list[Issue], dates: list[Period] | None = None) -> Period | None:
    """A weekly report's period, with an issue for every doubt (the weekly twin of `header.period_of`).

    `dates` are the months of dates the form gives ("Datum: 2026-10-20"): a
    week far from them is kept and flagged.
    """
    texts = [*([field_value] if field_value else []), *values]
    readings = [(t, read_week(t)) for t in texts]
    if not any(r.found for _, r in readings):
        readings += [(t, read_week(t)) for t in titles]
    explicit = [(t, r) for t, r in readings if r.found]
    periods = {r.period for _, r in explicit if r.period}
    week_numbers = {p.week for p in periods} | {r.week_only for _, r in explicit if r.week_only}
    if any(r.ambiguous for _, r in explicit) or len(week_numbers) > 1 or len(periods) > 1:
        issues.append(Issue.error("period", "Formuläret anger mer än en vecka. Ange vilken vecka rapporten gäller, "
                                            "t.ex. \"Vecka 43 2026\"."))
        return None
    bad = [r.impossible for _, r in explicit if r.impossible]
    if bad and not periods:
        issues.append(Issue.error("period", f"Veckan \"{bad[0]}\" finns inte; skriv t.ex. \"Vecka 43 2026\"."))
        return None
    near = [d for _, r in readings for d in r.dates]
    if periods:
        period = periods.pop()
        _cross_check(period, near, dates or [], issues)
        return period
    if week_numbers:
        week = week_numbers.pop()
        years = {int(v.strip()) for v in texts if re.fullmatch(r"\s*20\d\d\s*", v)}
        if len(years) == 1 and 1 <= week <= weeks_in_year(year := years.pop()):
            return Period.iso_week(year, week)  # "Vecka: 43" and "År: 2026" on lines of their own
        named = read_week(_filename_words(filename))
        if named.period and named.period.week == week:
            issues.append(Issue.warning("period", f"Året saknas i formuläret; {named.period} hämtades från filnamnet."))
            return named.period
        dated = _year_of(week, near)
        if dated:
            issues.append(Issue.warning("period", f"Året saknas i formuläret; {dated} hämtades från datumet."))
            return dated
        issues.append(Issue.warning("period", "Veckan anges utan år; ange både vecka och år, t.ex. \"Vecka 43 2026\"."))
        return None
    if values:
        issues.append(Issue.error("period", f"Veckan \"{values[0][:40]}\" kunde inte läsas; "
                                            "skriv t.ex. \"Vecka 43 2026\"."))
        return None
    named = read_week(_filename_words(filename))
    if named.period:
        issues.append(Issue.warning("period",
                                    f"Veckan står inte i formuläret; {named.period} hämtades från filnamnet."))
        return named.period
    issues.append(Issue.warning("period", "Vecka och år saknas i formuläret."))
    return None


def _cross_check(period: Period, near: list[date], dated: list[Period], issues: list[Issue]) -> None:
    """Flag a week that a date written on the form contradicts (the week is kept)."""
    for day in near:
        if not period.first_day <= day <= period.last_day and abs((day - period.first_day).days) > 10:
            issues.append(Issue.warning("period", f"Formuläret anger {period} men också datumet {day}; "
                                                  "kontrollera vilken vecka rapporten gäller."))
            return
    for month in dated:
        months = month.year * 12 + month.month - (period.year * 12 + period.month)
        if not -1 <= months <= 1:
            issues.append(Issue.warning("period", f"Formuläret är daterat {month} men gäller {period}; "
                                                  "kontrollera veckan."))
            return


def _filename_words(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"\.[A-Za-z0-9]{2,5}$", "", base)
    return re.sub(r"[_+]", " ", base)
