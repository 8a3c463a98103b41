"""A weekly county's year: the EST checklist (ISO weeks, due Tuesday 16:00) with the clock
stepped through 2026, twice every working day.

The county is the example configuration `examples/orebro-est-weekly.toml`. Municipalities
send their checklist on Monday or Tuesday, some late, some not at all, one corrects itself.
At the end the mail that went out is what the county expects of a weekly rhythm: each
reminder stage to exactly those not in when it came, never twice; one compilation on each
deadline day; one digest per week with the month so far; and a workbook with 53 week
columns under their months. The monthly year (test_year.py) is left as it is.
"""

from __future__ import annotations

import email
import io
import os
import random
from collections import Counter
from dataclasses import replace
from datetime import datetime, time, timedelta
from email import policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from flow.calendar import add_working_days, deadline, deadline_end, is_working_day
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
from parsers.result import Answer, Cadence, Period, periods_of_year
from store import repo
from store.db import make_engine, migrate, transaction
from tests.builders import mail as mails

HANDED = Handovers()
TZ = ZoneInfo("Europe/Stockholm")
YEAR = 2026
CONFIG_FILE = Path(__file__).resolve().parents[2] / "examples" / "orebro-est-weekly.toml"
END = datetime(YEAR + 1, 1, 1, 17, tzinfo=TZ)  # after week 53's digest, before week 1 of 2027 begins

Plan = dict[tuple[str, Period], list[tuple[datetime, dict[int, Answer]]]]


def plan_year(config: Any) -> Plan:
    """Who sends which week's checklist when: mostly Monday or Tuesday, some late, some never."""
    rng = random.Random(YEAR)
    form, rule = config.county.form, config.county.form.deadline
    plan: Plan = {}
    for week in periods_of_year(YEAR, Cadence.WEEK):
        last = deadline(week, rule)
        for i, m in enumerate(config.municipalities):
            roll = rng.random()
            if roll < 0.08:
                continue  # not this week
            if roll < 0.2:
                day = add_working_days(last, rng.choice([0, 1, 2]))
                hour = 17 if day == last else rng.choice([9, 13])  # after 16:00 on the day, or later
            else:
                day = add_working_days(last, -rng.choice([0, 0, 1, 2]))
                hour = rng.choice([9, 11, 14]) if day != last else rng.choice([9, 11])
            at = datetime.combine(day, time(hour, rng.choice([0, 20, 40])), tzinfo=TZ)
            answers = sample_answers(form, m.name, week)
            versions = [(at, answers)]
            if (week.week, i) == (20, 2):
                corrected = dict(answers)
                corrected[1] = Answer(3, "Rättelse: omfattande klotter på skolan, inte enstaka.")
                versions.append((at + timedelta(hours=3), corrected))
            plan[(m.name, week)] = versions
    return plan


def _cycles(start: datetime, end: datetime) -> list[datetime]:
    """08:00 and 17:00 on every working day, as a worker's cycle would meet them."""
    out, day = [], start.date()
    while day <= end.date():
        if is_working_day(day):
            out += [datetime.combine(day, time(h), tzinfo=TZ) for h in (8, 17)]
        day += timedelta(days=1)
    return [c for c in out if c <= end]


@pytest.fixture(scope="module")
def weekly_year(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("weekly-year")
    maildir = root / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    config = load_config(CONFIG_FILE)
    config = replace(config, mailbox=replace(config.mailbox, source=f"maildir:{maildir}"),
                     outbox=replace(config.outbox, replies_per_sender_per_hour=1000))
    engine = make_engine(f"sqlite:///{root / 'lb.db'}")
    migrate(engine)
    plan = plan_year(config)
    pending = sorted(((at, name, week, answers, n) for (name, week), versions in plan.items()
                      for n, (at, answers) in enumerate(versions)), key=lambda d: d[0])
    transport = FileTransport(root / "outbox")
    source = MaildirSource(maildir, configured_folders(config.mailbox))
    form = config.county.form
    for now in _cycles(datetime(2025, 12, 29, 8, tzinfo=TZ), END):
        while pending and pending[0][0] <= now:
            at, name, week, answers, n = pending.pop(0)
            municipality = config.municipality(name)
            assert municipality is not None
            domain = municipality.domains[0]
            raw = mails.build_mail(f"samordnare@{domain}", f"Checklista {name} vecka {week.week}", "Hej!",
                                   [(f"Checklista {name} {week}.docx", template_docx(form, name, week, answers),
                                     mails.DOCX_TYPE)], message_id=f"<{name}-{week}-{n}@{domain}>")
            tmp = maildir / "tmp" / f"{len(pending)}.eml"
            tmp.write_bytes(raw)
            os.utime(tmp, (at.timestamp(), at.timestamp()))
            tmp.rename(maildir / "new" / f"{int(at.timestamp())}.M{len(pending)}P1.mx")
        poll_once(source, engine, config, now, parse=parse_bytes)
        run_output_jobs(engine, config, now)
        send_due(engine, transport, config, now, HANDED)
    sent = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted((root / "outbox").glob("*.eml"))]
    return {"config": config, "engine": engine, "plan": plan, "sent": sent}


def _kind(msg: email.message.EmailMessage) -> str:
    subject = str(msg["Subject"])
    for prefix, kind in (("Kvittens", "receipt"), ("Sammanställning", "compilation"), ("Signal", "signal"),
                         ("Lägesbild trygghet i området", "digest")):
        if subject.startswith(prefix):
            return kind
    return "reminder" if subject.lower().startswith(("påminnelse", "sista dagen", "vi saknar")) else "other"


def test_every_checklist_is_filed_under_its_week(weekly_year: dict[str, Any]) -> None:
    config, plan = weekly_year["config"], weekly_year["plan"]
    with transaction(weekly_year["engine"]) as s:
        views = repo.submissions_for_year(s, config.county.code, YEAR)
    filed = {(v.municipality, str(v.period)): v for v in views}
    assert set(filed) == {(name, str(week)) for name, week in plan}
    corrected = [(k, v.version) for k, v in filed.items() if v.version > 1]
    assert corrected == [(("Karlskoga", "2026-W20"), 2)]
    receipts = [m for m in weekly_year["sent"] if _kind(m) == "receipt"]
    assert len(receipts) == sum(len(v) for v in plan.values())


def test_each_reminder_goes_to_exactly_those_not_in_when_its_stage_came(weekly_year: dict[str, Any]) -> None:
    config, plan, sent = weekly_year["config"], weekly_year["plan"], weekly_year["sent"]
    rule = config.county.form.deadline
    with transaction(weekly_year["engine"]) as s:
        keys = repo.queued_keys(s, "reminder:")
    got = {tuple(k.split(":")[2:]) for k in keys}
    expected = set()
    for m in config.municipalities:
        for week in periods_of_year(YEAR, Cadence.WEEK):
            first = plan.get((m.name, week), [(None, None)])[0][0]
            for stage in config.reminder_stages:
                moment = stage_moment(stage, week, TZ, rule)
                if moment > END:
                    continue
                after = moment >= deadline_end(week, TZ, rule=rule)
                if (first is None or first > moment) and (stage.audience == "missing") == after:
                    expected.add((m.name, str(week), stage.name))
    assert got == expected
    assert {w for _, w, _ in got} >= {"2026-W01", "2026-W53"}
    delivered = Counter((str(msg["To"]), str(msg["Subject"])) for msg in sent if _kind(msg) == "reminder")
    assert sum(delivered.values()) == len(expected) and max(delivered.values()) == 1
    assert all("vecka" in str(msg["Subject"]).lower() for msg in sent if _kind(msg) == "reminder")


def test_one_compilation_on_each_deadline_day_and_one_digest_a_week(weekly_year: dict[str, Any]) -> None:
    sent = weekly_year["sent"]
    weeks = [str(w) for w in periods_of_year(YEAR, Cadence.WEEK)]
    with transaction(weekly_year["engine"]) as s:
        keys = repo.queued_keys(s, "compilation:")
        digest_keys = repo.queued_keys(s, "digest:")
    assert sorted(k.split(":")[2] for k in keys if k.endswith(":deadline")) == weeks
    assert sorted(k.split(":")[2] for k in digest_keys) == weeks
    digests = [m for m in sent if _kind(m) == "digest"]
    assert len(digests) == len({str(m["Subject"]) for m in digests}) == len(weeks) == 53
    assert "Lägesbild trygghet i området – vecka 43 2026, Örebro län" in {str(m["Subject"]) for m in digests}
    week_43 = next(m for m in digests if "vecka 43 2026" in str(m["Subject"]))
    text = week_43.get_body(("plain",)).get_content()
    assert "MÅNADEN HITTILLS, OKTOBER 2026" in text and "vecka 40–43 2026" in text
    assert "TOLV VECKOR" in text


def test_the_workbook_has_the_year_by_week(weekly_year: dict[str, Any]) -> None:
    config, plan = weekly_year["config"], weekly_year["plan"]
    form = config.county.form
    _, data = workbook_file(weekly_year["engine"], config, YEAR, END)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheet = wb["1 Skadegörelse och klotter"]
    assert [sheet.cell(row=4, column=c).value for c in (2, 3, 54)] == ["v1", "v2", "v53"]
    assert sheet.cell(row=4, column=55).value is None
    # Weeks under their month: January over weeks 1-5 (week 1's Thursday is 1 January).
    assert sheet.cell(row=3, column=2).value == "Januari" and "B3:F3" in {str(r) for r in sheet.merged_cells.ranges}
    rows = {sheet.cell(row=r, column=1).value: r for r in range(5, 5 + len(config.municipalities))}
    for m in config.municipalities:
        for week in periods_of_year(YEAR, Cadence.WEEK):
            cell = sheet.cell(row=rows[m.name], column=1 + week.week).value
            versions = plan.get((m.name, week))
            if versions is None:
                assert cell == "Saknas", (m.name, str(week), cell)
            else:
                assert cell == form.scale.name_of(versions[-1][1][1].impact), (m.name, str(week), cell)
