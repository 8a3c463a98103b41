"""The mail that tells a municipality county staff corrected a value in its report.

One short message in Swedish: which report, each changed value before and
after, and why. It answers the message the report came in (In-Reply-To,
References) so it sits in the coordinator's thread, and is marked
``Auto-Submitted: auto-generated`` so no out-of-office reply answers it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from outputs.mail import AUTO_GENERATED, clean_header_text, new_message, reference_chain, set_body
from outputs.replies import ReplyContext, month_text, render
from parsers.result import Period


@dataclass(frozen=True, slots=True)
class ChangedValue:
    """One corrected value as the mail shows it: "Fråga 3 Extremism …, påverkan: 2 – Avvikande → 4 – Allvarligt"."""

    label: str
    before: str
    after: str


def period_text(period: Period) -> str:
    """The period in running text: "oktober 2026", or "vecka 43 2026" for a weekly form."""
    return f"vecka {period.week} {period.year}" if period.is_week else month_text(period)


def build_correction_notice(ctx: ReplyContext, *, to: Sequence[str], municipality: str, period: Period,
                            version: int, filename: str, changes: Sequence[ChangedValue], reason: str,
                            original_message_id: str | None, now: datetime) -> EmailMessage:
    """The notice of a correction, to the municipality's coordinator(s) `to`."""
    in_reply_to, references = (reference_chain((), original_message_id) if original_message_id
                               else (None, []))
    subject = f"Rättelse: lägesbild {period_text(period)}, {clean_header_text(municipality, 80)}"
    msg = new_message(sender_name=ctx.sender_name, sender_address=ctx.mailbox_address, to=list(to),
                      subject=subject, now=now, auto_submitted=AUTO_GENERATED, in_reply_to=in_reply_to,
                      references=references)
    set_body(msg, render("correction_notice.txt.j2", county_name=ctx.county_name, sender_name=ctx.sender_name,
                         mailbox=ctx.mailbox_address, municipality=municipality, when=period_text(period),
                         version=version, filename=filename, changes=list(changes), reason=reason))
    return msg
