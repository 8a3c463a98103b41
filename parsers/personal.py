"""Screening comments for data about individuals (issue 4, item 7).

Reports must not contain data about individuals ("individuppgifter ska inte
tas med i denna lägesbild"). `find_personal_data(text)` finds the obvious
kinds and says where they are, with a masked form that staff notices may
show instead of the data itself:

* ``personnummer``: YYMMDD-NNNN, YYMMDD+NNNN (a person over 100),
  YYMMDDNNNN, YYYYMMDD-NNNN and YYYYMMDDNNNN (also with a space or an en
  dash). The date must exist and the last digit must be the Luhn check digit
  of the ten-digit form, so a date followed by a case number is not flagged
  unless the check digit happens to fit.
* ``samordningsnummer``: the same, with 60 added to the day.
* ``email``: any e-mail address (in a report comment it names a person or
  points to one).
* ``telefon``: Swedish numbers with an area code (070-123 45 67,
  +46 70 123 45 67, 08-123 456 78, 0243-123 45), 8-10 digits in all. Years,
  dates, times, sums of money and case numbers ("Dnr 2026-1234") are not
  numbers of this shape, and the few that could be are excluded by what
  stands around them.
* ``registreringsnummer``: ABC 123 / ABC 12A, only right after "reg.nr",
  "registreringsnummer" or "bil med", because three letters and three digits
  are otherwise too common.

Pure: text in, findings out. Names and addresses are not looked for: they
cannot be told from places and organisations without a far larger model.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

PERSONNUMMER = "personnummer"
SAMORDNINGSNUMMER = "samordningsnummer"
EMAIL = "email"
TELEFON = "telefon"
REGISTRERINGSNUMMER = "registreringsnummer"

KINDS: tuple[str, ...] = (PERSONNUMMER, SAMORDNINGSNUMMER, EMAIL, TELEFON, REGISTRERINGSNUMMER)

#: Swedish words for the kinds, for messages to staff and municipalities.
KIND_NAMES: dict[str, str] = {
    PERSONNUMMER: "personnummer",
    SAMORDNINGSNUMMER: "samordningsnummer",
    EMAIL: "e-postadress",
    TELEFON: "telefonnummer",
    REGISTRERINGSNUMMER: "registreringsnummer",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data: its kind, where it is (`text[start:end]`), and a masked form."""

    kind: str
    start: int
    end: int
    masked: str


# --------------------------------------------------------------------------
# Personnummer and samordningsnummer
# --------------------------------------------------------------------------

# Not glued to other digits, nor continuing a number written with
# separators ("2026-191212-1212"); the century is optional.
_ID_RE = re.compile(
    r"(?<!\d)(?<!\d[-\u2013+./:,])"
    r"(?P<century>\d{2})?(?P<date>\d{6})(?P<sep>[-\u2013+ ]?)(?P<serial>\d{4})"
    r"(?!\d)(?![-\u2013./:,]\d)"
)


def luhn_check_digit(nine: str) -> int:
    """The Luhn check digit for the first nine digits of a personnummer (YYMMDDNNN)."""
    total = 0
    for i, ch in enumerate(nine):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def _date_exists(year: int | None, yy: int, month: int, day: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    if year is not None:
        return day <= calendar.monthrange(year, month)[1]
    # Two-digit year: valid when the date exists in either century
    # (only 29 February depends on it).
    return any(day <= calendar.monthrange(century + yy, month)[1] for century in (1900, 2000))


def _id_kind(century: str | None, date: str) -> str | None:
    """PERSONNUMMER, SAMORDNINGSNUMMER or None for the date part of a candidate."""
    yy, month, day = int(date[:2]), int(date[2:4]), int(date[4:6])
    year: int | None = None
    if century is not None:
        if century not in ("18", "19", "20"):
            return None
        year = int(century) * 100 + yy
    if _date_exists(year, yy, month, day):
        return PERSONNUMMER
    if day > 60 and _date_exists(year, yy, month, day - 60):
        return SAMORDNINGSNUMMER
    return None


def _ids(text: str) -> list[Finding]:
    out: list[Finding] = []
    for m in _ID_RE.finditer(text):
        century, date, sep, serial = m.group("century"), m.group("date"), m.group("sep"), m.group("serial")
        kind = _id_kind(century, date)
        if kind is None:
            continue
        ten = date + serial
        if luhn_check_digit(ten[:9]) != int(ten[9]):
            continue
        # The century says nothing about who it is; keeping it shows staff
        # which form was written ("19XXXXXX-XXXX").
        masked = (century or "") + "X" * 6 + sep + "X" * 4
        out.append(Finding(kind, m.start(), m.end(), masked))
    return out


# --------------------------------------------------------------------------
# E-mail addresses
# --------------------------------------------------------------------------

_EMAIL_RE = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}(?![\w-])")


def _emails(text: str) -> list[Finding]:
    out = []
    for m in _EMAIL_RE.finditer(text):
        # No dot after the @: the mask must not itself read as an address.
        out.append(Finding(EMAIL, m.start(), m.end(), "XXX@XXX"))
    return out


# --------------------------------------------------------------------------
# Telephone numbers
# --------------------------------------------------------------------------

_DASH = r"(?:[ ]?[-\u2013][ ]?)"
_PHONE_RE = re.compile(
    r"(?<![\w+])(?<!\d[-\u2013./:, ])"  # not inside or right after another number
    r"(?P<area>"
    r"(?:\+46|0046)[ ]?(?:\(0\)[ ]?)?(?:8|[1-9]\d{1,2})"  # +46 8 …, +46 (0)70 …, 0046 70 …
    r"|\((?:08|0[1-9]\d{1,2})\)"  # (08) …
    r"|08|0[1-9]\d{1,2}"  # 08 …, 070 …, 0243 …
    r")"
    rf"(?P<rest>(?:{_DASH}|[ ])?\d{{1,8}}(?:(?:{_DASH}|[ ])\d{{1,4}}){{0,4}})"
    r"(?!\d)(?![-\u2013./:,]\d)"
)
# What around a number of the right shape shows it is not a telephone number.
_NOT_PHONE_BEFORE = re.compile(
    r"(?:\b(?:dnr|diarienr|diarienummer|ärendenr|ärendenummer|ärende|ref|referens|vecka|veckorna|v|kl|klockan|år"
    r"|åren|org\.?\s?nr|organisationsnummer)\.?:?\s*(?:nr\.?\s*)?)$",
    re.IGNORECASE,
)
_NOT_PHONE_AFTER = re.compile(r"^\s*(?:kr\b|kronor|sek\b|:-|%|st\b|stycken|procent|mnkr|tkr|milj)", re.IGNORECASE)
_DATE_LIKE = re.compile(r"^\d{1,2}[-\u2013/.]\d{1,2}[-\u2013/.](?:\d{2}|\d{4})$")


def _national_digits(found: str) -> str:
    """The number as dialled within Sweden: "+46 (0)70 123" -> "070123"."""
    digits = re.sub(r"\D", "", found)
    if found.startswith("+46"):
        digits = digits[2:]
    elif found.startswith("0046"):
        digits = digits[4:]
    else:
        return digits
    # "+46 (0)70": the (0) is not dialled, and is already there.
    return digits if "(0)" in found else "0" + digits


def _phone_shape_ok(found: str) -> bool:
    if not 8 <= len(_national_digits(found)) <= 10:
        return False
    if _DATE_LIKE.match(found):
        return False
    # 6+4 or 8+4 digits around one separator is how identity numbers are
    # written, never telephone numbers; such a number that failed the check
    # digit is a date and a serial number, not a phone.
    return not re.fullmatch(r"\d{6}(?:\d{2})?[-\u2013+ ]\d{4}", found)


def _phones(text: str) -> list[Finding]:
    out = []
    for m in _PHONE_RE.finditer(text):
        found = m.group()
        end = m.end()
        # A number the regex ran on into (a year after it, say) is cut back
        # one group at a time until it has the length of a phone number.
        while not _phone_shape_ok(found):
            cut = max(found.rfind(" "), found.rfind("-"), found.rfind("\u2013"))
            if cut <= len(m.group("area")):
                break
            found = found[:cut].rstrip(" -\u2013")
            end = m.start() + len(found)
        if not _phone_shape_ok(found):
            continue
        if _NOT_PHONE_BEFORE.search(text[max(0, m.start() - 30):m.start()]):
            continue
        if _NOT_PHONE_AFTER.match(text[end:end + 12]):
            continue
        out.append(Finding(TELEFON, m.start(), end, re.sub(r"\d", "X", found)))
    return out


# --------------------------------------------------------------------------
# Registration numbers (only where the text says that is what they are)
# --------------------------------------------------------------------------

_PLATE_RE = re.compile(
    r"\b(?:reg\.?\s?nr\.?|regnr\.?|regnummer|registreringsnummer(?:et)?|registreringsnr\.?"
    r"|bil(?:en)?\s+med(?:\s+(?:reg\.?\s?nr\.?|regnr\.?|registreringsnummer(?:et)?))?)"
    r"\s*:?\s*"
    r"(?P<plate>[A-ZÅÄÖ]{3}[ -]?\d{2}[A-Z0-9])(?![\w])",
    re.IGNORECASE,
)


def _plates(text: str) -> list[Finding]:
    return [Finding(REGISTRERINGSNUMMER, m.start("plate"), m.end("plate"), "XXX XXX")
            for m in _PLATE_RE.finditer(text)]


# --------------------------------------------------------------------------
# Together
# --------------------------------------------------------------------------


def find_personal_data(text: str) -> list[Finding]:
    """Every piece of obvious personal data in `text`, in order, without overlaps.

    Identity numbers win over telephone numbers where both readings fit
    ("0701231234" with a valid check digit): the stricter finding is kept.
    """
    chosen: list[Finding] = []
    for finder in (_ids, _emails, _plates, _phones):
        for finding in finder(text):
            if not any(finding.start < c.end and c.start < finding.end for c in chosen):
                chosen.append(finding)
    return sorted(chosen, key=lambda f: (f.start, f.end))


def has_personal_data(text: str) -> bool:
    """Whether `text` holds any personal data `find_personal_data` recognises."""
    return bool(find_personal_data(text))


def redact(text: str) -> str:
    """`text` with every finding replaced by its masked form (for notices and excerpts)."""
    out: list[str] = []
    position = 0
    for finding in find_personal_data(text):
        out.append(text[position:finding.start])
        out.append(finding.masked)
        position = finding.end
    out.append(text[position:])
    return "".join(out)


def describe(findings: list[Finding]) -> str:
    """The kinds found, in Swedish, without the data: "personnummer, e-postadress"."""
    kinds = list(dict.fromkeys(f.kind for f in findings))
    return ", ".join(KIND_NAMES.get(k, k) for k in kinds)
