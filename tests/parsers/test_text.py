"""The text-level reader on documents built by hand (format readers aside)."""

from __future__ import annotations

from parsers.document import Document, Grid, NamedField, Paragraph, Section
from parsers.form import default_form
from parsers.result import Format, ParseResult, Severity
from parsers.text import extract

FORM = default_form()
Q = {q.number: q for q in FORM.questions}


def question_line(n: int, numbered: bool = True) -> str:
    q = Q[n]
    wording = q.text[len(q.short):].lstrip() if q.text.startswith(q.short) else q.text
    return f"Fråga {n}, {q.short}: {wording}" if numbered else f"{q.short}: {wording}"


def read(*blocks: Paragraph | Grid, fields: list[NamedField] | None = None, filename: str = "") -> ParseResult:
    return extract(Document([Section(tuple(blocks))], fields or []), FORM, Format.DOCX, filename)


def template(answers: dict[int, list[str]], header: list[str] | None = None) -> list[Paragraph]:
    out = [Paragraph(t) for t in (header or ["Oktober månad 2026", "Underlaget inlämnat av kommun: Ludvika"])]
    for n in range(1, 8):
        out.append(Paragraph(question_line(n)))
        out.extend(Paragraph(t) for t in answers.get(n, ["Påverkan: 1" if n < 7 else "Kommentar:"]))
    return out


def fields_with_issues(result: ParseResult) -> dict[str, str]:
    return {i.field: i.severity.value for i in result.issues}


def test_the_template_filled_in_the_natural_way() -> None:
    result = read(*template({1: ["Påverkan: 3", "Kommentar: Inbrott i centrum."], 7: ["Kommentar: Nattvandrare."]}))
    assert (result.municipality, str(result.period)) == ("Ludvika", "2026-10")
    assert (result.answers[1].impact, result.answers[1].comment) == (3, "Inbrott i centrum.")
    assert result.answers[7].comment == "Nattvandrare."
    assert result.issues == ()


def test_two_labels_on_one_line_are_read_apart() -> None:
    result = read(*template({2: ["Påverkan: 2 Kommentar: Hot mot personal."]}))
    assert (result.answers[2].impact, result.answers[2].comment) == (2, "Hot mot personal.")


def test_text_after_the_value_is_the_comment_only_when_there_is_no_other() -> None:
    result = read(*template({1: ["Påverkan: 3 Flera inbrott."], 2: ["Påverkan: 2, se nedan", "Kommentar: Lugnt."]}))
    assert result.answers[1].comment == "Flera inbrott."
    assert result.answers[2].comment == "Lugnt."


def test_a_signature_after_the_last_question_is_not_part_of_its_comment() -> None:
    result = read(*template({7: ["Kommentar: Trygghetsvandring.", "Med vänliga hälsningar", "Anna Andersson"]}))
    assert result.answers[7].comment == "Trygghetsvandring."


def test_the_variant_form_without_question_numbers() -> None:
    blocks = [Paragraph("Kommun: Mora"), Paragraph("Månad: 2026-09")]
    for n in range(1, 8):
        blocks.append(Paragraph(question_line(n, numbered=False)))
        if n < 7:
            blocks.append(Paragraph(f"Påverkan 1-5: {n % 5 + 1}" if n != 4 else "Påverkan 1-5: "))
        blocks.append(Paragraph(f"Svar {n}."))
    result = read(*blocks)
    assert [result.answers[n].impact for n in range(1, 7)] == [2, 3, 4, None, 1, 2]
    assert [result.answers[n].comment for n in range(1, 8)] == [f"Svar {n}." for n in range(1, 8)]
    assert fields_with_issues(result) == {"q4.impact": "warning"}


def test_reordered_questions_are_matched_by_name() -> None:
    order = [3, 1, 2, 6, 5, 4, 7]
    blocks = [Paragraph("Kommun: Orsa"), Paragraph("Period: oktober 2026")]
    for n in order:
        blocks += [Paragraph(question_line(n)), Paragraph(f"Påverkan: {min(n, 5)}" if n < 7 else ""),
                   Paragraph(f"Kommentar: text {n}")]
    result = read(*blocks)
    assert {n: result.answers[n].impact for n in range(1, 7)} == {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 5}
    assert {n: result.answers[n].comment for n in range(1, 8)} == {n: f"text {n}" for n in range(1, 8)}


def test_a_missing_question_is_null_and_an_error() -> None:
    blocks = [b for b in template({}) if not b.text.startswith("Fråga 5")]
    result = read(*blocks)
    # Q4's section now runs into Q5's lines; the point is that Q5 is flagged.
    assert result.answers[5].impact is None
    assert fields_with_issues(result)["q5.impact"] == "error"


def test_three_column_table_with_header_row() -> None:
    rows = [("Fråga", "Påverkan (1-5)", "Kommentar")]
    rows += [(f"{n}. {Q[n].short}", str(n) if n < 6 else "", f"k{n}") for n in range(1, 8)]
    result = read(Paragraph("Kommun: Säter"), Paragraph("Månad: 10/2026"), Grid(tuple(rows)))
    assert [result.answers[n].impact for n in range(1, 8)] == [1, 2, 3, 4, 5, None, None]
    assert [result.answers[n].comment for n in range(1, 8)] == [f"k{n}" for n in range(1, 8)]
    assert fields_with_issues(result) == {"q6.impact": "warning"}


def test_level_columns_with_a_cross() -> None:
    rows: list[tuple[str, ...]] = [("Fråga", "1", "2", "3", "4", "5", "Kommentar")]
    for n in range(1, 7):
        marks = ["X" if v == (n % 5) + 1 else "" for v in range(1, 6)]
        if n == 3:
            marks = ["X", "", "X", "", ""]
        rows.append((Q[n].short, *marks, f"k{n}"))
    rows.append((Q[7].short, "", "", "", "", "", "k7"))
    result = read(Paragraph("Kommun: Säter"), Paragraph("Månad: 10/2026"), Grid(tuple(rows)))
    assert [result.answers[n].impact for n in (1, 2, 4, 5, 6)] == [2, 3, 5, 1, 2]
    assert result.answers[3].impact is None
    assert fields_with_issues(result)["q3.impact"] == "error"


def test_named_fields_take_precedence_and_placeholders_are_empty() -> None:
    fields = [NamedField("lagesbild:kommun", "Hedemora"), NamedField("lagesbild:period", "Oktober 2026"),
              NamedField("lagesbild:q1.impact", "4 – Allvarligt"),
              NamedField("lagesbild:q2.impact", "Välj påverkan 1–5"),
              NamedField("Kommentar3", "Klotter."), NamedField("Paverkan3", "2")]
    blank = {1: ["Påverkan: 1-5"], 3: ["Påverkan:"]}
    result = read(*template(blank, header=["Månad:", "Underlaget inlämnat av kommun:"]), fields=fields)
    assert (result.municipality, str(result.period)) == ("Hedemora", "2026-10")
    assert [result.answers[n].impact for n in (1, 2, 3)] == [4, 1, 2]
    assert result.answers[3].comment == "Klotter."
    assert not [i for i in result.issues if i.field in ("q1.impact", "q3.impact")]


def test_a_field_and_the_text_beside_it_that_disagree_are_flagged_not_chosen() -> None:
    fields = [NamedField("lagesbild:q1.impact", "4 – Allvarligt"), NamedField("Paverkan3", "2")]
    result = read(*template({1: ["Påverkan: 1"], 3: ["Påverkan: 2"]}), fields=fields)
    assert result.answers[1].impact is None
    assert fields_with_issues(result)["q1.impact"] == "error"
    assert result.answers[3].impact == 2 and "q3.impact" not in fields_with_issues(result)


def test_a_month_stated_twice_differently_is_flagged() -> None:
    left_in = template({}, header=["Juli månad", "Avser månad: oktober 2026", "Underlaget inlämnat av kommun: Mora"])
    result = read(*left_in)
    assert str(result.period) == "2026-10" and fields_with_issues(result)["period"] == "warning"
    far = template({}, header=["Lägesbild november 2026", "Period: december 2099", "Kommun: Mora"])
    assert fields_with_issues(read(*far))["period"] == "warning"
    dated = template({}, header=["Period: oktober 2026", "Kommun: Mora"]) + [Paragraph("Datum: 2027-06-01")]
    assert fields_with_issues(read(*dated))["period"] == "warning"
    same = template({}, header=["Lägesbild oktober 2026", "Period: oktober 2026", "Kommun: Mora"])
    assert "period" not in fields_with_issues(read(*same))
    assert "period" not in fields_with_issues(read(*same, filename="Lägesbild oktober 2026.docx"))
    named = read(*same, filename="Lägesbild september 2026.docx")
    assert str(named.period) == "2026-10" and fields_with_issues(named)["period"] == "warning"


def test_municipality_and_period_from_the_filename_are_flagged() -> None:
    blocks = [b for b in template({}) if "Ludvika" not in b.text and "Oktober" not in b.text]
    result = read(*blocks, filename="Lägesbild Gagnef 2026-10.docx")
    assert (result.municipality, str(result.period)) == ("Gagnef", "2026-10")
    issues = fields_with_issues(result)
    assert issues["municipality"] == issues["period"] == "warning"


def test_an_unknown_municipality_is_an_error_not_a_guess() -> None:
    result = read(*template({}, header=["Kommun: Dalarnas län", "Månad: 2026-10"]))
    assert result.municipality is None
    assert fields_with_issues(result)["municipality"] == "error"


def test_a_document_without_the_form_is_a_file_error() -> None:
    result = read(Paragraph("Hej! Här kommer vår rapport."), Paragraph("Mvh Anna"))
    assert [(i.field, i.severity) for i in result.issues] == [("file", Severity.ERROR)]
    assert all(a.impact is None and a.comment == "" for a in result.answers.values())


def test_a_single_answer_column_starting_with_the_value_gives_a_flagged_impact() -> None:
    rows = [("Fråga", "Svar"),
            *((f"{n}. {FORM.question(n).short}", f"{n % 3 + 1} – Lugnt „här” {n}") for n in range(1, 7)),
            ("7. Positiva åtgärder eller händelser", "1 – Nattvandring\n2 – Kameror")]
    result = read(Paragraph("Oktober 2026"), Paragraph("Kommun: Mora"), Grid(tuple(rows)))
    for n in range(1, 7):
        assert (result.answers[n].impact, result.answers[n].comment) == (n % 3 + 1, f"Lugnt „här” {n}")
        assert fields_with_issues(result)[f"q{n}.impact"] == "warning"
    assert result.answers[7].comment == "1 – Nattvandring\n2 – Kameror"


def test_a_comment_that_starts_with_a_value_is_flagged() -> None:
    result = read(*template({1: ["Påverkan:", "Kommentar: Oroande", "Flera inbrott."],
                             2: ["Påverkan: 2", "Kommentar: 3 (Oroande)"],
                             3: ["Påverkan: 1", "Kommentar: Oroande läge i centrum."]}))
    issues = fields_with_issues(result)
    assert issues["q1.comment"] == issues["q2.comment"] == "warning"
    assert "q3.comment" not in issues


def test_an_everyday_word_that_is_also_a_label_starts_a_sentence_without_its_colon() -> None:
    sentence = "Nivå 4 i polisens egen bedömning, men vi ser det inte så."
    result = read(*template({1: ["Påverkan:", f"Kommentar: {sentence}"], 7: [f"Kommentar: {sentence}"],
                             2: ["Nivå: 3", "Kommentar: Lugnt."]}))
    assert (result.answers[1].impact, result.answers[1].comment) == (None, sentence)
    assert result.answers[7].comment == sentence
    assert result.answers[2].impact == 3


def test_check_boxes_numbered_in_order_are_read_one_row_per_question_and_flagged() -> None:
    """Acrobat's "Kryssruta1" … "Kryssruta30": five to a question, in the document's order."""
    ticked = {1: 3, 2: 1, 3: 5, 4: 2, 5: 4, 6: 1}
    boxes = [NamedField(f"Kryssruta{(q - 1) * 5 + v}", "Yes", checked=ticked[q] == v)
             for q in range(1, 7) for v in range(1, 6)]
    result = read(*template({n: ["Påverkan: 1 2 3 4 5"] for n in range(1, 7)}), fields=boxes)
    assert [result.answers[n].impact for n in range(1, 7)] == [3, 1, 5, 2, 4, 1]
    assert all(fields_with_issues(result)[f"q{n}.impact"] == "warning" for n in range(1, 7))
    short = read(*template({n: ["Påverkan: 1 2 3 4 5"] for n in range(1, 7)}), fields=boxes[:-1])
    assert all(short.answers[n].impact is None for n in range(1, 7))  # 29 boxes: no sure mapping
