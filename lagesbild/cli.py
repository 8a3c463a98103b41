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

from lagesbild.config import Config, find_config_path, load_config
from lagesbild.errors import ConfigError, LagesbildError

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
