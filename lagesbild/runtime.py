"""Building the worker's parts from the configuration: store, mailbox, outbox, and this process's leases."""

from __future__ import annotations

import gc
from datetime import datetime

from sqlalchemy.engine import Engine

from flow.county_start import with_first_period
from flow.sending import Handovers
from flow.settings import Config
from ground.errors import ConfigError
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


NO_CONFIGURATION = ("no configuration: give --config PATH, set $LAGESBILD_CONFIG or write ./config.toml "
                    "(start from config.example.toml; `lagesbild demo` needs none)")


def open_store(config: Config) -> Engine:
    """The database, migrated to the current schema.

    The built-in defaults alone are no county: without a configuration file nothing is created (a
    `./lagesbild-data/` nobody asked for) and no one is reported missing; ConfigError (exit 2) says so.
    """
    if config.path is None:
        raise ConfigError(NO_CONFIGURATION)
    engine = make_engine(config.store.url, config.store.password)
    migrate(engine)
    return engine


def open_county(config: Config, now: datetime) -> tuple[Engine, Config]:
    """The store, and the configuration with the county's first period (its first run's month when unset)."""
    engine = open_store(config)
    return engine, with_first_period(engine, config, now)


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
