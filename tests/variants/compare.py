"""Comparing what the parser read with the truth of a variant, field by field.

Comments are the municipality's own words and are compared VERBATIM, after
only this normalisation (applied to both sides):

- Unicode NFC;
- the invisible characters U+200B, U+2060, U+FEFF and U+00AD dropped;
- every run of whitespace (spaces, tabs, NBSP, line breaks) made one space,
  and leading/trailing whitespace dropped;
- a leading bullet glyph or list number is forgiven on the read side only
  where the truth says that paragraph was *list formatting* (a Word list
  item, whose marker is not typed text). A typed "1." or "•" must come back.

Quotes and dashes are NOT unified: "„citat”" read back as '"citat"' is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from parsers.result import ParseResult, Severity

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"), None)
_WS_RE = re.compile(r"\s+")
#: What Word, LibreOffice or a PDF shows for a list item's marker.
_MARKER = r"(?:[•·▪◦‣⁃∙○■□●◆◇➢►\-–—*\uf0b7\uf0a7\uf0d8\uf076\uf0fc]|\d{1,3}[.)]|[a-zA-Z][.)]|[ivxIVX]{1,4}[.)])"


def normalise(text: str) -> str:
    """The compare form of a text: NFC, invisibles dropped, whitespace runs collapsed."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return _WS_RE.sub(" ", text).strip()


@dataclass(frozen=True)
class CommentTruth:
    """A comment as written: its paragraphs, each flagged when it is a formatted list item."""

    paragraphs: tuple[tuple[str, bool], ...] = ()

    @property
    def text(self) -> str:
        """The comment in compare form (list markers absent)."""
        return normalise(" ".join(p for p, _ in self.paragraphs))

    def pattern(self) -> re.Pattern[str]:
        """A regex that the compare form of a correct reading matches in full."""
        parts: list[str] = []
        for para, is_list in self.paragraphs:
            body = normalise(para)
            if not body:
                continue
            words = body.split(" ")
            piece = r" ".join(re.escape(w) for w in words)
            if is_list:
                piece = rf"(?:{_MARKER} ?)?" + piece
            parts.append(piece)
        return re.compile(" ".join(parts) if parts else "", re.S)

    def matches(self, got: str) -> bool:
        """True when `got` is this comment, verbatim up to the allowed normalisation."""
        return self.pattern().fullmatch(normalise(got)) is not None


FieldValue = str | int | CommentTruth | None


@dataclass(frozen=True)
class FieldTruth:
    """The truth of one field: its value, and whether it must carry an issue.

    `flag` True means the field must be flagged; then a null value is right
    too (a blank, invalid or guessed value: null-or-value, always with an issue).
    """

    value: FieldValue
    flag: bool = False


class Outcome(StrEnum):
    """How one field came out."""

    RIGHT = "right"
    FLAGGED = "flagged"  # not the truth, but an issue says so
    UNFLAGGED = "unflagged"  # an acceptable value, but the required issue is missing
    SILENT = "silent"  # a wrong value and no issue: the worst outcome


def read_value(result: ParseResult, name: str) -> str | int | None:
    """The parsed value of a field as the contract's JSON gives it."""
    if name == "municipality":
        return result.municipality
    if name == "period":
        return str(result.period) if result.period is not None else None
    q, part = name[1:].split(".")
    answer = result.answers.get(int(q))
    if answer is None:
        return None
    return answer.impact if part == "impact" else answer.comment


def flagged_fields(result: ParseResult) -> set[str]:
    """Fields with an issue; a file-level error flags every field."""
    if any(i.field == "file" and i.severity is Severity.ERROR for i in result.issues):
        return {"*"}
    return {i.field for i in result.issues}


def _equal(truth: FieldValue, got: str | int | None) -> bool:
    if isinstance(truth, CommentTruth):
        return truth.matches(got if isinstance(got, str) else "")
    return truth == got


def _is_null(got: str | int | None) -> bool:
    return got is None or (isinstance(got, str) and not normalise(got))


def judge(truth: FieldTruth, got: str | int | None, has_issue: bool) -> Outcome:
    """The outcome of one field (see `Outcome`)."""
    equal = _equal(truth.value, got)
    if truth.flag:
        if equal or _is_null(got):
            return Outcome.RIGHT if has_issue else Outcome.UNFLAGGED
        return Outcome.FLAGGED if has_issue else Outcome.SILENT
    if equal:
        return Outcome.RIGHT
    return Outcome.FLAGGED if has_issue else Outcome.SILENT


def shown(value: FieldValue | str, limit: int = 160) -> str:
    """A value for a report line (comments in compare form, cut at `limit`)."""
    if isinstance(value, CommentTruth):
        value = value.text
    elif isinstance(value, str):
        value = normalise(value)
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


__all__ = ["CommentTruth", "FieldTruth", "FieldValue", "Outcome", "flagged_fields", "judge",
           "normalise", "read_value", "shown"]
