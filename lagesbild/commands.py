"""What the commands do, apart from reading options and printing.

Each function takes the configuration (or the parts it needs) and plain
values, and returns plain values, so the command line stays thin and the
behaviour is testable without it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from flow.sandbox import ParserCrashed, parse_isolated
from flow.settings import Config
from ground.errors import ConfigError
from parsers import blank_result
from parsers.form import FormSpec
from parsers.limits import Limits
from parsers.result import Cadence, Format, Issue, ParseResult, Period

FORM_SUFFIXES = {".docx", ".docm", ".xlsx", ".xlsm", ".pdf", ".odt", ".ods", ".xls", ".doc", ".rtf", ".txt"}


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; a folder becomes its form files, sorted by name."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FORM_SUFFIXES))
        else:
            out.append(path)
    return out


def parse_files(paths: list[Path], form: FormSpec, limits: Limits) -> list[tuple[Path, ParseResult]]:
    """Parse each file under the limits; a file that cannot be opened gets a `file` error."""
    results: list[tuple[Path, ParseResult]] = []
    for path in expand_paths(paths):
        try:
            data = path.read_bytes()
        except OSError as exc:
            message = f"Filen kunde inte öppnas: {exc.strerror or exc}."
            results.append((path, blank_result(form, Format.UNKNOWN, [Issue.error("file", message)])))
            continue
        try:
            results.append((path, parse_isolated(data, path.name, form, limits)))
        except ParserCrashed as exc:
            message = f"Internt fel när filen lästes ({exc}); filen är inte nödvändigtvis fel."
            results.append((path, blank_result(form, Format.UNKNOWN, [Issue.error("file", message)])))
    return results


def parse_period_option(value: str | None, cadence: Cadence | None = None) -> Period | None:
    """--period YYYY-MM (or YYYY-Www for a county whose form is weekly), or ConfigError (exit 2)
    saying what to write."""
    if value is None:
        return None
    shape = "YYYY-Www, e.g. 2026-W43 (the county's form is weekly)" if cadence is Cadence.WEEK \
        else "YYYY-MM, e.g. 2026-10"
    try:
        period = Period.parse(value)
    except ValueError as exc:
        raise ConfigError(f"--period: '{value}' must be {shape}") from exc
    if cadence is not None and period.cadence is not cadence:
        raise ConfigError(f"--period: '{value}' must be {shape}")
    return period


@dataclass(frozen=True, slots=True)
class FormFill:
    """What `lagesbild forms` pre-fills: the options as given."""

    municipality: str | None = None
    period: str | None = None
    area: str | None = None
    last_area: bool = False


@dataclass(frozen=True, slots=True)
class WrittenForms:
    """The files written, and a line for the user when an asked-for value could not be filled."""

    paths: list[Path]
    note: str = ""


def write_blank_forms(config: Config, out_dir: Path, fill: FormFill) -> WrittenForms:
    """Write the blank .docx and .xlsx forms, pre-filled as `fill` says; ConfigError (exit 2) for
    options that do not fit (an unknown municipality, an area on a form without the field)."""
    from outputs.blank_docx import build_blank_docx
    from outputs.blank_forms import blank_form_filename
    from outputs.blank_xlsx import build_blank_xlsx
    from parsers.municipality import load_registry

    form = config.county.form
    period = parse_period_option(fill.period, form.cadence)
    name: str | None = None
    if fill.municipality:
        found = load_registry().resolve(fill.municipality, config.county.code).municipality
        if found is None:
            raise ConfigError(f"--municipality: '{fill.municipality}' is not a Swedish municipality")
        name = found.name
    area, note = _area_to_fill(config, name, fill)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for ext, build in (("docx", build_blank_docx), ("xlsx", build_blank_xlsx)):
        path = out_dir / blank_form_filename(form, ext, name, period)
        path.write_bytes(build(form, name, period, area=area))
        written.append(path)
    return WrittenForms(written, note)


def _area_to_fill(config: Config, municipality: str | None, fill: FormFill) -> tuple[str | None, str]:
    """The area to pre-fill and a note when --last-area found none."""
    if fill.area is None and not fill.last_area:
        return None, ""
    if not config.county.form.labels.area:
        option = "--area" if fill.area is not None else "--last-area"
        raise ConfigError(f"{option}: the county's form ({config.county.form.id}) has no area field")
    if fill.area is not None and fill.last_area:
        raise ConfigError("--area and --last-area: give one of them")
    if fill.area is not None:
        return fill.area, ""
    if municipality is None:
        raise ConfigError("--last-area needs --municipality: whose last report to take the area from")
    from flow.downloads import last_area
    from lagesbild.runtime import open_store

    area = last_area(open_store(config), config, municipality)
    if area is None:
        return None, f"{municipality} has no earlier report naming an area; the area is left blank."
    return area, ""


#: How long a cycle that handled mail waits for another worker to finish sending before sending itself.
OUTBOX_PATIENCE_SECONDS = 10.0


@dataclass(slots=True)
class PollResult:
    """One `poll --once`: what the ingest cycle and the outbox did."""

    locked_out: bool = False
    outcomes: dict[str, int] = field(default_factory=dict)
    moved_only: int = 0
    waiting: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)
    sent: int = 0
    deferred: int = 0
    send_failed: int = 0
    parse_seconds: list[float] = field(default_factory=list)  # per message read (for the worker's metrics)
    sent_by_kind: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"locked_out": self.locked_out, "outcomes": self.outcomes, "moved_only": self.moved_only,
                "waiting": self.waiting, "failed": self.failed, "failures": self.failures,
                "mail": {"sent": self.sent, "deferred": self.deferred, "failed": self.send_failed}}

    def summary(self) -> str:
        if self.locked_out:
            return "another worker is polling this mailbox; nothing done"
        parts = [f"{n} {k}" for k, n in sorted(self.outcomes.items())] or ["no new messages"]
        extra = f"; {self.moved_only} moved after an earlier run" if self.moved_only else ""
        waiting = f"; {self.waiting} waiting for a retry" if self.waiting else ""
        return (f"{', '.join(parts)}{extra}{waiting}; mail: {self.sent} sent, {self.deferred} deferred, "
                f"{self.send_failed} failed")


def poll_and_send(config: Config, now: datetime, progress: Callable[[int, int], None] | None = None,
                  engine: Engine | None = None, alive: Callable[[], None] | None = None) -> PollResult:
    """`lagesbild poll --once`: one ingest cycle under the mailbox's job lock, then the outbox.

    `progress(done, total)` is called after each message handled; `alive()` each time one message moves on
    (fetched, read, recorded: `flow.pipeline.poll_once`), which the worker's watchdog counts as progress;
    `engine`: the worker's store, opened once for its life (default: opened here)."""
    from flow.pipeline import poll_once
    from flow.reply_forwards import flush_reply_forwards
    from flow.sending import send_due
    from flow.staff_notices import flush_staff_notices
    from lagesbild.runtime import HANDOVERS, job_lock, open_mailbox, open_outbox, open_store

    engine = engine or open_store(config)
    result = PollResult()
    source = open_mailbox(config)
    try:
        with job_lock(engine, f"poll:{source.name}", now) as held:
            if not held:
                return PollResult(locked_out=True)
            from outputs.console import ProgressBar

            bar = ProgressBar("Reading messages")

            def step(done: int, total: int) -> None:
                bar(done, total)
                if progress is not None:
                    progress(done, total)
            # What was gathered for staff goes first; this cycle's messages then wait their turn
            # (flow.staff_notices, flow.reply_forwards). The worker does the same with its scheduled jobs.
            flush_staff_notices(engine, config, now)
            flush_reply_forwards(engine, config, now)
            try:
                report = poll_once(source, engine, config, now, progress=step, alive=alive)
            finally:
                bar.close()
            flush_staff_notices(engine, config, now)
            flush_reply_forwards(engine, config, now)
    finally:
        source.close()
    result.outcomes = dict(report.outcomes)
    result.moved_only, result.waiting = report.moved_only, report.waiting
    result.failed, result.failures = report.failed, report.failures
    result.parse_seconds = [h.parse_seconds for h in report.handled if h.parse_seconds is not None]
    # This cycle's receipts go now. When another worker holds the outbox (another county on the same
    # store, or this worker's own outbox job), wait for it briefly: skipping would leave them to the next
    # outbox run, up to half a minute later (measured by bench/burst.py on a deadline day).
    patience = time.monotonic() + (OUTBOX_PATIENCE_SECONDS if report.handled else 0)
    while True:
        with job_lock(engine, "outbox", now) as held:
            if held:
                sent = send_due(engine, open_outbox(config), config, now, HANDOVERS)
                result.sent, result.deferred, result.send_failed = sent.sent, sent.deferred, sent.failed
                result.sent_by_kind = sent.by_kind
        if held or time.monotonic() >= patience:
            return result
        time.sleep(0.1)
