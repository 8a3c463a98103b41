"""The worker's metrics for Prometheus: what it handled, what it sent, how long reading took, what failed.

One registry per worker (not the library's global one, so a test can run
two), filled from the reports the use cases already return: a poll's
per-message results, the outbox's sent mail by kind, the heartbeat's counts.
The worker serves it over HTTP (`[metrics] listen`) and/or writes it for
node_exporter's textfile collector (`[metrics] textfile`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from flow.heartbeat import WorkerHealth

#: Reading one message's forms: most take well under a second; the parser's cap per file is 20 s.
PARSE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 60.0)


class WorkerMetrics:
    """Counters, a histogram and gauges in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.messages = Counter("lagesbild_messages", "Messages handled, by outcome "
                                "(stored, quarantined, error_reply, ignored, failed, parked, ...)",
                                ["outcome"], registry=r)
        self.replies = Counter("lagesbild_replies_sent", "Mails handed to the transport, by kind "
                               "(receipt, error_reply, reminder, compilation, digest, ...)", ["kind"], registry=r)
        self.parse_seconds = Histogram("lagesbild_parse_seconds", "Time from reading a message to having its "
                                       "forms read (waiting for a free reader included)", buckets=PARSE_BUCKETS,
                                       registry=r)
        self.errors = Counter("lagesbild_errors", "Jobs that could not run (mailbox, store or outbox away), by job",
                              ["job"], registry=r)
        self.outbox_backlog = Gauge("lagesbild_outbox_backlog", "Outgoing mails waiting to be sent", registry=r)
        self.parked = Gauge("lagesbild_parked_messages", "Messages given up on, parked in the error folder",
                            registry=r)
        self.quarantined = Gauge("lagesbild_quarantined_messages", "Messages waiting in quarantine for staff",
                                 registry=r)
        self.last_cycle = Gauge("lagesbild_last_cycle_timestamp_seconds", "When this worker's last ingest cycle "
                                "finished (Unix time)", registry=r)
        self._last_cycle_monotonic: float | None = None
        age = Gauge("lagesbild_last_cycle_age_seconds", "Seconds since this worker's last ingest cycle finished "
                    "(-1 before the first)", registry=r)
        age.set_function(self._age)
        for job in ("ingest", "outbox", "outputs", "retention"):
            self.errors.labels(job)  # present at 0 from the start, so rate() sees the first error

    def _age(self) -> float:
        if self._last_cycle_monotonic is None:
            return -1.0
        return time.monotonic() - self._last_cycle_monotonic

    def handled(self, outcomes: Mapping[str, int], parse_seconds: Iterable[float]) -> None:
        """A poll's messages: counts by outcome and each message's time to read its forms."""
        for outcome, n in outcomes.items():
            if n > 0:
                self.messages.labels(outcome).inc(n)
        for seconds in parse_seconds:
            self.parse_seconds.observe(seconds)

    def sent(self, by_kind: Mapping[str, int]) -> None:
        """Mails handed over, by kind."""
        for kind, n in by_kind.items():
            if n > 0:
                self.replies.labels(kind).inc(n)

    def error(self, job: str) -> None:
        """A job could not run this time."""
        self.errors.labels(job).inc()

    def cycle_finished(self, finished_at_unix: float) -> None:
        """An ingest cycle ended (its clock may be a replayed one: the age counts real seconds)."""
        self.last_cycle.set(finished_at_unix)
        self._last_cycle_monotonic = time.monotonic()

    def health(self, health: WorkerHealth) -> None:
        """The counts that wait on people or on the worker, as the store has them."""
        self.outbox_backlog.set(health.outbox_backlog)
        self.parked.set(health.parked)
        self.quarantined.set(health.quarantined)
