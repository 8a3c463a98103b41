"""Named form fields: content controls, legacy form fields, AcroForm fields, defined names.

A filled-in template can be read by its fields' names as well as by position
("lagesbild:q3.impact", "Paverkan3", Acrobat's "Kommentar_2" copies). What a
field holds takes precedence over the text around it; `parsers.text` cross-
checks the two where both give a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsers.document import NamedField
from parsers.form import FormSpec
from parsers.impact import ImpactReading, read_impact
from parsers.normalize import clean, squash
from parsers.placeholders import is_placeholder
from parsers.result import Source


@dataclass(frozen=True, slots=True)
class FieldTarget:
    kind: str  # "municipality", "period", "area", "impact", "comment", "option"
    question: int = 0
    option: int = 0


def field_target(name: str, form: FormSpec) -> FieldTarget | None:
    """What a named form field holds, from its name: "lagesbild:q3.impact", "Paverkan3"…"""
    s = squash(name).replace("lagesbild", "")
    # Numbers from the name as written: squashing joins "Paverkan2_1" (question 2, box 1) into 21.
    numbers = [int(n) for n in re.findall(r"\d+", name.lower().replace("lagesbild", ""))]
    words = re.sub(r"\d+", " ", s)
    if "kommun" in words and "kommentar" not in words or "municipality" in words:
        return FieldTarget("municipality")
    if form.labels.area and not numbers and any(squash(label) in words for label in form.labels.area):
        return FieldTarget("area")  # "lagesbild:omrade", "Omrade", "Stadsdel"
    if any(w in words for w in ("manad", "period", "month", "rapportmanad")) and not numbers:
        return FieldTarget("period")
    is_impact = any(w in words for w in ("paverk", "impact", "niva", "grad", "bedomning"))
    is_comment = any(w in words for w in ("kommentar", "comment", "beskrivning", "svar", "text"))
    if not numbers or numbers[0] not in form.numbers:
        return None
    q = numbers[0]
    if is_impact and len(numbers) == 2:
        return FieldTarget("option", q, numbers[1])
    if is_impact:
        return FieldTarget("impact", q)
    if is_comment:
        return FieldTarget("comment", q)
    return None


@dataclass(slots=True)
class FieldValues:
    municipality: str | None = None
    period: str | None = None
    area: str | None = None
    impacts: dict[int, ImpactReading] = field(default_factory=dict)
    comments: dict[int, str] = field(default_factory=dict)
    # Questions whose field was matched by a guess (Acrobat's copies when the
    # document's questions could not all be placed): their values are flagged.
    guessed: set[int] = field(default_factory=set)
    # Questions whose impact came from check boxes matched by their place in
    # the order alone ("Kryssruta12"): read, and flagged for a look.
    boxes_by_order: set[int] = field(default_factory=set)
    # Which field (or ticked boxes) each impact and comment was read from.
    sources: dict[str, Source] = field(default_factory=dict)  # "q3.impact" -> source


_ACROBAT_COPY = re.compile(r"^(.*?)(?:_(\d+))?$")


def _acrobat_targets(fields: list[NamedField], form: FormSpec, order: list[int],
                     guessed: set[int]) -> dict[str, FieldTarget]:
    """Fields Acrobat named by copying: "Kommentar", "Kommentar_2", … "Påverkan 15_6".

    The copies are numbered in the order they were placed on the page, so the
    n-th copy belongs to the n-th question of its kind *in the document's
    order* (`order`: a form with its questions moved around numbers them as
    they stand). When the document's questions could not all be placed, the
    form's order stands in, and every question so matched is `guessed`.
    """
    groups: dict[str, list[tuple[int, str]]] = {}
    for f in fields:
        m = _ACROBAT_COPY.match(f.name)
        assert m is not None
        if f.checked is not None or field_target(m.group(1), form) is not None:
            continue  # checkboxes, and names that already say their question ("paverkan3_4")
        groups.setdefault(m.group(1), []).append((int(m.group(2) or 1), f.name))
    out: dict[str, FieldTarget] = {}
    for base, members in groups.items():
        if len(members) < 2 or len({i for i, _ in members}) != len(members):
            continue
        words = squash(base)
        kind = "impact" if any(w in words for w in ("paverk", "impact", "niva")) else \
            "comment" if any(w in words for w in ("kommentar", "comment", "beskrivning")) else ""
        if not kind:
            continue
        wanted = [q.number for q in form.questions if kind == "comment" or q.impact]
        numbers = [q for q in order if q in wanted]
        if len(numbers) < len(wanted):
            guessed.update(q for q in wanted if q not in numbers)
            numbers += [q for q in wanted if q not in numbers]
        for index, name in sorted(members):
            if index <= len(numbers):
                out[name] = FieldTarget(kind, numbers[index - 1])
    return out


_NUMBERED = re.compile(r"^(\D+?)\s*(\d+)$")


def _numbered_boxes(fields: list[NamedField], form: FormSpec, order: list[int]) -> dict[str, FieldTarget]:
    """Check boxes Acrobat numbered as they were placed ("Kryssruta1" … "Kryssruta30"): one row per question.

    Only when the count is exactly one box per level for every impact question
    the document shows, in its order; otherwise they say nothing for sure and
    are left unread.
    """
    groups: dict[str, list[tuple[int, str]]] = {}
    for f in fields:
        m = _NUMBERED.match(f.name)
        if f.checked is not None and m and field_target(f.name, form) is None:
            groups.setdefault(m.group(1), []).append((int(m.group(2)), f.name))
    levels = form.scale.max - form.scale.min + 1
    questions = [q for q in order if form.question(q).impact]
    out: dict[str, FieldTarget] = {}
    for members in groups.values():
        indexes = sorted(i for i, _ in members)
        if not questions or indexes != list(range(1, levels * len(questions) + 1)):
            continue
        for index, name in members:
            out[name] = FieldTarget("option", questions[(index - 1) // levels], form.scale.min + (index - 1) % levels)
    return out


def read_fields(fields: list[NamedField], form: FormSpec, order: list[int] | None = None) -> FieldValues:
    """What the named fields hold; `order` is the questions' order in the document, when known."""
    out = FieldValues()
    options: dict[int, list[tuple[int, bool, str]]] = {}
    boxes = _numbered_boxes(fields, form, order or [])
    out.boxes_by_order.update(t.question for t in boxes.values())
    copies = _acrobat_targets(fields, form, order or [], out.guessed) | boxes
    for f in fields:
        target = copies.get(f.name) or field_target(f.name, form)
        if target is None:
            continue
        value = "" if is_placeholder(f.value) else clean(f.value)
        if target.kind == "option":
            options.setdefault(target.question, []).append((target.option, bool(f.checked), f.name))
        elif target.kind == "municipality" and value:
            out.municipality = value
        elif target.kind == "period" and value:
            out.period = value
        elif target.kind == "area" and value:
            out.area = value
        elif target.kind == "impact" and form.question(target.question).impact:
            if f.checked is not None and not value:
                continue
            if value:
                out.impacts[target.question] = read_impact(value, form.scale)
                out.sources[f"q{target.question}.impact"] = Source.of(f"formulärfält \"{f.name}\"", value)
        elif target.kind == "comment" and value:
            out.comments[target.question] = value
            out.sources[f"q{target.question}.comment"] = Source.of(f"formulärfält \"{f.name}\"", value)
    for q, opts in options.items():
        if q in out.impacts or not form.question(q).impact:
            continue
        ticked = [(v, name) for v, on, name in opts if on]
        text = " och ".join(str(v) for v, _ in ticked)
        out.impacts[q] = read_impact(text, form.scale)
        if ticked:
            names = ", ".join(f"\"{name}\"" for _, name in ticked)
            out.sources[f"q{q}.impact"] = Source.of(f"kryssruta {names}", f"ikryssad, påverkan {text}")
    return out
