"""Typed lines of running text: a paragraph or cell split at its labels, each line classified once per form."""

from __future__ import annotations

import re

from parsers.anchors import match_anchor, question_word_re
from parsers.form import FormSpec
from parsers.form_plan import form_plan
from parsers.labels import match_label
from parsers.normalize import clean, fold, fold_same_length
from parsers.typed_line import Kind, Line

_QUOTE_RE = re.compile(r"^(?:>\s?)+")  # a form quoted in a mail reply


def split_embedded_labels(line: str, form: FormSpec) -> list[str]:
    """Split a line where a second label starts ("Påverkan: 3 Kommentar: lugnt")."""
    folded = fold_same_length(line)
    embedded = form_plan(form).embedded
    leading = embedded.match(" " + folded, 1)
    first_end = leading.end() - 1 if leading else 0
    cuts = [m.start() for m in embedded.finditer(folded) if m.start() >= first_end]
    if not cuts or not (question_word_re(form).match(folded) or leading or _opens_with_heading(line[:cuts[0]], form)):
        # Only a line that itself starts with a label, "Fråga N" or a question's
        # heading is split: "… oro för påverkan: stor" in running prose stays one line.
        return [line]
    parts, start = [], 0
    for cut in cuts:
        parts.append(line[start:cut])
        start = cut
    parts.append(line[start:])
    return [p.strip() for p in parts if p.strip()]


def _opens_with_heading(prefix: str, form: FormSpec) -> bool:
    """Is `prefix` a question's heading, or a piece of one (a heading wrapped over lines)?

    A PDF of a table without ruling puts a heading and the labels beside it
    on one line: "Hot och våld Påverkan: 2", "tobak Kommentar: …".
    """
    if not prefix.strip():
        return False
    return is_heading_fragment(prefix, form) or match_anchor(prefix, form) is not None


_MAX_FRAGMENT_WORDS = 6


def is_heading_fragment(text: str, form: FormSpec) -> bool:
    """Text made only of words from the questions' names ("och otrygghet", "tobak"): a wrapped heading's piece."""
    words = _WORD_RE.findall(fold(text))
    return 0 < len(words) <= _MAX_FRAGMENT_WORDS and all(w in form_plan(form).heading_words for w in words) \
        and not re.search(r"[.!?]", text)


_WORD_RE = re.compile(r"[^\W\d_]+|\d+")


# Bounds on what `classify` remembers per form: template lines are a few
# dozen and short; a long text is most likely a one-off comment.
_MAX_CLASSIFIED = 4096
_MAX_CLASSIFIED_CHARS = 2000


def classify(text: str, form: FormSpec) -> list[Line]:
    """Typed lines for one paragraph or cell (a cell may hold several lines)."""
    # Every file of a form repeats most of the form's own text (the intro,
    # the question headings, "Påverkan: 2"), and the lines depend on the text
    # and the form only: each text is classified once per process.
    if len(text) > _MAX_CLASSIFIED_CHARS:
        return _classify(text, form)
    classified = form_plan(form).classified
    lines = classified.get(text)
    if lines is None:
        lines = tuple(_classify(text, form))
        if len(classified) >= _MAX_CLASSIFIED:
            classified.clear()  # bounded: comments are new in every file
        classified[text] = lines
    return [line.copy() for line in lines]


def _classify(text: str, form: FormSpec) -> list[Line]:
    """`classify` without the memory of texts already classified."""
    out: list[Line] = []
    lines = [_QUOTE_RE.sub("", line) for line in clean(text).split("\n")]
    for raw in (part for line in lines for part in split_embedded_labels(line, form) or [""]):
        if not raw.strip():
            out.append(Line(Kind.TEXT, ""))
            continue
        anchor = match_anchor(raw, form)
        if anchor:
            anchor.raw = raw.strip()
            out.append(anchor)
            continue
        label = match_label(raw, form)
        if label is not None:
            label.raw = raw.strip()
        out.append(label if label else Line(Kind.TEXT, raw.strip()))
    return out
