"""A national backfill: 290 municipalities × 10 years of monthly forms, ingested and reprocessed.

The country is 21 county configurations sharing one database (the
configuration ties every municipality to its `[county] code`, so there is no
single national one; see bench/common.py). Each county gets a Maildir with
one mail per municipality and month (120 months ending 2026-10: 34,800
mails), delivered with realistic delivery times (the file's mtime is the
received time: the last ten days of the month, one in eight a few days
late). The forms are relabelled copies of 300 distinct filled-in forms
(bench/common.py, FormFactory).

Then the production commands run, one process per county, `--jobs` at a
time (one worker per county, as deployed; default 2 = this machine's cores):

  1. ingest:    lagesbild poll --once --json --config COUNTY.toml --now 2026-11-20T12:00
  2. reprocess: lagesbild reprocess --config COUNTY.toml --now 2026-11-21T12:00

(Ingest files every mail; only October's are answered: the rest are older
than `[outbox] max_reply_age_days`, as an archive loaded at the first start.)

and the benchmark prints each phase's wall time, CPU time, messages per
second, the peak resident memory of any one process (VmHWM, sampled every
0.25 s; ru_maxrss from wait4 is printed too, but a command inherits its
launcher's peak in it: see common.TreeMemory) and the peak summed PSS of all
the commands' processes (the benchmark itself not counted). Baselines measured in the
same run: reading every mail file of the Maildirs (ingest) and reading every
stored message's bytes from the database in one query (reprocess).

`--scale 0.1` keeps every municipality but only the last 12 months (a
tenth of the mail) and prints the figures extrapolated linearly to the full
120 months, saying so.

    python bench/backfill.py [--scale 1.0] [--jobs 2] [--postgres] [--counties 14,20] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
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
from measure import Stopwatch, TreeMemory, machine_note, speed_probe  # noqa: E402

from parsers.result import Period  # noqa: E402

LAST = Period(2026, 10)
FULL_MONTHS = 120
INGEST_NOW = "2026-11-20T12:00"
REPROCESS_NOW = "2026-11-21T12:00"
TARGET_SECONDS = 300
TARGET_MB = 500
TARGET_REPROCESS_RATE = 200

_FACTORY: FormFactory | None = None  # built once before the generating processes fork


@dataclass
class Phase:
    """What one phase (all counties) took."""

    name: str
    wall: float = 0.0
    cpu: float = 0.0
    maxrss_mb: float = 0.0  # ru_maxrss from wait4 (inflated: see common.TreeMemory)
    largest_mb: float = 0.0  # the largest VmHWM sampled: the peak RSS of any one process
    tree_pss_mb: float = 0.0
    tree_rss_mb: float = 0.0
    machine: float = 0.0  # cores the whole machine kept busy (other work included)
    per_county: dict[str, dict[str, Any]] = field(default_factory=dict)


def generate_county(args: tuple[str, Path, int, int]) -> tuple[str, int, int]:
    """Deliver one mail per municipality and month into the county's Maildir; (code, mails, bytes)."""
    code, maildir, month_count, offset = args
    assert _FACTORY is not None
    members = counties()[code]
    count = size = 0
    for period in months(LAST, month_count):
        for m in members:
            i = offset + count
            raw = form_mail(_FACTORY, m.name, period, i)
            deliver(maildir, raw, f"{1700000000 + i}.M{i}P{code}.bench", received_for(period, i))
            count += 1
            size += len(raw)
    return code, count, size


def write_configs(work: Path, codes: list[str], store_url: str, readers: int = 0) -> dict[str, Path]:
    """One configuration file, Maildir and outbox folder per county; all share `store_url`.
    `readers`: `[parsing] readers` of each (0: one per core)."""
    paths = {}
    for code in codes:
        folder = work / code
        make_maildir(folder / "Maildir")
        data = county_data(code, source=f"maildir:{folder / 'Maildir'}", store_url=store_url,
                           outbox=f"file:{folder / 'outbox'}")
        data["parsing"] = {"readers": readers}
        county_config(data, folder)  # validate before any command runs
        path = folder / "config.toml"
        path.write_text(toml_text(data), encoding="utf-8")
        paths[code] = path
    return paths


def run_phase(name: str, configs: dict[str, Path], argv: list[str], jobs: int, env: dict[str, str]) -> Phase:
    """`lagesbild ARGV --config C` for every county, `jobs` at a time, biggest county first.

    Output goes to a log file beside each configuration (a pipe could fill and stall the command)."""
    phase = Phase(name)
    sizes = {code: len(counties()[code]) for code in configs}
    todo = sorted(configs, key=lambda c: -sizes[c])
    running: dict[int, tuple[str, subprocess.Popen[str], float]] = {}
    with TreeMemory(include_root=False) as mem, Stopwatch() as total:
        while todo or running:
            while todo and len(running) < jobs:
                code = todo.pop(0)
                command = [str(LAGESBILD), *argv, "--config", str(configs[code])]
                log = configs[code].parent / f"{argv[0]}.log"
                with open(log, "w", encoding="utf-8") as out:
                    proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, text=True, env=env)
                running[proc.pid] = (code, proc, time.perf_counter())
            pid, status, usage = os.wait4(-1, 0)
            if pid not in running:
                continue
            code, proc, started = running.pop(pid)
            proc.returncode = os.waitstatus_to_exitcode(status)
            output = (configs[code].parent / f"{argv[0]}.log").read_text(encoding="utf-8")
            if proc.returncode != 0:
                raise SystemExit(f"{name} for county {code} failed ({proc.returncode}):\n{output[-3000:]}")
            phase.per_county[code] = {"wall": time.perf_counter() - started, "output": output.strip(),
                                      "cpu": usage.ru_utime + usage.ru_stime, "maxrss_mb": usage.ru_maxrss / 1024}
            phase.cpu += usage.ru_utime + usage.ru_stime
            phase.maxrss_mb = max(phase.maxrss_mb, usage.ru_maxrss / 1024)
    phase.wall, phase.machine = total.seconds, total.machine
    phase.tree_pss_mb, phase.tree_rss_mb = mem.peak_pss_kb / 1024, mem.peak_rss_kb / 1024
    phase.largest_mb = mem.largest_kb / 1024
    return phase


def read_maildirs(work: Path, codes: list[str]) -> tuple[float, int]:
    """Baseline for ingest: read every mail file once (seconds, bytes)."""
    start, total = time.perf_counter(), 0
    for code in codes:
        new = work / code / "Maildir" / "new"
        for entry in os.scandir(new):
            with open(entry.path, "rb") as fh:
                total += len(fh.read())
    return time.perf_counter() - start, total


def read_store(url: str) -> tuple[float, int, int]:
    """Baseline for reprocess: every stored message's bytes in one streamed query (seconds, rows, bytes)."""
    from sqlalchemy import text

    from store.db import make_engine

    engine = make_engine(url)
    start, rows, total = time.perf_counter(), 0, 0
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=200).execute(
            text("SELECT raw FROM raw_message_body"))
        for (raw,) in result:
            rows += 1
            total += len(raw)
    engine.dispose()
    return time.perf_counter() - start, rows, total


def store_size(url: str, work: Path) -> str:
    if url.startswith("sqlite"):
        db = Path(url.split("///", 1)[1])
        size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
        return f"{size / 1024 ** 2:.0f} MB (SQLite file and WAL)"
    from sqlalchemy import text

    from store.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        total = conn.execute(text(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'")).scalar()
    engine.dispose()
    return f"{int(total or 0) / 1024 ** 2:.0f} MB (PostgreSQL tables of the schema)"


def print_phase(phase: Phase, messages: int, baseline: float, factor: float) -> None:
    rate = messages / phase.wall
    print(f"{phase.name}: {messages} messages in {phase.wall:.1f} s = {rate:.1f} msg/s "
          f"({1000 * phase.wall / messages:.1f} ms each); CPU {phase.cpu:.0f} s "
          f"({phase.cpu / phase.wall:.2f} cores; machine {phase.machine:.2f} cores busy); "
          f"ratio to baseline {phase.wall / baseline:.0f}x "
          f"(baseline {baseline:.2f} s)")
    print(f"  peak memory: largest process {phase.largest_mb:.0f} MB (VmHWM); all processes together "
          f"{phase.tree_pss_mb:.0f} MB PSS / {phase.tree_rss_mb:.0f} MB RSS; ru_maxrss {phase.maxrss_mb:.0f} MB "
          "(includes the launcher's peak)")
    slowest = sorted(phase.per_county.items(), key=lambda kv: -kv[1]["wall"])[:3]
    print("  slowest counties: " + "; ".join(
        f"{code} {v['wall']:.1f} s" for code, v in slowest))
    if factor != 1:
        print(f"  extrapolated to 120 months (x{factor:.1f}, linear): {phase.wall * factor:.0f} s")


def main() -> None:
    global _FACTORY
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--scale", type=float, default=1.0, help="share of the 120 months (0.1: the last 12)")
    args.add_argument("--jobs", type=int, default=2, help="counties processed at once (default 2)")
    args.add_argument("--postgres", action="store_true", help="store in PostgreSQL (a fresh schema) not SQLite")
    args.add_argument("--counties", help="comma-separated county codes (default: all 21)")
    args.add_argument("--variants", type=int, default=300, help="distinct forms to relabel (default 300)")
    args.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    opts = args.parse_args()

    codes = sorted(counties()) if not opts.counties else [c.strip() for c in opts.counties.split(",")]
    month_count = max(1, round(FULL_MONTHS * opts.scale))
    factor = FULL_MONTHS / month_count
    work = opts.keep or Path(tempfile.mkdtemp(prefix="lagesbild-bench-backfill-"))
    work.mkdir(parents=True, exist_ok=True)
    drop = None
    if opts.postgres:
        from tests.support import postgres

        url, drop = postgres.fresh_schema("lbbench")
    else:
        url = f"sqlite:///{work / 'lagesbild.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAGESBILD_")}
    print(f"machine: {machine_note()}")
    probe_start = speed_probe()
    print(f"store: {url.split('?')[0]}; counties: {len(codes)}; municipalities: "
          f"{sum(len(counties()[c]) for c in codes)}; months: {month_count} (scale {opts.scale:g}); jobs: {opts.jobs}; "
          f"readers per job: {max(1, multiprocessing.cpu_count() // max(1, opts.jobs))}")
    try:
        # Each county's worker reads forms on `readers` cores; with several workers at once they share
        # the machine's cores (as an operator would set [parsing] readers on a shared machine).
        readers = max(1, multiprocessing.cpu_count() // max(1, opts.jobs))
        configs = write_configs(work, codes, url, readers)
        start = time.perf_counter()
        _FACTORY = FormFactory(opts.variants)
        print(f"built {len(_FACTORY)} distinct forms in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        offsets, offset = [], 0
        for code in codes:
            offsets.append(offset)
            offset += len(counties()[code]) * month_count
        with multiprocessing.get_context("fork").Pool(max(1, opts.jobs)) as pool:
            made = pool.map(generate_county, [(c, work / c / "Maildir", month_count, o)
                                              for c, o in zip(codes, offsets, strict=True)])
        messages = sum(n for _, n, _ in made)
        print(f"generated {messages} mails ({sum(s for _, _, s in made) / 1024 ** 2:.0f} MB) in "
              f"{time.perf_counter() - start:.0f} s (not part of the figures)")

        from lagesbild.config import load_config
        from lagesbild.runtime import open_store

        open_store(load_config(configs[codes[0]])).dispose()  # migrate once, before the workers start
        maildir_seconds, _ = read_maildirs(work, codes)

        ingest = run_phase("ingest (poll --once)", configs, ["poll", "--once", "--json", "--now", INGEST_NOW],
                           opts.jobs, env)
        stored = 0
        for code, v in ingest.per_county.items():
            result = json.loads(v["output"].splitlines()[-1])
            outcomes = result["outcomes"]
            stored += outcomes.get("stored", 0)
            if set(outcomes) != {"stored"} or result["failed"]:
                raise SystemExit(f"county {code}: expected only stored messages, got {result}")
        if stored != messages:
            raise SystemExit(f"stored {stored} of {messages} messages")
        print_phase(ingest, messages, maildir_seconds, factor)

        store_seconds, rows, _ = read_store(url)
        reprocess = run_phase("reprocess", configs, ["reprocess", "--now", REPROCESS_NOW], opts.jobs, env)
        reread = 0
        for code, v in reprocess.per_county.items():
            m = re.search(r"(\d+) messages: (\d+) new versions, (\d+) newly filed, (\d+) unchanged", v["output"])
            if m is None:
                raise SystemExit(f"county {code}: unexpected reprocess output {v['output']!r}")
            reread += int(m.group(1))
            if int(m.group(2)) or int(m.group(3)):
                raise SystemExit(f"county {code}: the same parsers changed a reading: {v['output']}")
        if reread != messages or rows != messages:
            raise SystemExit(f"reprocessed {reread}, stored rows {rows}, expected {messages}")
        print_phase(reprocess, messages, store_seconds, factor)
        print(f"store: {store_size(url, work)}")

        total = ingest.wall + reprocess.wall
        peak = max(ingest.largest_mb, reprocess.largest_mb)
        tree = max(ingest.tree_pss_mb, reprocess.tree_pss_mb)
        scaled = "" if factor == 1 else f" (measured {total:.0f} s at scale {opts.scale:g}; linear extrapolation)"
        print(f"backfill total: {total * factor:.0f} s for {round(messages * factor)} messages{scaled}; "
              f"target < {TARGET_SECONDS} s: {'met' if total * factor < TARGET_SECONDS else 'MISSED'}")
        print(f"peak memory: largest process {peak:.0f} MB, whole tree {tree:.0f} MB PSS; "
              f"target < {TARGET_MB} MB: {'met' if max(peak, tree) < TARGET_MB else 'MISSED'} (at this scale)")
        print(f"speed probe (a fixed Python loop, best of 3; larger is a slower machine): {probe_start:.3f} s "
              f"before the run, {speed_probe():.3f} s after")
        rate = messages / reprocess.wall
        print(f"reprocess: {rate:.1f} forms/s; target >= {TARGET_REPROCESS_RATE}: "
              f"{'met' if rate >= TARGET_REPROCESS_RATE else 'MISSED'}")
    finally:
        if drop is not None and opts.keep is None:
            drop()
        if opts.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
