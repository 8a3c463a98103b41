"""WordprocessingML names (namespaces, tags, attributes) and small readers of their values."""

from __future__ import annotations

from typing import Any

Element = Any  # lxml.etree._Element; lxml ships no type information

W_URI = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# Word's "Strict Open XML" flavour uses another namespace for the same vocabulary.
W_STRICT_URI = b"http://purl.oclc.org/ooxml/wordprocessingml/main"
W = "{" + W_URI + "}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# Block level
BODY = W + "body"
P = W + "p"
TBL = W + "tbl"
TR = W + "tr"
TC = W + "tc"
SDT = W + "sdt"
SDTPR = W + "sdtPr"
SDTCONTENT = W + "sdtContent"
ALTCHUNK = W + "altChunk"
TXBXCONTENT = W + "txbxContent"
# Wrappers whose content is shown, and tracked-change wrappers whose content is not.
INS = W + "ins"
DEL = W + "del"
MOVETO = W + "moveTo"
MOVEFROM = W + "moveFrom"
CUSTOMXML = W + "customXml"
SMARTTAG = W + "smartTag"
HYPERLINK = W + "hyperlink"
FLDSIMPLE = W + "fldSimple"
BDO = W + "bdo"
DIR = W + "dir"
MC_ALT = MC + "AlternateContent"
MC_CHOICE = MC + "Choice"
MC_FALLBACK = MC + "Fallback"
# Run level
R = W + "r"
RPR = W + "rPr"
T = W + "t"
TAB = W + "tab"
PTAB = W + "ptab"
BR = W + "br"
CR = W + "cr"
NOBREAKHYPHEN = W + "noBreakHyphen"
SYM = W + "sym"
FLDCHAR = W + "fldChar"
DRAWING = W + "drawing"
PICT = W + "pict"
OBJECT = W + "object"
RUBY = W + "ruby"
RUBYBASE = W + "rubyBase"
VANISH = W + "vanish"
STRIKE = W + "strike"
DSTRIKE = W + "dstrike"
RFONTS = W + "rFonts"
OMATH = M + "oMath"
OMATHPARA = M + "oMathPara"
MT = M + "t"
# Properties
VAL = W + "val"
PPR = W + "pPr"
PSTYLE = W + "pStyle"
NUMPR = W + "numPr"
NUMID = W + "numId"
ILVL = W + "ilvl"
TCPR = W + "tcPr"
TRPR = W + "trPr"
GRIDSPAN = W + "gridSpan"
GRIDBEFORE = W + "gridBefore"
VMERGE = W + "vMerge"
HMERGE = W + "hMerge"
TAG = W + "tag"
ALIAS = W + "alias"
SHOWINGPLCHDR = W + "showingPlcHdr"
W14_CHECKBOX = W14 + "checkbox"
W14_CHECKED = W14 + "checked"
W14_VAL = W14 + "val"
FFDATA = W + "ffData"
NAME = W + "name"
CHECKBOX = W + "checkBox"
CHECKED_EL = W + "checked"
DEFAULT = W + "default"
DDLIST = W + "ddList"
RESULT = W + "result"
LISTENTRY = W + "listEntry"


def val(el: Element | None, attr: str = VAL) -> str | None:
    """The attribute (w:val by default) of a property element; None when the element is absent."""
    return None if el is None else el.get(attr)


def is_on(el: Element | None, attr: str = VAL) -> bool:
    """An OOXML on/off property: present without a value means on."""
    if el is None:
        return False
    return (el.get(attr) or "true").lower() not in ("0", "false", "off")


def to_int(text: str | None) -> int | None:
    """A decimal number attribute; None when absent or not a number."""
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def mc_choice(alt: Element) -> Element | None:
    """The branch of an mc:AlternateContent to read: its (first) mc:Choice."""
    choice = alt.find(MC_CHOICE)
    return choice if choice is not None else alt.find(MC_FALLBACK)


def hex_int(text: str | None) -> int | None:
    """A hexadecimal number attribute (w:sym's w:char); None when absent or not a number."""
    try:
        return int(text, 16) if text else None
    except ValueError:
        return None


def text_boxes(el: Element, out: list[Element]) -> None:
    """Outermost w:txbxContent under a drawing or VML shape, one branch of each mc."""
    for child in el:
        tag = child.tag
        if tag == TXBXCONTENT:
            out.append(child)
        elif tag == MC_ALT:
            choice = mc_choice(child)
            if choice is not None:
                text_boxes(choice, out)
        elif isinstance(tag, str):
            text_boxes(child, out)
