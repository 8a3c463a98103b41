"""The mail asking a municipality for a version of its report without personal data.

County staff send it from the confidentiality review: a comment seemed to
hold data about an individual (an identity number, a phone number), which a
report must not carry. It names the questions and the kinds of data found,
never the data itself, and answers the message that carried the report so it
lands in the coordinator's thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage

from outputs.mail import AUTO_GENERATED, clean_header_text, new_message, reference_chain, set_body
from outputs.replies import ReplyContext, month_text, render
from parsers.result import Period


def build_review_request(ctx: ReplyContext, *, to: Sequence[str], municipality: str, period: Period, version: int,
                         questions: Sequence[tuple[str, str]], original_message_id: str | None,
                         now: datetime) -> EmailMessage:
    """The request to `to`; `questions` holds (question label, kinds of data found) per held comment."""
    in_reply_to, references = reference_chain((), original_message_id) if original_message_id else (None, ())
    subject = f"Lägesbild {month_text(period)}, {clean_header_text(municipality, 80)}: ny version behövs"
    msg = new_message(sender_name=ctx.sender_name, sender_address=ctx.mailbox_address, to=list(to),
                      subject=subject, now=now, auto_submitted=AUTO_GENERATED, in_reply_to=in_reply_to,
                      references=references)
    set_body(msg, render("review_request.txt.j2", county_name=ctx.county_name, sender_name=ctx.sender_name,
                         mailbox=ctx.mailbox_address, municipality=municipality, month=month_text(period),
                         version=version, questions=[{"label": q, "kinds": k} for q, k in questions]))
    return msg
