"""Local accounts of the staff web page: add one, check a sign-in.

Passwords are kept only as argon2id hashes (argon2-cffi's defaults, which
follow RFC 9106's recommendation). A check against an unknown name still
hashes once, so the answer's timing does not tell which names exist.
"""

from __future__ import annotations

import contextlib
import enum
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from store import repo
from store.db import read_transaction, transaction
from store.errors import AccountExists as AccountExists  # re-exported: web/ and the shell see flow only

_HASHER = PasswordHasher()  # argon2id
# Hashed when the name is unknown, so that path costs as much as a wrong password.
_DUMMY_HASH = _HASHER.hash("lägesbild: no such account")

MIN_PASSWORD_LENGTH = 12
# A disabled account keeps its row (the audit trail names it) with this before its hash, which no
# password matches (as "!" in /etc/shadow).
DISABLED = "!"


class Role(enum.StrEnum):
    """What an account may do: staff act, leadership read the picture, admin manage accounts."""

    STAFF = "staff"
    LEADERSHIP = "leadership"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Account:
    """A signed-in user as the web page sees it (no hash)."""

    name: str
    role: Role
    county: str


class WeakPassword(ValueError):
    """The password given for a new account is too short."""


@dataclass(frozen=True, slots=True)
class AccountListing:
    """A local account as an administrator sees it."""

    name: str
    role: Role
    county: str
    active: bool


def add_user(engine: Engine, name: str, role: Role, county: str, password: str, now: datetime, *,
             actor: str = "lagesbild users") -> Account:
    """Store a new local account (audited with `actor`); WeakPassword or store.errors.AccountExists
    when it cannot be."""
    name = name.strip()
    if not name:
        raise ValueError("an account needs a name")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    digest = _HASHER.hash(password)
    with transaction(engine) as s:
        repo.add_account(s, name, role.value, county, digest, now)
        repo.audit(s, None, "account_added", f"local account {name}", now, actor=actor, county=county,
                   after=role.value)
    return Account(name, role, county)


def list_users(engine: Engine, county: str) -> list[AccountListing]:
    """The local accounts of `county`, by name."""
    with read_transaction(engine) as s:
        rows = repo.list_accounts(s, county)
    return [AccountListing(r.name, Role(r.role), r.county, not r.password_hash.startswith(DISABLED)) for r in rows]


def disable_user(engine: Engine, name: str, county: str, now: datetime, *, actor: str = "lagesbild users") -> bool:
    """Make `name` (an account of `county`) unable to sign in; False when there is no such active account."""
    with transaction(engine) as s:
        row = repo.find_account(s, name.strip())
        if row is None or row.county != county or row.password_hash.startswith(DISABLED):
            return False
        repo.set_password_hash(s, row.id, DISABLED + row.password_hash)
        repo.audit(s, None, "account_disabled", f"local account {row.name}", now, actor=actor, county=county,
                   before=row.role)
    return True


def is_active(engine: Engine, name: str) -> bool:
    """Whether the local account `name` exists and may sign in (checked on every page, so disabling
    an account ends its sessions)."""
    with read_transaction(engine) as s:
        row = repo.find_account(s, name)
    return row is not None and not row.password_hash.startswith(DISABLED)


def check_user(engine: Engine, name: str, password: str) -> Account | None:
    """The account when `password` is right for `name`, else None."""
    with read_transaction(engine) as s:
        row = repo.find_account(s, name.strip())
    if row is None or row.password_hash.startswith(DISABLED):
        with contextlib.suppress(VerificationError):
            _HASHER.verify(_DUMMY_HASH, password)
        return None
    try:
        _HASHER.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _HASHER.check_needs_rehash(row.password_hash):
        with transaction(engine) as s:
            repo.set_password_hash(s, row.id, _HASHER.hash(password))
    return Account(row.name, Role(row.role), row.county)
