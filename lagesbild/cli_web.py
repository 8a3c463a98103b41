"""The web page's commands: `lagesbild web` serves it; `lagesbild users add|list|remove` keep the local accounts."""

from __future__ import annotations

import gc
import ipaddress
import sys
from collections.abc import Callable
from datetime import UTC, datetime

import click

from flow.settings import WebConfig
from ground.errors import ConfigError
from lagesbild.cli_base import cli, common_options, current

DEFAULT_LISTEN = "127.0.0.1:8080"


def parse_listen(text: str) -> tuple[str, int]:
    """HOST:PORT (an IPv6 host in brackets) as (host, port); click.UsageError otherwise."""
    host, sep, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.UsageError(f"--listen: '{text}' is not HOST:PORT such as {DEFAULT_LISTEN}")
    return host, int(port)


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses, where a cookie may travel over plain HTTP."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _clock(start: datetime | None) -> Callable[[], datetime]:
    """The system clock, or one that starts at --now and runs on in real time (as the worker's)."""
    if start is None:
        return lambda: datetime.now(UTC)
    offset = start - datetime.now(UTC)
    return lambda: datetime.now(UTC) + offset


def session_secret(web: WebConfig, host: str) -> str | None:
    """The configured session secret; on loopback None is allowed (a random one per start, with a warning),
    elsewhere it is a configuration error (exit 2): sessions must outlive a restart and never be forgeable.
    Entra ID sign-in configured without its client secret is a configuration error too."""
    if web.oidc.enabled and not web.oidc.client_secret:
        raise ConfigError("[web.oidc] client_secret_env: the Entra ID app's client secret is not set (its variable, "
                          "or a systemd credential of that name)")
    if web.session_secret:
        return web.session_secret
    if not is_loopback(host):
        raise ConfigError(f"[web] session_secret_env: set ${web.session_secret_env} (at least 32 random characters) "
                          f"to serve on {host}; only loopback may run without it")
    click.echo(f"lagesbild web: ${web.session_secret_env} is not set; a random session secret for this start "
               "(everyone signs in again after a restart)", err=True)
    return None


@cli.command("web")
@common_options
@click.option("--listen", default=DEFAULT_LISTEN, show_default=True, metavar="HOST:PORT",
              help="Where to serve (put the county's reverse proxy in front).")
def web_cmd(listen: str) -> None:
    """The staff web page; GET /health answers 200 with JSON while the store can be read.

    Example: lagesbild web --listen 127.0.0.1:8080
    """
    import uvicorn

    from lagesbild.runtime import open_store
    from web.app import create_app

    host, port = parse_listen(listen)
    ctx = current()
    config = ctx.config()
    secret = session_secret(config.web, host)
    app = create_app(config, open_store(config), _clock(ctx.given_now()), secret_key=secret,
                     secure_cookies=not is_loopback(host))
    # What is loaded by now lives as long as the process: keep it out of the collector's full passes,
    # which otherwise scan it every few board requests (bench/web_pages.py: p95 about 220 -> 76 ms).
    gc.freeze()
    # The reverse proxy adds the client's address; uvicorn trusts it only from loopback by default.
    uvicorn.run(app, host=host, port=port, proxy_headers=True, server_header=False, log_level="info")


@cli.group("users")
def users_group() -> None:
    """Local accounts of the web page."""


@users_group.command("add")
@common_options
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["staff", "leadership", "admin"]))
@click.option("--county", help="The county code the account belongs to (default: the configured county).")
def users_add_cmd(name: str, role: str, county: str | None) -> None:
    """A local account; the password is read from standard input (one line), never from an argument.

    Example: printf '%s\\n' "$PASSWORD" | lagesbild users add anna --role staff
    """
    from flow.accounts import Role, WeakPassword, add_user
    from lagesbild.runtime import open_store

    ctx = current()
    config = ctx.config()
    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Password: ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        account = add_user(open_store(config), name, Role(role), county or config.county.code, password, ctx.now())
    except WeakPassword as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{account.name}: {account.role.value} in {account.county}")


@users_group.command("list")
@common_options
@click.option("--county", help="The county code whose accounts to list (default: the configured county).")
def users_list_cmd(county: str | None) -> None:
    """The local accounts of the county: name, role and whether it may sign in.

    Example: lagesbild users list
    """
    from flow.accounts import list_users
    from lagesbild.runtime import open_store

    config = current().config()
    for account in list_users(open_store(config), county or config.county.code):
        state = "active" if account.active else "disabled"
        click.echo(f"{account.name}\t{account.role.value}\t{account.county}\t{state}")


@users_group.command("remove")
@common_options
@click.argument("name")
@click.option("--county", help="The county code the account belongs to (default: the configured county).")
def users_remove_cmd(name: str, county: str | None) -> None:
    """Disable a local account: it can no longer sign in, and its open sessions end at their next click.
    The row stays, so the audit trail's names stay unambiguous (a removed name is not given out again).

    Example: lagesbild users remove anna
    """
    from flow.accounts import disable_user
    from lagesbild.runtime import open_store

    ctx = current()
    config = ctx.config()
    if not disable_user(open_store(config), name, county or config.county.code, ctx.now()):
        raise click.ClickException(f"no active local account {name!r} in county {county or config.county.code}")
    click.echo(f"{name}: disabled")
