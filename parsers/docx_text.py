"""Text as Word shows it: symbol-font checkboxes and ticks, placeholder phrases, blocks as one text."""

from __future__ import annotations

from parsers.document import Block, Paragraph
from parsers.docx_xml import RFONTS, RPR, Element, W

CHECKED = "☒"
UNCHECKED = "☐"

# Word's own placeholder texts. Converters keep them as plain text or as a
# field result once the content control is gone (LibreOffice turns one into a
# FILLIN field), and nobody types them as an answer, so they are removed
# wherever they appear: an unfilled comment reads as "", not as this text.
_PLACEHOLDER_TEXTS = (
    "Klicka eller tryck här för att ange text.",
    "Klicka här för att ange text.",
    "Välj ett objekt.",
    "Klicka eller tryck för att ange ett datum.",
    "Klicka här för att ange ett datum.",
    "Click or tap here to enter text.",
    "Click here to enter text.",
    "Choose an item.",
    "Click or tap to enter a date.",
    "Click here to enter a date.",
)
_PLACEHOLDERS = frozenset(s.casefold() for s in _PLACEHOLDER_TEXTS)


# Symbol fonts map their code points to pictures, not letters. Only the glyphs
# people use as checkboxes or ticks are kept; any other symbol is dropped,
# since its letter ("þ", "o") would be misread as text.
_SYMBOL_GLYPHS: dict[str, dict[int, str]] = {
    "wingdings": {
        0xFE: CHECKED,  # box with tick
        0xFD: CHECKED,  # box with cross
        0x78: CHECKED,  # box with x
        0x6E: "■",  # filled square
        0x6F: UNCHECKED,
        0x71: UNCHECKED,
        0x72: UNCHECKED,
        0xA8: UNCHECKED,
        0xFC: "✓",
    },
    "wingdings 2": {
        0x50: "✓",
        0x52: "☑",
        0x53: CHECKED,
        0x54: CHECKED,
        0xA3: UNCHECKED,
        0x2A: UNCHECKED,
    },
    "wingdings 3": {},
    "webdings": {},
    "symbol": {},
}


def symbol(font: str | None, code: int) -> str:
    """Text for one character of a symbol font ("" when it is no checkbox or tick)."""
    private = code >= 0xF000  # symbol fonts sit at U+F020-U+F0FF in Unicode text
    if private:
        code -= 0xF000
    glyphs = _SYMBOL_GLYPHS.get((font or "").strip().lower())
    if glyphs is not None:
        return glyphs.get(code, "")
    # An ordinary font: the code point is the character, unless it lies in
    # the private area that only symbol fonts use.
    return "" if private else chr(code)


SymbolFonts = tuple[str | None, str | None]  # (for ASCII, for other characters)


def run_symbol_fonts(r: Element) -> SymbolFonts | None:
    """The run's directly set symbol fonts (Wingdings etc.), None when it has none.

    Word draws ASCII characters in the w:ascii font and the rest in w:hAnsi.
    """
    rpr = r.find(RPR)
    fonts = None if rpr is None else rpr.find(RFONTS)
    if fonts is None:
        return None
    ascii_font = (fonts.get(W + "ascii") or "").strip().lower()
    other_font = (fonts.get(W + "hAnsi") or "").strip().lower()
    pair = (
        ascii_font if ascii_font in _SYMBOL_GLYPHS else None,
        other_font if other_font in _SYMBOL_GLYPHS else None,
    )
    return pair if pair != (None, None) else None


def symbol_text(text: str, fonts: SymbolFonts) -> str:
    """Text of a run in symbol fonts: each character as the font draws it ("" for no checkbox or tick)."""
    out = []
    for c in text:
        font = fonts[0] if c < "\x80" else fonts[1]
        out.append(c if font is None else symbol(font, ord(c)))
    return "".join(out)


def flatten(blocks: list[Block]) -> str:
    """Blocks as one text: paragraphs and table rows as lines, cells joined " | "."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        else:
            for row in block.rows:
                cells = [c.strip() for c in row if c.strip()]
                if cells:
                    lines.append(" | ".join(cells))
    return _trim_lines("\n".join(lines))


def _trim_lines(text: str) -> str:
    """Drop blank lines at the start and end (Word cells end in an empty paragraph)."""
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines)


def is_placeholder_text(text: str) -> bool:
    """Is `text` one of Word's placeholder phrases (an unfilled control or field)?"""
    return text.strip().casefold() in _PLACEHOLDERS


def drop_placeholders(text: str) -> str:
    """Remove Word placeholder phrases left in running text."""
    if "." not in text:  # every phrase ends in a full stop; most paragraphs are spared
        return text
    for phrase in _PLACEHOLDER_TEXTS:
        if phrase in text:
            text = text.replace(phrase, "")
    return text
