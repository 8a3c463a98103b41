"""Blank report forms the county sends out: a Word file and an Excel file.

Both are built from a `FormSpec` (the form is data), keep the county's
template wording ("Fråga 1, Ordningsstörningar och otrygghet: …",
"Påverkan", "Kommentar:") and can be pre-filled with the municipality and the
reporting month. They are designed to be read back exactly:

* .docx: every value sits in a Word content control with a tag
  (`lagesbild:kommun`, `lagesbild:period`, `lagesbild:omrade` on a form
  that asks for the area, `lagesbild:q<N>.impact`,
  `lagesbild:q<N>.comment`). Impact is a drop-down whose items show
  "3 – Oroande" and carry the value "3". An untouched control shows its
  placeholder and is marked `w:showingPlcHdr`, so a reader treats it as empty.
* .xlsx: the input cells are unlocked on a protected sheet and carry defined
  names (`Kommun`, `Period`, `Omrade` on a form that asks for the area,
  `q<N>_impact`, `q<N>_comment`). An impact cell
  always holds the integer 1–5: its drop-down lists the hidden sheet "Nivåer",
  whose cells hold 1..5 formatted as "1 – Normalt" … "5 – Kritiskt" (Excel
  shows that formatting in the list and stores the number), so a person may
  either pick a level or type the digit; anything else is refused with a
  Swedish message. Conditional formatting then shows the chosen cell as
  "3 – Oroande" in the level's colour.

Nothing here touches the disk: bytes out. This module holds what both files
share (the read-back tags and names, labels, question headings, file names);
the writers are `outputs/blank_docx.py` and `outputs/blank_xlsx.py`.
"""

from __future__ import annotations

import re
import unicodedata

from outputs.safe_text import xml_safe
from parsers.form import FormSpec, Question, Scale
from parsers.result import Cadence, Period

SWEDISH_MONTHS: tuple[str, ...] = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)

# Content-control tags and Excel defined names: the read-back contract.
TAG_PREFIX = "lagesbild:"
TAG_MUNICIPALITY = "lagesbild:kommun"
TAG_PERIOD = "lagesbild:period"
NAME_MUNICIPALITY = "Kommun"
NAME_PERIOD = "Period"
# Only on a form that asks for the area ([labels] area, the EST checklist).
TAG_AREA = "lagesbild:omrade"
NAME_AREA = "Omrade"
PLACEHOLDER_AREA = "Skriv område, om rapporten gäller en del av kommunen"

PLACEHOLDER_MUNICIPALITY = "Skriv kommunens namn"
# Deliberately no example month in the placeholder: a reader that ignored
# w:showingPlcHdr must not find a period in it.
PLACEHOLDER_PERIOD = "Skriv månad och år"
PLACEHOLDER_IMPACT = "Välj påverkan 1–5"
PLACEHOLDER_COMMENT = "Skriv kommentar här"

SHEET_FORM = "Lägesbild"
SHEET_INSTRUCTIONS = "Instruktioner"
SHEET_LEVELS = "Nivåer"
NAME_LEVEL_LIST = "Nivalista"


def impact_tag(number: int) -> str:
    """Content-control tag of question `number`'s impact drop-down."""
    return f"{TAG_PREFIX}q{number}.impact"


def comment_tag(number: int) -> str:
    """Content-control tag of question `number`'s comment."""
    return f"{TAG_PREFIX}q{number}.comment"


def impact_name(number: int) -> str:
    """Excel defined name of question `number`'s impact cell."""
    return f"q{number}_impact"


def comment_name(number: int) -> str:
    """Excel defined name of question `number`'s comment cell."""
    return f"q{number}_comment"


def month_title(period: Period) -> str:
    """The template's month line, capitalised: "Oktober månad 2026" (a week: "Vecka 43 2026")."""
    if period.is_week:
        return f"Vecka {period.week} {period.year}"
    return f"{SWEDISH_MONTHS[period.month - 1].capitalize()} månad {period.year}"


def period_label(period: Period) -> str:
    """The period as written in its field: "Oktober 2026", or "Vecka 43 2026" for a week."""
    if period.is_week:
        return f"Vecka {period.week} {period.year}"
    return f"{SWEDISH_MONTHS[period.month - 1].capitalize()} {period.year}"


def area_field_label(form: FormSpec) -> str | None:
    """The label of the area field ("Område"), or None on a form that has none."""
    return form.labels.area[0] if form.labels.area else None


def prefilled_area(form: FormSpec, area: str | None) -> str | None:
    """The area a pre-filled form carries in its field: on one line, under the text rule (so the
    file's XML stays valid), None for a form without the field or for no area (whitespace only).

    The parser reads a field's value under the same rule and collapses whitespace the same way, so
    the form reads back with exactly this area.
    """
    if not form.labels.area or area is None:
        return None
    return " ".join(xml_safe(area).split()) or None


def period_field_label(form: FormSpec) -> str:
    """The label of the period field: "Månad" on a monthly form, the form's own first period
    label on a weekly one ("Vecka och år")."""
    if form.cadence is Cadence.WEEK:
        return form.labels.period[0] if form.labels.period else "Vecka och år"
    return "Månad"


def level_label(scale: Scale, value: int) -> str:
    """A level as shown in drop-downs: "3 – Oroande" (en dash)."""
    return f"{value} – {scale.name_of(value)}"


def question_heading(question: Question, prefix: str = "") -> tuple[str, str]:
    """The question line split into its bold part and the rest.

    Normally ("Fråga 1, Ordningsstörningar och otrygghet:", " Vilka …?").
    When the text already begins with the short name, as the template's
    question 7 does ("Positiva åtgärder eller händelser som syftar …?"), the
    short name is not repeated: ("Positiva åtgärder eller händelser", " som …?").
    """
    lead = f"{prefix}{question.number}, " if prefix else ""
    text, short = xml_safe(question.text.strip()), xml_safe(question.short)  # a county's own form file
    if not text:
        return f"{lead}{short}", ""
    if text.casefold().startswith(short.casefold()):
        cut = len(short)
        return f"{lead}{text[:cut]}", text[cut:]
    return f"{lead}{short}:", f" {text}"


def intro_paragraphs(form: FormSpec) -> list[str]:
    """The intro split at blank lines, each paragraph on one line."""
    parts = re.split(r"\n\s*\n", xml_safe(form.intro.strip()))
    return [" ".join(p.split()) for p in parts if p.strip()]


def confidentiality_note(form: FormSpec) -> str | None:
    """The intro paragraph about confidentiality, if the form has one."""
    for para in intro_paragraphs(form):
        if "sekretess" in para.casefold():
            return para
    return None


# --------------------------------------------------------------------------
# File names
# --------------------------------------------------------------------------

_UNSAFE_RE = re.compile(r"[^\w .,()+-]")
_SPACES_RE = re.compile(r"\s+")


def _safe(part: str) -> str:
    # \w keeps letters with diacritics (Malung-Sälen, Älvdalen); everything a
    # file system or mail client may choke on (/ \ : * ? " < > | and control
    # characters) becomes a hyphen.
    part = unicodedata.normalize("NFC", part).replace("–", "-").replace("—", "-")
    part = _UNSAFE_RE.sub("-", part)
    return _SPACES_RE.sub(" ", part).strip(" .-")


def _file_stem(form: FormSpec) -> str:
    # "Mall för lägesbildsinsamling – Sociala risker" -> "Lägesbild sociala
    # risker": the part after the dash names the subject; a title without a
    # dash is used as it is.
    title = form.title.replace("–", "-").replace("—", "-")
    if " - " in title:
        subject = title.split(" - ", 1)[1].strip()
        if subject:
            return f"Lägesbild {subject[0].lower()}{subject[1:]}"
    return title.strip() or "Lägesbild"


def blank_form_filename(
    form: FormSpec, ext: str, municipality: str | None, period: Period | None
) -> str:
    """A file name for a blank form: "Lägesbild sociala risker - Ludvika - 2026-10.docx".

    Parts that are not given are left out ("Lägesbild sociala risker.xlsx").
    Only letters (Swedish ones included), digits, spaces and ``. , ( ) + -``
    survive; anything else becomes a hyphen.
    """
    parts = [_file_stem(form)]
    if municipality and municipality.strip():
        parts.append(municipality)
    if period is not None:
        parts.append(str(period))
    safe = [p for p in (_safe(x) for x in parts) if p]
    extension = _safe(ext.lstrip("."))
    if not extension:
        raise ValueError(f"invalid file extension: {ext!r}")
    return f"{' - '.join(safe) or 'Lägesbild'}.{extension}"
