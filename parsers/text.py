"""The one text-level reader: from a `Document` to a `ParseResult`.

Every format (.docx, .pdf, .odt, .xlsx, a mail body) ends here, so they agree.
Each section is read on its own (`parsers.sections`) and the best one wins;
the header fields come from `parsers.header`, named form fields
(`parsers.fields`) take precedence where they hold a value, and what the
two say is cross-checked. Last, every answer is checked against the form's
own vocabulary (`parsers.guard`). Anything unsure becomes an `Issue`;
nothing is guessed silently.
"""

from __future__ import annotations

import re
from dataclasses import replace

from parsers.document import Document
from parsers.fields import FieldValues, read_fields
from parsers.form import FormSpec, Question, Scale
from parsers.guard import find_leak
from parsers.header import area_of, month_hint_of, municipality_of, period_of
from parsers.impact import ImpactStatus, read_impact
from parsers.normalize import clean, fold
from parsers.period import read_period
from parsers.placeholders import is_placeholder
from parsers.question_read import QuestionRead
from parsers.result import Answer, Cadence, Format, Issue, ParseResult, Period
from parsers.sections import SectionRead, read_section
from parsers.week import week_period_of

__all__ = ["extract", "is_placeholder"]

_SEVERITY_ERROR = (ImpactStatus.INVALID, ImpactStatus.AMBIGUOUS, ImpactStatus.CONTRADICTION)

def _label(question: Question) -> str:
    return f"Fråga {question.number} ({question.short})"


def extract(document: Document, form: FormSpec, fmt: Format, filename: str = "") -> ParseResult:
    """Read answers, municipality, period and (on a form that asks for it) area from a document.

    Pure; never raises."""
    sections = [read_section(s, form) for s in document.sections] or [
        SectionRead({q.number: QuestionRead() for q in form.questions}, [], [], [])
    ]
    issues: list[Issue] = [Issue.warning("file", note) for note in document.notes]
    best = _best_section(sections, [s.name for s in document.sections], issues)
    best.flattened_table = best.flattened_table or document.flattened_columns
    fields = read_fields(document.fields, form, best.order)
    found = {n for n, q in best.questions.items() if q.found} | set(fields.impacts) | set(fields.comments)
    impact_questions = [q.number for q in form.questions if q.impact]
    no_impacts = impact_questions and not fields.impacts and all(
        best.questions[n].impact is None for n in impact_questions)
    if len(found) * 2 < len(form.questions) or (no_impacts and len(found) < len(form.questions)):
        # Fewer than half of the questions: another form (or none), not this one
        # filled in oddly. Reading its text as answers would be guessing.
        from parsers import blank_result

        what = "inga" if not found else "bara enstaka"
        issues.append(Issue.error("file", f"Filen innehåller {what} frågor från lägesbildsmallen "
                                          f"(\"{form.title}\"). Använd mallen och skicka igen."))
        return blank_result(form, fmt, issues)

    municipality = municipality_of(best.municipality_values, best.title_lines, fields.municipality,
                                 filename, issues)
    if form.cadence is Cadence.WEEK:
        period = week_period_of(best.period_values, best.title_lines, fields.period, filename, issues, best.dates)
        month_hint = None
    else:
        period = period_of(best.period_values, best.title_lines, fields.period, filename, issues, best.dates)
        month_hint = None if period else month_hint_of(best.period_values, best.title_lines, fields.period)
    area = area_of(best.area_values, fields.area, issues, best.area_refused) if form.labels.area else None
    answers: dict[int, Answer] = {}
    for question in form.questions:
        read = best.questions[question.number]
        answers[question.number] = _sourced(_answer(question, read, fields, form.scale, issues), question,
                                            read, fields)
    _doubt_layout(form, answers, best, document, issues)
    _guard_vocabulary(form, answers, issues)
    _guard_coverage(form, best, fields, issues)
    order = {"file": 0, "municipality": 1, "period": 2, "area": 3}
    issues.sort(key=lambda i: (order.get(i.field, 4), _qnum(i.field)))
    return ParseResult(fmt, municipality, period, answers, tuple(issues), form.id, month_hint, area)


def _section_period(section: SectionRead, name: str) -> Period | None:
    scratch: list[Issue] = []
    period = period_of(section.period_values, section.title_lines, None, "", scratch)
    if period is None:
        named = read_period(name)
        period = named.period
    return period


def _best_section(sections: list[SectionRead], names: list[str], issues: list[Issue]) -> SectionRead:
    """The section with the most answers; among several filled ones, the latest month.

    Workbooks are reused month after month, with a new sheet per month: the
    newest month is the report, and the file gets a warning saying which
    sheet was read.
    """
    most = max(s.answered for s in sections)
    tied = [(s, n) for s, n in zip(sections, names, strict=False) if s.answered >= max(3, most - 1)]
    if len(tied) <= 1:
        return max(sections, key=lambda s: s.score)
    dated = [(_section_period(s, n), s, n) for s, n in tied]
    if all(p is None for p, _, _ in dated):
        # Sheets named after their month ("September", "Oktober"), no year anywhere.
        months = [read_period(n).month_only for _, _, n in dated]
        if all(months) and len(set(months)) == len(months):
            dated = [(Period(2000, m or 1), s, n) for m, (_, s, n) in zip(months, dated, strict=True)]
    known = [(p, s, n) for p, s, n in dated if p is not None]
    if len(known) == len(dated) and len({p for p, _, _ in known}) == len(known):
        period, chosen, name = max(known, key=lambda x: x[0])
        shown = f" ({period})" if period.year != 2000 else ""
        issues.append(Issue.warning("file", f"Arbetsboken har {len(tied)} ifyllda blad; bladet \"{name}\"{shown} "
                                            "lästes som rapporten."))
        return chosen
    chosen, name = tied[0]
    issues.append(Issue.warning("file", f"Arbetsboken har {len(tied)} ifyllda blad; bladet \"{name}\" lästes. "
                                        "Skicka bara den aktuella månadens blad."))
    return chosen


def _doubt_layout(form: FormSpec, answers: dict[int, Answer], best: SectionRead, document: Document,
                  issues: list[Issue]) -> None:
    """Flag answers whose reading the layout puts in doubt, where nothing else flagged them."""
    flagged = {i.field for i in issues}

    def flag(field_name: str, message: str) -> None:
        if field_name not in flagged:
            issues.append(Issue.warning(field_name, message))
            flagged.add(field_name)

    for q in form.questions:
        label = _label(q)
        if best.flattened_table:
            message = (f"{label}: tabellen saknar linjer och dess kolumner kunde inte skiljas åt säkert; "
                       "kontrollera värdet.")
            if q.impact:
                flag(f"q{q.number}.impact", message)
            flag(f"q{q.number}.comment", message)
        if document.margin_comments and not answers[q.number].comment:
            flag(f"q{q.number}.comment", f"{label}: ingen kommentar i formuläret, men dokumentet har "
                                         "kommentarer i marginalen som inte läses; skriv svaret i formuläret.")


def _guard_vocabulary(form: FormSpec, answers: dict[int, Answer], issues: list[Issue]) -> None:
    """Flag every comment that holds the form's own words (see `parsers.guard`)."""
    flagged = {i.field for i in issues}
    for q in form.questions:
        leak = find_leak(answers[q.number].comment, form)
        if leak is None:
            continue
        label = _label(q)
        field_name = f"q{q.number}.comment"
        if field_name not in flagged:
            issues.append(Issue.warning(field_name, f"{label}: kommentaren innehåller formulärets egen text "
                                                    f"(\"{leak.words}\"); kontrollera att svaret lästes rätt."))
        if leak.impact_label and q.impact and f"q{q.number}.impact" not in flagged:
            issues.append(Issue.warning(f"q{q.number}.impact",
                                        f"{label}: en rubrik för påverkan står i kommentaren (\"{leak.words}\"); "
                                        "kontrollera påverkan."))


def _guard_coverage(form: FormSpec, best: SectionRead, fields: FieldValues, issues: list[Issue]) -> None:
    """Flag a comment that lacks a sentence written under its question (see `parsers.coverage`)."""
    flagged = {i.field for i in issues}
    for q, orphans in sorted(best.orphans.items()):
        field_name = f"q{q}.comment"
        if q in fields.comments or field_name in flagged:
            continue
        shown = orphans[0][:50]
        issues.append(Issue.warning(field_name, f"{_label(form.question(q))}: texten \"{shown}\" står under frågan "
                                                "men lästes inte som en del av svaret; kontrollera kommentaren."))


def _sourced(answer: Answer, question: Question, read: QuestionRead, fields: FieldValues) -> Answer:
    """The answer with where its impact and comment were read from: a named field, else the text."""
    n = question.number
    impact_source = None
    if question.impact:
        reading = fields.impacts.get(n) or read.impact
        if reading is not None and reading.status is not ImpactStatus.BLANK:
            impact_source = fields.sources.get(f"q{n}.impact") if n in fields.impacts else read.impact_from
    comment_source = None
    if answer.comment:
        comment_source = fields.sources.get(f"q{n}.comment") if n in fields.comments else read.comment_from
    if impact_source is None and comment_source is None:
        return answer
    return replace(answer, impact_source=impact_source, comment_source=comment_source)


def _qnum(field_name: str) -> int:
    m = re.match(r"q(\d+)\.", field_name)
    return int(m.group(1)) if m else 0


def _answer(question: Question, read: QuestionRead, fields: FieldValues, scale: Scale,
            issues: list[Issue]) -> Answer:
    n = question.number
    label = _label(question)
    comment = _join_comment(read.comment_lines)
    if n in fields.comments:
        comment = _join_comment(fields.comments[n].split("\n"))
    impact_reading = fields.impacts.get(n) or read.impact
    if not read.found and n not in fields.impacts and n not in fields.comments:
        if question.impact:
            issues.append(Issue.error(f"q{n}.impact", f"{label} hittades inte i filen."))
        issues.append(Issue.error(f"q{n}.comment", f"{label} hittades inte i filen; kommentaren kunde inte läsas."))
        return Answer(None, "")
    if n in fields.guessed and (n in fields.impacts or n in fields.comments):
        message = (f"{label}: formulärfältet kunde inte knytas säkert till frågan (fälten har inga frågenummer "
                   "och frågorna hittades inte alla i texten); kontrollera.")
        issues.append(Issue.warning(f"q{n}.comment", message))
        if question.impact:
            issues.append(Issue.warning(f"q{n}.impact", message))
    if read.comment_doubt and n not in fields.comments:
        issues.append(Issue.warning(f"q{n}.comment", f"{label}: {read.comment_doubt}; kontrollera kommentaren."))
    first_line = comment.split("\n", 1)[0].strip()
    if re.fullmatch(r"[1-9]", first_line) or (question.impact and _is_level(first_line, scale)):
        # "3" or "Oroande" alone on the comment's first line: the impact typed in the comment field.
        issues.append(Issue.warning(f"q{n}.comment", f"{label}: kommentaren börjar med ett värde "
                                                     f"(\"{first_line[:20]}\"); har påverkan och kommentar "
                                                     "hamnat i fel fält?"))
    if not question.impact:
        return Answer(None, comment)
    if n in fields.boxes_by_order and n in fields.impacts:
        issues.append(Issue.warning(f"q{n}.impact", f"{label}: kryssrutorna har inga frågenummer i sina namn och "
                                                    "knöts till frågan efter sin ordning; kontrollera påverkan."))
    in_field, in_text = fields.impacts.get(n), read.impact
    if in_field and in_text and in_field.value is not None and in_text.value is not None \
            and in_field.value != in_text.value:
        # The field and the text around it are two statements of one answer.
        issues.append(Issue.error(f"q{n}.impact", f"{label}: formulärfältet anger påverkan {in_field.value} men "
                                                  f"texten {in_text.value}; ange ett värde."))
        return Answer(None, comment)
    if read.impact_conflict and n not in fields.impacts:
        issues.append(Issue.error(f"q{n}.impact", f"{label}: påverkan anges flera gånger med olika värden."))
        issues.append(Issue.warning(f"q{n}.comment", f"{label}: flera påverkan-rader under samma fråga; "
                                                     "kontrollera att kommentaren hör till frågan."))
        return Answer(None, comment)
    if impact_reading is None:
        issues.append(Issue.warning(f"q{n}.impact", f"{label}: påverkan saknas."))
        return Answer(None, comment)
    status = impact_reading.status
    if status is ImpactStatus.OK:
        return Answer(impact_reading.value, comment)
    message = f"{label}: {impact_reading.message}."
    if status in _SEVERITY_ERROR:
        issues.append(Issue.error(f"q{n}.impact", message))
        return Answer(None, comment)
    issues.append(Issue.warning(f"q{n}.impact", message))
    return Answer(impact_reading.value if status is ImpactStatus.UNCERTAIN else None, comment)


# A value and nothing else: "3", "Oroande", "3 (Oroande)", "3 - Oroande".
_LEVEL_ONLY_RE = re.compile(r"[1-9]?\s*[-(]?\s*[a-z]*\s*\)?")


def _is_level(text: str, scale: Scale) -> bool:
    """A value on the scale and nothing else (a level word counts only when it is the whole line)."""
    if not text or len(text) > 25 or _LEVEL_ONLY_RE.fullmatch(fold(text)) is None:
        return False
    reading = read_impact(text, scale)
    return reading.status is ImpactStatus.OK and not reading.rest


def _join_comment(lines: list[str]) -> str:
    kept = [clean(line) for line in lines]
    text = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", text)
