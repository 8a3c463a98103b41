"""The PDF reader: PDF bytes in, a format-neutral `Document` out.

Two libraries share the work. pypdf opens the file, tells a damaged or
password-locked file, counts the pages and reads the AcroForm fields
(`parsers.pdf_fields`; a fillable PDF keeps its answers in fields, not in
the page text). pdfium reads each page's glyphs and ruling lines
(`parsers.pdf_page`), which become text lines (`parsers.pdf_lines`) and
ruled tables (`parsers.pdf_tables`), then paragraphs and grids in reading
order with running headers and footers dropped (`parsers.pdf_layout`).

pdfium parses a page in about a millisecond where pdfplumber (pdfminer)
took tens, and the table finder works from the ruling segments alone, so a
50-page file of tables is read well within the time cap. A file with only
an owner password (restricted printing or copying) opens as in any viewer.

Text is passed on raw (only stripped); `parsers.text` cleans it.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable

import pypdfium2
from pypdf import PdfReader

from parsers.document import Document, Grid, Paragraph, Section
from parsers.limits import Limits, Refused
from parsers.pdf_cells import table_text
from parsers.pdf_fields import is_dynamic_xfa, read_fields
from parsers.pdf_glue import BROKEN_WORDS, CLIPPED, OVERPRINTED
from parsers.pdf_layout import Page, Table, assemble, drop_running_lines, flat_table, grid_text
from parsers.pdf_line import Line
from parsers.pdf_lines import dedupe, text_lines
from parsers.pdf_page import PageContent, TooManyChars, read_page
from parsers.pdf_tables import find_tables
from parsers.pdf_words import settle

_log = logging.getLogger(__name__)

# --- Messages for the municipal coordinator -------------------------------

DAMAGED = (
    "PDF-filen är skadad eller ofullständig och kunde inte läsas. "
    "Öppna originalet, exportera det till PDF på nytt och skicka igen "
    "(eller skicka Word- eller Excel-filen)."
)
PASSWORD = (
    "Filen är lösenordsskyddad och kan inte öppnas. "
    "Spara den utan lösenord och skicka igen (eller skicka Word- eller Excel-filen)."
)
SCANNED = (
    "Filen är en inskannad bild utan text, så svaren kan inte läsas ut. "
    "Skicka Word- eller Excel-filen, eller en PDF sparad direkt från Word."
)
NO_UNICODE = (
    "Texten i PDF-filen går inte att läsa ut (typsnitten saknar teckenkoder). "
    "Skicka Word- eller Excel-filen, eller en PDF sparad direkt från Word."
)
NO_PAGES = "PDF-filen innehåller inga sidor. Exportera den på nytt och skicka igen."
TOO_SLOW = (
    "PDF-filen tog för lång tid att läsa och avbröts. Skicka Word- eller Excel-filen i stället."
)
XFA = (
    "PDF-filen är ett dynamiskt formulär (XFA) som bara kan visas i Adobe Reader, "
    "så svaren kan inte läsas ut. Skicka Word- eller Excel-filen, eller skriv ut "
    "formuläret till en vanlig PDF och skicka den."
)
FIELDS_UNREADABLE = "Formulärfälten i PDF-filen kunde inte läsas; bara sidornas text har lästs."

# --- Caps ------------------------------------------------------------------

MAX_PAGE_CHARS = 200_000
# A page drawn with tens of thousands of vector strokes (a map, a chart) is
# read as plain text, without looking for tables in it.
_MAX_PAGE_EDGES = 5_000
# More glyphs without a Unicode mapping than one in nine of the readable
# ones: the text cannot be trusted (pdfminer's "(cid:N)" stand-ins made
# about this share refuse the file before).
_UNMAPPED_SHARE = 1 / 8


def read_pdf(
    data: bytes, limits: Limits, *, clock: Callable[[], float] = time.process_time
) -> Document:
    """Read a PDF into a `Document`: page text as paragraphs and grids, form fields as fields.

    Raises `Refused` (Swedish message) for a damaged, password-protected,
    scanned or over-limit file. `clock` is only read to keep the whole read
    within `limits.seconds_per_file`; it is this process's CPU time, so a
    machine busy with other work does not make a form too slow to read.
    """
    deadline = clock() + limits.seconds_per_file
    reader = _open(data)
    page_count = _page_count(reader)
    if page_count == 0:
        raise Refused(NO_PAGES)
    if page_count > limits.max_pdf_pages:
        raise Refused(
            f"PDF-filen har {page_count} sidor, fler än de {limits.max_pdf_pages} som kan läsas. "
            "Skicka bara lägesbilden, utan bilagor."
        )
    notes: list[str] = []
    try:
        fields = read_fields(reader)
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - a broken form tree must not hide the page text
        _log.warning("pdf form fields unreadable: %s: %s", type(exc).__name__, exc)
        fields, notes = [], [FIELDS_UNREADABLE]
    pages, unmapped, mapped = _read_pages(data, limits, deadline, clock)
    drop_running_lines(pages)
    blocks = settle(assemble(pages))
    text = "".join(b.text if isinstance(b, Paragraph) else grid_text(b) for b in blocks)
    if not fields and is_dynamic_xfa(reader, text):
        raise Refused(XFA)
    if not text.strip() and not fields and not unmapped:
        raise Refused(SCANNED)
    if unmapped and unmapped > mapped * _UNMAPPED_SHARE:
        raise Refused(NO_UNICODE)
    return Document(sections=[Section(tuple(blocks))], fields=fields, notes=notes,
                    flattened_columns=flat_table(pages))


# --- Opening ----------------------------------------------------------------


def _open(data: bytes) -> PdfReader:
    """Open with pypdf; an owner-password-only file opens with the empty password."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - every pypdf failure here means a broken file
        _log.info("pdf unreadable: %s: %s", type(exc).__name__, exc)
        raise Refused(DAMAGED) from exc
    if encrypted:
        try:
            opened = reader.decrypt("")
        except Exception as exc:  # noqa: BLE001 - unknown crypt filter and the like
            _log.info("pdf decrypt failed: %s: %s", type(exc).__name__, exc)
            raise Refused(PASSWORD) from exc
        if not opened:
            raise Refused(PASSWORD)
    return reader


def _page_count(reader: PdfReader) -> int:
    try:
        return len(reader.pages)
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - a broken page tree
        raise Refused(DAMAGED) from exc


# --- Page text --------------------------------------------------------------


def _read_pages(
    data: bytes, limits: Limits, deadline: float, clock: Callable[[], float]
) -> tuple[list[Page], int, int]:
    """Every page as lines and tables; also how many glyphs had no Unicode mapping, and how many had."""
    pages: list[Page] = []
    unmapped = mapped = 0
    document = _open_pages(data)
    try:
        count = len(document)
        if count > limits.max_pdf_pages:
            raise Refused(DAMAGED)  # pypdf counted fewer: the page tree is inconsistent
        for index in range(count):
            if clock() > deadline:
                raise Refused(TOO_SLOW)
            content = _page_content(document, index)
            unmapped += content.unmapped
            mapped += len(content.chars)
            pages.append(_page(content, index + 1))
    finally:
        document.close()
    if clock() > deadline:
        raise Refused(TOO_SLOW)
    return pages, unmapped, mapped


def _open_pages(data: bytes) -> pypdfium2.PdfDocument:
    try:
        # No password: pdfium tries the empty one, so an owner-password-only
        # file opens as in any viewer; pypdf has refused the others already.
        return pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        _log.info("pdfium cannot open the pdf: %s", exc)
        locked = getattr(exc, "err_code", None) in (pypdfium2.raw.FPDF_ERR_PASSWORD, pypdfium2.raw.FPDF_ERR_SECURITY)
        raise Refused(PASSWORD if locked else DAMAGED) from exc


def _page_content(document: pypdfium2.PdfDocument, index: int) -> PageContent:
    try:
        return read_page(document, index, max_chars=MAX_PAGE_CHARS, max_edges=_MAX_PAGE_EDGES)
    except TooManyChars as exc:
        raise Refused(
            f"Sida {index + 1} i PDF-filen innehåller för mycket text för att kunna läsas. "
            "Skicka Word- eller Excel-filen i stället."
        ) from exc
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - a page pdfium cannot load is a damaged file
        _log.warning("pdf page %d unreadable: %s: %s", index + 1, type(exc).__name__, exc)
        raise Refused(DAMAGED) from exc


def _page(content: PageContent, number: int) -> Page:
    """One page's ruled tables as grids and its other text as lines, top to bottom."""
    # Some generators draw bold text twice, slightly offset; keep one copy.
    chars = dedupe(content.chars)
    tables: list[Table] = []
    boxes: list[tuple[float, float, float, float]] = []
    taken: set[int] = set()
    if content.vertical:
        for found in find_tables(content.horizontal, content.vertical):
            read = table_text(found, chars)
            taken |= read.taken
            # A single cell is never a table, so a framed comment box stays
            # running text; an empty ruled grid is just decoration.
            if not any(cell for row in read.rows for cell in row):
                continue
            reasons = ((BROKEN_WORDS, read.cut), (OVERPRINTED, read.overprinted), (CLIPPED, read.clipped))
            doubt = "; ".join(m for m, cells in reasons if cells)
            doubtful = read.cut | read.overprinted | read.clipped
            tables.append(Table(Grid(read.rows, doubt=doubt, doubtful=doubtful, page=number), found.bbox[1],
                                goes_on=read.goes_on, came_from_above=read.came_from_above))
            boxes.append(found.bbox)
    if boxes:
        # The glyphs of each table, and those that run past its right border on its rows: those
        # whose centre lies in a table's box, widened to the right edge of the page.
        rest = []
        for i, c in enumerate(chars):
            if i in taken:
                continue
            x, y = (c.x0 + c.x1) / 2, (c.top + c.bottom) / 2
            if not any(x0 <= x and top <= y <= bottom for x0, top, _x1, bottom in boxes):
                rest.append(c)
        chars = rest
    items: list[Line | Table] = [*text_lines(chars), *tables]
    items.sort(key=lambda item: item.top)
    return Page(number, content.height, content.width, items)
