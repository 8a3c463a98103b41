"""Test helpers: fill in the blank forms as a person would in Word or Excel.

`fill_docx` does what Word does when someone uses the content controls: it
replaces the control's content, drops `w:showingPlcHdr` and the placeholder
style, writes a drop-down's chosen *display text* ("3 – Oroande"), and
writes a multi-paragraph comment as one `w:p` per line. `fill_xlsx` writes the
named input cells (impact as the integer Excel stores after a pick or a typed
digit). `read_docx_controls` / `read_xlsx_inputs` read the raw values back.

Only what is given is filled: a `None` impact or an empty comment leaves the
placeholder in place, like an untouched field.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Mapping

import docx
import openpyxl
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

from parsers.result import Answer

_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _tag(sdt: etree._Element) -> str:
    tag = sdt.find(f"{qn('w:sdtPr')}/{qn('w:tag')}")
    return "" if tag is None else str(tag.get(qn("w:val")))


def _run(text: str, rpr: etree._Element | None) -> etree._Element:
    run = OxmlElement("w:r")
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    t = OxmlElement("w:t")
    t.text = text
    t.set(_XML_SPACE, "preserve")
    run.append(t)
    return run


def _real_rpr(sdt: etree._Element) -> etree._Element | None:
    # Word formats typed content with sdtPr/rPr, never with the placeholder style.
    return sdt.find(f"{qn('w:sdtPr')}/{qn('w:rPr')}")


def _clear_placeholder(sdt: etree._Element) -> None:
    flag = sdt.find(f"{qn('w:sdtPr')}/{qn('w:showingPlcHdr')}")
    if flag is not None:
        flag.getparent().remove(flag)


def _set_inline(sdt: etree._Element, text: str) -> None:
    content = sdt.find(qn("w:sdtContent"))
    assert content is not None
    for child in list(content):
        content.remove(child)
    content.append(_run(text, _real_rpr(sdt)))
    _clear_placeholder(sdt)


def _set_block(sdt: etree._Element, text: str) -> None:
    content = sdt.find(qn("w:sdtContent"))
    assert content is not None
    first = content.find(qn("w:p"))
    ppr = None if first is None else first.find(qn("w:pPr"))
    for child in list(content):
        content.remove(child)
    for line in text.split("\n"):
        p = OxmlElement("w:p")
        if ppr is not None:
            p.append(copy.deepcopy(ppr))
        if line:
            p.append(_run(line, _real_rpr(sdt)))
        content.append(p)
    _clear_placeholder(sdt)


def _choose(sdt: etree._Element, value: int) -> None:
    items = sdt.findall(f"{qn('w:sdtPr')}/{qn('w:dropDownList')}/{qn('w:listItem')}")
    for item in items:
        if item.get(qn("w:value")) == str(value):
            _set_inline(sdt, str(item.get(qn("w:displayText"))))
            return
    raise ValueError(f"no list item with value {value} in {_tag(sdt)}")


def fill_docx(
    data: bytes,
    *,
    municipality: str | None = None,
    period: str | None = None,
    answers: Mapping[int, Answer] | None = None,
    area: str | None = None,
) -> bytes:
    """Fill the content controls of a blank form made by `build_blank_docx`.

    `period` is the text typed into the "Månad:" control ("November 2026");
    `area` into "Område:" (a form that asks for it).
    Raises if a value has no control to go into, so a test cannot pass by
    silently writing nothing.
    """
    document = docx.Document(io.BytesIO(data))
    controls = {_tag(sdt): sdt for sdt in document.element.body.iter(qn("w:sdt"))}
    wanted: dict[str, tuple[str, str | int]] = {}
    if municipality is not None:
        wanted["lagesbild:kommun"] = ("text", municipality)
    if period is not None:
        wanted["lagesbild:period"] = ("text", period)
    if area is not None:
        wanted["lagesbild:omrade"] = ("text", area)
    for number, answer in (answers or {}).items():
        if answer.impact is not None:
            wanted[f"lagesbild:q{number}.impact"] = ("choice", answer.impact)
        if answer.comment:
            wanted[f"lagesbild:q{number}.comment"] = ("block", answer.comment)
    for tag, (kind, value) in wanted.items():
        sdt = controls.get(tag)
        if sdt is None:
            raise KeyError(f"no content control tagged {tag}")
        if kind == "choice":
            assert isinstance(value, int)
            _choose(sdt, value)
        elif kind == "block":
            _set_block(sdt, str(value))
        else:
            _set_inline(sdt, str(value))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def read_docx_controls(data: bytes) -> dict[str, str | None]:
    """Every tagged content control's text; None while it shows its placeholder.

    Paragraphs inside a block-level control are joined with "\\n".
    """
    document = docx.Document(io.BytesIO(data))
    out: dict[str, str | None] = {}
    for sdt in document.element.body.iter(qn("w:sdt")):
        if sdt.find(f"{qn('w:sdtPr')}/{qn('w:showingPlcHdr')}") is not None:
            out[_tag(sdt)] = None
            continue
        content = sdt.find(qn("w:sdtContent"))
        assert content is not None
        paragraphs = content.findall(qn("w:p"))
        if paragraphs:
            out[_tag(sdt)] = "\n".join(
                "".join(t.text or "" for t in p.iter(qn("w:t"))) for p in paragraphs
            )
        else:
            out[_tag(sdt)] = "".join(t.text or "" for t in content.iter(qn("w:t")))
    return out


def _named_cell(wb: openpyxl.Workbook, name: str) -> openpyxl.cell.Cell:
    defined = wb.defined_names[name]
    [(sheet, ref)] = list(defined.destinations)
    return wb[sheet][ref.replace("$", "")]


def fill_xlsx(
    data: bytes,
    *,
    municipality: str | None = None,
    period: str | None = None,
    answers: Mapping[int, Answer] | None = None,
    area: str | None = None,
) -> bytes:
    """Fill the named input cells of a blank form made by `build_blank_xlsx`.

    Impact goes in as the integer (what Excel stores after a pick from the
    list or a typed digit); comments may contain "\\n" (Alt+Enter).
    """
    wb = openpyxl.load_workbook(io.BytesIO(data))
    if municipality is not None:
        _named_cell(wb, "Kommun").value = municipality
    if period is not None:
        _named_cell(wb, "Period").value = period
    if area is not None:
        _named_cell(wb, "Omrade").value = area
    for number, answer in (answers or {}).items():
        if answer.impact is not None:
            _named_cell(wb, f"q{number}_impact").value = answer.impact
        if answer.comment:
            _named_cell(wb, f"q{number}_comment").value = answer.comment
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read_xlsx_inputs(data: bytes) -> dict[str, object]:
    """The value of every defined name that points at one cell, by name."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    out: dict[str, object] = {}
    for name, defined in wb.defined_names.items():
        destinations = list(defined.destinations)
        if len(destinations) == 1 and ":" not in destinations[0][1]:
            out[name] = _named_cell(wb, name).value
    return out
