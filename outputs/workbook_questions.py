"""The workbook's question sheets: a level word per municipality, group and month, and the sheets' names."""

from __future__ import annotations

import re
from collections.abc import Sequence

from openpyxl.worksheet.worksheet import Worksheet

from outputs.picture import CountyPicture
from outputs.workbook_cells import (
    BLANK_WORD,
    KIND_WORD,
    MISSING_WORD,
    PENDING_WORD,
    WITHHELD_WORD,
    CellKind,
    classify,
    group_members,
)
from outputs.workbook_layout import (
    FIRST_MONTH_COL,
    month_header,
    name_width,
    period_columns,
    print_setup,
    put,
    put_notes,
    set_widths,
)
from outputs.workbook_styles import KIND_STYLE, S
from parsers.form import FormSpec, Question

# Excel's limits and rules for sheet names.
_SHEET_MAX = 31
_SHEET_CHARS: dict[int, str] = {ord(k): v for k, v in
                                 {"/": "-", "\\": "-", "[": "(", "]": ")", ":": " ", "*": " ", "?": " "}.items()}
# Words that must not end a shortened sheet name ("1 Ordningsstörningar och").
_DANGLING = {"och", "eller", "samt", "i", "på", "av", "för", "med", "till", "mot", "om", "&", "-", "–"}


def _clean_sheet_text(text: str) -> str:
    """Excel refuses []:*?/\\ in sheet names: slashes become "-", brackets "()", the rest go."""
    text = text.translate(_SHEET_CHARS)
    text = re.sub(r"-{2,}", "-", " ".join(text.split()))
    return text.strip("' ")


def _shorten(text: str, limit: int) -> str:
    """Cut at a word (or hyphen) boundary to at most `limit` characters, dropping dangling words."""
    if len(text) <= limit:
        return text
    tokens = re.findall(r"[^\s-]+[\s-]*", text)
    kept: list[str] = []
    for token in tokens:
        if len("".join(kept) + token.rstrip(" -")) > limit:
            break
        kept.append(token)
    while len(kept) > 2 and kept[-1].strip(" -,;.").lower() in _DANGLING | {""}:
        kept.pop()
    if len(kept) <= 1:  # one word longer than the limit: cut inside it
        return text[:limit].rstrip(",;. -–")
    return "".join(kept).rstrip(",;. -–")


def question_sheet_name(question: Question) -> str:
    """The sheet name of a question: "<number> <short name>", safe for Excel.

    "/" and the other characters Excel refuses ([]:*?\\) become "-"; a name
    longer than 31 characters is cut at a word boundary, unless one of the
    question's aliases fits whole and keeps more of the name. So
    "Ungdomar/skolor" gives "4 Ungdomar-skolor", "Ordningsstörningar och
    otrygghet" (too long) gives "1 Ordningsstörningar-otrygghet" (its alias),
    and "Alkohol, narkotika, doping och tobak" gives "5 Alkohol, narkotika, doping".
    """
    prefix = f"{question.number} "
    full = prefix + _clean_sheet_text(question.short)
    if len(full) <= _SHEET_MAX:
        return full
    best = _shorten(full, _SHEET_MAX)
    for alias in question.aliases:
        candidate = prefix + _clean_sheet_text(alias)
        if len(candidate) <= _SHEET_MAX and len(candidate) > len(best):
            best = candidate
    return best


# When no member of a group gave a level, the roll-up shows the most telling
# state among them, in this order.
_GROUP_FALLBACK = (CellKind.MISSING, CellKind.PENDING, CellKind.WITHHELD, CellKind.BLANK, CellKind.NOT_DUE)


def _group_cell(picture: CountyPicture, members: Sequence[str], month: int,
                number: int) -> tuple[CellKind, int | None]:
    kinds = [classify(picture.form, picture.report(m, month), number) for m in members]
    levels = [lv for kind, lv in kinds if kind is CellKind.LEVEL and lv is not None]
    if levels:
        return CellKind.LEVEL, max(levels)
    present = {kind for kind, _ in kinds}
    for kind in _GROUP_FALLBACK:
        if kind in present:
            return kind, None
    return CellKind.NOT_DUE, None


def _write_level(ws: Worksheet, row: int, col: int, form: FormSpec, kind: CellKind,
                 level: int | None, *, group: bool = False) -> None:
    if kind is CellKind.LEVEL and level is not None:
        style = S.group_level(level) if group else S.level(level)
        put(ws, row, col, form.scale.name_of(level), style)
    else:
        put(ws, row, col, KIND_WORD[kind], KIND_STYLE[kind])


def _legend(ws: Worksheet, row: int, form: FormSpec) -> None:
    put(ws, row, 1, "Teckenförklaring", S.SECTION)
    col = FIRST_MONTH_COL
    for level in form.scale.levels:
        put(ws, row, col, level.name, S.level(level.value))
        col += 1
    for kind in (CellKind.PENDING, CellKind.MISSING, CellKind.BLANK, CellKind.WITHHELD):
        put(ws, row, col, KIND_WORD[kind], KIND_STYLE[kind])
        col += 1


def _legend_notes(form: FormSpec, weekly: bool = False) -> list[str]:
    levels = ", ".join(f"{lv.value} {lv.name}" for lv in form.scale.levels)
    return [
        f"Nivå: kommunens bedömda påverkan, avvikelse från det normala ({levels}); "
        "senaste versionen av varje rapport.",
        f"{PENDING_WORD}: rapporten har inte kommit in och sista inlämningsdag har inte passerat.  "
        f"{MISSING_WORD}: ingen rapport fast sista inlämningsdag har passerat.",
        f"{BLANK_WORD}: rapporten kom in men ingen nivå angavs för frågan.  "
        f"{WITHHELD_WORD}: svaret hålls inne i väntan på sekretessgranskning.  "
        f"Tom ruta: {'veckan' if weekly else 'månaden'} har inte kommit än.",
    ]


def write_question_sheet(ws: Worksheet, picture: CountyPicture, question: Question) -> None:
    """Fill one question's sheet: the legend, a row per municipality and per group, the notes."""
    form = picture.form
    put(ws, 1, 1, f"Fråga {question.number}. {question.short} – {picture.county_name} {picture.year}", S.TITLE)
    _legend(ws, 2, form)
    month_header(ws, 3, "Kommun", picture=picture)
    columns = period_columns(picture)
    row = 5
    for name in picture.municipalities:
        put(ws, row, 1, name, S.NAME)
        for month, col in columns:
            kind, level = classify(form, picture.report(name, month), question.number)
            _write_level(ws, row, col, form, kind, level)
        row += 1
    notes: list[str] = []
    if picture.groups:
        row += 1
        put(ws, row, 1, "Grupper (högsta nivå bland medlemmarna)", S.SECTION)
        row += 1
        for group in picture.groups:
            members = group_members(picture, group)
            put(ws, row, 1, group.name, S.GROUP)
            for month, col in columns:
                kind, level = _group_cell(picture, members, month, question.number)
                _write_level(ws, row, col, form, kind, level, group=True)
            notes.append(f"{group.name}: {', '.join(members) or '(inga kommuner i länet)'}.")
            row += 1
        notes.insert(0, "Grupper visar den högsta nivån bland de medlemmar som har angett en nivå "
                        "den månaden; har ingen angett en nivå visas Saknas, Väntas, Granskas eller "
                        "Ej angiven, i den ordningen.")
    row += 1
    row = put_notes(ws, row, [f"Fråga {question.number}: {question.text}", *_legend_notes(form, picture.weekly),
                              *notes])
    ws.freeze_panes = "B5"
    set_widths(ws, {1: name_width(picture), **{c: 9.5 if picture.weekly else 11.5 for _, c in columns}})
    print_setup(ws, picture, rows="1:4", cols="A:A")
