"""Screening comments for data about individuals (issue 4, item 7).

Reports must not contain data about individuals ("individuppgifter ska inte
tas med i denna lägesbild"). `find_personal_data(text)` finds the obvious
kinds and says where they are, with a masked form that staff notices may
show instead of the data itself:

* ``personnummer``: YYMMDD-NNNN, YYMMDD+NNNN (a person over 100),
  YYMMDDNNNN, YYYYMMDD-NNNN and YYYYMMDDNNNN, the date also in parts
  (YYYY.MM.DD, YY/MM/DD, YYYY MM DD). Between the date and the last four
  digits may stand a space of any kind, a line break, "-", "+", ".", "/",
  "_" or a dash, with blanks around it; inside the date the same but "+".
  The date must exist and the last digit must be the Luhn check digit of
  the ten-digit form, so a date followed by a case number is not flagged
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

Everything is looked for in a normalised copy of the text (NFKC, every
Unicode decimal digit as an ASCII digit, every kind of space as a space,
every dash as "-", invisible format characters dropped), so "１９１２１２１２－１２１２",
"19121212\u20111212" or Arabic-Indic digits are found like "19121212-1212";
the findings point into the original text. An identity number may be
written in groups: "1912 1212 1212", "19121212 1212", "12 12 12-1212",
"191212 - 1212", "1912.12.12-1212", "19121212\n1212", and invisible format
characters (zero-width space, soft hyphen, word joiner: Unicode category Cf)
anywhere in it are skipped. The text is read once, left to right, so the
time grows with its length and no more.

Pure: text in, findings out. Names and addresses are not looked for: they
cannot be told from places and organisations without a far larger model.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
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

# The text is read as digit groups and the gaps between them, once, left to right; an
# identity number is one to four neighbouring groups of a shape people write (digits per
# group), with gaps a person puts in such a number. At most four windows are tried from
# each group, so the time is linear in the text however hostile it is.
_DIGITS_RE = re.compile(r"[0-9]+")
_ID_SHAPES = frozenset({(10,), (6, 4), (2, 2, 2, 4), (12,), (8, 4), (4, 4, 4), (4, 2, 2, 4), (2, 6, 4)})
_MOST_GROUPS = max(len(shape) for shape in _ID_SHAPES)
_FIRST_GROUPS = frozenset(shape[0] for shape in _ID_SHAPES)
# Spaces (every kind is a space after normalising) and line breaks: a number wrapped at the
# end of a line, or pasted from a table, is still a number.
_BLANKS = " \t\r\n\x0b\x0c\x85\u2028\u2029"
# Inside the date ("1912.12.12", "1912-12-12", "19 12 12", "12/12/12", "1912_12_12"): a mark
# with blanks around it, or blanks alone. Between the date and the last four digits also "+",
# the mark of a person over 100 ("121212+1212").
_DATE_GAP_RE = re.compile(f"[{_BLANKS}]{{0,3}}[-./_]?[{_BLANKS}]{{0,3}}")
_SERIAL_GAP_RE = re.compile(f"[{_BLANKS}]{{0,3}}[-+./_]?[{_BLANKS}]{{0,3}}")
_LONGEST_GAP = 7
# A mark alone between two digits continues the number ("2026-191212-1212" is a case number,
# "191212-1212,5" a decimal); blanks, or a mark and blanks ("nr 5. 191212-1212"), end it.
_JOINING = frozenset("-+./_:,")


def _gap_fits(gap: str, pattern: re.Pattern[str]) -> bool:
    return 0 < len(gap) <= _LONGEST_GAP and pattern.fullmatch(gap) is not None


def _joins(gap: str) -> bool:
    return 0 < len(gap) <= 3 and all(ch in _JOINING for ch in gap)


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


def _id_at(digits: str) -> str | None:
    """The kind of identity number `digits` (10 or 12 of them) is, or None."""
    century, ten = (digits[:2], digits[2:]) if len(digits) == 12 else (None, digits)
    kind = _id_kind(century, ten[:6])
    if kind is None or luhn_check_digit(ten[:9]) != int(ten[9]):
        return None
    return kind


def _mask(written: str, century: bool) -> str:
    """Every digit as X, but a century's two digits ("19XXXXXX-XXXX"): it says nothing about who."""
    out: list[str] = []
    seen = 0
    for ch in written:
        if ch.isdigit() or unicodedata.decimal(ch, None) is not None:
            seen += 1
            out.append(ch if century and seen <= 2 else "X")
        else:
            out.append(ch)
    return "".join(out)


def _id_window(text: str, groups: list[tuple[int, int]], i: int) -> tuple[int, str] | None:
    """The longest identity number starting at group `i`: (the group after it, kind), or None."""
    def gap(k: int) -> str:  # between group k and k + 1
        return text[groups[k][1]:groups[k + 1][0]]

    if groups[i][1] - groups[i][0] not in _FIRST_GROUPS or (i > 0 and _joins(gap(i - 1))):
        return None
    for j in range(min(len(groups), i + _MOST_GROUPS), i, -1):  # the longest window first
        if tuple(end - start for start, end in groups[i:j]) not in _ID_SHAPES:
            continue
        if j < len(groups) and _joins(gap(j - 1)):
            continue
        # The last gap parts the date from the four last digits, the others are inside the date.
        if not all(_gap_fits(gap(k), _SERIAL_GAP_RE if k == j - 2 else _DATE_GAP_RE) for k in range(i, j - 1)):
            continue
        kind = _id_at("".join(text[start:end] for start, end in groups[i:j]))
        if kind is not None:
            return j, kind
    return None


def _ids(text: str, original: str, where: list[int]) -> list[Finding]:
    """Identity numbers in the normalised `text` (positions mapped through `where` into `original`)."""
    groups = [m.span() for m in _DIGITS_RE.finditer(text)]
    out: list[Finding] = []
    i = 0
    while i < len(groups):
        found = _id_window(text, groups, i)
        if found is None:
            i += 1
            continue
        j, kind = found
        start, end = where[groups[i][0]], where[groups[j - 1][1] - 1] + 1
        century = sum(e - s for s, e in groups[i:j]) == 12
        out.append(Finding(kind, start, end, _mask(original[start:end], century)))
        i = j
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


_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")


def _normalised(text: str) -> tuple[str, list[int]]:
    """`text` as the finders read it, and for each of its characters the index it came from.

    ASCII stays as it is. Others: a
    Unicode decimal digit becomes its ASCII digit, any space a space, any other
    dash "-", an invisible format character nothing, the rest its NFKC form.
    """
    if text.isascii():
        return text, list(range(len(text) + 1))
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            rep = ch
        elif (digit := unicodedata.decimal(ch, None)) is not None:
            rep = str(digit)
        elif unicodedata.category(ch) == "Zs":
            rep = " "
        elif ch in _DASHES:
            rep = "-"
        elif unicodedata.category(ch) == "Cf":
            rep = ""
        else:
            rep = unicodedata.normalize("NFKC", ch)
        out.append(rep)
        where += [i] * len(rep)
    where.append(len(text))
    return "".join(out), where


def _mapped(finding: Finding, where: list[int]) -> Finding:
    return Finding(finding.kind, where[finding.start], where[finding.end - 1] + 1, finding.masked)


def find_personal_data(text: str) -> list[Finding]:
    """Every piece of obvious personal data in `text`, in order, without overlaps.

    Identity numbers win over telephone numbers where both readings fit
    ("0701231234" with a valid check digit): the stricter finding is kept.
    Positions are in `text` itself, however it wrote its digits (see the module docstring).
    """
    normal, where = _normalised(text)
    chosen: list[Finding] = _ids(normal, text, where)
    for finder in (_emails, _plates, _phones):
        for finding in (_mapped(f, where) for f in finder(normal)):
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
