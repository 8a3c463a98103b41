"""A year of simulated reporting for Dalarna, with the clock stepped through it.

Municipalities report on time, late, not at all, correct themselves, and once
a comment holds a personal identity number. Twice a day (08:00 and 17:00)
the worker's cycle runs: ingest, then the due outputs, then the outbox. At
the end the mail that went out is exactly what a county clerk would expect:
each reminder to those who had not reported when its stage came, never
twice; one compilation on each deadline day; one digest per month; the
signals; and a workbook with the year as it happened.
"""

from __future__ import annotations

import email
import os
import random
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from email import policy
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from flow.calendar import add_working_days, deadline, deadline_end
from flow.jobs import run_output_jobs, workbook_file
from flow.pipeline import poll_once
from flow.reminders import stage_moment
from flow.sending import Handovers, send_due
from ingest.maildir import MaildirSource
from ingest.settings import configured_folders
from lagesbild.config import load_config
from lagesbild.samples import sample_answers, template_docx
from outputs.file_transport import FileTransport
from parsers import parse_bytes
from parsers.form import default_form
from parsers.result import Answer, Period
from store import repo
from store.db import make_engine, migrate, transaction
from tests.builders import mail as mails

HANDED = Handovers()  # this test process's memory of mails handed over but not recorded

TZ = ZoneInfo("Europe/Stockholm")
FORM = default_form()
YEAR = 2026
DOMAINS = {"Borlänge": "borlange.se", "Malung-Sälen": "malung-salen.se", "Rättvik": "rattvik.se",
           "Säter": "sater.se", "Älvdalen": "alvdalen.se"}


def domain(name: str) -> str:
    return DOMAINS.get(name, f"{name.lower()}.se")


def plan_year(names: list[str]) -> dict[tuple[str, Period], list[tuple[datetime, dict[int, Answer]]]]:
    """Who sends what when: mostly in the last days before the deadline, some late, some never."""
    rng = random.Random(YEAR)
    plan: dict[tuple[str, Period], list[tuple[datetime, dict[int, Answer]]]] = {}
    for month in range(1, 13):
        period = Period(YEAR, month)
        last_day = deadline(period)
        for i, name in enumerate(names):
            roll = rng.random()
            answers = dict(sample_answers(FORM, name, period))
            if roll < 0.07:
                continue  # never reports this month
            if roll < 0.17:
                day = add_working_days(last_day, rng.choice([1, 2, 3, 5]))  # late
            else:
                day = add_working_days(last_day, -rng.choice([0, 0, 1, 2, 3, 4, 6]))
            at = datetime(day.year, day.month, day.day, rng.choice([9, 11, 14, 16]), rng.choice([0, 20, 40]),
                          tzinfo=TZ)
            if (month, i) == (3, 4):
                answers[2] = Answer(3, "Anmälan gäller 19121212-1212, uppföljning pågår.")
            if (month, i) == (6, 7):
                answers[5] = Answer(5, "Omfattande narkotikahandel vid stationen inför midsommar.")
            versions = [(at, answers)]
            if rng.random() < 0.05:
                corrected = dict(answers)
                corrected[1] = Answer(4, "Rättelse: fler anlagda bränder än vi först skrev.")
                versions.append((at + timedelta(days=1, hours=2), corrected))
            plan[(name, period)] = versions
    return plan


@pytest.fixture(scope="module")
def year_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("year")
    maildir = root / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    config = load_config(None)
    config = replace(config, mailbox=replace(config.mailbox, source=f"maildir:{maildir}"),
                     outbox=replace(config.outbox, replies_per_sender_per_hour=1000),
                     county=replace(config.county, first_period=Period(YEAR, 1)))
    engine = make_engine(f"sqlite:///{root / 'lb.db'}")
    migrate(engine)
    names = [m.name for m in config.municipalities]
    plan = plan_year(names)
    deliveries = sorted(((at, name, period, answers, n) for (name, period), versions in plan.items()
                         for n, (at, answers) in enumerate(versions)), key=lambda d: d[0])
    transport = FileTransport(root / "outbox")
    source = MaildirSource(maildir, configured_folders(config.mailbox))
    now = datetime(YEAR, 1, 1, 8, tzinfo=TZ)
    end = datetime(YEAR + 1, 1, 20, 17, tzinfo=TZ)
    pending = list(deliveries)
    while now <= end:
        while pending and pending[0][0] <= now:
            at, name, period, answers, n = pending.pop(0)
            raw = mails.build_mail(f"samordnare@{domain(name)}", f"Lägesbild {period}", "Hej!",
                                   [(f"{name} {period}.docx", template_docx(FORM, name, period, answers),
                                     mails.DOCX_TYPE)], message_id=f"<{name}-{period}-{n}@{domain(name)}>")
            tmp = maildir / "tmp" / f"{len(pending)}.eml"
            tmp.write_bytes(raw)
            os.utime(tmp, (at.timestamp(), at.timestamp()))
            tmp.rename(maildir / "new" / f"{int(at.timestamp())}.M{len(pending)}P1.mx")
        poll_once(source, engine, config, now, parse=parse_bytes)
        run_output_jobs(engine, config, now)
        send_due(engine, transport, config, now, HANDED)
        now += timedelta(hours=9) if now.hour == 8 else timedelta(hours=15)
    sent = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted((root / "outbox").glob("*.eml"))]
    return {"config": config, "engine": engine, "plan": plan, "sent": sent, "end": end}


def _kind(msg: email.message.EmailMessage) -> str:
    subject = str(msg["Subject"])
    for prefix, kind in (("Kvittens", "receipt"), ("Sammanställning", "compilation"), ("Signal", "signal"),
                         ("Lägesbild sociala risker", "digest")):
        if subject.startswith(prefix):
            return kind
    lowered = subject.lower()
    return "reminder" if lowered.startswith(("påminnelse", "sista dagen", "vi saknar")) else "other"


def test_each_reminder_goes_to_those_not_reported_when_its_stage_came_and_never_twice(year_run: dict[str, Any]) -> None:
    config, plan, sent = year_run["config"], year_run["plan"], year_run["sent"]
    with transaction(year_run["engine"]) as s:
        keys = repo.queued_keys(s, "reminder:")
    got = {tuple(k.split(":")[2:]) for k in keys}
    expected = set()
    for m in config.municipalities:
        for month in range(1, 13):
            period = Period(YEAR, month)
            first = plan.get((m.name, period), [(None, None)])[0][0]
            for stage in config.reminder_stages:
                moment = stage_moment(stage, period, TZ)
                if moment > year_run["end"]:
                    continue
                after = moment >= deadline_end(period, TZ)
                if (first is None or first > moment) and (stage.audience == "missing") == after:
                    expected.add((m.name, str(period), stage.name))
    assert got == expected
    # Every queued reminder went out exactly once, to the municipality's contact.
    delivered = Counter((str(m["To"]), str(m["Subject"])) for m in sent if _kind(m) == "reminder")
    assert sum(delivered.values()) == len(expected)
    assert max(delivered.values()) == 1


def test_one_compilation_on_every_deadline_day_and_one_digest_per_month(year_run: dict[str, Any]) -> None:
    sent = year_run["sent"]
    digests = [str(m["Subject"]) for m in sent if _kind(m) == "digest"]
    assert len(digests) == len(set(digests)) == 12
    assert all(str(m["To"]) == "lansledning@lansstyrelsen-dalarna.example" for m in sent if _kind(m) == "digest")
    with transaction(year_run["engine"]) as s:
        keys = repo.queued_keys(s, "compilation:")
    assert {k.split(":")[2] for k in keys if k.endswith(":deadline")} == {str(Period(YEAR, m)) for m in range(1, 13)}
    compilations = [m for m in sent if _kind(m) == "compilation"]
    assert len(compilations) == len(keys)
    for m in compilations:
        names = [p.get_filename() for p in m.iter_attachments()]
        assert names in ([f"Lägesbild Dalarnas län {YEAR}.xlsx"], [f"Lägesbild Dalarnas län {YEAR + 1}.xlsx"])


def test_signals_and_the_held_report(year_run: dict[str, Any]) -> None:
    sent = year_run["sent"]
    signals = [m for m in sent if _kind(m) == "signal"]
    assert any("narkotikahandel" in m.get_body(("plain",)).get_content() for m in signals)
    assert not any("19121212" in m.as_string() for m in sent), "the personal identity number left the county"


def test_the_workbook_at_the_end_of_the_year_is_the_year_as_it_happened(year_run: dict[str, Any]) -> None:
    config, plan = year_run["config"], year_run["plan"]
    _, data = workbook_file(year_run["engine"], config, YEAR, year_run["end"])
    wb = openpyxl.load_workbook(__import__("io").BytesIO(data))
    sheet = wb["1 Ordningsstörningar-otrygghet"]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(5, 5 + len(config.municipalities))}
    for m in config.municipalities:
        for month in range(1, 13):
            cell = sheet.cell(row=rows[m.name], column=1 + month).value
            versions = plan.get((m.name, Period(YEAR, month)))
            if versions is None:
                assert cell == "Saknas", (m.name, month, cell)
            else:
                impact = versions[-1][1][1].impact
                assert cell == FORM.scale.name_of(impact), (m.name, month, cell)
