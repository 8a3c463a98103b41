"""The county's outputs as jobs: the leadership digest, the staff compilation, reminders, signals.

Every job queues its mail in the outbox under a dedupe key (the county, the
period, the stage or the submission), so running a job twice, or again after
a crash, queues nothing twice; `flow.sending` sends what is queued.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from flow.calendar import add_working_days, deadline
from flow.picture import build_picture
from flow.queueing import queue_mail_once, reply_context
from flow.reminder_form import reminder_form
from flow.reminders import ReminderPlan, due_reminders, periods_to_check
from flow.reply_forwards import flush_reply_forwards
from flow.reports import status_for
from flow.settings import Config
from flow.staff_notices import flush_staff_notices
from ingest.route import received_period
from outputs.digest import Digest, build_digest, digest_message
from outputs.notices import Arrival, CompilationSummary, build_compilation, build_reminder
from outputs.replies import build_staff_notice
from outputs.verify import verify_xlsx
from outputs.workbook import build_county_workbook
from parsers.result import Cadence, Period
from store import repo
from store.db import transaction


def make_digest(engine: Engine, config: Config, period: Period, now: datetime) -> Digest:
    """The leadership digest for `period` as the database stands at `now`."""
    picture = build_picture(engine, config, period.year, now)
    previous = build_picture(engine, config, period.year - 1, now) if period.month < 12 else None
    return build_digest(picture, period, previous=previous)


def queue_digest(engine: Engine, config: Config, period: Period, now: datetime) -> bool:
    """Queue the digest for leadership once per county and period; True when queued now."""
    digest = make_digest(engine, config, period, now)
    msg = digest_message(digest, sender_name=config.county.sender_name,
                         mailbox_address=config.county.mailbox_address, to=list(config.county.leadership), now=now)
    with transaction(engine) as s:
        return queue_mail_once(s, "digest", f"digest:{config.county.code}:{period}", msg, now)


def _reminder_key(county: str, municipality: str, period: str, stage: str) -> str:
    return f"reminder:{county}:{municipality}:{period}:{stage}"


def plan_reminders(engine: Engine, config: Config, now: datetime) -> ReminderPlan:
    """The reminders due at `now` and not yet queued (the contract's `remind --dry-run`)."""
    tz = ZoneInfo(config.deadline.timezone)
    rule = config.county.form.deadline
    periods = [p for p in periods_to_check(now, tz, config.reminder_stages, rule) if config.collects(p)]
    prefix = f"reminder:{config.county.code}:"
    with transaction(engine) as s:
        first = repo.first_arrivals(s, config.county.code, periods)
        keys = repo.queued_keys(s, prefix)
        fallback = repo.last_senders(s, config.county.code)
    sent = {tuple(k[len(prefix):].rsplit(":", 2)) for k in keys}
    return due_reminders(periods=periods, municipalities=list(config.municipalities), first_received=first,
                         sent=sent, stages=config.reminder_stages, staff=config.county.staff,  # type: ignore[arg-type]
                         fallback_contacts=fallback, now=now, tz=tz,
                         grace=timedelta(minutes=config.deadline.grace_minutes), rule=rule)


def queue_reminders(engine: Engine, config: Config, now: datetime) -> ReminderPlan:
    """Queue every due reminder once, with the pre-filled blank form; staff hear of
    municipalities that have no address to remind."""
    plan = plan_reminders(engine, config, now)
    ctx = reply_context(config)
    form = config.county.form
    with transaction(engine) as s:
        for r in plan.reminders:
            blank = reminder_form(s, config, r.municipality, r.period)
            msg = build_reminder(ctx, to=list(r.to), cc=list(r.cc), municipality=r.municipality, period=r.period,
                                 stage=r.stage, deadline=deadline(r.period, form.deadline), blank_form=blank,
                                 now=now, due_at=form.deadline.at)
            queue_mail_once(s, "reminder",
                            _reminder_key(config.county.code, r.municipality, str(r.period), r.stage), msg, now)
        if plan.no_address and config.county.staff:
            lines = [f"{r.municipality} ska påminnas om lägesbilden för {r.period} ({r.stage}) men har ingen "
                     "e-postadress. Lägg till `contacts` för kommunen i konfigurationen." for r in plan.no_address]
            notice = build_staff_notice(ctx, to=list(config.county.staff), subject="Lägesbild: påminnelser utan "
                                        "mottagare", lines=lines, now=now)
            keys = ",".join(sorted(f"{r.municipality}:{r.period}:{r.stage}" for r in plan.no_address))
            queue_mail_once(s, "staff_notice", f"no-address:{config.county.code}:{keys}"[:250], notice, now)
    return plan


def workbook_file(engine: Engine, config: Config, year: int, now: datetime) -> tuple[str, bytes]:
    """The county workbook for `year` (name and bytes), rebuilt from the database and read back:
    raises UnreadableOutput (exit 1) rather than hand on a file that does not open."""
    picture = build_picture(engine, config, year, now)
    data = build_county_workbook(picture)
    verify_xlsx(data)
    return f"Lägesbild {config.county.name} {year}.xlsx", data


def queue_compilation(engine: Engine, config: Config, now: datetime) -> list[str]:
    """The compilation to county staff, with the workbook attached; the keys queued now.

    After new or corrected reports, at most once per `interval_hours` (the
    arrivals since the last compilation are gathered into one mail), and once
    on each deadline day at `deadline_hour` whatever came in.
    """
    tz = ZoneInfo(config.deadline.timezone)
    local = now.astimezone(tz)
    prefix = f"compilation:{config.county.code}:"
    interval = timedelta(hours=config.schedule.compilation_interval_hours)
    with transaction(engine) as s:
        last = repo.latest_queued_at(s, prefix)
        arrivals = [v for v in repo.versions_since(s, config.county.code, last) if v.received_at <= now]
        quarantined = repo.count_quarantined(s, config.county.code)
    due: list[tuple[Period, str]] = []
    if arrivals and (last is None or now - last >= interval):
        slot = int(now.timestamp() // interval.total_seconds())
        for period in sorted({v.period for v in arrivals}):
            due.append((period, f"{prefix}{period}:arrivals:{slot}"))
    rule = config.county.form.deadline
    current = _current_period(config, now)
    for period in {current, current.next()}:
        on_deadline_day = deadline(period, rule) == local.date()
        key = f"{prefix}{period}:deadline"
        if config.collects(period) and on_deadline_day and local.hour >= config.schedule.compilation_deadline_hour:
            with transaction(engine) as s:
                if repo.queued_keys(s, key):
                    continue
            # The deadline compilation already holds the new arrivals: one workbook, not two alike.
            due = [(p, k) for p, k in due if p != period]
            due.append((period, key))
    queued: list[str] = []
    for period, key in due:
        summary = _summary(engine, config, period, now, [v for v in arrivals if v.period == period], quarantined)
        msg = build_compilation(reply_context(config), to=list(config.county.staff), period=period,
                                summary=summary, workbook=workbook_file(engine, config, period.year, now), now=now,
                                due_at=config.county.form.deadline.at)
        with transaction(engine) as s:
            if queue_mail_once(s, "compilation", key, msg, now):
                queued.append(key)
    return queued


def _current_period(config: Config, now: datetime) -> Period:
    """The period a report arriving at `now` is most likely for: the received-date rule for
    months (days 1-15 report on the previous month), the week itself for a weekly form."""
    tz = ZoneInfo(config.deadline.timezone)
    if config.county.form.cadence is Cadence.WEEK:
        return Period.containing(now.astimezone(tz).date(), Cadence.WEEK)
    return received_period(now, tz)


def _summary(engine: Engine, config: Config, period: Period, now: datetime, arrivals: list[Any],
             quarantined: int) -> CompilationSummary:
    status = status_for(engine, config, period, now)
    states = {m["name"]: m["state"] for m in status["municipalities"]}
    with transaction(engine) as s:
        latest = {v.municipality: v for v in repo.latest_submissions(s, config.county.code, period)}
    held = tuple(sorted(m for m, v in latest.items() if v.withheld))
    return CompilationSummary(
        deadline=deadline(period, config.county.form.deadline), expected=len(states),
        reported=sum(1 for v in states.values() if v in ("on_time", "late")),
        on_time=sum(1 for v in states.values() if v == "on_time"),
        arrivals=tuple(Arrival(v.municipality, v.version, v.received_at, v.on_time is False, v.flags)
                       for v in sorted(arrivals, key=lambda v: v.received_at)),
        missing=tuple(m for m, v in states.items() if v == "missing"),
        pending=tuple(m for m, v in states.items() if v == "pending"),
        held=held, quarantined=quarantined)


#: A digest not sent on its day (the worker was down) still goes out within this many days.
DIGEST_CATCH_UP_DAYS = 10


def queue_digest_if_due(engine: Engine, config: Config, now: datetime) -> list[Period]:
    """Queue the digest of each period whose digest day has come (once per period)."""
    tz = ZoneInfo(config.deadline.timezone)
    local = now.astimezone(tz)
    queued = []
    current = Period.containing(local.date(), config.county.form.cadence)
    for period in (current.previous(), current):
        day = add_working_days(deadline(period, config.county.form.deadline),
                               config.schedule.digest_working_days_after_deadline)
        start = datetime(day.year, day.month, day.day, config.schedule.digest_hour, tzinfo=tz)
        if not start <= now < start + timedelta(days=DIGEST_CATCH_UP_DAYS) or not config.collects(period):
            continue
        with transaction(engine) as s:
            done = bool(repo.queued_keys(s, f"digest:{config.county.code}:{period}"))
        if not done and queue_digest(engine, config, period, now):  # building a digest is not free
            queued.append(period)
    return queued


def run_output_jobs(engine: Engine, config: Config, now: datetime) -> dict[str, int]:
    """Every output that is due at `now`: reminders, compilations, digests. Safe to run any number of times."""
    plan = queue_reminders(engine, config, now)
    compilations = queue_compilation(engine, config, now)
    digests = queue_digest_if_due(engine, config, now)
    notices = flush_staff_notices(engine, config, now)
    forwards = flush_reply_forwards(engine, config, now)
    return {"reminders": len(plan.reminders), "compilations": len(compilations), "digests": len(digests),
            "notices": int(notices), "forwards": int(forwards)}


def purge_old_messages(engine: Engine, config: Config, now: datetime) -> int:
    """Delete the bytes of raw messages older than `[retention] raw_message_days` (0: keep)."""
    days = config.schedule.raw_message_days
    if days == 0:
        return 0
    with transaction(engine) as s:
        purged = repo.purge_raw_before(s, config.county.code, now - timedelta(days=days))
        if purged:
            repo.audit(s, None, "retention", f"{purged} e-brev äldre än {days} dagar rensade", now,
                       county=config.county.code)
    return purged
