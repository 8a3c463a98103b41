"""Running the parser over many variants: build in parallel, convert in batches, parse in parallel.

`python -m tests.variants [--seed N] [--limit N] [--out DIR] [--jobs N] [--sample N]`
(what `./run variants` calls) prints the report of report.py and writes the
failing files with a JSON beside each to --out.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

from tests.variants.axes import Variant, product, sample
from tests.variants.build import Built, Evaluated, build_source, convert, evaluate


def run(variants: list[Variant], seed: int = 0, jobs: int = 0, keep_data: bool = False) -> list[Evaluated]:
    """Build, convert and parse every variant; the results in the variants' order."""
    jobs = jobs or max(1, os.cpu_count() or 1)
    if jobs == 1:
        built = [build_source(v, seed) for v in variants]
        built = convert(built, parallel=1)
        return [evaluate(b, keep_data) for b in built]
    with ProcessPoolExecutor(jobs) as pool:
        built = list(pool.map(partial(build_source, seed=seed), variants, chunksize=8))
        built = convert(built, parallel=jobs)
        return list(pool.map(partial(evaluate, keep_data=keep_data), built, chunksize=4))


def select(seed: int, limit: int = 0, size: int = 0, replicates: int = 2) -> list[Variant]:
    """The product for a seed; `size` a pairwise-covering sample of it; `limit` its first N."""
    variants = product(seed, replicates)
    if size:
        variants = sample(variants, size, seed)
    return variants[:limit] if limit else variants


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="./run variants", description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0, help="the seed of the product (default 0)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N variants")
    ap.add_argument("--sample", type=int, default=0, help="a pairwise-covering sample of N variants")
    ap.add_argument("--replicates", type=int, default=2, help="copies of the primary product (default 2)")
    ap.add_argument("--out", type=Path, default=Path("tests/variants/out"),
                    help="where failing files go (default tests/variants/out)")
    ap.add_argument("--jobs", type=int, default=0, help="worker processes (default: one per core)")
    ap.add_argument("--pairs", type=int, default=40, help="rows of the pair table")
    args = ap.parse_args(argv)
    start = time.monotonic()
    variants = select(args.seed, args.limit, args.sample, args.replicates)
    print(f"{len(variants)} variants (seed {args.seed})", file=sys.stderr, flush=True)
    evs = run(variants, args.seed, args.jobs)
    from tests.variants.report import render, write_failures

    n = write_failures(evs, args.out)
    print(render(evs, args.out, pairs=args.pairs, seconds=time.monotonic() - start))
    print(f"\n{n} failing forms written to {args.out}/ (the file and a .json of truth, reading and issues)")
    return 0


__all__ = ["Built", "main", "run", "select"]
