"""Server time of the staff web page for 290 municipalities × 120 months.

A county configuration holding all 290 municipalities (the registry's, in one
county: the configuration loader would refuse that, so the built-in
configuration is copied with them), and a store with a report from each of
them for each of the 120 months from 2016-11 to 2026-10 (one in twenty with
a second version, the first superseded), written straight into the tables in
one setup step (SQLite; PostgreSQL with `--store postgresql`): 34,800 reports,
about 36,500 versions, 255,000 answers.

Then the app (`web.app.create_app`, signed in as staff) answers many
requests through Starlette's TestClient, and the time spent inside the ASGI
app (from the call until the last byte of the body is handed on) is
measured per request: the board of the month after the deadline, the board
of this month (`/`, the page a clerk opens first: no report in yet), the
board of a random month in the ten years, the year view (`/ar`) of this year
and of a random year, and a municipality's history. The baseline, measured in the same run: /health
(one store read and a JSON answer) and the sign-in page (a template, no
store). Each row gives the wall time and the CPU time of the serving thread
(which other processes on the cores do not inflate), and the load average
is printed before and after: on a shared machine compare CPU times.

The board's tail (p95 about three times p50, in CPU time too) is Python's
full garbage collection: a board request makes some 10,000 objects, so every
few requests a full collection scans the process's ~200,000 long-lived
objects (the imported modules' mostly). `--freeze` moves those out of the
collector's way (gc.freeze) to show what that tail costs.

    python bench/web_pages.py [--store sqlite|postgresql] [--requests 200]

On PostgreSQL the tables are analysed after the bulk fill, as autovacuum
would have done on a live database, so the planner works from real counts.

Target: p95 < 300 ms for the board, the year view and the history.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

# The project first: this file's own name must not hide the package `web`.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import domain_of  # noqa: E402
from measure import machine_note, percentile  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402
from starlette.types import ASGIApp, Message, Receive, Scope, Send  # noqa: E402

from flow.accounts import Role, add_user  # noqa: E402
from flow.settings import Config, MunicipalityConfig  # noqa: E402
from lagesbild.config import load_config  # noqa: E402
from parsers.municipality import load_registry  # noqa: E402
from parsers.result import Format, Period  # noqa: E402
from store.db import make_engine, migrate  # noqa: E402
from store.models import AnswerRow, RawMessage, Submission  # noqa: E402
from store.outcome import Outcome  # noqa: E402
from store.views import SubmissionStatus  # noqa: E402

TARGET_P95_MS = 300.0
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # October's deadline has passed, November is under way
LAST = Period(2026, 10)
MONTHS = 120
PASSWORD = "bänken mäter sidan"
COMMENTS = ("", "", "", "Oroligt i centrum under helgerna.", "Fler ungdomar ute sent än vanligt.",
            "Inga förändringar sedan förra månaden.")


def national_config(url: str) -> Config:
    """The built-in configuration with all 290 municipalities and the store at `url`."""
    base = load_config(None)
    municipalities = tuple(
        MunicipalityConfig(m.name, m.code, (domain_of(m.name),), (), (f"samordnare@{domain_of(m.name)}",))
        for m in load_registry().all())
    return replace(base, municipalities=municipalities, groups=(), store=replace(base.store, url=url))


def periods() -> list[Period]:
    """The 120 months ending with LAST, oldest first."""
    out = [LAST]
    while len(out) < MONTHS:
        out.append(out[-1].previous())
    return out[::-1]


def fill(engine: Engine, config: Config, seed: int = 1) -> tuple[int, int, int]:
    """Every municipality's report for every month, written in bulk; (reports, versions, answers)."""
    rng = random.Random(seed)
    questions = [q.number for q in config.county.form.questions]
    county = config.county.code
    raws: list[dict[str, Any]] = []
    subs: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    ident = 0
    reports = 0
    for municipality in config.municipalities:
        for period in periods():
            reports += 1
            versions = 2 if rng.random() < 0.05 else 1
            first_day = datetime(period.year, period.month, 1, tzinfo=UTC)
            arrived = first_day + timedelta(days=rng.randint(28, 40), hours=rng.randint(7, 16))
            for version in range(1, versions + 1):
                ident += 1
                received = arrived + timedelta(days=version - 1)
                raws.append({
                    "id": ident, "mailbox": "INBOX", "uidvalidity": 1, "uid": f"{ident:012d}",
                    "message_id": f"<bench-{ident}@{domain_of(municipality.name)}>",
                    "sha256": hashlib.sha256(str(ident).encode()).hexdigest(),
                    "sender": municipality.contacts[0], "subject": f"Lägesbild {period}",
                    "received_at": received, "size": 0, "raw": None, "outcome": Outcome.STORED if version == 1
                    else Outcome.CORRECTION, "reason": None, "county": county,
                    "municipality": municipality.name, "moved": True, "attempts": 0, "next_attempt_at": None,
                    "created_at": received, "updated_at": received})
                subs.append({
                    "id": ident, "county": county, "municipality": municipality.name, "period": str(period),
                    "version": version, "raw_message_id": ident, "received_at": received,
                    "filename": f"Lägesbild {municipality.name}.docx", "format": Format.DOCX,
                    "content_hash": hashlib.sha256(f"c{ident}".encode()).hexdigest(),
                    "on_time": arrived.day <= 10, "flags": [],
                    "status": SubmissionStatus.ACTIVE if version == versions else SubmissionStatus.SUPERSEDED,
                    "created_at": received, "corrected_by": None, "correction_reason": None})
                for number in questions:
                    answers.append({"submission_id": ident, "question": number, "impact": rng.randint(1, 5),
                                    "comment": rng.choice(COMMENTS), "withheld": False})
    with engine.begin() as conn:
        for model, rows in ((RawMessage, raws), (Submission, subs), (AnswerRow, answers)):
            table = model.__table__  # type: ignore[union-attr]
            for start in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[start:start + 5000])
        if engine.dialect.name == "postgresql":  # the ids were given: move the sequences past them
            for table in ("raw_message", "submission"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {ident})"))
    if engine.dialect.name == "postgresql":  # what autovacuum does to a live database after such a load
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE raw_message, submission, answer"))
    return reports, len(subs), len(answers)


class ServerTimer:
    """ASGI middleware: the seconds each HTTP request spent inside the app, until its body was sent,
    on the wall clock and as CPU time of the thread serving it.

    The CPU time does not grow when other processes share the cores (the wall time does, by the
    load); it leaves out the database server's own work (PostgreSQL) and any wait.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.times: list[float] = []
        self.cpu: list[float] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start, cpu = time.perf_counter(), time.thread_time()

        async def timed_send(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                self.times.append(time.perf_counter() - start)
                self.cpu.append(time.thread_time() - cpu)

        await self.app(scope, receive, timed_send)


@contextmanager
def store(kind: str) -> Iterator[tuple[str, Callable[[], None]]]:
    """A fresh store's URL and what removes it afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-web-") as folder:
            yield f"sqlite:///{folder}/lagesbild.db", lambda: None
        return
    from tests.support import postgres

    url, drop = postgres.fresh_schema()
    try:
        yield url, drop
    finally:
        drop()


def measure(client: TestClient, timer: ServerTimer, paths: Callable[[int], str], count: int,
            warmup: int = 3) -> tuple[list[float], list[float], int]:
    """Server milliseconds (wall, CPU) of `count` requests (after `warmup` unmeasured ones); the largest body."""
    largest = 0
    for i in range(warmup):
        client.get(paths(i))
    timer.times.clear()
    timer.cpu.clear()
    for i in range(count):
        response = client.get(paths(i))
        if response.status_code != 200:
            raise SystemExit(f"{paths(i)}: {response.status_code}\n{response.text[:2000]}")
        largest = max(largest, len(response.content))
    return [t * 1000 for t in timer.times], [t * 1000 for t in timer.cpu], largest


def has_history(client: TestClient, name: str) -> bool:
    """Whether the app has a municipality's history page (/kommun/NAME) yet."""
    return bool(client.get(f"/kommun/{quote(name)}").status_code == 200)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    args.add_argument("--requests", type=int, default=200, help="measured requests per page (default 200)")
    args.add_argument("--freeze", action="store_true",
                      help="gc.freeze() before measuring, as a server could after start-up: the modules' and the "
                           "app's ~200,000 objects are then no longer scanned by every full collection")
    opts = args.parse_args()
    from web.app import create_app

    print(f"machine: {machine_note()}")
    with store(opts.store) as (url, _):
        engine = make_engine(url)
        migrate(engine)
        config = national_config(url)
        started = time.perf_counter()
        reports, versions, answers = fill(engine, config)
        print(f"store ({opts.store}): {len(config.municipalities)} municipalities × {MONTHS} months: {reports} "
              f"reports, {versions} versions, {answers} answers, written in {time.perf_counter() - started:.1f} s "
              f"(not part of the figures)")
        add_user(engine, "bench", Role.STAFF, config.county.code, PASSWORD, NOW)
        timer = ServerTimer(create_app(config, engine, lambda: NOW, secret_key="bench", secure_cookies=False))
        client = TestClient(timer, base_url="http://127.0.0.1")
        page = client.get("/logga-in").text
        token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        signed = client.post("/logga-in", data={"csrf": token, "name": "bench", "password": PASSWORD},
                             follow_redirects=False)
        assert signed.status_code == 303, signed.text[:500]

        if opts.freeze:
            gc.collect()
            gc.freeze()
        rng = random.Random(7)
        months = periods()
        names = [m.name for m in config.municipalities]
        years = sorted({p.year for p in months})
        pages: list[tuple[str, Callable[[int], str], bool]] = [
            ("/health (baseline)", lambda i: "/health", False),
            ("/logga-in (baseline)", lambda i: "/logga-in", False),
            (f"board /?period={LAST}", lambda i: f"/?period={LAST}", True),
            ("board /, this month", lambda i: "/", True),
            ("board, a random month", lambda i: f"/?period={rng.choice(months)}", True),
            ("year /ar, this year", lambda i: "/ar", True),
            ("year /ar?ar=YYYY, a random year", lambda i: f"/ar?ar={rng.choice(years)}", True),
        ]
        if has_history(client, names[0]):
            pages.append(("history /kommun/NAME, random NAME", lambda i: f"/kommun/{quote(rng.choice(names))}", True))
        else:
            print("  (no municipality history page yet: the board only)")
        print(f"  load average (1 min) before measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"  {'page':34} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU p50':>8} {'CPU p95':>8} "
              f"{'body kB':>8}  target")
        missed = False
        for label, path, held in pages:
            ms, cpu, largest = measure(client, timer, path, opts.requests)
            p95 = percentile(ms, 95)
            verdict = ""
            if held:
                verdict = f"p95 < {TARGET_P95_MS:.0f} ms: " + ("met" if p95 < TARGET_P95_MS else "MISSED")
                missed |= p95 >= TARGET_P95_MS
            print(f"  {label:34} {len(ms):5d} {percentile(ms, 50):8.1f} {p95:8.1f} {max(ms):8.1f} "
                  f"{percentile(cpu, 50):8.1f} {percentile(cpu, 95):8.1f} {largest / 1024:8.0f}  {verdict}")
        print(f"  load average (1 min) after: {os.getloadavg()[0]:.1f} (wall times grow with it; CPU times do not)")
        engine.dispose()
    if missed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
