"""Mail about a reply in words (issue 14, item 2): the forward to staff and the sender's acknowledgement."""

from __future__ import annotations

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
