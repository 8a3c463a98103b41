"""One receipt for a message that carried several forms (issue 14, item 1).

A coordinator who sends her own municipality's form together with a
neighbour's, or two months at once, gets one answer that lists every form
and what became of it: registered (a new report, a correction, or already
received with the same content), or held in quarantine for the county's
staff, and why. What was read is shown per form, as in the ordinary receipt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from outputs.mail import clean_header_text, set_body
from outputs.replies import AnswerLine, ReplyContext, _common, _reply, answer_lines, area_line, month_text, render
from parsers.result import Answer, Issue, Period, Severity


@dataclass(frozen=True, slots=True)
class Part:
    """One form of the message and what became of it.

    `kind`: "new", "correction", "identical" (filed) or "held" (in quarantine).
    `reason` is why a held form waits (Swedish).
    """

    filename: str
    municipality: str
    period: Period
    kind: str
    version: int | None = None
    answers: dict[int, Answer] | None = None
    issues: tuple[Issue, ...] = ()
    reason: str = ""
    held_for_review: bool = False
    late: bool = False
    period_inferred: bool = False
    area: str | None = None  # the part of the municipality the form is about, as filed


@dataclass(frozen=True, slots=True)
class _PartView:
    heading: str
    outcome: str
    area: str | None
    lines: tuple[AnswerLine, ...]
    notes: tuple[str, ...]


def _outcome(part: Part) -> str:
    if part.kind == "held":
        return f"Hålls i karantän: {part.reason}."
    if part.kind == "identical":
        return f"Redan mottagen med samma innehåll (version {part.version}); inget har ändrats."
    if part.kind == "correction":
        return f"Registrerad som rättelse, version {part.version}. Den ersätter den tidigare versionen."
    return "Registrerad."


def _view(ctx: ReplyContext, part: Part) -> _PartView:
    notes: list[str] = []
    lines: tuple[AnswerLine, ...] = ()
    if part.kind in ("new", "correction") and part.answers is not None:
        lines = tuple(answer_lines(ctx.form, part.answers, quote_comments=not part.held_for_review))
        notes += [i.message for i in part.issues if i.severity is Severity.ERROR]
        notes += [f"Osäkert: {i.message}" for i in part.issues if i.severity is Severity.WARNING]
        if part.held_for_review:
            notes.append("Den verkar innehålla personuppgifter och visas inte i länets sammanställning förrän en "
                         "handläggare har granskat den; kommentarerna återges därför inte här.")
        if part.period_inferred:
            notes.append(f"Månaden ({month_text(part.period)}) har antagits utifrån e-postmeddelandet.")
        if part.late:
            notes.append("Den kom in efter sista dagen för inlämning och är registrerad som sen.")
    heading = f"{clean_header_text(part.filename, 120)}: {part.municipality}, {month_text(part.period)}"
    area = area_line(ctx.form, part.area) if part.kind in ("new", "correction") else None
    return _PartView(heading, _outcome(part), area, lines, tuple(dict.fromkeys(notes)))


def parts_subject(parts: Sequence[Part]) -> str:
    """ "Kvittens: 2 lägesbilder – Ludvika oktober 2026, Falun oktober 2026 (i karantän)"."""
    names = ", ".join(f"{p.municipality} {month_text(p.period)}" + (" (i karantän)" if p.kind == "held" else "")
                      for p in parts)
    return f"Kvittens: {len(parts)} lägesbilder – {names}"


def build_parts_receipt(ctx: ReplyContext, *, to: str, original_message_id: str,
                        original_references: tuple[str, ...], original_subject: str, parts: Sequence[Part],
                        now: datetime | None = None) -> EmailMessage:
    """The one receipt for a message with several forms: every form and its outcome."""
    views = [_view(ctx, p) for p in parts]
    data = {**_common(ctx), "parts": views, "any_held": any(p.kind == "held" for p in parts),
            "original_subject": clean_header_text(original_subject)}
    msg = _reply(ctx, to=to, subject=parts_subject(parts), original_message_id=original_message_id,
                 original_references=original_references, now=now)
    set_body(msg, render("receipt_parts.txt.j2", **data))
    return msg
