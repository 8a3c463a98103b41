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
"""

from __future__ import annotations

import email.message
import re
from email import policy
from email.parser import Parser

MAX_DEPTH = 20  # deeper mail goes to the feed parser, which has the walker's own limits after it

_BARE_CR = re.compile(r"\r(?!\n)")
_BLANK_LINE = re.compile(r"\n\r?\n")
_PLAIN_ENCODINGS = ("7bit", "8bit", "binary")
_HEADERS = Parser(policy=policy.compat32)


def parse_fast(raw: bytes) -> email.message.Message | None:
    """The message tree of `raw` as `email.message_from_bytes(raw, policy=compat32)` gives it, or None
    when the mail is not ordinary enough to be split quickly (then use the email package)."""
    text = raw.decode("ascii", "surrogateescape")  # as BytesParser does
    if _BARE_CR.search(text):
        return None
    return _entity(text, 0, ())


def _entity(text: str, depth: int, outer: tuple[str, ...]) -> email.message.Message | None:
    """One entity (headers, blank line, body); `outer`: the separators of the enclosing multiparts."""
    if depth > MAX_DEPTH or text.startswith(("\n", "\r\n")):
        return None
    blank = _BLANK_LINE.search(text)
    if blank is None:
        return None
    msg = _HEADERS.parsestr(text[:blank.end()], headersonly=True)
    if msg.defects:
        return None
    body = text[blank.end():]
    maintype = msg.get_content_maintype()
    if maintype == "message":
        return None
    if maintype != "multipart":
        msg.set_payload(body)
        return msg
    return _multipart(msg, body, depth, outer)


def _multipart(msg: email.message.Message, body: str, depth: int,
               outer: tuple[str, ...]) -> email.message.Message | None:
    boundary = msg.get_boundary()
    encoding = str(msg.get("content-transfer-encoding", "8bit")).lower()
    if not boundary or msg.get_content_subtype() == "digest" or encoding not in _PLAIN_ENCODINGS:
        return None
    separator = "--" + boundary
    lines = _boundary_lines(body, separator)
    if lines is None or len(lines) < 2 or lines[-1][2] is False:
        return None
    if any(closing is not False for _, _, closing in lines[:-1]):
        return None  # a closing boundary before the last: the feed parser's business
    separators = (*outer, separator)
    parts: list[email.message.Message | str] = []
    for (_, end, _), (start, _, _) in zip(lines, lines[1:], strict=False):
        part_text = body[end:start]
        if not part_text or any(_has_boundary_line(part_text, s) for s in separators[:-1]):
            return None  # an empty part, or an outer boundary inside: not ordinary
        part = _entity(part_text, depth + 1, separators)
        if part is None:
            return None
        _drop_final_eol(part)
        parts.append(part)
    first_start = lines[0][0]
    if first_start:
        preamble = body[:first_start]
        if any(_has_boundary_line(preamble, s) for s in outer):
            return None
        msg.preamble = _without_final_eol(preamble)
    epilogue = body[lines[-1][1]:]
    if any(_has_boundary_line(epilogue, s) for s in outer):
        return None
    msg.epilogue = epilogue
    msg.set_payload(parts)
    return msg


def _drop_final_eol(part: email.message.Message) -> None:
    """The line end before a boundary belongs to the boundary (RFC 2046), not to the part before it."""
    if part.get_content_maintype() == "multipart":
        if part.epilogue == "":
            part.epilogue = None
        elif part.epilogue is not None:
            part.epilogue = _without_final_eol(part.epilogue)
        return
    payload = part.get_payload()
    if isinstance(payload, str):
        part.set_payload(_without_final_eol(payload))


def _without_final_eol(text: str) -> str:
    """`text` less one line end at its end (the feed parser's NLCRE_eol; a bare CR never gets here)."""
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith("\n") else text


def _boundary_lines(body: str, separator: str) -> list[tuple[int, int, bool | None]] | None:
    """Every boundary line of `body`: (start, end after its line end, closing?).

    `closing` is None for a closing boundary that ends the text without a line
    end. A line counts as the feed parser counts it: the separator at the
    start of a line, "--" for the closing one, then only blanks and tabs.
    """
    found: list[tuple[int, int, bool | None]] = []
    at = 0
    while True:
        start = body.find(separator, at)
        if start < 0:
            return found
        at = start + len(separator)
        if start and body[start - 1] != "\n":
            continue
        eol = body.find("\n", at)
        end = len(body) if eol < 0 else eol + 1
        rest = body[at:end].rstrip("\r\n") if eol >= 0 else body[at:end]
        if rest.startswith("--") and not rest[2:].strip(" \t"):
            found.append((start, end, True if eol >= 0 else None))
            return found  # what follows the closing boundary is the epilogue
        if not rest.strip(" \t"):
            if found and found[-1][1] == start:
                return None  # two boundary lines in a row
            found.append((start, end, False))
        at = end


def _has_boundary_line(text: str, separator: str) -> bool:
    """Whether a line of `text` starts with `separator` (an outer multipart's boundary, roughly)."""
    return text.startswith(separator) or ("\n" + separator) in text
