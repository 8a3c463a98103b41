"""The county staff's commands: import a form, quarantine, the confidentiality review, reprocess, sources."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from flow.settings import Config
from lagesbild.cli_base import cli, common_options, current, parse_now, period_option, print_json


@cli.command("import")
@common_options
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--municipality", required=True)
@click.option("--period", "period_text", metavar="YYYY-MM", help="Default: the month the form names.")
def import_cmd(file: Path, municipality: str, period_text: str | None) -> None:
    """File a form that came another way (handed over, by post) for a municipality.

    Example: lagesbild import Lägesbild.docx --municipality Orsa --period 2026-10
    """
    from flow.operations import import_file
    from lagesbild.runtime import open_store

    ctx = current()
    config = ctx.config()
    name = _municipality_option(config, municipality)
    period = period_option(period_text) if period_text else None
    filed, issues = import_file(open_store(config), config, file.read_bytes(), file.name, name, period, ctx.now())
    click.echo(f"{filed.municipality} {filed.period}: {filed.kind}, version {filed.version}")
    for message in issues:
        click.echo(f"  {message}")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return "staff"


by_option = click.option("--by", "by", default=_os_user, show_default="the OS user", metavar="NAME",
                         help="Who decides (written in the audit trail).")


def _municipality_option(config: Config, text: str) -> str:
    from flow.staff_ops import strict_municipality

    return strict_municipality(config, text)


@cli.group("quarantine", invoke_without_command=True)
@common_options
@click.pass_context
def quarantine_cmd(click_ctx: click.Context) -> None:
    """List, release or drop messages in quarantine.

    Example: lagesbild quarantine list
    """
    if click_ctx.invoked_subcommand is None:
        click_ctx.invoke(quarantine_list)


@quarantine_cmd.command("list")
@common_options
@click.option("--json", "as_json", is_flag=True)
def quarantine_list(as_json: bool = False) -> None:
    """Messages waiting in quarantine, oldest first."""
    from flow.operations import list_quarantined
    from lagesbild.runtime import open_store

    config = current().config()
    items = list_quarantined(open_store(config), config)
    if as_json:
        print_json(items)
        return
    from outputs.console import print_rows

    print_rows("Quarantine", items, ["id", "received_at", "sender", "subject", "reason"])


@quarantine_cmd.command("release")
@common_options
@click.argument("message_id", type=int)
@click.option("--municipality", required=True, help="The municipality to file its forms under.")
@click.option("--force", is_flag=True, help="File a form even under a municipality it does not name.")
@click.option("--dry-run", is_flag=True, help="Only say what releasing would do.")
@by_option
def quarantine_release(message_id: int, municipality: str, force: bool, dry_run: bool, by: str) -> None:
    """File a quarantined message's forms under a municipality and answer the sender.

    Says first, per form, the municipality and month the form names and the
    version it would supersede; refuses a municipality the form contradicts
    (unless --force) and never files over a newer report. Exit 1 when refused.

    Example: lagesbild quarantine release 12 --municipality Orsa --dry-run
    """
    from flow.operations import release_quarantined
    from lagesbild.runtime import open_store

    ctx = current()
    config = ctx.config()
    name = _municipality_option(config, municipality)
    steps = release_quarantined(open_store(config), config, message_id, name, ctx.now(), force=force,
                                dry_run=dry_run, actor=by)
    for step in steps:
        click.echo(("would: " if dry_run else "") + step.line(name))


@quarantine_cmd.command("drop")
@common_options
@click.argument("message_id", type=int)
@click.option("--reason", default="", help="Why (kept in the audit trail).")
@by_option
def quarantine_drop(message_id: int, reason: str, by: str) -> None:
    """Keep a quarantined message but never file it."""
    from flow.operations import drop_quarantined
    from lagesbild.runtime import open_store

    ctx = current()
    drop_quarantined(open_store(ctx.config()), message_id, ctx.now(), reason, ctx.config(), actor=by)
    click.echo(f"message {message_id} dropped")


@cli.group("review", invoke_without_command=True)
@common_options
@click.pass_context
def review_cmd(click_ctx: click.Context) -> None:
    """Reports held for a confidentiality review: list them, release one.

    A comment that seems to hold data about an individual (a personal identity
    number, a phone number) is kept out of the workbook, the digest and the
    signals until released here.

    Example: lagesbild review list
    """
    if click_ctx.invoked_subcommand is None:
        click_ctx.invoke(review_list)


@review_cmd.command("list")
@common_options
@click.option("--json", "as_json", is_flag=True)
def review_list(as_json: bool = False) -> None:
    """Held reports: the questions withheld and their comments with the personal data masked."""
    from flow.operations import list_held
    from lagesbild.runtime import open_store

    config = current().config()
    items = list_held(open_store(config), config)
    if as_json:
        print_json(items)
        return
    from outputs.console import print_rows

    shown = [{**item, "comments": "\n".join(f"{q}: {c}" for q, c in dict(item["comments"]).items())}  # type: ignore[call-overload]
             for item in items]
    print_rows("Held for review", shown, ["id", "municipality", "period", "version", "questions", "comments"])


@review_cmd.command("release")
@common_options
@click.argument("submission_id", type=int)
@by_option
def review_release(submission_id: int, by: str) -> None:
    """Release a held report after review: its answers are shown again."""
    from flow.operations import release_held
    from lagesbild.runtime import open_store

    ctx = current()
    config = ctx.config()
    filed = release_held(open_store(config), config, submission_id, ctx.now(), actor=by)
    click.echo(f"{filed.municipality} {filed.period} version {filed.version}: released")


@cli.command("reprocess")
@common_options
@click.option("--since", metavar="ISO-DATE", help="Only messages received since then.")
def reprocess_cmd(since: str | None) -> None:
    """Read stored messages again with today's parsers; what changed becomes a new version.

    Example: lagesbild reprocess --since 2026-01-01
    """
    from flow.operations import reprocess
    from lagesbild.runtime import open_store, settle_heap
    from outputs.console import ProgressBar

    ctx = current()
    config = ctx.config()
    start = parse_now(since) if since else None
    bar = ProgressBar("Reading stored messages again")
    settle_heap()
    try:
        report = reprocess(open_store(config), config, ctx.now(), start, progress=bar)
    finally:
        bar.close()
    click.echo(f"{report.messages} messages: {report.new_versions} new versions, {report.newly_filed} newly filed, "
               f"{report.unchanged} unchanged, {report.parked_handled} parked messages handled")
    for failure in report.failures:
        click.echo(f"not reprocessed (left as it was): message {failure}", err=True)
    if report.failures:
        raise SystemExit(1)


@cli.command("sources")
@common_options
@click.option("--backfill", is_flag=True,
              help="Give versions filed before sources were kept the sources their stored files give.")
@click.option("--county", metavar="CODE", help="The county whose versions to complete (default: the configured "
              "county; its form reads them, so it must be the configured one).")
def sources_cmd(backfill: bool, county: str | None) -> None:
    """Where stored values were read from: --backfill gives versions filed before this was kept their sources.

    Each such version's stored file is read again with today's parsers (capped readers, as on arrival); a
    value gets a source only where it still reads exactly as stored, a corrected value its correction. A
    spreadsheet value whose source names only its sheet (filed before cells were named) gets its cell the
    same way. It commits version by version and only fills what is missing: run it again after a stop, it
    goes on. Versions whose mail was purged under the retention rule are counted, not an error.

    Example: lagesbild sources --backfill
    """
    from flow.source_backfill import backfill_sources
    from lagesbild.runtime import open_store, settle_heap

    if not backfill:
        raise click.UsageError("say what to do: lagesbild sources --backfill")
    ctx = current()
    config = ctx.config()
    if county is not None and county != config.county.code:
        raise click.UsageError(f"--county {county}: this configuration is county {config.county.code}'s; "
                               "run it with that county's configuration")
    settle_heap()
    report = backfill_sources(open_store(config), config, ctx.now())
    click.echo(f"{report.versions} versions without sources: {report.filled} given sources ({report.values} "
               f"values), {report.differing} answers read differently now (no source), "
               f"{len(report.skipped)} skipped")
    if report.sheet_versions:
        click.echo(f"{report.sheet_versions} versions naming a sheet without its cell: {report.celled} given "
                   f"cells ({report.cells} values), {report.no_cell} values read from no one cell (left as they "
                   f"were), {report.cell_differing} values read differently now (left as they were)")
    if report.purged:  # nothing left to read, as the retention rule meant: not a failure
        click.echo(f"{report.purged} versions without a kept original (purged under the retention rule): "
                   "left without sources")
    for line in report.skipped:
        click.echo(f"skipped (left as it was): {line}", err=True)
    if report.skipped:
        raise SystemExit(1)
