"""The PDF reader on real PDFs built in code.

Word-shaped PDFs are made the way municipalities make them: a .docx (built
with python-docx, shaped like the county's template) exported by LibreOffice.
Those tests are marked `libreoffice`; all conversions run in one soffice call
per module. Fillable forms, scans, encrypted and broken files are built with
reportlab and pypdf, which is fast and needs nothing outside the venv.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import cast

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph as DocxParagraph
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from parsers.document import Document, Grid, NamedField, Paragraph
from parsers.limits import Limits, Refused
from parsers.normalize import clean
from parsers.pdf import read_pdf

LIMITS = Limits()

Q1 = (
    "Fråga 1, Ordningsstörningar och otrygghet: Vilka ordningsstörningar och händelser som "
    "kan skapa otrygghet i samhället (t. ex. inbrott, buskörning, bränder eller skadegörelse) "
    "har förekommit den senaste månaden?"
)
QUESTIONS = [
    Q1,
    "Fråga 2, Hot och våld: Vilka händelser och trender kan ni se vad gäller hot och "
    "våldsbrott under den senaste månaden (både i offentliga miljöer och i hemmet)?",
    'Fråga 3, Extremism och kriminella nätverk: Vilka indikationer på "våldsbejakande '
    'extremism", kriminella nätverk eller kriminella skolor har förekommit under den '
    "senaste månaden?",
    "Fråga 4, Ungdomar/skolor: På vilka skolor, fritidsgårdar eller i andra miljöer kopplad "
    "till ungdomar har ni uppmärksammat bråk eller andra oroligheter och på vilket vis?",
    "Fråga 5, Alkohol, narkotika, doping och tobak: Vilka indikationer och trender har ni "
    "sett under den senaste månaden vad gäller droghandel och bruk/missbruk?",
    "Fråga 6, Övrigt: Övrig information som kan vara av intresse för den regionala lägesbilden?",
    "Fråga 7, Positiva åtgärder eller händelser som syftar till att öka tryggheten och förebygga sociala risker?",
]
IMPACTS = ["3", "2", "1", "4", "3", "1"]
COMMENTS = [
    "Kommentar: Flera inbrott i centrum och skadegörelse vid resecentrum under helgerna.",
    "Kommentar: Två fall av hot mot personal på socialkontoret.",
    "Kommentar: Inget att rapportera.",
    "Kommentar: Bråk vid Marnässkolan, polisen ﬁck ingripa.",  # a typed "ﬁ" ligature
    "Kommentar: Ökad langning till unga.",
    "Kommentar:",
    "Kommentar: Nattvandring startade i oktober.",
]
SECOND_PARAGRAPH = "Vi följer upp med skolan och fritidsgården under november."


# --- Comparing documents ------------------------------------------------------


def nonblank(document: Document) -> list[str]:
    """The cleaned text of every non-empty paragraph, in order."""
    return [clean(b.text) for s in document.sections for b in s.blocks if isinstance(b, Paragraph) and clean(b.text)]


def flat(text: str) -> str:
    return " ".join(clean(text).split())


def blocks(document: Document) -> list[Paragraph | Grid]:
    return [b for s in document.sections for b in s.blocks]


def find_runs(lines: Sequence[str], expected: Sequence[str]) -> list[tuple[int, int]]:
    """Where each expected paragraph lies: consecutive lines that join to exactly it, in order.

    A long paragraph wraps onto several lines in the PDF, so a paragraph is a
    run of lines joined with spaces. Fails the test when one is missing.
    """
    runs: list[tuple[int, int]] = []
    start = 0
    for want in expected:
        target = clean(want)
        found = next((run for i in range(start, len(lines)) if (run := _run_at(lines, i, target))), None)
        if found is None:
            pytest.fail(f"paragraph not found in order: {want!r}\nlines: {lines[start:]}")
        runs.append(found)
        start = found[1]
    return runs


def _run_at(lines: Sequence[str], i: int, target: str) -> tuple[int, int] | None:
    joined = ""
    for j in range(i, len(lines)):
        joined = f"{joined} {lines[j]}".strip()
        if joined == target:
            return (i, j + 1)
        if not target.startswith(joined):
            return None
    return None


# --- LibreOffice fixtures --------------------------------------------------------


def add_field(paragraph: DocxParagraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that LibreOffice fills in on export."""
    for kind, text in (("begin", None), (None, instruction), ("end", None)):
        run = paragraph.add_run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {text} "
            run._r.append(instr)


def template_docx(path: Path, *, header: bool = False) -> None:
    """A filled-in report shaped like the county's template (seed 003, lines 118-170)."""
    d = docx.Document()
    if header:
        section = d.sections[0]
        section.header.paragraphs[0].text = "Länsstyrelsen Dalarna"
        footer = section.footer.paragraphs[0]
        footer.add_run("Sida ")
        add_field(footer, "PAGE")
        footer.add_run(" av ")
        add_field(footer, "NUMPAGES")
    title = d.add_paragraph()
    title.add_run("Mall för lägesbildsinsamling - Sociala risker").bold = True
    d.add_paragraph("Oktober 2026")
    d.add_paragraph(
        "Rapporteringen är återkommande och riktar sig till kommunerna. Syftet är att i ett "
        "tidigt skede synliggöra signaler och händelser inom kommunen kopplade mot sociala risker."
    )
    d.add_paragraph("Underlaget inlämnat av kommun: Ludvika")
    d.add_paragraph("Redogör kort under varje fråga:")
    for n, question in enumerate(QUESTIONS, start=1):
        d.add_paragraph(question)
        if n <= 6:
            d.add_paragraph(f"Påverkan: {IMPACTS[n - 1]}")
        d.add_paragraph(COMMENTS[n - 1])
        if n == 4:
            d.add_paragraph(SECOND_PARAGRAPH)
    d.save(str(path))


def long_docx(path: Path) -> None:
    """Two pages or more, with a running header and a "Sida N av M" footer."""
    template_docx(path, header=True)
    d = docx.Document(str(path))
    for n in range(1, 16):
        d.add_paragraph(
            f"Tillägg {n}: Fortsatt arbete med trygghetsvandringar i flera bostadsområden "
            "tillsammans med bostadsbolaget och polisen under hösten."
        )
    d.save(str(path))


def tight_docx(path: Path) -> None:
    """No spacing between paragraphs; one real empty paragraph is the only gap."""
    d = docx.Document()
    style = d.styles["Normal"]
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.space_before = Pt(0)
    d.add_paragraph("Påverkan: 2")
    d.add_paragraph("Kommentar: Första raden.")
    d.add_paragraph("Andra raden.")
    d.add_paragraph("")
    d.add_paragraph("Efter tom rad.")
    d.save(str(path))


TABLE_ROWS = [
    ("Fråga", "Påverkan", "Kommentar"),
    ("1. Ordningsstörningar och otrygghet", "3", "Inbrott i centrum.\nSkadegörelse vid skolan."),
    ("2. Hot och våld", "2", ""),
    ("3. Extremism och kriminella nätverk", "1 (Normalt)", "Inget att rapportera."),
]


def tables_docx(path: Path) -> None:
    """Answers in a 3-column table, kommun and month in a 2-column table, text around them."""
    d = docx.Document()
    d.add_paragraph("Lägesbild sociala risker")
    info = d.add_table(rows=2, cols=2)
    info.style = "Table Grid"
    for r, (label, value) in enumerate([("Kommun", "Ludvika"), ("Månad", "Oktober 2026")]):
        info.cell(r, 0).text = label
        info.cell(r, 1).text = value
    d.add_paragraph("Redogör kort under varje fråga:")
    answers = d.add_table(rows=len(TABLE_ROWS), cols=3)
    answers.style = "Table Grid"
    for r, row in enumerate(TABLE_ROWS):
        for c, text in enumerate(row):
            cell = answers.cell(r, c)
            lines = text.split("\n")
            cell.text = lines[0]
            for extra in lines[1:]:
                cell.add_paragraph(extra)
    d.add_paragraph("Tack för er rapport.")
    d.save(str(path))


BUILDERS: dict[str, Callable[[Path], None]] = {
    "template": template_docx,
    "long": long_docx,
    "tight": tight_docx,
    "tables": tables_docx,
}


@pytest.fixture(scope="module")
def office_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Every docx above converted to PDF by one LibreOffice run."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    folder = tmp_path_factory.mktemp("office")
    sources = []
    for name, build in BUILDERS.items():
        build(folder / f"{name}.docx")
        sources.append(str(folder / f"{name}.docx"))
    # A private profile: a second LibreOffice (another test worker) must not share the lock.
    profile = (folder / "profile").as_uri()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *sources,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return {name: (folder / f"{name}.pdf").read_bytes() for name in BUILDERS}


@pytest.mark.libreoffice
def test_template_paragraphs_in_order(office_pdfs: dict[str, bytes]) -> None:
    doc = read_pdf(office_pdfs["template"], LIMITS)
    expected = [
        "Mall för lägesbildsinsamling - Sociala risker",
        "Oktober 2026",
        "Underlaget inlämnat av kommun: Ludvika",
        "Redogör kort under varje fråga:",
    ]
    for n, question in enumerate(QUESTIONS, start=1):
        expected.append(question)
        if n <= 6:
            expected.append(f"Påverkan: {IMPACTS[n - 1]}")
        expected.append(COMMENTS[n - 1].replace("ﬁ", "fi"))
        if n == 4:
            expected.append(SECOND_PARAGRAPH)
    find_runs(nonblank(doc), expected)
    assert doc.fields == []
    assert len(doc.sections) == 1


@pytest.mark.libreoffice
def test_ligature_glyph_is_expanded(office_pdfs: dict[str, bytes]) -> None:
    text = "\n".join(nonblank(read_pdf(office_pdfs["template"], LIMITS)))
    assert "polisen fick ingripa" in text
    assert "ﬁ" not in text


@pytest.mark.libreoffice
def test_wrapped_lines_join_into_one_paragraph(office_pdfs: dict[str, bytes]) -> None:
    """A long question wraps over three lines in the PDF but is one paragraph, as in Word.

    Word's spacing after a paragraph is not an empty line, so no empty paragraph.
    """
    items = blocks(read_pdf(office_pdfs["template"], LIMITS))
    texts = [clean(b.text) if isinstance(b, Paragraph) else "<grid>" for b in items]
    start = texts.index(clean(Q1))
    assert texts[start : start + 3] == [clean(Q1), "Påverkan: 3", clean(COMMENTS[0])]
    assert "" not in texts
    # Every question, including one split by the page break, is one paragraph.
    for question in QUESTIONS:
        assert clean(question) in texts


@pytest.mark.libreoffice
def test_tight_spacing_only_breaks_at_an_empty_line(office_pdfs: dict[str, bytes]) -> None:
    texts = [clean(b.text) for b in blocks(read_pdf(office_pdfs["tight"], LIMITS)) if isinstance(b, Paragraph)]
    assert texts == [
        "Påverkan: 2",
        "Kommentar: Första raden.",
        "Andra raden.",
        "",
        "Efter tom rad.",
    ]


@pytest.mark.libreoffice
def test_tables_become_grids_in_reading_order(office_pdfs: dict[str, bytes]) -> None:
    items = blocks(read_pdf(office_pdfs["tables"], LIMITS))
    shape = [
        ("grid", b.width) if isinstance(b, Grid) else clean(b.text)
        for b in items
        if not (isinstance(b, Paragraph) and not b.text.strip())
    ]
    assert shape == [
        "Lägesbild sociala risker",
        ("grid", 2),
        "Redogör kort under varje fråga:",
        ("grid", 3),
        "Tack för er rapport.",
    ]
    info, answers = [b for b in items if isinstance(b, Grid)]
    assert [[clean(c) for c in row] for row in info.rows] == [
        ["Kommun", "Ludvika"],
        ["Månad", "Oktober 2026"],
    ]
    # A cell's lines may wrap differently in the PDF: compare with line breaks as spaces.
    assert [[flat(c) for c in row] for row in answers.rows] == [[flat(c) for c in row] for row in TABLE_ROWS]
    # A name wrapped inside its cell is joined back into one line.
    assert clean(answers.rows[1][0]) == "1. Ordningsstörningar och otrygghet"


@pytest.mark.libreoffice
def test_table_text_is_not_repeated_as_paragraphs(office_pdfs: dict[str, bytes]) -> None:
    lines = nonblank(read_pdf(office_pdfs["tables"], LIMITS))
    assert not any("Ludvika" in line or "Inbrott" in line for line in lines)


@pytest.mark.libreoffice
def test_running_header_and_footer_are_dropped(office_pdfs: dict[str, bytes]) -> None:
    data = office_pdfs["long"]
    assert len(PdfReader(io.BytesIO(data)).pages) >= 2
    doc = read_pdf(data, LIMITS)
    lines = nonblank(doc)
    assert not any("Länsstyrelsen Dalarna" in line for line in lines)
    assert not any(line.startswith("Sida ") for line in lines)
    # The body is complete and in order across the page break.
    expected = ["Underlaget inlämnat av kommun: Ludvika", *QUESTIONS]
    expected += [
        f"Tillägg {n}: Fortsatt arbete med trygghetsvandringar i flera bostadsområden "
        "tillsammans med bostadsbolaget och polisen under hösten."
        for n in range(1, 16)
    ]
    find_runs(lines, expected)


# --- Fillable forms ---------------------------------------------------------------


def form_pdf(fill: dict[str, str] | None = None) -> bytes:
    """A fillable report: Kommun, Månad, per question Påverkan (radio or list) and Kommentar."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    form = c.acroForm
    c.drawString(40, 800, "Underlaget inlämnat av kommun:")
    form.textfield(name="Kommun", x=240, y=792, width=200, height=18)
    c.drawString(40, 770, "Månad:")
    form.textfield(name="Månad", x=240, y=762, width=200, height=18)
    y = 730
    for q in range(1, 8):
        c.drawString(40, y, f"Fråga {q}")
        if q <= 3:
            for level in range(1, 6):
                form.radio(
                    name=f"Påverkan{q}",
                    value=str(level),
                    selected=False,
                    x=120 + 25 * level,
                    y=y - 22,
                    size=12,
                )
        elif q <= 6:
            form.choice(
                name=f"Påverkan{q}",
                value="Välj",
                options=[
                    ("Välj", "-"),
                    ("1 Normalt", "1"),
                    ("3 Oroande", "3"),
                    ("4 Allvarligt", "4"),
                ],
                x=145,
                y=y - 24,
                width=120,
                height=16,
            )
        form.textfield(name=f"Kommentar{q}", x=300, y=y - 26, width=250, height=18)
        y -= 50
    form.checkbox(name="Granskad", x=40, y=y, size=12, checked=False)
    c.save()
    if fill is None:
        return buf.getvalue()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buf.getvalue())))
    writer.update_page_form_field_values(writer.pages[0], fill, auto_regenerate=False)
    writer.set_need_appearances_writer(True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


FILL = {
    "Kommun": "Ludvika",
    "Månad": "Oktober 2026",
    "Påverkan1": "/3",
    "Påverkan2": "/5",
    "Påverkan4": "4",
    "Kommentar1": "Inbrott i centrum.\rSkadegörelse vid skolan.",
    "Granskad": "/Yes",
}


def by_name(fields: Sequence[NamedField]) -> dict[str, NamedField]:
    return {f.name: f for f in fields}


def test_form_fields_are_read_by_name() -> None:
    doc = read_pdf(form_pdf(FILL), LIMITS)
    fields = by_name(doc.fields)
    assert fields["Kommun"] == NamedField("Kommun", "Ludvika")
    assert fields["Månad"] == NamedField("Månad", "Oktober 2026")
    assert fields["Kommentar1"].value == "Inbrott i centrum.\nSkadegörelse vid skolan."
    assert fields["Kommentar2"] == NamedField("Kommentar2", "")
    # Radio groups: one field per group, the chosen export value.
    assert fields["Påverkan1"] == NamedField("Påverkan1", "3", checked=True)
    assert fields["Påverkan2"] == NamedField("Påverkan2", "5", checked=True)
    assert fields["Påverkan3"] == NamedField("Påverkan3", "", checked=False)
    # Choice fields show the option's display text, not its export value.
    assert fields["Påverkan4"] == NamedField("Påverkan4", "4 Allvarligt")
    # An untouched list shows its first option; the text reader decides it is no level.
    assert fields["Påverkan5"].value == "Välj"
    assert fields["Granskad"] == NamedField("Granskad", "Yes", checked=True)
    assert [f.name for f in doc.fields][:4] == ["Kommun", "Månad", "Påverkan1", "Kommentar1"]
    assert len(doc.fields) == 2 + 6 + 7 + 1


def test_unfilled_form_has_empty_fields_and_its_printed_labels() -> None:
    doc = read_pdf(form_pdf(), LIMITS)
    fields = by_name(doc.fields)
    assert fields["Kommun"].value == ""
    assert fields["Påverkan1"] == NamedField("Påverkan1", "", checked=False)
    # An unticked checkbox still reports what it would export.
    assert fields["Granskad"] == NamedField("Granskad", "Yes", checked=False)
    assert "Underlaget inlämnat av kommun:" in nonblank(doc)
    assert "Fråga 7" in nonblank(doc)


def test_nested_fields_get_fully_qualified_names() -> None:
    """A field tree Fråga1 > {Påverkan, Kommentar} names its leaves "Fråga1.Påverkan"."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(form_pdf(FILL))))
    acro = cast(DictionaryObject, writer._root_object["/AcroForm"])
    top = cast(ArrayObject, acro["/Fields"])
    leaves = [r for r in top if r.get_object()["/T"] in ("Påverkan1", "Kommentar1")]
    parent = DictionaryObject({NameObject("/T"): TextStringObject("Fråga1"), NameObject("/Kids"): ArrayObject(leaves)})
    parent_ref = writer._add_object(parent)
    for ref, short in zip(leaves, ("Påverkan", "Kommentar"), strict=True):
        leaf = ref.get_object()
        leaf[NameObject("/T")] = TextStringObject(short)
        leaf[NameObject("/Parent")] = parent_ref
    acro[NameObject("/Fields")] = ArrayObject([r for r in top if r not in leaves] + [parent_ref])
    out = io.BytesIO()
    writer.write(out)
    fields = by_name(read_pdf(out.getvalue(), LIMITS).fields)
    assert fields["Fråga1.Påverkan"] == NamedField("Fråga1.Påverkan", "3", checked=True)
    assert fields["Fråga1.Kommentar"].value.startswith("Inbrott i centrum.")
    assert "Fråga1" not in fields and "Påverkan1" not in fields


# --- Text layout without LibreOffice --------------------------------------------------


def pages_pdf(pages: Sequence[Sequence[tuple[float, str]]]) -> bytes:
    """One A4 page per entry; each line is (distance from the top in points, text)."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    height = A4[1]
    for lines in pages:
        c.setFont("Helvetica", 11)
        for top, text in lines:
            c.drawString(72, height - top - 9, text)
        c.showPage()
    c.save()
    return buf.getvalue()


def wrap(text: str, width: float = A4[0] - 2 * 72) -> list[str]:
    """Greedy word wrap in Helvetica 11, as a word processor wraps a left-aligned paragraph."""
    lines = [""]
    for word in text.split():
        candidate = f"{lines[-1]} {word}".strip()
        if lines[-1] and stringWidth(candidate, "Helvetica", 11) > width:
            lines.append(word)
        else:
            lines[-1] = candidate
    return lines


def stacked(lines: Sequence[str], top: float, pitch: float = 13.0) -> list[tuple[float, str]]:
    return [(top + i * pitch, text) for i, text in enumerate(lines)]


LONG = (
    "Under månaden har vi sett flera inbrott i förråd och källare i centrala Ludvika, "
    "framför allt i flerfamiljshus nära resecentrum, och polisen har ökat sin närvaro "
    "kvällstid tillsammans med kommunens trygghetsvärdar och bostadsbolaget Malung-Sälen."
)


def test_wrapped_lines_join_but_separate_paragraphs_do_not() -> None:
    body = wrap(LONG)
    assert len(body) >= 3
    page = [
        *stacked(["Kommentar: " + body[0], *body[1:]], 100),
        *stacked(["Lugnt i centrum.", "Vi fortsätter med nattvandringar."], 100 + 13 * len(body)),
        (100 + 13 * (len(body) + 3), "Efter en tom rad."),
        *stacked([*wrap("Fråga 2, Hot och våld: " + LONG)[:1], "Påverkan: 3"], 300),
    ]
    texts = [
        clean(b.text) if isinstance(b, Paragraph) else "<grid>" for b in blocks(read_pdf(pages_pdf([page]), LIMITS))
    ]
    assert texts == [
        "Kommentar: " + " ".join(body),
        "Lugnt i centrum.",
        "Vi fortsätter med nattvandringar.",
        "",
        "Efter en tom rad.",
        "",
        clean(wrap("Fråga 2, Hot och våld: " + LONG)[0]),
        "Påverkan: 3",
    ]


def test_a_paragraph_continues_across_the_page_break() -> None:
    body = wrap(LONG)
    first = [*stacked(body[:2], 740), (800, "1 (2)")]
    second = [*stacked(body[2:], 72), (100 + 13 * len(body), "Påverkan: 2"), (800, "2 (2)")]
    texts = nonblank(read_pdf(pages_pdf([first, second]), LIMITS))
    assert texts == [clean(LONG), "Påverkan: 2"]


def test_page_numbers_and_repeated_lines_are_dropped_but_body_repeats_kept() -> None:
    pages = [
        [
            (30, "Ludvika kommun - Lägesbild"),
            (100, f"Påverkan: {n}"),
            (114, "Kommentar: Lugnt."),
            (400, "Samma rad mitt på varje sida"),
            (800, f"{n} (3)"),
        ]
        for n in (1, 2, 3)
    ]
    lines = nonblank(read_pdf(pages_pdf(pages), LIMITS))
    assert lines == [
        "Påverkan: 1",
        "Kommentar: Lugnt.",
        "Samma rad mitt på varje sida",
        "Påverkan: 2",
        "Kommentar: Lugnt.",
        "Samma rad mitt på varje sida",
        "Påverkan: 3",
        "Kommentar: Lugnt.",
        "Samma rad mitt på varje sida",
    ]


def test_single_page_keeps_its_header_but_drops_its_page_number() -> None:
    page = [(30, "Ludvika kommun"), (100, "Påverkan: 3"), (800, "Sida 1 av 1")]
    assert nonblank(read_pdf(pages_pdf([page]), LIMITS)) == ["Ludvika kommun", "Påverkan: 3"]


def test_a_number_that_is_not_the_page_number_is_kept() -> None:
    page = [(100, "Påverkan:"), (800, "3")]
    assert nonblank(read_pdf(pages_pdf([page]), LIMITS)) == ["Påverkan:", "3"]


def test_ruled_table_drawn_by_hand_is_a_grid() -> None:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.drawString(72, 780, "Före tabellen")
    xs, ys = [72, 250, 330, 520], [740, 720, 700]
    for x in xs:
        c.line(x, ys[0], x, ys[-1])
    for y in ys:
        c.line(xs[0], y, xs[-1], y)
    for row_y, cells in (
        (726, ("Fråga", "Påverkan", "Kommentar")),
        (706, ("Hot och våld", "2", "Hot mot personal")),
    ):
        for x, text in zip(xs, cells, strict=False):
            c.drawString(x + 4, row_y, text)
    c.drawString(72, 660, "Efter tabellen")
    c.save()
    items = blocks(read_pdf(buf.getvalue(), LIMITS))
    assert [type(b).__name__ for b in items if not (isinstance(b, Paragraph) and not b.text)] == [
        "Paragraph",
        "Grid",
        "Paragraph",
    ]
    grid = next(b for b in items if isinstance(b, Grid))
    assert grid.rows == (
        ("Fråga", "Påverkan", "Kommentar"),
        ("Hot och våld", "2", "Hot mot personal"),
    )


def test_text_inside_a_drawn_box_stays_text() -> None:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.drawString(72, 780, "Kommentar:")
    c.rect(72, 700, 400, 60)
    c.drawString(80, 740, "Lugn månad.")
    c.save()
    doc = read_pdf(buf.getvalue(), LIMITS)
    assert nonblank(doc) == ["Kommentar:", "Lugn månad."]
    assert not any(isinstance(b, Grid) for b in blocks(doc))


# --- Refusals ---------------------------------------------------------------------------


def refusal(data: bytes, limits: Limits = LIMITS, **kwargs: Callable[[], float]) -> str:
    with pytest.raises(Refused) as info:
        read_pdf(data, limits, **kwargs)
    return str(info.value)


def test_scanned_page_without_text_is_refused() -> None:
    from PIL import Image

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    image = Image.new("L", (200, 100), color=200)
    c.drawInlineImage(image, 72, 500, width=400, height=200)
    c.rect(72, 300, 300, 100, fill=1)
    c.save()
    message = refusal(buf.getvalue())
    assert "inskannad bild" in message and "Word" in message


def test_dynamic_xfa_form_is_refused() -> None:
    """Adobe LiveCycle forms keep their content in XFA; the page only asks to wait."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pages_pdf([[(100, "Please wait...")]]))))
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject(),
            NameObject("/XFA"): ArrayObject(),
        }
    )
    out = io.BytesIO()
    writer.write(out)
    assert "XFA" in refusal(out.getvalue())


def test_whitespace_only_text_counts_as_scanned() -> None:
    assert "inskannad" in refusal(pages_pdf([[(100, "     ")]]))


def encrypted(user_password: str, owner_password: str | None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pages_pdf([[(100, "Påverkan: 3")]]))))
    writer.encrypt(user_password, owner_password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_user_password_is_refused() -> None:
    assert "lösenordsskyddad" in refusal(encrypted("hemligt", None))


def test_owner_password_only_opens() -> None:
    assert nonblank(read_pdf(encrypted("", "ägare"), LIMITS)) == ["Påverkan: 3"]


@pytest.fixture(scope="module")
def sample() -> bytes:
    return pages_pdf([[(100, "Påverkan: 3"), (114, "Kommentar: Lugnt.")]] * 2)


def test_truncated_file_is_refused(sample: bytes) -> None:
    message = refusal(sample[: len(sample) // 2])
    assert "skadad" in message and "på nytt" in message


def test_garbage_after_header_is_refused() -> None:
    assert "skadad" in refusal(b"%PDF-1.7\n" + bytes(range(256)) * 40)


def test_too_many_pages_is_refused(sample: bytes) -> None:
    message = refusal(sample, Limits(max_pdf_pages=1))
    assert "2 sidor" in message


def test_slow_read_is_refused(sample: bytes) -> None:
    ticks: Iterator[float] = iter(range(0, 1000, 10))
    assert "för lång tid" in refusal(sample, Limits(seconds_per_file=15), clock=lambda: next(ticks))


def test_within_time_reads(sample: bytes) -> None:
    doc = read_pdf(sample, Limits(seconds_per_file=15), clock=lambda: 0.0)
    assert nonblank(doc) == ["Påverkan: 3", "Kommentar: Lugnt."] * 2
