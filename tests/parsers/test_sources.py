"""Where each value was read from: the part of the file and the text, over real files of every format."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from parsers import parse_bytes
from parsers.result import SOURCE_TEXT_MAX, Answer, ParseResult, Source
from tests.builders import Entry, Filled, muni, period
from tests.builders.docx_builder import build_docx
from tests.builders.other_builder import build_ods, build_odt
from tests.builders.pdf_builder import build_acroform_pdf, build_text_pdf
from tests.builders.xlsx_builder import build_xlsx


def _filled() -> Filled:
    entries = [Entry(q, typed=str(q % 5 + 1) if q < 7 else None,
                     comment=(f"Kommentar om fråga {q}, rad ett.", "Andra stycket.")) for q in range(1, 8)]
    entries[1] = Entry(2, ticks=(3,), comment=("Boxar i raden.",))
    return Filled(tuple(entries), muni("Ludvika"), period(2026, 10))


FILLED = _filled()


def parse(data: bytes, name: str) -> ParseResult:
    result = parse_bytes(data, name)
    assert not result.has_errors, result.issues
    return result


def test_word_template_names_the_lines_read() -> None:
    result = parse(build_docx(FILLED), "rapport.docx")
    assert result.answers[1].impact_source == Source("", "Påverkan: 2")
    assert result.answers[1].comment_source == Source("", "Kommentar: Kommentar om fråga 1, rad ett.")
    # The checkbox row is what the impact was read from.
    assert result.answers[2].impact_source == Source("", "Påverkan: ☐1 ☐2 ☒3 ☐4 ☐5")
    assert result.answers[7].impact_source is None  # question 7 has no impact
    assert result.answers[7].comment_source == Source("", "Kommentar: Kommentar om fråga 7, rad ett.")


def test_word_table_names_the_table_and_its_row() -> None:
    result = parse(build_docx(FILLED, "table2"), "rapport.docx")
    assert result.answers[1].impact_source == Source("tabell 1", "Påverkan | 2")
    assert result.answers[2].impact_source == Source("tabell 1", "Påverkan | ☐1 ☐2 ☒3 ☐4 ☐5")
    assert result.answers[1].comment_source == Source(
        "tabell 1", "Kommentar | Kommentar om fråga 1, rad ett. Andra st…")  # a long cell is cut short


def test_word_form_fields_name_the_field() -> None:
    result = parse(build_docx(FILLED, "legacy"), "rapport.docx")
    assert result.answers[1].impact_source == Source("formulärfält \"Paverkan1\"", "2")
    # A comment of two paragraphs is shown on one line.
    assert result.answers[3].comment_source == Source(
        "formulärfält \"Kommentar3\"", "Kommentar om fråga 3, rad ett. / Andra stycket.")


@pytest.mark.parametrize("build, name", [(build_xlsx, "rapport.xlsx"), (build_ods, "rapport.ods")])
def test_spreadsheet_names_the_sheet_the_cell_and_the_row(build: Callable[[Filled], bytes], name: str) -> None:
    result = parse(build(FILLED), name)
    row = "1. Ordningsstörningar och otrygghet | 2 | Kommentar om fråga 1, rad ett. Andra st…"
    assert result.answers[1].impact_source == Source("blad \"Lägesbild\", cell B7", row)
    assert result.answers[1].comment_source == Source("blad \"Lägesbild\", cell C7", row)
    boxes = "2. Hot och våld | ☐1 ☐2 ☒3 ☐4 ☐5 | Boxar i raden."
    assert result.answers[2].impact_source == Source("blad \"Lägesbild\", cell B8", boxes)


def test_a_long_question_cell_leaves_room_for_the_value() -> None:
    result = parse(build_xlsx(FILLED, "wide"), "rapport.xlsx")
    source = result.answers[1].impact_source
    assert source is not None and source.place == "blad \"Lägesbild\", cell D7"
    assert "Vilka ordningsstörningar och händelser… | 2 |" in source.text
    assert len(source.text) <= SOURCE_TEXT_MAX


def test_pdf_names_the_page() -> None:
    result = parse(build_text_pdf(FILLED), "rapport.pdf")
    assert result.answers[1].impact_source == Source("sida 1", "Påverkan: 2")
    assert result.answers[2].impact_source == Source("sida 1", "Påverkan: ☐1 ☐2 ☒3 ☐4 ☐5")
    # The template runs over two pages: question 7 stands on the second.
    assert result.answers[7].comment_source == Source("sida 2", "Kommentar: Kommentar om fråga 7, rad ett.")


def test_pdf_form_names_the_field() -> None:
    result = parse_bytes(build_acroform_pdf(FILLED), "rapport.pdf")
    assert result.answers[4].impact_source == Source("formulärfält \"Paverkan4\"", "5")
    assert result.answers[4].comment_source == Source(
        "formulärfält \"Kommentar4\"", "Kommentar om fråga 4, rad ett. / Andra stycket.")


def test_opendocument_text_names_the_lines() -> None:
    result = parse(build_odt(FILLED), "rapport.odt")
    assert result.answers[5].impact_source == Source("", "Påverkan: 1")
    assert result.answers[5].comment_source == Source("", "Kommentar: Kommentar om fråga 5, rad ett.")


def test_a_value_under_its_open_label_is_shown_with_the_label() -> None:
    entries = tuple(Entry(q, typed="4" if q < 7 else None, impact_next_line=True, comment=("Lugnt.",))
                    for q in range(1, 8))
    result = parse(build_docx(Filled(entries, muni("Ludvika"), period(2026, 10))), "rapport.docx")
    source = result.answers[1].impact_source
    assert source is not None and source.text.endswith(" 4") and source.text.startswith("Påverkan")


def test_sources_stay_out_of_the_json_and_out_of_equality() -> None:
    result = parse(build_docx(FILLED), "rapport.docx")
    shape = result.to_json("rapport.docx")
    assert json.loads(json.dumps(shape))["answers"]["1"] == {"impact": 2, "comment": shape["answers"]["1"]["comment"]}
    assert set(shape["answers"]["1"]) == {"impact", "comment"}
    assert result.answers[1] == Answer(2, result.answers[1].comment)


def test_source_text_is_one_line_and_capped() -> None:
    source = Source.of("sida 3", "Kommentar: " + "ord " * 100 + "\n\nslut")
    assert "\n" not in source.text and len(source.text) <= SOURCE_TEXT_MAX and source.text.endswith("…")
    assert Source.of("", "a\n\n b  c").text == "a / b c"
    corrected = Source.correction("anna@lst.se", "Fel avläst: ska vara 2")
    assert corrected.is_correction and corrected.text == "anna@lst.se: Fel avläst: ska vara 2"
    assert not Source("sida 1", "x").is_correction


def test_ticked_check_box_controls_name_the_box() -> None:
    entries = tuple(Entry(q, ticks=(3,) if q < 7 else None, control="checkbox", comment=("Text.",))
                    for q in range(1, 8))
    result = parse(build_docx(Filled(entries, muni("Ludvika"), period(2026, 10)), "controls"), "rapport.docx")
    assert result.answers[1].impact == 3
    assert result.answers[1].impact_source == Source("kryssruta \"paverkan1_3\"", "ikryssad, påverkan 3")
    assert result.answers[1].comment_source == Source("formulärfält \"kommentar1\"", "Text.")
