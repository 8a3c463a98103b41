"""A file that came with a message: its type, its name made safe to show, and a name for an unnamed one.

Filenames are for display only: control characters are removed and any
directory part ("../../x.docx" -> "x.docx") is dropped, but a caller must
still never use one as a path.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass

from ingest.headers import Problems
from parsers.limits import Refused
from parsers.result import Format
from parsers.sniff import detect_format

_EXT_FOR_FORMAT = {Format.TEXT: ".txt", Format.UNKNOWN: ""}


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with the message.

    `filename` is the sender's name for it, decoded (RFC 2231, encoded-words,
    raw UTF-8 or Windows-1252), NFC-normalised and stripped of any directory
    part and control characters; for display only, never a path. The parser
    sniffs `content` itself; `content_type` is only what was declared.
    `forwarded` is True for files found inside a forwarded message or a
    winmail.dat.
    """

    filename: str
    content: bytes
    content_type: str
    forwarded: bool


_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_MAX_NAME = 200


def display_filename(name: str) -> str:
    """The sender's filename made safe to show: no directories, control or bidi characters.

    NFC-normalised (Apple Mail sends decomposed "å"); "../../x.docx" and
    "C:\\Users\\x.docx" keep only their last part; "" when nothing is left.
    Never use the result as a path.
    """
    text = unicodedata.normalize("NFC", name)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _DRIVE_RE.sub("", text).strip()
    if text in ("", ".", ".."):
        return ""
    if len(text) > _MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        text = (stem[: _MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else text[:_MAX_NAME]
    return text


def _extension(data: bytes, ctype: str) -> str:
    """A file extension for unnamed bytes: sniffed, else from the declared type."""
    try:
        fmt = detect_format(data)
    except Refused:
        fmt = Format.UNKNOWN
    if fmt is not Format.UNKNOWN:
        return _EXT_FOR_FORMAT.get(fmt, f".{fmt.value}")
    return mimetypes.guess_extension(ctype) or ".bin"


def add_attachment(attachments: list[Attachment], problems: Problems, filename: str, data: bytes, ctype: str,
                   forwarded: bool) -> None:
    """Append the file to `attachments` under its display name ("bilaga-N.ext" when it has none)."""
    name = display_filename(filename)
    if name != unicodedata.normalize("NFC", filename.strip()) and filename:
        problems.add(f"attachment name {filename[:80]!r} was cleaned to {name!r}")
    if not name:
        name = f"bilaga-{len(attachments) + 1}{_extension(data, ctype)}"
    attachments.append(Attachment(name, data, ctype, forwarded))
