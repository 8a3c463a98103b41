"""One rule for text that came from outside, so it can never break an output (issue 14, item 6).

What a municipality wrote (a comment, a file name, a subject) reaches the
workbook's XML, the digest's HTML, mail bodies and headers, and the blank
forms. The rule, applied where text enters the store (`screen_text`, with
what it changed, so the answer is flagged) and again by every writer on its
own (`safe_text`), so a value from anywhere else cannot slip through:

* kept: every character a person can type or see, line breaks and tabs;
  "\r\n", "\r" and the Unicode line and paragraph separators (U+2028, U+2029: line
  ends to a mail program and to JavaScript, not to XML) become "\n"; the text is NFC-normalised;
* removed: bidirectional embedding, override and isolate controls and the
  direction marks (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C):
  they reorder what a reader sees ("…\u202excod.exe" shows as "exe.docx…");
* replaced by U+FFFD (�): control characters other than line break and tab,
  lone surrogates, and the noncharacters (U+FFFE, U+FFFF and the like in
  every plane, U+FDD0–U+FDEF): none is text, and XML 1.0 forbids most of them,
  so one of them made the year's workbook unreadable.

Pure functions.
"""

from __future__ import annotations

import re
import unicodedata

from parsers.personal import PERSONNUMMER, SAMORDNINGSNUMMER, find_personal_data

__all__ = ["BIDI_CONTROLS", "masked_ids", "safe_text", "screen_text", "xml_safe"]

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
REPLACEMENT = "\ufffd"

# Everything the rule touches, found in one pass (most text has none of it).
_SUSPECT_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\r\u061c\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef"
    "\ufffe\uffff\ud800-\udfff]|[\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U0004fffe"
    "\U0004ffff\U0005fffe\U0005ffff\U0006fffe\U0006ffff\U0007fffe\U0007ffff\U0008fffe\U0008ffff\U0009fffe"
    "\U0009ffff\U000afffe\U000affff\U000bfffe\U000bffff\U000cfffe\U000cffff\U000dfffe\U000dffff\U000efffe"
    "\U000effff\U000ffffe\U000fffff\U0010fffe\U0010ffff]"
)


def screen_text(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` under the rule, and what was changed, in Swedish ("styrtecken", "riktningstecken").

    The second value is empty when nothing but line ends and normalisation changed.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if not _SUSPECT_RE.search(text):
        return text, ()
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    changed: list[str] = []
    out: list[str] = []
    for ch in text:
        if ch in BIDI_CONTROLS:
            if "riktningstecken" not in changed:
                changed.append("riktningstecken")
            continue
        if ch not in "\n\t" and _SUSPECT_RE.match(ch):
            if "styrtecken" not in changed:
                changed.append("styrtecken")
            out.append(REPLACEMENT)
            continue
        out.append(ch)
    return "".join(out), tuple(changed)


def safe_text(text: str) -> str:
    """`text` under the rule (see the module docstring), for any writer."""
    return screen_text(text)[0]


def xml_safe(text: str) -> str:
    """`safe_text`: every character left is allowed in XML 1.0."""
    return screen_text(text)[0]


def masked_ids(text: str) -> str:
    """`text` (a file name, a subject) under the rule, with every personnummer and samordningsnummer
    in it masked ("XXXXXX-XXXX"): such a field is shown and exported whole, and no reviewer holds it."""
    text = safe_text(text)
    out: list[str] = []
    position = 0
    for finding in find_personal_data(text):
        if finding.kind in (PERSONNUMMER, SAMORDNINGSNUMMER):
            out += [text[position:finding.start], finding.masked]
            position = finding.end
    return "".join(out) + text[position:]
