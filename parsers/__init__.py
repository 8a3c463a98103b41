"""Reading filled-in forms: bytes in, a `ParseResult` with a list of issues out.

`parse_bytes` is the one entry point. It detects the format from the bytes,
hands the file to that format's reader (which produces a format-neutral
`Document`), and lets the single text-level reader (`parsers.text`) pull the
answers out. Nothing here touches the disk, the network or the clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from parsers.document import Document
from parsers.form import FormSpec, default_form
from parsers.limits import Limits, Refused
from parsers.result import Answer, Format, Issue, ParseResult

Reader = Callable[[bytes, Limits], Document]
_log = logging.getLogger(__name__)


def warm_up() -> None:
    """Import every reader, the sniffer and the text reader now (before forking a child with a memory cap)."""
    from parsers import sniff, text  # noqa: F401 - imported for their side effect: loaded once, shared by children

    _readers()


def _readers() -> dict[Format, Reader]:
    # Imported lazily so that `import parsers` stays cheap for store/ and outputs/.
    from parsers import docx, odf, pdf, plain, xls, xlsx

    return {
        Format.DOCX: docx.read_docx,
        Format.DOCM: docx.read_docx,
        Format.XLSX: xlsx.read_xlsx,
        Format.XLSM: xlsx.read_xlsx,
        Format.PDF: pdf.read_pdf,
        Format.ODT: odf.read_odt,
        Format.ODS: odf.read_ods,
        Format.XLS: xls.read_xls,
        Format.TEXT: plain.read_text,
    }


_REFUSED_FORMATS = {
    Format.DOC: "Filen är ett äldre Word-dokument (.doc) som inte kan läsas. "
    "Spara den som .docx (Arkiv > Spara som > Word-dokument) och skicka igen.",
    Format.RTF: "Filen är i RTF-format som inte kan läsas. "
    "Spara den som .docx (Arkiv > Spara som > Word-dokument) och skicka igen.",
    Format.UNKNOWN: "Filen känns inte igen som ett Word-, Excel- eller PDF-dokument. "
    "Skicka lägesbilden som .docx, .xlsx eller .pdf.",
}


_CORRUPT = {
    f: f"Filen ser ut att vara ett {f.value}-dokument men är skadad och kunde inte läsas. "
    "Öppna den, spara den på nytt och skicka igen."
    for f in Format
}


def blank_result(form: FormSpec, fmt: Format, issues: list[Issue]) -> ParseResult:
    """A result with every question present and empty, carrying `issues`."""
    return ParseResult(
        format=fmt,
        municipality=None,
        period=None,
        answers={q.number: Answer() for q in form.questions},
        issues=tuple(issues),
        form_id=form.id,
    )


def parse_bytes(
    data: bytes,
    filename: str = "",
    form: FormSpec | None = None,
    limits: Limits | None = None,
) -> ParseResult:
    """Read one form file. Never raises for bad input: problems become issues.

    `filename` only breaks ties in format detection and may supply a period
    or municipality as a flagged fallback; the bytes decide the format.
    """
    from parsers import sniff, text

    form = form or default_form()
    limits = limits or Limits()
    if not data:
        return blank_result(form, Format.UNKNOWN, [Issue.error("file", "Filen är tom (0 byte).")])
    if len(data) > limits.max_file_bytes:
        mb = limits.max_file_bytes // (1024 * 1024)
        return blank_result(
            form,
            Format.UNKNOWN,
            [Issue.error("file", f"Filen är för stor (över {mb} MB). Skicka en mindre fil.")],
        )
    try:
        fmt = sniff.detect_format(data, filename)
    except Refused as exc:
        return blank_result(form, Format.UNKNOWN, [Issue.error("file", str(exc))])
    if fmt in _REFUSED_FORMATS:
        return blank_result(form, fmt, [Issue.error("file", _REFUSED_FORMATS[fmt])])
    try:
        document = _readers()[fmt](data, limits)
    except Refused as exc:
        return blank_result(form, fmt, [Issue.error("file", str(exc))])
    except RecursionError:
        return blank_result(
            form, fmt, [Issue.error("file", "Filen är för djupt nästlad för att kunna läsas.")]
        )
    except MemoryError:
        return blank_result(
            form, fmt, [Issue.error("file", "Filen kräver för mycket minne för att kunna läsas.")]
        )
    except ImportError:
        raise  # the program is broken, not the file: never blame the sender for it
    except Exception as exc:  # noqa: BLE001 - the parse boundary: a library's surprise on a
        # broken file must become an issue the sender can act on, never a crash.
        _log.warning("reader for %s failed: %s: %s", fmt.value, type(exc).__name__, exc)
        return blank_result(form, fmt, [Issue.error("file", _CORRUPT[fmt])])
    return text.extract(document, form, fmt, filename)
