"""The command line's ground: the `lagesbild` group, its context (--config, --now) and shared helpers.

Every subcommand accepts `--config PATH` and `--now ISO-DATETIME`, before or
after the subcommand name (see shared/contracts.md).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click

from flow.settings import Config
from ground.errors import ConfigError
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


def current() -> Context:
    """The context of the command being run."""
    return click.get_current_context().ensure_object(Context)


def period_option(value: str) -> Period:
    """A --period value (YYYY-MM, or YYYY-Www for a weekly form) as a Period; a bad one, or one
    of the wrong kind for the county's form, is a ConfigError."""
    from lagesbild.commands import parse_period_option

    period = parse_period_option(value, current().config().county.form.cadence)
    assert period is not None
    return period


def print_json(value: Any) -> None:
    """One JSON document on one line."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=None))
