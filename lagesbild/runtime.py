"""Building the worker's parts from the configuration: store, mailbox, outbox."""

from __future__ import annotations

import functools
import gc
import hashlib
import logging
import os
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from flow.settings import Config
from ingest.open import open_source
from ingest.source import MailSource
from outputs.outbox import Transport, open_transport
from store import repo
from store.db import make_engine, migrate, transaction
from store.models import JobLock

_log = logging.getLogger(__name__)

_LOCK_NAME_MAX = 64  # job_lock.name is VARCHAR(64); PostgreSQL refuses longer names
# The owners of the leases this process holds now. A lease of this process's whose owner is not
# here was left behind when its release failed (the database was away): it is stale.
_held: set[str] = set()
_held_guard = threading.Lock()


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


def _process_start(pid: int) -> str | None:
    """When process `pid` started (clock ticks after boot, from /proc), or None when no such process is visible."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # after "(comm)", which may hold spaces: state is field 3
    return fields[19] if len(fields) > 19 else None  # field 22, starttime


@functools.cache
def _machine() -> str:
    """This boot of this kernel and this pid namespace, hashed ("" where unknown).

    A pid names the same process only within one boot and one pid namespace:
    containers sharing a host name and a database must never judge each
    other's processes.
    """
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
    return hashlib.sha256(f"{boot}|{namespace}".encode()).hexdigest()[:12]


def worker_id() -> str:
    """Who holds a lock: host and process; on Linux also when the process started, and where (`_machine`)."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_process_start(pid) or ''}:{_machine()}"


def holder_gone(owner: str) -> bool:
    """True only when `owner` was a process of this machine, boot and pid namespace that no longer runs,
    or this process, in a lease it no longer holds (its release failed while the database was away).

    Anything else (another host, another container, an owner written by an
    older version, no /proc) is presumed alive: its lease must expire.
    """
    if owner.rsplit(":", 1)[0] == worker_id():
        with _held_guard:
            return owner not in _held
    parts = owner.split(":")
    if len(parts) < 4 or not parts[1].isdigit() or not parts[2]:
        return False
    if parts[0] != socket.gethostname() or not _machine() or parts[3] != _machine():
        return False
    return _process_start(int(parts[1])) != parts[2]  # gone, or its pid now names a newer process


def lock_key(name: str) -> str:
    """`name` as stored in job_lock: longer names (a long IMAP URL) keep their start and get a hash."""
    if len(name) <= _LOCK_NAME_MAX:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
    return f"{name[:_LOCK_NAME_MAX - len(digest) - 1]}~{digest}"


def _take_over(s: Session, name: str, owner: str, now: datetime, ttl: timedelta) -> bool:
    """Take the lease `name` when its holder is a process here that died (SIGKILL, OOM, power cut of a container).

    Without this a restarted worker would wait for the dead one's lease to
    expire (`ttl`, 15 minutes) before it ingested or sent anything.
    """
    holder = s.exec(select(JobLock.owner).where(col(JobLock.name) == name)).first()
    if holder is None or not holder_gone(holder):
        return False
    taken = s.exec(update(JobLock).where(col(JobLock.name) == name, col(JobLock.owner) == holder)
                   .values(owner=owner, expires_at=now + ttl).execution_options(synchronize_session=False))
    if taken.rowcount == 1:
        _log.warning("job lock %s: took over from %s, which is gone", name, holder)
        return True
    return False  # another restarted worker took it first


@contextmanager
def job_lock(engine: Engine, name: str, now: datetime, ttl: timedelta = timedelta(minutes=15)) -> Iterator[bool]:
    """Hold the named job lock while the block runs; yields False when another worker holds it.

    Every acquisition has an owner of its own: two threads of one worker (the
    ingest job's sending and the outbox job) exclude each other as two
    processes do.
    """
    owner = f"{worker_id()}:{secrets.token_hex(4)}"
    key = lock_key(name)
    with _held_guard:
        _held.add(owner)  # before the commit: no other thread of ours may take it for stale meanwhile
    held = False
    try:
        with transaction(engine) as s:
            got = repo.try_lock(s, key, owner, now, ttl) or _take_over(s, key, owner, now, ttl)
        held = got  # only once committed
    finally:
        if not held:
            with _held_guard:
                _held.discard(owner)
    try:
        yield held
    finally:
        if held:
            with _held_guard:
                _held.discard(owner)
            with transaction(engine) as s:
                repo.release_lock(s, key, owner)
