"""The blank report form as a Word file: tagged content controls a reader finds again."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator

import docx
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from lxml import etree

from outputs.blank_forms import (
    PLACEHOLDER_AREA,
    PLACEHOLDER_COMMENT,
    PLACEHOLDER_IMPACT,
    PLACEHOLDER_MUNICIPALITY,
    PLACEHOLDER_PERIOD,
    TAG_AREA,
    TAG_MUNICIPALITY,
    TAG_PERIOD,
    area_field_label,
    comment_tag,
    impact_tag,
    intro_paragraphs,
    level_label,
    month_title,
    period_field_label,
    period_label,
    prefilled_area,
    question_heading,
)
from outputs.safe_text import xml_safe
from parsers.form import FormSpec
from parsers.result import Period

_PLACEHOLDER_STYLE_ID = "PlaceholderText"
_COMMENT_STYLE_ID = "Kommentarsfalt"


def _el(tag: str, **attrs: str) -> etree._Element:
    """A w: element with w: attributes."""
    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    element = _el(tag, **attrs)
    parent.append(element)
    return element


def _text_run(text: str, *, placeholder: bool = False) -> etree._Element:
    run = _el("w:r")
    if placeholder:
        rpr = _sub(run, "w:rPr")
        _sub(rpr, "w:rStyle", val=_PLACEHOLDER_STYLE_ID)
        # Also direct grey: LibreOffice ignores the style inside block controls.
        _sub(rpr, "w:color", val="808080")
    t = _sub(run, "w:t")
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return run


# Unique w:id values for content controls, deterministic per document.
_Ids = Iterator[int]


def _sdt_pr(
    sdt: etree._Element, *, alias: str, tag: str, ids: _Ids, placeholder: bool
) -> etree._Element:
    # Child order follows CT_SdtPr: alias, tag, id, lock, showingPlcHdr, type.
    pr = _sub(sdt, "w:sdtPr")
    _sub(pr, "w:alias", val=alias)
    _sub(pr, "w:tag", val=tag)
    _sub(pr, "w:id", val=str(next(ids)))
    # sdtLocked: the control cannot be deleted by mistake; its content can be edited.
    _sub(pr, "w:lock", val="sdtLocked")
    if placeholder:
        _sub(pr, "w:showingPlcHdr")
    return pr


def _inline_text_control(
    paragraph: Paragraph, *, alias: str, tag: str, value: str | None, placeholder: str, ids: _Ids
) -> None:
    sdt = _el("w:sdt")
    pr = _sdt_pr(sdt, alias=alias, tag=tag, ids=ids, placeholder=value is None)
    _sub(pr, "w:text")
    content = _sub(sdt, "w:sdtContent")
    content.append(_text_run(placeholder if value is None else value, placeholder=value is None))
    paragraph._p.append(sdt)


def _impact_control(paragraph: Paragraph, form: FormSpec, number: int, ids: _Ids) -> None:
    sdt = _el("w:sdt")
    pr = _sdt_pr(
        sdt, alias=f"Påverkan fråga {number}", tag=impact_tag(number), ids=ids, placeholder=True
    )
    dropdown = _sub(pr, "w:dropDownList")
    for level in form.scale.levels:
        _sub(
            dropdown,
            "w:listItem",
            displayText=level_label(form.scale, level.value),
            value=str(level.value),
        )
    content = _sub(sdt, "w:sdtContent")
    content.append(_text_run(PLACEHOLDER_IMPACT, placeholder=True))
    paragraph._p.append(sdt)


def _comment_control(anchor: Paragraph, number: int, ids: _Ids) -> None:
    """A block-level rich-text control after `anchor`, so Enter makes new paragraphs.

    No type element in sdtPr means rich text, the only kind of control that
    may hold several paragraphs.
    """
    sdt = _el("w:sdt")
    _sdt_pr(
        sdt, alias=f"Kommentar fråga {number}", tag=comment_tag(number), ids=ids, placeholder=True
    )
    content = _sub(sdt, "w:sdtContent")
    p = _sub(content, "w:p")
    ppr = _sub(p, "w:pPr")
    _sub(ppr, "w:pStyle", val=_COMMENT_STYLE_ID)
    p.append(_text_run(PLACEHOLDER_COMMENT, placeholder=True))
    anchor._p.addnext(sdt)


def _set_swedish(document: DocxDocument) -> None:
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        return
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if rpr is None:
        return
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = _sub(rpr, "w:lang")
    lang.set(qn("w:val"), "sv-SE")


def _add_styles(document: DocxDocument) -> None:
    styles = document.styles
    placeholder = styles.add_style("Placeholder Text", WD_STYLE_TYPE.CHARACTER)
    placeholder.style_id = _PLACEHOLDER_STYLE_ID
    placeholder.font.color.rgb = RGBColor(0x80, 0x80, 0x80)

    # The comment box: a light frame with a tint. Word draws one frame around
    # consecutive paragraphs with the same border, so it grows as people type.
    box = styles.add_style("Kommentarsfält", WD_STYLE_TYPE.PARAGRAPH)
    box.style_id = _COMMENT_STYLE_ID
    box.base_style = styles["Normal"]
    box.paragraph_format.space_before = Pt(0)
    box.paragraph_format.space_after = Pt(0)
    box.paragraph_format.left_indent = Cm(0.15)
    box.paragraph_format.right_indent = Cm(0.15)
    ppr = box.element.get_or_add_pPr()
    borders = _el("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        _sub(borders, f"w:{side}", val="single", sz="4", space="4", color="A6A6A6")
    shading = _el("w:shd", val="clear", color="auto", fill="F7F7F7")
    # CT_PPrBase order: ... pBdr, shd, tabs, ..., spacing, ind ...; insert before spacing.
    first_after = ppr.find(qn("w:spacing"))
    if first_after is None:
        first_after = ppr.find(qn("w:ind"))
    if first_after is not None:
        first_after.addprevious(borders)
        first_after.addprevious(shading)
    else:
        ppr.append(borders)
        ppr.append(shading)
    # Generous line spacing: the box reads as a writing area, not a one-liner.
    spacing = ppr.find(qn("w:spacing"))
    if spacing is not None:
        spacing.set(qn("w:line"), "360")
        spacing.set(qn("w:lineRule"), "atLeast")


def build_blank_docx(
    form: FormSpec, municipality: str | None = None, period: Period | None = None, *, area: str | None = None
) -> bytes:
    """A blank (optionally pre-filled) Word form with tagged content controls.

    Layout follows the county template: title, month line (only when
    `period` is given), the intro, "Underlaget inlämnat av kommun:" and
    "Månad:" with text controls (and "Område:" on a form that asks for the
    area, blank or pre-filled with `area`), the instruction, then for each question
    "Fråga N, <short>: <text>", "Påverkan: " with a drop-down (questions with
    impact only) and "Kommentar:" followed by a multi-paragraph control.
    Nothing is protected; controls are locked against deletion only.
    """
    document = docx.Document()
    _set_swedish(document)
    _add_styles(document)
    ids = itertools.count(1001)

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(2.2))

    props = document.core_properties
    props.title = xml_safe(form.title)
    props.subject = "Lägesbild"
    props.author = ""
    props.last_modified_by = ""
    props.comments = ""
    props.language = "sv-SE"

    title = document.add_paragraph(style="Title")
    title.add_run(xml_safe(form.title))
    if period is not None:
        title.add_run().add_break(WD_BREAK.LINE)
        title.add_run(month_title(period))

    for text in intro_paragraphs(form):
        document.add_paragraph(text)

    line = document.add_paragraph()
    line.paragraph_format.space_before = Pt(6)
    line.add_run("Underlaget inlämnat av kommun: ").bold = True
    _inline_text_control(
        line,
        alias="Kommun",
        tag=TAG_MUNICIPALITY,
        value=xml_safe(municipality) if municipality else municipality,
        placeholder=PLACEHOLDER_MUNICIPALITY,
        ids=ids,
    )
    line = document.add_paragraph()
    line.add_run(f"{period_field_label(form)}: ").bold = True
    _inline_text_control(
        line,
        alias=period_field_label(form),
        tag=TAG_PERIOD,
        value=period_label(period) if period else None,
        placeholder=PLACEHOLDER_PERIOD,
        ids=ids,
    )
    area_label = area_field_label(form)
    if area_label:
        line = document.add_paragraph()
        line.add_run(f"{area_label}: ").bold = True
        _inline_text_control(line, alias=area_label, tag=TAG_AREA, value=prefilled_area(form, area),
                             placeholder=PLACEHOLDER_AREA, ids=ids)

    document.add_paragraph(xml_safe(form.instruction)).runs[0].bold = True

    for question in form.questions:
        bold, rest = question_heading(question, prefix="Fråga ")
        heading = document.add_paragraph()
        heading.paragraph_format.space_before = Pt(12)
        heading.paragraph_format.keep_with_next = True
        heading.add_run(bold).bold = True
        if rest:
            heading.add_run(rest)
        if question.impact:
            impact = document.add_paragraph()
            impact.paragraph_format.keep_with_next = True
            impact.paragraph_format.space_after = Pt(4)
            impact.add_run("Påverkan: ")
            _impact_control(impact, form, question.number, ids)
        label = document.add_paragraph("Kommentar:")
        label.paragraph_format.keep_with_next = True
        label.paragraph_format.space_after = Pt(2)
        _comment_control(label, question.number, ids)
    # End on an empty paragraph rather than a control, so Word has a place for
    # the cursor after the last box (as it does after a table).
    document.add_paragraph()

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
