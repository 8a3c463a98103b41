"""Reading one question's lines, anchor to next anchor, into its impact and its comment lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsers.anchors import looks_like_question_text, split_question_text
from parsers.form import FormSpec, Question
from parsers.guard import mostly_wording
from parsers.impact import ImpactReading, ImpactStatus, read_impact
from parsers.normalize import clean, fold
from parsers.paragraph_lines import is_heading_fragment
from parsers.placeholders import is_placeholder
from parsers.result import Source
from parsers.typed_line import Kind, Line


@dataclass(slots=True)
class QuestionRead:
    """What one question's section gave."""

    impact: ImpactReading | None = None
    impact_conflict: bool = False
    comment_lines: list[str] = field(default_factory=list)
    found: bool = False
    comment_doubt: str = ""  # why the comment's text may not be exactly as written
    impact_from: Source | None = None  # where the impact was read from
    comment_from: Source | None = None  # where the comment's first line was read from


@dataclass(slots=True)
class _Origins:
    """Which line first gave the impact, the text before and after "Kommentar", and text after a value."""

    impact: ImpactReading | None = None
    impact_from: Source | None = None
    pre: Source | None = None
    post: Source | None = None
    rest: Source | None = None

    def note(self, read: QuestionRead, pre: list[str], post: list[str], rest: list[str], line: Line,
             before: Line | None) -> None:
        """Credit what reading `line` (after `before`) added to the question's values."""
        if read.impact is not self.impact:
            self.impact = read.impact
            self.impact_from = _source(line, before)
        if pre and self.pre is None:
            self.pre = _source(line, before)
        if post and self.post is None:
            self.post = _source(line, before)
        if rest and self.rest is None:
            self.rest = _source(line, before)


def _source(line: Line, before: Line | None) -> Source:
    """Where a line stands and its text; a value under an open label ("Påverkan:") is shown with it."""
    text = line.source_text
    if before is not None and before.open_value and not before.text and not line.row:
        text = f"{before.source_text} {text}"
    return Source.of(line.place, text)


def is_empty(read: QuestionRead) -> bool:
    """Nothing answered: no impact value, and no comment beyond a lead-in line ("Sammanfattning:")."""
    text = [c for c in read.comment_lines if c.strip()]
    lead_in = len(text) == 1 and text[0].rstrip().endswith(":")
    return (read.impact is None or read.impact.value is None) and (not text or lead_in)


def read_question(question: Question, lines: list[Line], form: FormSpec) -> QuestionRead:
    """One question's lines (its anchor first, up to the next anchor) as its impact and comment lines."""
    read = QuestionRead(found=True)
    pre: list[str] = []
    post: list[str] = []
    rest: list[str] = []
    stopped = False
    in_comment = False
    awaiting_impact = False
    seen_content = False
    anchor = lines[0]
    if anchor.text and not _own_heading_piece(anchor.text, question, form):
        # An answer typed after the question mark: a lone value there is the
        # impact, flagged (it stands where no label says so).
        _take_text(anchor.text, question, form, read, pre, allow_bare=True)
    origins = _Origins()
    last, before = anchor, None
    for line in lines[1:]:
        origins.note(read, pre, post, rest, last, before)
        last, before = line, last
        if line.kind is Kind.IMPACT:
            awaiting_impact = False
            if not question.impact:
                # A question without an impact: "Nivå 4 i polisens bedömning …" is its text.
                if line.text and not _bare_value(line.text) and not _is_empty_choice(line.text, form):
                    (post if in_comment else pre).append(line.raw or line.text)
                continue
            reading = read_impact(line.text, form.scale)
            prose = in_comment and read.impact is not None and read.impact.status is not ImpactStatus.BLANK \
                and (bool(reading.rest) or reading.status is ImpactStatus.INVALID)
            if prose and not line.from_grid:
                # "Bedömning: oroande utveckling i centrum." inside the comment.
                post.append(line.raw or line.text)
                continue
            if reading.status is ImpactStatus.INVALID and len(line.text) > 30 and not line.from_grid:
                # "Bedömning: oroande läge i centrum, …" in prose is comment text.
                (post if in_comment else pre).append(line.raw or line.text)
                continue
            if line.doubt and reading.status is ImpactStatus.OK:
                reading = ImpactReading(reading.value, ImpactStatus.UNCERTAIN,
                                        f"{line.doubt}; tolkades som {reading.value}, kontrollera")
            _set_impact(read, reading)
            if reading.rest:
                rest.append(reading.rest)
            awaiting_impact = line.open_value and not line.from_grid
            continue
        if line.kind is Kind.COMMENT:
            awaiting_impact = False
            text = line.text
            if text and line.doubt:
                read.comment_doubt = line.doubt
            if in_comment and not line.from_grid and not read.comment_doubt:
                # A second "Kommentar:" under one question: the first one's answer may be the label.
                read.comment_doubt = "rubriken Kommentar står flera gånger under frågan"
            in_comment = True
            if line.from_grid and question.impact and read.impact is None:
                text = _value_first(text, form, read)
            if text and not is_placeholder(text):
                post.extend(t for t in text.split("\n") if not is_placeholder(t))
            continue
        if line.kind in (Kind.MUNICIPALITY, Kind.PERIOD):
            continue
        if line.kind is Kind.BREAK:
            stopped = True
            continue
        if stopped:
            continue
        text = line.text
        if line.kind is Kind.ANCHOR and (line.question != question.number or seen_content or in_comment):
            # Another mention of a question inside this section ("1. Hot och våld i
            # hemmet har ökat" in a list): plain text.
            text = clean(_anchor_source(line))
        if not text:
            continue
        if is_placeholder(text):
            awaiting_impact = False
            continue
        if not in_comment and not seen_content and line.kind is Kind.TEXT \
                and (_own_heading_piece(text, question, form) or _wording_piece(text, question)):
            continue  # the rest of a heading or question wrapped over lines ("och otrygghet"), not an answer
        if awaiting_impact:
            awaiting_impact = False
            candidate = read_impact(text, form.scale)
            if candidate.is_value and not candidate.rest and len(text) <= 40:
                read.impact = candidate if read.impact is None or read.impact.status is ImpactStatus.BLANK \
                    else read.impact
                continue
            if not candidate.is_value and (_value_attempt(text, form) or _is_box_row(text)
                                           or _is_empty_choice(text, form)):
                # What stands under an open "Påverkan:" is its value, even when it is not a
                # valid one ("3-4", "hög", "Välj", an unticked box row): flagged on the impact,
                # never read into the comment.
                _set_impact(read, candidate)
                continue
        if not seen_content and not in_comment and looks_like_question_text(text, question) >= 0.75:
            after_question = split_question_text(text, question)
            seen_content = True
            if after_question:
                pre.append(after_question)
            continue
        seen_content = True
        if line.doubt and line.kind is Kind.TEXT:
            read.comment_doubt = line.doubt
        if in_comment:
            post.append(text)
        else:
            _take_text(text, question, form, read, pre, allow_bare=True)
    origins.note(read, pre, post, rest, last, before)
    comment = _until_signature(pre + post)
    # Text typed after the value ("Påverkan: 3 Flera inbrott") is the comment
    # only when nothing else is; "Påverkan: 3, se nedan" beside a comment is not.
    if any(c.strip() for c in comment):
        read.comment_lines = comment
        read.comment_from = origins.pre if pre else origins.post
    else:
        read.comment_lines = rest
        read.comment_from = origins.rest
    read.impact_from = origins.impact_from
    return read


_SIGNATURE_RE = re.compile(r"^(med )?(vanlig|vanliga|basta) (halsning|halsningar)\b|^mvh\b|^halsningar\b|^//\s*\w")


def _until_signature(lines: list[str]) -> list[str]:
    """Comment lines up to a mail-style signature ("Med vänlig hälsning", "Mvh")."""
    for i, line in enumerate(lines):
        if _SIGNATURE_RE.match(fold(line)):
            return lines[:i]
    return lines


# "2 – Lugnt i centrum", "3 (Oroande): Klotter": a value, a separator, the text. Not "1." (a list).
_VALUE_FIRST_RE = re.compile(r"^\s*([1-9](?:\s*\([^)\n]{1,20}\))?)\s*[-\u2013\u2014:;]\s+(\S.*)$", re.DOTALL)
# A second line that starts the same way: a numbered list, not a value before its comment.
_LIST_ITEM_RE = re.compile(r"\n\s*[1-9]\s*[-\u2013\u2014:.;)]")


def _value_first(text: str, form: FormSpec, read: QuestionRead) -> str:
    """An answer column's cell that starts with the impact ("2 – Lugnt …"): the value is taken, flagged.

    A single "Svar" column holds both; the value stands where no label says
    it is the impact, so it is read as uncertain. Returns the comment text.
    """
    m = _VALUE_FIRST_RE.match(text)
    if not m or _LIST_ITEM_RE.search(text):
        return text
    reading = read_impact(m.group(1), form.scale)
    if reading.status is not ImpactStatus.OK:
        return text
    read.impact = ImpactReading(reading.value, ImpactStatus.UNCERTAIN,
                                f"\"{m.group(1)}\" står först i svarskolumnen och tolkades som påverkan "
                                f"{reading.value} ({form.scale.name_of(reading.value or 0)}); kontrollera")
    return m.group(2)


_MIN_WORDING_PIECE = 10


def _wording_piece(text: str, question: Question) -> bool:
    """A piece of the question's own wording ("senaste månaden?", "Vilka"): the question wrapped over lines.

    Also a reworded piece: most of its words are the wording's, and it ends
    the way a question does.
    """
    folded, wording = fold(text), fold(question.text)
    if len(folded) >= _MIN_WORDING_PIECE and folded in wording or len(folded) >= 4 and wording.startswith(folded):
        return True
    if len(folded) >= 4 and wording.endswith(" " + folded):
        return True  # its last words, wrapped onto a line of their own ("risker?")
    return mostly_wording(folded, wording)


def _own_heading_piece(text: str, question: Question, form: FormSpec) -> bool:
    """A piece of the question's own heading: its words only, all from the question's names."""
    if not is_heading_fragment(text, form):
        return False
    own = {w for name in question.names for w in fold(name).replace("/", " ").replace(",", " ").split()}
    return all(w in own for w in fold(text).replace("/", " ").replace(",", " ").split())


def _anchor_source(line: Line) -> str:
    return line.raw or line.text


def _take_text(text: str, question: Question, form: FormSpec, read: QuestionRead,
               pre: list[str], allow_bare: bool) -> None:
    """Text outside a comment: a bare value where the impact belongs, else comment."""
    if allow_bare and question.impact and read.impact is None and len(text) <= 40:
        candidate = read_impact(text, form.scale)
        if candidate.is_value and not candidate.rest and _bare_value(text):
            if candidate.status is ImpactStatus.OK and not _is_box_row(text):
                candidate = ImpactReading(
                    candidate.value, ImpactStatus.UNCERTAIN,
                    f"\"{text}\" står utan rubriken Påverkan och tolkades som påverkan "
                    f"{candidate.value} ({form.scale.name_of(candidate.value or 0)}); kontrollera",
                )
            read.impact = candidate
            return
    pre.append(text)


def _bare_value(text: str) -> bool:
    """A line that holds only a value: "3", "Oroande", "3 (Oroande)", "3-4 (Oroande/Allvarligt)", a box row."""
    f = fold(text)
    return bool(re.fullmatch(r"[\d\s().\-–:/,a-z]{1,30}", f)) and len(f.split()) <= 3 or _is_box_row(text)


# Words people answer "Påverkan:" with that are not on the scale ("hög", "mycket allvarligt").
_INTENSITY_WORDS = frozenset({"hog", "hogt", "lag", "lagt", "medel", "mycket", "stor", "liten", "ingen", "inget",
                              "ej", "ca", "cirka", "nivå", "niva", "och", "eller", "till", "av"})
_WORDS_RE = re.compile(r"[^\W\d_]+|\d+")


def _value_attempt(text: str, form: FormSpec) -> bool:
    """An attempt at an impact value, even an invalid one: "3-4", "7 (Mycket allvarligt)", "hög".

    Only digits, level words and a few words of degree; a short line of
    other words ("Svar 4.") is a comment.
    """
    folded = fold(text)
    if len(folded) > 40 or re.search(r"[.!?]\s*\S|[.!?]$", folded) and not re.fullmatch(r"[\d.,\s]+", folded):
        return False
    words = _WORDS_RE.findall(folded)
    levels = {fold(w) for lv in form.scale.levels for name in (lv.name, *lv.aliases) for w in name.split()}
    return bool(words) and all(w.isdigit() or w in levels or w in _INTENSITY_WORDS for w in words)


def _is_empty_choice(text: str, form: FormSpec) -> bool:
    """A choice left as the template offered it: "Välj", "Välj ett objekt.", "1-5"."""
    return len(text) <= 40 and read_impact(text, form.scale).status is ImpactStatus.BLANK


def _is_box_row(text: str) -> bool:
    return any(ch in text for ch in "☐☒☑□■") or "[x]" in text.lower()


def _set_impact(read: QuestionRead, reading: ImpactReading) -> None:
    if read.impact is None or read.impact.status is ImpactStatus.BLANK:
        read.impact = reading
        return
    if reading.status is ImpactStatus.BLANK:
        return
    if reading.value != read.impact.value:
        read.impact_conflict = True
