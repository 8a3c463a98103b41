"""What the readers remember between files (per form, per scale) never changes a reading.

A reader process reads hundreds of files against one form, so lines,
impact texts and the form's own words are worked out once and looked up
after that. These tests hold the remembered answers to the ones worked out
afresh, and make sure a remembered line cannot be changed by its user.
"""

from __future__ import annotations

import random

from parsers import parse_bytes
from parsers.anchors import _question_by_wording, _wording_score
from parsers.form import default_form
from parsers.form_plan import _wordings
from parsers.impact import _read_impact, read_impact
from parsers.normalize import squash
from parsers.paragraph_lines import _classify, classify
from parsers.typed_line import Kind
from tests.builders.mail import form_docx

FORM = default_form()


def test_a_remembered_line_is_handed_out_as_a_copy() -> None:
    text = "Fråga 2, Hot och våld: Vilka händelser och trender kan ni se?"
    first = classify(text, FORM)
    assert first[0].kind is Kind.ANCHOR and first[0].question == 2
    first[0].strength, first[0].from_grid, first[0].text = 99, True, "ändrad"
    again = classify(text, FORM)
    assert again == _classify(text, FORM)
    assert (again[0].strength, again[0].from_grid, again[0].text) != (99, True, "ändrad")


def test_the_same_file_twice_reads_the_same() -> None:
    data = form_docx()
    assert parse_bytes(data, "Ludvika.docx") == parse_bytes(data, "Ludvika.docx")


IMPACT_TEXTS = [
    "3", "3 (Oroande)", "Oroande", "3/5", "3 av 5", "1-5: 4", "1-5", "", "Välj ett objekt.",
    "☐1 ☐2 ☒3 ☐4 ☐5", "☐1 ☒2 ☒3 ☐4 ☐5", "7", "3-4", "2,5", "hög", "2 (Allvarligt)", "Orande",
    "ca 3", "3 (tidigare 2)", "2 → 3", "3,0", "tre", "(1 = Normalt … 5 = Kritiskt) 2", "4 Flera inbrott",
    "Inget avvikande", "normalt läge", "2, ev. 3", "[ ] 1 [X] 2 [ ] 3",
]


def test_remembered_impact_readings_equal_fresh_ones() -> None:
    for text in IMPACT_TEXTS * 2:  # the second round is answered from memory
        assert read_impact(text, FORM.scale) == _read_impact(text, FORM.scale), text


def _by_score(a: str) -> int | None:
    """The question `_question_by_wording` must find: the first scoring 0.8 or more."""
    return next((q.number for q in FORM.questions if _wording_score(a, q) >= 0.8), None)


def test_question_by_wording_finds_what_scoring_every_question_finds() -> None:
    # Near-copies of the wordings (typos, cuts, other text in front) and
    # unrelated lines: the shortcut that skips most comparisons must agree.
    rng = random.Random(2026)
    wordings = [squash(w[:60]) for q in FORM.questions for w in _wordings(q)]
    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    found = 0
    for _ in range(3000):
        chars = list(rng.choice(wordings)[: rng.randint(8, 60)])
        for _ in range(rng.randint(0, 8)):
            at = rng.randrange(len(chars) + 1)
            if rng.random() < 0.5:
                chars.insert(at, rng.choice(letters))
            elif chars:
                chars[min(at, len(chars) - 1)] = rng.choice(letters)
        if rng.random() < 0.2:
            chars = list(rng.choice(wordings)[:10]) + chars
        a = "".join(chars)
        hit = _question_by_wording(a, FORM)
        assert (hit.number if hit else None) == _by_score(a), a
        found += hit is not None
    assert 300 < found < 2700  # both outcomes were exercised
