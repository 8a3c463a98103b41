"""Building the worker's parts from the configuration: store, mailbox, outbox."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from ingest.open import open_source
from ingest.source import MailSource
from lagesbild.config import Config
from outputs.outbox import Transport, open_transport
from store import repo
from store.db import make_engine, migrate, transaction


def open_store(config: Config) -> Engine:
    """The database, migrated to the current schema."""
    engine = make_engine(config.store.url, config.store.password)
    migrate(engine)
    return engine


def open_mailbox(config: Config) -> MailSource:
    return open_source(config.mailbox)


def open_outbox(config: Config) -> Transport:
    return open_transport(config.outbox)


def worker_id() -> str:
    """Who holds a lock: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


@contextmanager
def job_lock(engine: Engine, name: str, now: datetime, ttl: timedelta = timedelta(minutes=15)) -> Iterator[bool]:
    """Hold the named job lock while the block runs; yields False when another worker holds it."""
    owner = worker_id()
    with transaction(engine) as s:
        held = repo.try_lock(s, name, owner, now, ttl)
    try:
        yield held
    finally:
        if held:
            with transaction(engine) as s:
                repo.release_lock(s, name, owner)
