"""The mail the worker writes: receipts, error replies, duplicate and staff notices.

Each builder returns an `EmailMessage`; nothing is sent here (sending is
the outbox's, `outputs/transports.py`). The wording lives in jinja2 templates in
`outputs/templates/` (plain text always, HTML as an alternative for
receipts), written in clear, friendly Swedish for a municipal coordinator.

What a municipality wrote (subject, comments, file name) is only ever passed
to the templates as data: it is never compiled as template code, and it is
HTML-escaped in the HTML part. Headers follow `outputs/mail.py`: replies to a
sender carry In-Reply-To, References and ``Auto-Submitted: auto-replied``;
staff notices ``Auto-Submitted: auto-generated``; all of them
``X-Auto-Response-Suppress: All``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from functools import cache
from typing import Any

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from outputs.blank_forms import SWEDISH_MONTHS, level_label
from outputs.mail import (
    AUTO_GENERATED,
    AUTO_REPLIED,
    attach,
    clean_header_text,
    new_message,
    reference_chain,
    set_body,
)
from outputs.safe_text import safe_text
from parsers.form import FormSpec
from parsers.result import Answer, Issue, Period, Severity

# Comments are quoted back this long at most: enough to recognise, short
# enough that a receipt stays a receipt.
EXCERPT_CHARS = 100


@dataclass(frozen=True)
class ReplyContext:
    """Who writes: the county, the sender name, the mailbox address, and the form."""

    county_name: str
    sender_name: str
    mailbox_address: str
    form: FormSpec


@dataclass(frozen=True)
class AnswerLine:
    """One question as the receipt shows it: "Fråga 1 Ordningsstörningar …: 3 – Oroande. «…»"."""

    label: str
    parts: tuple[str, ...]


def _autoescape(name: str | None) -> bool:
    # Only the HTML templates escape; the .txt ones are plain text, where
    # escaping would show "&lt;" to the reader.
    return name is not None and name.endswith(".html.j2")


def _finalize(value: Any) -> Any:
    # Every value a template prints passes the text rule (outputs.safe_text) first, so no mail and no
    # digest carries a control character, a noncharacter or a direction override, whatever its source.
    if isinstance(value, str) and not isinstance(value, Markup):
        return safe_text(value)
    return value


@cache
def environment() -> Environment:
    """The jinja2 environment for outputs/templates (StrictUndefined, HTML autoescaped, every printed
    value under the text rule)."""
    return Environment(
        loader=PackageLoader("outputs", "templates"),
        undefined=StrictUndefined,
        finalize=_finalize,
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: Any) -> str:
    """Render one template by name with `context` as data; an HTML mail's <style> block is inlined."""
    text = environment().get_template(template).render(**context)
    if not template.endswith(".html.j2"):
        return text
    inlined = _inliner().inline(text)
    return inlined if inlined.endswith("\n") or not text.endswith("\n") else inlined + "\n"


@cache
def _inliner() -> css_inline.CSSInliner:
    # Outlook (Word's renderer) ignores most of a <style> block: every rule goes into the style attribute
    # of the elements it matches, where an attribute already there wins. Nothing is fetched from outside.
    return css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def month_text(period: Period) -> str:
    """The period in running text: "oktober 2026", or "vecka 43 2026" for a week."""
    if period.is_week:
        return f"vecka {period.week} {period.year}"
    return f"{SWEDISH_MONTHS[period.month - 1]} {period.year}"


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """`text` on one line, cut at a word boundary near `limit` with "…"."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:–-") + "…"


def answer_lines(form: FormSpec, answers: dict[int, Answer], *, quote_comments: bool) -> list[AnswerLine]:
    """What was read, one line per question of the form, in Swedish."""
    lines = []
    for q in form.questions:
        label = f"Fråga {q.number} {q.short}"
        answer = answers.get(q.number)
        if answer is None:
            lines.append(AnswerLine(label, ("inget svar kunde läsas.",)))
            continue
        parts: list[str] = []
        if q.impact:
            if answer.impact is None:
                parts.append("påverkan saknas.")
            else:
                try:
                    parts.append(level_label(form.scale, answer.impact) + ".")
                except KeyError:
                    parts.append(f"{answer.impact}.")
        if not answer.comment.strip():
            parts.append("Ingen kommentar." if parts else "ingen kommentar.")
        elif quote_comments:
            parts.append(f"«{excerpt(answer.comment)}»")
        else:
            parts.append("(Kommentaren återges inte här.)" if parts else "kommentaren återges inte här.")
        lines.append(AnswerLine(label, tuple(parts)))
    return lines


def _unique_messages(issues: Sequence[Issue], severity: Severity) -> list[str]:
    out: list[str] = []
    for issue in issues:
        if issue.severity is severity and issue.message not in out:
            out.append(issue.message)
    return out


def _common(ctx: ReplyContext) -> dict[str, Any]:
    return {"county_name": ctx.county_name, "sender_name": ctx.sender_name, "mailbox": ctx.mailbox_address}


def _reply(ctx: ReplyContext, *, to: str, subject: str, original_message_id: str,
           original_references: Sequence[str], now: datetime | None) -> EmailMessage:
    in_reply_to, references = reference_chain(original_references, original_message_id)
    return new_message(
        sender_name=ctx.sender_name, sender_address=ctx.mailbox_address, to=[to], subject=subject,
        now=now or datetime.now(UTC), auto_submitted=AUTO_REPLIED, in_reply_to=in_reply_to, references=references,
    )


def area_line(form: FormSpec, area: str | None) -> str | None:
    """ "Område: Vivalla" for a report about a part of the municipality; None without an area."""
    if area is None:
        return None
    return f"{form.labels.area[0] if form.labels.area else 'Område'}: {area}"


def receipt_subject(municipality: str, period: Period, version: int) -> str:
    """ "Kvittens: lägesbild oktober 2026, Ludvika" (+ " (rättelse, version 2)")."""
    subject = f"Kvittens: lägesbild {month_text(period)}, {clean_header_text(municipality, 80)}"
    return subject + (f" (rättelse, version {version})" if version > 1 else "")


def build_receipt(
    ctx: ReplyContext,
    *,
    to: str,
    original_message_id: str,
    original_references: tuple[str, ...],
    original_subject: str,
    municipality: str,
    period: Period,
    version: int,
    answers: dict[int, Answer],
    issues: tuple[Issue, ...],
    period_inferred: bool,
    late: bool,
    held_for_review: bool,
    filename: str,
    now: datetime | None = None,
    area: str | None = None,
) -> EmailMessage:
    """The receipt for a stored report (or a correction, `version` > 1).

    `area` is the part of the municipality the report is about, as filed
    (None: the form named none), shown above the answers.

    Lists what was read per question, errors and warnings in plain words,
    and notes for an inferred month, a late report and a report held because
    it seems to contain personal data. A held report's comments are not
    quoted back, so the receipt does not spread the personal data further.
    """
    data = {
        **_common(ctx),
        "municipality": municipality,
        "month": month_text(period),
        "version": version,
        "filename": filename,
        "area": area_line(ctx.form, area),
        "original_subject": clean_header_text(original_subject),
        "lines": answer_lines(ctx.form, answers, quote_comments=not held_for_review),
        "errors": _unique_messages(issues, Severity.ERROR),
        "warnings": _unique_messages(issues, Severity.WARNING),
        "period_inferred": period_inferred,
        "late": late,
        "held": held_for_review,
    }
    msg = _reply(ctx, to=to, subject=receipt_subject(municipality, period, version),
                 original_message_id=original_message_id, original_references=original_references, now=now)
    set_body(msg, render("receipt.txt.j2", **data), render("receipt.html.j2", **data))
    return msg


def build_error_reply(
    ctx: ReplyContext,
    *,
    to: str,
    original_message_id: str,
    original_references: tuple[str, ...],
    original_subject: str,
    problems: list[str],
    blank_form: tuple[str, bytes] | None,
    now: datetime | None = None,
) -> EmailMessage:
    """The answer to a message from which no report could be read.

    Says exactly what is wrong (`problems`, the Swedish issue messages) and
    how to fix it; attaches `blank_form` (file name, bytes) when given.
    """
    original = clean_header_text(original_subject)
    subject = f"Lägesbilden kunde inte läsas: {original}" if original else "Lägesbilden kunde inte läsas"
    data = {
        **_common(ctx),
        "problems": list(dict.fromkeys(p.strip() for p in problems if p.strip())),
        "original_subject": original,
        "blank_form": blank_form[0] if blank_form else None,
    }
    msg = _reply(ctx, to=to, subject=subject, original_message_id=original_message_id,
                 original_references=original_references, now=now)
    set_body(msg, render("error_reply.txt.j2", **data))
    if blank_form is not None:
        attach(msg, blank_form[0], blank_form[1])
    return msg


def build_duplicate_notice(
    ctx: ReplyContext,
    *,
    to: str,
    original_message_id: str,
    original_references: tuple[str, ...],
    original_subject: str,
    municipality: str,
    period: Period,
    version: int,
    now: datetime | None = None,
) -> EmailMessage:
    """The answer to a report that was already received with exactly this content."""
    subject = f"Redan mottagen: lägesbild {month_text(period)}, {clean_header_text(municipality, 80)}"
    data = {
        **_common(ctx),
        "municipality": municipality,
        "month": month_text(period),
        "version": version,
        "original_subject": clean_header_text(original_subject),
    }
    msg = _reply(ctx, to=to, subject=subject, original_message_id=original_message_id,
                 original_references=original_references, now=now)
    set_body(msg, render("duplicate_notice.txt.j2", **data))
    return msg


def build_staff_notice(
    ctx: ReplyContext,
    *,
    to: list[str],
    subject: str,
    lines: list[str],
    attachments: Sequence[tuple[str, bytes]] = (),
    now: datetime | None = None,
) -> EmailMessage:
    """A notice to county staff (quarantine, errors): `lines` one per line, files attached.

    Marked ``Auto-Submitted: auto-generated`` (not a reply to anyone).
    """
    msg = new_message(
        sender_name=ctx.sender_name, sender_address=ctx.mailbox_address, to=to, subject=subject,
        now=now or datetime.now(UTC), auto_submitted=AUTO_GENERATED,
    )
    set_body(msg, render("staff_notice.txt.j2", **_common(ctx), lines=list(lines)))
    for filename, data in attachments:
        attach(msg, filename, data)
    return msg
