"""The value of a label that stands alone on its line ("Område:" and the name on the next line).

A coordinator who types "Område:" and presses Enter before the name, a Word
paragraph per line, a PDF's text layer or a mail's plain text all give the
label on one line and its value on the next. The next non-empty line is the
value unless it is itself part of the form: a label of the form's
vocabulary (another header field, a question's "Påverkan"/"Kommentar", a
stop label such as "Datum"), a question (its heading, its wording, or any
line ending in a question mark), or the form's own printed text (title,
intro, instruction). Then the label was left blank, and the line that
follows is reported as refused so the caller can flag it: taking the next
label or a question as the value would be a silent wrong value.

Pure functions over typed lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from parsers.form import FormSpec
from parsers.form_plan import match_labels
from parsers.normalize import fold
from parsers.typed_line import Kind, Line

__all__ = ["Below", "value_below"]

# What may follow a label word for the line to be that label rather than a sentence or a name:
# nothing, a separator, a bracketed scale ("Påverkan (1-3)") or a number ("Punkt 3", "Vecka 43").
_LABEL_TAIL = (":", "=", "-", "\u2013", "\u2014", "(")


@dataclass(frozen=True, slots=True)
class Below:
    """What stands under a label alone on its line: the value taken (`index` its line), or why the
    line there was refused (in Swedish: "en annan rubrik", "en fråga"); both empty when nothing follows."""

    value: str = ""
    index: int | None = None
    refused: str = ""


def _vocabulary(form: FormSpec) -> tuple[str, ...]:
    labels = form.labels
    return (*labels.municipality, *labels.period, *labels.area, *labels.impact, *labels.comment,
            *labels.question, *labels.stop, *labels.needs_colon)


def _is_label(text: str, form: FormSpec) -> bool:
    """Does `text` start with a label of the form's vocabulary, used as a label?"""
    hit = match_labels(fold(text), _vocabulary(form))
    if hit is None:
        return False
    rest = text[hit[0]:].strip()
    return rest == "" or rest.startswith(_LABEL_TAIL) or rest[:1].isdigit()


def _is_question(text: str, form: FormSpec) -> bool:
    """Is `text` a question of the form (its short name, an alias or its wording), or any question?"""
    if text.rstrip().endswith("?"):
        return True
    folded = fold(text).strip(" :.")
    for q in form.questions:
        names = (q.short, q.text, *q.aliases)
        if any(folded == fold(n).strip(" :.?") for n in names if n):
            return True
    return False


def _is_form_text(text: str, form: FormSpec) -> bool:
    """The form's own printed lines: what a blank form shows, never what a coordinator typed."""
    folded = fold(text).strip()
    printed = (form.title, form.instruction, *form.intro.split("\n"))
    return any(folded == fold(p).strip() for p in printed if p.strip())


def value_below(lines: list[Line], i: int, form: FormSpec) -> Below:
    """The value under the label alone on line `i`: the next non-empty line.

    A line that is a label (typed as one, or a vocabulary word used as a label),
    a question (an anchor, a question's name or wording, a line ending in "?")
    is refused; the form's own printed text means the label was left blank and
    is neither taken nor refused.
    """
    for j in range(i + 1, len(lines)):
        line = lines[j]
        text = line.text
        if line.kind is Kind.TEXT and not text.strip():
            continue
        if line.kind is Kind.ANCHOR or (line.kind is Kind.TEXT and _is_question(text, form)):
            return Below(refused="en fråga")
        if line.kind is not Kind.TEXT or _is_label(text, form):
            return Below(refused="en annan rubrik")
        if _is_form_text(text, form):
            return Below()
        return Below(value=text, index=j)
    return Below()
