"""The database group: the migration the database is at against the code's, read without changing it."""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
from collections.abc import Mapping
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from flow.settings import Config
from ground.errors import StoreUnavailable
from lagesbild.doctor.checks import Check, Problem, may_create, who
from store.db import MIGRATIONS, current_revision, head_revision, make_engine


def _revisions() -> tuple[str, set[str]]:
    """(head, every revision) of this code's migrations."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    known = {r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions()}
    return head_revision(), known


def database_check(config: Config, names: Mapping[str, str]) -> Check:
    """Which migration the database is at, against this code's. Reads only: never creates or migrates."""
    url = make_url(config.store.url)
    shown = url.render_as_string(hide_password=True)
    try:
        if url.get_backend_name() == "sqlite":
            path = Path(url.database or "")
            if not path.exists():
                creatable, parent = may_create(path)
                if not creatable:
                    return Check("database", False, f"database file {path} does not exist, and {parent} is not "
                                 f"writable for {who()}", f"create {path.parent} for the user the service runs "
                                 "as, or change [store] url")
                return Check("database", True, f"database file {path} does not exist yet; created and migrated "
                             "on first run")
            revision = _sqlite_revision(path)
        else:
            revision = _postgres_revision(config)
    except Problem as problem:
        return Check("database", False, problem.message, problem.fix)
    except StoreUnavailable as exc:
        store = _store_problem(str(exc), shown, names["store.password_env"])
        return Check("database", False, store.message, store.fix)
    head, known = _revisions()
    if revision == head:
        return Check("database", True, f"{shown} is at revision {head}, the code's")
    if revision is None:
        return Check("database", True, f"{shown} is empty; the schema is created on first run")
    if revision not in known:
        return Check("database", False, f"{shown} is at revision {revision}, which this version of Lägesbild "
                     f"does not know (the code is at {head})",
                     "install the version of Lägesbild that migrated it, or restore the backup from before")
    return Check("database", True, f"{shown} is at revision {revision}, the code at {head}",
                 "back it up, then run any command that uses it (e.g. `lagesbild quarantine list`) or restart "
                 "the worker: it migrates on start")


def _sqlite_revision(path: Path) -> str | None:
    if not os.access(path, os.R_OK):
        raise Problem(f"database file {path} is not readable for {who()}",
                      f"give {path} to the user the service runs as")
    live = Path(f"{path}-wal").exists() and Path(f"{path}-shm").exists()
    # Read-only. When no one has the database open (no -wal/-shm beside it),
    # "immutable" reads the file without creating them: files left behind
    # by a doctor run as root would lock the service out.
    mode = "mode=ro" if live else "mode=ro&immutable=1"
    uri = f"file:{urllib.parse.quote(str(path))}?{mode}"
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    try:
        return current_revision(engine)
    except sa_exc.DatabaseError as exc:
        reason = str(getattr(exc, "orig", exc))
        raise Problem(f"{path} cannot be read as a database ({reason})",
                      "check [store] url; restore the database from the backup if the file is damaged") from exc
    finally:
        engine.dispose()


def _postgres_revision(config: Config) -> str | None:
    try:
        engine = make_engine(config.store.url, config.store.password)
    except ModuleNotFoundError as exc:
        raise Problem(f"the PostgreSQL driver is not installed ({exc.name})",
                      "pip install 'lagesbild[postgres]' in the service's environment") from exc
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def _store_problem(text: str, shown: str, password_var: str) -> Problem:
    lowered = text.lower()
    # "the database is unavailable: connection failed: connection to server at … failed: FATAL:  the reason"
    for marker in ("FATAL:", "failed: ", ": "):
        if marker in text:
            reason = text.rsplit(marker, 1)[1] if marker != ": " else text.split(marker, 1)[1]
            break
    else:
        reason = text
    reason = " ".join(reason.split())
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return Problem(f"{shown}: login refused", f"check the user in [store] url and the password in "
                       f"${password_var}")
    if "does not exist" in lowered:
        return Problem(f"{shown}: {reason}", "create the database and its user (see README, PostgreSQL), "
                       "or correct [store] url")
    return Problem(f"cannot reach {shown}: {reason}",
                   "check the host, port and database in [store] url and that the server is running")
