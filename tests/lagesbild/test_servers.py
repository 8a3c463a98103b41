"""The worker against real servers: Dovecot over IMAP, aiosmtpd for SMTP, PostgreSQL."""

from __future__ import annotations

import email
import json
import multiprocessing
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from email import policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flow.pipeline import poll_once
from ingest.imap import ImapSource
from lagesbild.cli import main
from lagesbild.config import load_config
from lagesbild.samples import sample_answers, template_docx
from parsers import parse_bytes
from parsers.form import default_form
from parsers.result import Period
from store import repo
from store.db import make_engine, migrate, transaction
from tests.builders import mail as mails
from tests.support import dovecot, postgres
from tests.support.dovecot import DovecotServer
from tests.support.smtp import start_smtp

pytestmark = pytest.mark.skipif(not dovecot.available(), reason="Dovecot is not installed (./run tests installs it)")

FORM = default_form()
OCT = Period(2026, 10)
TZ = ZoneInfo("Europe/Stockholm")


def form_mail(municipality: str, domain: str, i: int = 0) -> bytes:
    data = template_docx(FORM, municipality, OCT, sample_answers(FORM, municipality, OCT, seed=i))
    return mails.build_mail(f"samordnare@{domain}", f"Lägesbild oktober {i}", "Hej!",
                            [(f"{municipality}.docx", data, mails.DOCX_TYPE)], message_id=f"<srv-{i}@{domain}>")


@pytest.fixture(scope="module")
def imap() -> Iterator[DovecotServer]:
    with dovecot.running_dovecot(tls=False) as server:
        yield server


def test_poll_once_over_imap_replies_over_smtp(imap: DovecotServer, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    admin = imap.client()
    admin.create_folder("Inkorg1")
    admin.append("Inkorg1", form_mail("Ludvika", "ludvika.se", 1))
    admin.append("Inkorg1", mails.out_of_office("samordnare@mora.se"))
    admin.append("Inkorg1", form_mail("Ludvika", "ludvlka.se", 2))
    with start_smtp() as smtp:
        config = tmp_path / "config.toml"
        config.write_text(f"""
signals = []
[mailbox]
source = "{imap.url('Inkorg1')}"
password_env = "TEST_IMAP_PASSWORD"
allow_plaintext_loopback = true
[store]
url = "sqlite:///{tmp_path / 'lb.db'}"
[outbox]
transport = "smtp://127.0.0.1:{smtp.port}"
""", encoding="utf-8")
        monkeypatch.setenv("TEST_IMAP_PASSWORD", imap.password)
        assert main(["poll", "--once", "--json", "--config", str(config), "--now", "2026-10-29T12:00"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["outcomes"] == {"stored": 1, "ignored": 1, "quarantined": 1}
        assert out["mail"] == {"sent": 2, "deferred": 0, "failed": 0}
        received = {str(email.message_from_bytes(r.data, policy=policy.default)["Subject"]): r.rcpt_tos
                    for r in smtp.handler.received}
    assert received["Kvittens: lägesbild oktober 2026, Ludvika"] == ["samordnare@ludvika.se"]
    assert any(s.startswith("Karantän") for s in received)
    admin.select_folder("Inkorg1")
    assert admin.search("ALL") == []
    folders = {f[2] for f in admin.list_folders()}
    assert {"Lägesbild.Behandlade", "Lägesbild.Ignorerade", "Lägesbild.Karantän"} <= folders
    admin.select_folder("Lägesbild.Behandlade")
    assert len(admin.search("ALL")) == 1
    assert main(["export", "--period", "2026-10", "--json", "--config", str(config)]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["municipality"] == "Ludvika"
    admin.logout()


def _worker(url: str, imap_url: str, password: str, cafile: None, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    config = load_config(None)
    config = replace(config, mailbox=replace(config.mailbox, source=imap_url, password=password,
                                             allow_plaintext_loopback=True),
                     store=replace(config.store, url=url))
    engine = make_engine(url)
    source = ImapSource(config.mailbox)
    now = datetime(2026, 10, 29, 12, tzinfo=TZ)
    report = poll_once(source, engine, config, now, parse=parse_bytes)
    source.close()
    results.put((dict(report.outcomes), report.claimed_elsewhere))


@pytest.mark.skipif(postgres.available() is not None, reason=str(postgres.available()))
def test_two_workers_on_postgresql_never_handle_a_message_twice(imap: DovecotServer) -> None:
    url, drop = postgres.fresh_schema("lbw")
    try:
        migrate(make_engine(url))
        admin = imap.client()
        admin.create_folder("Inkorg2")
        for i in range(30):
            admin.append("Inkorg2", form_mail("Mora", "mora.se", 100 + i))
        ctx = multiprocessing.get_context("spawn")
        results = ctx.Queue()
        workers = [ctx.Process(target=_worker, args=(url, imap.url("Inkorg2"), imap.password, None, results))
                   for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=300)
        outcomes = [results.get(timeout=10) for _ in workers]
        handled = sum(sum(o.values()) for o, _ in outcomes)
        assert handled == 30, outcomes
        with transaction(make_engine(url)) as s:
            stored = [v for v, _ in repo.raw_messages(s)]
        assert len(stored) == 30
        assert len({v.uid for v in stored}) == 30
        admin.select_folder("Inkorg2")
        assert admin.search("ALL") == []
        admin.logout()
    finally:
        drop()
