"""The worker among real servers, driven through its command line: Dovecot, aiosmtpd, PostgreSQL.

`World` is one county's installation for one test: its own IMAP folder on a
shared Dovecot, its own PostgreSQL schema, its own recording SMTP server and a
configuration file naming the three (plus whatever tables a test adds).
Mail is delivered with IMAP APPEND and an INTERNALDATE, as an MTA would;
`poll(now)` runs `lagesbild poll --once --json` in this process; what the
worker sent is read back from the SMTP server.

    with world_on(dovecot_server, tmp_path, monkeypatch) as w:
        w.deliver(raw, at("2026-10-29T10:00"))
        code, out = w.poll("2026-10-29T11:00")
        w.sent()   # [(envelope recipients, parsed message)]
"""

from __future__ import annotations

import contextlib
import email
import io
import json
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from lagesbild.cli import main
from store.db import make_engine
from tests.support import postgres
from tests.support.dovecot import DovecotServer
from tests.support.smtp import SmtpServer, start_smtp

TZ = ZoneInfo("Europe/Stockholm")
PASSWORD_ENV = "LB_WORLD_IMAP_PASSWORD"


def at(text: str) -> datetime:
    """A Stockholm time from "YYYY-MM-DDTHH:MM"."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML for {value!r}")


def toml_text(tables: Mapping[str, Any]) -> str:
    """TOML for `{table: {key: value}}`; a list of dicts is an array of tables."""
    lines: list[str] = []
    for name, body in tables.items():
        if isinstance(body, list):
            if not body:
                lines.append(f"{name} = []")
                continue
            for item in body:
                lines.append(f"[[{name}]]")
                lines += [f"{k} = {_toml_value(v)}" for k, v in item.items()]
        else:
            lines.append(f"[{name}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in body.items()]
        lines.append("")
    # Arrays that stand for a whole table (signals = []) must come before any [table].
    top = [ln for ln in lines if ln.endswith("= []") and "=" in ln and not ln.startswith(" ")
           and ln.split("=")[0].strip() in tables]
    rest = [ln for ln in lines if ln not in top]
    return "\n".join(top + rest) + "\n"


@dataclass
class World:
    """One installation among real servers (see the module docstring)."""

    root: Path
    imap: DovecotServer
    folder: str
    smtp: SmtpServer
    store_url: str
    tables: dict[str, Any] = field(default_factory=dict)

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    def write_config(self) -> None:
        base: dict[str, Any] = {
            "signals": [],
            "mailbox": {"source": self.imap.url(self.folder), "password_env": PASSWORD_ENV,
                        "allow_plaintext_loopback": True, "idle": False},
            "store": {"url": self.store_url},
            "outbox": {"transport": f"smtp://127.0.0.1:{self.smtp.port}"},
        }
        for name, body in self.tables.items():
            if isinstance(body, dict) and isinstance(base.get(name), dict):
                base[name] = {**base[name], **body}
            else:
                base[name] = body
        self.config_path.write_text(toml_text(base), encoding="utf-8")

    def configure(self, **tables: Any) -> None:
        """Change tables of the configuration (merged into the base ones)."""
        for name, body in tables.items():
            if isinstance(body, dict) and isinstance(self.tables.get(name), dict):
                self.tables[name] = {**self.tables[name], **body}
            else:
                self.tables[name] = body
        self.write_config()

    def deliver(self, raw: bytes, when: datetime) -> int:
        """APPEND `raw` to the inbox folder with INTERNALDATE `when`; its UID."""
        client = self.imap.client()
        try:
            response = client.append(self.folder, raw, msg_time=when)
        finally:
            client.logout()
        text = response.decode() if isinstance(response, bytes) else str(response)
        return int(text.split("APPENDUID", 1)[1].split()[1].rstrip("]")) if "APPENDUID" in text else -1

    def cli(self, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
        """`lagesbild ARGS --config ...` in this process: (exit code, stdout, stderr)."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([*args, "--config", str(self.config_path)])
        return code, out.getvalue(), err.getvalue()

    def poll(self, now: str) -> tuple[int, dict[str, Any]]:
        """`lagesbild poll --once --json --now NOW`: its exit code and its JSON."""
        code, out, err = self.cli("poll", "--once", "--json", "--now", now)
        assert out.strip(), err
        return code, json.loads(out)

    def sent(self) -> list[tuple[list[str], EmailMessage]]:
        """Every mail the SMTP server accepted: (envelope recipients, message)."""
        return [(list(r.rcpt_tos), email.message_from_bytes(r.data, policy=policy.default))
                for r in self.smtp.handler.received]

    def export(self, period: str) -> list[dict[str, Any]]:
        code, out, err = self.cli("export", "--period", period, "--json")
        assert code == 0, err
        result: list[dict[str, Any]] = json.loads(out)
        return result

    def folder_uids(self, folder: str) -> list[int]:
        """The UIDs now in `folder` ("Lägesbild.Behandlade" as Dovecot names it)."""
        client = self.imap.client()
        try:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return list(client.search("ALL"))
        finally:
            client.logout()

    def engine(self) -> Engine:
        return make_engine(self.store_url)


def body_of(msg: EmailMessage) -> str:
    """The plain-text body of a message."""
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


@contextlib.contextmanager
def world_on(imap: DovecotServer, root: Path, monkeypatch: pytest.MonkeyPatch, *, smtputf8: bool = False,
             **tables: Any) -> Iterator[World]:
    """A fresh World on `imap` (skips when PostgreSQL is not reachable)."""
    reason = postgres.available()
    if reason:
        pytest.skip(reason)
    url, drop = postgres.fresh_schema("lbworld")
    folder = f"In{secrets.token_hex(4)}"
    client = imap.client()
    client.create_folder(folder)
    client.logout()
    monkeypatch.setenv(PASSWORD_ENV, imap.password)
    try:
        with start_smtp(smtputf8=smtputf8) as smtp:
            world = World(root, imap, folder, smtp, url, dict(tables))
            world.write_config()
            yield world
    finally:
        drop()
