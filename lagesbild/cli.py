"""The command line: load the configuration, call one function, print, exit 0/1/2.

Every subcommand accepts `--config PATH` and `--now ISO-DATETIME`, before or
after the subcommand name (see shared/contracts.md).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click

from flow.settings import Config
from ground.errors import ConfigError, LagesbildError
from lagesbild.config import find_config_path, load_config
from parsers.result import Period

F = TypeVar("F", bound=Callable[..., Any])
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def parse_now(value: str | None, tz: ZoneInfo = STOCKHOLM) -> datetime:
    """--now / $LAGESBILD_NOW as an aware datetime; naive values are Stockholm time."""
    if not value:
        return datetime.now(tz)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"--now: '{value}' is not an ISO date-time such as 2026-10-30T08:00") from exc
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


class Context:
    """What the group and the subcommand options gathered."""

    def __init__(self) -> None:
        self.config_path: str | None = None
        self.now_text: str | None = None
        self._config: Config | None = None

    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(find_config_path(self.config_path, os.environ))
        return self._config

    def now(self) -> datetime:
        return parse_now(self.now_text or os.environ.get("LAGESBILD_NOW"))

    def given_now(self) -> datetime | None:
        """--now or $LAGESBILD_NOW when one was given, else None (the system clock)."""
        return self.now() if self.now_text or os.environ.get("LAGESBILD_NOW") else None


def _remember(name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is not None:
            setattr(ctx.ensure_object(Context), name, value)
        return value

    return callback


def common_options(func: F) -> F:
    """--config and --now, accepted by the group and by every subcommand."""
    func = click.option("--now", "now_text", metavar="ISO-DATETIME", expose_value=False,
                        callback=_remember("now_text"),
                        help="Pretend it is this moment (Europe/Stockholm when no offset).")(func)
    func = click.option("--config", "config_path", metavar="PATH", expose_value=False,
                        callback=_remember("config_path"),
                        help="Configuration file (default: $LAGESBILD_CONFIG, ./config.toml, built-in).")(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@common_options
@click.version_option(package_name="lagesbild")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Lägesbild: reads the monthly social-risk reports that municipalities
    e-mail to the county, stores them, answers the senders and compiles the
    county's picture."""
    ctx.ensure_object(Context)


def _ctx() -> Context:
    return click.get_current_context().ensure_object(Context)


@cli.command("parse")
@common_options
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line per file (the contract shape).")
def parse_cmd(files: tuple[Path, ...], as_json: bool) -> None:
    """Read answers from form files (.docx .xlsx .pdf .odt .ods .xls); writes nothing.

    A folder is read file by file. Exit code 1 when a file could not be read.

    Example: lagesbild parse inkommet/*.docx --json
    """
    from lagesbild.commands import parse_files

    config = _ctx().config()
    outcome = parse_files(list(files), config.county.form, config.limits)
    for path, result in outcome:
        if as_json:
            click.echo(json.dumps(result.to_json(str(path)), ensure_ascii=False))
        else:
            from outputs.console import print_parse_result

            print_parse_result(str(path), result, config.county.form)
    if any(result.unreadable for _, result in outcome):
        raise SystemExit(1)


@cli.command("forms")
@common_options
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Folder to write to.")
@click.option("--municipality", help="Pre-fill the municipality (e.g. Ludvika).")
@click.option("--period", help="Pre-fill the month, YYYY-MM.")
def forms_cmd(out_dir: Path, municipality: str | None, period: str | None) -> None:
    """Write the blank form as .docx and .xlsx, optionally pre-filled.

    Example: lagesbild forms --out utskick --municipality Ludvika --period 2026-10
    """
    from lagesbild.commands import write_blank_forms

    config = _ctx().config()
    for path in write_blank_forms(config, out_dir, municipality, period):
        click.echo(str(path))


@cli.command("doctor")
@common_options
@click.option("--only", multiple=True, type=click.Choice(["secrets", "mailbox", "outbox", "database", "templates",
                                                          "county"]), help="Run only these groups of checks.")
def doctor_cmd(only: tuple[str, ...]) -> None:
    """Check the configuration, mailbox, outbox, database, templates and recipients; changes nothing.

    One line per check says what is wrong and how to fix it. Exit 0 when all
    pass (warnings allowed), 1 when a check failed, 2 when the configuration
    cannot be read.

    Example: lagesbild doctor --config /etc/lagesbild/config.toml
    """
    from lagesbild.doctor import exit_code, format_checks, run_doctor

    ctx = _ctx()
    # Not ctx.config(): a configuration that does not load is the doctor's to report.
    checks = run_doctor(ctx.config_path, os.environ, ctx.now(), only=only)
    click.echo(format_checks(checks))
    raise SystemExit(exit_code(checks))


@cli.command("demo")
@common_options
@click.option("--workspace", type=click.Path(path_type=Path), default=Path("lagesbild-demo"), show_default=True,
              help="Folder for the demonstration's files.")
def demo_cmd(workspace: Path) -> None:
    """Demonstration on the embedded defaults, no servers needed.

    Example: lagesbild demo
    """
    from lagesbild.demo import run_demo

    run_demo(_ctx().config(), workspace, _ctx().now())


def _period_option(value: str) -> Period:
    from lagesbild.commands import parse_period_option

    period = parse_period_option(value)
    assert period is not None
    return period


def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=None))


@cli.command("poll")
@common_options
@click.option("--once", is_flag=True, required=True, help="One cycle, then exit (the worker is `lagesbild run`).")
@click.option("--json", "as_json", is_flag=True, help="Print the cycle's counts as JSON.")
def poll_cmd(once: bool, as_json: bool) -> None:
    """One ingest cycle from the configured mailbox, then send the outbox.

    Quarantined, ignored and answered-with-an-error messages are outcomes (exit
    0); exit 1 when a message failed and was kept for a retry.

    Example: lagesbild poll --once
    """
    from lagesbild.commands import poll_and_send
    from lagesbild.runtime import settle_heap

    ctx = _ctx()
    config = ctx.config()
    settle_heap()
    result = poll_and_send(config, ctx.now())
    if as_json:
        _print_json(result.to_json())
    else:
        click.echo(result.summary())
    if result.failed:
        raise SystemExit(1)


@cli.command("status")
@common_options
@click.option("--period", "period_text", required=True, metavar="YYYY-MM")
@click.option("--json", "as_json", is_flag=True)
def status_cmd(period_text: str, as_json: bool) -> None:
    """Who has reported for a period, who is late or missing.

    Example: lagesbild status --period 2026-10 --json
    """
    from flow.reports import status_for
    from lagesbild.runtime import open_store

    ctx = _ctx()
    config = ctx.config()
    status = status_for(open_store(config), config, _period_option(period_text), ctx.now())
    if as_json:
        _print_json(status)
    else:
        from outputs.console import print_status

        print_status(status)


@cli.command("export")
@common_options
@click.option("--period", "period_text", required=True, metavar="YYYY-MM")
@click.option("--json", "as_json", is_flag=True, required=True)
def export_cmd(period_text: str, as_json: bool) -> None:
    """The stored answers for a period, latest version per municipality.

    Example: lagesbild export --period 2026-10 --json
    """
    from flow.reports import export_period
    from lagesbild.runtime import open_store

    config = _ctx().config()
    _print_json(export_period(open_store(config), config, _period_option(period_text)))


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

    ctx = _ctx()
    config = ctx.config()
    name = _municipality_option(config, municipality)
    period = _period_option(period_text) if period_text else None
    filed, issues = import_file(open_store(config), config, file.read_bytes(), file.name, name, period, ctx.now())
    click.echo(f"{filed.municipality} {filed.period}: {filed.kind}, version {filed.version}")
    for message in issues:
        click.echo(f"  {message}")


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

    config = _ctx().config()
    items = list_quarantined(open_store(config), config)
    if as_json:
        _print_json(items)
        return
    from outputs.console import print_rows

    print_rows("Karantän", items, ["id", "received_at", "sender", "subject", "reason"])


@quarantine_cmd.command("release")
@common_options
@click.argument("message_id", type=int)
@click.option("--municipality", required=True, help="The municipality to file its forms under.")
@click.option("--force", is_flag=True, help="File a form even under a municipality it does not name.")
@click.option("--dry-run", is_flag=True, help="Only say what releasing would do.")
def quarantine_release(message_id: int, municipality: str, force: bool, dry_run: bool) -> None:
    """File a quarantined message's forms under a municipality and answer the sender.

    Says first, per form, the municipality and month the form names and the
    version it would supersede; refuses a municipality the form contradicts
    (unless --force) and never files over a newer report. Exit 1 when refused.

    Example: lagesbild quarantine release 12 --municipality Orsa --dry-run
    """
    from flow.operations import release_quarantined
    from lagesbild.runtime import open_store

    ctx = _ctx()
    config = ctx.config()
    name = _municipality_option(config, municipality)
    steps = release_quarantined(open_store(config), config, message_id, name, ctx.now(), force=force,
                                dry_run=dry_run)
    for step in steps:
        click.echo(("would: " if dry_run else "") + step.line(name))


@quarantine_cmd.command("drop")
@common_options
@click.argument("message_id", type=int)
@click.option("--reason", default="", help="Why (kept in the audit trail).")
def quarantine_drop(message_id: int, reason: str) -> None:
    """Keep a quarantined message but never file it."""
    from flow.operations import drop_quarantined
    from lagesbild.runtime import open_store

    ctx = _ctx()
    drop_quarantined(open_store(ctx.config()), message_id, ctx.now(), reason, ctx.config())
    click.echo(f"message {message_id} dropped")


@cli.command("remind")
@common_options
@click.option("--dry-run", is_flag=True, help="Only list the reminders due now; send nothing.")
@click.option("--json", "as_json", is_flag=True)
def remind_cmd(dry_run: bool, as_json: bool) -> None:
    """Send the reminders due at --now to municipalities that have not reported (or only list them).

    Example: lagesbild remind --dry-run --json --now 2026-10-27T08:00
    """
    from flow.jobs import plan_reminders, queue_reminders
    from flow.sending import send_due
    from lagesbild.runtime import HANDOVERS, job_lock, open_outbox, open_store

    ctx = _ctx()
    config = ctx.config()
    engine = open_store(config)
    now = ctx.now()
    plan = plan_reminders(engine, config, now) if dry_run else queue_reminders(engine, config, now)
    if not dry_run:
        with job_lock(engine, "outbox", now) as held:
            if held:
                send_due(engine, open_outbox(config), config, now, HANDOVERS)
    if as_json:
        _print_json(plan.to_json())
        return
    for item in plan.to_json():
        click.echo(f"{item['municipality']} {item['period']} {item['stage']}: {', '.join(item['to'])}")
    for r in plan.no_address:
        click.echo(f"{r.municipality} {r.period} {r.stage}: (ingen adress – personalen meddelas)")


@cli.command("compile")
@common_options
@click.option("--year", "year", required=True, type=click.IntRange(2000, 2999))
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path))
def compile_cmd(year: int, out_file: Path) -> None:
    """Write the county's consolidated workbook for a year (a sheet per question, as the county's own table).

    Example: lagesbild compile --year 2026 --out lagesbild-2026.xlsx
    """
    from flow.jobs import workbook_file
    from lagesbild.runtime import open_store

    ctx = _ctx()
    config = ctx.config()
    _, data = workbook_file(open_store(config), config, year, ctx.now())
    out_file.write_bytes(data)
    click.echo(str(out_file))


@cli.command("digest")
@common_options
@click.option("--period", "period_text", required=True, metavar="YYYY-MM")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the digest as an HTML file to look at.")
@click.option("--send", is_flag=True, help="Queue it for the county leadership (once per period) and send it.")
def digest_cmd(period_text: str, out_file: Path | None, send: bool) -> None:
    """The monthly digest for the county leadership: write it to a file, or send it.

    Example: lagesbild digest --period 2026-10 --out digest.html
    """
    from flow.jobs import make_digest, queue_digest
    from flow.sending import send_due
    from lagesbild.runtime import HANDOVERS, job_lock, open_outbox, open_store
    from outputs.digest import digest_file_html

    if out_file is None and not send:
        raise ConfigError("digest: give --out FILE.html, --send, or both")
    ctx = _ctx()
    config = ctx.config()
    period = _period_option(period_text)
    engine = open_store(config)
    if out_file is not None:
        out_file.write_text(digest_file_html(make_digest(engine, config, period, ctx.now())), encoding="utf-8")
        click.echo(str(out_file))
    if send:
        queued = queue_digest(engine, config, period, ctx.now())
        with job_lock(engine, "outbox", ctx.now()) as held:
            sent = send_due(engine, open_outbox(config), config, ctx.now(), HANDOVERS) if held else None
        state = "queued" if queued else "already queued earlier"
        click.echo(f"digest {period}: {state}; {sent.sent if sent else 0} mail sent")


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

    config = _ctx().config()
    items = list_held(open_store(config), config)
    if as_json:
        _print_json(items)
        return
    from outputs.console import print_rows

    shown = [{**item, "comments": "\n".join(f"{q}: {c}" for q, c in dict(item["comments"]).items())}  # type: ignore[call-overload]
             for item in items]
    print_rows("Granskas", shown, ["id", "municipality", "period", "version", "questions", "comments"])


@review_cmd.command("release")
@common_options
@click.argument("submission_id", type=int)
def review_release(submission_id: int) -> None:
    """Release a held report after review: its answers are shown again."""
    from flow.operations import release_held
    from lagesbild.runtime import open_store

    ctx = _ctx()
    config = ctx.config()
    filed = release_held(open_store(config), config, submission_id, ctx.now())
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

    ctx = _ctx()
    config = ctx.config()
    start = parse_now(since) if since else None
    bar = ProgressBar("Läser om lagrade meddelanden")
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


@cli.command("run")
@common_options
def run_cmd() -> None:
    """The scheduled worker: ingest (IDLE or interval), outbox sending; stops cleanly on SIGTERM.

    With --now the worker's clock starts at that moment and runs on in real time.

    Example: lagesbild run
    """
    from lagesbild.worker import run_worker

    ctx = _ctx()
    run_worker(ctx.config(), ctx.given_now())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `lagesbild` console script; returns the exit code."""
    try:
        cli.main(args=argv, prog_name="lagesbild", standalone_mode=False)
    except ConfigError as exc:
        click.echo(f"lagesbild: {exc}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("lagesbild: aborted", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return 2 if isinstance(exc, click.UsageError) else 1
    except LagesbildError as exc:
        click.echo(f"lagesbild: {exc}", err=True)
        return 1
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
