"""Property: any comment text written into a form comes back verbatim, in every format.

The text is written as question 3's comment of an otherwise ordinary form
(inline layout, digits) by each format's writer, read with
`parsers.parse_bytes`, and compared after only the allowed normalisation
(compare.py: NFC, whitespace runs collapsed, U+200B/U+2060/U+FEFF/U+00AD
dropped). What each format can carry bounds the text:

- .docx, .xlsx, AcroForm values: any XML-legal character but the C0/C1
  control characters (U+0001-U+001F but tab and line feed, U+007F-U+009F:
  XML 1.0 discourages them and no keyboard types them); a double line break
  starts a new paragraph, a single one is a soft break / Alt+Enter line;
- a printed PDF: only characters DejaVu Sans (the embedded font) has a glyph
  for, with a width (no combining marks, format or control characters, which
  a text layer cannot order), in the Basic Multilingual Plane, no presentation
  forms, and no word longer than a line (see `pdf_drawable`);
- LibreOffice round trips (.odt, .pdf, .docx, .ods, .xls) are slow, so a
  fixed set of texts is converted in one batch and cached. Calc drops a tab
  from a cell, so the spreadsheet texts have none; LibreOffice writes a
  literal "_x0041_" into a .docx w:t as "_x005F_x0041_" (Excel's escape, which
  Word does not undo), so that text is not sent through the .docx target.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from functools import cache

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import parsers
from parsers.form import default_form
from parsers.guard import find_leak
from tests.builders import split_markup
from tests.builders.pdf_builder import _font_file
from tests.variants import acroform, printpdf, sheets, wordml
from tests.variants.axes import Variant
from tests.variants.build import python_docx
from tests.variants.compare import normalise
from tests.variants.content import FormContent, comment_truth, form_content
from tests.variants.layouts import page
from tests.variants.lo import Job, cached, convert_all
from tests.variants.texts import CPara

FORM = default_form()
WRITERS: dict[str, Callable[[FormContent], bytes]] = {
    "wordml": lambda c: wordml.render(page(c), seed="verbatim"),
    "python-docx": lambda c: python_docx(page(c, sym_ok=False)),
    "openpyxl": sheets.render,
    "acroform": acroform.render,
    "print-pdf": lambda c: printpdf.render(page(c, sym_ok=False)),
}
EXT = {"wordml": "docx", "python-docx": "docx", "openpyxl": "xlsx", "acroform": "pdf", "print-pdf": "pdf"}


def _content(producer: str, text: str) -> FormContent:
    """An ordinary filled form whose question 3 comment is `text` (paragraphs at blank lines)."""
    c = form_content(Variant(0, 0, producer, "inline", "digit", "none"), seed=0)
    paras = tuple(CPara(p, literal=True) for p in text.split("\n\n"))
    return replace(c, items=tuple(replace(it, comment=paras) if it.q == 3 else it for it in c.items))


def read_back(producer: str, data: bytes) -> str:
    result = parsers.parse_bytes(data, f"Lägesbild sociala risker.{EXT.get(producer, producer)}")
    return result.answers[3].comment


def _check(producer: str, text: str, data: bytes) -> None:
    """The comment reads back as written; only a text holding the form's own words may instead be flagged.

    A comment that is itself a label ("Kommentar:") or a question heading cannot
    be told from the form by anyone; the promise there is no silent reading.
    """
    want = comment_truth(_content(producer, text).items[2].comment)
    result = parsers.parse_bytes(data, f"Lägesbild sociala risker.{EXT.get(producer, producer)}")
    got = result.answers[3].comment
    if not want.matches(got) and find_leak(text, FORM) is not None:
        assert "q3.comment" in {i.field for i in result.issues}, f"{producer}: {text!r} read as {got!r}, unflagged"
        return
    assert want.matches(got), f"{producer}: wrote {text!r}\nwant {want.text!r}\ngot  {normalise(got)!r}"


# ---------------------------------------------------------------- what a format can carry


def xml_legal(ch: str) -> bool:
    """A character XML 1.0 allows in text, control characters (but tab and line feed) left out."""
    cp = ord(ch)
    if 0x7F <= cp <= 0x9F:
        return False
    return ch in "\t\n" or 0x20 <= cp <= 0xD7FF or 0xE000 <= cp <= 0xFFFD or 0x10000 <= cp <= 0x10FFFF


@cache
def dejavu_glyphs() -> frozenset[int]:
    """Code points DejaVu Sans draws with a non-zero width."""
    from fontTools.ttLib import TTFont

    path = _font_file("DejaVuSans.ttf")
    assert path is not None, "fonts-dejavu-core is needed"
    font = TTFont(str(path))
    widths = font["hmtx"].metrics
    return frozenset(cp for cp, glyph in font.getBestCmap().items() if widths.get(glyph, (0, 0))[0] > 0)


def pdf_drawable(ch: str) -> bool:
    """A character a PDF text layer carries in order: a glyph with a width, not a mark or control.

    Also left out: characters beyond U+FFFF (reportlab's ToUnicode map gets them wrong, "😀" reads
    back "ὠ" from the file itself) and presentation forms such as "ﬁ" (a PDF cannot tell a typed
    ligature from one its typesetter made of "fi")."""
    if ch in "\n ":
        return True
    cp, cat = ord(ch), unicodedata.category(ch)
    if cp > 0xFFFF or 0xFB00 <= cp <= 0xFDFF or 0xFE70 <= cp <= 0xFEFF:
        return False
    return cp in dejavu_glyphs() and cat[0] not in "MC" and cat not in ("Zl", "Zp") and ch != "\u00ad"


def no_markup(text: str) -> bool:
    """The builders' python-docx renderer reads "[-x-]" etc. as markup, so such text is not literal there."""
    return all(kind == "text" for kind, _, _ in split_markup(text))


WORDS = ("Polisen", "rapporterar", "”lugnt”", "„citat”", "»så«", "’", "–", "—", "kl.", "22–02", "Påverkan", "3",
         "•", "1.", "-", "*", "\u00a0", "\t", "\n", "\n\n", "&", "<b>", "50 %", "_x0041_", "=1+1", "Kommentar:",
         "Fråga", "ÅÄÖ", "e-post", "\u200b", "\ufeff", "\u00ad")
XML_CHARS = st.characters(codec="utf-8").filter(xml_legal)


def texts(chars: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Arbitrary text from `chars`, and word-like sequences mixing realistic pieces with it."""
    piece = st.one_of(st.sampled_from(WORDS), st.text(chars, min_size=1, max_size=6))
    return st.one_of(st.text(chars, max_size=80),
                     st.lists(piece, max_size=25).map(" ".join))


PDF_CHARS = st.characters(codec="utf-8").filter(pdf_drawable)


def pdf_text(text: str) -> str:
    """`text` as a printed PDF can show it: drawable characters only, words shorter than a line."""
    kept = "".join(ch if pdf_drawable(ch) else " " for ch in text.replace("\t", " "))
    return " ".join(w[:25] for w in kept.split(" "))


_SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                           HealthCheck.too_slow])


@pytest.mark.parametrize("producer", ["wordml", "openpyxl", "acroform"])
@_SETTINGS
@given(text=texts(XML_CHARS))
@example(text="Rektor: ”lugnt” – kl. 22–02, »så« sa hon; 10\u00a0000\u00a0kr.")
@example(text="1. Först\n2. Sedan\n\n• punkt\n- streck")
def test_any_text_round_trips(producer: str, text: str) -> None:
    """Any XML-legal text through the .docx (as Word writes it), .xlsx and AcroForm writers."""
    _check(producer, text, WRITERS[producer](_content(producer, text)))


@_SETTINGS
@given(text=texts(XML_CHARS).filter(no_markup))
def test_any_text_round_trips_python_docx(text: str) -> None:
    """The same through python-docx (tests/builders' renderer)."""
    _check("python-docx", text, WRITERS["python-docx"](_content("python-docx", text)))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts(PDF_CHARS).map(pdf_text))
@example(text="Rektor: ”lugnt” – kl. 22–02, »så« sa hon; ½ € § ≈ −5 °C.")
def test_any_drawable_text_round_trips_printed_pdf(text: str) -> None:
    """Text DejaVu Sans can draw, printed to PDF, read back from the text layer."""
    _check("print-pdf", text, WRITERS["print-pdf"](_content("print-pdf", text)))


# ---------------------------------------------------------------- LibreOffice, a fixed sample

FIXED = (
    "Rektor beskriver läget som ”oroligt men hanterbart” – kl. 22–02 på fredagar.",
    "Polisen talar om »ett nytt mönster«; en boende sa: „Vi vågar inte”. ’Norra gänget’.",
    "1. Inbrott i förråd\n2. Bränder\n\n- typat streck\n• typad punkt\n* stjärna",
    "Kostnaden blev 12\u00a0500\u00a0kr.\tPolis:\tlugnt\n\n   indragen rad",
    "Tre anmälningar — samtliga utreds (−20 °C, ½ av eleverna, ± 5 %, § 12, 40 m², 50 000 €).",
    "Påverkan på tryggheten bedöms som liten. 3 personer omhändertogs. Kommentar från polisen: stabilt.",
    "_x0041_ och =1+1 och <b>fet</b> & [-inte markup-] {{inte heller}}",
    "e-post: trygghet@kommun.se, https://polisen.se/aktuellt/ #klotter",
)


def _generated(n: int, seed: int = 7) -> tuple[str, ...]:
    """`n` pseudo-random texts of drawable characters mixed with realistic words."""
    rng = random.Random(seed)
    pool = sorted(cp for cp in dejavu_glyphs() if pdf_drawable(chr(cp)) and cp < 0x3000)
    out = []
    for _ in range(n):
        pieces = [rng.choice(WORDS[:24]) if rng.random() < 0.5 else
                  "".join(chr(rng.choice(pool)) for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(3, 14))]
        out.append(pdf_text(" ".join(pieces)))
    return tuple(out)


LO_TEXTS = FIXED + _generated(4)
#: target -> the direct writer whose output LibreOffice converts
LO_TARGETS = {"docx": "wordml", "odt": "wordml", "pdf": "wordml", "ods": "openpyxl", "xls": "openpyxl"}


def _lo_text(target: str, index: int) -> str | None:
    """Fixed text `index` as the target can carry it, or None when it cannot."""
    text = LO_TEXTS[index]
    if target == "pdf" and pdf_text(text) != text.replace("\t", " "):
        return None  # a character the PDF's font cannot draw
    if target == "docx" and re.search(r"_x[0-9A-Fa-f]{4}_", text):
        return None
    return text.replace("\t", "   ") if target in ("ods", "xls") else text


def _lo_cases() -> list[tuple[str, int]]:
    return [(t, i) for t in LO_TARGETS for i in range(len(LO_TEXTS)) if _lo_text(t, i) is not None]


def _lo_job(target: str, text: str) -> Job:
    producer = LO_TARGETS[target]
    return Job(WRITERS[producer](_content(producer, text)), EXT[producer], target)


@pytest.fixture(scope="module")
def lo_converted() -> None:
    """Every LibreOffice conversion of the fixed sample, in one batch (cached on disk)."""
    errors = convert_all([_lo_job(t, _lo_text(t, i) or "") for t, i in _lo_cases()])
    assert not errors, errors


@pytest.mark.libreoffice
@pytest.mark.parametrize(("target", "index"), _lo_cases(), ids=[f"{t}-{i}" for t, i in _lo_cases()])
def test_text_survives_libreoffice(target: str, index: int, lo_converted: None) -> None:
    """A fixed set of texts written by Word/openpyxl and saved again by LibreOffice."""
    text = _lo_text(target, index) or ""
    data = cached(_lo_job(target, text))
    assert data is not None
    producer = LO_TARGETS[target]
    want = comment_truth(_content(producer, text).items[2].comment)
    got = parsers.parse_bytes(data, f"Lägesbild sociala risker.{target}").answers[3].comment
    assert want.matches(got), f"LibreOffice .{target}: wrote {text!r}\nwant {want.text!r}\ngot  {normalise(got)!r}"
