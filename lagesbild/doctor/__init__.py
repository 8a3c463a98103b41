"""`lagesbild doctor`: check an installation and say, one line each, what to fix.

    checks = run_doctor(config_path, os.environ, now)
    print(format_checks(checks))
    sys.exit(exit_code(checks))

The checks, in order: the configuration file; the secrets it names; the
mailbox (log in, open the inbox folder, see whether the folders handled mail
goes to exist); the outbox (file folder writable, SMTP greeting/TLS/login,
or a Graph token); the database's migration revision; every mail template
rendered once with sample data and the county's form; the county's
recipients, municipalities and signals.

The doctor changes nothing: no folder, Maildir, database file or outbox
folder is created, no migration is run, no mail is sent or moved, and the
IMAP inbox is opened read-only (EXAMINE). Each line is written for the county's
IT department: what is wrong, and how to fix it. The values of secrets never
appear; every line is scrubbed of them before it is returned.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from flow.settings import Config
from ground.errors import ConfigError
from lagesbild.config import find_config_path, load_config
from lagesbild.doctor.checks import CONFIG_CHECK, Check, Probe, who
from lagesbild.doctor.county import county_checks
from lagesbild.doctor.database import database_check
from lagesbild.doctor.mailbox import mailbox_checks
from lagesbild.doctor.outbox import outbox_check
from lagesbild.doctor.secrets import secret_checks, secret_names, unset_secrets
from lagesbild.doctor.templates import templates_check

#: The groups of checks after "configuration", in the order they run (see `run_doctor(only=...)`).
GROUPS = ("secrets", "mailbox", "outbox", "database", "templates", "county")


def run_doctor(config_path: str | None, environ: Mapping[str, str], now: datetime, *,
               only: Collection[str] = (), ssl_context: ssl.SSLContext | None = None, timeout: float = 10.0,
               graph_token_url: str | None = None) -> list[Check]:
    """Every check, in order, for the configuration `config_path` (None: $LAGESBILD_CONFIG,
    ./config.toml, else the built-in defaults).

    Secrets are read from `environ`, not from the process environment. A
    configuration that cannot be loaded gives one failed "configuration"
    check and nothing else. `only` limits the run to some of `GROUPS` (the
    configuration is always checked; the templates take a few seconds, for
    the digest's charts). `ssl_context` replaces the system trust store for
    IMAP and SMTP, `timeout` bounds each network operation, and
    `graph_token_url` replaces Microsoft's token endpoint (both for tests).
    """
    unknown = sorted(set(only) - set(GROUPS))
    if unknown:
        raise ConfigError(f"doctor: no check group '{unknown[0]}' (groups: {', '.join(GROUPS)})")
    path = find_config_path(config_path, environ)
    try:
        config = load_config(path, environ)
        names = secret_names(path)
    except ConfigError as exc:
        return [_configuration_failure(path, exc)]
    secrets = [environ[v] for v in names.values() if v and environ.get(v)]
    unset = unset_secrets(config, names, environ)
    probe = Probe(ssl_context, timeout, graph_token_url)

    groups: dict[str, Callable[[], list[Check]]] = {
        "secrets": lambda: secret_checks(config, names, environ),
        "mailbox": lambda: mailbox_checks(config, names, unset, probe),
        "outbox": lambda: [outbox_check(config, names, unset, probe)],
        "database": lambda: [database_check(config, names)],
        "templates": lambda: [templates_check(config, now)],
        "county": lambda: county_checks(config),
    }
    checks: list[Check] = [_configuration_check(path, config_path, environ, config)]
    for group in GROUPS:
        if not only or group in only:
            checks += _guard(group, groups[group])
    return [_scrub(c, secrets) for c in checks]


def format_checks(checks: Iterable[Check]) -> str:
    """One line per check: "ok   mailbox: …", "warn county: … — fix: …", "FAIL outbox: … — fix: …"."""
    lines = []
    for c in checks:
        if c.skipped:
            status = "skip"
        elif not c.ok:
            status = "FAIL"
        elif c.fix:
            status = "warn"
        else:
            status = "ok  "
        fix = f" — fix: {c.fix}" if c.fix and not c.skipped else ""
        lines.append(f"{status} {c.name}: {c.message}{fix}")
    return "\n".join(lines)


def exit_code(checks: Sequence[Check]) -> int:
    """2 when the configuration could not be loaded, 1 when any check failed, else 0 (warnings pass)."""
    if any(c.name == CONFIG_CHECK and not c.ok for c in checks):
        return 2
    return 1 if any(not c.ok and not c.skipped for c in checks) else 0


def _guard(name: str, run: Callable[[], list[Check]]) -> list[Check]:
    """Run a group of checks; an unexpected error becomes a failed check instead of a crash."""
    try:
        return run()
    except Exception as exc:  # noqa: BLE001 - the doctor reports every failure, it never crashes
        return [Check(name, False, f"the check itself failed: {type(exc).__name__}: {exc}",
                      "report this line to whoever maintains Lägesbild at the county")]


def _scrub(check: Check, secrets: Sequence[str]) -> Check:
    message, fix = check.message, check.fix
    for secret in sorted(secrets, key=len, reverse=True):
        message, fix = message.replace(secret, "***"), fix.replace(secret, "***")
    return replace(check, message=message, fix=fix)


def _configuration_failure(path: Path | None, exc: ConfigError) -> Check:
    if path is not None and not path.is_file():
        fix = "give the right file with --config PATH or $LAGESBILD_CONFIG"
    elif path is not None and not os.access(path, os.R_OK):
        fix = f"let the user {who()} read {path}"
    else:
        where = path if path is not None else "the configuration"
        fix = f"correct that key in {where} (config.example.toml documents every key)"
    return Check(CONFIG_CHECK, False, str(exc), fix)


def _configuration_check(path: Path | None, explicit: str | None, environ: Mapping[str, str],
                         config: Config) -> Check:
    form = config.county.form
    what = f"{config.county.name}, form {form.id} ({len(form.questions)} questions), " \
           f"{len(config.municipalities)} municipalities"
    if path is None:
        return Check(CONFIG_CHECK, True, f"no configuration file (no --config, $LAGESBILD_CONFIG or "
                     f"./config.toml): using the built-in defaults ({what})",
                     "give the installation's file with --config PATH or $LAGESBILD_CONFIG")
    source = "--config" if explicit else "$LAGESBILD_CONFIG" if environ.get("LAGESBILD_CONFIG") else "./config.toml"
    return Check(CONFIG_CHECK, True, f"{path} (from {source}) is valid: {what}")
