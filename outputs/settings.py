"""The outbox's settings: how mail is handed over and the caps on replies."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OutboxConfig:
    transport: str
    username: str
    password: str | None
    replies_per_sender_per_hour: int
    max_reply_age_days: int = 30
    graph_tenant_id: str = ""
    graph_client_id: str = ""
    graph_client_secret: str | None = None
    graph_mailbox: str = ""
