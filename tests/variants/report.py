"""Figures over many judged variants: overall, per field, per axis value, per pair of values.

A field is *right* when its value is the truth (for a must-be-flagged field:
null or the value, with an issue on it). A *silent error* is a value other
than the truth with no issue on that field (a file-level error flags every
field). *Flagged*: wrong or null, but an issue says so. *Unflagged*: an
acceptable value whose required issue is missing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from tests.variants.axes import AXES
from tests.variants.build import Evaluated
from tests.variants.compare import CommentTruth, Outcome, shown


@dataclass
class Tally:
    """Counts of forms and field outcomes."""

    forms: int = 0
    failed_forms: int = 0
    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    errors: int = 0  # forms that could not be built or parsed

    def add(self, ev: Evaluated) -> None:
        self.forms += 1
        self.failed_forms += ev.failed
        self.errors += bool(ev.error)
        for f in ev.fields:
            self.counts[f.outcome] += 1

    @property
    def fields(self) -> int:
        return sum(self.counts.values())

    @property
    def right_pct(self) -> float:
        return 100.0 * self.counts[Outcome.RIGHT] / self.fields if self.fields else 0.0

    @property
    def silent(self) -> int:
        return self.counts[Outcome.SILENT]

    def row(self, label: str) -> str:
        c = self.counts
        return (f"{label:32s} {self.forms:6d} {self.fields:7d} {self.right_pct:7.2f} {self.silent:7d} "
                f"{c[Outcome.FLAGGED]:7d} {c[Outcome.UNFLAGGED]:7d} {self.errors:6d}")


HEAD = (f"{'':32s} {'forms':>6s} {'fields':>7s} {'right%':>7s} {'silent':>7s} {'flagged':>7s} {'unflag':>7s} "
        f"{'error':>6s}")


def overall(evs: Iterable[Evaluated]) -> Tally:
    t = Tally()
    for ev in evs:
        t.add(ev)
    return t


def per_axis(evs: list[Evaluated]) -> dict[str, dict[str, Tally]]:
    """axis -> value -> tally, values in the axis's own order."""
    out: dict[str, dict[str, Tally]] = {a: {v: Tally() for v in vals} for a, vals in AXES.items()}
    for ev in evs:
        for a, v in ev.variant.axes().items():
            out[a][v].add(ev)
    return {a: {v: t for v, t in d.items() if t.forms} for a, d in out.items()}


def per_field(evs: list[Evaluated]) -> dict[str, dict[Outcome, int]]:
    out: dict[str, dict[Outcome, int]] = defaultdict(lambda: dict.fromkeys(Outcome, 0))
    for ev in evs:
        for f in ev.fields:
            out[f.name][f.outcome] += 1
    return out


def per_pair(evs: list[Evaluated]) -> dict[tuple[str, str, str, str], Tally]:
    out: dict[tuple[str, str, str, str], Tally] = defaultdict(Tally)
    for ev in evs:
        items = list(ev.variant.axes().items())
        for (a, x), (b, y) in combinations(items, 2):
            out[(a, x, b, y)].add(ev)
    return out


def matrix(evs: list[Evaluated], rows: str, cols: str) -> list[str]:
    """A right% grid of two axes; a cell shows "right% /silent" ("." where the pair never occurs)."""
    cells: dict[tuple[str, str], Tally] = defaultdict(Tally)
    for ev in evs:
        ax = ev.variant.axes()
        cells[(ax[rows], ax[cols])].add(ev)
    col_values = [c for c in AXES[cols] if any((r, c) in cells for r in AXES[rows])]
    width = max(9, *(len(c) + 1 for c in col_values))
    corner = f"{rows}/{cols}"
    lines = [f"{corner:16s}" + "".join(f"{c[:width - 1]:>{width}s}" for c in col_values)]
    for r in AXES[rows]:
        if not any((r, c) in cells for c in col_values):
            continue
        row = f"{r:16s}"
        for c in col_values:
            t = cells.get((r, c))
            row += f"{'.':>{width}s}" if t is None else f"{f'{t.right_pct:.0f}/{t.silent}':>{width}s}"
        lines.append(row)
    return lines


def _path(ev: Evaluated, out: Path | None) -> str:
    return str(out / f"{ev.variant.name}.{ev.variant.ext}") if out else "(run with --out to keep the file)"


def silent_errors(evs: list[Evaluated], out: Path | None, limit: int = 30) -> list[str]:
    """The first `limit` silent errors, one block each."""
    lines: list[str] = []
    n = 0
    for ev in evs:
        for f in ev.fields:
            if f.outcome is not Outcome.SILENT:
                continue
            n += 1
            if n > limit:
                continue
            truth = ev.truth[f.name]
            lines += [f"{n:3d}. {ev.variant.name} {f.name}: {ev.variant.describe()}",
                      f"     expected {shown(truth.value)}{' (flagged)' if truth.flag else ''}",
                      f"     got      {shown(f.got)}",
                      f"     file     {_path(ev, out)}"]
    if n > limit:
        lines.append(f"... and {n - limit} more silent errors")
    return lines


def render(evs: list[Evaluated], out: Path | None, *, pairs: int = 40, seconds: float = 0.0) -> str:
    """The printable report."""
    total = overall(evs)
    lines = ["Variants of the Dalarna form: the parser on the product of the axes", "",
             HEAD, total.row("ALL"), ""]
    if seconds:
        lines.append(f"wall time {seconds:.0f} s")
    errored = [ev for ev in evs if ev.error]
    for ev in errored[:10]:
        lines.append(f"ERROR {ev.variant.name} {ev.variant.describe()}: {ev.error.strip().splitlines()[-1][:200]}")
    lines += ["", "Per field", f"{'':32s} {'right':>7s} {'silent':>7s} {'flagged':>7s} {'unflag':>7s}"]
    for name, c in per_field(evs).items():
        lines.append(f"{name:32s} {c[Outcome.RIGHT]:7d} {c[Outcome.SILENT]:7d} {c[Outcome.FLAGGED]:7d} "
                     f"{c[Outcome.UNFLAGGED]:7d}")
    lines += ["", "Per axis value", HEAD]
    for axis, values in per_axis(evs).items():
        lines.append(f"[{axis}]")
        lines += [t.row(f"  {v}") for v, t in values.items()]
    for rows, cols in (("producer", "layout"), ("impact", "anomaly"), ("producer", "comment")):
        lines += ["", f"right% / silent errors by {rows} and {cols}", *matrix(evs, rows, cols)]
    ranked = sorted(((k, t) for k, t in per_pair(evs).items() if t.silent or t.right_pct < 100.0),
                    key=lambda kt: (-kt[1].silent / kt[1].forms, kt[1].right_pct, kt[0]))
    lines += ["", f"Pairs of axis values with failures (worst {pairs} by silent errors per form)", HEAD]
    lines += [t.row(f"{a}={x} {b}={y}"[:32]) + f"  {a}={x} {b}={y}" for (a, x, b, y), t in ranked[:pairs]]
    lines += ["", "First silent errors", *silent_errors(evs, out)]
    return "\n".join(lines)


def _jsonable(v: object) -> object:
    if isinstance(v, CommentTruth):
        return {"paragraphs": [[p, li] for p, li in v.paragraphs], "compare_form": v.text}
    return v


def write_failures(evs: list[Evaluated], out: Path) -> int:
    """Write every failing variant's file and a JSON of truth, reading and issues; returns the count."""
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for ev in evs:
        if not ev.failed:
            continue
        n += 1
        if ev.data is not None:
            (out / f"{ev.variant.name}.{ev.variant.ext}").write_bytes(ev.data)
        doc = {"variant": ev.variant.name, "axes": ev.variant.axes(), "filename": ev.filename, "error": ev.error,
               "fields": {f.name: {"outcome": f.outcome.value, "truth": _jsonable(ev.truth[f.name].value),
                                   "must_flag": ev.truth[f.name].flag, "got": f.got, "issues": list(f.issues)}
                          for f in ev.fields},
               "issues": list(ev.issues)}
        (out / f"{ev.variant.name}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return n


__all__ = ["HEAD", "Tally", "matrix", "overall", "per_axis", "per_field", "per_pair", "render", "silent_errors",
           "write_failures"]
