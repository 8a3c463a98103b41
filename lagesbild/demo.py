"""`lagesbild demo`: a month of the real worker on the embedded defaults, no servers.

Creates a workspace (a Maildir, a SQLite database, a file outbox), writes a
month of realistic submissions from the configured municipalities as e-mails
— most on time, some late, a correction, an unreadable form, an unknown
sender, an out-of-office reply, a comment with a personal identity number —
and runs the worker's cycle (ingest, outputs, outbox) through the month with
the clock stepped twice a day. It ends with where to open the county
workbook, the leadership digest and the mails that went out.
"""

from __future__ import annotations

import email
import os
import random
import secrets
import shlex
import shutil
import sys
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from email import policy
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import Engine

from flow.accounts import Role, add_user
from flow.calendar import add_working_days, deadline
from flow.jobs import DIGEST_CATCH_UP_DAYS, make_digest, run_output_jobs, workbook_file
from flow.pipeline import poll_once
from flow.reports import status_for
from flow.sending import send_due
from flow.settings import Config
from ground.errors import ConfigError
from ingest.open import open_source
from lagesbild.config import load_config
from lagesbild.runtime import HANDOVERS, open_outbox, open_store
from lagesbild.samples import sample_answers, sample_mail, template_docx
from outputs.digest import digest_file_html
from parsers.normalize import squash
from parsers.result import Answer, Cadence, Period

DOCX = "docx"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One e-mail arriving in the county's mailbox at `at`."""

    at: datetime
    raw: bytes
    what: str


def demo_period(now: datetime, cadence: Cadence = Cadence.MONTH) -> Period:
    """The month the demonstration reports on: the one before `now` (a weekly form: the week before)."""
    return Period.containing(now.date(), cadence).previous()


def _ascii(name: str) -> str:
    return squash(name)


def _domain(config: Config, name: str) -> str:
    municipality = config.municipality(name)
    assert municipality is not None and municipality.domains
    return municipality.domains[0]


def plan_month(config: Config, period: Period, tz: ZoneInfo) -> list[Delivery]:
    """The month's mail: who sends what, and when."""
    rng = random.Random(str(period))
    form = config.county.form
    last = deadline(period, form.deadline)
    names = [m.name for m in config.municipalities]
    out: list[Delivery] = []

    def at(day: object, hour: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, rng.choice([5, 25, 45]), tzinfo=tz)  # type: ignore[attr-defined]

    def form_mail(name: str, when: datetime, answers: dict[int, Answer], n: int = 0, subject: str = "") -> bytes:
        data = template_docx(form, name, period, answers)
        return sample_mail(f"samordnare@{_domain(config, name)}", subject or f"Lägesbild {period}",
                           "Hej!\n\nHär kommer vår lägesbild.\n\nMed vänlig hälsning\nSamordnaren",
                           [(f"Lägesbild {name} {period}.docx", data)],
                           message_id=f"<demo-{_ascii(name)}-{period}-{n}@{_domain(config, name)}>", date=when)

    for i, name in enumerate(names):
        answers = dict(sample_answers(form, name, period))
        if i == len(names) - 1:
            continue  # never reports this month: reminded, then missing
        if i in (3, 9):
            day = add_working_days(last, 1 + i % 2)
            out.append(Delivery(at(day, 10), form_mail(name, at(day, 10), answers), f"{name}: late"))
            continue
        day = add_working_days(last, -rng.choice([0, 1, 2, 3, 4]))
        when = at(day, rng.choice([9, 11, 14]))
        if i == 5:
            answers[2] = Answer(3, "Ärendet gäller en person med personnummer 19121212-1212.")
            out.append(Delivery(when, form_mail(name, when, answers),
                                f"{name}: a personal identity number in a comment, held for review"))
            continue
        if i == 7:
            broken = sample_mail(f"samordnare@{_domain(config, name)}", f"Lägesbild {period}", "Hej!",
                                 [(f"Lägesbild {name}.docx", b"PK\x03\x04 (halvt sparad fil)")],
                                 message_id=f"<demo-{_ascii(name)}-{period}-broken@{_domain(config, name)}>",
                                 date=when - timedelta(hours=2))
            out.append(Delivery(when - timedelta(hours=2), broken,
                                f"{name}: unreadable file, error reply with the blank form"))
        out.append(Delivery(when, form_mail(name, when, answers), f"{name}: on time"))
        if i == 1:
            corrected = dict(answers)
            corrected[1] = Answer(4, "Rättelse: två anlagda bränder i centrum, inte en.")
            later = when + timedelta(days=1, hours=1)
            out.append(Delivery(later, form_mail(name, later, corrected, 1, f"Rättelse: lägesbild {period}"),
                                f"{name}: correction (version 2)"))
    mid = at(add_working_days(last, -5), 13)
    out.append(Delivery(mid, sample_mail("info@sakerhetsbolaget-exempel.se", "Lägesbild", "Hej, se bifogat.",
                                         [("rapport.docx", template_docx(form, names[0], period,
                                                                         sample_answers(form, names[0], period)))],
                                         message_id="<demo-unknown@example.se>", date=mid),
                        "unknown sender: quarantined"))
    ooo = at(add_working_days(last, -3), 8) + timedelta(minutes=20)
    out.append(Delivery(ooo, sample_mail(f"samordnare@{_domain(config, names[2])}", "Automatiskt svar: Påminnelse",
                                         "Jag är på semester och läser inte e-post.", [],
                                         message_id="<demo-ooo@example.se>", date=ooo,
                                         headers={"Auto-Submitted": "auto-replied"}),
                        "out-of-office reply: ignored, never answered"))
    return sorted(out, key=lambda d: d.at)


def _deliver(maildir: Path, delivery: Delivery, n: int) -> None:
    tmp = maildir / "tmp" / f"demo-{n}"
    tmp.write_bytes(delivery.raw)
    os.utime(tmp, (delivery.at.timestamp(), delivery.at.timestamp()))
    tmp.rename(maildir / "new" / f"{int(delivery.at.timestamp())}.M{n}P1.demo")


#: `demo --weekly`: the EST weekly checklist, due Tuesday 16:00, its reminders and digest by the week.
WEEKLY_DEMO_COUNTY = 'form = "est-veckochecklista"\n'
WEEKLY_DEMO_TABLES = """[reminders]
stages = [
  {name = "before_deadline", working_days = -1, audience = "pending"},
  {name = "deadline_day", working_days = 0, audience = "pending"},
  {name = "after_deadline", working_days = 1, audience = "missing", cc_staff = true},
]
[digest]
working_days_after_deadline = 1
hour = 7
"""


def workspace_config(config: Config, workspace: Path, period: Period) -> Config:
    """The configuration with the workspace's Maildir, database and outbox (and, for a week,
    the weekly checklist with its reminder stages and digest day)."""
    # A county whose own form is weekly keeps it; the monthly defaults get the EST checklist.
    weekly = period.is_week and config.county.form.cadence is not Cadence.WEEK
    (workspace / "config.toml").write_text(
        f'[county]\nfirst_period = "{period}"\n{WEEKLY_DEMO_COUNTY if weekly else ""}[mailbox]\n'
        'source = "maildir:Maildir"\n[store]\nurl = "sqlite:///lagesbild.db"\n[outbox]\ntransport = "file:utskick"\n'
        + (WEEKLY_DEMO_TABLES if weekly else ""), encoding="utf-8")
    local = load_config(workspace / "config.toml")
    county = replace(config.county, first_period=period, form=local.county.form if weekly else config.county.form)
    return replace(config, path=local.path, county=county, mailbox=local.mailbox, store=local.store,
                   outbox=local.outbox, reminder_stages=local.reminder_stages if weekly else config.reminder_stages,
                   schedule=local.schedule if weekly else config.schedule)


MARKER = ".lagesbild-demo"


def prepare_workspace(workspace: Path) -> None:
    """An empty workspace with the demo's marker; an earlier demo's (it has the marker) is replaced.

    Never deletes what the demo did not make: an existing file, or a non-empty folder without the
    marker, is a ConfigError (exit 2) naming another --workspace.
    """
    if workspace.is_dir() and (workspace / MARKER).is_file():
        shutil.rmtree(workspace)
    elif workspace.exists() and (not workspace.is_dir() or any(workspace.iterdir())):
        raise ConfigError(f"--workspace: {workspace} already exists and was not made by the demo; it is left as it "
                          "is (give an empty or new folder)")
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / MARKER).write_text("Made by `lagesbild demo`, which replaces this folder on its next run.\n",
                                    encoding="utf-8")


def suggested_command() -> str:
    """How to call the command line from the current folder: `lagesbild` when it is on PATH; `./run lagesbild`
    in the checkout (where ./run works); elsewhere the console script beside the running Python, by its path."""
    if shutil.which("lagesbild"):
        return "lagesbild"
    checkout = Path(__file__).resolve().parents[1]
    if Path.cwd().resolve() == checkout and (checkout / "run").is_file():
        return "./run lagesbild"
    # A venv's script not on PATH (.venv/bin/lagesbild called by its path): ./run would not exist here.
    script = Path(sys.executable).parent / "lagesbild"
    if os.access(script, os.X_OK):
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m lagesbild"


def run_demo(config: Config, workspace: Path, now: datetime, console: Console | None = None,
             weekly: bool = False) -> dict[str, int]:
    """Run the demonstration; returns counts of what happened. `weekly`: a week of the EST
    weekly checklist (due Tuesday 16:00) instead of a month of the county's form."""
    console = console or Console()
    tz = ZoneInfo(config.deadline.timezone)
    period = demo_period(now, Cadence.WEEK if weekly else config.county.form.cadence)
    prepare_workspace(workspace)
    (workspace / "Maildir").mkdir(parents=True)
    config = workspace_config(config, workspace, period)
    engine = open_store(config)
    source, transport = open_source(config.mailbox), open_outbox(config)
    deliveries = plan_month(config, period, tz)
    # A week starts the Monday before, so its first reminder and early mail fall inside.
    clock = datetime.combine(period.first_day - timedelta(days=7 if period.is_week else 0), time(8), tzinfo=tz)
    digest_day = add_working_days(deadline(period, config.county.form.deadline),
                                  config.schedule.digest_working_days_after_deadline)
    end = datetime(digest_day.year, digest_day.month, digest_day.day, 17, tzinfo=tz)
    # Every planned mail arrives (a week's late ones can come after its digest day).
    end = max(end, datetime.combine(deliveries[-1].at.date(), time(17), tzinfo=tz))
    console.print(f"Lägesbild demo: {config.county.name}, {period}. The clock steps from {clock:%Y-%m-%d} "
                  f"to {end:%Y-%m-%d}, twice a day.")
    pending, delivered = list(deliveries), 0
    with console.status("The worker goes through the period …"):
        while clock <= end:
            while pending and pending[0].at <= clock:
                _deliver(workspace / "Maildir", pending.pop(0), delivered)
                delivered += 1
            poll_once(source, engine, config, clock)
            run_output_jobs(engine, config, clock)
            send_due(engine, transport, config, clock, HANDOVERS)
            clock += timedelta(hours=9) if clock.hour == 8 else timedelta(hours=15)
    assert end - clock < timedelta(days=DIGEST_CATCH_UP_DAYS)
    name, data = workbook_file(engine, config, period.year, end)
    (workspace / name).write_bytes(data)
    digest_path = workspace / f"digest-{period}.html"
    digest_path.write_text(digest_file_html(make_digest(engine, config, period, end)), encoding="utf-8")
    status = status_for(engine, config, period, end)
    mails = sorted((workspace / "utskick").glob("*.eml"))
    _print_summary(console, status, deliveries, workspace, name, digest_path, mails)
    _demo_account(console, engine, config, workspace, period, end)
    return {"delivered": delivered, "mails": len(mails), "missing": len(status["missing"]),
            "late": len(status["late"]), "quarantined": status["quarantined"]}


def _mail_kind(path: Path) -> str:
    subject = str(email.message_from_bytes(path.read_bytes(), policy=policy.default)["Subject"])
    # The subjects are the Swedish mail's; the kinds are named in the command line's English.
    for prefix, kind in (("Kvittens", "receipts"), ("Påminnelse", "reminders"), ("Sista dagen", "reminders"),
                         ("Vi saknar", "reminders"), ("Sammanställning", "workbooks to staff"),
                         ("Signal", "signals"), ("Karantän", "quarantine notices"),
                         ("Lägesbilden kunde inte", "error replies"), ("Lägesbild sociala risker", "monthly digests"),
                         ("Lägesbild trygghet", "weekly digests")):
        if subject.startswith(prefix):
            return kind
    return "other"


_STATE = {"on_time": "on time", "late": "late", "missing": "missing", "pending": "pending"}


def _print_summary(console: Console, status: dict, deliveries: list[Delivery], workspace: Path,  # type: ignore[type-arg]
                   workbook: str, digest: Path, mails: list[Path]) -> None:
    table = Table(title=f"Reports for {status['period']} (deadline {status['deadline']})", title_justify="left")
    for column in ("Municipality", "State", "Received", "Version"):
        table.add_column(column)
    for m in status["municipalities"]:
        table.add_row(m["name"], _STATE.get(m["state"], m["state"]), (m["received_at"] or "")[:16],
                      str(m["version"] or ""))
    console.print(table)
    console.print("What happened: " + "; ".join(d.what for d in deliveries if ": on time" not in d.what))
    kinds = Counter(_mail_kind(path) for path in mails)
    console.print(f"In quarantine: {status['quarantined']}. Sent: {len(mails)} mails ("
                  + ", ".join(f"{n} {kind}" for kind, n in kinds.most_common()) + ").")
    console.print(f"\nThe county's workbook:  {workspace / workbook}")
    console.print(f"The leadership's {'weekly' if 'W' in status['period'] else 'monthly'} digest: {digest}")
    console.print(f"The mail sent (.eml):   {workspace / 'utskick'}")
    console.print(f"The configuration:      {workspace / 'config.toml'}  (try: {suggested_command()} status "
                  f"--period {status['period']} --config {workspace / 'config.toml'})", soft_wrap=True)


DEMO_ACCOUNT = "demo"


def _demo_account(console: Console, engine: Engine, config: Config, workspace: Path, period: Period,
                  now: datetime) -> None:
    """A local staff account in the demo's store, its password made here and printed once (never stored
    but as a hash), and how to open the web page on the demo's data."""
    password = secrets.token_urlsafe(15)
    add_user(engine, DEMO_ACCOUNT, Role.STAFF, config.county.code, password, now, actor="lagesbild demo")
    # soft_wrap: a password broken over two lines could not be copied.
    console.print(f"\nThe staff web page: {suggested_command()} web --config "
                  f"{workspace / 'config.toml'}", soft_wrap=True)
    console.print(f"  open http://127.0.0.1:8080/?period={period} and sign in as {DEMO_ACCOUNT} "
                  f"with the password {password}  (shown only now)", soft_wrap=True)
