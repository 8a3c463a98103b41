"""Building the county workbook and the leadership digest for 290 municipalities × 10 years.

The national picture: one `CountyPicture` per year (2017–2026) holding all
290 municipalities, built with tests/builders/picture.py `make_picture`
(simulated reporting: late, missing, corrected and withheld reports; 2026
runs through October with November under way). For each year it times
`outputs.workbook.build_county_workbook` and `outputs.digest.build_digest`
(the digest for December, or October for 2026, with last year's picture for
the twelve-month history), then all ten together.

Baselines measured in the same run: for the workbook, writing the same
answers (one row per municipality, month and question) as one plain sheet
with openpyxl's write-only mode; for the digest, serialising every answer of
the two pictures it reads to JSON (touching all the data once).

With `--store DIR` (a folder kept by `bench/backfill.py --keep DIR`) it
also builds the pictures from that database the way the jobs do
(`flow.picture.build_picture` per county configuration) and times,
per year, the 21 county pictures, the 21 county workbooks
(`flow.jobs.workbook_file`), the 21 digests (`flow.jobs.make_digest`)
and one national workbook from the 21 pictures merged.

    python bench/county_outputs.py [--years 10] [--all-months] [--store DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project, tests/builders included
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Stopwatch, machine_note, maxrss_mb  # noqa: E402

from outputs.digest import build_digest  # noqa: E402
from outputs.picture import CountyPicture  # noqa: E402
from outputs.workbook import build_county_workbook  # noqa: E402
from parsers.result import Period  # noqa: E402

LAST_YEAR = 2026
TARGET_WORKBOOK_SECONDS = 15


def plain_workbook(picture: CountyPicture) -> bytes:
    """Baseline: every answer as one row of a write-only sheet (no styles, no other sheets)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append(["Kommun", "Månad", "Fråga", "Nivå", "Kommentar"])
    for (name, month), report in sorted(picture.reports.items()):
        for number, answer in sorted(report.answers.items()):
            ws.append([name, month, number, answer.impact, answer.comment])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def touch_all(*pictures: CountyPicture | None) -> int:
    """Baseline: every answer of the pictures serialised once."""
    size = 0
    for picture in pictures:
        if picture is None:
            continue
        size += len(json.dumps([[k[0], k[1], r.state.value, {n: [a.impact, a.comment] for n, a in r.answers.items()}]
                                for k, r in picture.reports.items()], ensure_ascii=False))
    return size


def digest_period(year: int) -> Period:
    return Period(year, 10 if year == LAST_YEAR else 12)


def bench_synthetic(years: list[int], all_months: bool) -> None:
    from tests.builders.picture import all_municipalities, make_picture

    names = all_municipalities()
    start = time.perf_counter()
    pictures: dict[int, CountyPicture] = {}
    for year in [years[0] - 1, *years]:
        last = year == LAST_YEAR
        pictures[year] = make_picture(year, names, seed=year, through_month=10 if last else 12, current_month=last,
                                      county_name="Sverige", county_code="00")
    answers = sum(len(r.answers) for r in pictures[years[-1]].reports.values())
    print(f"national pictures: {len(names)} municipalities, {len(years)} years ({answers} answers in "
          f"{years[-1]}), built in {time.perf_counter() - start:.1f} s (not part of the figures)")
    print(f"  {'year':6} {'workbook s':>10} {'size kB':>8} {'floor s':>8} {'ratio':>6}   {'digest s':>8} "
          f"{'floor s':>8} {'ratio':>6}")
    wb_times, dg_times = [], []
    for year in years:
        picture, previous = pictures[year], pictures[year - 1]
        with Stopwatch() as t:
            data = build_county_workbook(picture)
        with Stopwatch() as floor:
            plain_workbook(picture)
        with Stopwatch() as d:
            build_digest(picture, digest_period(year), previous=previous)
        with Stopwatch() as dfloor:
            touch_all(picture, previous)
        wb_times.append(t.seconds)
        dg_times.append(d.seconds)
        print(f"  {year:<6} {t.seconds:10.2f} {len(data) / 1024:8.0f} {floor.seconds:8.2f} "
              f"{t.seconds / floor.seconds:6.1f}   {d.seconds:8.2f} {dfloor.seconds:8.3f} "
              f"{d.seconds / dfloor.seconds:6.0f}")
    print(f"  all {len(years)} years: workbooks {sum(wb_times):.1f} s (median {statistics.median(wb_times):.2f} s, "
          f"max {max(wb_times):.2f} s per year; target < {TARGET_WORKBOOK_SECONDS} s per national workbook: "
          f"{'met' if max(wb_times) < TARGET_WORKBOOK_SECONDS else 'MISSED'}); digests {sum(dg_times):.1f} s "
          f"(median {statistics.median(dg_times):.2f} s)")
    if all_months:
        with Stopwatch() as t:
            for year in years:
                for month in range(1, 13 if year != LAST_YEAR else 11):
                    build_digest(pictures[year], Period(year, month), previous=pictures[year - 1])
        count = sum(12 if y != LAST_YEAR else 10 for y in years)
        print(f"  every monthly digest ({count}): {t.seconds:.1f} s, {t.seconds / count:.2f} s each")


def bench_store(store: Path, years: list[int]) -> None:
    from flow.jobs import make_digest, workbook_file
    from flow.picture import build_picture
    from lagesbild.config import load_config
    from store.db import make_engine

    configs = [load_config(p) for p in sorted(store.glob("*/config.toml"))]
    if not configs:
        raise SystemExit(f"{store}: no */config.toml (run bench/backfill.py --keep {store} first)")
    engine = make_engine(configs[0].store.url)
    now = datetime(2026, 11, 21, 12, tzinfo=UTC)
    print(f"from the database of {store} ({len(configs)} county configurations, "
          f"{sum(len(c.municipalities) for c in configs)} municipalities)")
    print(f"  {'year':6} {'pictures s':>10} {'reports':>8} {'workbooks s':>11} {'digests s':>9} {'national wb s':>13}")
    for year in years:
        with Stopwatch() as tp:
            pictures = [build_picture(engine, c, year, now) for c in configs]
        reports = sum(1 for p in pictures for r in p.reports.values() if r.reported)
        if reports == 0:
            continue  # the backfill did not reach this year (--scale)
        with Stopwatch() as tw:
            for c in configs:
                workbook_file(engine, c, year, now)
        with Stopwatch() as td:
            for c in configs:
                make_digest(engine, c, digest_period(year), now)
        national = _merge(pictures)
        with Stopwatch() as tn:
            build_county_workbook(national)
        print(f"  {year:<6} {tp.seconds:10.2f} {reports:8d} {tw.seconds:11.2f} {td.seconds:9.2f} {tn.seconds:13.2f}")
    print("  (workbooks and digests include building their pictures again, as the jobs do)")


def _merge(pictures: list[CountyPicture]) -> CountyPicture:
    reports: dict[Any, Any] = {}
    names: list[str] = []
    for p in pictures:
        reports.update(p.reports)
        names.extend(p.municipalities)
    return replace(pictures[0], county_name="Sverige", county_code="00", municipalities=tuple(names), groups=(),
                   reports=reports)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--years", type=int, default=10, help="years ending 2026 (default 10)")
    args.add_argument("--all-months", action="store_true", help="also build the digest of every month")
    args.add_argument("--store", type=Path, help="a folder kept by bench/backfill.py --keep: build from its database")
    opts = args.parse_args()
    years = list(range(LAST_YEAR - opts.years + 1, LAST_YEAR + 1))
    print(f"machine: {machine_note()}")
    bench_synthetic(years, opts.all_months)
    if opts.store:
        bench_store(opts.store, years)
    own, _ = maxrss_mb()
    print(f"peak memory of this process: {own:.0f} MB")


if __name__ == "__main__":
    main()
