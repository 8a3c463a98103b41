"""The one text-level reader: from a `Document` to a `ParseResult`.

Every format (.docx, .pdf, .odt, .xlsx, a mail body) ends here, so they agree.
Steps: type each line (`parsers.lines`), pick one anchor per question (the
strongest, then the earliest), read the header fields (municipality, period),
read each question's section, and let named form fields (content controls,
AcroForm fields, defined names) take precedence where they hold a value.
Anything unsure becomes an `Issue`; nothing is guessed silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsers.document import Document, NamedField, Section
from parsers.form import FormSpec, Question
from parsers.impact import ImpactReading, ImpactStatus, read_impact
from parsers.lines import Kind, Line, looks_like_question_text, section_lines, split_question_text
from parsers.municipality import load_registry
from parsers.normalize import clean, fold, squash
from parsers.period import PeriodReading, read_period
from parsers.result import Answer, Format, Issue, ParseResult, Period

_PLACEHOLDERS = {
    fold(p)
    for p in (
        "Klicka eller tryck här för att ange text.", "Click or tap here to enter text.",
        "Klicka här för att ange text.", "Click here to enter text.", "Välj ett objekt.",
        "Choose an item.", "Skriv kommentar här", "Skriv kommunens namn", "Välj påverkan 1–5",
        "Skriv här", "Ange kommentar", "Ange månad",
    )
}

_SEVERITY_ERROR = (ImpactStatus.INVALID, ImpactStatus.AMBIGUOUS, ImpactStatus.CONTRADICTION)


def is_placeholder(text: str) -> bool:
    """Text that Word or our blank form shows in an empty field."""
    return fold(text).strip() in _PLACEHOLDERS


@dataclass(slots=True)
class _QuestionRead:
    """What one question's section gave."""

    impact: ImpactReading | None = None
    impact_conflict: bool = False
    comment_lines: list[str] = field(default_factory=list)
    found: bool = False


@dataclass(slots=True)
class _SectionRead:
    """One section read on its own; the best-scoring section of a file wins."""

    questions: dict[int, _QuestionRead]
    municipality_values: list[str]
    period_values: list[str]
    title_lines: list[str]
    dates: list[Period] = field(default_factory=list)
    flattened_table: bool = False

    @property
    def answered(self) -> int:
        """Questions with an impact value or a comment: what tells a filled form from a blank one."""
        return sum(1 for q in self.questions.values() if q.found and not _is_empty(q))

    @property
    def score(self) -> int:
        return sum(1 for q in self.questions.values() if q.found) * 10 + self.answered * 10 \
            + len(self.municipality_values) + len(self.period_values)


# ---------------------------------------------------------------- anchors


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


def _is_empty(read: _QuestionRead) -> bool:
    """Nothing answered: no impact value, and no comment beyond a lead-in line ("Sammanfattning:")."""
    text = [c for c in read.comment_lines if c.strip()]
    lead_in = len(text) == 1 and text[0].rstrip().endswith(":")
    return (read.impact is None or read.impact.value is None) and (not text or lead_in)


def _read_questions(lines: list[Line], chosen: dict[int, int], form: FormSpec) -> dict[int, _QuestionRead]:
    starts = sorted((i, q) for q, i in chosen.items())
    out: dict[int, _QuestionRead] = {}
    for n, (start, q) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        out[q] = _read_question(form.question(q), lines[start:end], form)
    return out


def _read_section(section: Section, form: FormSpec) -> _SectionRead:
    lines = section_lines(section, form)
    candidates = _candidates(lines)
    chosen = {q: c[0] for q, c in candidates.items()}
    first_anchor = min(chosen.values(), default=len(lines))
    result = _SectionRead({q.number: _QuestionRead() for q in form.questions}, [], [], [])
    for i, line in enumerate(lines):
        if line.kind is Kind.BREAK and fold(line.raw).startswith("datum"):
            dated = read_period(line.text)
            if dated.period:
                result.dates.append(dated.period)
        if line.kind is Kind.MUNICIPALITY:
            # A value on the next line counts only when it is one: the label may
            # simply be followed by the template's next line.
            value = line.text or _next_value(lines, i)
            if line.text or (value and load_registry().resolve(value).municipality):
                result.municipality_values.append(value)
        elif line.kind is Kind.PERIOD:
            value = line.text or _next_value(lines, i)
            if line.text or (value and read_period(value).found):
                result.period_values.append(value)
        elif line.kind is Kind.TEXT and _FLAT_HEADER_RE.search(fold(line.text)) and len(line.text) <= 90:
            result.flattened_table = True
        elif i < first_anchor and line.kind is Kind.TEXT and line.text and len(line.text) <= 120:
            result.title_lines.append(line.text)
    read = _read_questions(lines, chosen, form)
    # The template left blank and the answers given elsewhere (a summary table
    # at the end): an empty question takes another heading of its own that
    # has answers under it.
    for _ in range(2):
        moved = False
        for q, options in candidates.items():
            if not _is_empty(read[q]) or len(options) < 2:
                continue
            for other in options[1:]:
                trial = _read_questions(lines, {**chosen, q: other}, form)
                if not _is_empty(trial[q]):
                    chosen[q], read, moved = other, trial, True
                    break
        if not moved:
            break
    result.questions.update(read)
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


# ---------------------------------------------------------------- one question


def _read_question(question: Question, lines: list[Line], form: FormSpec) -> _QuestionRead:
    read = _QuestionRead(found=True)
    pre: list[str] = []
    post: list[str] = []
    rest: list[str] = []
    stopped = False
    in_comment = False
    awaiting_impact = False
    seen_content = False
    anchor = lines[0]
    if anchor.text:
        # An answer typed after the question mark: a lone value there is the
        # impact, flagged (it stands where no label says so).
        _take_text(anchor.text, question, form, read, pre, allow_bare=True)
    for line in lines[1:]:
        if line.kind is Kind.IMPACT:
            awaiting_impact = False
            if not question.impact:
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
            in_comment = True
            awaiting_impact = False
            if line.text and not is_placeholder(line.text):
                post.extend(t for t in line.text.split("\n") if not is_placeholder(t))
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
        if awaiting_impact:
            awaiting_impact = False
            candidate = read_impact(text, form.scale)
            if candidate.is_value and not candidate.rest and len(text) <= 40:
                read.impact = candidate if read.impact is None or read.impact.status is ImpactStatus.BLANK \
                    else read.impact
                continue
        if not seen_content and not in_comment and looks_like_question_text(text, question) >= 0.75:
            after_question = split_question_text(text, question)
            seen_content = True
            if after_question:
                pre.append(after_question)
            continue
        seen_content = True
        if in_comment:
            post.append(text)
        else:
            _take_text(text, question, form, read, pre, allow_bare=True)
    comment = _until_signature(pre + post)
    # Text typed after the value ("Påverkan: 3 Flera inbrott") is the comment
    # only when nothing else is; "Påverkan: 3, se nedan" beside a comment is not.
    read.comment_lines = comment if any(c.strip() for c in comment) else rest
    return read


_SIGNATURE_RE = re.compile(r"^(med )?(vanlig|vanliga|basta) (halsning|halsningar)\b|^mvh\b|^halsningar\b|^//\s*\w")


def _until_signature(lines: list[str]) -> list[str]:
    """Comment lines up to a mail-style signature ("Med vänlig hälsning", "Mvh")."""
    for i, line in enumerate(lines):
        if _SIGNATURE_RE.match(fold(line)):
            return lines[:i]
    return lines


def _anchor_source(line: Line) -> str:
    return line.raw or line.text


def _take_text(text: str, question: Question, form: FormSpec, read: _QuestionRead,
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
    """A line that holds only a value: "3", "Oroande", "3 (Oroande)", a box row."""
    f = fold(text)
    return bool(re.fullmatch(r"[\d\s().\-–:a-z]{1,30}", f)) and len(f.split()) <= 3 or _is_box_row(text)


def _is_box_row(text: str) -> bool:
    return any(ch in text for ch in "☐☒☑□■") or "[x]" in text.lower()


def _set_impact(read: _QuestionRead, reading: ImpactReading) -> None:
    if read.impact is None or read.impact.status is ImpactStatus.BLANK:
        read.impact = reading
        return
    if reading.status is ImpactStatus.BLANK:
        return
    if reading.value != read.impact.value:
        read.impact_conflict = True


# ---------------------------------------------------------------- named fields


@dataclass(frozen=True, slots=True)
class _FieldTarget:
    kind: str  # "municipality", "period", "impact", "comment", "option"
    question: int = 0
    option: int = 0


def field_target(name: str, form: FormSpec) -> _FieldTarget | None:
    """What a named form field holds, from its name: "lagesbild:q3.impact", "Paverkan3"…"""
    s = squash(name).replace("lagesbild", "")
    numbers = [int(n) for n in re.findall(r"\d+", s)]
    words = re.sub(r"\d+", " ", s)
    if "kommun" in words and "kommentar" not in words or "municipality" in words:
        return _FieldTarget("municipality")
    if any(w in words for w in ("manad", "period", "month", "rapportmanad")) and not numbers:
        return _FieldTarget("period")
    is_impact = any(w in words for w in ("paverk", "impact", "niva", "grad", "bedomning"))
    is_comment = any(w in words for w in ("kommentar", "comment", "beskrivning", "svar", "text"))
    if not numbers or numbers[0] not in form.numbers:
        return None
    q = numbers[0]
    if is_impact and len(numbers) == 2:
        return _FieldTarget("option", q, numbers[1])
    if is_impact:
        return _FieldTarget("impact", q)
    if is_comment:
        return _FieldTarget("comment", q)
    return None


@dataclass(slots=True)
class _FieldValues:
    municipality: str | None = None
    period: str | None = None
    impacts: dict[int, ImpactReading] = field(default_factory=dict)
    comments: dict[int, str] = field(default_factory=dict)


_ACROBAT_COPY = re.compile(r"^(.*?)(?:_(\d+))?$")


def _acrobat_targets(fields: list[NamedField], form: FormSpec) -> dict[str, _FieldTarget]:
    """Fields Acrobat named by copying: "Kommentar", "Kommentar_2", … "Påverkan 15_6".

    The copies are numbered in the order they were placed, so the n-th copy
    belongs to the n-th question of its kind.
    """
    groups: dict[str, list[tuple[int, str]]] = {}
    for f in fields:
        m = _ACROBAT_COPY.match(f.name)
        assert m is not None
        if f.checked is not None or field_target(m.group(1), form) is not None:
            continue  # checkboxes, and names that already say their question ("paverkan3_4")
        groups.setdefault(m.group(1), []).append((int(m.group(2) or 1), f.name))
    out: dict[str, _FieldTarget] = {}
    for base, members in groups.items():
        if len(members) < 2 or len({i for i, _ in members}) != len(members):
            continue
        words = squash(base)
        kind = "impact" if any(w in words for w in ("paverk", "impact", "niva")) else \
            "comment" if any(w in words for w in ("kommentar", "comment", "beskrivning")) else ""
        if not kind:
            continue
        numbers = [q.number for q in form.questions if kind == "comment" or q.impact]
        for index, name in sorted(members):
            if index <= len(numbers):
                out[name] = _FieldTarget(kind, numbers[index - 1])
    return out


def _read_fields(fields: list[NamedField], form: FormSpec) -> _FieldValues:
    out = _FieldValues()
    options: dict[int, list[tuple[int, bool]]] = {}
    copies = _acrobat_targets(fields, form)
    for f in fields:
        target = copies.get(f.name) or field_target(f.name, form)
        if target is None:
            continue
        value = "" if is_placeholder(f.value) else clean(f.value)
        if target.kind == "option":
            options.setdefault(target.question, []).append((target.option, bool(f.checked)))
        elif target.kind == "municipality" and value:
            out.municipality = value
        elif target.kind == "period" and value:
            out.period = value
        elif target.kind == "impact" and form.question(target.question).impact:
            if f.checked is not None and not value:
                continue
            if value:
                out.impacts[target.question] = read_impact(value, form.scale)
        elif target.kind == "comment" and value:
            out.comments[target.question] = value
    for q, opts in options.items():
        if q in out.impacts or not form.question(q).impact:
            continue
        ticked = [v for v, on in opts if on]
        text = " och ".join(str(v) for v in ticked)
        out.impacts[q] = read_impact(text, form.scale)
    return out


# ---------------------------------------------------------------- header fields


def _municipality(values: list[str], titles: list[str], field_value: str | None,
                  filename: str, issues: list[Issue]) -> str | None:
    registry = load_registry()
    candidates = ([field_value] if field_value else []) + values
    resolved: list[str] = []
    unknown: list[str] = []
    inexact = False
    for value in candidates:
        r = registry.resolve(value)
        if r.municipality:
            resolved.append(r.municipality.name)
            inexact = inexact or not r.exact
        else:
            unknown.append(value)
    if resolved:
        names = list(dict.fromkeys(resolved))
        if len(names) > 1:
            issues.append(Issue.error("municipality",
                                      f"Formuläret anger flera olika kommuner ({', '.join(names)}). "
                                      "Ange en kommun per formulär."))
            return None
        if inexact:
            issues.append(Issue.warning("municipality",
                                        f"Kommunens namn tolkades som {names[0]}; kontrollera stavningen."))
        return names[0]
    if unknown:
        issues.append(Issue.error("municipality",
                                  f"Kommunen \"{unknown[0][:60]}\" känns inte igen. "
                                  "Skriv kommunens namn, t.ex. \"Ludvika\"."))
        return None
    found = {m.name for t in titles for m in registry.find_in_text(t)}
    if len(found) == 1:
        return found.pop()
    by_name = {m.name for m in registry.find_in_text(_filename_words(filename))}
    if len(by_name) == 1:
        name = by_name.pop()
        issues.append(Issue.warning("municipality",
                                    f"Kommunen står inte i formuläret; {name} hämtades från filnamnet."))
        return name
    issues.append(Issue.warning("municipality",
                                "Kommunens namn saknas i formuläret (\"Underlaget inlämnat av kommun\")."))
    return None


def _filename_words(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"\.[A-Za-z0-9]{2,5}$", "", base)
    return re.sub(r"[_+]", " ", base)


def _month_hint(values: list[str], titles: list[str], field_value: str | None) -> int | None:
    """The one month named without a year, if the form names exactly one."""
    texts = ([field_value] if field_value else []) + values
    months = {r.month_only for r in map(read_period, texts) if r.month_only}
    if not months:
        months = {r.month_only for r in map(read_period, titles) if r.month_only}
    return months.pop() if len(months) == 1 else None


def _year_from_dates(month: int, dates: list[Period]) -> Period | None:
    """The year of a month-only period from the form's date ("Datum: 2026-11-02").

    A report is filled in during its month or up to two months after it.
    """
    for dated in dates:
        for back in range(3):
            candidate = dated
            for _ in range(back):
                candidate = candidate.previous()
            if candidate.month == month:
                return candidate
    return None


def _period(values: list[str], titles: list[str], field_value: str | None,
            filename: str, issues: list[Issue], dates: list[Period] | None = None) -> Period | None:
    readings: list[tuple[str, PeriodReading]] = []
    for value in ([field_value] if field_value else []) + values:
        readings.append((value, read_period(value)))
    explicit = [r for _, r in readings if r.found]
    if not explicit:
        for title in titles:
            r = read_period(title)
            if r.found:
                readings.append((title, r))
        explicit = [r for _, r in readings if r.found]
    periods = {r.period for r in explicit if r.period}
    if len(periods) > 1 or any(r.ambiguous for r in explicit) and not periods:
        shown = ", ".join(sorted(str(p) for p in periods)) or readings[0][0][:40]
        issues.append(Issue.error("period", f"Formuläret anger mer än en månad ({shown}). "
                                            "Ange vilken månad rapporten gäller."))
        return None
    if periods:
        return periods.pop()
    months = {r.month_only for r in explicit if r.month_only}
    years = {int(v.strip()) for v, _ in readings if re.fullmatch(r"\s*20\d\d\s*", v)}
    if len(months) == 1 and len(years) == 1:
        # "Månad: oktober" and "År: 2026" on lines of their own.
        return Period(years.pop(), months.pop())
    if months:
        from_name = read_period(_filename_words(filename))
        if from_name.period and from_name.period.month in months:
            issues.append(Issue.warning("period",
                                        f"Året saknas i formuläret; {from_name.period} hämtades från filnamnet."))
            return from_name.period
        if len(months) == 1:
            dated = _year_from_dates(next(iter(months)), dates or [])
            if dated:
                issues.append(Issue.warning("period", f"Året saknas i formuläret; {dated} hämtades från datumet."))
                return dated
        issues.append(Issue.warning("period",
                                    "Månaden anges utan år; ange både månad och år, t.ex. \"Oktober 2026\"."))
        return None
    if values:
        issues.append(Issue.error("period", f"Månaden \"{values[0][:40]}\" kunde inte läsas; "
                                            "skriv t.ex. \"Oktober 2026\"."))
        return None
    from_name = read_period(_filename_words(filename))
    if from_name.period:
        issues.append(Issue.warning("period",
                                    f"Månaden står inte i formuläret; {from_name.period} hämtades från filnamnet."))
        return from_name.period
    issues.append(Issue.warning("period", "Månad och år saknas i formuläret."))
    return None


# ---------------------------------------------------------------- assembling


def _label(question: Question) -> str:
    return f"Fråga {question.number} ({question.short})"


def extract(document: Document, form: FormSpec, fmt: Format, filename: str = "") -> ParseResult:
    """Read answers, municipality and period from a document. Pure; never raises."""
    sections = [_read_section(s, form) for s in document.sections] or [
        _SectionRead({q.number: _QuestionRead() for q in form.questions}, [], [], [])
    ]
    issues: list[Issue] = [Issue.warning("file", note) for note in document.notes]
    best = _best_section(sections, [s.name for s in document.sections], issues)
    fields = _read_fields(document.fields, form)
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

    municipality = _municipality(best.municipality_values, best.title_lines, fields.municipality,
                                 filename, issues)
    period = _period(best.period_values, best.title_lines, fields.period, filename, issues, best.dates)
    month_hint = None if period else _month_hint(best.period_values, best.title_lines, fields.period)
    answers: dict[int, Answer] = {}
    for question in form.questions:
        answers[question.number] = _answer(question, best.questions[question.number], fields, issues)
    _doubt_layout(form, answers, best, document, issues)
    order = {"file": 0, "municipality": 1, "period": 2}
    issues.sort(key=lambda i: (order.get(i.field, 3), _qnum(i.field)))
    return ParseResult(fmt, municipality, period, answers, tuple(issues), form.id, month_hint)


def _section_period(section: _SectionRead, name: str) -> Period | None:
    scratch: list[Issue] = []
    period = _period(section.period_values, section.title_lines, None, "", scratch)
    if period is None:
        named = read_period(name)
        period = named.period
    return period


def _best_section(sections: list[_SectionRead], names: list[str], issues: list[Issue]) -> _SectionRead:
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


def _doubt_layout(form: FormSpec, answers: dict[int, Answer], best: _SectionRead, document: Document,
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


def _qnum(field_name: str) -> int:
    m = re.match(r"q(\d+)\.", field_name)
    return int(m.group(1)) if m else 0


def _answer(question: Question, read: _QuestionRead, fields: _FieldValues, issues: list[Issue]) -> Answer:
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
    if re.fullmatch(r"\s*[1-9]\s*", comment):
        issues.append(Issue.warning(f"q{n}.comment", f"{label}: kommentaren är bara en siffra (\"{comment.strip()}\"); "
                                                     "har påverkan och kommentar hamnat i fel fält?"))
    if not question.impact:
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


def _join_comment(lines: list[str]) -> str:
    kept = [clean(line) for line in lines]
    text = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", text)
