"""`lagesbild demo`: the program at work on the embedded defaults, no servers.

Writes a workspace with the blank forms and a month of filled-in forms from
the configured municipalities, reads them all back and prints what was read.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from lagesbild.commands import parse_files, write_blank_forms
from lagesbild.config import Config
from lagesbild.samples import sample_forms
from parsers.result import Period


def demo_period(now: datetime) -> Period:
    """The month the demonstration reports on: the one before `now`."""
    return Period(now.year, now.month).previous()


def run_demo(config: Config, workspace: Path, now: datetime, console: Console | None = None) -> int:
    """Run the demonstration; returns the number of forms read without errors."""
    console = console or Console()
    period = demo_period(now)
    forms_dir = workspace / "blanketter"
    inbox = workspace / "inkommet" / str(period)
    inbox.mkdir(parents=True, exist_ok=True)
    blanks = write_blank_forms(config, forms_dir, None, str(period))
    names = [m.name for m in config.municipalities]
    samples = sample_forms(config.county.form, names, period)
    for sample in samples:
        (inbox / sample.filename).write_bytes(sample.data)
    results = parse_files([inbox], config.county.form, config.limits)

    table = Table(title=f"Lägesbild {period} – {config.county.name}", title_justify="left")
    table.add_column("Fil")
    table.add_column("Kommun")
    table.add_column("Månad")
    for q in config.county.form.questions:
        if q.impact:
            table.add_column(str(q.number), justify="center")
    table.add_column("Anmärkningar", justify="right")
    correct = 0
    expected = {s.filename: s for s in samples}
    for path, result in results:
        sample = expected[path.name]
        impacts = [result.answers[q.number].impact for q in config.county.form.questions if q.impact]
        if result.municipality == sample.municipality and result.period == sample.period and all(
            result.answers[n].impact == a.impact for n, a in sample.answers.items()
        ):
            correct += 1
        table.add_row(path.name, result.municipality or "–", str(result.period or "–"),
                      *[str(v) if v else "–" for v in impacts], str(len(result.issues)))
    console.print(table)
    console.print(f"{correct} av {len(samples)} formulär lästes exakt som de fylldes i.")
    console.print("Tomma blanketter: " + ", ".join(str(p) for p in blanks))
    console.print(f"Inkomna formulär: {inbox}")
    return correct
