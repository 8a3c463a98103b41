"""Building a variant's file, converting in batches, parsing it and judging every field.

`build_source` writes the file directly, or the source of a LibreOffice
conversion (a Word-written .docx for lo-docx/lo-odt/lo-pdf, an openpyxl
.xlsx for lo-xls/lo-ods); `convert` runs every pending conversion in
batches; `evaluate` parses the bytes with `parsers.parse_bytes` and judges
each of the 15 value fields against the truth (compare.py).
"""

from __future__ import annotations

import io
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import parsers
from tests.builders.docx_builder import render_docx
from tests.variants import acroform, printpdf, sheets, wordml
from tests.variants.axes import OUTPUT, Variant, family
from tests.variants.compare import CommentTruth, FieldTruth, Outcome, flagged_fields, judge, normalise, read_value
from tests.variants.content import FIELDS, FormContent, form_content, truth
from tests.variants.layouts import page
from tests.variants.lo import Job, cached, convert_all
from tests.variants.model import Page, to_builder_doc


@dataclass(frozen=True)
class Built:
    """A variant's file (or the conversion that will give it) and its truth."""

    variant: Variant
    filename: str
    truth: dict[str, FieldTruth]
    data: bytes | None = None
    job: Job | None = None
    error: str = ""
    boxed: str = ""  # the comment field written in a text box, if any


def build_source(variant: Variant, seed: int = 0,
                 edit: Callable[[FormContent], FormContent] | None = None) -> Built:
    """Write a variant's file, or the source of its LibreOffice conversion.

    `edit` changes the decided content first (probe.py uses it to type a given comment).
    """
    content = form_content(variant, seed)
    if edit is not None:
        content = edit(content)
    boxed = next((f"q{it.q}.comment" for it in content.items if it.in_textbox and it.comment), "")
    base = Built(variant, content.filename, truth(content), boxed=boxed)
    p, target = variant.producer, OUTPUT[variant.producer][1]
    try:
        fam = family(p)
        if fam == "word":
            written = wordml.render(page(content), seed=f"{seed}:{variant.name}")
            if p == "wordml":
                return replace(base, data=written)
            if p == "python-docx":
                return replace(base, data=python_docx(page(content, sym_ok=False)))
            return replace(base, job=Job(written, "docx", target))
        if fam == "print":
            return replace(base, data=printpdf.render(page(content, sym_ok=False)))
        if fam == "acro":
            return replace(base, data=acroform.render(content))
        workbook = sheets.render(content)
        return replace(base, data=workbook) if not target else replace(base, job=Job(workbook, "xlsx", target))
    except Exception:  # noqa: BLE001 - a builder bug must show in the report, not stop the run
        return replace(base, error="build failed: " + traceback.format_exc(limit=3))


def convert(built: list[Built], parallel: int = 0) -> list[Built]:
    """Run every pending LibreOffice conversion in batches; fill in the bytes."""
    errors = convert_all([b.job for b in built if b.job is not None and b.data is None], parallel=parallel)
    out = []
    for b in built:
        if b.job is not None and b.data is None:
            data = cached(b.job)
            b = replace(b, data=data) if data is not None else replace(b, error=errors.get(b.job.key, "no output"))
            if data is not None and b.job is not None and b.job.target == "pdf" and b.boxed:
                b = printed_truth(b)
        out.append(b)
    return out


def printed_truth(b: Built) -> Built:
    """The truth of a LibreOffice PDF whose text box LibreOffice left out of the print.

    A text box anchored in a table cell narrower than the box is sometimes
    not drawn at all by LibreOffice's PDF export: its words are nowhere in
    the file, so the file's truth is an empty comment (as anyone opening the
    PDF sees it). Checked on the text layer, spaces and line breaks ignored.
    """
    import pypdfium2

    assert b.data is not None
    truth = b.truth[b.boxed].value
    assert isinstance(truth, CommentTruth)
    document = pypdfium2.PdfDocument(b.data)
    try:
        layer = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()
    def squeeze(text: str) -> str:
        return "".join(normalise(text).split())

    printed = squeeze(layer)
    # The same sentence may stand in another answer too: a paragraph is missing when the
    # print holds it fewer times than the answers do.
    written = "\n".join(squeeze(p) for t in b.truth.values() if isinstance(t.value, CommentTruth)
                        for p, _ in t.value.paragraphs)
    for para, _ in truth.paragraphs:
        body = squeeze(para)
        if body and printed.count(body) >= written.count(body):
            return b  # (some of) the box was printed
    return replace(b, truth={**b.truth, b.boxed: FieldTruth(CommentTruth())})


def python_docx(pg: Page) -> bytes:
    """The page through tests/builders' python-docx renderer (turned landscape when it is)."""
    data = render_docx(to_builder_doc(pg))
    if not pg.landscape:
        return data
    import docx
    from docx.enum.section import WD_ORIENT

    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class FieldResult:
    """One field judged."""

    name: str
    outcome: Outcome
    got: str | int | None
    issues: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evaluated:
    """A variant parsed and judged."""

    variant: Variant
    filename: str
    truth: dict[str, FieldTruth]
    fields: tuple[FieldResult, ...] = ()
    issues: tuple[str, ...] = ()
    seconds: float = 0.0
    error: str = ""
    data: bytes | None = field(default=None, repr=False)

    @property
    def failed(self) -> bool:
        return bool(self.error) or any(f.outcome is not Outcome.RIGHT for f in self.fields)


def evaluate(b: Built, keep_data: bool = False) -> Evaluated:
    """Parse a built variant and judge its fields."""
    if b.error or b.data is None:
        return Evaluated(b.variant, b.filename, b.truth, error=b.error or "no data")
    start = time.perf_counter()
    try:
        result = parsers.parse_bytes(b.data, b.filename)
    except Exception:  # noqa: BLE001 - the parser must never raise; report it as such
        return Evaluated(b.variant, b.filename, b.truth, error="parser raised: " + traceback.format_exc(limit=4),
                         data=b.data)
    seconds = time.perf_counter() - start
    flagged = flagged_fields(result)
    fields = []
    for name in FIELDS:
        got = read_value(result, name)
        has_issue = "*" in flagged or name in flagged
        mine = tuple(f"{i.severity.value}: {i.message}" for i in result.issues if i.field in (name, "file"))
        fields.append(FieldResult(name, judge(b.truth[name], got, has_issue), got, mine))
    issues = tuple(f"{i.field} {i.severity.value}: {i.message}" for i in result.issues)
    ev = Evaluated(b.variant, b.filename, b.truth, tuple(fields), issues, seconds)
    return replace(ev, data=b.data) if keep_data or ev.failed else ev


__all__ = ["Built", "Evaluated", "FieldResult", "build_source", "convert", "evaluate", "python_docx"]
