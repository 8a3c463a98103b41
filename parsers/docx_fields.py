"""Content controls and legacy form fields: their names, checkboxes, dropdowns and placeholders."""

from __future__ import annotations

from dataclasses import dataclass

from parsers.docx_text import CHECKED, UNCHECKED
from parsers.docx_xml import (
    ALIAS,
    CHECKBOX,
    CHECKED_EL,
    DDLIST,
    DEFAULT,
    LISTENTRY,
    NAME,
    RESULT,
    SDTPR,
    SHOWINGPLCHDR,
    TAG,
    VAL,
    W14_CHECKBOX,
    W14_CHECKED,
    W14_VAL,
    Element,
    is_on,
    to_int,
    val,
)

# Names LibreOffice gives form fields that had none; they name nothing.
_AUTO_FIELD_NAME = "__Fieldmark__"


@dataclass(frozen=True, slots=True)
class SdtInfo:
    """What a content control's properties say: its name, whether it shows its placeholder, its tick."""

    name: str
    placeholder: bool
    checkbox: bool | None  # None: not a checkbox; else whether it is ticked

    @staticmethod
    def of(sdt: Element) -> SdtInfo:
        pr = sdt.find(SDTPR)
        if pr is None:
            return SdtInfo("", False, None)
        name = (val(pr.find(TAG)) or "").strip() or (val(pr.find(ALIAS)) or "").strip()
        box = pr.find(W14_CHECKBOX)
        checked = None if box is None else is_on(box.find(W14_CHECKED), W14_VAL)
        return SdtInfo(name, pr.find(SHOWINGPLCHDR) is not None, checked)


@dataclass(slots=True)
class ComplexField:
    """A complex field (w:fldChar begin ... separate ... end) open in a paragraph."""

    kind: str  # "text": result shown; "hidden": checkbox/dropdown shown at begin
    name: str = ""
    slot: int | None = None  # index in `docx_body.Reader.fields` reserved for a named text field
    result: bool = False  # past w:fldChar separate
    start: int = 0  # index in the walk's paragraph text (`docx_body._Inline.parts`) where the result began


@dataclass(frozen=True, slots=True)
class FormField:
    """A legacy form field's data (w:ffData): its name, and what a checkbox or dropdown shows."""

    name: str  # "" for a field LibreOffice named itself
    shown: str | None  # the checkbox mark or the chosen entry; None for a text field (its result is shown)
    checked: bool | None  # None: not a checkbox


def form_field(ff: Element) -> FormField:
    """Read a legacy FORMCHECKBOX, FORMDROPDOWN or FORMTEXT field's data."""
    name = (val(ff.find(NAME)) or "").strip()
    if name.startswith(_AUTO_FIELD_NAME):
        name = ""
    box = ff.find(CHECKBOX)
    if box is not None:
        checked_el = box.find(CHECKED_EL)
        checked = is_on(checked_el) if checked_el is not None else is_on(box.find(DEFAULT))
        return FormField(name, CHECKED if checked else UNCHECKED, checked)
    dd = ff.find(DDLIST)
    if dd is not None:
        entries = [e.get(VAL) or "" for e in dd.findall(LISTENTRY)]
        index = to_int(val(dd.find(RESULT)))
        if index is None:
            index = to_int(val(dd.find(DEFAULT))) or 0
        return FormField(name, entries[index] if 0 <= index < len(entries) else "", None)
    return FormField(name, None, None)
