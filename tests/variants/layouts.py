"""The Word-like layouts: a `FormContent` drawn as a `Page` (model.py).

inline       "Påverkan: 3" and "Kommentar: …" under each heading
next_line    "Påverkan:" with the value on the next line, the same for the comment
table1       one-column table, a row per question holding heading, impact and comment
table2       two-column label | value table ("Påverkan" | 3, "Kommentar" | text)
table3       "Fråga | Påverkan (1-5) | Kommentar", a row per question
cell_lines   two columns: the question left, "Påverkan: 2" and "Kommentar: …" as lines in one cell
transposed   the questions across the columns, "Påverkan" and "Kommentar" as rows
"""

from __future__ import annotations

from tests.builders import INSTRUCTION, INTRO, LEGEND, TITLE, Stated
from tests.variants.content import STALE_MONTH, FormContent, Item
from tests.variants.model import (
    PAGE_BREAK,
    Block,
    Box,
    Cell,
    Grid,
    Inline,
    P,
    Page,
    PageNo,
    Para,
    Run,
    impact_inlines,
    matrix,
    ticks,
)
from tests.variants.texts import CPara


def comment_para(c: CPara) -> Para:
    """One comment paragraph, a formatted list item when the text says so."""
    return Para((Run(c.text, literal=c.literal),), {"bullet": "bullet", "number": "number"}.get(c.list_kind, ""))


def _facts(c: FormContent) -> list[Stated]:
    return [s for s in (c.municipality, c.period) if s is not None]


def front(c: FormContent) -> list[Block]:
    """Title, month, intro, municipality, legend and the instruction line."""
    out: list[Block] = [P(TITLE, style="title")]
    if c.stale_month:
        out.append(P(STALE_MONTH, style="heading"))
    elif c.period is not None and not c.textbox_facts:
        out.append(P(c.period.line, style="heading"))
    if c.intro:
        out += [P(t) for t in INTRO]
    if c.textbox_facts and _facts(c):
        out.append(Para((Box(tuple(P(s.line) for s in _facts(c))),)))
    elif c.municipality is not None:
        out.append(P(c.municipality.line))
    if c.stale_month and c.period is not None and not c.textbox_facts:
        out.append(P(c.period.line))
    if c.legend:
        out.append(P(LEGEND))
    out += [P(""), P(INSTRUCTION)]
    return out


def back(c: FormContent) -> list[Block]:
    """The signature lines after the last question, when the habit keeps them."""
    if not c.signature:
        return []
    year, month = (c.year + 1, 1) if c.month == 12 else (c.year, c.month + 1)
    return [P(""), P(f"Datum: {year:04d}-{month:02d}-02"), P("Ifylld av: trygghetssamordnaren")]


def _impact_line(c: FormContent, it: Item, sym_ok: bool) -> list[Block]:
    label = c.impact_label
    if c.v.impact == "matrix_x":
        return [P(f"{label}:"), matrix(it)]
    parts = impact_inlines(it, c.v.impact, sym_ok=sym_ok)
    if c.v.layout == "next_line":
        return [P(f"{label}:"), Para(parts)]
    return [Para((Run(f"{label}: "), *parts))]


def _comment_lines(c: FormContent, it: Item, *, same_line: bool) -> list[Para]:
    label = c.comment_label
    paras = [comment_para(p) for p in it.comment]
    if it.in_textbox:
        return [P(f"{label}:"), Para((Box(tuple(paras)),))]
    if not same_line or not it.comment or it.comment[0].list_kind:
        return [P(f"{label}:"), *paras]
    first = it.comment[0]
    return [Para((Run(f"{label}: "), Run(first.text, literal=first.literal))), *paras[1:]]


def _value_cell(c: FormContent, it: Item, sym_ok: bool) -> Cell:
    if it.level is None:
        return (P(""),)
    return (Para(impact_inlines(it, c.v.impact, sym_ok=sym_ok)),)


def _comment_cell(it: Item) -> Cell:
    if it.in_textbox:
        return (Para((Box(tuple(comment_para(p) for p in it.comment)),)),)
    return tuple(comment_para(p) for p in it.comment) or (P(""),)


def _running(c: FormContent, sym_ok: bool) -> list[Block]:
    out: list[Block] = []
    for n, it in enumerate(c.items):
        out.append(P(it.heading))
        if it.level is not None:
            out += _impact_line(c, it, sym_ok)
        out += _comment_lines(c, it, same_line=c.v.layout == "inline")
        out.append(P(""))
        if c.v.document == "page_breaks" and n in (1, 3):
            out.append(PAGE_BREAK)
    return out


def _table1(c: FormContent, sym_ok: bool) -> Grid:
    rows = []
    for it in c.items:
        cell: list[Para] = [P(it.heading)]
        if it.level is not None:
            cell.append(Para((Run(f"{c.impact_label}: "), *impact_inlines(it, c.v.impact, sym_ok=sym_ok))))
        cell += _comment_lines(c, it, same_line=True)
        rows.append((tuple(cell),))
    return Grid(tuple(rows), (16.0,))


def _table2(c: FormContent, sym_ok: bool) -> Grid:
    rows: list[tuple[Cell, ...]] = []
    for it in c.items:
        fraga = it.heading.startswith("Fråga ")
        right = it.heading.split(", ", 1)[1] if fraga else it.heading
        rows.append(((P(f"Fråga {it.q}" if fraga else "Område"),), (P(right),)))
        if it.level is not None:
            rows.append(((P(c.impact_label),), _value_cell(c, it, sym_ok)))
        rows.append(((P(c.comment_label),), _comment_cell(it)))
    return Grid(tuple(rows), (3.5, 12.5))


def _table3(c: FormContent, sym_ok: bool) -> Grid:
    if c.v.impact == "matrix_x":
        head: tuple[Cell, ...] = ((P("Fråga"),), *((P(str(n)),) for n in range(1, 6)), (P(c.comment_label),))
        rows = [head]
        for it in c.items:
            on = ticks(it) if it.level is not None else ()
            marks = tuple((P("X" if n in on else ""),) for n in range(1, 6))
            rows.append(((P(it.cell_heading),), *marks, _comment_cell(it)))
        return Grid(tuple(rows), (4.0, 1.0, 1.0, 1.0, 1.0, 1.0, 7.0))
    rows = [((P("Fråga"),), (P(c.grid_impact_label),), (P(c.comment_label),))]
    rows += [((P(it.cell_heading),), _value_cell(c, it, sym_ok), _comment_cell(it)) for it in c.items]
    return Grid(tuple(rows), (4.5, 3.0, 8.5))


def _cell_lines(c: FormContent, sym_ok: bool) -> Grid:
    rows = []
    for it in c.items:
        right: list[Para] = []
        if it.level is not None:
            right.append(Para((Run(f"{c.impact_label}: "), *impact_inlines(it, c.v.impact, sym_ok=sym_ok))))
        right += _comment_lines(c, it, same_line=True)
        rows.append(((P(it.heading),), tuple(right)))
    return Grid(tuple(rows), (6.0, 10.0))


def _transposed(c: FormContent, sym_ok: bool) -> Grid:
    head: tuple[Cell, ...] = ((P("Fråga"),), *((P(it.cell_heading),) for it in c.items))
    rows = [head]
    if c.v.impact == "matrix_x":
        for n in range(1, 6):
            marks = tuple((P("X" if it.level is not None and n in ticks(it) else ""),) for it in c.items)
            rows.append(((P(f"{c.impact_label} {n}"),), *marks))
    else:
        rows.append(((P(c.impact_label),), *(_value_cell(c, it, sym_ok) for it in c.items)))
    rows.append(((P(c.comment_label),), *(_comment_cell(it) for it in c.items)))
    width = 21.5 / max(1, len(c.items))  # a landscape page
    return Grid(tuple(rows), (2.5, *(width,) * len(c.items)))


_TABLES = {"table1": _table1, "table2": _table2, "table3": _table3, "cell_lines": _cell_lines,
           "transposed": _transposed}


def page_parts(c: FormContent) -> tuple[tuple[Para, ...], tuple[Para, ...]]:
    """The page header (the form's title) and footer (page numbers), when the document has them."""
    if c.v.document != "header_footer":
        return (), ()
    header = (P(f"Länsstyrelsen Dalarna · {TITLE}"),)
    footer = (Para((Run("Sida "), PageNo("PAGE", "1"), Run(" av "), PageNo("NUMPAGES", "2"))),)
    return header, footer


def page(c: FormContent, *, sym_ok: bool = True) -> Page:
    """The form as a Word-like page. `sym_ok` False draws Wingdings boxes as Unicode boxes."""
    body = front(c)
    if c.v.layout in ("inline", "next_line"):
        body += _running(c, sym_ok)
    else:
        if c.v.document == "page_breaks":
            body.append(PAGE_BREAK)
        body.append(_TABLES[c.v.layout](c, sym_ok))
    body += back(c)
    header, footer = page_parts(c)
    # Seven questions side by side only fit on a landscape page.
    return Page(tuple(body), header, footer, landscape=c.v.layout == "transposed")


def inline_text(part: Inline) -> str:
    """What a print shows for one inline part (tracked changes accepted)."""
    from tests.builders import resolve_markup
    from tests.variants.model import FormField, Sdt, Sym

    if isinstance(part, Run):
        return part.text if part.literal else resolve_markup(part.text)
    if isinstance(part, Sym):
        return part.text
    if isinstance(part, (Sdt, FormField)):
        return part.value
    if isinstance(part, PageNo):
        return part.shown
    return ""


__all__ = ["back", "comment_para", "front", "inline_text", "page", "page_parts"]
