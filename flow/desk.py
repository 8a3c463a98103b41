"""What the staff web page's use cases share: "not here" for what another county owns or that
does not exist, and when a message arrived."""

from __future__ import annotations

from datetime import datetime

from ground.errors import LagesbildError
from store.views import RawMessageView


class NotHere(LagesbildError):
    """No such thing in this county: it does not exist, belongs to another county, or is no longer
    where it was asked for (e.g. already released). One answer for all, so ids cannot be probed."""


def arrival(view: RawMessageView) -> datetime:
    """When a message arrived (a message recorded only as a failure: when it was recorded)."""
    return view.received_at or view.created_at
