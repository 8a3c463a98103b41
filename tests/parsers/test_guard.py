"""The vocabulary guard: the form's own words in an answer are read, or flagged — never silent.

The layouts here are ones the readers have no rule for (a header row over a
"Svar" column whose cells label their own values); what is checked is the
general promise: every answer either comes out right, or carries an issue.
"""

from __future__ import annotations

import io

import pytest
from docx import Document as WordDocument
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import parse_bytes
from parsers.document import Document, Paragraph, Section
from parsers.form import default_form
from parsers.guard import find_leak
from parsers.result import Format
from parsers.text import extract

FORM = default_form()


@pytest.mark.parametrize(("comment", "impact_label"), [
    ("Påverkan: 2\nKommentar: Lugnt i centrum.", True),
    ("Lugnt.\nPåverkan (1-5): 3", True),
    ("Kommentar: inget nytt", False),
    ("Fråga 4 Ungdomar/skolor", False),
    ("Hot och våld:", False),
    ("2. Hot och våld: ökat i hemmet", False),
    ("Redogör kort under varje fråga:", False),
    ("1-5", True),
    ("och otrygghet Kommentar: lugnt", False),
    ("Lugnt i centrum. Påverkan (1-5): 3", True),
    ("och\nLugnt i centrum.", False),
    ("Vilka händelser och trender kan ni se vad gäller hot och våldsbrott under den senaste månaden?", False),
])
def test_the_forms_own_words_are_found(comment: str, impact_label: bool) -> None:
    leak = find_leak(comment, FORM)
    assert leak is not None and leak.impact_label is impact_label


@pytest.mark.parametrize("comment", [
    "Lugnt i centrum. Påverkan på skolan var liten.",
    "Hot och våld i hemmet har ökat något.",
    "Fler anmälningar om klotter än förra månaden; polisen kommenterar: inget nytt.",
    "„Det är lugnt” – sa polisen.",
    "",
])
def test_ordinary_prose_is_not_flagged(comment: str) -> None:
    assert find_leak(comment, FORM) is None


def _two_column_docx(header: tuple[str, str] | None, cell: str) -> bytes:
    doc = WordDocument()
    doc.add_paragraph("Lägesbild sociala risker")
    doc.add_paragraph("Månad: oktober 2026")
    doc.add_paragraph("Kommun: Mora")
    table = doc.add_table(rows=0, cols=2)
    if header:
        row = table.add_row().cells
        row[0].text, row[1].text = header
    for q in FORM.questions:
        row = table.add_row().cells
        row[0].text = q.short
        row[1].text = cell.format(n=q.number) if q.impact else f"Kommentar: Svar {q.number}"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.mark.parametrize("header", [None, ("Fråga", "Svar"), ("Område", "Bedömning och kommentar")])
@pytest.mark.parametrize("cell", ["Påverkan: 2\nKommentar: Svar {n}", "Påverkan (1-5): 2\nKommentar:\nSvar {n}",
                                  "Påverkan:\n2\nKommentar:\nSvar {n}", "Påverkan: 2 Kommentar: Svar {n}"])
def test_a_cell_that_labels_its_own_values_is_read_whatever_its_column_header(
        header: tuple[str, str] | None, cell: str) -> None:
    result = parse_bytes(_two_column_docx(header, cell), "lagesbild.docx")
    for q in FORM.questions:
        assert result.answers[q.number].comment == f"Svar {q.number}"
        assert result.answers[q.number].impact == (2 if q.impact else None)
    assert not [i for i in result.issues if i.field.startswith("q")]


_LABELS = [*FORM.labels.impact, *FORM.labels.comment, *(f"Fråga {n}" for n in range(1, 8)),
           *(q.short for q in FORM.questions)]
_WORDS = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzåäö ,."), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(before=_WORDS, label=st.sampled_from(_LABELS), value=st.sampled_from(["2", "4", "Oroande", "", "text"]),
       after=_WORDS, question=st.integers(1, 7))
def test_a_label_inside_an_answer_is_read_or_flagged(before: str, label: str, value: str, after: str,
                                                      question: int) -> None:
    """Whatever the words around it, a line opening with a label never passes silently as comment text."""
    blocks = [Paragraph("Oktober 2026"), Paragraph("Kommun: Mora")]
    for q in FORM.questions:
        blocks.append(Paragraph(f"Fråga {q.number}, {q.short}:"))
        if q.impact:
            blocks.append(Paragraph("Påverkan: 1"))
        text = f"Kommentar: {before}" + (f"\n{label}: {value}\n{after}" if q.number == question else "")
        blocks.append(Paragraph(text))
    result = extract(Document([Section(tuple(blocks))]), FORM, Format.TEXT)
    answer = result.answers[question]
    flagged = {i.field for i in result.issues}
    leaked = f"{label}: {value}".strip() in answer.comment
    assert not leaked or f"q{question}.comment" in flagged



def _borderless_docx(heading: str) -> bytes:
    doc = WordDocument()
    doc.add_paragraph("Lägesbild sociala risker")
    doc.add_paragraph("Månad: oktober 2026")
    doc.add_paragraph("Kommun: Mora")
    table = doc.add_table(rows=0, cols=2)  # no ruling: in a PDF the columns run together
    for q in FORM.questions:
        row = table.add_row().cells
        row[0].text = heading.format(n=q.number, short=q.short)
        row[1].text = ("Påverkan: 3\n" if q.impact else "") + f"Kommentar: „Lugnt” – svar {q.number}"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.mark.libreoffice
@pytest.mark.parametrize("heading", ["{short}", "Fråga {n}. {short}"])
def test_a_table_without_ruling_printed_to_pdf_is_read_or_flagged(heading: str) -> None:
    """Heading and labels share a line, a heading wraps over lines: each answer is right or flagged."""
    from tests.support.libreoffice import convert

    result = parse_bytes(convert("tabell.docx", _borderless_docx(heading), "pdf"), "tabell.pdf")
    flagged = {i.field for i in result.issues}
    right = 0
    for q in FORM.questions:
        answer = result.answers[q.number]
        comment_ok = answer.comment == f"„Lugnt” – svar {q.number}"
        impact_ok = answer.impact == (3 if q.impact else None)
        assert comment_ok or f"q{q.number}.comment" in flagged, (q.number, answer)
        assert impact_ok or f"q{q.number}.impact" in flagged, (q.number, answer)
        right += comment_ok + impact_ok
    assert right >= 12  # of 14: the two columns cannot always be told apart on the last line
