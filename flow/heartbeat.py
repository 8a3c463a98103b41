"""The worker's heartbeat: each cycle written down, and what an operator asks of a running worker.

A cycle is one turn of the ingest job (read the mailbox, file, send the
outbox). `lagesbild status` and the web page's board show the last one with
the outbox backlog, the parked mail and the quarantine, so county IT can see
at a glance whether the worker is alive and whether anything waits on them.
Cycles older than `KEEP` are deleted as new ones are written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from flow.settings import Config
from store import repo
from store.db import read_transaction, transaction

#: How long cycles are kept: enough to see a week's rhythm, little enough to stay a small table.
KEEP = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Cycle:
    """What one cycle did, as the worker saw it."""

    started_at: datetime
    finished_at: datetime
    messages: int = 0
    failed: int = 0
    sent: int = 0
    error: str | None = None


def record_cycle(engine: Engine, config: Config, host: str, cycle: Cycle) -> None:
    """Write `cycle` down for the county, and forget cycles older than `KEEP`.

    Raises StoreUnavailable when the store is away (the caller logs it: the
    missing heartbeat is then itself the sign).
    """
    with transaction(engine) as s:
        repo.record_cycle(s, repo.CycleView(config.county.code, host, cycle.started_at, cycle.finished_at,
                                            cycle.messages, cycle.failed, cycle.sent, cycle.error))
        repo.prune_cycles(s, config.county.code, cycle.finished_at - KEEP)


@dataclass(frozen=True, slots=True)
class WorkerHealth:
    """The last cycle (None: the worker never ran) and the counts that wait on people or on the worker."""

    last_cycle: repo.CycleView | None
    outbox_backlog: int
    parked: int
    quarantined: int
    now: datetime

    @property
    def age_seconds(self) -> int | None:
        """Seconds since the last cycle finished (None: no cycle yet)."""
        if self.last_cycle is None:
            return None
        return max(0, int((self.now - self.last_cycle.finished_at).total_seconds()))

    def to_json(self, tz: ZoneInfo) -> dict[str, Any]:
        """The `"worker"` object of `lagesbild status --json`."""
        last: dict[str, Any] | None = None
        if self.last_cycle is not None:
            c = self.last_cycle
            last = {"started_at": c.started_at.astimezone(tz).isoformat(timespec="seconds"),
                    "finished_at": c.finished_at.astimezone(tz).isoformat(timespec="seconds"),
                    "age_seconds": self.age_seconds, "host": c.host, "messages": c.messages, "failed": c.failed,
                    "sent": c.sent, "error": c.error}
        return {"last_cycle": last, "outbox_backlog": self.outbox_backlog, "parked": self.parked,
                "quarantined": self.quarantined}


def worker_health(engine: Engine, config: Config, now: datetime) -> WorkerHealth:
    """The worker's heartbeat and waiting counts for the county, as the store stands at `now`."""
    code = config.county.code
    with read_transaction(engine) as s:
        return WorkerHealth(repo.last_cycle(s, code), repo.outbox_backlog(s), repo.count_parked(s, code),
                            repo.count_quarantined(s, code), now)
