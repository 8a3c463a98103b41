"""Word documents: a small document model, the form layouts, and a .docx renderer.

`layout(filled, kind)` turns a `Filled` form into a `Doc` (paragraphs, tables,
content controls, legacy form fields, text boxes) the way a coordinator's
Word file is built; `render_docx(doc)` writes it with python-docx, dropping to
raw WordprocessingML (lxml) where python-docx has no API: tracked changes,
content controls, legacy form fields, text boxes, header/footer fields. The
same `Doc` is also rendered to plain text, ODT and PDF by the other builders,
so all formats carry identical content.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import docx
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm

from tests.builders import (
    INSTRUCTION,
    INTRO,
    LEGEND,
    LEVELS,
    PAGE_BREAK,
    Entry,
    Filled,
    bullet_text,
    short_name,
    split_markup,
    template_heading,
    variant_heading,
)

# --------------------------------------------------------------------------
# Document model
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """Running text; may hold inline markup ([-del-], [+ins+], \\n, \\t)."""

    text: str
    bold: bool = False


@dataclass(frozen=True)
class Control:
    """An inline content control (w:sdt).

    kind: "text", "dropdown", "checkbox", "date", "placeholder".
    `value` is the displayed text; a placeholder shows `value` greyed out
    with w:showingPlcHdr set.
    """

    kind: str
    value: str = ""
    checked: bool = False
    tag: str = ""
    alias: str = ""
    items: tuple[tuple[str, str], ...] = ()
    full_date: str = ""


@dataclass(frozen=True)
class FormField:
    """A legacy form field (FORMTEXT, FORMDROPDOWN, FORMCHECKBOX).

    For a dropdown, `value` must be one of `items` (index stored in w:result).
    An empty FORMTEXT shows Word's five en spaces.
    """

    kind: str
    value: str = ""
    checked: bool = False
    items: tuple[str, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class PageField:
    """A field such as PAGE / NUMPAGES showing `shown`."""

    instr: str
    shown: str


@dataclass(frozen=True)
class TextBox:
    """A floating text box (wps:txbx with a VML fallback holding the same text)."""

    paras: tuple[Para, ...]


Inline = Text | Control | FormField | PageField | TextBox


@dataclass(frozen=True)
class Para:
    """A paragraph: inline parts and an optional style name ("List Bullet", "Title")."""

    parts: tuple[Inline, ...]
    style: str | None = None


@dataclass(frozen=True)
class BlockControl:
    """A block-level rich-text content control wrapping whole paragraphs."""

    paras: tuple[Para, ...]
    tag: str = ""
    alias: str = ""


Cell = tuple[Para, ...]


@dataclass(frozen=True)
class Table:
    """A table of cells; each cell holds paragraphs."""

    rows: tuple[tuple[Cell, ...], ...]
    widths_cm: tuple[float, ...] = ()


Block = Para | BlockControl | Table


@dataclass(frozen=True)
class Doc:
    """A whole document: body blocks plus page header and footer."""

    body: tuple[Block, ...]
    header: tuple[Para, ...] = ()
    footer: tuple[Para, ...] = ()
    split_runs: bool = False
    protected_form: bool = False


def P(*parts: Inline | str, style: str | None = None) -> Para:
    """Shorthand: a paragraph from strings and inline parts."""
    return Para(tuple(Text(p) if isinstance(p, str) else p for p in parts), style)


# --------------------------------------------------------------------------
# Plain-text view of the model (used by the txt, odt and reportlab builders)
# --------------------------------------------------------------------------

BOX_ON, BOX_OFF = "☒", "☐"


def inline_text(part: Inline) -> str:
    """What a reader sees for one inline part (tracked changes accepted)."""
    if isinstance(part, Text):
        return "".join(t for kind, t, _ in split_markup(part.text) if kind != "del")
    if isinstance(part, Control):
        if part.kind == "checkbox":
            return BOX_ON if part.checked else BOX_OFF
        return part.value
    if isinstance(part, FormField):
        if part.kind == "checkbox":
            return BOX_ON if part.checked else BOX_OFF
        return part.value
    if isinstance(part, PageField):
        return part.shown
    return ""  # a text box's paragraphs are listed after its anchor paragraph


def para_text(para: Para) -> str:
    """The visible text of a paragraph (bullet items get a literal "• ")."""
    text = "".join(inline_text(p) for p in para.parts)
    if para.style == "List Bullet":
        text = "• " + text
    return text


def para_lines(para: Para) -> list[str]:
    """A paragraph's own lines followed by the lines of any text box it anchors."""
    lines = para_text(para).split("\n")
    if not any(lines) and any(isinstance(p, TextBox) for p in para.parts):
        lines = []
    for part in para.parts:
        if isinstance(part, TextBox):
            for inner in part.paras:
                lines.extend(para_lines(inner))
    return lines


def block_paras(block: Block) -> list[Para]:
    """The paragraphs of a block in reading order (table cells row by row)."""
    if isinstance(block, Para):
        return [block]
    if isinstance(block, BlockControl):
        return list(block.paras)
    return [p for row in block.rows for cell in row for p in cell]


def doc_lines(doc: Doc, with_header: bool = False, page_breaks: bool = False) -> list[str]:
    """The document as plain lines, one per paragraph line.

    A page break is a line "\\f" when `page_breaks`, else an empty line.
    """
    out: list[str] = []
    if with_header:
        for p in doc.header:
            out.extend(para_lines(p))
    for block in doc.body:
        for p in block_paras(block):
            out.extend(para_lines(p))
    if with_header:
        for p in doc.footer:
            out.extend(para_lines(p))
    return [line if page_breaks or line != PAGE_BREAK else "" for line in out]


# --------------------------------------------------------------------------
# Layouts: a Filled form -> Doc
# --------------------------------------------------------------------------

BOX_STYLES: dict[str, tuple[str, str, str]] = {
    # style: (ticked, empty, format) -- format places box {b} and number {n}
    "unicode": ("☒", "☐", "{b}{n}"),
    "ballot": ("☑", "☐", "{b} {n}"),
    "brackets": ("[X]", "[ ]", "{b} {n}"),
    "parens": ("(x)", "( )", "{b} {n}"),
}


def box_row(ticks: Sequence[int], style: str = "unicode") -> str:
    """A checkbox row "☐1 ☐2 ☒3 ☐4 ☐5" with `ticks` ticked."""
    on, off, fmt = BOX_STYLES[style]
    sep = "  " if style in ("brackets", "parens") else " "
    return sep.join(fmt.format(b=on if n in ticks else off, n=n) for n in range(1, 6))


def _sep(f: Filled) -> str:
    """What follows a label's colon: a space, a non-breaking space or a tab."""
    if "tab_after_label" in f.noise:
        return ":\t"
    return ":\u00a0" if "nbsp" in f.noise else ": "


def _colon(label: str, value: str, f: Filled) -> str:
    return f"{label}{_sep(f)}{value}" if value else f"{label}:"


def _comment_para(text: str) -> Para:
    is_bullet, body = bullet_text(text)
    return P(body, style="List Bullet") if is_bullet else P(text)


def labels(f: Filled) -> tuple[str, str]:
    """(impact label, comment label) as this coordinator's copy of the form words them."""
    if "alias_labels" in f.noise:
        return "Påverkansgrad", "Kommentarer"
    return "Påverkan", "Kommentar"


def impact_paras(e: Entry, f: Filled, label: str = "", untouched: str = "1-5") -> list[Para]:
    """The impact line(s) of an entry in running text."""
    label = label or labels(f)[0]
    nbsp = "nbsp" in f.noise
    if e.line is not None:
        return [P(e.line)]
    if e.ticks is not None:
        return [P(_colon(label, box_row(e.ticks, e.box), f))]
    if nbsp and untouched == "1-5":
        untouched = "1\u20135"  # Word's AutoFormat turns "1-5" into "1–5"
    value = e.typed if e.typed is not None else untouched
    if e.impact_next_line:
        return [P(f"{label}:"), P(value)]
    if "bold_values" in f.noise and e.typed:
        return [P(Text(f"{label}{_sep(f)}"), Text(value, bold=True))]
    if not value:
        return [P(f"{label}: ")]  # the variant form leaves "Påverkan 1-5: " with a space
    return [P(_colon(label, value, f))]


def comment_paras(e: Entry, f: Filled, label: str = "") -> list[Para]:
    """The comment of an entry, with or without its label, per the comment style."""
    label = label or labels(f)[1]
    style = e.comment_style or f.comment_style
    paras = list(e.comment)
    if style == "omit":
        return []  # the comment was typed on the impact line (see Entry.line)
    if "blank_lines" in f.noise and paras:
        # Enter pressed twice: empty paragraphs after the label and between paragraphs.
        spaced: list[str] = [""]
        for p in paras:
            spaced += [p, ""]
        paras = spaced
    if e.comment_in_textbox:
        box = TextBox(tuple(_comment_para(p) for p in paras))
        return [P(f"{label}:"), Para((box,))]
    if style == "no_label":
        return [_comment_para(p) for p in paras]
    if style == "next_lines" or not paras or not paras[0] or bullet_text(paras[0])[0]:
        return [P(f"{label}:")] + [_comment_para(p) for p in paras]
    return [P(_colon(label, paras[0], f))] + [_comment_para(p) for p in paras[1:]]


def _title_block(f: Filled, title: str) -> list[Block]:
    if "facts_in_title" in f.noise:
        # "Lägesbild sociala risker – Mora kommun, oktober 2026" and nothing else.
        facts = ", ".join(s.value for s in (f.municipality, f.period) if s is not None)
        return [P(f"Lägesbild sociala risker – {facts}", style="Title")]
    blocks: list[Block] = [P(title, style="Title")]
    if "textbox_header" in f.noise:
        inner = tuple(P(s.line) for s in (f.municipality, f.period) if s is not None)
        blocks.append(Para((TextBox(inner),)))
        return blocks
    if f.period is not None:
        blocks.append(P(f.period.line, style="Heading 1"))
    return blocks


def _municipality_block(f: Filled) -> list[Block]:
    blocks: list[Block] = []
    if f.municipality is not None and not {"textbox_header", "facts_in_title"} & f.noise:
        blocks.append(P(f.municipality.line))
    if "date_line" in f.noise and f.period is not None and f.period.ym is not None:
        # Written in the first days of the next month; the date is not the period.
        year, month = f.period.ym
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        blocks += [P(f"Datum: {year:04d}-{month:02d}-02"),
                   P("Ifylld av: trygghetssamordnare, tfn 0243-740 00")]
    return blocks


def _heading(e: Entry, f: Filled) -> Para:
    if e.heading:
        return P(e.heading)
    if "numbered_headings" in f.noise:
        # Word's automatic numbering: the "1." is not part of the paragraph text.
        text = variant_heading(e.q)
        return P(text, style="List Number")
    return P(template_heading(e.q))


def _question_block(e: Entry, f: Filled) -> list[Para]:
    paras = [_heading(e, f)]
    if e.q != 7 or e.line is not None:
        paras += impact_paras(e, f)
    paras += comment_paras(e, f)
    if "soft_breaks" in f.noise:
        # The whole answer typed with Shift+Enter: one paragraph, many lines.
        return [P("\n".join(para_text(p) for p in paras))]
    return paras


def _page_parts(f: Filled) -> tuple[tuple[Para, ...], tuple[Para, ...]]:
    header = (P(f.header_text),) if "header" in f.noise else ()
    footer: tuple[Para, ...] = ()
    if "footer" in f.noise:
        footer = (P("Sida ", PageField("PAGE", "1"), " av ", PageField("NUMPAGES", "2"),
                    " · Lägesbild sociala risker"),)
    return header, footer


def _doc(f: Filled, body: list[Block], protected: bool = False) -> Doc:
    header, footer = _page_parts(f)
    return Doc(tuple(body), header, footer, split_runs="split_runs" in f.noise,
               protected_form=protected)


def _intro(f: Filled) -> list[Block]:
    blocks: list[Block] = []
    if "legend" in f.noise:
        blocks.append(P(LEGEND))
    if "no_intro" not in f.noise:
        blocks.extend(P(t) for t in INTRO)
    return blocks


def layout_template(f: Filled) -> Doc:
    """The county's template, filled in by typing over "1-5" and after "Kommentar:"."""
    body: list[Block] = _title_block(f, "Mall för lägesbildsinsamling -\nSociala risker")
    body += _intro(f)
    body += _municipality_block(f)
    body += [P(""), P(INSTRUCTION), P("")]
    for e in f.entries:
        body += _question_block(e, f)
        body.append(P(""))
    return _doc(f, body)


def layout_subtables(f: Filled) -> Doc:
    """Each question a heading and a small table: "Påverkan (1-5)" | "Kommentar" over the answers."""
    body: list[Block] = _title_block(f, "Mall för lägesbildsinsamling -\nSociala risker")
    body += _intro(f)
    body += _municipality_block(f)
    body += [P(""), P(INSTRUCTION)]
    for e in f.entries:
        body.append(_heading(e, f))
        if e.q == 7:
            body.append(Table((((P("Kommentar"),),), (_comment_cell(e),)), (16.0,)))
        else:
            body.append(Table(((_cell("Påverkan (1-5)"), _cell("Kommentar")),
                               (_cell(_typed_cell(e)), _comment_cell(e))), (3.0, 13.0)))
        body.append(P(""))
    return _doc(f, body)


def layout_variant(f: Filled) -> Doc:
    """The variant without "Fråga N": "Short: question?" then "Påverkan 1-5: "."""
    body: list[Block] = [P("Lägesbild – sociala risker", style="Title")]
    if f.municipality is not None:
        body.append(P(f.municipality.line))
    if f.period is not None:
        body.append(P(f.period.line))
    if "legend" in f.noise:
        body.append(P(LEGEND))
    body.append(P(""))
    for e in f.entries:
        body.append(P(e.heading or variant_heading(e.q)))
        if e.q != 7:
            body += impact_paras(e, f, label="Påverkan 1-5", untouched="")
        body += comment_paras(e, f)
        body.append(P(""))
    return _doc(f, body)


def _header_paras(f: Filled, title: str = "Lägesbild sociala risker") -> list[Block]:
    body: list[Block] = [P(title, style="Title")]
    for s in (f.municipality, f.period):
        if s is not None:
            body.append(P(s.line))
    body += _intro(f)[:1] if "legend" in f.noise else []
    body.append(P(""))
    return body


def layout_table1(f: Filled) -> Doc:
    """A one-column table: one row per question holding heading, impact and comment."""
    rows: list[tuple[Cell, ...]] = []
    for e in f.entries:
        cell: list[Para] = [P(e.heading or template_heading(e.q))]
        if e.q != 7:
            cell += impact_paras(e, f)
        cell += comment_paras(e, f)
        rows.append((tuple(cell),))
    return _doc(f, _header_paras(f) + [P(INSTRUCTION), Table(tuple(rows))])


def _cell(text: str) -> Cell:
    return (P(text),)


def _comment_cell(e: Entry) -> Cell:
    paras = [p for p in e.comment if p != PAGE_BREAK]
    if not paras:
        return (P(""),)
    return tuple(_comment_para(p) for p in paras)


def _typed_cell(e: Entry) -> str:
    if e.ticks is not None:
        return box_row(e.ticks, e.box)
    return e.typed or ""


def layout_table2(f: Filled) -> Doc:
    """A two-column label | value table, municipality and month included."""
    rows: list[tuple[Cell, ...]] = []
    if f.municipality is not None:
        rows.append((_cell(f.municipality.label or "Kommun"), _cell(f.municipality.value)))
    if f.period is not None:
        rows.append((_cell(f.period.label or "Månad"), _cell(f.period.value)))
    for e in f.entries:
        q = e.q
        heading = e.heading or f"{short_name(q)}: {template_heading(q).split(': ', 1)[-1]}"
        rows.append((_cell(f"Fråga {q}"), _cell(heading)))
        if q != 7:
            rows.append((_cell("Påverkan"), _cell(_typed_cell(e))))
        rows.append((_cell("Kommentar"), _comment_cell(e)))
    body: list[Block] = [P("Lägesbild sociala risker", style="Title"), P(INSTRUCTION),
                         Table(tuple(rows), (3.5, 12.5))]
    return _doc(f, body)


def layout_table3(f: Filled) -> Doc:
    """A three-column table "Fråga | Påverkan (1-5) | Kommentar", one row per question."""
    rows: list[tuple[Cell, ...]] = [(_cell("Fråga"), _cell("Påverkan (1-5)"), _cell("Kommentar"))]
    for e in f.entries:
        heading = e.heading or f"{e.q}. {short_name(e.q)}"
        impact = ("-" if "q7_dash" in f.noise else "") if e.q == 7 else _typed_cell(e)
        rows.append((_cell(heading), _cell(impact), _comment_cell(e)))
    return _doc(f, _header_paras(f) + [Table(tuple(rows), (4.5, 2.5, 9.0))])


_DROPDOWN_ITEMS = tuple((f"{v} – {name}", str(v)) for v, name in LEVELS.items())
_PLACEHOLDER_CHOICE = "Välj ett objekt."
_PLACEHOLDER_TEXT = "Klicka eller tryck här för att ange text."


def _control_impact(e: Entry) -> list[Para]:
    alias, tag = f"Påverkan fråga {e.q}", f"paverkan{e.q}"
    if e.control == "none" or e.line is not None:
        return [P(e.line or f"Påverkan: {e.typed or '1-5'}")]
    if e.control == "checkbox":
        parts: list[Inline | str] = ["Påverkan: "]
        for n in range(1, 6):
            parts += [Control("checkbox", checked=n in (e.ticks or ()), tag=f"{tag}_{n}"), f"{n} "]
        return [P(*parts)]
    if e.control == "dropdown":
        return [P("Påverkan: ", Control("dropdown", e.typed or "", tag=tag, alias=alias,
                                        items=_DROPDOWN_ITEMS))]
    if e.control == "placeholder":
        return [P("Påverkan: ", Control("placeholder", _PLACEHOLDER_CHOICE, tag=tag, alias=alias,
                                        items=_DROPDOWN_ITEMS))]
    return [P("Påverkan: ", Control("text", e.typed or "", tag=tag, alias=alias))]


def _control_comment(e: Entry) -> list[Block]:
    alias, tag = f"Kommentar fråga {e.q}", f"kommentar{e.q}"
    if e.comment_control == "placeholder":
        return [P("Kommentar: ", Control("placeholder", _PLACEHOLDER_TEXT, tag=tag, alias=alias))]
    if e.comment_control == "block" or len(e.comment) > 1:
        return [P("Kommentar:"), BlockControl(tuple(_comment_para(p) for p in e.comment),
                                              tag=tag, alias=alias)]
    if e.comment_control == "none":
        return list(comment_paras(e, Filled((), None, None)))
    return [P("Kommentar: ", Control("text", e.comment[0] if e.comment else "", tag=tag,
                                     alias=alias))]


def layout_controls(f: Filled) -> Doc:
    """The template turned into a form with content controls (text, dropdown, checkbox, date)."""
    body: list[Block] = [P("Mall för lägesbildsinsamling -\nSociala risker", style="Title")]
    if f.period is not None:
        p = f.period
        if p.style in ("lower_year", "avser", "month_year") and p.ym is not None:
            year, month = p.ym
            ctl = Control("date", p.value, alias="Månad", tag="manad",
                          full_date=f"{year:04d}-{month:02d}-01T00:00:00Z")
        else:
            ctl = Control("text", p.value, alias="Månad", tag="manad")
        body.append(P(f"{p.label or 'Månad'}: ", ctl, style="Heading 1"))
    body += _intro(f)
    if f.municipality is not None:
        m = f.municipality
        body.append(P(f"{m.label or 'Kommun'}: ", Control("text", m.value, alias="Kommun",
                                                          tag="kommun")))
    body += [P(""), P(INSTRUCTION), P("")]
    for e in f.entries:
        body.append(P(e.heading or template_heading(e.q)))
        if e.q != 7:
            body += _control_impact(e)
        body += _control_comment(e)
        body.append(P(""))
    return _doc(f, body)


_LEGACY_ITEMS = ("Välj", "1 - Normalt", "2 - Avvikande", "3 - Oroande", "4 - Allvarligt",
                 "5 - Kritiskt")


def _legacy_impact(e: Entry) -> Para:
    if e.control == "checkbox":
        parts: list[Inline | str] = ["Påverkan: "]
        for n in range(1, 6):
            parts += [FormField("checkbox", checked=n in (e.ticks or ()), name=f"Kryss{e.q}{n}"),
                      f" {n}  "]
        return P(*parts)
    if e.control == "dropdown":
        return P("Påverkan: ", FormField("dropdown", e.typed or "Välj", items=_LEGACY_ITEMS,
                                         name=f"Paverkan{e.q}"))
    return P("Påverkan: ", FormField("text", e.typed or "", name=f"Paverkan{e.q}"))


def layout_legacy(f: Filled) -> Doc:
    """The template as an old protected form with FORMTEXT/FORMDROPDOWN/FORMCHECKBOX fields."""
    body: list[Block] = [P("Mall för lägesbildsinsamling -\nSociala risker", style="Title")]
    if f.period is not None:
        body.append(P(f"{f.period.label or 'Månad'}: ",
                      FormField("text", f.period.value, name="Manad")))
    body += _intro(f)
    if f.municipality is not None:
        body.append(P(f"{f.municipality.label or 'Kommun'}: ",
                      FormField("text", f.municipality.value, name="Kommun")))
    body += [P(""), P(INSTRUCTION), P("")]
    for e in f.entries:
        body.append(P(e.heading or template_heading(e.q)))
        if e.q != 7:
            body.append(_legacy_impact(e))
        body.append(P("Kommentar: ", FormField("text", "\n".join(e.comment),
                                               name=f"Kommentar{e.q}")))
        body.append(P(""))
    return _doc(f, body, protected=True)


LAYOUTS = {
    "template": layout_template,
    "variant": layout_variant,
    "table1": layout_table1,
    "table2": layout_table2,
    "table3": layout_table3,
    "subtables": layout_subtables,
    "controls": layout_controls,
    "legacy": layout_legacy,
}


def layout(f: Filled, kind: str = "template") -> Doc:
    """The document for `f` in layout `kind` (one of LAYOUTS)."""
    return LAYOUTS[kind](f)


# --------------------------------------------------------------------------
# Rendering to WordprocessingML
# --------------------------------------------------------------------------

_WPS_NS = (
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:w10="urn:schemas-microsoft-com:office:word" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
)
_AUTHOR = 'w:author="Samordnare" w:date="2026-10-28T09:12:00Z"'


class _Ids:
    """Unique ids for w:ins/w:del, sdt, drawings within one document."""

    def __init__(self) -> None:
        self.n = 100

    def next(self) -> int:
        self.n += 1
        return self.n


def _chunks(text: str, split: bool) -> list[str]:
    """Word splits runs at arbitrary points (spell-check, rsids); mimic it deterministically."""
    if not split or len(text) < 4:
        return [text]
    out, pos, step = [], 0, 3
    while pos < len(text):
        out.append(text[pos:pos + step])
        pos += step
        step = 7 if step == 3 else 3
    return out


def _run(text: str, *, bold: bool = False, grey: bool = False, tag: str = "w:t",
         font: str | None = None) -> list[object]:
    """Runs for `text`: \\n becomes w:br, \\t becomes w:tab."""
    r = OxmlElement("w:r")
    if bold or grey or font:
        rpr = OxmlElement("w:rPr")
        if font:
            fonts = OxmlElement("w:rFonts")
            for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
                fonts.set(qn(attr), font)
            rpr.append(fonts)
        if bold:
            rpr.append(OxmlElement("w:b"))
        if grey:
            color = OxmlElement("w:color")
            color.set(qn("w:val"), "808080")
            rpr.append(color)
        r.append(rpr)
    if text == PAGE_BREAK:
        br = OxmlElement("w:br")
        br.set(qn("w:type"), "page")
        r.append(br)
        return [r]
    for i, line in enumerate(text.split("\n")):
        if i:
            r.append(OxmlElement("w:br"))
        for j, piece in enumerate(line.split("\t")):
            if j:
                r.append(OxmlElement("w:tab"))
            if piece:
                t = OxmlElement(tag)
                t.text = piece
                t.set(qn("xml:space"), "preserve")
                r.append(t)
    return [r]


class _Renderer:
    def __init__(self, document: docx.document.Document, doc: Doc) -> None:
        self.document = document
        self.doc = doc
        self.ids = _Ids()
        self.notes: list[tuple[str, str]] = []

    def style_id(self, name: str) -> str:
        return str(self.document.styles[name].style_id)

    # -- inlines ---------------------------------------------------------
    def text(self, part: Text) -> list[object]:
        out: list[object] = []
        for kind, chunk, extra in split_markup(part.text):
            if kind == "text":
                for piece in _chunks(chunk, self.doc.split_runs):
                    out += _run(piece, bold=part.bold)
            elif kind == "link":
                out.append(self.hyperlink(chunk, extra))
            elif kind == "note":
                out += self.noted(chunk, extra)
            elif kind == "del":
                wrap = parse_xml(f'<w:del {nsdecls("w")} w:id="{self.ids.next()}" {_AUTHOR}/>')
                for r in _run(chunk, tag="w:delText"):
                    wrap.append(r)
                out.append(wrap)
            else:
                wrap = parse_xml(f'<w:ins {nsdecls("w")} w:id="{self.ids.next()}" {_AUTHOR}/>')
                for r in _run(chunk, bold=part.bold):
                    wrap.append(r)
                out.append(wrap)
        return out

    def hyperlink(self, text: str, url: str) -> object:
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        rid = self.document.part.relate_to(url, RT.HYPERLINK, is_external=True)
        link = parse_xml(f'<w:hyperlink {nsdecls("w", "r")} r:id="{rid}" w:history="1"/>')
        r = _run(text)[0]
        rpr = parse_xml(f'<w:rPr {nsdecls("w")}><w:color w:val="0563C1"/><w:u w:val="single"/></w:rPr>')
        r.insert(0, rpr)  # type: ignore[attr-defined]
        link.append(r)
        return link

    def noted(self, text: str, note: str) -> list[object]:
        """`text` with a Word review comment `note` attached (comments.xml)."""
        self.notes.append((text, note))
        r = _run(text)[0]
        r.set(qn("w:rsidR"), f"00{len(self.notes):06d}")  # type: ignore[attr-defined]
        return [r]

    def control(self, c: Control) -> object:
        sdt = OxmlElement("w:sdt")
        pr = OxmlElement("w:sdtPr")
        for tag, val in (("w:alias", c.alias), ("w:tag", c.tag)):
            if val:
                el = OxmlElement(tag)
                el.set(qn("w:val"), val)
                pr.append(el)
        ident = OxmlElement("w:id")
        ident.set(qn("w:val"), str(self.ids.next()))
        pr.append(ident)
        if c.kind in ("text", "placeholder", "dropdown", "date"):
            ph = parse_xml(f'<w:placeholder {nsdecls("w")}><w:docPart '
                           'w:val="DefaultPlaceholder_-1854013440"/></w:placeholder>')
            pr.append(ph)
        if c.kind == "placeholder":
            pr.append(OxmlElement("w:showingPlcHdr"))
        if c.kind in ("dropdown",) or (c.kind == "placeholder" and c.items):
            dd = OxmlElement("w:dropDownList")
            if c.kind == "placeholder":
                item = OxmlElement("w:listItem")
                item.set(qn("w:value"), "")
                item.set(qn("w:displayText"), _PLACEHOLDER_CHOICE)
                dd.append(item)
            for display, value in c.items:
                item = OxmlElement("w:listItem")
                item.set(qn("w:displayText"), display)
                item.set(qn("w:value"), value)
                dd.append(item)
            pr.append(dd)
        elif c.kind in ("text", "placeholder"):
            pr.append(OxmlElement("w:text"))
        elif c.kind == "date":
            pr.append(parse_xml(
                f'<w:date {nsdecls("w")} w:fullDate="{c.full_date}"><w:dateFormat w:val="MMMM yyyy"/>'
                '<w:lid w:val="sv-SE"/><w:storeMappedDataAs w:val="dateTime"/>'
                '<w:calendar w:val="gregorian"/></w:date>'))
        elif c.kind == "checkbox":
            pr.append(parse_xml(
                f'<w14:checkbox {nsdecls("w14")}><w14:checked w14:val="{int(c.checked)}"/>'
                '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
                '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox>'))
        sdt.append(pr)
        sdt.append(OxmlElement("w:sdtEndPr"))
        content = OxmlElement("w:sdtContent")
        if c.kind == "checkbox":
            runs = _run(BOX_ON if c.checked else BOX_OFF, font="MS Gothic")
        else:
            runs = _run(c.value, grey=c.kind == "placeholder")
        for r in runs:
            content.append(r)
        sdt.append(content)
        return sdt

    def form_field(self, f: FormField) -> list[object]:
        name = f.name or f"Text{self.ids.next()}"
        if f.kind == "text":
            spec = "<w:textInput/>"
        elif f.kind == "dropdown":
            idx = f.items.index(f.value) if f.value in f.items else 0
            entries = "".join(f'<w:listEntry w:val="{_xml_attr(i)}"/>' for i in f.items)
            spec = f'<w:ddList><w:result w:val="{idx}"/>{entries}</w:ddList>'
        else:
            checked = "<w:checked/>" if f.checked else ""
            spec = f'<w:checkBox><w:sizeAuto/><w:default w:val="0"/>{checked}</w:checkBox>'
        begin = parse_xml(
            f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"><w:ffData>'
            f'<w:name w:val="{_xml_attr(name)}"/><w:enabled/><w:calcOnExit w:val="0"/>{spec}'
            '</w:ffData></w:fldChar></w:r>')
        instr = {"text": "FORMTEXT", "dropdown": "FORMDROPDOWN", "checkbox": "FORMCHECKBOX"}[f.kind]
        out: list[object] = [begin, parse_xml(
            f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>')]
        if f.kind != "checkbox":
            out.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>'))
        if f.kind == "text":
            # An unfilled FORMTEXT shows five en spaces.
            out += _run(f.value if f.value else "\u2002" * 5)
        out.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))
        return out

    def page_field(self, f: PageField) -> object:
        fld = parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" {f.instr} "/>')
        for r in _run(f.shown):
            fld.append(r)
        return fld

    def text_box(self, box: TextBox) -> object:
        n = self.ids.next()
        inner = "".join(_tostring(self.paragraph(p)) for p in box.paras)
        height = 300000 * max(1, len(box.paras)) + 200000
        z = f"z-index:{n};mso-wrap-style:square"
        xml = f"""<w:r {nsdecls("w", "wp", "a")} {_WPS_NS}>
<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>
<wp:anchor distT="45720" distB="45720" distL="114300" distR="114300" simplePos="0"
 relativeHeight="{251659264 + n}" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">
<wp:simplePos x="0" y="0"/>
<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>
<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>
<wp:extent cx="5400000" cy="{height}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>
<wp:wrapTopAndBottom/><wp:docPr id="{n}" name="Textruta {n}"/><wp:cNvGraphicFramePr/>
<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">
<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/>
<a:ext cx="5400000" cy="{height}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>
<a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill><a:ln w="9525"><a:solidFill>
<a:srgbClr val="000000"/></a:solidFill></a:ln></wps:spPr>
<wps:txbx><w:txbxContent>{inner}</w:txbxContent></wps:txbx>
<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="91440" tIns="45720" rIns="91440" bIns="45720"
 anchor="t" anchorCtr="0"><a:spAutoFit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic>
</wp:anchor></w:drawing></mc:Choice>
<mc:Fallback><w:pict><v:shape id="Textruta{n}" o:spid="_x0000_s{1025 + n}" type="#_x0000_t202"
 style="position:absolute;margin-left:0;margin-top:0;width:425pt;height:{height // 12700}pt;{z}"
 strokecolor="black"><v:textbox style="mso-fit-shape-to-text:t"><w:txbxContent>{inner}</w:txbxContent>
</v:textbox><w10:wrap type="topAndBottom"/></v:shape></w:pict></mc:Fallback>
</mc:AlternateContent></w:r>"""
        return parse_xml(xml)

    # -- blocks ----------------------------------------------------------
    def paragraph(self, para: Para) -> object:
        p = OxmlElement("w:p")
        if para.style:
            ppr = OxmlElement("w:pPr")
            ps = OxmlElement("w:pStyle")
            ps.set(qn("w:val"), self.style_id(para.style))
            ppr.append(ps)
            p.append(ppr)
        for part in para.parts:
            if isinstance(part, Text):
                for el in self.text(part):
                    p.append(el)
            elif isinstance(part, Control):
                p.append(self.control(part))
            elif isinstance(part, FormField):
                for el in self.form_field(part):
                    p.append(el)
            elif isinstance(part, PageField):
                p.append(self.page_field(part))
            else:
                p.append(self.text_box(part))
        return p

    def attach_notes(self) -> None:
        """Turn the runs marked by `noted` into anchors of real review comments."""
        from docx.text.paragraph import Paragraph
        from docx.text.run import Run

        body = self.document.element.body
        for i, (_, note) in enumerate(self.notes, start=1):
            mark = f"00{i:06d}"
            r = next(el for el in body.iter(qn("w:r")) if el.get(qn("w:rsidR")) == mark)
            del r.attrib[qn("w:rsidR")]
            p = r.getparent()
            while p.tag != qn("w:p"):
                p = p.getparent()
            run = Run(r, Paragraph(p, self.document._body))
            self.document.add_comment(run, text=note, author="Kollega", initials="K")

    def block_control(self, b: BlockControl) -> object:
        sdt = parse_xml(
            f'<w:sdt {nsdecls("w")}><w:sdtPr><w:alias w:val="{_xml_attr(b.alias)}"/>'
            f'<w:tag w:val="{_xml_attr(b.tag)}"/><w:id w:val="{self.ids.next()}"/><w:richText/>'
            '</w:sdtPr><w:sdtContent/></w:sdt>')
        content = sdt.find(qn("w:sdtContent"))
        for p in b.paras:
            content.append(self.paragraph(p))
        return sdt

    def table(self, t: Table) -> object:
        ncols = max(len(r) for r in t.rows)
        tbl = self.document.add_table(rows=len(t.rows), cols=ncols)
        tbl.style = self.document.styles["Table Grid"]
        if t.widths_cm:
            tbl.autofit = False
            for c, width in enumerate(t.widths_cm):
                tbl.columns[c].width = Cm(width)
        for r, row in enumerate(t.rows):
            for c, cell in enumerate(row):
                if t.widths_cm:
                    tbl.cell(r, c).width = Cm(t.widths_cm[c])
                tc = tbl.cell(r, c)._tc
                for old in tc.findall(qn("w:p")):
                    tc.remove(old)
                for para in cell or (P(""),):
                    tc.append(self.paragraph(para))
        el = tbl._tbl
        el.getparent().remove(el)
        return el

    def render(self) -> bytes:
        body = self.document.element.body
        for old in list(body):
            if old.tag != qn("w:sectPr"):
                body.remove(old)
        sect = body.find(qn("w:sectPr"))
        for block in self.doc.body:
            if isinstance(block, Para):
                el = self.paragraph(block)
            elif isinstance(block, BlockControl):
                el = self.block_control(block)
            else:
                el = self.table(block)
            sect.addprevious(el)
        self.attach_notes()
        section = self.document.sections[0]
        for paras, part in ((self.doc.header, section.header), (self.doc.footer, section.footer)):
            if not paras:
                continue
            part.is_linked_to_previous = False
            hdr = part._element
            for old in list(hdr):
                hdr.remove(old)
            for para in paras:
                hdr.append(self.paragraph(para))
        props = self.document.core_properties
        props.author = "Kommunal samordnare"
        props.title = "Lägesbild sociala risker"
        props.comments = ""
        if self.doc.protected_form:
            settings = self.document.settings.element
            settings.append(parse_xml(
                f'<w:documentProtection {nsdecls("w")} w:edit="forms" w:enforcement="1"/>'))
        buf = io.BytesIO()
        self.document.save(buf)
        return buf.getvalue()


def _xml_attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def _tostring(el: object) -> str:
    from lxml import etree

    xml = etree.tostring(el, encoding="unicode")
    # The fragment is re-parsed inside a larger snippet that declares the prefixes.
    return re.sub(r'\sxmlns:\w+="[^"]*"', "", xml)


def render_docx(doc: Doc) -> bytes:
    """Write `doc` as a .docx file (python-docx's default template, Swedish content)."""
    return _Renderer(docx.Document(), doc).render()


def build_docx(filled: Filled, layout_kind: str = "template", *, macro: bool = False) -> bytes:
    """A filled-in form as .docx (or .docm when `macro`) in the given layout."""
    data = render_docx(layout(filled, layout_kind))
    return to_docm(data) if macro else data


# --------------------------------------------------------------------------
# Package surgery
# --------------------------------------------------------------------------

_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def rewrite_zip(data: bytes, edit: dict[str, bytes | None], add: Iterable[tuple[str, bytes]] = ()) -> bytes:
    """Copy a zip package, replacing (or with None deleting) members and adding new ones."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in edit:
                new = edit[info.filename]
                if new is not None:
                    dst.writestr(info.filename, new)
            else:
                dst.writestr(info, src.read(info.filename))
        for name, blob in add:
            dst.writestr(name, blob)
    return out.getvalue()


def to_docm(data: bytes) -> bytes:
    """Turn a .docx into a macro-enabled .docm (content type plus a stub VBA project part)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    types = src.read("[Content_Types].xml").decode()
    types = types.replace(_DOCX_MAIN, _DOCM_MAIN)
    types = types.replace(
        "</Types>",
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    rels = src.read("word/_rels/document.xml.rels").decode()
    rels = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdVba1" Type="http://schemas.microsoft.com/office/2006/relationships/'
        'vbaProject" Target="vbaProject.bin"/></Relationships>')
    # Not a working VBA project: the parser must never need (or run) one.
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    return rewrite_zip(data, {"[Content_Types].xml": types.encode(),
                              "word/_rels/document.xml.rels": rels.encode()},
                       add=[("word/vbaProject.bin", vba)])


__all__ = [
    "BlockControl", "Control", "Doc", "FormField", "LAYOUTS", "P", "PageField", "Para", "Table",
    "Text", "TextBox", "box_row", "build_docx", "doc_lines", "layout", "render_docx",
    "rewrite_zip", "to_docm",
]
