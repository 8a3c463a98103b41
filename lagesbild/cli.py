"""The command line: load the configuration, call one use case, print, exit 0/1/2.

Every subcommand accepts `--config PATH` and `--now ISO-DATETIME`, before or
after the subcommand name (see shared/contracts.md). The group and its context
are in `cli_base`; the staff's commands in `cli_staff`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

import lagesbild.cli_correct  # noqa: F401  (registers `correct` on the group)
import lagesbild.cli_staff  # noqa: F401  (registers the staff's commands on the group)
import lagesbild.cli_web  # noqa: F401  (registers the web page's commands on the group)
from flow.settings import Config
from ground.errors import ConfigError, LagesbildError
from lagesbild.cli_base import cli, common_options, current, period_option, print_json
from parsers.result import Period


def write_output(path: Path, data: bytes) -> None:
    """Write a command's --out file, making its folder; one that cannot be written is one line (exit 1)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise LagesbildError(f"cannot write {path}: {exc.strerror or exc}") from exc


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

    config = current().config()
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
@click.option("--period", help="Pre-fill the month, YYYY-MM (a weekly form: the week, YYYY-Www).")
@click.option("--area", help="Pre-fill the area, on a form that asks for one (e.g. Vivalla).")
@click.option("--last-area", is_flag=True,
              help="Pre-fill the area the municipality named in its last stored report (needs --municipality "
                   "and the county's configuration).")
def forms_cmd(out_dir: Path, municipality: str | None, period: str | None, area: str | None,
              last_area: bool) -> None:
    """Write the blank form as .docx and .xlsx, optionally pre-filled.

    Example: lagesbild forms --out utskick --municipality Kumla --period 2026-W43 --last-area
    """
    from lagesbild.commands import FormFill, write_blank_forms

    config = current().config()
    try:
        written = write_blank_forms(config, out_dir, FormFill(municipality, period, area, last_area))
    except OSError as exc:
        raise LagesbildError(f"cannot write to {out_dir}: {exc.strerror or exc}") from exc
    for path in written.paths:
        click.echo(str(path))
    if written.note:
        click.echo(written.note, err=True)


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

    ctx = current()
    # Not ctx.config(): a configuration that does not load is the doctor's to report.
    checks = run_doctor(ctx.config_path, os.environ, ctx.now(), only=only)
    click.echo(format_checks(checks))
    raise SystemExit(exit_code(checks))


@cli.command("demo")
@common_options
@click.option("--workspace", type=click.Path(path_type=Path), default=Path("lagesbild-demo"), show_default=True,
              help="Folder for the demonstration's files.")
@click.option("--weekly", is_flag=True, help="A week of the EST weekly checklist (due Tuesday 16:00) instead of a "
              "month.")
def demo_cmd(workspace: Path, weekly: bool) -> None:
    """Demonstration on the embedded defaults, no servers needed.

    Example: lagesbild demo (or lagesbild demo --weekly)
    """
    from lagesbild.demo import run_demo

    run_demo(current().config(), workspace, current().now(), weekly=weekly)


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
    import socket
    import time
    from datetime import timedelta

    from flow.heartbeat import Cycle, record_cycle
    from lagesbild.commands import PollResult, poll_and_send
    from lagesbild.runtime import open_county, settle_heap

    ctx = current()
    engine, config = open_county(ctx.config(), ctx.now())  # a first run writes the county's first month down
    settle_heap()
    started, clock = ctx.now(), time.monotonic()

    def heartbeat(result: PollResult, error: str | None) -> None:
        # The same cycle row as `lagesbild run` writes, so `status` shows a cron-driven worker alive too.
        if result.locked_out:
            return  # another worker held the mailbox: its cycle is the one to show
        finished = started + timedelta(seconds=time.monotonic() - clock)
        try:
            record_cycle(engine, config, socket.gethostname(),
                         Cycle(started, finished, sum(result.outcomes.values()), result.failed, result.sent, error))
        except LagesbildError as exc:  # the store away: the missing heartbeat is itself the sign
            click.echo(f"the heartbeat could not be written: {exc}", err=True)

    try:
        result = poll_and_send(config, started, engine=engine)
    except LagesbildError as exc:  # the mailbox away: the cycle is written down with its error, then said
        heartbeat(PollResult(), str(exc))
        raise
    heartbeat(result, None)
    if as_json:
        print_json(result.to_json())
    else:
        click.echo(result.summary())
    if result.failed:
        raise SystemExit(1)


@cli.command("status")
@common_options
@click.option("--period", "period_text", required=True, metavar="YYYY-MM")
@click.option("--json", "as_json", is_flag=True)
def status_cmd(period_text: str, as_json: bool) -> None:
    """Who has reported for a period, who is late or missing; and the worker's last cycle, the outbox
    backlog, parked mail and the quarantine.

    Example: lagesbild status --period 2026-10 --json
    """
    from zoneinfo import ZoneInfo

    from flow.county_start import with_first_period
    from flow.heartbeat import worker_health
    from flow.reports import status_for
    from lagesbild.runtime import open_store

    ctx = current()
    config = ctx.config()
    engine = open_store(config)
    config = with_first_period(engine, config, ctx.now())
    period = period_option(period_text)
    if not config.collects(period):
        _before_first_period(period, config, as_json)
        return
    status = status_for(engine, config, period, ctx.now())
    status["worker"] = worker_health(engine, config, ctx.now()).to_json(ZoneInfo(config.deadline.timezone))
    if as_json:
        print_json(status)
    else:
        from outputs.console import print_status, print_worker

        print_status(status)
        print_worker(status["worker"])


def _before_first_period(period: Period, config: Config, as_json: bool) -> None:
    first = str(config.county.first_period)
    if as_json:
        print_json({"period": str(period), "first_period": first, "before_first_period": True})
    else:
        click.echo(f"{period} is before {config.county.name} started collecting ({first}): nobody reports for it")


@cli.command("export")
@common_options
@click.option("--period", "period_text", required=True, metavar="YYYY-MM")
@click.option("--json", "as_json", is_flag=True, required=True)
def export_cmd(period_text: str, as_json: bool) -> None:
    """The stored answers for a period, latest version per municipality.

    Example: lagesbild export --period 2026-10 --json
    """
    from flow.reports import export_period
    from lagesbild.runtime import open_county

    engine, config = open_county(current().config(), current().now())
    print_json(export_period(engine, config, period_option(period_text)))


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
    from lagesbild.runtime import HANDOVERS, job_lock, open_county, open_outbox

    ctx = current()
    now = ctx.now()
    engine, config = open_county(ctx.config(), now)
    plan = plan_reminders(engine, config, now) if dry_run else queue_reminders(engine, config, now)
    if not dry_run:
        with job_lock(engine, "outbox", now) as held:
            if held:
                send_due(engine, open_outbox(config), config, now, HANDOVERS)
    if as_json:
        print_json(plan.to_json())
        return
    for item in plan.to_json():
        click.echo(f"{item['municipality']} {item['period']} {item['stage']}: {', '.join(item['to'])}")
    for r in plan.no_address:
        click.echo(f"{r.municipality} {r.period} {r.stage}: (no address; staff are told)")
    if not plan.to_json() and not plan.no_address:
        click.echo(f"no reminders due at {now:%Y-%m-%d %H:%M}")


@cli.command("compile")
@common_options
@click.option("--year", "year", required=True, type=click.IntRange(2000, 2999))
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path))
def compile_cmd(year: int, out_file: Path) -> None:
    """Write the county's consolidated workbook for a year (a sheet per question, as the county's own table).

    Example: lagesbild compile --year 2026 --out lagesbild-2026.xlsx
    """
    from flow.jobs import workbook_file
    from lagesbild.runtime import open_county

    ctx = current()
    engine, config = open_county(ctx.config(), ctx.now())
    _, data = workbook_file(engine, config, year, ctx.now())
    write_output(out_file, data)
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
    from lagesbild.runtime import HANDOVERS, job_lock, open_county, open_outbox
    from outputs.digest import digest_file_html

    if out_file is None and not send:
        raise ConfigError("digest: give --out FILE.html, --send, or both")
    ctx = current()
    period = period_option(period_text)
    engine, config = open_county(ctx.config(), ctx.now())
    if out_file is not None:
        write_output(out_file, digest_file_html(make_digest(engine, config, period, ctx.now())).encode("utf-8"))
        click.echo(str(out_file))
    if send:
        queued = queue_digest(engine, config, period, ctx.now())
        with job_lock(engine, "outbox", ctx.now()) as held:
            sent = send_due(engine, open_outbox(config), config, ctx.now(), HANDOVERS) if held else None
        state = "queued" if queued else "already queued earlier"
        click.echo(f"digest {period}: {state}; {sent.sent if sent else 0} mail sent")


@cli.command("run")
@common_options
def run_cmd() -> None:
    """The scheduled worker: ingest (IDLE or interval), outbox sending; stops cleanly on SIGTERM.

    With --now the worker's clock starts at that moment and runs on in real time.

    Example: lagesbild run
    """
    from lagesbild.runtime import open_county
    from lagesbild.worker import run_worker

    ctx = current()
    # A county without [county] first_period starts now: its first run writes the month down.
    _, config = open_county(ctx.config(), ctx.now())
    run_worker(config, ctx.given_now())


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
