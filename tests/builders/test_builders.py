"""Self-checks for the fixture builders: every file is valid and holds the intended text.

These tests do not use the parser. Each built file is opened with an
independent library (python-docx/lxml, openpyxl, xlrd, odfpy, pdfplumber,
pypdf) and the expected comments and typed values are looked for in its text,
so a broken builder cannot silently produce a corpus that tests nothing.
"""

from __future__ import annotations

import io
import json
import random
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.builders import (
    AUTO,
    Entry,
    Filled,
    muni,
    normalise_comment,
    period,
    resolve_markup,
)
from tests.builders.cases import (
    CASES,
    CASES_BY_NAME,
    FIELDS,
    SPECS,
    Spec,
    expect,
    make_case,
    vary,
)
from tests.builders.docx_builder import box_row
from tests.builders.other_builder import (
    content_hash,
    convert_many,
    libreoffice_available,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SPEC_BY_NAME = {s.name: s for s in SPECS}


# --------------------------------------------------------------------------
# Independent text extraction
# --------------------------------------------------------------------------


def docx_xml(data: bytes, part: str = "word/document.xml") -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(part).decode("utf-8")


def docx_text(data: bytes) -> str:
    """Every w:t of the body, headers and footers, paragraph by paragraph."""
    from lxml import etree

    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = [n for n in z.namelist() if re.match(r"word/(document|header\d*|footer\d*)\.xml$", n)]
        for name in parts:
            root = etree.fromstring(z.read(name))
            for p in root.iter(W + "p"):
                # only this paragraph's own runs (text boxes are separate paragraphs)
                texts = []
                for el in p.iter(W + "t", W + "br", W + "cr", W + "tab"):
                    if _owner_p(el) is not p:
                        continue
                    texts.append(el.text or "" if el.tag == W + "t" else
                                 "\t" if el.tag == W + "tab" else "\n")
                out.append("".join(texts))
    return "\n".join(out)


def _owner_p(el: object) -> object:
    node = el.getparent()  # type: ignore[attr-defined]
    while node is not None and node.tag != W + "p":
        node = node.getparent()
    return node


def xlsx_text(data: bytes) -> str:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row
                     if c.value is not None)


def pdf_text(data: bytes) -> str:
    import pdfplumber

    out = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            out.append(page.extract_text() or "")
            # Table cells wrap side by side; read them cell by cell as well.
            out += [cell or "" for table in page.extract_tables() for row in table for cell in row]
    return "\n".join(out)


def odf_text(data: bytes) -> str:
    from odf import teletype, text
    from odf.opendocument import load
    from odf.table import TableCell

    doc = load(io.BytesIO(data))
    out = [teletype.extractText(p) for p in doc.getElementsByType(text.P)]
    out += [teletype.extractText(h) for h in doc.getElementsByType(text.H)]
    out += [str(c.getAttribute("value")) for c in doc.getElementsByType(TableCell)
            if c.getAttribute("valuetype") == "float"]
    return "\n".join(out)


def xls_text(data: bytes) -> str:
    import xlrd

    book = xlrd.open_workbook(file_contents=data)
    return "\n".join(str(sh.cell_value(r, c)) for sh in book.sheets()
                     for r in range(sh.nrows) for c in range(sh.ncols))


def acroform_text(data: bytes) -> str:
    from pypdf import PdfReader

    fields = PdfReader(io.BytesIO(data)).get_fields() or {}
    return "\n".join(str(f.get("/V", "")) for f in fields.values())


def extract(spec: Spec, data: bytes) -> str:
    """The text of a built file, by the format the spec says it has."""
    fmt = spec.fmt
    if fmt in ("docx", "docm"):
        return docx_text(data)
    if fmt in ("xlsx", "xlsm", "lo-xlsx"):
        return xlsx_text(data)
    if fmt in ("pdf", "lo-pdf"):
        return pdf_text(data)
    if fmt in ("odt", "ods", "lo-odt", "lo-ods"):
        return odf_text(data)
    if fmt == "xls":
        return xls_text(data)
    if fmt == "acroform":
        return acroform_text(data)
    if fmt == "txt":
        return data.decode(dict(spec.options).get("encoding", "utf-8"))  # type: ignore[arg-type]
    raise AssertionError(f"no extractor for {fmt}")


def _has(haystack: str, needle: str) -> bool:
    return normalise_comment(needle) in normalise_comment(haystack)


# --------------------------------------------------------------------------
# Session: LibreOffice conversions, batched once
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def libreoffice_batch() -> None:
    if not libreoffice_available():
        pytest.skip("LibreOffice (soffice) is not installed")
    convert_many([c.conversion() for c in CASES if c.conversion is not None])


def _params(pred: object = None) -> list[Any]:
    out: list[Any] = []
    for case in CASES:
        spec = SPEC_BY_NAME[case.name]
        if callable(pred) and not pred(spec):
            continue
        marks = [pytest.mark.libreoffice] if case.needs_libreoffice else []
        out.append(pytest.param(spec, id=case.name, marks=marks))
    return out


def _build(spec: Spec, request: pytest.FixtureRequest) -> bytes:
    case = CASES_BY_NAME[spec.name]
    if case.needs_libreoffice:
        request.getfixturevalue("libreoffice_batch")
    return case.build()


# --------------------------------------------------------------------------
# The corpus as a whole
# --------------------------------------------------------------------------


def test_corpus_is_large_unique_and_complete() -> None:
    assert len(CASES) >= 45
    assert len({c.name for c in CASES}) == len(CASES)
    assert len({c.filename for c in CASES}) == len(CASES)
    for case in CASES:
        assert set(case.expected.answers) == set(range(1, 8)), case.name
        assert case.expected.answers[7][0] is None, case.name
        assert case.expected.clean_fields <= set(FIELDS)
        named = {f for f, _ in case.expected.issues}
        assert not named & case.expected.clean_fields, case.name


def test_corpus_covers_every_format() -> None:
    suffixes = {c.filename.rsplit(".", 1)[1] for c in CASES}
    assert {"docx", "docm", "xlsx", "xlsm", "xls", "pdf", "odt", "ods", "doc", "txt"} <= suffixes
    file_errors = [c for c in CASES if ("file", "error") in c.expected.issues]
    assert len(file_errors) >= 6
    with_issue = [c for c in CASES if any(f.startswith("q") for f, _ in c.expected.issues)]
    assert len(with_issue) >= 15


def test_case_names_do_not_leak_municipality_or_month() -> None:
    # Variant files are named after the case; a name like "…_mora_…" would hand the
    # parser a filename fallback that contradicts the variant's content.
    from tests.builders import DALARNA, MONTHS

    for case in CASES:
        low = case.name.lower()
        assert not any(m.lower() in low for m in DALARNA), case.name
        assert not any(m in low for m in MONTHS), case.name


# --------------------------------------------------------------------------
# Every built file opens and says what its expectation says
# --------------------------------------------------------------------------


@pytest.mark.parametrize("spec", _params(lambda s: not s.file_error))
def test_file_contains_intended_text(spec: Spec, request: pytest.FixtureRequest) -> None:
    data = _build(spec, request)
    text = extract(spec, data)
    expected = CASES_BY_NAME[spec.name].expected
    for q, (_, comment) in expected.answers.items():
        # Paragraph by paragraph: in a PDF a page header may sit between two of them.
        for part in comment.split("\n"):
            if normalise_comment(part):
                assert _has(text, part), f"q{q} comment {part[:40]!r} missing from {spec.name}"
    for e in spec.filled.entries:
        typed = resolve_markup(e.typed or "").strip()
        shown = spec.fmt != "lo-xlsx" and not (spec.layout == "legacy" and e.control == "dropdown")
        if typed and e.q != 7 and shown:
            as_float = typed.isdigit() and f"{typed}.0" in text
            assert typed in text or as_float, f"q{e.q} impact {typed!r} missing from {spec.name}"
        if e.line is not None:
            assert _has(text, e.line), f"q{e.q} line {e.line!r} missing from {spec.name}"
        if e.ticks is not None and spec.layout not in ("controls", "legacy"):
            assert box_row(e.ticks, e.box) in text.replace("\u00a0", " ")
    m = spec.filled.municipality
    if m is not None and m.value and "[" not in m.value and spec.fmt != "lo-xlsx":
        assert m.value in text, spec.name


@pytest.mark.parametrize("spec", _params(lambda s: s.file_error))
def test_broken_files_are_really_broken(spec: Spec, request: pytest.FixtureRequest) -> None:
    data = _build(spec, request)
    if spec.fmt == "empty":
        assert data == b""
    elif spec.fmt == "truncated":
        with pytest.raises(zipfile.BadZipFile):
            zipfile.ZipFile(io.BytesIO(data)).testzip()
    elif spec.fmt == "zip":
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        assert "word/document.xml" not in names and "[Content_Types].xml" not in names
    elif spec.fmt == "rtf":
        assert data.startswith(b"{\\rtf1")
    elif spec.fmt == "scanned":
        import pdfplumber

        with pdfplumber.open(io.BytesIO(data)) as pdf:
            assert all(not (p.extract_text() or "").strip() for p in pdf.pages)
            assert pdf.pages[0].images, "a scan is an image"
    elif spec.fmt == "encrypted":
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        assert reader.is_encrypted
        assert reader.decrypt("fel lösenord") == 0
        assert reader.decrypt("lagesbild2026") != 0
    elif spec.fmt == "lo-doc":
        import olefile

        assert data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        assert olefile.OleFileIO(io.BytesIO(data)).exists("WordDocument")
    else:
        raise AssertionError(f"unchecked broken format {spec.fmt}")


# --------------------------------------------------------------------------
# Word specifics
# --------------------------------------------------------------------------


def _docx(name: str) -> bytes:
    return CASES_BY_NAME[name].build()


def test_docx_opens_with_python_docx() -> None:
    import docx

    for spec in SPECS:
        # python-docx refuses the .docm content type, so .docm is checked as a zip elsewhere.
        if spec.fmt == "docx":
            doc = docx.Document(io.BytesIO(CASES_BY_NAME[spec.name].build()))
            assert doc.paragraphs or doc.tables, spec.name


def test_tracked_changes_are_real_revisions() -> None:
    xml = docx_xml(_docx("docx_tracked_changes"))
    assert re.search(r"<w:del [^>]*>.*?<w:delText[^>]*>Polisen har gripit", xml)
    assert re.search(r"<w:ins [^>]*>.*?<w:t[^>]*>Klottret har sanerats", xml)
    assert re.search(r"<w:del [^>]*>.*?<w:delText[^>]*>2</w:delText>", xml)
    text = docx_text(_docx("docx_tracked_changes"))
    assert "Polisen har gripit" not in text  # deleted text is not in any w:t
    assert CASES_BY_NAME["docx_tracked_changes"].expected.answers[2][0] == 4


def test_text_box_has_drawing_and_vml_fallback_with_the_same_text() -> None:
    xml = docx_xml(_docx("docx_text_boxes"))
    assert xml.count("<wps:txbx>") == 2 and xml.count("<v:textbox") == 2
    assert "mc:AlternateContent" in xml and "mc:Fallback" in xml
    comment = CASES_BY_NAME["docx_text_boxes"].expected.answers[3][1].split("\n")[0]
    assert xml.count(comment[:40]) == 2  # once in the drawing, once in the VML fallback


def test_content_controls_have_each_kind() -> None:
    xml = docx_xml(_docx("docx_content_controls"))
    assert "<w14:checkbox>" in xml and '<w14:checked w14:val="1"/>' in xml
    assert "<w:dropDownList>" in xml and 'w:displayText="3 – Oroande"' in xml
    assert "<w:showingPlcHdr/>" in xml and "Välj ett objekt." in xml
    assert '<w:date w:fullDate="2026-03-01T00:00:00Z">' in xml
    assert "<w:richText/>" in xml
    import docx

    # python-docx's paragraph text does not see inline controls: a reader must.
    doc = docx.Document(io.BytesIO(_docx("docx_content_controls")))
    assert any(p.text == "Påverkan: " for p in doc.paragraphs)


def test_legacy_form_fields() -> None:
    data = _docx("docx_legacy_form_fields")
    xml = docx_xml(data)
    for instr in ("FORMTEXT", "FORMDROPDOWN", "FORMCHECKBOX"):
        assert f" {instr} " in xml
    assert '<w:ddList><w:result w:val="3"/>' in xml
    assert "<w:checked/>" in xml
    assert "\u2002" * 5 in xml  # an unfilled text field
    assert "documentProtection" in docx_xml(data, "word/settings.xml")


def test_review_comments_live_in_comments_part() -> None:
    data = _docx("docx_review_comments")
    comments = docx_xml(data, "word/comments.xml")
    assert "Stämmer siffran? Kolla med polisen." in comments
    assert "Är det verkligen 3?" in comments
    body = docx_xml(data)
    assert body.count("<w:commentReference") == 3 and "Stämmer siffran" not in body


def test_hyperlinks_and_page_breaks() -> None:
    data = _docx("docx_hyperlinks")
    assert "<w:hyperlink" in docx_xml(data)
    assert "https://www.example.se/nyheter/brand-forskola" in docx_xml(
        data, "word/_rels/document.xml.rels")
    assert '<w:br w:type="page"/>' in docx_xml(_docx("docx_page_break_in_comment"))


def test_one_paragraph_per_question_with_soft_breaks() -> None:
    import docx

    doc = docx.Document(io.BytesIO(_docx("docx_soft_breaks_one_paragraph")))
    block = next(p.text for p in doc.paragraphs if p.text.startswith("Fråga 2,"))
    assert "\nPåverkan:\t" in block and "\nKommentar:\t" in block


def test_numbered_headings_have_no_number_in_text() -> None:
    import docx

    doc = docx.Document(io.BytesIO(_docx("docx_numbered_list_headings")))
    numbered = [p.text for p in doc.paragraphs
                if p.style is not None and p.style.name == "List Number"]
    assert len(numbered) == 7 and numbered[0].startswith("Ordningsstörningar och otrygghet:")


@pytest.mark.libreoffice
def test_page_break_puts_header_inside_comment_in_pdf(libreoffice_batch: None) -> None:
    import pdfplumber

    data = CASES_BY_NAME["pdf_lo_page_break_header_footer"].build()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = [p.extract_text() or "" for p in pdf.pages]
    split = next(i for i, t in enumerate(pages) if "gängsymboler vid tre skolor" in t)
    assert "Polisen har dokumenterat" in pages[split + 1]
    assert pages[split + 1].startswith("Länsstyrelsen Dalarna – Lägesbild")


def test_header_and_footer_parts() -> None:
    data = _docx("docx_header_footer")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        headers = [n for n in z.namelist() if n.startswith("word/header")]
        footers = [n for n in z.namelist() if n.startswith("word/footer")]
        assert "Länsstyrelsen Dalarna – Lägesbild" in z.read(headers[0]).decode()
        footer = z.read(footers[0]).decode()
    assert 'w:instr=" PAGE "' in footer and 'w:instr=" NUMPAGES "' in footer


def test_docm_and_xlsm_content_types() -> None:
    docm = _docx("docm_macro_enabled")
    types = docx_xml(docm, "[Content_Types].xml")
    assert "application/vnd.ms-word.document.macroEnabled.main+xml" in types
    assert "word/vbaProject.bin" in zipfile.ZipFile(io.BytesIO(docm)).namelist()
    xlsm = CASES_BY_NAME["xlsm_macro_enabled"].build()
    assert "macroEnabled" in docx_xml(xlsm, "[Content_Types].xml")


def test_split_runs_and_nbsp() -> None:
    data = _docx("docx_split_runs_nbsp")
    xml = docx_xml(data)
    assert xml.count("<w:r>") + xml.count("<w:r ") > 400
    assert "Påverkan:\u00a0" in docx_text(data)
    assert "<w:b/>" in xml  # the typed values are bold


def test_bullets_are_real_word_lists() -> None:
    import docx

    doc = docx.Document(io.BytesIO(_docx("docx_comment_next_lines")))
    bullets = [p.text for p in doc.paragraphs if p.style is not None and p.style.name == "List Bullet"]
    assert "Hot mot politiker på torgmöten" in bullets


def test_long_comment_and_special_characters() -> None:
    expected = CASES_BY_NAME["docx_long_and_special_chars"].expected
    assert len(expected.answers[1][1]) >= 1500
    special = expected.answers[2][1]
    for ch in ('"', "&", "<", "”", "👍"):
        assert ch in special
    assert "👍" in docx_text(_docx("docx_long_and_special_chars"))


# --------------------------------------------------------------------------
# Spreadsheets
# --------------------------------------------------------------------------


def test_xlsx_merged_cells_and_instruction_sheet_first() -> None:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(CASES_BY_NAME["xlsx_merged_with_instructions"].build()))
    assert wb.sheetnames == ["Instruktioner", "Lägesbild"]
    assert len(wb["Lägesbild"].merged_cells.ranges) >= 10


def test_xlsx_numbers_as_text_and_date_cells() -> None:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(CASES_BY_NAME["xlsx_text_numbers_and_words"].build()))
    values = [c.value for row in wb.active.iter_rows() for c in row]
    assert "3" in values and 3 not in values and 2.0 in values
    wb = openpyxl.load_workbook(io.BytesIO(CASES_BY_NAME["xlsx_date_cell_period"].build()))
    dates = [c for row in wb.active.iter_rows() for c in row if isinstance(c.value, datetime)]
    assert dates and dates[0].value == datetime(2026, 2, 1) and "mmmm" in dates[0].number_format


def test_xls_numbers_are_floats() -> None:
    import xlrd

    book = xlrd.open_workbook(file_contents=CASES_BY_NAME["xls_xlwt_rows"].build())
    sheet = book.sheet_by_index(0)
    nums = [sheet.cell_value(r, 1) for r in range(sheet.nrows)
            if sheet.cell_type(r, 1) == xlrd.XL_CELL_NUMBER]
    assert nums == [1.0, 2.0, 3.0, 1.0, 2.0, 1.0]


@pytest.mark.libreoffice
def test_formulas_have_cached_values_after_libreoffice(libreoffice_batch: None) -> None:
    import openpyxl

    case = CASES_BY_NAME["xlsx_formulas_recalculated"]
    data = case.build()
    formulas = openpyxl.load_workbook(io.BytesIO(data))["Lägesbild"]
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)["Lägesbild"]
    assert str(formulas["B3"].value).startswith("=")
    assert cached["B3"].value == "Avesta"
    assert cached["B4"].value == datetime(2026, 4, 1)
    impacts = [cached.cell(row=r, column=2).value for r in range(7, 13)]
    assert impacts == [case.expected.answers[q][0] for q in range(1, 7)]


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------


def test_acroform_field_names_and_values() -> None:
    from pypdf import PdfReader

    data = CASES_BY_NAME["pdf_acroform_filled"].build()
    fields = PdfReader(io.BytesIO(data)).get_fields() or {}
    names = set(fields)
    assert {"Kommun", "Manad", *(f"Paverkan{q}" for q in range(1, 7)),
            *(f"Kommentar{q}" for q in range(1, 8))} <= names
    assert fields["Kommun"].get("/V") == "Leksand"
    assert fields["Paverkan4"].get("/V") == "Oroande"
    assert not fields["Paverkan6"].get("/V")
    assert "Leksand" not in pdf_text(data)  # the values live in the fields only


def test_reportlab_pdf_has_pages_header_and_footer() -> None:
    text = pdf_text(CASES_BY_NAME["pdf_reportlab_text"].build())
    assert text.count("Länsstyrelsen Dalarna – Lägesbild") >= 2
    assert "Sida 1 av" in text and "Sida 2 av" in text


@pytest.mark.libreoffice
def test_libreoffice_pdf_keeps_ballot_boxes(libreoffice_batch: None) -> None:
    text = pdf_text(CASES_BY_NAME["pdf_lo_checkbox"].build())
    assert "☐1 ☐2 ☒3 ☐4 ☐5" in text
    assert "☑" in text


# --------------------------------------------------------------------------
# Plain text
# --------------------------------------------------------------------------


def test_text_files_encoding_and_line_ends() -> None:
    cp = CASES_BY_NAME["txt_template_cp1252"].build()
    with pytest.raises(UnicodeDecodeError):
        cp.decode("utf-8")
    assert "Påverkan" in cp.decode("cp1252") and b"\r\n" in cp
    utf = CASES_BY_NAME["txt_variant_pasted"].build().decode("utf-8")
    assert "Påverkan 1-5: \r\n" in utf  # the unanswered variant line keeps its space


# --------------------------------------------------------------------------
# Expectation derivation and helpers
# --------------------------------------------------------------------------


def test_normalise_comment() -> None:
    assert normalise_comment("  • a\n-  b\n\n– c  d ") == "a b c d"
    assert normalise_comment("3 – Oroande „sa de”") == "3 – Oroande „sa de”"  # the writer's own characters
    assert normalise_comment("x\u00a0\u00a0y") == "x y"
    assert normalise_comment("") == ""


def test_expect_derives_issues_and_refuses_unclear_input() -> None:
    f = Filled((Entry(1, "3", ("a",)), Entry(2, None), Entry(3, ticks=(1, 2)), Entry(4, ticks=()),
                Entry(7, comment=("x",))), muni("Mora"), None)
    exp = expect(Spec("t", "t.docx", f))
    assert exp.answers[1] == (3, "a") and exp.answers[2] == (None, "")
    assert {("q2.impact", "warning"), ("q3.impact", "error"), ("q4.impact", "warning"),
            ("q5.impact", "error"), ("q6.impact", "error"), ("period", "warning")} <= exp.issues
    assert "q1.impact" in exp.clean_fields and "q2.comment" in exp.optional_issue_fields
    with pytest.raises(ValueError):
        expect(Spec("u", "u.docx", Filled((Entry(1, "hög"),), muni("Mora"), period(2026, 1))))
    assert Entry(1).want is AUTO


def test_variants_are_deterministic_and_different() -> None:
    spec = SPEC_BY_NAME["docx_template_natural"]
    a = vary(spec, random.Random("s:1"), 1)
    b = vary(spec, random.Random("s:1"), 1)
    c = vary(spec, random.Random("s:2"), 2)
    assert a == b and a != c
    assert a.filename == "v001_docx_template_natural.docx"
    exp_a = make_case(a).expected
    assert exp_a.municipality in {"Avesta", "Borlänge", "Falun", "Gagnef", "Hedemora", "Leksand",
                                  "Ludvika", "Malung-Sälen", "Mora", "Orsa", "Rättvik",
                                  "Smedjebacken", "Säter", "Vansbro", "Älvdalen"}
    # Quirks survive variation: the two-ticked row stays an error.
    chk = make_case(vary(SPEC_BY_NAME["docx_checkbox_unicode"], random.Random(3), 3)).expected
    assert ("q3.impact", "error") in chk.issues and ("q4.impact", "warning") in chk.issues


def test_content_hash_ignores_zip_timestamps() -> None:
    spec = SPEC_BY_NAME["docx_template_natural"]
    one = CASES_BY_NAME[spec.name].build()
    two = make_case(spec).build()
    assert content_hash(one) == content_hash(two)


def test_write_corpus_writes_files_and_expectations(tmp_path: Path) -> None:
    from tests.builders.write_corpus import main

    assert main([str(tmp_path), "--copies", "1", "--no-libreoffice"]) == 0
    lines = (tmp_path / "expected.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    files = {r["file"] for r in rows}
    non_lo = [c for c in CASES if not c.needs_libreoffice]
    assert len(rows) == 2 * len(non_lo)
    for name in files:
        assert (tmp_path / name).is_file()
    first = next(r for r in rows if r["case"] == "docx_template_natural")
    assert first["municipality"] == "Ludvika" and first["period"] == "2026-10"
    assert first["answers"]["1"]["impact"] == 2
