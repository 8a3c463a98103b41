"""Reading the reporting month from what a form says.

    "Oktober 2026", "okt -26", "Okt-26", "2026-10", "10/2026", "Juli månad 2026",
    "Månad: 10/2026", "2026-10-31", "31/10 2026"        -> that month
    "Juli månad", "oktober"                              -> month only (no period on its own)
    "september/oktober 2026", "2026-09 – 2026-10"        -> ambiguous

A month without a year is not a period: the caller reports null with a
warning and the ingest step combines it with the mail's date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.normalize import fold
from parsers.result import Period

MONTH_NAMES = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
               "september", "oktober", "november", "december")

_MONTH_WORDS: dict[str, int] = {}
for _i, _name in enumerate(MONTH_NAMES, start=1):
    _MONTH_WORDS[_name] = _i
    _MONTH_WORDS[_name[:3]] = _i
for _word, _i in {"sept": 9, "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7,
                  "august": 8, "october": 10, "oct": 10, "december": 12, "febr": 2, "aug.": 8}.items():
    _MONTH_WORDS.setdefault(_word.rstrip("."), _i)

_MONTH_ALT = "|".join(sorted(_MONTH_WORDS, key=len, reverse=True))
_YEAR4 = r"(20\d\d)"
_YEAR2 = r"(?:'|’|-|–)?\s?(\d\d)"
_NAME_YEAR_RE = re.compile(
    rf"\b({_MONTH_ALT})\.?(?:\s*manad|\s*manaden)?\s*(?:,|-|/|\s)?\s*(?:{_YEAR4}|{_YEAR2})\b"
)
_YEAR_NAME_RE = re.compile(rf"\b{_YEAR4}\s*(?:,|-|/|\s)\s*({_MONTH_ALT})\b")
_MONTH_ONLY_RE = re.compile(rf"\b({_MONTH_ALT})\b\.?")
_ISO_RE = re.compile(r"\b(20\d\d)\s*[-/.]\s*(0?[1-9]|1[0-2])(?:\s*[-/.]\s*(\d{1,2}))?\b")
_MY_RE = re.compile(r"\b(0?[1-9]|1[0-2])\s*[-/.]\s*(20\d\d)\b")
# "1/10 – 31/10 2026": a span of days within one month.
_DAY_SPAN_RE = re.compile(r"\b\d{1,2}\s*/\s*(0?[1-9]|1[0-2])\s*-\s*\d{1,2}\s*/\s*(0?[1-9]|1[0-2])\s*,?\s*(20\d\d)\b")
# A day's number just before a month's name: "5 oktober 2026", "den 5:e okt. 2026".
_DAY_BEFORE_RE = re.compile(r"\b(?:[1-9]|[12]\d|3[01])(?::e|:a)?\.?\s*$")
# "31/10/2026", "31.10.2026", and the Swedish "31/10 2026" (a space before the year).
_DMY_RE = re.compile(r"\b(\d{1,2})\s*[-/.]\s*(0?[1-9]|1[0-2])(?:\s*[-/.]\s*|(?<=\d)\s+)(20\d\d)\b")


@dataclass(frozen=True, slots=True)
class PeriodReading:
    """What was read: a period, or only a month, or nothing; `ambiguous` when several."""

    period: Period | None = None
    month_only: int | None = None
    ambiguous: bool = False
    from_date: bool = False

    @property
    def found(self) -> bool:
        return self.period is not None or self.month_only is not None or self.ambiguous


def _year(four: str | None, two: str | None) -> int | None:
    if four:
        return int(four)
    if two:
        return 2000 + int(two)
    return None


def read_period(text: str) -> PeriodReading:
    """Read a period from a short text such as a "Månad:" value or a title line."""
    t = fold(text).replace("_", " ")
    found: set[Period] = set()
    from_date = False
    for m in _NAME_YEAR_RE.finditer(t):
        year = _year(m.group(2), m.group(3))
        if year and 2000 <= year <= 2099:
            found.add(Period(year, _MONTH_WORDS[m.group(1)]))
            from_date = from_date or _DAY_BEFORE_RE.search(t, 0, m.start()) is not None  # "5 oktober 2026"
    for m in _DAY_SPAN_RE.finditer(t):
        months = {int(m.group(1)), int(m.group(2))}
        if len(months) == 1:
            found.add(Period(int(m.group(3)), months.pop()))
        else:
            return PeriodReading(ambiguous=True)
    t = _DAY_SPAN_RE.sub(" ", t)
    for m in _YEAR_NAME_RE.finditer(t):
        found.add(Period(int(m.group(1)), _MONTH_WORDS[m.group(2)]))
    for m in _DMY_RE.finditer(t):
        found.add(Period(int(m.group(3)), int(m.group(2))))
        from_date = True
    stripped = _DMY_RE.sub(" ", t)
    for m in _ISO_RE.finditer(stripped):
        found.add(Period(int(m.group(1)), int(m.group(2))))
        from_date = from_date or m.group(3) is not None
    for m in _MY_RE.finditer(_ISO_RE.sub(" ", stripped)):
        year = int(m.group(2)) if len(m.group(2)) == 4 else 2000 + int(m.group(2))
        found.add(Period(year, int(m.group(1))))
    months = {_MONTH_WORDS[m.group(1)] for m in _MONTH_ONLY_RE.finditer(t) if _is_month_word(m, t)}
    if len(found) == 1:
        period = found.pop()
        if months - {period.month}:
            # "september/oktober 2026": another month is named too.
            return PeriodReading(ambiguous=True)
        return PeriodReading(period=period, from_date=from_date)
    if len(found) > 1:
        return PeriodReading(ambiguous=True)
    if len(months) == 1:
        return PeriodReading(month_only=months.pop())
    if len(months) > 1:
        return PeriodReading(ambiguous=True)
    return PeriodReading()


def _is_month_word(m: re.Match[str], text: str) -> bool:
    """Short month words are also Swedish words ("mar", "maj" is safe; "jun" rare).

    Three-letter abbreviations count only when the text is short (a label's
    value or a title), to avoid reading a month out of running prose.
    """
    word = m.group(1)
    return len(word) >= 4 or word == "maj" or len(text) <= 40


def month_name(month: int) -> str:
    """Swedish month name in lower case: 10 -> "oktober"."""
    return MONTH_NAMES[month - 1]
