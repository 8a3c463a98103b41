"""A real Maildir and a migrated SQLite store in a temporary folder, for tests of the whole ingest path."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from flow.settings import Config
from store.db import make_engine, migrate


class MaildirBox:
    """A Maildir, a database and a configuration under `root`; `deliver` writes mail as an MTA does."""

    def __init__(self, root: Path, config: Config) -> None:
        self.root = root
        self.config = config
        self.maildir = root / "Maildir"
        for sub in ("new", "cur", "tmp"):
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(f"sqlite:///{root / 'lb.db'}")
        migrate(self.engine)
        self.count = 0

    def deliver(self, raw: bytes, when: datetime | None = None) -> str:
        """Write in tmp/, rename into new/ (mtime: the delivery time); returns the unique name (the UID)."""
        self.count += 1
        uid = f"{1790000000 + self.count}.M{self.count}P1.mx"
        tmp = self.maildir / "tmp" / uid
        tmp.write_bytes(raw)
        if when is not None:
            os.utime(tmp, (when.timestamp(), when.timestamp()))
        tmp.rename(self.maildir / "new" / uid)
        return uid
