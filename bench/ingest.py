"""Ingest throughput: messages per second from a Maildir and from a local Dovecot.

Builds N mails (default 2,000), each a municipality's monthly .docx form
(the municipalities of one county, default Västra Götaland's 49, over as
many months as needed; see bench/common.py for how the forms are made),
and runs one ingest cycle (`lagesbild.pipeline.poll_once`, exactly what
`lagesbild poll --once` runs) over them on a fresh SQLite database:

  * with the production parse: each attachment in a forked, capped child (lagesbild.sandbox);
  * with the parse in process (`parsers.parse_bytes`), for comparison.

The production run comes first, so that the parent has never parsed a form
in process, as in `lagesbild poll` and `lagesbild run`. The baseline,
measured in the same run on the same messages, is the mailbox alone: for
the Maildir, listing it and reading every file (MaildirSource.list_refs and
fetch); for IMAP, UID SEARCH and UID FETCH BODY.PEEK[] of every message in
batches (ImapSource). The messages are loaded into Dovecot with IMAP APPEND
(its rate is printed too).

    python bench/ingest.py [--messages 2000] [--county 14] [--no-imap] [--no-maildir] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    FormFactory,
    Stopwatch,
    TreeMemory,
    counties,
    county_config,
    county_data,
    deliver,
    form_mail,
    machine_note,
    make_maildir,
    maxrss_mb,
    months,
    received_for,
)

from lagesbild.pipeline import poll_once  # noqa: E402
from lagesbild.sandbox import parse_isolated  # noqa: E402
from parsers import parse_bytes  # noqa: E402
from parsers.result import Period  # noqa: E402
from store.db import make_engine, migrate  # noqa: E402

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
LAST = Period(2026, 10)


def build_messages(count: int, county: str) -> list[tuple[str, bytes, datetime]]:
    """(unique name, mail bytes, received) for `count` forms from the county's municipalities."""
    members = [m.name for m in counties()[county]]
    periods = months(LAST, -(-count // len(members)))
    factory = FormFactory(min(300, count))
    out = []
    for i in range(count):
        period = periods[i // len(members)]
        raw = form_mail(factory, members[i % len(members)], period, i)
        out.append((f"{1700000000 + i}.M{i}P1.bench", raw, received_for(period, i)))
    return out


def row(label: str, n: int, seconds: float, cpu: float, baseline: float | None, extra: str = "") -> None:
    rate = n / seconds
    ratio = f"{seconds / baseline:8.1f}x" if baseline else f"{'(base)':>9}"
    print(f"  {label:34} {n:5d} msgs {seconds:8.2f} s {rate:9.1f} msg/s {1000 * seconds / n:8.1f} ms/msg "
          f"cpu {cpu:7.1f} s {ratio}{extra}")


def cycle(source_url: str, db: str, mode: str, county: str, expected: int) -> None:
    """`ingest.py cycle ...`: one poll_once in this fresh process; prints its figures as JSON."""
    from lagesbild.runtime import open_mailbox

    data = county_data(county, source=source_url, store_url=f"sqlite:///{db}", outbox="file:/nonexistent",
                       mailbox={"allow_plaintext_loopback": True, "password_env": "BENCH_IMAP_PASSWORD"})
    config = county_config(data, Path(db).parent)
    source = open_mailbox(config)
    engine = make_engine(config.store.url)
    migrate(engine)
    with Stopwatch() as t:
        report = poll_once(source, engine, config, NOW, parse=parse_isolated if mode == "isolated" else parse_bytes)
    source.close()
    own, children = maxrss_mb()
    print(json.dumps({"seconds": t.seconds, "cpu": t.cpu, "machine": t.machine, "maxrss": own,
                      "children_maxrss": children, "outcomes": dict(report.outcomes), "failures": report.failures[:3]}))


def run_cycle(source_url: str, db: Path, mode: str, county: str, n: int, env: dict[str, str] | None = None,
              ) -> tuple[float, float, str]:
    """One ingest cycle in a fresh process (so every run starts as `lagesbild poll` does); (seconds, cpu, note)."""
    command = [sys.executable, __file__, "cycle", source_url, str(db), mode, county, str(n)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
    with TreeMemory(proc.pid) as mem:
        out, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"ingest cycle failed ({proc.returncode}): {out}")
    result = json.loads(out.strip().splitlines()[-1])
    if result["outcomes"].get("stored", 0) != n:
        raise SystemExit(f"expected {n} stored messages, got {result['outcomes']} {result['failures']}")
    note = (f"  maxrss {result['maxrss']:.0f} MB (child {result['children_maxrss']:.0f} MB), "
            f"tree PSS {mem.peak_pss_kb / 1024:.0f} MB; machine busy {result['machine']:.2f} cores")
    return result["seconds"], result["cpu"], note


def sandbox_breakdown(county: str) -> None:
    """`ingest.py sandbox`: where one sandboxed parse's time goes, in a fresh process set up as
    `lagesbild poll` is (configuration loaded, nothing parsed in process yet). Each step changes the
    parent's state, then times 50 distinct forms (median ms)."""
    import gc
    import multiprocessing
    import statistics
    import threading

    import lagesbild.pipeline  # noqa: F401 - imported by the command line before it parses
    from parsers.municipality import load_registry

    config = county_config(county_data(county, source="maildir:/nonexistent", store_url="sqlite:////nonexistent",
                                       outbox="file:/nonexistent"), Path("/"))
    form, limits = config.county.form, config.limits
    factory = FormFactory(60)
    names = [m.name for m in load_registry().all()]
    docs = [factory.docx(names[k % len(names)], Period(2017 + k % 9, 1 + k % 12), k) for k in range(450)]
    batches = iter([docs[i * 50:(i + 1) * 50] for i in range(9)])

    def median_ms(parse: Any) -> float:
        times = []
        for data in next(batches):
            start = time.perf_counter()
            parse(data, "form.docx", form, limits)
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    def noop_fork() -> float:
        ctx, times = multiprocessing.get_context("fork"), []
        for _ in range(30):
            start = time.perf_counter()
            proc = ctx.Process(target=int, daemon=True)
            proc.start()
            proc.join()
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    print("where a sandboxed parse's time goes (median ms per form over 50 distinct forms):")
    print(f"  A fork and join a child that does nothing                        {noop_fork():6.1f}")
    print(f"  B parse_isolated, parent as `lagesbild poll` leaves it (production) {median_ms(parse_isolated):6.1f}")
    import parsers.sniff  # noqa: F401 - what a child imports on its first parse
    import parsers.text  # noqa: F401
    print(f"  C   the parent had imported parsers.text and parsers.sniff         {median_ms(parse_isolated):6.1f}")
    parse_bytes(docs[-1], "form.docx", form, limits)
    print(f"  D   the parent had parsed one form in process (warm caches)       {median_ms(parse_isolated):6.1f}")
    gc.freeze()
    print(f"  E   as D, and gc.freeze() before forking                          {median_ms(parse_isolated):6.1f}")
    print(f"  F parse_bytes in process (warm)                                  {median_ms(parse_bytes):6.1f}")
    stop = threading.Event()
    threading.Thread(target=stop.wait, daemon=True).start()  # as in `lagesbild run`: another thread runs
    parse_isolated(docs[0], "form.docx", form, limits)  # starts the fork server
    print(f"  G parse_isolated with another thread running (fork server path) {median_ms(parse_isolated):6.1f}")
    stop.set()


def run_sandbox_breakdown(county: str) -> None:
    proc = subprocess.run([sys.executable, __file__, "sandbox", county], capture_output=True, text=True)
    print(proc.stdout, end="")
    if proc.returncode != 0:
        print(f"(sandbox breakdown failed: {proc.stderr[-2000:]})")


MODES = (("isolated", "poll_once, parse in forked child"), ("inprocess", "poll_once, parse in process"))


def bench_maildir(messages: list[tuple[str, bytes, datetime]], work: Path, county: str) -> None:
    from ingest.maildir import MaildirSource
    from ingest.open import configured_folders

    n = len(messages)
    pristine = make_maildir(work / "pristine")
    for name, raw, received in messages:
        deliver(pristine, raw, name, received)

    def fresh(label: str) -> Path:
        box = make_maildir(work / label)
        for name in os.listdir(pristine / "new"):  # hard links: same bytes and delivery time, cheap
            os.link(pristine / "new" / name, box / "new" / name)
        return box

    print(f"Maildir ({n} messages, {sum(len(r) for _, r, _ in messages) / n / 1024:.0f} kB each on average)")
    box = fresh("base")
    data = county_data(county, source=f"maildir:{box}", store_url="sqlite:////nonexistent", outbox="file:/x")
    source = MaildirSource(box, configured_folders(county_config(data, work).mailbox))
    with Stopwatch() as t:
        total = sum(len(m.raw) for m in source.fetch(source.list_refs()))
    assert total == sum(len(r) for _, r, _ in messages)
    base = t.seconds
    row("baseline: list + read", n, t.seconds, t.cpu, None)
    for mode, label in MODES:
        seconds, cpu, note = run_cycle(f"maildir:{fresh(mode)}", work / f"maildir-{mode}.db", mode, county, n)
        row(label, n, seconds, cpu, base, note)


def bench_imap(messages: list[tuple[str, bytes, datetime]], work: Path, county: str) -> None:
    from imapclient import IMAPClient

    from ingest.imap import ImapSource
    from tests.support import dovecot

    if not dovecot.available():
        print("IMAP: Dovecot is not installed; skipped")
        return
    n = len(messages)
    with dovecot.running_dovecot(tls=False) as server:
        admin: IMAPClient = server.client()
        print(f"IMAP (Dovecot {server.url()}, {n} messages)")
        for i, folder in enumerate(("Base", *(mode for mode, _ in MODES))):
            admin.create_folder(folder)
            with Stopwatch() as t:
                for _, raw, received in messages:
                    admin.append(folder, raw, msg_time=received)
            if i == 0:
                row("(load: IMAP APPEND)", n, t.seconds, t.cpu, None)
        admin.logout()
        data = county_data(county, source=server.url("Base"), store_url="sqlite:////nonexistent", outbox="file:/x",
                           mailbox={"allow_plaintext_loopback": True})
        config = county_config(data, work)
        src = ImapSource(replace(config.mailbox, password=server.password))
        with Stopwatch() as t:
            total = sum(len(m.raw) for m in src.fetch(src.list_refs()))
        src.close()
        base = t.seconds
        row("baseline: UID SEARCH + FETCH", n, t.seconds, t.cpu, None)
        if total < sum(len(r) for _, r, _ in messages):
            raise SystemExit("IMAP FETCH returned fewer bytes than were appended")
        for mode, label in MODES:
            seconds, cpu, note = run_cycle(server.url(mode), work / f"imap-{mode}.db", mode, county, n,
                                           env={"BENCH_IMAP_PASSWORD": server.password})
            row(label, n, seconds, cpu, base, note)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--messages", type=int, default=2000, help="messages per run (default 2000)")
    args.add_argument("--county", default="14", help="county code whose municipalities send (default 14)")
    args.add_argument("--no-maildir", action="store_true")
    args.add_argument("--no-imap", action="store_true")
    args.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    if sys.argv[1:2] == ["sandbox"]:
        sandbox_breakdown(sys.argv[2])
        return
    if sys.argv[1:2] == ["cycle"]:
        source_url, db, mode, county, expected = sys.argv[2:7]
        cycle(source_url, db, mode, county, int(expected))
        return
    opts = args.parse_args()

    print(f"machine: {machine_note()}")
    work = opts.keep or Path(tempfile.mkdtemp(prefix="lagesbild-bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        start = time.perf_counter()
        messages = build_messages(opts.messages, opts.county)
        print(f"built {len(messages)} mails in {time.perf_counter() - start:.1f} s")
        if not opts.no_maildir:
            bench_maildir(messages, work, opts.county)
        if not opts.no_imap:
            bench_imap(messages, work, opts.county)
        run_sandbox_breakdown(opts.county)
        print("ratio: time against the baseline of the same source (how many times slower than just reading)")
    finally:
        if opts.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
