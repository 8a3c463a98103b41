"""Staff notices that don't flood (issue 14, item 5): quarantine notices.

Sixty spam mails used to give sixty quarantine notices. Now the first notice
goes at once; while another was queued less than `[notices] interval_minutes`
ago, each further message is written down instead (an audit line
"notice_deferred" on the message), and `flush_staff_notices` sends one notice
listing everything new, with counts by reason, once the interval has passed.
It runs at the end of every ingest cycle and with the scheduled jobs.

The dedupe key of a grouped notice carries the last audit line it covers,
so each deferred message is listed exactly once, even when a job runs twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from flow.queueing import queue_mail_once, reply_context
from flow.settings import Config
from outputs.replies import build_staff_notice
from store import repo
from store.db import transaction

DEFERRED = "notice_deferred"
_SEP = " | "


def _prefix(config: Config) -> str:
    return f"notice:{config.county.code}:"


def notice_key(config: Config, what: str) -> str:
    """The dedupe key of a notice sent at once (what: e.g. "q:123" for a quarantined message)."""
    return f"{_prefix(config)}{what}"


QUARANTINE_PAGE = "/karantan"


ERRORS_PAGE = "/fel"


def page_link(config: Config, path: str) -> str:
    """The web page at `path`, or "" when `[web] base_url` is not configured."""
    base = config.web.base_url.rstrip("/")
    return f"{base}{path}" if base else ""


def quarantine_link(config: Config, raw_id: int | None = None) -> str:
    """The web page of quarantined message `raw_id` (of the whole quarantine when None), or "" when
    `[web] base_url` is not configured."""
    return page_link(config, QUARANTINE_PAGE + (f"/{raw_id}" if raw_id is not None else ""))


def quarantine_lines(config: Config, raw_id: int) -> list[str]:
    """What a notice says about where to act on quarantined message `raw_id`: its id always, the
    link to its page when the page's address is configured, else the commands naming the id."""
    link = quarantine_link(config, raw_id)
    if link:
        return [f"Meddelandets id: {raw_id}. Granska det, släpp det (till en kommun) eller ta bort det här: {link}"]
    return [f"Meddelandets id: {raw_id}. Granska det med `lagesbild quarantine list`, släpp det med "
            f"`lagesbild quarantine release {raw_id} --municipality KOMMUN` eller ta bort det med "
            f"`lagesbild quarantine drop {raw_id} --reason ORSAK`."]


def deferred(s: Any, config: Config, raw_id: int, reason: str, sender: str, subject: str, now: datetime) -> bool:
    """Write the notice about `raw_id` down for later when one was sent within the interval; True then.

    False: nothing recent, so the caller sends its notice at once."""
    last = repo.latest_queued_at(s, _prefix(config))
    interval = timedelta(minutes=config.schedule.notice_interval_minutes)
    if last is None or now - last >= interval:
        return False
    repo.audit(s, raw_id, DEFERRED, _SEP.join((reason, sender or "(saknas)", subject[:150])), now)
    return True


def flush_staff_notices(engine: Engine, config: Config, now: datetime) -> bool:
    """One notice for every message deferred since the last one, when the interval has passed; True when queued."""
    interval = timedelta(minutes=config.schedule.notice_interval_minutes)
    group_prefix = f"{_prefix(config)}group:"
    with transaction(engine) as s:
        last = repo.latest_queued_at(s, _prefix(config))
        if last is None or now - last < interval or not config.county.staff:
            return False
        covered = max((int(k.rsplit(":", 1)[1]) for k in repo.queued_keys(s, group_prefix)), default=0)
        items = repo.audit_events_after(s, config.county.code, DEFERRED, covered)
        if not items:
            return False
        parsed: list[tuple[int | None, str, str, str]] = []
        for e in items:
            reason, sender, subject = (e.detail.split(_SEP, 2) + ["", ""])[:3]
            parsed.append((e.raw_message_id, reason, sender, subject))
        counts = Counter(_kind(reason) for _, reason, _, _ in parsed)
        page = quarantine_link(config)
        lines = [f"{len(items)} meddelanden sedan förra meddelandet till er behöver granskas "
                 + (f"({page}):" if page else "(`lagesbild quarantine list`):")]
        lines += [f"  {n} × {reason}" for reason, n in counts.most_common()]
        if any(reason.startswith("parkerat") for _, reason, _, _ in parsed):
            lines.append(f"De parkerade (olästa, för stora) ligger i mappen {config.mailbox.error_folder}"
                         + (f" och på {page_link(config, ERRORS_PAGE)}." if page_link(config, ERRORS_PAGE) else "."))
        lines.append("")
        lines += [f"  id {raw_id}: från {sender} – {subject} – {reason}"
                  + (f" – {quarantine_link(config, raw_id)}" if page and raw_id is not None else "")
                  for raw_id, reason, sender, subject in parsed[:100]]
        if len(parsed) > 100:
            lines.append(f"  … och {len(parsed) - 100} till.")
        notice = build_staff_notice(_ctx(config), to=list(config.county.staff),
                                    subject=f"Lägesbild: {len(items)} meddelanden att granska", lines=lines, now=now)
        return queue_mail_once(s, "quarantine_notice", f"{group_prefix}{items[-1].id}", notice, now)


def _ctx(config: Config) -> Any:
    return reply_context(config)


def _kind(reason: str) -> str:
    """What a reason is about, for the counts: "karantän: avsändaren x@y hör inte …" -> the words
    without the address, so one spam run is one line."""
    words = [w for w in reason.split() if "@" not in w]
    return " ".join(words[:12])
