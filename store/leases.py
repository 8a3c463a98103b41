"""Job leases: one worker at a time runs a named job, and a restarted worker takes over a dead one's lease."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store import repo
from store.db import transaction
from store.models import JobLock

_log = logging.getLogger(__name__)

_LOCK_NAME_MAX = 64  # job_lock.name is VARCHAR(64); PostgreSQL refuses longer names


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


def _holder_gone(owner: str, held: Callable[[str], bool]) -> bool:
    """True only when `owner` was a process of this machine, boot and pid namespace that no longer runs,
    or this process, in a lease it no longer holds (its release failed while the database was away).

    Anything else (another host, another container, an owner written by an
    older version, no /proc) is presumed alive: its lease must expire.
    """
    if owner.rsplit(":", 1)[0] == worker_id():
        return not held(owner)
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


def _take_over(s: Session, name: str, owner: str, now: datetime, ttl: timedelta,
               gone: Callable[[str], bool]) -> bool:
    """Take the lease `name` when its holder is a process here that died (SIGKILL, OOM, power cut of a container).

    Without this a restarted worker would wait for the dead one's lease to
    expire (`ttl`, 15 minutes) before it ingested or sent anything.
    """
    holder = s.exec(select(JobLock.owner).where(col(JobLock.name) == name)).first()
    if holder is None or not gone(holder):
        return False
    taken = s.exec(update(JobLock).where(col(JobLock.name) == name, col(JobLock.owner) == holder)
                   .values(owner=owner, expires_at=now + ttl).execution_options(synchronize_session=False))
    if taken.rowcount == 1:
        _log.warning("job lock %s: took over from %s, which is gone", name, holder)
        return True
    return False  # another restarted worker took it first


class Leases:
    """The job leases one process holds: who may run a named job now (the outbox sender, the digest).

    One per process (`lagesbild.runtime.LEASES`): a lease's owner names the
    process, and a lease of this process that is not in `_held` was left
    behind when its release failed (the database was away), so it is stale.
    """

    def __init__(self) -> None:
        self._held: set[str] = set()
        self._guard = threading.Lock()

    def _holds(self, owner: str) -> bool:
        with self._guard:
            return owner in self._held

    def holder_gone(self, owner: str) -> bool:
        """True only when `owner` was a process of this machine, boot and pid namespace that no longer runs,
        or this process, in a lease it no longer holds (its release failed while the database was away).

        Anything else (another host, another container, an owner written by an
        older version, no /proc) is presumed alive: its lease must expire.
        """
        return _holder_gone(owner, self._holds)

    @contextmanager
    def hold(self, engine: Engine, name: str, now: datetime, ttl: timedelta = timedelta(minutes=15)) -> Iterator[bool]:
        """Hold the named job lock while the block runs; yields False when another worker holds it.

        Every acquisition has an owner of its own: two threads of one worker (the
        ingest job's sending and the outbox job) exclude each other as two
        processes do.
        """
        owner = f"{worker_id()}:{secrets.token_hex(4)}"
        key = lock_key(name)
        with self._guard:
            self._held.add(owner)  # before the commit: no other thread of ours may take it for stale meanwhile
        held = False
        try:
            with transaction(engine) as s:
                got = repo.try_lock(s, key, owner, now, ttl) or _take_over(s, key, owner, now, ttl, self.holder_gone)
            held = got  # only once committed
        finally:
            if not held:
                with self._guard:
                    self._held.discard(owner)
        try:
            yield held
        finally:
            if held:
                with self._guard:
                    self._held.discard(owner)
                with transaction(engine) as s:
                    repo.release_lock(s, key, owner)
