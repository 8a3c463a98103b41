"""Values and small builders shared by the store tests (plain functions, not fixtures)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlmodel import Session

from ground.refs import MessageRef
from parsers.result import Answer
from store import repo
from store.views import RawMessageView

NOW = datetime(2026, 10, 29, 13, 3, tzinfo=UTC)
DEADLINE_END = datetime(2026, 10, 30, 22, 59, 59, tzinfo=UTC)  # 2026-10-30 23:59:59 Europe/Stockholm
MAILBOX = "maildir:/srv/lagesbild"


def ref(uid: str, uidvalidity: int = 0, mailbox: str = MAILBOX) -> MessageRef:
    return MessageRef(mailbox, uidvalidity, uid)


def mail_bytes(uid: str, body: str = "") -> bytes:
    return f"Message-ID: <{uid}@avesta.se>\r\nFrom: samordnare@avesta.se\r\n\r\n{body or uid}\r\n".encode()


def insert(s: Session, uid: str, *, received_at: datetime = NOW, county: str = "20", body: str = "",
           uidvalidity: int = 0) -> RawMessageView:
    raw = mail_bytes(uid, body)
    return repo.insert_raw(s, ref(uid, uidvalidity), message_id=f"<{uid}@avesta.se>",
                           sha256=hashlib.sha256(raw).hexdigest(), sender="samordnare@avesta.se",
                           subject=f"Lägesbild {uid}", received_at=received_at, raw=raw, county=county)


def answers(impact: int = 2, comment: str = "Inget särskilt") -> dict[int, Answer]:
    out = {q: Answer(impact, f"{comment} {q}") for q in range(1, 7)}
    out[7] = Answer(None, comment)
    return out
