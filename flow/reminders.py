"""Which reminders are due: stages, moments, and who gets what (issue 4, item 2).

Pure: the caller reads what has arrived and what has been sent from the
store, and sends (or lists) what `due_reminders` returns. The rules, from
the contract of `lagesbild remind --dry-run --json`:

* A stage becomes due at its moment: 08:00 Europe/Stockholm on the working
  day `working_days` working days from the period's deadline (negative:
  before it, 0: the deadline day itself).
* A stage stays due until it is sent or the next stage of the same period is
  due; only the latest due stage is listed for a municipality. So a worker
  that was down through one stage sends only the newest one, never a burst.
* Only municipalities that have not reported get reminders: a "pending"
  stage goes to those not in yet before the deadline has passed, a "missing"
  stage to those not in after it. A report that arrived, even late, stops
  every reminder for its period.
* Reminders go to the municipality's `contacts`, else the last sender of a
  report; `cc_staff` stages copy county staff. A municipality with no
  address at all is not reminded: it is returned separately, so staff can be
  told.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flow.calendar import add_working_days, deadline, report_state
from flow.settings import AUDIENCES, DEFAULT_STAGES, MunicipalityConfig, Stage
from outputs.picture import MonthState
from parsers.form import DeadlineRule
from parsers.result import Cadence, Period


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A reminder to send: one stage of one period to one municipality."""

    municipality: str
    period: Period
    stage: str
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The contract shape of `lagesbild remind --dry-run --json` for one reminder."""
        return {"municipality": self.municipality, "period": str(self.period), "stage": self.stage,
                "to": list(self.to)}

    @property
    def key(self) -> tuple[str, str, str]:
        """(municipality, period, stage): what the caller records as sent."""
        return (self.municipality, str(self.period), self.stage)


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    """What `due_reminders` found: reminders to send, and due ones nobody can be sent.

    `no_address` holds reminders (with empty `to`) for municipalities that
    have neither contacts nor an earlier sender: staff should be told once.
    """

    reminders: tuple[DueReminder, ...] = ()
    no_address: tuple[DueReminder, ...] = field(default=())

    def to_json(self) -> list[dict[str, Any]]:
        """The JSON array of `lagesbild remind --dry-run --json` (reminders that can be sent)."""
        return [r.to_json() for r in self.reminders]


def stage_moment(stage: Stage, period: Period, tz: ZoneInfo, rule: DeadlineRule | None = None) -> datetime:
    """When `stage` of `period` becomes due: hour:minute local time on its working day,
    counted in working days from the period's deadline under the form's `rule`."""
    return _moment(stage.working_days, stage.hour, stage.minute, period, tz, rule)


@lru_cache(maxsize=4096)
def _moment(working_days: int, hour: int, minute: int, period: Period, tz: ZoneInfo,
            rule: DeadlineRule | None) -> datetime:
    day: date = add_working_days(deadline(period, rule), working_days)
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def ordered(stages: Iterable[Stage]) -> tuple[Stage, ...]:
    """Stages in the order they become due within a period."""
    return tuple(sorted(stages, key=lambda s: (s.working_days, s.hour, s.minute)))


def latest_due_stage(stages: Sequence[Stage], period: Period, now: datetime, tz: ZoneInfo,
                     rule: DeadlineRule | None = None) -> Stage | None:
    """The last stage of `period` whose moment has come at `now` (None before the first)."""
    latest = None
    for stage in ordered(stages):
        if stage_moment(stage, period, tz, rule) <= now:
            latest = stage
    return latest


def periods_to_check(now: datetime, tz: ZoneInfo, stages: Sequence[Stage] = DEFAULT_STAGES,
                     rule: DeadlineRule | None = None) -> list[Period]:
    """The periods whose stages can be due at `now`, oldest first.

    A period is checked from its first stage until the last stage of the
    next period is due. So a municipality has at most one unsent last-stage
    reminder at any time, and a worker that was down for weeks does not
    remind anyone of a month long gone. With the default stages that is last
    month and (from about the 25th) this month. `rule` is the form's deadline
    rule; a weekday rule makes the periods ISO weeks.
    """
    _aware(now)
    if not stages:
        return []
    weekly = rule is not None and rule.rule == "weekday"
    here = Period.containing(now.astimezone(tz).date(), Cadence.WEEK if weekly else Cadence.MONTH)
    # Far enough either way for stages up to MAX_WORKING_DAYS (eight weeks) from the deadline.
    candidates = [here]
    for _ in range(10 if weekly else 3):
        candidates.insert(0, candidates[0].previous())
    for _ in range(2):
        candidates.append(candidates[-1].next())
    windows = [(p, period_window(p, tz, stages, rule)) for p in candidates]
    return [p for p, (start, end) in windows if start <= now < end]


def period_window(period: Period, tz: ZoneInfo, stages: Sequence[Stage] = DEFAULT_STAGES,
                  rule: DeadlineRule | None = None) -> tuple[datetime, datetime]:
    """[start, end) of the time in which `period`'s reminders can be due (see `periods_to_check`)."""
    first, last = ordered(stages)[0], ordered(stages)[-1]
    return stage_moment(first, period, tz, rule), stage_moment(last, period.next(), tz, rule)


def _aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


def _unique(addresses: Iterable[str], exclude: Iterable[str] = ()) -> tuple[str, ...]:
    seen = {a.strip().lower() for a in exclude}
    out: list[str] = []
    for address in addresses:
        a = address.strip()
        if a and a.lower() not in seen:
            seen.add(a.lower())
            out.append(a)
    return tuple(out)


def due_reminders(
    *,
    periods: Sequence[Period],
    municipalities: Sequence[MunicipalityConfig],
    first_received: Mapping[tuple[str, Period], datetime],
    sent: AbstractSet[tuple[str, str, str]],
    stages: Sequence[Stage] = DEFAULT_STAGES,
    staff: tuple[str, ...] = (),
    fallback_contacts: Mapping[str, str] | None = None,
    now: datetime,
    tz: ZoneInfo,
    grace: timedelta = timedelta(0),
    rule: DeadlineRule | None = None,
) -> ReminderPlan:
    """The reminders due at `now` and not yet sent, by period then municipality (config order).

    `first_received[(municipality, period)]` is when a municipality's first
    report for the period arrived; an arrival after `now` does not count yet,
    so the same data can be replayed at any `--now`. `sent` holds
    (municipality, "YYYY-MM", stage) of reminders already sent.
    `fallback_contacts` maps a municipality to the last sender of a report,
    used when it has no configured contacts. `rule` is the form's deadline
    rule (default: a month's last working day, a week's Friday).
    """
    _aware(now)
    fallback = fallback_contacts or {}
    reminders: list[DueReminder] = []
    no_address: list[DueReminder] = []
    for period in sorted(set(periods)):
        stage = latest_due_stage(stages, period, now, tz, rule)
        if stage is None:
            continue
        for m in municipalities:
            if (m.name, str(period), stage.name) in sent:
                continue
            received = first_received.get((m.name, period))
            if received is not None and received <= now:
                continue  # reported, on time or late: no more reminders for this period
            state = report_state(period, None, now, tz, grace, rule)
            wanted = MonthState.PENDING if stage.audience == "pending" else MonthState.MISSING
            if state is not wanted:
                continue
            to = _unique(m.contacts) or _unique([fallback[m.name]] if fallback.get(m.name) else [])
            cc = _unique(staff, exclude=to) if stage.cc_staff else ()
            reminder = DueReminder(m.name, period, stage.name, to, cc)
            (reminders if to else no_address).append(reminder)
    return ReminderPlan(tuple(reminders), tuple(no_address))


# --------------------------------------------------------------------------
# Configuration: [reminders] stages = [{name=…, working_days=…, …}, …]
# --------------------------------------------------------------------------

_STAGE_KEYS = ("name", "working_days", "hour", "minute", "audience", "cc_staff")
_NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_WORKING_DAYS = 40


def _int(where: str, key: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where} {key}: must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{where} {key}: must be from {low} to {high}, got {value}")
    return value


def stages_from_config(value: Any) -> tuple[Stage, ...]:
    """Parse and check `[reminders] stages`; raises ValueError naming the stage and key.

    Each item is a table with `name` (lower-case letters, digits, "_"),
    `working_days` (-40..40; negative before the deadline, 0 the deadline
    day), `hour` (default 8), `minute` (default 0), `audience` ("pending" or
    "missing") and `cc_staff` (default false). A "pending" stage must come
    on or before the deadline day, a "missing" one after it, or it could
    never reach anyone. An empty list turns reminders off.
    """
    where_all = "[reminders] stages"
    if not isinstance(value, list):
        raise ValueError(f"{where_all}: must be a list of tables, e.g. [{{name = \"deadline_day\", working_days = 0}}]")
    out: list[Stage] = []
    for i, item in enumerate(value, start=1):
        where = f"{where_all} #{i}"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: must be a table like {{name = \"deadline_day\", working_days = 0}}")
        unknown = sorted(set(item) - set(_STAGE_KEYS))
        if unknown:
            raise ValueError(f"{where}: unknown key '{unknown[0]}' (known keys: {', '.join(_STAGE_KEYS)})")
        for key in ("name", "working_days", "audience"):
            if key not in item:
                raise ValueError(f"{where} {key}: missing")
        name = item["name"]
        if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
            raise ValueError(f"{where} name: must be lower-case letters, digits and _ (e.g. "
                             f"\"deadline_day\"), got {name!r}")
        where = f"{where_all} #{i} ({name})"
        days = _int(where, "working_days", item["working_days"], -MAX_WORKING_DAYS, MAX_WORKING_DAYS)
        hour = _int(where, "hour", item.get("hour", 8), 0, 23)
        minute = _int(where, "minute", item.get("minute", 0), 0, 59)
        audience = item["audience"]
        if audience not in AUDIENCES:
            raise ValueError(f"{where} audience: must be \"pending\" or \"missing\", got {audience!r}")
        cc_staff = item.get("cc_staff", False)
        if not isinstance(cc_staff, bool):
            raise ValueError(f"{where} cc_staff: must be true or false, got {cc_staff!r}")
        if audience == "pending" and days > 0:
            raise ValueError(f"{where} audience: \"pending\" stages must be on or before the deadline day "
                             f"(working_days <= 0); after it, those not in are \"missing\"")
        if audience == "missing" and days <= 0:
            raise ValueError(f"{where} audience: \"missing\" stages must come after the deadline day "
                             f"(working_days >= 1); before that, nobody is missing yet")
        out.append(Stage(name, days, hour, minute, "pending" if audience == "pending" else "missing", cc_staff))
    names = [s.name for s in out]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f"{where_all} name: '{name}' is used by more than one stage")
    moments = [(s.working_days, s.hour, s.minute) for s in out]
    for s in out:
        if moments.count((s.working_days, s.hour, s.minute)) > 1:
            raise ValueError(f"{where_all} working_days: two stages are due at the same moment ('{s.name}')")
    return ordered(out)
