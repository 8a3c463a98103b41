"""A small document model for the Word-like producers, and how an impact is written.

Layouts (layouts.py) build a `Page`; the producers render it: `wordml.py`
writes WordprocessingML the way Word does, `to_builder_doc` hands it to the
python-docx renderer of tests/builders, `printpdf.py` draws it with reportlab.
Run text may hold the builders' inline markup ("[-del-]", "[+ins+]") and
"\\n" (a soft line break) and "\\t".

The second half says how each impact style writes a level or an anomaly, so
every producer writes the same thing for the same item.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.builders import docx_builder as B
from tests.variants.content import LEVEL_NAMES, Item


@dataclass(frozen=True)
class Run:
    """Text (with inline markup)."""

    text: str
    bold: bool = False
    literal: bool = False  # no inline markup in `text`


@dataclass(frozen=True)
class Sym:
    """A symbol inserted with Word's Insert > Symbol: w:sym with a Wingdings code point."""

    font: str
    char: str  # hex code point in the symbol font, e.g. "F0FD"
    text: str  # the Unicode look-alike (what a print shows)


@dataclass(frozen=True)
class Sdt:
    """A content control: "dropdown", "text", "placeholder" (showing its prompt) or "combo"."""

    kind: str
    value: str
    tag: str = ""
    alias: str = ""
    items: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FormField:
    """A legacy form field: "dropdown" (FORMDROPDOWN) or "text" (FORMTEXT)."""

    kind: str
    value: str
    items: tuple[str, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class PageNo:
    """A PAGE or NUMPAGES field showing `shown`."""

    instr: str
    shown: str


@dataclass(frozen=True)
class Box:
    """A floating text box holding paragraphs."""

    paras: tuple[Para, ...]


Inline = Run | Sym | Sdt | FormField | PageNo | Box


@dataclass(frozen=True)
class Para:
    """A paragraph; style "", "title", "heading", "bullet", "number" or "pagebreak"."""

    parts: tuple[Inline, ...]
    style: str = ""


Cell = tuple[Para, ...]


@dataclass(frozen=True)
class Grid:
    """A table of cells (each a tuple of paragraphs), with column widths in cm."""

    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[float, ...] = ()


Block = Para | Grid


@dataclass(frozen=True)
class Page:
    """A whole document: body, page header and footer."""

    body: tuple[Block, ...]
    header: tuple[Para, ...] = ()
    footer: tuple[Para, ...] = ()
    landscape: bool = False


def P(*parts: Inline | str, style: str = "") -> Para:
    """A paragraph from strings and inline parts."""
    return Para(tuple(Run(p) if isinstance(p, str) else p for p in parts), style)


PAGE_BREAK = Para((), "pagebreak")

# ---------------------------------------------------------------- how an impact is written

BOX_ON, BOX_OFF = "☒", "☐"
#: Wingdings code points Word's symbol dialog inserts for an empty and a crossed box
SYM_OFF, SYM_ON = ("F0A8", "\uf0a8"), ("F0FD", "\uf0fd")
CONTROL_ITEMS = tuple((f"{n} – {name}", str(n)) for n, name in LEVEL_NAMES.items())
LEGACY_ITEMS = ("Välj", *(f"{n} - {name}" for n, name in LEVEL_NAMES.items()))
LEGACY_TEMPLATE_ITEMS = ("1-5", *(f"{n} - {name}" for n, name in LEVEL_NAMES.items()))
SHEET_ITEMS = tuple(d for d, _ in CONTROL_ITEMS)


def _range(level: int) -> str:
    low = min(level, 4)
    return f"{low}-{low + 1}"


def typed_text(item: Item, style: str, level: int | None = None) -> str:
    """What is typed for the impact in the text styles (digit, digit_word, word)."""
    n = item.level if level is None else level
    assert n is not None
    a = item.anomaly if level is None else "none"
    if a == "blank":
        return ""
    if a == "template_range":
        return "1-5"
    if style == "digit":
        return {"none": str(n), "invalid_7": "7", "invalid_range": _range(n), "invalid_word": "hög"}[a]
    if style == "digit_word":
        return {"none": f"{n} ({LEVEL_NAMES[n]})", "invalid_7": "7 (Mycket allvarligt)",
                "invalid_range": f"{_range(n)} ({LEVEL_NAMES[min(n, 4)]}/{LEVEL_NAMES[min(n, 4) + 1]})"}[a]
    if style == "word":
        return {"none": LEVEL_NAMES[n], "invalid_range": f"{LEVEL_NAMES[min(n, 4)]}/{LEVEL_NAMES[min(n, 4) + 1]}",
                "invalid_word": "Hög"}[a]
    raise ValueError(style)


def marked_text(item: Item, style: str) -> str:
    """`typed_text`, with a tracked change from the previous level when there was one."""
    text = typed_text(item, style)
    if item.previous is not None:
        return f"[-{typed_text(item, style, item.previous)}-][+{text}+]"
    return text


def ticks(item: Item) -> tuple[int, ...]:
    """The ticked boxes (checkbox rows, X matrices)."""
    assert item.level is not None
    if item.anomaly == "blank":
        return ()
    if item.anomaly == "two_ticked":
        other = item.level + 1 if item.level < 5 else item.level - 1
        return tuple(sorted((item.level, other)))
    return (item.level,)


def box_row(item: Item) -> str:
    """"☐ 1 ☐ 2 ☒ 3 ☐ 4 ☐ 5"."""
    on = ticks(item)
    return "  ".join(f"{BOX_ON if n in on else BOX_OFF} {n}" for n in range(1, 6))


def sym_row(item: Item) -> tuple[Inline, ...]:
    """The same row with Wingdings symbols (w:sym), as Insert > Symbol leaves it."""
    on = ticks(item)
    parts: list[Inline] = []
    for n in range(1, 6):
        code, text = SYM_ON if n in on else SYM_OFF
        parts += [Sym("Wingdings", code, text), Run(f" {n}" + ("  " if n < 5 else ""))]
    return tuple(parts)


def control(item: Item) -> Sdt:
    """The impact as a content control."""
    tag, alias = f"paverkan{item.q}", f"Påverkan fråga {item.q}"
    assert item.level is not None
    a = item.anomaly
    if a == "none":
        return Sdt("dropdown", CONTROL_ITEMS[item.level - 1][0], tag, alias, CONTROL_ITEMS)
    if a == "blank":
        return Sdt("placeholder", "Välj ett objekt.", tag, alias, CONTROL_ITEMS)
    if a == "template_range":
        return Sdt("placeholder", "1–5", tag, alias, CONTROL_ITEMS)
    return Sdt("combo", typed_text(item, "digit"), tag, alias, CONTROL_ITEMS)  # typed into a combo box


def legacy(item: Item) -> FormField:
    """The impact as a legacy FORMDROPDOWN."""
    assert item.level is not None
    if item.anomaly == "template_range":
        return FormField("dropdown", "1-5", LEGACY_TEMPLATE_ITEMS, f"Paverkan{item.q}")
    value = "Välj" if item.anomaly == "blank" else LEGACY_ITEMS[item.level]
    return FormField("dropdown", value, LEGACY_ITEMS, f"Paverkan{item.q}")


def impact_inlines(item: Item, style: str, *, sym_ok: bool = True) -> tuple[Inline, ...]:
    """The impact value as inline parts, for every style but the matrix."""
    if style in ("digit", "digit_word", "word"):
        return (Run(marked_text(item, style)),)
    if style == "checkbox" or (style == "checkbox_sym" and not sym_ok):
        return (Run(box_row(item)),)
    if style == "checkbox_sym":
        return sym_row(item)
    if style == "content_control":
        return (control(item),)
    if style == "legacy_dropdown":
        return (legacy(item),)
    raise ValueError(f"{style} has no inline form")


def shown_text(item: Item, style: str) -> str:
    """What a reader sees for the impact (tracked changes accepted)."""
    from tests.builders import resolve_markup

    parts = impact_inlines(item, style)
    out = []
    for p in parts:
        if isinstance(p, Run):
            out.append(resolve_markup(p.text))
        elif isinstance(p, Sym):
            out.append(BOX_ON if p.char == SYM_ON[0] else BOX_OFF)
        elif isinstance(p, (Sdt, FormField)):
            out.append(p.value)
    return "".join(out)


def matrix(item: Item) -> Grid:
    """A 1-5 matrix with an X under the level(s)."""
    on = ticks(item)
    head = tuple((P(str(n)),) for n in range(1, 6))
    row = tuple((P("X" if n in on else ""),) for n in range(1, 6))
    return Grid((head, row), (1.2,) * 5)


# ---------------------------------------------------------------- to the builders' model

_STYLES = {"title": "Title", "heading": "Heading 1", "bullet": "List Bullet", "number": "List Number"}


def _b_inline(part: Inline) -> B.Inline:
    if isinstance(part, Run):
        return B.Text(part.text, part.bold)
    if isinstance(part, Sym):
        return B.Text(part.text)
    if isinstance(part, Sdt):
        kind = "text" if part.kind == "combo" else part.kind
        items = () if kind == "text" else part.items
        return B.Control(kind, part.value, tag=part.tag, alias=part.alias, items=items)
    if isinstance(part, FormField):
        return B.FormField(part.kind, part.value, items=part.items, name=part.name)
    if isinstance(part, PageNo):
        return B.PageField(part.instr, part.shown)
    return B.TextBox(tuple(_b_para(p) for p in part.paras))


def _b_para(para: Para) -> B.Para:
    if para.style == "pagebreak":
        return B.P("\f")
    return B.Para(tuple(_b_inline(p) for p in para.parts), _STYLES.get(para.style))


def to_builder_doc(page: Page) -> B.Doc:
    """The page in tests/builders' model, for its python-docx renderer."""
    body: list[B.Block] = []
    for block in page.body:
        if isinstance(block, Para):
            body.append(_b_para(block))
        else:
            body.append(B.Table(tuple(tuple(tuple(_b_para(p) for p in cell) for cell in row)
                                      for row in block.rows), block.widths))
    return B.Doc(tuple(body), tuple(_b_para(p) for p in page.header), tuple(_b_para(p) for p in page.footer))


__all__ = ["BOX_OFF", "BOX_ON", "Block", "Box", "Cell", "FormField", "Grid", "Inline", "P", "PAGE_BREAK",
           "Page", "PageNo", "Para", "Run", "SHEET_ITEMS", "Sdt", "Sym", "box_row", "control",
           "impact_inlines", "legacy", "marked_text", "matrix", "shown_text", "ticks", "to_builder_doc",
           "typed_text"]
