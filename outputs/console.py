"""Readable terminal output for people (the JSON output is the scripts' one).

The command line speaks English, like its help and its errors: it is the operator's. What it shows
of the county's data stays as written (municipality names, the form's questions and scale, and a
reading's issues, which are the coordinator's Swedish sentences that receipts quote).
"""

from __future__ import annotations

from typing import Any, cast

from rich.console import Console
from rich.table import Table

from parsers.form import FormSpec
from parsers.result import ParseResult, Severity


def print_parse_result(name: str, result: ParseResult, form: FormSpec, console: Console | None = None) -> None:
    """One file's answers as a table, then its issues; a file that could not be read is its name and why."""
    console = console or Console()
    if result.unreadable and not any(a.impact or a.comment for a in result.answers.values()):
        # An empty table would only say "nothing" seven times before the one line that matters.
        console.print(name, markup=False, highlight=False)
        _print_issues(result, console)
        return
    title = f"{name}  [{result.format.value}]  municipality: {result.municipality or '–'}  " \
            f"period: {result.period or '–'}"
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("Question", no_wrap=True)
    table.add_column("Impact", no_wrap=True)
    table.add_column("Comment", overflow="fold")
    for q in form.questions:
        answer = result.answers[q.number]
        level = f"{answer.impact} {form.scale.name_of(answer.impact)}" if answer.impact else "–"
        comment = answer.comment if len(answer.comment) <= 120 else answer.comment[:117] + "..."
        table.add_row(f"{q.number} {q.short}", level if q.impact else "", comment.replace("\n", " "))
    console.print(table, markup=False)
    _print_issues(result, console)


def _print_issues(result: ParseResult, console: Console) -> None:
    for issue in result.issues:
        style = "red" if issue.severity is Severity.ERROR else "yellow"
        console.print(f"  {issue.severity.value}: {issue.field}: {issue.message}", style=style, markup=False,
                      highlight=False)


def print_rows(title: str, rows: list[dict[str, object]], columns: list[str], console: Console | None = None) -> None:
    """A list of records as a table (or a line saying there are none)."""
    console = console or Console()
    if not rows:
        console.print(f"{title}: none", markup=False)
        return
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console.print(table, markup=False)


_STATE = {"on_time": "on time", "late": "late", "missing": "missing", "pending": "pending"}


def print_status(status: dict[str, object], console: Console | None = None) -> None:
    """`lagesbild status` for people: one row per municipality."""
    municipalities = cast(list[dict[str, object]], status["municipalities"])
    rows = [{"municipality": m["name"], "state": _STATE.get(str(m["state"]), m["state"]),
             "received": m["received_at"] or "", "version": m["version"] or ""}
            for m in municipalities]
    print_rows(f"Reports for {status['period']} – deadline {status['deadline']}", rows,
               ["municipality", "state", "received", "version"], console)
    (console or Console()).print(f"In quarantine: {status['quarantined']}", markup=False)


class ProgressBar:
    """A progress bar on a terminal for long runs; silent when output is not a terminal."""

    MIN_TOTAL = 50  # short runs finish before a bar is worth showing

    def __init__(self, label: str, console: Console | None = None) -> None:
        from rich.progress import Progress

        self.console = console or Console(stderr=True)
        self.label = label
        self._progress: Progress | None = None
        self._task: object = None

    def __call__(self, done: int, total: int) -> None:
        if not self.console.is_terminal or total < self.MIN_TOTAL:
            return
        if self._progress is None:
            from rich.progress import Progress

            self._progress = Progress(console=self.console, transient=True)
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=total)
        self._progress.update(self._task, completed=done)  # type: ignore[arg-type]
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def print_worker(worker: dict[str, Any], console: Console | None = None) -> None:
    """The worker's part of `lagesbild status` for people: its last cycle and what waits."""
    out = console or Console()
    last = worker["last_cycle"]
    if last is None:
        out.print("Worker: no cycle yet (is `lagesbild run` running?)", markup=False)
    else:
        error = f"; error: {last['error']}" if last["error"] else ""
        out.print(f"Worker: last cycle finished {last['finished_at']} ({_ago(last['age_seconds'])} ago) "
                  f"on {last['host']}: {last['messages']} messages, {last['failed']} failed, "
                  f"{last['sent']} mail sent{error}", markup=False)
    out.print(f"Outbox: {worker['outbox_backlog']} waiting · error folder: {worker['parked']} parked · "
              f"quarantine: {worker['quarantined']}", markup=False)


def _ago(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} dygn"
