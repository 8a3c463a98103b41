"""Verbs on the local accounts of the staff web page (re-exported by store.repo)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from store.errors import AccountExists
from store.models import UserAccount
from store.views import AccountView


def _view(row: UserAccount) -> AccountView:
    assert row.id is not None
    return AccountView(row.id, row.name, row.role, row.county, row.password_hash)


def add_account(s: Session, name: str, role: str, county: str, password_hash: str, now: datetime) -> AccountView:
    """A new account; AccountExists when the name is taken (names are unique across counties)."""
    if s.exec(select(UserAccount).where(UserAccount.name == name)).first() is not None:
        raise AccountExists(f"an account named {name!r} already exists")
    row = UserAccount(name=name, role=role, county=county, password_hash=password_hash, created_at=now)
    s.add(row)
    s.flush()
    return _view(row)


def find_account(s: Session, name: str) -> AccountView | None:
    """The account named `name`, or None."""
    row = s.exec(select(UserAccount).where(UserAccount.name == name)).first()
    return _view(row) if row else None


def set_password_hash(s: Session, account_id: int, password_hash: str) -> None:
    """Replace an account's hash (argon2 asks for a rehash when its parameters change)."""
    row = s.get(UserAccount, account_id)
    if row is not None:
        row.password_hash = password_hash
        s.add(row)


def list_accounts(s: Session, county: str) -> list[AccountView]:
    """The accounts of `county`, by name."""
    query = select(UserAccount).where(UserAccount.county == county).order_by(UserAccount.name)
    return [_view(row) for row in s.exec(query)]
