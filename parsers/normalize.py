"""Text normalisation shared by every reader, so all formats compare text alike."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u3000\t\x0b\x0c"), " ")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_QUOTES = dict.fromkeys(map(ord, "\u201c\u201d\u201e\u00ab\u00bb\u2033"), '"') | dict.fromkeys(
    map(ord, "\u2018\u2019\u201a\u2032"), "'"
)
_ONE_PASS = {**_DASHES, **_SPACES, **_INVISIBLE, **_QUOTES}
_WS_RE = re.compile(r"[ ]+")


@lru_cache(maxsize=32768)
def clean(text: str) -> str:
    """Unify dashes, spaces, quotes and invisible characters; keep case and accents.

    Word and PDF exports use en dashes ("1–5"), non-breaking spaces and soft
    hyphens where people typed plain ones; readers compare after `clean`.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = text.translate(_ONE_PASS)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(_WS_RE.sub(" ", line).strip() for line in text.split("\n")).strip()


def strip_accents(text: str) -> str:
    """Drop diacritics: "Malung-Sälen" -> "Malung-Salen", "Övrigt" -> "Ovrigt"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """Case- and accent-insensitive key with single spaces: for label matching."""
    return _WS_RE.sub(" ", strip_accents(clean(text)).casefold().replace("\n", " ")).strip()


@lru_cache(maxsize=16384)
def squash(text: str) -> str:
    """`fold` with everything but letters and digits removed: "Hot/våld" -> "hotvald"."""
    return re.sub(r"[^0-9a-z]", "", fold(text))


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
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
    """Lower-case, accent-free text with the same indices as `text`."""
    # One line is folded by each matcher that looks at it, so short lines are remembered.
    if len(text) <= _MAX_REMEMBERED_FOLD:
        return _fold_same_length_remembered(text)
    return text.translate(_FOLD_TABLE)


@lru_cache(maxsize=16384)
def _fold_same_length_remembered(text: str) -> str:
    # One character in, one out (see `_fold_char`), so translate keeps indices.
    return text.translate(_FOLD_TABLE)
