"""The audit log for staff: every decision of the worker and every staff action, newest first, filtered
by municipality, actor and date, one page at a time, only the configured county's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from flow.settings import Config
from store import repo
from store.db import read_transaction, transaction

PER_PAGE = 50
# The web page's sign-in events in the audit trail (web.audit gives them in Swedish).
SIGNED_IN = "signed_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_IN_THROTTLED = "sign_in_throttled"  # refused by the sign-in rate limit, the password not even checked
SIGNED_OUT = "signed_out"
ACTOR_MAX = 255  # the audit trail's actor column; an attempted name is whatever someone typed


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What to show: `since` and `until` are whole days in the county's time zone, both included."""

    municipality: str | None = None
    actor: str | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1


@dataclass(frozen=True, slots=True)
class AuditLine:
    id: int
    at: datetime
    actor: str
    event: str
    municipality: str | None
    raw_message_id: int | None
    detail: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class AuditPage:
    lines: tuple[AuditLine, ...]
    total: int
    page: int
    pages: int
    actors: tuple[str, ...]  # everyone with a line in the county's log, for the filter
    municipalities: tuple[str, ...]


def audit_page(engine: Engine, config: Config, wanted: AuditFilter, per_page: int = PER_PAGE) -> AuditPage:
    """One page of the county's audit log as `wanted` filters it (a page past the end shows the last)."""
    tz = ZoneInfo(config.deadline.timezone)
    since = datetime.combine(wanted.since, time(0), tz) if wanted.since else None
    until = datetime.combine(wanted.until + timedelta(days=1), time(0), tz) if wanted.until else None
    page = max(1, wanted.page)
    with read_transaction(engine) as s:
        def fetch(number: int) -> tuple[list[repo.AuditView], int]:
            return repo.audit_lines(s, config.county.code, municipality=wanted.municipality or None,
                                    actor=wanted.actor or None, since=since, until=until, limit=per_page,
                                    offset=(number - 1) * per_page)

        views, total = fetch(page)
        pages = max(1, -(-total // per_page))
        if page > pages:
            page = pages
            views, total = fetch(page)
        actors = repo.audit_actors(s, config.county.code)
    lines = tuple(AuditLine(v.id, v.at, v.actor, v.event, v.municipality, v.raw_message_id, v.detail, v.before,
                            v.after) for v in views)
    return AuditPage(lines, total, page, pages, tuple(actors), tuple(m.name for m in config.municipalities))


def record_sign_in(engine: Engine, config: Config, event: str, actor: str, detail: str, now: datetime,
                   county: str | None = None) -> None:
    """One sign-in, failed sign-in, refusal or sign-out in the audit trail: `actor` is the account (for a
    failed sign-in the name attempted, never the password), `county` the account's (default: the
    configured county, whose page it was)."""
    with transaction(engine) as s:
        repo.audit(s, None, event, detail, now, actor=actor.strip()[:ACTOR_MAX] or "(tomt namn)",
                   county=county or config.county.code)
