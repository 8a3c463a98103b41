"""Text normalisation shared by every reader, so all formats compare text alike."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# What a reader drops or rewrites, and why. A comment is the municipality's
# own words, so `clean` touches only what is not text: white space (kinds and
# runs of it), invisible formatting marks, and control characters no writer
# means as text. Typographic quotes and dashes are text and stay; they are
# unified only for *matching* (`unify`, `fold`), never in a value handed on.
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u2004\u2005\u2006\u2008"
                                 "\u205f\u3000\u1680\t\x0b\x0c"), " ")
# Line and paragraph separators (Word's and Unicode's) are line breaks.
_BREAKS = dict.fromkeys(map(ord, "\u2028\u2029\x85"), "\n")
# Zero-width space, word joiner, byte-order mark, soft hyphen: formatting
# marks, invisible in every viewer, that split words for matching.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"), None)
# C0 and C1 controls (except line breaks) and the non-characters U+FFFE and
# U+FFFF: never text, and they make XML outputs invalid.
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), 0x0E, 0x0F, *range(0x10, 0x20), 0x7F, *range(0x80, 0x85),
                           *range(0x86, 0xA0), 0xFFFE, 0xFFFF], None)
_TIDY = {**_SPACES, **_BREAKS, **_INVISIBLE, **_CONTROLS}

# For matching only: dashes, quotes and joiners that people and programs type
# interchangeably ("1–5" for "1-5", ”Oroande” for "Oroande").
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u201c\u201d\u201e\u00ab\u00bb\u2033"), '"') | dict.fromkeys(
    map(ord, "\u2018\u2019\u201a\u2032"), "'"
)
_JOINERS = dict.fromkeys(map(ord, "\u200c\u200d"), None)
_TYPOGRAPHY = {**_DASHES, **_QUOTES, **_JOINERS}
# One character for one, so `fold_same_length` can apply them and keep indices.
_SAME_LENGTH = {**_DASHES, **_QUOTES, **_SPACES}
_WS_RE = re.compile(r"[ ]+")


@lru_cache(maxsize=32768)
def clean(text: str) -> str:
    """Tidy what is not text; keep every character a person typed.

    NFC; every kind of space (NBSP, tab, …) becomes one space and runs of
    them one; line separators become line breaks; lines are stripped;
    invisible marks and control characters are dropped (see above). Quotes,
    dashes, case and accents stay as written.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = text.translate(_TIDY)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(_WS_RE.sub(" ", line).strip() for line in text.split("\n")).strip()


@lru_cache(maxsize=16384)
def unify(text: str) -> str:
    """`clean`, with dashes, quotes and joiners unified: for reading values and labels, never for a comment."""
    cleaned = clean(text)
    return cleaned if cleaned.isascii() else cleaned.translate(_TYPOGRAPHY)


def strip_accents(text: str) -> str:
    """Drop diacritics: "Malung-Sälen" -> "Malung-Salen", "Övrigt" -> "Ovrigt"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """Case- and accent-insensitive key with single spaces: for label matching."""
    return _WS_RE.sub(" ", strip_accents(unify(text)).casefold().replace("\n", " ")).strip()


@lru_cache(maxsize=16384)
def squash(text: str) -> str:
    """`fold` with everything but letters and digits removed: "Hot/våld" -> "hotvald"."""
    return re.sub(r"[^0-9a-z]", "", fold(text))


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    if ord(c) in _SAME_LENGTH:
        return _SAME_LENGTH[ord(c)]
    folded = strip_accents(c).lower()
    return folded[:1] if folded else c


class _FoldTable(dict[int, str]):
    """A `str.translate` table: code point -> `_fold_char`, filled as characters are met."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < 65536:  # bounded: a hostile text may hold every code point
            self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


_MAX_REMEMBERED_FOLD = 2000  # longer lines are rare, and not worth their memory


def fold_same_length(text: str) -> str:
    """Lower-case, accent-free text with unified dashes, quotes and spaces, and the same indices as `text`."""
    # One line is folded by each matcher that looks at it, so short lines are remembered.
    if len(text) <= _MAX_REMEMBERED_FOLD:
        return _fold_same_length_remembered(text)
    return text.translate(_FOLD_TABLE)


@lru_cache(maxsize=16384)
def _fold_same_length_remembered(text: str) -> str:
    # One character in, one out (see `_fold_char`), so translate keeps indices.
    return text.translate(_FOLD_TABLE)
