"""A question's wording wrapped so that its last words stand on a line of their own ("…förebygga
sociala" / "risker?", as a PDF printed from a narrow table cell gives it) is the question, not the
first line of the answer: the comment is exactly what was written under it, with no issue."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import parse_bytes
from parsers.form import Question, default_form
from tests.parsers.paragraph_forms import paragraph_docx

FORM = default_form()


def _form(cut_from_end: dict[int, int]) -> bytes:
    def heading(question: Question) -> list[str]:
        words = question.text.split()
        cut = len(words) - cut_from_end[question.number]
        return [f"Fråga {question.number}, {question.short}: {' '.join(words[:cut])}", " ".join(words[cut:])]

    return paragraph_docx(FORM, ["Underlaget inlämnat av kommun: Mora", "Oktober 2026"], heading,
                          lambda q: f"Lugnt i kommunen under månaden, fråga {q.number}.")


@settings(max_examples=20, deadline=None)
@given(st.fixed_dictionaries({q.number: st.integers(1, 2) for q in FORM.questions}))
def test_the_wordings_last_words_on_their_own_line_stay_out_of_the_comment(cut_from_end: dict[int, int]) -> None:
    result = parse_bytes(_form(cut_from_end), "Mora.docx", FORM)
    for question in FORM.questions:
        answer = result.answers[question.number]
        assert answer.comment == f"Lugnt i kommunen under månaden, fråga {question.number}.", question.number
        assert result.issues_for(f"q{question.number}.comment") == []
