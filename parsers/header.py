"""The form's header fields: which municipality, which period, and (on a form that asks) which area.

Values come from labelled lines ("Underlaget inlämnat av kommun: Mora",
"Avser månad: oktober 2026"), a named field, the title lines above the first
question, and — flagged — the file name. Where the document states a fact
twice, the statements are cross-checked and a disagreement is flagged, never
settled silently.
"""

from __future__ import annotations

import re

from parsers.municipality import load_registry
from parsers.normalize import clean, fold
from parsers.period import PeriodReading, read_period
from parsers.placeholders import is_placeholder
from parsers.result import Issue, Period


def municipality_of(values: list[str], titles: list[str], field_value: str | None,
                  filename: str, issues: list[Issue]) -> str | None:
    registry = load_registry()
    candidates = ([field_value] if field_value else []) + values
    resolved: list[str] = []
    unknown: list[str] = []
    inexact = False
    for value in candidates:
        r = registry.resolve(value)
        if r.municipality:
            resolved.append(r.municipality.name)
            inexact = inexact or not r.exact
        else:
            unknown.append(value)
    if resolved:
        names = list(dict.fromkeys(resolved))
        if len(names) > 1:
            issues.append(Issue.error("municipality",
                                      f"Formuläret anger flera olika kommuner ({', '.join(names)}). "
                                      "Ange en kommun per formulär."))
            return None
        if inexact:
            issues.append(Issue.warning("municipality",
                                        f"Kommunens namn tolkades som {names[0]}; kontrollera stavningen."))
        return names[0]
    if unknown:
        issues.append(Issue.error("municipality",
                                  f"Kommunen \"{unknown[0][:60]}\" känns inte igen. "
                                  "Skriv kommunens namn, t.ex. \"Ludvika\"."))
        return None
    found = {m.name for t in titles for m in registry.find_in_text(t)}
    if len(found) == 1:
        return found.pop()
    by_name = {m.name for m in registry.find_in_text(filename_words(filename))}
    if len(by_name) == 1:
        name = by_name.pop()
        issues.append(Issue.warning("municipality",
                                    f"Kommunen står inte i formuläret; {name} hämtades från filnamnet."))
        return name
    issues.append(Issue.warning("municipality",
                                "Kommunens namn saknas i formuläret (\"Underlaget inlämnat av kommun\")."))
    return None


def filename_words(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"\.[A-Za-z0-9]{2,5}$", "", base)
    return re.sub(r"[_+]", " ", base)


def month_hint_of(values: list[str], titles: list[str], field_value: str | None) -> int | None:
    """The one month named without a year, if the form names exactly one."""
    texts = ([field_value] if field_value else []) + values
    months = {r.month_only for r in map(read_period, texts) if r.month_only}
    if not months:
        months = {r.month_only for r in map(read_period, titles) if r.month_only}
    return months.pop() if len(months) == 1 else None


def _year_from_dates(month: int, dates: list[Period]) -> Period | None:
    """The year of a month-only period from the form's date ("Datum: 2026-11-02").

    A report is filled in during its month or up to two months after it.
    """
    for dated in dates:
        for back in range(3):
            candidate = dated
            for _ in range(back):
                candidate = candidate.previous()
            if candidate.month == month:
                return candidate
    return None


def period_of(values: list[str], titles: list[str], field_value: str | None,
              filename: str, issues: list[Issue], dates: list[Period] | None = None) -> Period | None:
    """The report's period, with an issue for every doubt; cross-checked against the document's other statements."""
    period = _stated_period(values, titles, field_value, filename, issues, dates)
    if period is not None:
        stated = [*([field_value] if field_value else []), *values, *titles, filename_words(filename)]
        _cross_check_period(period, stated, dates or [], issues)
    return period


# A report is dated in its month or in the few months after it; a date
# further away says the period (or the date) was left from another report.
_DATED_BEFORE = 1
_DATED_AFTER = 3


def _cross_check_period(period: Period, texts: list[str], dates: list[Period], issues: list[Issue]) -> None:
    """Flag a period that another statement of the document contradicts.

    The template's month left in a heading ("Juli månad") beside a month typed
    elsewhere, a title saying "November 2026" over "December 2099", or a form
    dated far from the month it reports on: the value is kept, and flagged.
    """
    for text in texts:
        reading = read_period(text)
        other = reading.period if reading.period else None
        if other is not None and other != period or \
                other is None and reading.month_only is not None and reading.month_only != period.month:
            shown = text.strip()[:40]
            issues.append(Issue.warning("period", f"Formuläret anger {period} men nämner också \"{shown}\"; "
                                                  "kontrollera vilken månad rapporten gäller."))
            return
    index = period.year * 12 + period.month
    for dated in dates:
        months = dated.year * 12 + dated.month - index
        if months < -_DATED_BEFORE or months > _DATED_AFTER:
            issues.append(Issue.warning("period", f"Formuläret är daterat {dated} men gäller {period}; "
                                                  "kontrollera månaden."))
            return


def _stated_period(values: list[str], titles: list[str], field_value: str | None,
                   filename: str, issues: list[Issue], dates: list[Period] | None = None) -> Period | None:
    readings: list[tuple[str, PeriodReading]] = []
    for value in ([field_value] if field_value else []) + values:
        readings.append((value, read_period(value)))
    explicit = [r for _, r in readings if r.found]
    if not explicit:
        for title in titles:
            r = read_period(title)
            if r.found:
                readings.append((title, r))
        explicit = [r for _, r in readings if r.found]
    periods = {r.period for r in explicit if r.period}
    if len(periods) > 1 or any(r.ambiguous for r in explicit) and not periods:
        shown = ", ".join(sorted(str(p) for p in periods)) or readings[0][0][:40]
        issues.append(Issue.error("period", f"Formuläret anger mer än en månad ({shown}). "
                                            "Ange vilken månad rapporten gäller."))
        return None
    if periods:
        return periods.pop()
    months = {r.month_only for r in explicit if r.month_only}
    years = {int(v.strip()) for v, _ in readings if re.fullmatch(r"\s*20\d\d\s*", v)}
    if len(months) == 1 and len(years) == 1:
        # "Månad: oktober" and "År: 2026" on lines of their own.
        return Period(years.pop(), months.pop())
    if months:
        from_name = read_period(filename_words(filename))
        if from_name.period and from_name.period.month in months:
            issues.append(Issue.warning("period",
                                        f"Året saknas i formuläret; {from_name.period} hämtades från filnamnet."))
            return from_name.period
        if len(months) == 1:
            dated = _year_from_dates(next(iter(months)), dates or [])
            if dated:
                issues.append(Issue.warning("period", f"Året saknas i formuläret; {dated} hämtades från datumet."))
                return dated
        issues.append(Issue.warning("period",
                                    "Månaden anges utan år; ange både månad och år, t.ex. \"Oktober 2026\"."))
        return None
    if values:
        issues.append(Issue.error("period", f"Månaden \"{values[0][:40]}\" kunde inte läsas; "
                                            "skriv t.ex. \"Oktober 2026\"."))
        return None
    from_name = read_period(filename_words(filename))
    if from_name.period:
        issues.append(Issue.warning("period",
                                    f"Månaden står inte i formuläret; {from_name.period} hämtades från filnamnet."))
        return from_name.period
    issues.append(Issue.warning("period", "Månad och år saknas i formuläret."))
    return None


# Longer than a district's or housing area's name: most likely a sentence typed after the label.
AREA_MAX = 100
_BLANK_LINE_RE = re.compile(r"[\s_.\-\u2013\u2014…]*")


def area_text(value: str) -> str | None:
    """An area as typed, under the text rule (whitespace runs collapsed, invisible marks gone);
    None for a blank: nothing, the template's "_____", or a field's placeholder."""
    text = " ".join(clean(value).split())
    if not text or _BLANK_LINE_RE.fullmatch(text) or is_placeholder(text):
        return None
    return text


def area_of(values: list[str], field_value: str | None, issues: list[Issue],
            refused: list[str] | None = None) -> str | None:
    """The part of the municipality a report is about ("Område: Vivalla"), or None when not given.

    The area is optional: a checklist about the whole municipality leaves it
    blank, and that is no issue. A named field's value is the area, and text
    saying another one is flagged; two different areas in the text are
    flagged and neither is taken (one checklist is about one area).
    `refused` says why a label alone on its line got no value (the next line
    was another label or a question): with no area from anywhere else, that
    is flagged, since the name may have been meant to stand there.
    """
    typed = [t for t in map(area_text, values) if t]
    field = area_text(field_value) if field_value else None
    if field:
        other = next((t for t in typed if fold(t) != fold(field)), None)
        if other is not None:
            issues.append(Issue.warning("area", f"Formulärfältet anger området \"{field[:60]}\" men texten "
                                                f"\"{other[:60]}\"; kontrollera området."))
        return _long_area(field, issues)
    first_spelling: dict[str, str] = {}
    for t in typed:
        first_spelling.setdefault(fold(t), t)
    distinct = list(first_spelling.values())
    if len(distinct) > 1:
        shown = ", ".join(f"\"{t[:40]}\"" for t in distinct[:3])
        issues.append(Issue.warning("area", f"Formuläret anger flera områden ({shown}); ange ett område per "
                                            "checklista. Inget område registrerades."))
        return None
    if distinct:
        return _long_area(distinct[0], issues)
    if refused:
        issues.append(Issue.warning("area", f"Rubriken för området står ensam på sin rad och nästa rad är "
                                            f"{refused[0]}; inget område registrerades. Skriv området efter "
                                            "rubriken om rapporten gäller en del av kommunen."))
    return None


def _long_area(area: str, issues: list[Issue]) -> str:
    if len(area) > AREA_MAX:
        issues.append(Issue.warning("area", f"Området är ovanligt långt ({len(area)} tecken); kontrollera att "
                                            "bara områdets namn står efter \"Område:\"."))
    return area
