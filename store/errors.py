"""The store's exceptions.

`StoreUnavailable` (from ground.errors) is raised for every database that
cannot be reached or stays locked; `store.db.transaction` and `store.db.migrate`
translate SQLAlchemy's OperationalError into it. The others are expected
conditions a caller acts on.
"""

from __future__ import annotations

from ground.errors import LagesbildError, StoreUnavailable
from ground.refs import MessageRef

__all__ = ["AccountExists", "AlreadyClaimed", "NotFound", "StoreUnavailable"]


class AlreadyClaimed(LagesbildError):
    """Another worker (or an earlier run) already holds this message: skip it."""

    def __init__(self, ref: MessageRef) -> None:
        super().__init__(f"message {ref.mailbox} {ref.uidvalidity}/{ref.uid} is already claimed")
        self.ref = ref


class NotFound(LagesbildError, LookupError):
    """A row named by id does not exist."""


class AccountExists(LagesbildError):
    """A local account of that name already exists."""
