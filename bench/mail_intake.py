"""Ingest throughput: messages per second from a Maildir and from a local Dovecot.

Builds N mails (default 2,000), each a municipality's monthly .docx form
(the municipalities of one county, default Västra Götaland's 49, over as
many months as needed; see bench/common.py for how the forms are made),
and runs one ingest cycle over them on a fresh SQLite database, each in a
fresh process:

  * production: `lagesbild poll --once` itself (each attachment parsed in a
    forked, capped child: flow.sandbox; then the outbox is sent to a
    file transport);
  * comparison: `flow.pipeline.poll_once` with the parse in process
    (`parsers.parse_bytes`).

The baseline, measured in the same run on the same messages, is the mailbox
alone: for the Maildir, listing it and reading every file
(MaildirSource.list_refs and fetch); for IMAP, UID SEARCH and UID FETCH
BODY.PEEK[] of every message in batches (ImapSource). The messages are
loaded into Dovecot with IMAP APPEND (its rate is printed too).

Last, it breaks reading one form under the caps down (a fresh process, 50
distinct forms per line): forking alone; a fresh forked child per file (the
sandbox before the reader pool, for before/after); one long-lived reader;
the parse in process (the floor); all readers with a batch submitted; and
the fork-server path that `lagesbild run` takes because it has other threads.

    python bench/mail_intake.py [--messages 2000] [--county 14] [--no-imap] [--no-maildir] [--keep DIR]
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
    LAGESBILD,
    FormFactory,
    counties,
    county_config,
    county_data,
    deliver,
    form_mail,
    make_maildir,
    months,
    received_for,
    toml_text,
)
from measure import Stopwatch, TreeMemory, machine_note  # noqa: E402

from flow.pipeline import poll_once  # noqa: E402
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


def cycle(config_path: str) -> None:
    """`mail_intake.py cycle CONFIG`: poll_once, the parse in process, in this fresh process; prints the outcomes."""
    from lagesbild.config import load_config
    from lagesbild.runtime import open_mailbox

    config = load_config(config_path)
    source = open_mailbox(config)
    engine = make_engine(config.store.url)
    migrate(engine)
    report = poll_once(source, engine, config, NOW, parse=parse_bytes)
    source.close()
    print(json.dumps({"outcomes": dict(report.outcomes), "failed": report.failed, "failures": report.failures[:3]}))


def run_cycle(source_url: str, work: Path, mode: str, county: str, n: int, env: dict[str, str] | None = None,
              ) -> tuple[float, float, str]:
    """One ingest cycle in a fresh process on a fresh database; (seconds, cpu, note).

    "isolated" is the production command itself, `lagesbild poll --once` (the parse in a forked child;
    how fast that is depends on the state of the parent, so it is not imitated); "inprocess" is
    poll_once with `parse_bytes` (`mail_intake.py cycle`). Time and CPU are the process's and its children's
    as wait4 reports them (the time includes starting Python, about a second); the peak RSS is the
    largest VmHWM sampled in the process tree (see common.TreeMemory for why not ru_maxrss)."""
    name = f"{source_url.split(':', 1)[0]}-{mode}"
    data = county_data(county, source=source_url, store_url=f"sqlite:///{work / (name + '.db')}",
                       outbox=f"file:{work / (name + '-outbox')}",
                       mailbox={"allow_plaintext_loopback": True, "password_env": "BENCH_IMAP_PASSWORD"})
    county_config(data, work)
    config = work / f"{name}.toml"
    config.write_text(toml_text(data), encoding="utf-8")
    if mode == "isolated":
        command = [str(LAGESBILD), "poll", "--once", "--json", "--config", str(config), "--now", NOW.isoformat()]
    else:
        command = [sys.executable, __file__, "cycle", str(config)]
    environ = {**{k: v for k, v in os.environ.items() if not k.startswith("LAGESBILD_")}, **(env or {})}
    with open(work / f"{name}.log", "w", encoding="utf-8") as log, Stopwatch() as t:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environ)
        with TreeMemory(proc.pid) as mem:
            _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    out = (work / f"{name}.log").read_text(encoding="utf-8")
    if proc.returncode != 0:
        raise SystemExit(f"ingest cycle failed ({proc.returncode}): {out[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    if result["outcomes"].get("stored", 0) != n or result["failed"]:
        raise SystemExit(f"expected {n} stored messages, got {result}")
    note = (f"  peak RSS {mem.largest_kb / 1024:.0f} MB, tree PSS {mem.peak_pss_kb / 1024:.0f} MB; "
            f"machine busy {t.machine:.2f} cores")
    return t.seconds, usage.ru_utime + usage.ru_stime, note


def _fork_per_file(data: bytes, filename: str, form: Any, limits: Any) -> Any:
    """The sandbox as it was before the reader pool: a fresh forked, capped child for every file."""
    import multiprocessing
    import resource

    def child(conn: Any) -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        conn.send(parse_bytes(data, filename, form, limits))
        conn.close()

    ctx = multiprocessing.get_context("fork")
    parent, end = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=child, args=(end,), daemon=True)
    proc.start()
    end.close()
    result = parent.recv() if parent.poll(limits.seconds_per_file) else None
    proc.join()
    return result


def sandbox_breakdown(county: str) -> None:
    """`mail_intake.py sandbox`: what reading one form under the caps costs, in a fresh process set up as
    `lagesbild poll` is. Each line times 50 distinct forms (median ms per form, or wall ms per form
    for a batch)."""
    import multiprocessing
    import statistics
    import threading

    import flow.pipeline  # noqa: F401 - imported by the command line before it parses
    from flow.sandbox import ReaderPool, cpu_count
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

    def batch_ms(pool: ReaderPool) -> float:
        batch = next(batches)
        start = time.perf_counter()
        handles = [pool.submit(data, "form.docx", form, limits) for data in batch]
        for handle in handles:
            handle()
        return (time.perf_counter() - start) * 1000 / len(batch)

    def noop_fork() -> float:
        ctx, times = multiprocessing.get_context("fork"), []
        for _ in range(30):
            start = time.perf_counter()
            proc = ctx.Process(target=int, daemon=True)
            proc.start()
            proc.join()
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    def show(label: str, value: float) -> None:
        print(f"  {label:78}{value:7.1f}")

    print("what reading one form under the caps costs (ms per form, 50 distinct forms a line):")
    show("A fork and join a child that does nothing", noop_fork())
    show("B a forked, capped child per file (the sandbox before the reader pool)", median_ms(_fork_per_file))
    one = ReaderPool(limits.memory_bytes, workers=1)
    one.parse(docs[-1], "form.docx", form, limits)  # the reader is up
    show("C one long-lived reader, one file at a time (parse + hand-over)", median_ms(one.parse))
    one.close()
    show("D parse_bytes in process (no caps: the floor for C)", median_ms(parse_bytes))
    pool = ReaderPool(limits.memory_bytes)
    pool.parse(docs[-1], "form.docx", form, limits)
    show(f"E {pool.workers} readers, 50 files submitted at once (wall ms per file; `reprocess`)", batch_ms(pool))
    pool.close()
    # `lagesbild run` has other threads, so readers come from a fork server, whose children run the
    # main script again (multiprocessing's spawn preparation): make that the console script, as deployed.
    main = sys.modules["__main__"]
    main_file, main.__file__ = main.__file__, str(LAGESBILD)
    stop = threading.Event()
    threading.Thread(target=stop.wait, daemon=True).start()
    try:
        threaded = ReaderPool(limits.memory_bytes, workers=cpu_count())
        started = time.perf_counter()
        threaded.parse(docs[0], "form.docx", form, limits)  # starts the fork server and a reader
        print(f"  (starting the fork server and a reader with another thread running: "
              f"{(time.perf_counter() - started) * 1000:.0f} ms, once per worker)")
        show("F as C, with another thread running (readers from the fork server: `lagesbild run`)",
             median_ms(threaded.parse))
        threaded.close()
    finally:
        stop.set()
        main.__file__ = main_file


def run_sandbox_breakdown(county: str) -> None:
    proc = subprocess.run([sys.executable, __file__, "sandbox", county], capture_output=True, text=True)
    print(proc.stdout, end="")
    if proc.returncode != 0:
        print(f"(sandbox breakdown failed: {proc.stderr[-2000:]})")


MODES = (("isolated", "lagesbild poll --once (production)"), ("inprocess", "poll_once, parse in process"))


def bench_maildir(messages: list[tuple[str, bytes, datetime]], work: Path, county: str) -> None:
    from ingest.maildir import MaildirSource
    from ingest.settings import configured_folders

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
        seconds, cpu, note = run_cycle(f"maildir:{fresh(mode)}", work, mode, county, n)
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
            seconds, cpu, note = run_cycle(server.url(mode), work, mode, county, n,
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
        cycle(sys.argv[2])
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
