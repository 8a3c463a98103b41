"""Reading one e-mail message: bytes in, a typed `MailMessage` out.

The structure is parsed by the standard library's `email` parser and the
header values are then read defensively (`ingest.headers`,
`ingest.header_fields`): taken raw and decoded there (RFC 2047
encoded-words, RFC 2231 parameters, raw 8-bit UTF-8 or Windows-1252, unknown
charset names), so one odd header costs a line in `problems`, not the
message. The parts are walked by `ingest.parts`. `read_message` never raises
on bad input; it returns what it could read and says what it could not.

Why the parse uses `policy.compat32` and not `policy.default`: the latter's
structured header parser runs while the message is parsed (for every
Content-Type) and is quadratic on crafted values (8 KB of quotes: ~2 s on
3.11) and recursive on nested comments (a few thousand "(" raise
RecursionError, and the whole message would be lost). compat32 keeps header
values as strings and splits parameters with simple linear code. The
structured parser is used only for address headers, under a length cap,
because its address grammar is the careful one (a From header is what the
sender is matched on).
"""

from __future__ import annotations

import email
import email.message
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email import policy

from ingest.attachments import Attachment
from ingest.authresults import AuthResults, parse_authentication_results
from ingest.classify import automatic_reason
from ingest.header_fields import date_header, header_addresses, msg_ids, read_message_id, received_date
from ingest.headers import EMAIL_ERRORS, Problems, decode_header, raw_header, raw_headers
from ingest.mime import Spans, parse_fast
from ingest.parts import read_parts

__all__ = ["MailMessage", "read_message"]

_LINE_BREAKS_RE = re.compile("[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


@dataclass(frozen=True, slots=True)
class MailMessage:
    """One message as read: its headers decoded, its body text and its attachments.

    - `message_id`: "<...>" as given; a stable synthetic
      "<sha256-of-the-bytes@lagesbild.invalid>" when missing.
    - `sender`, `reply_to`, `to`, `cc`: lower-cased addresses ("" / None / ()
      when absent or unparseable).
    - `date`: the sender's Date: header (aware; never the received time).
    - `received_at`: the date of the newest Received: header that has one
      (aware); only a fallback for when the mailbox gives no time.
    - `body_text`: the text/plain body, or the text of the HTML body when
      there is no plain one; whole, quoted reply chain included. The bodies
      of forwarded messages follow, each after a "Vidarebefordrat
      meddelande" separator line, as an inline forward would show them.
    - `auto`: why this is an automatic message (ingest.classify), or None.
    - `auth`: the receiving server's Authentication-Results, or None.
    - `suppress_replies`: the X-Auto-Response-Suppress value, or None: the
      sender asks for no automatic answer (see flow.answering).
    - `auth_headers`, `exchange_auth_as`: what `ingest.authresults.sender_verdict`
      decides on (which of them to believe is the configuration's to say).
    - `problems`: what could not be read cleanly, in English, for the log.
    """

    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    sender: str
    sender_name: str
    reply_to: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None
    received_at: datetime | None
    body_text: str
    attachments: tuple[Attachment, ...]
    auto: str | None
    auth: AuthResults | None
    problems: tuple[str, ...]
    suppress_replies: str | None = None  # X-Auto-Response-Suppress as sent (Exchange: "no auto-replies")
    auth_headers: tuple[str, ...] = ()  # every Authentication-Results value, topmost first
    exchange_auth_as: str | None = None  # X-MS-Exchange-Organization-AuthAs (see ingest.authresults)
    replied_to: tuple[str, ...] = ()  # every id in In-Reply-To (`in_reply_to` is the first; some carry several)


def read_message(raw: bytes, max_parts: int = 500, max_depth: int = 10,
                 trusted_authserv_ids: tuple[str, ...] = ()) -> MailMessage:
    """Read the message in `raw`. Never raises on bad input.

    Stops walking after `max_parts` MIME parts and does not go deeper than
    `max_depth` levels of nesting (multiparts and forwarded messages), with
    a problem noted either way. `trusted_authserv_ids` names the receiving
    servers whose Authentication-Results count (see
    `ingest.authresults.parse_authentication_results`; empty: the topmost).
    """
    problems = Problems()
    spans: Spans = {}
    msg = _parse(raw, problems, spans)
    # One line, whatever an encoded-word carried ("=0D=0A", U+2028): every output shows it as one.
    subject = _LINE_BREAKS_RE.sub(" ", decode_header(raw_header(msg, "Subject") or "", problems, "Subject"))
    senders = header_addresses(msg, "From", problems)
    sender_name, sender = senders[0] if senders else ("", "")
    if len({addr for _, addr in senders}) > 1:
        # Which one is the sender? Not a guess to make on a security boundary.
        problems.add("several From addresses; none is used")
        sender_name, sender = "", ""
    if not sender:
        problems.add("no usable From address")
    reply_tos = header_addresses(msg, "Reply-To", problems)

    body, attachments = read_parts(msg, problems, max_parts, max_depth, raw, spans)

    auto = automatic_reason(msg, subject)
    auth = parse_authentication_results(raw_headers(msg, "Authentication-Results"), trusted_authserv_ids)

    return MailMessage(
        message_id=read_message_id(msg, raw, problems),
        in_reply_to=next(iter(msg_ids(raw_header(msg, "In-Reply-To") or "")), None),
        references=tuple(dict.fromkeys(msg_ids(" ".join(raw_headers(msg, "References"))))),
        subject=subject,
        sender=sender,
        sender_name=sender_name,
        reply_to=reply_tos[0][1] if reply_tos and reply_tos[0][1] else None,
        to=_unique(addr for _, addr in header_addresses(msg, "To", problems) if addr),
        cc=_unique(addr for _, addr in header_addresses(msg, "Cc", problems) if addr),
        date=date_header(msg, problems),
        received_at=received_date(msg, problems),
        body_text=body,
        attachments=attachments,
        auto=auto,
        auth=auth,
        problems=tuple(problems.items),
        suppress_replies=(raw_header(msg, "X-Auto-Response-Suppress") or "").strip()[:200] or None,
        auth_headers=tuple(v[:4000] for v in raw_headers(msg, "Authentication-Results")[:20]),
        replied_to=tuple(dict.fromkeys(msg_ids(raw_header(msg, "In-Reply-To") or "")))[:20],
        exchange_auth_as=(raw_header(msg, "X-MS-Exchange-Organization-AuthAs") or "").strip()[:40] or None,
    )


def _parse(raw: bytes, problems: Problems, spans: Spans) -> email.message.Message:
    try:
        # The same tree, for ordinary mail, without the feed parser's line-by-line pass; its big base64
        # parts are left in `raw` (`spans`) and decoded from there.
        fast = parse_fast(raw, spans)
    except EMAIL_ERRORS:
        fast = None  # the feed parser below meets the same trouble and says what it is
    if fast is not None:
        return fast
    try:
        return email.message_from_bytes(raw, policy=policy.compat32)
    except EMAIL_ERRORS as exc:
        problems.add(f"the message could not be parsed: {type(exc).__name__}")
        return email.message.Message()


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
