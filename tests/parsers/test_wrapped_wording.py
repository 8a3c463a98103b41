"""A question's wording wrapped so that its last words stand on a line of their own ("…förebygga
sociala" / "risker?", as a PDF printed from a narrow table cell gives it) is the question, not the
first line of the answer: the comment is exactly what was written under it, with no issue."""

from __future__ import annotations

import io

import docx
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import parse_bytes
from parsers.form import default_form

FORM = default_form()


def _form(cut_from_end: dict[int, int]) -> bytes:
    document = docx.Document()
    document.add_paragraph(FORM.title)
    document.add_paragraph("Underlaget inlämnat av kommun: Mora")
    document.add_paragraph("Oktober 2026")
    for question in FORM.questions:
        words = question.text.split()
        cut = len(words) - cut_from_end[question.number]
        document.add_paragraph(f"Fråga {question.number}, {question.short}: {' '.join(words[:cut])}")
        document.add_paragraph(" ".join(words[cut:]))
        if question.impact:
            document.add_paragraph("Påverkan: 2")
        document.add_paragraph(f"Kommentar: Lugnt i kommunen under månaden, fråga {question.number}.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@settings(max_examples=20, deadline=None)
@given(st.fixed_dictionaries({q.number: st.integers(1, 2) for q in FORM.questions}))
def test_the_wordings_last_words_on_their_own_line_stay_out_of_the_comment(cut_from_end: dict[int, int]) -> None:
    result = parse_bytes(_form(cut_from_end), "Mora.docx", FORM)
    for question in FORM.questions:
        answer = result.answers[question.number]
        assert answer.comment == f"Lugnt i kommunen under månaden, fråga {question.number}.", question.number
        assert result.issues_for(f"q{question.number}.comment") == []
