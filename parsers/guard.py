"""The last check on every answer: does it hold the form's own words?

The readers understand the layouts they know. On a layout they do not know,
what goes wrong is nearly always the same: the form's own text — a label
("Påverkan: 2", "Kommentar:"), a question's heading or wording, "Fråga 4",
the template's instructions — is read into an answer, and the value that
belonged to it is lost. So after reading, every comment is checked against
the form's vocabulary (from the form definition, not from any layout), and a
comment that holds it is flagged on its field; when the leaked words are an
impact label, the question's impact is flagged too, since its value may
have been lost with it. This is what turns an unknown layout into a flagged
answer instead of a silent error.

Pure: text and the form in, findings out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.anchors import looks_like_question_text
from parsers.form import FormSpec
from parsers.memo import per_object
from parsers.normalize import fold
from parsers.paragraph_lines import is_heading_fragment


@dataclass(frozen=True, slots=True)
class Leak:
    """The form's own words found in a comment: what they were, and whether an impact label."""

    words: str
    impact_label: bool


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    """A form's words, folded and compiled once."""

    # A label at a line start, a few words at most before its colon:
    # "Påverkan: 2", "Påverkan (1-5): 2", "Kommentar:", "Kommun: Mora".
    labels: re.Pattern[str]
    impact_labels: frozenset[str]
    # A long label (6+ letters, not an everyday word) before a colon inside a
    # line: "… och otrygghet Kommentar: lugnt" from a table flattened into lines.
    inline_labels: re.Pattern[str]
    # A question's name or alias as a heading: alone on its line or before a colon.
    headings: re.Pattern[str]
    # The template's own lines: title, instruction, the intro's sentences.
    template_lines: frozenset[str]
    # The scale as printed ("1-5", "(1-5)") alone on a line.
    ranges: frozenset[str]
    # The questions' wordings, folded, word by word: a first or last piece of one
    # left on a line of its own by a table cut at a page break ("Vilka", "risker?").
    wordings: tuple[tuple[str, ...], ...]


# "Fråga 3", "Fr. 3", "Question 3" opening a line: a question heading.
_QUESTION_NUMBER_RE = re.compile(r"^(?:fraga|fr\.|question)\s*(?:nr\.?\s*)?\d{1,2}\b")
# A sentence of the template long enough not to be typed by chance.
_TEMPLATE_MIN = 25


def _alternation(words: set[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True) if w)


@per_object
def _vocabulary(form: FormSpec) -> _Vocabulary:
    labels = form.labels
    label_words = {fold(w) for group in (labels.impact, labels.comment, labels.municipality, labels.period)
                   for w in group}
    names = {fold(n) for q in form.questions for n in q.names}
    template = {fold(form.title), fold(form.instruction)}
    for sentence in re.split(r"(?<=[.!?:])\s+|\n+", form.intro):
        if len(sentence.strip()) >= _TEMPLATE_MIN:
            template.add(fold(sentence))
    return _Vocabulary(
        labels=re.compile(rf"^(?:\d{{1,2}}\s*[.)]\s*)?({_alternation(label_words)})(?![a-z0-9])[^:\n]{{0,25}}:"),
        impact_labels=frozenset(fold(w) for w in labels.impact),
        inline_labels=re.compile(rf"(?<=\s)({_alternation({w for w in label_words if len(w) >= 6})})"
                                 r"(?:\s*\(?\s*1\s*-\s*5\s*\)?)?\s*:"),
        headings=re.compile(rf"^(?:\d{{1,2}}\s*[.):]?\s*)?({_alternation(names)})\s*(?::|$)"),
        template_lines=frozenset(t for t in template if t),
        ranges=frozenset(fold(r) for r in form.scale.range_labels),
        wordings=tuple(tuple(fold(q.text).split()) for q in form.questions if q.text.strip()),
    )


def _wording_piece(folded: str, vocabulary: _Vocabulary) -> str:
    """The start of a line that is the first words of a question's wording alone on their line,
    or its last words up to its question mark ("risker? Läget är lugnt"); "" if none."""
    words = folded.split()
    if not words:
        return ""
    mark = folded.find("?")
    head = folded[:mark + 1].strip() if 0 <= mark <= 60 else ""
    for wording in vocabulary.wordings:
        if len(words) <= 3 and tuple(words) == wording[:len(words)]:
            return " ".join(words)
        if head and " ".join(wording).endswith(head):
            return head
    return ""


def _wrapped_heading_piece(line: str, form: FormSpec) -> bool:
    """Heading words on a line of their own ("och otrygghet", "händelser"); one word only when it
    continues a line (lower case, no colon): "Händelser:" is a comment's own lead-in."""
    text = line.strip()
    if not is_heading_fragment(text, form):
        return False
    return len(text.split()) > 1 or (text[:1].islower() and not text.endswith(":"))


def mostly_wording(folded: str, wording: str) -> bool:
    """Four or more words, nearly all of them the wording's, ending like a question: its text, reworded."""
    words = re.findall(r"[a-z]{3,}", folded)
    if len(words) < 4 or not folded.rstrip().endswith(("?", ")")):
        return False
    own = set(re.findall(r"[a-z]{3,}", wording))
    return sum(w in own for w in words) >= 0.85 * len(words)


def find_leak(comment: str, form: FormSpec) -> Leak | None:
    """The first of the form's own words that stands in `comment` as a label or heading would, if any."""
    if not comment:
        return None
    vocabulary = _vocabulary(form)
    for line in comment.split("\n"):
        folded = fold(line)
        if not folded:
            continue
        shown = line.strip()[:40]
        if _QUESTION_NUMBER_RE.match(folded):
            return Leak(shown, False)
        label = vocabulary.labels.match(folded)
        if label:
            return Leak(shown, label.group(1) in vocabulary.impact_labels)
        if vocabulary.headings.match(folded) or _wrapped_heading_piece(line, form):
            return Leak(shown, False)
        inline = vocabulary.inline_labels.search(folded)
        if inline:
            return Leak(line.strip()[max(0, inline.start() - 10):][:40], inline.group(1) in vocabulary.impact_labels)
        if folded in vocabulary.ranges:
            return Leak(shown, True)
        if _wording_piece(folded, vocabulary):
            return Leak(shown, False)
        if len(folded) >= _TEMPLATE_MIN and any(folded.startswith(t) or t.startswith(folded)
                                                for t in vocabulary.template_lines):
            return Leak(shown, False)
        if len(folded) >= 20 and any(looks_like_question_text(line, q) >= 0.8 for q in form.questions):
            return Leak(shown, False)
        if len(folded) >= _TEMPLATE_MIN and any(folded in fold(q.text) or mostly_wording(folded, fold(q.text))
                                                for q in form.questions):
            return Leak(shown, False)  # the end of a question's wording, wrapped onto a line of its own
    return None
