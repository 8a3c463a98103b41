"""`lagesbild sources --backfill` on a county's history: sources given back, and sheets given their cells.

One county (Dalarna, 15 municipalities) in a SQLite store, filled by the
production intake (`lagesbild poll --once`) from a Maildir of N Word forms
(bench/common.py's FormFactory, N/15 months ending 2024-10) and N
spreadsheets (a grid of the questions, no named fields, so each value's
source names its sheet and cell; N/15 months ending 2026-10). Then, each
timed as one process of the console script with its largest peak RSS
(VmHWM, bench/measure.py's TreeMemory):

  1. sources:  the Word versions' sources set to NULL, as filed before
               migration 0007 -> sources --backfill, then again (nothing to do);
  2. cells:    the spreadsheet values' sources cut to the sheet alone
               ('blad "Lägesbild"', as stored before 64f46c6) -> sources
               --backfill, then again (nothing to do).

Each run's lines (what it did) are printed with its wall time, CPU time (the
command and its reader processes) and largest process; the CPU time is the
figure to compare on a shared machine, whose load moves the wall time. With
PYTHONPATH=DIR (a `git archive` of another commit) the commands run that code.

    python bench/sources_backfill.py [--versions 300] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    LAGESBILD,
    FormFactory,
    counties,
    county_data,
    deliver,
    domain_of,
    form_mail,
    make_maildir,
    months,
    received_for,
    toml_text,
)
from measure import TreeMemory, machine_note  # noqa: E402

from parsers.result import Period  # noqa: E402
from tests.builders import Entry, Filled, muni, period  # noqa: E402
from tests.builders.mail import XLSX_TYPE, build_mail  # noqa: E402
from tests.builders.xlsx_builder import build_xlsx  # noqa: E402

CODE = "20"  # Dalarna


def sheet_mail(municipality: str, when: Period, i: int) -> bytes:
    """A municipality's report as a plain spreadsheet, its answers varied by `i`."""
    entries = tuple(Entry(q, typed=str((q + i) % 5 + 1) if q < 7 else None,
                          comment=(f"{municipality} {when}: läget för fråga {q}, variant {i % 7}.",))
                    for q in range(1, 8))
    data = build_xlsx(Filled(entries, muni(municipality), period(when.year, when.month)))
    return build_mail(f"samordnare@{domain_of(municipality)}", f"Lägesbild {when}", "Hej!",
                      [(f"Lägesbild {when} {municipality}.xlsx", data, XLSX_TYPE)],
                      message_id=f"<bench-sheet-{i}@{domain_of(municipality)}>")


def fill(work: Path, versions: int) -> Path:
    """The county's configuration, Maildir and store, every mail filed by `poll --once`."""
    maildir = make_maildir(work / "Maildir")
    members = [m.name for m in counties()[CODE]]
    count = -(-versions // len(members))
    factory = FormFactory(variants=20)
    i = 0
    for last, sheets in ((Period(2024, 10), False), (Period(2026, 10), True)):
        reports = [(when, name) for when in months(last, count) for name in members][:versions]
        for when, name in reports:
            raw = sheet_mail(name, when, i) if sheets else form_mail(factory, name, when, i)
            deliver(maildir, raw, f"{i:06d}.M{i}P1.bench", received_for(when, i))
            i += 1
    config = work / "config.toml"
    config.write_text(toml_text(county_data(CODE, source=f"maildir:{maildir}", store_url=f"sqlite:///{work}/lb.db",
                                            outbox=f"file:{work}/outbox")), encoding="utf-8")
    done = subprocess.run([str(LAGESBILD), "poll", "--once", "--json", "--config", str(config),
                           "--now", "2026-11-20T12:00"], capture_output=True, text=True, check=True)
    print(f"filed: {json.loads(done.stdout.splitlines()[-1]).get('outcomes')}")
    return config


def timed(config: Path, label: str) -> None:
    """One `sources --backfill`: wall time, CPU time (the command and its reader processes), largest VmHWM."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with TreeMemory(include_root=False) as mem:
        start = time.perf_counter()
        done = subprocess.run([str(LAGESBILD), "sources", "--backfill", "--config", str(config),
                               "--now", "2026-11-21T12:00"], capture_output=True, text=True)
        seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(f"{label}: {seconds:.2f} s ({cpu:.2f} s CPU), largest process {mem.largest_kb / 1024:.0f} MB, "
          f"exit {done.returncode}")
    for line in done.stdout.splitlines():
        print(f"    {line}")


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    args.add_argument("--versions", type=int, default=300, help="Word versions, and as many spreadsheet ones")
    args.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    opts = args.parse_args()
    work = opts.keep or Path(tempfile.mkdtemp(prefix="lagesbild-bench-sources-"))
    work.mkdir(parents=True, exist_ok=True)
    print(machine_note())
    config = fill(work, opts.versions)
    db = sqlite3.connect(work / "lb.db")
    with db:
        db.execute("UPDATE answer SET impact_source = NULL, comment_source = NULL WHERE submission_id IN "
                   "(SELECT id FROM submission WHERE filename LIKE '%.docx')")
    timed(config, "sources, first run")
    timed(config, "sources, second run")
    with db:
        for column in ("impact_source", "comment_source"):
            # '{"place":"blad \"Lägesbild\", cell C8",…' -> '{"place":"blad \"Lägesbild\"",…'
            db.execute(f"UPDATE answer SET {column} = substr({column}, 1, instr({column}, ', ') - 1) || "
                       f"substr({column}, instr({column}, '\",\"text\":')) "
                       f"WHERE {column} LIKE '{{\"place\":\"blad %, cell %' "
                       f"OR {column} LIKE '{{\"place\":\"blad %, rad %'")
    cut = db.execute("SELECT count(*) FROM answer WHERE impact_source LIKE '%\\\"\",\"text\":%' "
                     "OR comment_source LIKE '%\\\"\",\"text\":%'").fetchone()[0]
    print(f"answers with a sheet source cut to the sheet alone: {cut}")
    timed(config, "cells, first run")
    timed(config, "cells, second run")
    db.close()


if __name__ == "__main__":
    main()
