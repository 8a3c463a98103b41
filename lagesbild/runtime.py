"""Building the worker's parts from the configuration: store, mailbox, outbox, and this process's leases."""

from __future__ import annotations

import gc

from sqlalchemy.engine import Engine

from flow.sending import Handovers
from flow.settings import Config
from ingest.open import open_source
from ingest.source import MailSource
from outputs.outbox import Transport
from outputs.transports import open_transport
from store.db import make_engine, migrate
from store.leases import Leases


def settle_heap() -> None:
    """Put everything loaded so far (modules, parsers, the ORM's tables, the configuration) out of the
    cyclic garbage collector's sight, before a command's long run.

    Reading mail makes many short-lived objects, so the collector runs often, and each of its full
    passes walked the whole start-up heap again: 10-13 % of the CPU of `poll --once` and `reprocess`
    (measured on 1,176 mails). What is frozen is never freed, so call it once, after start-up.
    """
    gc.freeze()


def open_store(config: Config) -> Engine:
    """The database, migrated to the current schema."""
    engine = make_engine(config.store.url, config.store.password)
    migrate(engine)
    return engine


def open_mailbox(config: Config) -> MailSource:
    return open_source(config.mailbox)


def open_outbox(config: Config) -> Transport:
    return open_transport(config.outbox)


# The leases of this process: one registry per process, because a lease's owner names the process.
LEASES = Leases()
# The mails this process handed over but could not record as sent yet (flow.sending.Handovers).
HANDOVERS = Handovers()
job_lock = LEASES.hold
holder_gone = LEASES.holder_gone
