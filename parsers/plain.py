"""Plain text (a .txt attachment, or a form pasted into a mail body) as a `Document`."""

from __future__ import annotations

import re

from parsers.document import Document, Paragraph, Section
from parsers.limits import Limits, Refused

# A filled-in form is about a hundred lines and a long mail thread a few
# thousand; this only stops a text file from becoming millions of objects.
MAX_LINES = 100_000
# Mail quoting ("> ", "> > ", ">") in front of a line; see read_text.
_QUOTE_RE = re.compile(r"^(?:[ \t]*>)+[ \t]?")


def read_text(data: bytes, limits: Limits) -> Document:
    """One `Paragraph` per line; a blank line becomes `Paragraph("")`.

    The bytes are decoded as UTF-8 (with or without BOM), UTF-16 when it
    starts with a byte order mark, otherwise as Windows-1252 (what Notepad
    and older Outlook write in Sweden), falling back to Latin-1 so that
    decoding never fails. Line ends may be CR LF, LF or CR; trailing spaces
    are dropped. Mail quote markers at the start of a line ("> ", "> > ")
    are removed: a coordinator who answers the county's mail inline types
    the answers under the quoted form, and the quoting is presentation, not
    part of the form. Refused (Swedish message) above `MAX_LINES` lines.
    """
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n").rstrip()
    # Counted before splitting, so a huge file never becomes a huge list.
    if text.count("\n") >= MAX_LINES:
        raise Refused(
            f"Filen innehåller för mycket text (över {MAX_LINES} rader) för att vara en "
            "ifylld blankett. Skicka bara blanketten."
        )
    lines = [_QUOTE_RE.sub("", line).rstrip() for line in text.split("\n")] if text else []
    paragraphs = tuple(Paragraph(line if line.strip() else "") for line in lines)
    return Document(sections=[Section(blocks=paragraphs)])


def decode_text(data: bytes) -> str:
    """Decode text bytes: UTF-8 (BOM ok), UTF-16 with BOM, else cp1252, else Latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", "replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:  # 0x81, 0x8D, ... are undefined in cp1252
                text = data.decode("latin-1")
    # A stray NUL would end a string in some libraries downstream.
    return text.replace("\x00", "")
