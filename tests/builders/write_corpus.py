"""Write the fixture corpus to a folder, for `lagesbild parse DIR` demos and benchmarks.

    python -m tests.builders.write_corpus OUTDIR [--copies N] [--seed S] [--no-libreoffice]

Writes every case under its own file name plus `expected.jsonl` (one line per
file: the expected parse result in the `lagesbild parse --json` shape, the
issues that must be reported, and the fields that must stay clean). With
`--copies N`, also N deterministic variants of every case with other answers,
municipalities and months (files named `vNNN_<case>.<ext>`). LibreOffice
cases are included when `soffice` is installed (converted in one batch).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tests.builders.cases import CASES, SPECS, Case, variant_cases
from tests.builders.other_builder import ConversionError, convert_many, libreoffice_available


def _record(case: Case) -> dict[str, object]:
    spec = next((s for s in SPECS if s.name == case.name.split("__")[0]), None)
    return {
        "file": case.filename,
        "case": case.name,
        "builder": spec.fmt if spec else "",
        "layout": spec.layout if spec else "",
        "needs_libreoffice": case.needs_libreoffice,
        "note": case.note,
        **case.expected.to_json(),
    }


def write_corpus(outdir: Path, copies: int = 0, seed: int = 2026,
                 libreoffice: bool = True) -> tuple[int, int]:
    """Write the corpus; returns (files written, LibreOffice cases skipped)."""
    cases = list(CASES) + (variant_cases(copies, seed) if copies > 0 else [])
    use_lo = libreoffice and libreoffice_available()
    if use_lo:
        try:
            convert_many([c.conversion() for c in cases if c.conversion is not None])
        except ConversionError as exc:
            print(f"LibreOffice conversion failed, skipping those cases: {exc}", file=sys.stderr)
            use_lo = False
    outdir.mkdir(parents=True, exist_ok=True)
    written = skipped = 0
    seen: set[str] = set()
    with (outdir / "expected.jsonl").open("w", encoding="utf-8") as jsonl:
        for case in cases:
            if case.needs_libreoffice and not use_lo:
                skipped += 1
                continue
            if case.filename in seen:
                raise ValueError(f"two cases write {case.filename}")
            seen.add(case.filename)
            (outdir / case.filename).write_bytes(case.build())
            jsonl.write(json.dumps(_record(case), ensure_ascii=False) + "\n")
            written += 1
    return written, skipped


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m tests.builders.write_corpus",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--copies", type=int, default=0,
                        help="variants per case with other answers (benchmark corpus)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-libreoffice", action="store_true",
                        help="skip the cases that need LibreOffice")
    args = parser.parse_args(argv)
    if args.copies < 0:
        parser.error("--copies must be 0 or more")
    start = time.monotonic()
    written, skipped = write_corpus(args.outdir, args.copies, args.seed, not args.no_libreoffice)
    note = f", {skipped} LibreOffice cases skipped" if skipped else ""
    print(f"wrote {written} files and expected.jsonl to {args.outdir}{note} "
          f"({time.monotonic() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
