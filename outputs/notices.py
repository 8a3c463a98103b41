"""Mail the worker sends on its own: reminders, signals to other missions, compilations.

Each builder returns an `EmailMessage`; nothing is sent or stored here. The
wording is in jinja2 templates (`reminder.txt.j2`, `signal.txt.j2`,
`compilation.txt.j2`) rendered with StrictUndefined, in Swedish. All of
these messages start a conversation rather than answer one, so they carry
``Auto-Submitted: auto-generated`` and ``X-Auto-Response-Suppress: All``
(see `outputs/mail.py`), a fresh Message-ID on the county mailbox's domain
and a Date from `now`.

What municipalities wrote only reaches a notice as an excerpt: cleaned of
control characters, cut to `SIGNAL_EXCERPT_CHARS`, with personal data
masked (parsers/personal.py), and passed to the templates as data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from email.message import EmailMessage
from typing import Literal
from zoneinfo import ZoneInfo

from outputs.blank_forms import SWEDISH_MONTHS
from outputs.mail import AUTO_GENERATED, address_header, attach, clean_header_text, new_message, set_addresses, set_body
from outputs.replies import ReplyContext, month_text, render
from outputs.replies import excerpt as shorten
from parsers.personal import redact
from parsers.result import Period

SIGNAL_EXCERPT_CHARS = 300
STOCKHOLM = ZoneInfo("Europe/Stockholm")

SWEDISH_WEEKDAYS: tuple[str, ...] = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")

ReminderTone = Literal["before", "today", "after"]
_STAGE_TONES: dict[str, ReminderTone] = {
    "before_deadline": "before",
    "deadline_day": "today",
    "after_deadline": "after",
}

#: How the flags of a submission read in a compilation.
FLAG_TEXT: dict[str, str] = {
    "late": "sen",
    "personal_data": "kan innehålla personuppgifter",
    "held": "hålls inne för granskning",
    "period_inferred": "månaden antagen från e-postmeddelandet",
    "period_doubt": "månaden stämmer inte med när rapporten kom",
}


def day_text(day: date) -> str:
    """A date in running text: "onsdag 30 december"."""
    return f"{SWEDISH_WEEKDAYS[day.weekday()]} {day.day} {SWEDISH_MONTHS[day.month - 1]}"


def moment_text(moment: datetime, tz: ZoneInfo = STOCKHOLM) -> str:
    """A time in running text, local time: "torsdag 29 oktober kl. 14.03"."""
    local = moment.astimezone(tz)
    return f"{day_text(local.date())} kl. {local:%H.%M}"


def _common(ctx: ReplyContext) -> dict[str, str]:
    return {"county_name": ctx.county_name, "sender_name": ctx.sender_name, "mailbox": ctx.mailbox_address}


def _new(ctx: ReplyContext, *, to: Sequence[str], subject: str, now: datetime, cc: Sequence[str] = (),
         reply_to: Sequence[str] = ()) -> EmailMessage:
    msg = new_message(sender_name=ctx.sender_name, sender_address=ctx.mailbox_address, to=list(to),
                      subject=subject, now=now, auto_submitted=AUTO_GENERATED)
    if cc:
        set_addresses(msg, "Cc", [address_header(a) for a in cc])
    if reply_to:
        set_addresses(msg, "Reply-To", [address_header(a) for a in reply_to])
    return msg


# --------------------------------------------------------------------------
# Reminders
# --------------------------------------------------------------------------


def reminder_tone(stage: str, deadline: date, now: datetime, tz: ZoneInfo = STOCKHOLM) -> ReminderTone:
    """How a reminder speaks: from the stage name, or for a configured stage, from the date."""
    if stage in _STAGE_TONES:
        return _STAGE_TONES[stage]
    today = now.astimezone(tz).date()
    return "before" if today < deadline else "today" if today == deadline else "after"


def due_text(deadline: date, due_at: time | None = None) -> str:
    """The last day, and the hour when the form sets one: "fredag 30 oktober", "tisdag 20 oktober kl. 16.00"."""
    return day_text(deadline) + (f" kl. {due_at:%H.%M}" if due_at is not None else "")


def reminder_subject(tone: ReminderTone, municipality: str, period: Period, deadline: date,
                     due_at: time | None = None) -> str:
    """ "Påminnelse: lägesbild oktober 2026, Orsa – senast fredag 30 oktober" and the like; a weekly
    form's hour too: "… – senast tisdag 20 oktober kl. 16.00"."""
    where = f"lägesbild {month_text(period)}, {clean_header_text(municipality, 80)}"
    if tone == "before":
        return f"Påminnelse: {where} – senast {due_text(deadline, due_at)}"
    if tone == "today":
        return f"Sista dagen idag: {where}" + (f" – senast kl. {due_at:%H.%M}" if due_at is not None else "")
    return f"Vi saknar lägesbilden för {month_text(period)}, {clean_header_text(municipality, 80)}"


def build_reminder(
    ctx: ReplyContext,
    *,
    to: Sequence[str],
    cc: Sequence[str] = (),
    municipality: str,
    period: Period,
    stage: str,
    deadline: date,
    blank_form: tuple[str, bytes],
    now: datetime,
    tz: ZoneInfo = STOCKHOLM,
    due_at: time | None = None,
) -> EmailMessage:
    """A reminder to a municipality that has not sent its report for `period`.

    Short and friendly: the month, the last day ("senast onsdag 30
    december"), how to send (answer this mail with the form attached), that
    it is automatic; the form pre-filled for the municipality and month is
    attached (`blank_form`: file name, bytes). The wording follows the stage:
    before the deadline, on the deadline day, or after it (with staff in Cc,
    which the text says). `due_at`: the hour of the deadline day the form
    sets (a weekly form's "tisdag kl. 16.00"), said with the day; None: by the
    end of the day, as for monthly forms.
    """
    tone = reminder_tone(stage, deadline, now, tz)
    data = {
        **_common(ctx),
        "tone": tone,
        "municipality": municipality,
        "month": month_text(period),
        "weekly": period.is_week,
        "deadline": day_text(deadline),
        "due": due_text(deadline, due_at),  # "tisdag 20 oktober kl. 16.00"
        "due_hour": f"{due_at:%H.%M}" if due_at is not None else "",
        "blank_form": clean_header_text(blank_form[0], 150),
        "staff_copied": bool(cc),
    }
    msg = _new(ctx, to=to, cc=cc, subject=reminder_subject(tone, municipality, period, deadline, due_at),
               now=now)
    set_body(msg, render("reminder.txt.j2", **data))
    attach(msg, blank_form[0], blank_form[1])
    return msg


# --------------------------------------------------------------------------
# Signals to other county missions
# --------------------------------------------------------------------------


def safe_excerpt(text: str, limit: int = SIGNAL_EXCERPT_CHARS) -> str:
    """`text` for a notice: personal data masked, control characters gone, one line, at most `limit`."""
    masked = redact(text)
    flat = clean_header_text(masked, limit=len(masked) + 1)
    return shorten(flat, limit)


def build_signal_notice(
    ctx: ReplyContext,
    *,
    to: Sequence[str],
    rule_name: str,
    municipality: str,
    period: Period,
    question_label: str,
    level_name: str | None,
    excerpt: str,
    now: datetime,
    reason: str = "",
    received_at: datetime | None = None,
    reply_to: Sequence[str] = (),
    tz: ZoneInfo = STOCKHOLM,
    area: str | None = None,
) -> EmailMessage:
    """A short notice to another county mission that a report touches its area.

    `area` is the part of the municipality the report is about, when its form gave one.

    Says what was reported (question, level, why the rule fired), where
    (municipality) and when (month, and arrival when given), with an excerpt
    of the comment only: at most 300 characters, personal data masked.
    `reply_to` should be county staff, so that questions reach a person and
    not the report mailbox.
    """
    subject = (f"Signal från lägesbilden: {clean_header_text(rule_name, 80)} – "
               f"{clean_header_text(municipality, 80)}, {month_text(period)}")
    data = {
        **_common(ctx),
        "rule_name": clean_header_text(rule_name, 120),
        "municipality": municipality,
        "area": area or "",
        "month": month_text(period),
        "weekly": period.is_week,
        "question_label": clean_header_text(question_label, 200),
        "level_name": clean_header_text(level_name, 60) if level_name else "",
        "reason": clean_header_text(redact(reason), 400) if reason else "",
        "received": moment_text(received_at, tz) if received_at else "",
        "excerpt": safe_excerpt(excerpt),
        "reply_to": list(reply_to),
    }
    msg = _new(ctx, to=to, subject=subject, now=now, reply_to=reply_to)
    set_body(msg, render("signal.txt.j2", **data))
    return msg


# --------------------------------------------------------------------------
# Compilation to county staff
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Arrival:
    """A report that came in since the last compilation (a new version counts)."""

    municipality: str
    version: int
    received_at: datetime
    late: bool = False
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CompilationSummary:
    """What a compilation says about one period.

    `expected`, `reported` and `on_time` count municipalities; `arrivals` are
    the new or corrected reports since the last compilation; `missing` have
    not reported after the deadline, `pending` not yet before it; `held` are
    municipalities whose latest report is held for confidentiality review;
    `quarantined` counts messages waiting in quarantine.
    """

    deadline: date
    expected: int
    reported: int
    on_time: int
    arrivals: tuple[Arrival, ...] = ()
    missing: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()
    held: tuple[str, ...] = ()
    quarantined: int = 0


@dataclass(frozen=True, slots=True)
class _ArrivalLine:
    municipality: str
    version: int
    received: str
    notes: tuple[str, ...]


def _arrival_line(arrival: Arrival, tz: ZoneInfo) -> _ArrivalLine:
    flags = list(arrival.flags)
    if arrival.late and "late" not in flags:
        flags.insert(0, "late")
    notes = tuple(FLAG_TEXT.get(f, f) for f in dict.fromkeys(flags))
    return _ArrivalLine(arrival.municipality, arrival.version, moment_text(arrival.received_at, tz), notes)


def compilation_subject(period: Period) -> str:
    """ "Sammanställning: lägesbild oktober 2026"."""
    return f"Sammanställning: lägesbild {month_text(period)}"


def build_compilation(
    ctx: ReplyContext,
    *,
    to: Sequence[str],
    period: Period,
    summary: CompilationSummary,
    workbook: tuple[str, bytes] | None,
    now: datetime,
    tz: ZoneInfo = STOCKHOLM,
    due_at: time | None = None,
) -> EmailMessage:
    """The compilation to county staff: what came in, what is missing, what to look at.

    Lists the arrivals since the last compilation (municipality, version,
    received, flags), the missing and pending municipalities, reports held
    for confidentiality review and the quarantine count, and attaches the
    county workbook (`workbook`: file name, bytes) when given. No comment
    text is included. `due_at`: the deadline's hour, as for `build_reminder`.
    """
    local_today = now.astimezone(tz).date()
    data = {
        **_common(ctx),
        "month": month_text(period),
        "weekly": period.is_week,
        "deadline": day_text(summary.deadline),
        "due_hour": f"{due_at:%H.%M}" if due_at is not None else "",
        "deadline_passed": local_today > summary.deadline,
        "deadline_today": local_today == summary.deadline,
        "expected": summary.expected,
        "reported": summary.reported,
        "on_time": summary.on_time,
        "arrivals": [_arrival_line(a, tz) for a in sorted(summary.arrivals, key=lambda a: a.received_at)],
        "missing": list(summary.missing),
        "pending": list(summary.pending),
        "held": list(summary.held),
        "quarantined": summary.quarantined,
        "workbook": clean_header_text(workbook[0], 150) if workbook else None,
        "year": period.year,
    }
    msg = _new(ctx, to=to, subject=compilation_subject(period), now=now)
    set_body(msg, render("compilation.txt.j2", **data))
    if workbook is not None:
        attach(msg, workbook[0], workbook[1])
    return msg
