"""AcroForm fields of a PDF, read with pypdf: a fillable form keeps its answers there, not in the page text.

Every terminal field of the form's field tree becomes a `NamedField` with
its fully qualified name ("Sida1.Paverkan1"): text fields and choices give
their text, checkboxes and radio buttons their export value and whether
they are on. Buttons, signatures and nameless fields are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

from parsers.document import NamedField

_MAX_FIELDS = 5_000
_MAX_FIELD_DEPTH = 32

# AcroForm field flags (PDF 32000-1, 12.7.4.2).
_FF_RADIO = 1 << 15
_FF_PUSHBUTTON = 1 << 16
_INHERITABLE = ("/FT", "/Ff", "/V", "/DV", "/Opt")


def is_dynamic_xfa(reader: PdfReader, text: str) -> bool:
    """An XFA form without AcroForm fields: its pages only say "Please wait..."."""
    try:
        root = _resolve(reader.trailer.get("/Root"))
        acro = _resolve(root.get("/AcroForm")) if isinstance(root, DictionaryObject) else None
        has_xfa = isinstance(acro, DictionaryObject) and "/XFA" in acro
    except Exception:  # noqa: BLE001 - a broken catalogue is not XFA
        return False
    return has_xfa and (not text.strip() or "please wait" in text.casefold())


def read_fields(reader: PdfReader) -> list[NamedField]:
    """Every terminal AcroForm field, in the order of the form's field tree."""
    root = _resolve(reader.trailer.get("/Root"))
    acro = _resolve(root.get("/AcroForm")) if isinstance(root, DictionaryObject) else None
    if not isinstance(acro, DictionaryObject):
        return []
    top = _resolve(acro.get("/Fields"))
    if not isinstance(top, ArrayObject):
        return []
    out: list[NamedField] = []
    seen: set[int] = set()

    def walk(ref: PdfObject, parent: str, inherited: dict[str, Any], depth: int) -> None:
        node = _resolve(ref)
        if not isinstance(node, DictionaryObject) or depth > _MAX_FIELD_DEPTH:
            return
        if id(node) in seen or len(out) >= _MAX_FIELDS:
            return
        seen.add(id(node))
        partial = _to_text(node.get("/T"))
        name = f"{parent}.{partial}" if parent and partial else (partial or parent)
        attrs = dict(inherited)
        attrs.update({k: node[k] for k in _INHERITABLE if k in node})
        kids = [_resolve(k) for k in _array(node.get("/Kids"))]
        child_fields = [k for k in kids if isinstance(k, DictionaryObject) and "/T" in k]
        if child_fields:
            for kid in child_fields:
                walk(kid, name, attrs, depth + 1)
            return
        widgets = [k for k in kids if isinstance(k, DictionaryObject)] or [node]
        field = _terminal_field(name, attrs, widgets)
        if field is not None:
            out.append(field)

    for ref in top:
        walk(ref, "", {}, 0)
    return out


def _terminal_field(
    name: str, attrs: dict[str, Any], widgets: Sequence[DictionaryObject]
) -> NamedField | None:
    """One NamedField for a terminal field; None for buttons, signatures and nameless fields."""
    if not name:
        return None
    kind = str(_resolve(attrs.get("/FT")) or "")
    flags = _int(attrs.get("/Ff"))
    value = _resolve(attrs.get("/V"))
    if kind == "/Tx":
        return NamedField(name, _field_text(value))
    if kind == "/Ch":
        return NamedField(name, _choice_text(value, _resolve(attrs.get("/Opt"))))
    if kind != "/Btn" or flags & _FF_PUSHBUTTON:
        return None
    opt = _resolve(attrs.get("/Opt"))
    state = _state_name(value) or _active_appearance(widgets)
    checked = state not in ("", "Off")
    if flags & _FF_RADIO:
        return NamedField(name, _export_value(state, opt) if checked else "", checked=checked)
    # A checkbox reports its export value whether ticked or not: `checked` says which.
    export = state if checked else _on_state(widgets)
    return NamedField(name, _export_value(export, opt), checked=checked)


def _field_text(value: Any) -> str:
    # Long or rich text may be stored as a stream.
    text = value.get_data().decode("utf-8", errors="replace") if isinstance(value, StreamObject) else _to_text(value)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _choice_text(value: Any, opt: Any) -> str:
    """The display text of the chosen option(s); the export value when no option matches."""
    chosen = [_to_text(v) for v in _array(value)] if isinstance(value, ArrayObject) else []
    if not isinstance(value, ArrayObject) and value is not None:
        chosen = [_to_text(value)]
    display: dict[str, str] = {}
    for entry in _array(opt):
        entry = _resolve(entry)
        if isinstance(entry, ArrayObject) and len(entry) >= 2:
            display.setdefault(_to_text(entry[0]), _to_text(entry[1]))
        else:
            display.setdefault(_to_text(entry), _to_text(entry))
    return ", ".join(display.get(c, c) for c in chosen if c).strip()


def _export_value(state: str, opt: Any) -> str:
    """A button state name, mapped through /Opt when the states are option indexes."""
    options = _array(opt)
    if state.isdigit() and options and int(state) < len(options):
        return _to_text(_resolve(options[int(state)]))
    return state


def _state_name(value: Any) -> str:
    # The state should be a name (/3), but some tools store the text "/3" or "3".
    text = _to_text(value)
    return text[1:] if text.startswith("/") else text


def _appearance_states(widget: DictionaryObject) -> list[str]:
    ap = _resolve(widget.get("/AP"))
    normal = _resolve(ap.get("/N")) if isinstance(ap, DictionaryObject) else None
    if not isinstance(normal, DictionaryObject):
        return []
    return [str(k)[1:] for k in normal if str(k) != "/Off"]


def _active_appearance(widgets: Iterable[DictionaryObject]) -> str:
    """The state shown by the widgets when the field itself has no /V (some tools only set /AS)."""
    for widget in widgets:
        state = _state_name(_resolve(widget.get("/AS")))
        if state and state != "Off":
            return state
    return ""


def _on_state(widgets: Iterable[DictionaryObject]) -> str:
    for widget in widgets:
        states = _appearance_states(widget)
        if states:
            return states[0]
    return ""


def _resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _array(obj: Any) -> list[Any]:
    obj = _resolve(obj)
    return list(obj) if isinstance(obj, ArrayObject) else []


def _int(obj: Any) -> int:
    obj = _resolve(obj)
    return int(obj) if isinstance(obj, (NumberObject, int)) else 0


def _to_text(obj: Any) -> str:
    obj = _resolve(obj)
    if obj is None:
        return ""
    if isinstance(obj, NameObject):
        return str(obj)[1:]
    if isinstance(obj, bytes):
        return obj.decode("latin-1")
    return str(obj)


# --- Page text --------------------------------------------------------------
