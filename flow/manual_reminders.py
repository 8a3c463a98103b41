"""Remind now: a clerk sends one municipality its next reminder by hand, from the web page.

The next reminder is the first stage of the period not yet sent that fits where the municipality
is: a "pending" stage before the deadline, a "missing" one after it. Sent by hand under the
scheduled stage's own key, so the worker does not send that stage again; once every stage is
sent, the last one fitting goes again under a key of its own, at most once an hour (so a double
click sends one mail). A municipality that has reported is not reminded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from flow.calendar import deadline, report_state
from flow.queueing import queue_mail_once, reply_context
from flow.reminder_form import reminder_form
from flow.reminders import ordered
from flow.settings import Config, Stage
from flow.staff_ops import OperationRefused
from outputs.notices import build_reminder
from outputs.picture import MonthState
from parsers.result import Period
from store import repo
from store.db import read_transaction, transaction

AGAIN_AFTER = timedelta(hours=1)  # a reminder is not repeated by hand sooner (a double click sends one)
STAGE_NAMES = {"before_deadline": "före sista dag", "deadline_day": "sista dagen", "after_deadline": "efter sista dag"}


@dataclass(frozen=True, slots=True)
class ReminderChoice:
    """One municipality for a period: whether it has reported, what was sent, what would go next."""

    municipality: str
    reported: bool
    sent: tuple[str, ...]  # stages already sent
    next_stage: str  # "" when none fits (reported, or no stage for its state)
    again: bool  # every fitting stage was sent: the next is a repeat
    to: tuple[str, ...]
    cc: tuple[str, ...]


def _prefix(config: Config, municipality: str, period: Period) -> str:
    return f"reminder:{config.county.code}:{municipality}:{period}:"


def _by_hand(config: Config, municipality: str, period: Period) -> str:
    return f"reminder-by-hand:{config.county.code}:{municipality}:{period}:"


def _choice(config: Config, name: str, period: Period, now: datetime, first: datetime | None, keys: set[str],
            fallback: dict[str, str]) -> tuple[ReminderChoice, Stage | None]:
    tz = ZoneInfo(config.deadline.timezone)
    prefix = _prefix(config, name, period)
    sent = tuple(k[len(prefix):] for k in sorted(keys) if k.startswith(prefix))
    m = config.municipality(name)
    contacts = tuple(m.contacts) if m else ()
    to = contacts or ((fallback[name],) if fallback.get(name) else ())
    reported = first is not None and first <= now
    if reported:
        return ReminderChoice(name, True, sent, "", False, to, ()), None
    state = report_state(period, None, now, tz, timedelta(minutes=config.deadline.grace_minutes),
                         config.county.form.deadline)
    audience = "missing" if state is MonthState.MISSING else "pending"
    fitting = [st for st in ordered(config.reminder_stages) if st.audience == audience]
    if not fitting:
        return ReminderChoice(name, False, sent, "", False, to, ()), None
    stage = next((st for st in fitting if st.name not in sent), None)
    again = stage is None
    stage = stage or fitting[-1]
    cc = tuple(a for a in config.county.staff if a.lower() not in {t.lower() for t in to}) if stage.cc_staff else ()
    return ReminderChoice(name, False, sent, stage.name, again, to, cc), stage


def reminder_choices(engine: Engine, config: Config, period: Period, now: datetime) -> list[ReminderChoice]:
    """Every municipality of the county for `period`, in configuration order."""
    with read_transaction(engine) as s:
        first = repo.first_arrivals(s, config.county.code, [period])
        keys = repo.queued_keys(s, f"reminder:{config.county.code}:")
        fallback = repo.last_senders(s, config.county.code)
    return [_choice(config, m.name, period, now, first.get((m.name, period)), keys, fallback)[0]
            for m in config.municipalities]


def remind_now(engine: Engine, config: Config, municipality: str, period: Period, now: datetime, *,
               actor: str) -> ReminderChoice:
    """Queue `municipality`'s next reminder for `period` in the outbox now, audited with `actor`;
    OperationRefused when it has reported, has no address, or no stage fits."""
    if config.municipality(municipality) is None:
        raise OperationRefused(f"{municipality} är inte en kommun i {config.county.name}")
    with transaction(engine) as s:
        first = repo.first_arrivals(s, config.county.code, [period]).get((municipality, period))
        keys = repo.queued_keys(s, _prefix(config, municipality, period))
        fallback = repo.last_senders(s, config.county.code)
        choice, stage = _choice(config, municipality, period, now, first, keys, fallback)
        if choice.reported:
            raise OperationRefused(f"{municipality} har redan skickat sin lägesbild för {period}.")
        if stage is None:
            raise OperationRefused(f"Ingen påminnelse passar för {municipality} {period}.")
        if not choice.to:
            raise OperationRefused(f"{municipality} har ingen e-postadress att påminna.")
        recent = [repo.latest_queued_at(s, prefix) for prefix in (
            _prefix(config, municipality, period), _by_hand(config, municipality, period))]
        if any(at is not None and now - at < AGAIN_AFTER for at in recent):
            raise OperationRefused(f"En påminnelse till {municipality} lades i utkorgen för mindre än en timme sedan.")
        form = config.county.form
        blank = reminder_form(s, config, municipality, period)
        msg = build_reminder(reply_context(config), to=list(choice.to), cc=list(choice.cc), municipality=municipality,
                             period=period, stage=stage.name, deadline=deadline(period, form.deadline),
                             blank_form=blank, now=now, due_at=form.deadline.at)
        key = _prefix(config, municipality, period) + stage.name
        if choice.again:
            key = f"{_by_hand(config, municipality, period)}{stage.name}:{now:%Y%m%dT%H%M}"
        if not queue_mail_once(s, "reminder", key, msg, now):
            raise OperationRefused(f"Påminnelsen till {municipality} är redan lagd i utkorgen.")
        repo.audit(s, None, "reminded_by_hand", f"{municipality} {period}: {stage.name} till {', '.join(choice.to)}",
                   now, actor=actor, county=config.county.code, municipality=municipality,
                   before=", ".join(choice.sent) or "ingen påminnelse", after=stage.name)
    return choice
