"""A fast path for the structure of ordinary MIME mail, with the email package as the fallback.

The email package's feed parser reads a message line by line in Python. For
a report mail most lines are the attached form in base64 (some 700 lines of
76 characters), so reading the structure cost more than everything else the
worker does with a mail's headers. Ordinary mail is split here instead with
`str.find` on the boundary lines, building the very `email.message.Message`
tree the feed parser builds: the same header parser reads every header block,
and the payloads, preambles and epilogues are cut where RFC 2046 and the
feed parser cut them.

Anything out of the ordinary returns None and the caller uses the feed
parser as before: a bare CR line end, a header block with a defect or
without its blank line, a multipart without a usable boundary or without
its closing boundary, two boundary lines in a row, a line that closes an
outer multipart inside an inner one, message/* and multipart/digest parts,
nesting deeper than `MAX_DEPTH`. tests/ingest/test_mime.py checks that both
paths give equal trees for the whole mail corpus of the tests.

Memory: the splitting works on positions in the message's bytes, and only a
header block or a leaf's payload is ever cut out (and decoded), once. Cutting
the text of each entity out of its parent's, as a recursive split does, held
some five copies of a message at once (bench/message_memory.py).
"""

from __future__ import annotations

import email.message
import re
from email import policy
from email.parser import Parser

MAX_DEPTH = 20  # deeper mail goes to the feed parser, which has the walker's own limits after it
_MAX_BOUNDARY_REST = 4096  # blanks after a boundary line, at most (more: not ordinary)

_BARE_CR = re.compile(rb"\r(?!\n)")
_BLANK_LINE = re.compile(rb"\n\r?\n")
_PLAIN_ENCODINGS = ("7bit", "8bit", "binary")
_HEADERS = Parser(policy=policy.compat32)


#: A base64 leaf at least this long is left in `raw` when spans are asked for (see `parse_fast`).
LAZY_BYTES = 4096

Spans = dict[int, tuple[int, int]]


def parse_fast(raw: bytes, spans: Spans | None = None) -> email.message.Message | None:
    """The message tree of `raw` as `email.message_from_bytes(raw, policy=compat32)` gives it, or None
    when the mail is not ordinary enough to be split quickly (then use the email package).

    With `spans`, a base64 leaf of `LAZY_BYTES` or more gets an empty payload, and where its text
    lies in `raw` goes into `spans` under the part's id(): the caller decodes it straight from
    `raw` (ingest.parts), so no text copy of an attachment is ever made.
    """
    if _BARE_CR.search(raw):
        return None
    return _entity(memoryview(raw), 0, len(raw), 0, (), False, spans)


def _text(raw: memoryview, start: int, end: int) -> str:
    """raw[start:end] as the email package reads bytes: ASCII, other bytes as surrogates."""
    return str(raw[start:end], "ascii", "surrogateescape")


def _entity(raw: memoryview, start: int, end: int, depth: int, outer: tuple[bytes, ...],
            part: bool, spans: Spans | None) -> email.message.Message | None:
    """The entity in raw[start:end] (headers, blank line, body); `outer`: the separators of the
    enclosing multiparts; `part`: inside a multipart, where the line end before the next boundary
    belongs to the boundary (RFC 2046), not to the entity."""
    data = raw.obj
    assert isinstance(data, bytes)
    if depth > MAX_DEPTH or data.startswith((b"\n", b"\r\n"), start, end):
        return None
    blank = _BLANK_LINE.search(data, start, end)
    if blank is None:
        return None
    msg = _HEADERS.parsestr(_text(raw, start, blank.end()), headersonly=True)
    if msg.defects:
        return None
    maintype = msg.get_content_maintype()
    if maintype == "message":
        return None
    if maintype != "multipart":
        stop = _without_final_eol(data, blank.end(), end) if part else end
        if spans is not None and stop - blank.end() >= LAZY_BYTES and \
                str(msg.get("content-transfer-encoding", "")).strip().lower() == "base64":
            msg.set_payload("")
            spans[id(msg)] = (blank.end(), stop)
        else:
            msg.set_payload(_text(raw, blank.end(), stop))
        return msg
    return _multipart(msg, raw, blank.end(), end, depth, outer, part, spans)


def _multipart(msg: email.message.Message, raw: memoryview, start: int, end: int, depth: int,
               outer: tuple[bytes, ...], part: bool, spans: Spans | None) -> email.message.Message | None:
    data = raw.obj
    assert isinstance(data, bytes)
    boundary = msg.get_boundary()
    encoding = str(msg.get("content-transfer-encoding", "8bit")).lower()
    if not boundary or msg.get_content_subtype() == "digest" or encoding not in _PLAIN_ENCODINGS:
        return None
    try:
        separator = ("--" + boundary).encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return None  # an RFC 2231 boundary that decoded to other letters: the feed parser's
    lines = _boundary_lines(data, start, end, separator)
    if lines is None or len(lines) < 2 or lines[-1][2] is False:
        return None
    if any(closing is not False for _, _, closing in lines[:-1]):
        return None  # a closing boundary before the last: the feed parser's business
    separators = (*outer, separator)
    parts: list[email.message.Message | str] = []
    for (_, after, _), (before, _, _) in zip(lines, lines[1:], strict=False):
        if after == before or any(_has_boundary_line(data, after, before, s) for s in separators[:-1]):
            return None  # an empty part, or an outer boundary inside: not ordinary
        child = _entity(raw, after, before, depth + 1, separators, True, spans)
        if child is None:
            return None
        parts.append(child)
    first_start = lines[0][0]
    if first_start > start:
        if any(_has_boundary_line(data, start, first_start, s) for s in outer):
            return None
        msg.preamble = _text(raw, start, _without_final_eol(data, start, first_start))
    epilogue_start = lines[-1][1]
    if any(_has_boundary_line(data, epilogue_start, end, s) for s in outer):
        return None
    msg.epilogue = _text(raw, epilogue_start, end)
    if part:  # the line end before the boundary that follows belongs to that boundary
        msg.epilogue = None if epilogue_start == end else _text(raw, epilogue_start,
                                                                _without_final_eol(data, epilogue_start, end))
    msg.set_payload(parts)
    return msg


def _without_final_eol(data: bytes, start: int, end: int) -> int:
    """Where data[start:end] ends less one line end (the feed parser's NLCRE_eol; a bare CR never gets here)."""
    if end - start >= 2 and data.startswith(b"\r\n", end - 2):
        return end - 2
    return end - 1 if end > start and data[end - 1] == 0x0A else end


def _boundary_lines(data: bytes, start: int, end: int, separator: bytes) -> list[tuple[int, int, bool | None]] | None:
    """Every boundary line of data[start:end]: (start, end after its line end, closing?).

    `closing` is None for a closing boundary that ends the text without a line
    end. A line counts as the feed parser counts it: the separator at the
    start of a line, "--" for the closing one, then only blanks and tabs.
    """
    found: list[tuple[int, int, bool | None]] = []
    at = start
    while True:
        line = data.find(separator, at, end)
        if line < 0:
            return found
        at = line + len(separator)
        if line > start and data[line - 1] != 0x0A:
            continue
        eol = data.find(b"\n", at, end)
        stop = end if eol < 0 else eol + 1
        if stop - at > _MAX_BOUNDARY_REST:
            if data[at:at + 2] != b"--" and data[at:at + _MAX_BOUNDARY_REST].strip(b" \t\r\n"):
                at = stop  # a line that merely starts with the separator: not a boundary
                continue
            return None
        rest = data[at:stop].rstrip(b"\r\n") if eol >= 0 else data[at:stop]
        if rest.startswith(b"--") and not rest[2:].strip(b" \t"):
            found.append((line, stop, True if eol >= 0 else None))
            return found  # what follows the closing boundary is the epilogue
        if not rest.strip(b" \t"):
            if found and found[-1][1] == line:
                return None  # two boundary lines in a row
            found.append((line, stop, False))
        at = stop


def _has_boundary_line(data: bytes, start: int, end: int, separator: bytes) -> bool:
    """Whether a line of data[start:end] starts with `separator` (an outer multipart's boundary, roughly)."""
    return data.startswith(separator, start, end) or data.find(b"\n" + separator, start, end) >= 0
