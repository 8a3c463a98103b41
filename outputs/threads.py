"""Mail about a reply in words (issue 14, item 2): the forward to staff (one reply, or several gathered),
and the sender's acknowledgement."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from outputs.mail import AUTO_GENERATED, address_header, attach, clean_header_text, new_message, set_addresses, set_body
from outputs.replies import ReplyContext, _common, _reply, render


def build_staff_forward(ctx: ReplyContext, *, to: list[str], sender: str, municipality: str, subject: str,
                        text: str, report: str, original: bytes, now: datetime) -> EmailMessage:
    """A coordinator's reply in words, for staff: what was written, the report it is about, the mail
    attached; Reply-To is the coordinator, so staff answer with one click."""
    msg = new_message(sender_name=ctx.sender_name, sender_address=ctx.mailbox_address, to=to,
                      subject=f"Fråga eller rättelse från {municipality}: {clean_header_text(subject, 120)}",
                      now=now, auto_submitted=AUTO_GENERATED)
    if sender:
        set_addresses(msg, "Reply-To", [address_header(sender)])
    set_body(msg, render("staff_forward.txt.j2", **_common(ctx), sender=sender or "(okänd)",
                         municipality=municipality, subject=clean_header_text(subject), report=report,
                         text=text or "(inget annat än det citerade meddelandet)"))
    attach(msg, "meddelande.eml", original)
    return msg


def build_reply_ack(ctx: ReplyContext, *, to: str, original_message_id: str, original_references: tuple[str, ...],
                    original_subject: str, now: datetime) -> EmailMessage:
    """The short, true answer to a reply in words: forwarded to a person; no report changed."""
    subject = f"Mottaget: {clean_header_text(original_subject, 150)}" if original_subject.strip() else "Mottaget"
    msg = _reply(ctx, to=to, subject=subject, original_message_id=original_message_id,
                 original_references=original_references, now=now)
    set_body(msg, render("reply_ack.txt.j2", **_common(ctx)))
    return msg


@dataclass(frozen=True)
class ForwardedReply:
    """One reply in words for a gathered forward: who wrote, from where, when, about which report, and
    the mail itself (None when it is no longer kept)."""

    sender: str
    municipality: str
    received: str
    subject: str
    report: str
    text: str
    original: bytes | None


# Originals attached to one gathered forward, at most: the rest are named and lie in the mailbox.
ATTACHED_BYTES = 15 * 1024 * 1024


def build_staff_forwards(ctx: ReplyContext, *, to: list[str], replies: Sequence[ForwardedReply],
                         now: datetime) -> EmailMessage:
    """Several replies in words, gathered for staff in one mail: each with its sender, municipality,
    report and text, and its mail attached (svar-1-ludvika.eml, …) while they fit in `ATTACHED_BYTES`.

    No Reply-To: the replies are from different people, and one click must not answer them all."""
    counts = Counter(r.municipality for r in replies)
    names = ", ".join(name for name, _ in counts.most_common(3)) + (" m.fl." if len(counts) > 3 else "")
    msg = new_message(sender_name=ctx.sender_name, sender_address=ctx.mailbox_address, to=to,
                      subject=f"Lägesbild: {len(replies)} svar från kommunerna ({names})"[:150],
                      now=now, auto_submitted=AUTO_GENERATED)
    attached, room = [], ATTACHED_BYTES
    for i, r in enumerate(replies, 1):
        name = ""
        if r.original is not None and len(r.original) <= room:
            name = f"svar-{i}-{_slug(r.municipality)}.eml"
            room -= len(r.original)
        attached.append(name)
    shown = [dict(sender=r.sender or "(okänd)", municipality=r.municipality, received=r.received,
                  subject=clean_header_text(r.subject), report=r.report, attachment=name,
                  text=_indented(r.text or "(inget annat än det citerade meddelandet)"))
             for r, name in zip(replies, attached, strict=True)]
    set_body(msg, render("staff_forwards.txt.j2", **_common(ctx), replies=shown, counts=counts.most_common()))
    for r, name in zip(replies, attached, strict=True):
        if name and r.original is not None:
            attach(msg, name, r.original)
    return msg


def _slug(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "kommun"


def _indented(text: str) -> str:
    """The sender's words set off from the lines around them, so one reply cannot pass for the next."""
    return "\n".join(f"  {line}" if line.strip() else "" for line in text.splitlines())
