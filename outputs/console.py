"""Readable terminal output for people (the JSON output is the scripts' one)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from parsers.form import FormSpec
from parsers.result import ParseResult, Severity


def print_parse_result(name: str, result: ParseResult, form: FormSpec, console: Console | None = None) -> None:
    """One file's answers as a table, then its issues."""
    console = console or Console()
    title = f"{name}  [{result.format.value}]  kommun: {result.municipality or '–'}  " \
            f"månad: {result.period or '–'}"
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("Fråga", no_wrap=True)
    table.add_column("Påverkan", no_wrap=True)
    table.add_column("Kommentar", overflow="fold")
    for q in form.questions:
        answer = result.answers[q.number]
        level = f"{answer.impact} {form.scale.name_of(answer.impact)}" if answer.impact else "–"
        comment = answer.comment if len(answer.comment) <= 120 else answer.comment[:117] + "..."
        table.add_row(f"{q.number} {q.short}", level if q.impact else "", comment.replace("\n", " "))
    console.print(table, markup=False)
    for issue in result.issues:
        style = "red" if issue.severity is Severity.ERROR else "yellow"
        console.print(f"  {issue.severity.value}: {issue.field}: {issue.message}", style=style, markup=False,
                      highlight=False)
