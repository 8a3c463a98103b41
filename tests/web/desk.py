"""What the tests of the staff's desk pages share: a signed-in staff client, mail delivered through
the real pipeline, the CSRF token a page carries, the outbox and the audit trail read back."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from flow.accounts import Role, add_user
from flow.pipeline import handle_message
from flow.settings import Config
from ground.refs import MessageRef
from ingest.source import RawMail
from parsers import parse_bytes
from store import repo
from store.db import read_transaction
from store.outcome import Outcome
from store.views import AuditView, OutboxView
from tests.web.conftest import NOW, PASSWORD, make_client, sign_in

STAFF_NAME = "Handläggare Anna"


def staff_client(config: Config, engine: Engine, name: str = STAFF_NAME, role: Role = Role.STAFF,
                 county: str | None = None) -> TestClient:
    """A client signed in with a new account of `role` (default: staff of the configured county)."""
    add_user(engine, name, role, county or config.county.code, PASSWORD, NOW)
    client = make_client(config, engine)
    assert sign_in(client, name) == 303
    return client


def csrf(client: TestClient, path: str = "/") -> str:
    """The CSRF token the page at `path` carries in its forms."""
    return str(client.get(path).text.split('name="csrf" value="', 1)[1].split('"', 1)[0])


def deliver(engine: Engine, config: Config, eml: bytes, uid: str, received: datetime = NOW) -> tuple[Outcome, int]:
    """`eml` handled by the worker's own pipeline as if it arrived in the mailbox at `received`."""
    raw = RawMail(MessageRef("maildir:/test", 0, uid), eml, received)
    return handle_message(raw, engine, config, received, parse=parse_bytes)


def other_county(config: Config, code: str = "99") -> Config:
    """The same configuration for another county code (as a shared database would hold)."""
    return dataclasses.replace(config, county=dataclasses.replace(config.county, code=code))


def outbox(engine: Engine) -> list[OutboxView]:
    """Every mail waiting in the outbox."""
    with read_transaction(engine) as s:
        return repo.due_mail(s, datetime(2100, 1, 1, tzinfo=NOW.tzinfo), 500)


def audit_lines(engine: Engine, event: str) -> list[AuditView]:
    """The audit trail's lines of `event`."""
    with read_transaction(engine) as s:
        return [a for a in repo.audit_trail(s) if a.event == event]


def message(engine: Engine, raw_id: int) -> repo.RawMessageView:
    """Message `raw_id` as the store has it."""
    with read_transaction(engine) as s:
        view = repo.get_message(s, raw_id)
    assert view is not None
    return view
