"""Reading one section of a document: its questions' answers and its header values.

Steps: type each line (`parsers.lines`), pick one anchor per question (the
strongest, then the earliest), read each question's lines up to the next
anchor into an impact and comment lines, and collect the header values
(municipality, period, area, title lines, dates) for `parsers.header`.

One question's lines are read in `parsers.question_read`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsers.coverage import find_orphans
from parsers.document import Section
from parsers.form import FormSpec
from parsers.label_value import value_below
from parsers.lines import section_lines
from parsers.municipality import load_registry
from parsers.normalize import fold
from parsers.period import read_period
from parsers.question_read import QuestionRead, is_empty, read_question
from parsers.result import Period
from parsers.typed_line import Kind, Line


@dataclass(slots=True)
class SectionRead:
    """One section read on its own; the best-scoring section of a file wins."""

    questions: dict[int, QuestionRead]
    municipality_values: list[str]
    period_values: list[str]
    title_lines: list[str]
    dates: list[Period] = field(default_factory=list)
    #: "Område: Vivalla" above the first question (a form that asks for the area only).
    area_values: list[str] = field(default_factory=list)
    #: Why an area label alone on its line got no value: the next line was another label or a question.
    area_refused: list[str] = field(default_factory=list)
    flattened_table: bool = False
    order: list[int] = field(default_factory=list)  # the questions found, in the document's order
    orphans: dict[int, list[str]] = field(default_factory=dict)  # sentences under a question its comment lacks

    @property
    def answered(self) -> int:
        """Questions with an impact value or a comment: what tells a filled form from a blank one."""
        return sum(1 for q in self.questions.values() if q.found and not is_empty(q))

    @property
    def score(self) -> int:
        return sum(1 for q in self.questions.values() if q.found) * 10 + self.answered * 10 \
            + len(self.municipality_values) + len(self.period_values)


def _followed_by_labels(lines: list[Line], i: int) -> bool:
    """Does a "Påverkan"/"Kommentar" label follow before the next anchor?

    A real question heading is followed by its labels; a numbered line in a
    comment that happens to name a question is not.
    """
    for line in lines[i + 1: i + 8]:
        if line.kind is Kind.ANCHOR and line.question != lines[i].question:
            return False
        if line.kind in (Kind.IMPACT, Kind.COMMENT):
            return True
    return False


def _candidates(lines: list[Line]) -> dict[int, list[int]]:
    """question -> its anchor lines, the strongest first, then the earliest."""
    found: dict[int, list[tuple[int, int]]] = {}
    for i, line in enumerate(lines):
        if line.kind is not Kind.ANCHOR or line.question is None:
            continue
        strength = line.strength + (1 if line.from_grid or _followed_by_labels(lines, i) else 0)
        found.setdefault(line.question, []).append((-strength, i))
    return {q: [i for _, i in sorted(c)] for q, c in found.items()}


def _read_questions(lines: list[Line], chosen: dict[int, int], form: FormSpec) -> dict[int, QuestionRead]:
    starts = sorted((i, q) for q, i in chosen.items())
    out: dict[int, QuestionRead] = {}
    for n, (start, q) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        out[q] = read_question(form.question(q), lines[start:end], form)
    return out


def read_section(section: Section, form: FormSpec) -> SectionRead:
    """Read one section: each question's answer by its chosen anchor, and the header values."""
    lines = section_lines(section, form)
    candidates = _candidates(lines)
    chosen = {q: c[0] for q, c in candidates.items()}
    first_anchor = min(chosen.values(), default=len(lines))
    result = SectionRead({q.number: QuestionRead() for q in form.questions}, [], [], [])
    taken: set[int] = set()  # lines read as a label's value: not title lines too
    for i, line in enumerate(lines):
        if line.kind is Kind.BREAK and fold(line.raw).startswith("datum"):
            dated = read_period(line.text)
            if not line.text:
                # "Datum:" alone, the day on the next line (a sheet's cell beside the label, a
                # signature block): a date, neither the period nor a title line.
                below = value_below(lines, i, form)
                if below.index is not None and (day := read_period(below.value)).from_date:
                    dated = day
                    taken.add(below.index)
            if dated.period:
                result.dates.append(dated.period)
        if line.kind is Kind.MUNICIPALITY:
            # A value on the next line counts only when it is one: the label may
            # simply be followed by the template's next line.
            value = line.text or _next_value(lines, i)
            if line.text or (value and load_registry().resolve(value).municipality):
                result.municipality_values.append(value)
        elif line.kind is Kind.AREA:
            if i < first_anchor:
                if line.text:
                    result.area_values.append(line.text)
                else:
                    # "Område:" alone, the name on the next line (Word paragraphs, PDF text, mail text).
                    below = value_below(lines, i, form)
                    if below.index is not None:
                        result.area_values.append(below.value)
                        taken.add(below.index)
                    elif below.refused:
                        result.area_refused.append(below.refused)
            else:
                # "Område: …" under a question is what the municipality wrote there: its comment's text.
                line.kind, line.text = Kind.TEXT, line.raw or line.text
        elif line.kind is Kind.PERIOD:
            value = line.text or _next_value(lines, i)
            if line.text or (value and read_period(value).found):
                result.period_values.append(value)
        elif line.kind is Kind.TEXT and _FLAT_HEADER_RE.search(fold(line.text)) and len(line.text) <= 90:
            result.flattened_table = True
        elif i < first_anchor and line.kind is Kind.TEXT and line.text and len(line.text) <= 120 \
                and i not in taken:
            result.title_lines.append(line.text)
    read = _read_questions(lines, chosen, form)
    # The template left blank and the answers given elsewhere (a summary table
    # at the end): an empty question takes another heading of its own that
    # has answers under it.
    for _ in range(2):
        moved = False
        for q, options in candidates.items():
            if not is_empty(read[q]) or len(options) < 2:
                continue
            for other in options[1:]:
                trial = _read_questions(lines, {**chosen, q: other}, form)
                if not is_empty(trial[q]):
                    chosen[q], read, moved = other, trial, True
                    break
        if not moved:
            break
    result.questions.update(read)
    result.order = [q for q, _ in sorted(chosen.items(), key=lambda item: item[1])]
    result.orphans = find_orphans(lines, chosen, {q: "\n".join(r.comment_lines) for q, r in read.items()}, form)
    return result


# A table's header row read as one line of text ("Fråga Påverkan (1-5) Kommentar"):
# the table had no ruling, so its columns could not be told apart.
_FLAT_HEADER_RE = re.compile(r"\b(fraga|omrade)\b.*\bpaverkan\b.*\bkommentar")


def _next_value(lines: list[Line], i: int) -> str:
    """The value of a label whose value stands on the following line."""
    for line in lines[i + 1: i + 3]:
        if line.kind is Kind.TEXT and line.text:
            return line.text
        if line.kind is not Kind.TEXT:
            return ""
    return ""
