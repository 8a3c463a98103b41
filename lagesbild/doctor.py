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

import imaplib
import os
import pwd
import smtplib
import socket
import sqlite3
import ssl
import tomllib
import urllib.parse
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Literal
from zoneinfo import ZoneInfo

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from jinja2 import TemplateError, TemplateSyntaxError
from sqlalchemy import create_engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from flow.calendar import deadline
from flow.settings import Config
from ground.errors import ConfigError, LagesbildError, MailboxUnavailable, StoreUnavailable
from ingest.imap import ImapSource
from ingest.imap_connection import parse_imap_url
from ingest.maildir import folder_dirname
from lagesbild.config import default_config_text, find_config_path, load_config
from lagesbild.samples import sample_answers
from outputs.blank_docx import build_blank_docx
from outputs.blank_forms import blank_form_filename
from outputs.blank_xlsx import build_blank_xlsx
from outputs.digest import build_digest, digest_file_html, digest_message
from outputs.file_transport import FileTransport
from outputs.graph_transport import GraphTransport
from outputs.notices import Arrival, CompilationSummary, build_compilation, build_reminder, build_signal_notice
from outputs.outbox import TemporarySendError
from outputs.picture import CountyPicture, Group, MonthReport, MonthState
from outputs.replies import (
    ReplyContext,
    build_duplicate_notice,
    build_error_reply,
    build_receipt,
    build_staff_notice,
    environment,
)
from outputs.smtp_transport import SmtpTransport
from outputs.transports import open_transport
from parsers.result import Issue, Period
from store.db import MIGRATIONS, current_revision, head_revision, make_engine

CONFIG_CHECK = "configuration"


@dataclass(frozen=True)
class Check:
    """The outcome of one check, shown as one line.

    `ok` False is a problem to fix (`fix` says how). `ok` True with a `fix`
    is a warning: it works, but probably not as intended. `skipped` means the
    check could not be tried because an earlier one failed.
    """

    name: str
    ok: bool
    message: str
    fix: str = ""
    skipped: bool = False

    @property
    def warning(self) -> bool:
        """Works, but something is probably not as intended (an ok check with a fix)."""
        return self.ok and not self.skipped and bool(self.fix)


class _Problem(Exception):
    """A check's failure, raised inside it: what is wrong, and how to fix it."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


# --------------------------------------------------------------------------
# Running and showing the checks
# --------------------------------------------------------------------------


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
        config = load_config(path)
        names = secret_names(path)
    except ConfigError as exc:
        return [_configuration_failure(path, exc)]
    config = with_secrets(config, names, environ)
    secrets = [environ[v] for v in names.values() if v and environ.get(v)]
    unset = _unset_secrets(config, names, environ)
    probe = _Probe(ssl_context, timeout, graph_token_url)

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


def _who() -> str:
    """The user this process runs as (the service should run as the same one)."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"


def _creatable(path: Path) -> tuple[bool, Path]:
    """Whether `path` could be created: its nearest existing parent is a folder we may write to."""
    parent = path
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent.is_dir() and os.access(parent, os.W_OK | os.X_OK), parent


# --------------------------------------------------------------------------
# Configuration and secrets
# --------------------------------------------------------------------------

#: The keys that name an environment variable holding a secret.
SECRET_KEYS = ("mailbox.password_env", "mailbox.oauth_client_secret_env", "store.password_env",
               "outbox.password_env", "outbox.graph_client_secret_env")


def _key(dotted: str) -> str:
    table, key = dotted.split(".", 1)
    return f"[{table}] {key}"


def secret_names(path: Path | None) -> dict[str, str]:
    """The variable each secret key names ("mailbox.password_env" -> "LAGESBILD_IMAP_PASSWORD").

    Call after load_config(path) succeeded: the file is then known to be valid.
    """
    defaults = tomllib.loads(default_config_text())
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path is not None else {}
    out = {}
    for dotted in SECRET_KEYS:
        table, key = dotted.split(".", 1)
        out[dotted] = str(data.get(table, {}).get(key, defaults[table][key]))
    return out


def with_secrets(config: Config, names: Mapping[str, str], environ: Mapping[str, str]) -> Config:
    """`config` with every secret read from `environ` (load_config reads the process environment)."""
    def get(dotted: str) -> str | None:
        var = names[dotted]
        return environ.get(var) if var else None

    return replace(
        config,
        mailbox=replace(config.mailbox, password=get("mailbox.password_env"),
                        oauth_client_secret=get("mailbox.oauth_client_secret_env")),
        store=replace(config.store, password=get("store.password_env")),
        outbox=replace(config.outbox, password=get("outbox.password_env"),
                       graph_client_secret=get("outbox.graph_client_secret_env")),
    )


def needed_secrets(config: Config) -> list[tuple[str, str]]:
    """(secret key, why it is needed) for each secret this configuration cannot work without."""
    out = []
    m, o = config.mailbox, config.outbox
    if m.source.startswith(("imap://", "imaps://")):
        if m.auth == "password":
            out.append(("mailbox.password_env", "the IMAP mailbox logs in with a password"))
        elif not m.oauth_token_command.strip():
            out.append(("mailbox.oauth_client_secret_env",
                        "the mailbox signs in to Microsoft 365 with the app's client secret"))
    if o.transport.startswith(("smtp://", "smtps://")) and o.username:
        out.append(("outbox.password_env", f"SMTP logs in as {o.username}"))
    if o.transport.startswith("graph:"):
        out.append(("outbox.graph_client_secret_env", "Microsoft Graph needs the app's client secret"))
    return out


def _unset_secrets(config: Config, names: Mapping[str, str], environ: Mapping[str, str]) -> set[str]:
    return {key for key, _ in needed_secrets(config) if not names[key] or not environ.get(names[key])}


def _configuration_failure(path: Path | None, exc: ConfigError) -> Check:
    if path is not None and not path.is_file():
        fix = "give the right file with --config PATH or $LAGESBILD_CONFIG"
    elif path is not None and not os.access(path, os.R_OK):
        fix = f"let the user {_who()} read {path}"
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


def secret_checks(config: Config, names: Mapping[str, str], environ: Mapping[str, str]) -> list[Check]:
    """One failed check per secret the configuration needs and the environment lacks; else one ok line."""
    failed, present = [], []
    for key, why in needed_secrets(config):
        var = names[key]
        if not var:
            failed.append(Check("secrets", False, f"{_key(key)} is empty, but {why}",
                                f"name the environment variable that holds it in {_key(key)}"))
        elif var not in environ:
            failed.append(Check("secrets", False, f"${var} is not set, but {why} ({_key(key)})",
                                f"set {var} in the service's environment (e.g. the systemd unit's "
                                "EnvironmentFile=), never in the configuration file"))
        elif not environ[var]:
            failed.append(Check("secrets", False, f"${var} is set but empty, but {why} ({_key(key)})",
                                f"put the secret in {var}"))
        else:
            present.append(f"${var}")
    if failed:
        return failed
    optional = names["store.password_env"]
    if config.store.url.startswith("postgresql") and optional and environ.get(optional):
        present.append(f"${optional}")
    if not present:
        return [Check("secrets", True, "none needed by this configuration")]
    return [Check("secrets", True, f"{', '.join(present)} {'is' if len(present) == 1 else 'are'} set")]


@dataclass(frozen=True)
class _Probe:
    ssl_context: ssl.SSLContext | None
    timeout: float
    graph_token_url: str | None


def _not_tried(name: str, keys: Iterable[str], names: Mapping[str, str]) -> Check:
    missing = ", ".join(f"${names[k]}" if names[k] else _key(k) for k in keys)
    return Check(name, True, f"not tried: {missing} is missing (see secrets)", skipped=True)


# --------------------------------------------------------------------------
# Mailbox
# --------------------------------------------------------------------------


def mailbox_checks(config: Config, names: Mapping[str, str], unset: set[str], probe: _Probe) -> list[Check]:
    """The mailbox, and whether the folders handled mail is moved to exist."""
    if config.mailbox.source.startswith("maildir:"):
        return _maildir_checks(config)
    mine = sorted(k for k in unset if k.startswith("mailbox."))
    if mine:
        return [_not_tried("mailbox", mine, names)]
    return _imap_checks(config, names, probe)


def _folder_names(config: Config) -> list[str]:
    m = config.mailbox
    return [m.processed_folder, m.quarantine_folder, m.error_folder, m.ignored_folder]


def _folders_check(missing: list[str], all_names: list[str]) -> Check:
    if not missing:
        return Check("folders", True, f"{', '.join(all_names)} exist")
    verb = "does" if len(missing) == 1 else "do"
    return Check("folders", True, f"{_names(missing)} {verb} not exist yet; created when first needed")


def _maildir_checks(config: Config) -> list[Check]:
    root = Path(config.mailbox.source[len("maildir:"):]).expanduser()
    if not root.exists():
        creatable, parent = _creatable(root)
        if not creatable:
            return [Check("mailbox", False, f"Maildir {root} does not exist, and {parent} is not writable for "
                          f"{_who()}", f"create {root} for the user the service runs as, or change "
                          "[mailbox] source")]
        return [Check("mailbox", True, f"Maildir {root} does not exist yet; created on first run")]
    if not root.is_dir():
        return [Check("mailbox", False, f"{root} is not a folder", "point [mailbox] source at a Maildir folder")]
    if not os.access(root, os.R_OK | os.W_OK | os.X_OK):
        return [Check("mailbox", False, f"Maildir {root} is not readable and writable for {_who()}",
                      f"give {root} to the user the service runs as (chown -R)")]
    waiting = 0
    for sub in ("new", "cur"):
        folder = root / sub
        if folder.is_dir():
            waiting += sum(1 for e in os.scandir(folder) if e.is_file() and not e.name.startswith("."))
    names = _folder_names(config)
    missing = [n for n in names if not (root / folder_dirname(n)).is_dir()]
    return [Check("mailbox", True, f"Maildir {root}: {waiting} message{'s' if waiting != 1 else ''} waiting"),
            _folders_check(missing, names)]


def _imap_checks(config: Config, names: Mapping[str, str], probe: _Probe) -> list[Check]:
    url = parse_imap_url(config.mailbox.source)
    where = f"{url.user}@{url.host}:{url.port}"
    try:
        source = ImapSource(config.mailbox, connect_timeout=probe.timeout, read_timeout=probe.timeout,
                            ssl_context=probe.ssl_context, backoff_base=0.0, sleep=lambda _s: None)
    except ConfigError as exc:
        return [Check("mailbox", False, str(exc), "set the key it names in [mailbox]")]
    try:
        refs = source.list_refs()  # connect, TLS, login, EXAMINE the inbox folder, UID SEARCH
        missing = _missing_imap_folders(source, _folder_names(config))
    except MailboxUnavailable as exc:
        problem = imap_problem(exc, config, names, probe.timeout)
        return [Check("mailbox", False, problem.message, problem.fix)]
    except ConfigError as exc:  # from the token command
        return [Check("mailbox", False, str(exc), "correct the key it names in [mailbox]")]
    finally:
        source.close()
    n = len(refs)
    return [Check("mailbox", True, f"logged in as {where}, folder {url.folder} opened read-only: "
                  f"{n} message{'s' if n != 1 else ''} waiting"),
            _folders_check(missing, _folder_names(config))]


def _missing_imap_folders(source: ImapSource, folders: list[str]) -> list[str]:
    """The configured folders that do not exist on the server (LIST), without creating any.

    ImapSource creates folders only when it moves a message there; it has no
    public way to ask, so this uses its connection and its name mapping.
    """
    def op(c: IMAPClient) -> list[str]:
        return [name for name in folders
                if not c.folder_exists(source._server_name(c, name, prefix=True))]  # noqa: SLF001

    return source._run("LIST", op)  # noqa: SLF001


def _causes(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def _network_problem(exc: BaseException, host: str, port: int, key: str, timeout: float) -> _Problem | None:
    """Connection, name and TLS failures, worded the same for IMAP and SMTP; None when `exc` is none of these."""
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return _Problem(f"the TLS certificate of {host}:{port} is not trusted ({cause.verify_message})",
                            f"use the host name the certificate is issued for in {key}, or add the server's "
                            "CA to this machine's trust store")
        if isinstance(cause, ssl.SSLError):
            return _Problem(f"TLS with {host}:{port} failed ({cause.reason or cause})",
                            f"check the port and scheme in {key}: TLS from the first byte is imaps:// (993) or "
                            "smtps:// (465); STARTTLS is imap:// (143) or smtp:// (587)")
        if isinstance(cause, ConnectionRefusedError):
            return _Problem(f"{host}:{port} refused the connection",
                            f"check the host and port in {key} and that the server is running")
        if isinstance(cause, socket.gaierror):
            return _Problem(f"the host name {host} is not known", f"check the host in {key} and this machine's DNS")
        if isinstance(cause, TimeoutError):
            return _Problem(f"no answer from {host}:{port} within {timeout:g} s",
                            f"check the host and port in {key} and any firewall on the way")
        if isinstance(cause, OSError) and not isinstance(cause, ssl.SSLError):
            return _Problem(f"cannot connect to {host}:{port}: {cause.strerror or cause}",
                            f"check the host and port in {key} and the network")
    return None


def imap_problem(exc: MailboxUnavailable, config: Config, names: Mapping[str, str], timeout: float) -> _Problem:
    """What an IMAP failure means, and what the county's IT department should do about it."""
    url = parse_imap_url(config.mailbox.source)
    text = str(exc)
    if "does not offer STARTTLS" in text:
        return _Problem(f"{url.host}:{url.port} does not offer STARTTLS, so Lägesbild will not log in",
                        "use imaps:// (port 993) or enable TLS on the server; for a server on this machine only, "
                        "set [mailbox] allow_plaintext_loopback = true")
    causes = _causes(exc)
    if any(isinstance(c, LoginError) for c in causes):
        if config.mailbox.auth == "xoauth2":
            return _Problem(f"XOAUTH2 login refused for {url.user}@{url.host}",
                            "check that the app registration has IMAP.AccessAsApp and that its service principal "
                            f"has FullAccess to {url.user} (see README, Microsoft 365)")
        var = names["mailbox.password_env"]
        return _Problem(f"login refused for {url.user}@{url.host}",
                        f"check the user in [mailbox] source and the password in ${var}")
    network = _network_problem(exc, url.host, url.port, "[mailbox] source", timeout)
    if network is not None:
        return network
    server = next((c for c in causes if isinstance(c, imaplib.IMAP4.error)), None)
    if server is not None and "LIST" not in text:
        return _Problem(f"cannot open the folder '{url.folder}' as {url.user}: {server}",
                        "check the folder at the end of [mailbox] source (e.g. imap://user@host/INBOX)")
    return _Problem(text, "check [mailbox] source and the IMAP server's log")


# --------------------------------------------------------------------------
# Outbox
# --------------------------------------------------------------------------

SmtpSecurity = Literal["tls", "starttls", "plain", "refuse"]


def smtp_security(*, implicit_tls: bool, starttls_offered: bool, require_tls: bool) -> SmtpSecurity:
    """How a session is protected, as SmtpTransport decides it: TLS from the first byte, STARTTLS when
    offered, unencrypted when TLS is not required (a loopback host), else refuse to go on."""
    if implicit_tls:
        return "tls"
    if starttls_offered:
        return "starttls"
    return "refuse" if require_tls else "plain"


def outbox_check(config: Config, names: Mapping[str, str], unset: set[str], probe: _Probe) -> Check:
    """The file folder is writable, the SMTP server lets us in, or Graph hands out a token. Nothing is sent."""
    mine = sorted(k for k in unset if k.startswith("outbox."))
    if mine:
        return _not_tried("outbox", mine, names)
    try:
        transport = open_transport(config.outbox, graph_token_url=probe.graph_token_url,
                                   ssl_context=probe.ssl_context, timeout=probe.timeout)
    except ConfigError as exc:
        return Check("outbox", False, str(exc), "set the keys it names in [outbox]")
    try:
        if isinstance(transport, FileTransport):
            return _file_outbox(transport.directory)
        if isinstance(transport, SmtpTransport):
            return Check("outbox", True, probe_smtp(transport, names["outbox.password_env"]))
        if isinstance(transport, GraphTransport):
            return Check("outbox", True, _probe_graph(transport, names["outbox.graph_client_secret_env"]))
    except _Problem as problem:
        return Check("outbox", False, problem.message, problem.fix)
    return Check("outbox", False, f"unknown transport {type(transport).__name__}", "check [outbox] transport")


def _file_outbox(directory: Path) -> Check:
    if not directory.exists():
        creatable, parent = _creatable(directory)
        if not creatable:
            return Check("outbox", False, f"outbox folder {directory} does not exist, and {parent} is not "
                         f"writable for {_who()}", f"create {directory} for the user the service runs as, "
                         "or change [outbox] transport")
        return Check("outbox", True, f"outbox folder {directory} does not exist yet; created on first send "
                     "(mail is written there as .eml files, not sent)")
    if not directory.is_dir() or not os.access(directory, os.W_OK | os.X_OK):
        return Check("outbox", False, f"outbox folder {directory} is not a folder writable for {_who()}",
                     f"give {directory} to the user the service runs as, or change [outbox] transport")
    return Check("outbox", True, f"outbox folder {directory} is writable (mail is written there as .eml files, "
                 "not sent)")


def probe_smtp(transport: SmtpTransport, password_var: str) -> str:
    """Connect, EHLO, STARTTLS as the transport would, log in when configured, QUIT. Never sends.

    Returns what worked; raises _Problem with the fix otherwise.
    """
    t = transport
    where = f"{'smtps' if t.implicit_tls else 'smtp'}://{t.host}:{t.port}"
    try:
        smtp: smtplib.SMTP
        if t.implicit_tls:
            smtp = smtplib.SMTP_SSL(t.host, t.port, timeout=t.timeout, context=t.ssl_context)
        else:
            smtp = smtplib.SMTP(t.host, t.port, timeout=t.timeout)
        with smtp:
            smtp.ehlo_or_helo_if_needed()
            security = smtp_security(implicit_tls=t.implicit_tls, starttls_offered=smtp.has_extn("starttls"),
                                     require_tls=t.require_tls)
            if security == "refuse":
                raise _Problem(f"{where} does not offer STARTTLS; Lägesbild sends unencrypted only to this "
                               "machine", "enable STARTTLS on the mail server, or use smtps:// (port 465)")
            if security == "starttls":
                smtp.starttls(context=t.ssl_context)
                smtp.ehlo()
            login = ""
            if t.username:
                if not smtp.has_extn("auth"):
                    raise _Problem(f"{where} offers no login (AUTH) after {security.upper()}",
                                   "enable SMTP AUTH on the server, or leave [outbox] username empty if it "
                                   "accepts mail from this machine without a login")
                t._login(smtp, t.password or "")  # noqa: SLF001 - the transport's own login, UTF-8 included
                login = f", logged in as {t.username}"
    except _Problem:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise _Problem(f"{where} refused the login for {t.username} ({exc.smtp_code})",
                       f"check [outbox] username and the password in ${password_var}") from exc
    except smtplib.SMTPResponseException as exc:
        reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        raise _Problem(f"{where} answered {exc.smtp_code} {' '.join(str(reply).split())}",
                       "check [outbox] transport and the mail server's log") from exc
    except (smtplib.SMTPException, OSError) as exc:
        network = _network_problem(exc, t.host, t.port, "[outbox] transport", t.timeout)
        if network is not None:
            raise network from exc
        raise _Problem(f"{where}: {exc or type(exc).__name__}", "check [outbox] transport") from exc
    except LagesbildError as exc:  # the transport's login: no AUTH PLAIN for a non-ASCII password
        raise _Problem(str(exc), "use an ASCII password, or enable AUTH PLAIN on the server") from exc
    words = {"tls": "TLS", "starttls": "STARTTLS", "plain": "unencrypted (this machine only)"}
    return f"{where} answers, {words[security]}{login}; nothing was sent"


def _probe_graph(transport: GraphTransport, secret_var: str) -> str:
    """Fetch a token (the client-credentials grant); Mail.Send itself shows only when mail is sent."""
    s = transport.settings
    try:
        transport._access_token()  # noqa: SLF001 - the transport's own token request, nothing sent
    except TemporarySendError as exc:
        raise _Problem(f"no Graph token for client {s.client_id}: {exc}",
                       f"check graph_tenant_id, graph_client_id and the client secret in ${secret_var} "
                       "(secrets expire: see the app registration)") from exc
    return (f"Microsoft Graph token received for client {s.client_id}; mail goes out as {s.mailbox} "
            "(the Mail.Send permission shows on the first send)")


# --------------------------------------------------------------------------
# Database
# --------------------------------------------------------------------------


def _revisions() -> tuple[str, set[str]]:
    """(head, every revision) of this code's migrations."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    known = {r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions()}
    return head_revision(), known


def database_check(config: Config, names: Mapping[str, str]) -> Check:
    """Which migration the database is at, against this code's. Reads only: never creates or migrates."""
    url = make_url(config.store.url)
    shown = url.render_as_string(hide_password=True)
    try:
        if url.get_backend_name() == "sqlite":
            path = Path(url.database or "")
            if not path.exists():
                creatable, parent = _creatable(path)
                if not creatable:
                    return Check("database", False, f"database file {path} does not exist, and {parent} is not "
                                 f"writable for {_who()}", f"create {path.parent} for the user the service runs "
                                 "as, or change [store] url")
                return Check("database", True, f"database file {path} does not exist yet; created and migrated "
                             "on first run")
            revision = _sqlite_revision(path)
        else:
            revision = _postgres_revision(config)
    except _Problem as problem:
        return Check("database", False, problem.message, problem.fix)
    except StoreUnavailable as exc:
        store = _store_problem(str(exc), shown, names["store.password_env"])
        return Check("database", False, store.message, store.fix)
    head, known = _revisions()
    if revision == head:
        return Check("database", True, f"{shown} is at revision {head}, the code's")
    if revision is None:
        return Check("database", True, f"{shown} is empty; the schema is created on first run")
    if revision not in known:
        return Check("database", False, f"{shown} is at revision {revision}, which this version of Lägesbild "
                     f"does not know (the code is at {head})",
                     "install the version of Lägesbild that migrated it, or restore the backup from before")
    return Check("database", True, f"{shown} is at revision {revision}, the code at {head}",
                 "back it up, then run any command that uses it (e.g. `lagesbild quarantine list`) or restart "
                 "the worker: it migrates on start")


def _sqlite_revision(path: Path) -> str | None:
    if not os.access(path, os.R_OK):
        raise _Problem(f"database file {path} is not readable for {_who()}",
                       f"give {path} to the user the service runs as")
    live = Path(f"{path}-wal").exists() and Path(f"{path}-shm").exists()
    # Read-only. When no one has the database open (no -wal/-shm beside it),
    # "immutable" reads the file without creating them: files left behind
    # by a doctor run as root would lock the service out.
    mode = "mode=ro" if live else "mode=ro&immutable=1"
    uri = f"file:{urllib.parse.quote(str(path))}?{mode}"
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    try:
        return current_revision(engine)
    except sa_exc.DatabaseError as exc:
        reason = str(getattr(exc, "orig", exc))
        raise _Problem(f"{path} cannot be read as a database ({reason})",
                       "check [store] url; restore the database from the backup if the file is damaged") from exc
    finally:
        engine.dispose()


def _postgres_revision(config: Config) -> str | None:
    try:
        engine = make_engine(config.store.url, config.store.password)
    except ModuleNotFoundError as exc:
        raise _Problem(f"the PostgreSQL driver is not installed ({exc.name})",
                       "pip install 'lagesbild[postgres]' in the service's environment") from exc
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def _store_problem(text: str, shown: str, password_var: str) -> _Problem:
    lowered = text.lower()
    # "the database is unavailable: connection failed: connection to server at … failed: FATAL:  the reason"
    for marker in ("FATAL:", "failed: ", ": "):
        if marker in text:
            reason = text.rsplit(marker, 1)[1] if marker != ": " else text.split(marker, 1)[1]
            break
    else:
        reason = text
    reason = " ".join(reason.split())
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return _Problem(f"{shown}: login refused", f"check the user in [store] url and the password in "
                        f"${password_var}")
    if "does not exist" in lowered:
        return _Problem(f"{shown}: {reason}", "create the database and its user (see README, PostgreSQL), "
                        "or correct [store] url")
    return _Problem(f"cannot reach {shown}: {reason}",
                    "check the host, port and database in [store] url and that the server is running")


# --------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------


def templates_check(config: Config, now: datetime) -> Check:
    """Compile every template and render each kind of mail once with sample data and the county's form."""
    env = environment()
    names = sorted(env.list_templates())
    current = ""
    try:
        for current in names:
            env.get_template(current)
        current = ""
        kinds = render_samples(config, now)
    except TemplateSyntaxError as exc:
        name = exc.name or current
        return Check("templates", False, f"{name} line {exc.lineno}: {exc.message}",
                     f"correct outputs/templates/{name}, or reinstall Lägesbild if it was changed by accident")
    except TemplateError as exc:
        name, line = _template_frame(exc.__traceback__)
        place = f"{name} line {line}" if name else "a template"
        return Check("templates", False, f"{place}: {exc.message or type(exc).__name__}",
                     f"correct outputs/templates/{name or ''}, or reinstall Lägesbild if it was changed by accident")
    except (KeyError, ValueError, IndexError, TypeError) as exc:
        return Check("templates", False, f"the sample mail could not be built with form {config.county.form.id}: "
                     f"{type(exc).__name__}: {exc}", "check the form named in [county] form")
    return Check("templates", True, f"{len(names)} templates compile; {', '.join(kinds)} and the blank forms "
                 f"render with form {config.county.form.id}")


def _template_frame(tb: TracebackType | None) -> tuple[str, int]:
    """The template and line an error was raised in (jinja2 puts template frames in the traceback)."""
    found = ("", 0)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (Path(filename).name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def render_samples(config: Config, now: datetime) -> list[str]:
    """Build every kind of mail once with made-up data; returns the kinds built. Raises what rendering raises."""
    county, form = config.county, config.county.form
    ctx = ReplyContext(county.name, county.sender_name, county.mailbox_address, form)
    tz = ZoneInfo(config.deadline.timezone)
    period = Period(now.year, now.month).previous()
    names = [m.name for m in config.municipalities]
    muni = names[0]
    answers = sample_answers(form, muni, period)
    first = form.questions[0].number
    issues = (Issue.error(f"q{first}.impact", "Exempel: påverkan saknas."),
              Issue.warning(f"q{first}.comment", "Exempel: kommentaren är lång."))
    staff = list(county.staff) or [county.mailbox_address]
    docx = (blank_form_filename(form, "docx", muni, period), build_blank_docx(form, muni, period))
    build_blank_xlsx(form, muni, period)
    to = "samordnare@kommun.example"
    mid, subject = "<prov@doctor.example>", "Lägesbild"
    for held, late, inferred in ((False, False, False), (True, True, True)):
        build_receipt(ctx, to=to, original_message_id=mid, original_references=(), original_subject=subject,
                      municipality=muni, period=period, version=2 if held else 1, answers=answers, issues=issues,
                      period_inferred=inferred, late=late, held_for_review=held, filename=docx[0], now=now)
    build_error_reply(ctx, to=to, original_message_id=mid, original_references=(), original_subject=subject,
                      problems=["Exempel: ingen blankett bifogad."], blank_form=docx, now=now)
    build_duplicate_notice(ctx, to=to, original_message_id=mid, original_references=(), original_subject=subject,
                           municipality=muni, period=period, version=1, now=now)
    kinds = ["receipt", "error reply", "duplicate notice"]
    build_staff_notice(ctx, to=staff, subject="Prov", lines=["Exempel på en rad."], now=now)
    kinds.append("staff notice")
    due = deadline(period)
    for stage in ("before_deadline", "deadline_day", "after_deadline"):
        build_reminder(ctx, to=[to], cc=staff if stage == "after_deadline" else (), municipality=muni,
                       period=period, stage=stage, deadline=due, blank_form=docx, now=now, tz=tz)
    kinds.append("reminders")
    level = form.scale.levels[-1]
    build_signal_notice(ctx, to=staff, rule_name="Prov", municipality=muni, period=period,
                        question_label=f"Fråga {first}", level_name=level.name, excerpt=answers[first].comment,
                        now=now, reason="Exempel", received_at=now, reply_to=staff, tz=tz)
    kinds.append("signal")
    arrival = Arrival(muni, 2, now - timedelta(days=1), late=True, flags=("personal_data", "held"))
    summary = CompilationSummary(due, len(names), 1, 0, (arrival,), tuple(names[1:2]), tuple(names[2:3]),
                                 (muni,), 1)
    build_compilation(ctx, to=staff, period=period, summary=summary, workbook=("Lägesbild.xlsx", b"x"), now=now,
                      tz=tz)
    kinds.append("compilation")
    picture = _sample_picture(config, period, tz)
    digest = build_digest(picture, period)
    digest_message(digest, sender_name=county.sender_name, mailbox_address=county.mailbox_address,
                   to=list(county.leadership) or staff, now=now)
    digest_file_html(digest)
    kinds.append("digest")
    return kinds


def _sample_picture(config: Config, period: Period, tz: ZoneInfo) -> CountyPicture:
    """A year up to `period` for every configured municipality: one late, one missing, one held answer."""
    form = config.county.form
    names = tuple(m.name for m in config.municipalities)
    reports = {}
    for month in range(1, period.month + 1):
        p = Period(period.year, month)
        arrived = datetime.combine(date(p.year, p.month, 20), datetime.min.time(), tzinfo=tz).astimezone(UTC)
        for i, name in enumerate(names):
            if month == period.month and i == 1:
                reports[(name, month)] = MonthReport(name, p, MonthState.MISSING)
                continue
            state = MonthState.LATE if month == period.month and i == 2 else MonthState.ON_TIME
            withheld = frozenset({form.questions[0].number}) if month == period.month and i == 0 else frozenset()
            answers = sample_answers(form, name, p)
            reports[(name, month)] = MonthReport(name, p, state, answers, arrived, arrived, 1, (), withheld)
    groups = tuple(Group(g.name, g.members) for g in config.groups)
    return CountyPicture(config.county.name, config.county.code, period.year, form, names, groups, reports)


# --------------------------------------------------------------------------
# County, municipalities, signals
# --------------------------------------------------------------------------

_PLACEHOLDER_DOMAINS = ("example.com", "example.net", "example.org")


def is_placeholder(address: str) -> bool:
    """An address on a domain reserved for examples (RFC 2606): mail to it goes nowhere."""
    domain = address.rsplit("@", 1)[-1].lower().rstrip(".")
    return domain.endswith((".example", ".invalid", ".test")) or domain in _PLACEHOLDER_DOMAINS \
        or domain.endswith(tuple("." + d for d in _PLACEHOLDER_DOMAINS))


def _names(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def county_checks(config: Config) -> list[Check]:
    """Recipients present and real, every municipality reachable, signals addressed, first_period set."""
    county = config.county
    checks: list[Check] = []
    if not county.staff:
        checks.append(Check("recipients", False, "[county] staff is empty: quarantine and error notices and "
                            "the compilations reach nobody", "add the county staff's addresses to [county] staff"))
    if not county.leadership:
        checks.append(Check("recipients", True, "[county] leadership is empty: the monthly digest goes to nobody",
                            "add the leadership's addresses to [county] leadership"))
    fake = [f"{key} {a}" for key, values in (("mailbox_address", (county.mailbox_address,)),
                                               ("staff", county.staff), ("leadership", county.leadership))
            for a in values if is_placeholder(a)]
    if fake:
        checks.append(Check("recipients", True, f"[county] {'; '.join(fake)}: example address, mail to it goes "
                            "nowhere", "put the county's real addresses in [county]"))
    if not checks:
        checks.append(Check("recipients", True, f"staff {len(county.staff)}, leadership {len(county.leadership)} "
                            f"address{'es' if len(county.leadership) != 1 else ''}; mail comes from "
                            f"{county.mailbox_address}"))
    if county.first_period is None:
        checks.append(Check("county", True, "[county] first_period is not set: every month counts, so the first "
                            "reminders and the workbook ask for months before the county started",
                            "set [county] first_period = \"YYYY-MM\", the first month the county collects"))
    else:
        checks.append(Check("county", True, f"{county.name} collects reports from {county.first_period}"))
    checks += _municipality_checks(config)
    checks += _signal_checks(config)
    checks.append(trust_check(config))
    return checks


def trust_check(config: Config) -> Check:
    """Whose verdict on senders is believed (flow.trust); a warning when nobody's is."""
    from flow.trust import trusted_source

    source = trusted_source(config)
    sec = config.security
    if source == "authserv":
        return Check("security", True, f"sender verdicts believed from {', '.join(sec.trusted_authserv_ids)} "
                     "(the topmost Authentication-Results with that id)")
    if source == "exchange":
        return Check("security", True, "sender verdicts believed from Exchange Online (its stamp on mail that "
                     "carries X-MS-Exchange-Organization-AuthAs)")
    fix = ("set [security] trusted_authserv_ids = [\"<the authserv-id your mail server writes>\"], or trust = "
           "\"exchange\" when the mail comes through Microsoft 365")
    if sec.require_authentication:
        return Check("security", False, "[security] require_authentication is on but no server's verdict is "
                     "believed: every report would be quarantined", fix)
    return Check("security", True, "no server's verdict on senders is believed: a forged municipal From is "
                 "judged by its address alone (only a failed DMARC in the topmost header is acted on)", fix)


def _municipality_checks(config: Config) -> list[Check]:
    munis = config.municipalities
    out: list[Check] = []
    unreachable = [m.name for m in munis if not m.domains and not m.addresses]
    if unreachable:
        one = len(unreachable) == 1
        out.append(Check("municipalities", False, f"{_names(unreachable)} {'has' if one else 'have'} no sender "
                         "domains or addresses: every report from them is quarantined",
                         "add domains = [\"kommun.se\"] (or addresses) under their [[municipalities]]"))
    silent = [m.name for m in munis if not m.contacts]
    if silent:
        one = len(silent) == 1
        out.append(Check("municipalities", True, f"{_names(silent)} {'has' if one else 'have'} no contacts: "
                         "reminders go to the last sender (and staff are told when there is none)",
                         "add contacts = [\"samordnare@kommun.se\"] under their [[municipalities]]"))
    fake = [f"{m.name} {a}" for m in munis for a in (*m.contacts, *m.addresses) if is_placeholder(a)]
    if fake:
        out.append(Check("municipalities", True, f"example addresses: {'; '.join(fake)}",
                         "put the municipalities' real addresses in [[municipalities]]"))
    if not out:
        out.append(Check("municipalities", True, f"{len(munis)}, each with sender domains and contacts"))
    return out


def _signal_checks(config: Config) -> list[Check]:
    rules = config.signals
    if not rules:
        return [Check("signals", True, "none configured")]
    fake = [f"{r.name} → {a}" for r in rules for a in r.to if is_placeholder(a)]
    if fake:
        return [Check("signals", True, f"example addresses: {'; '.join(fake)}",
                      "put the other missions' real addresses in [[signals]] to, or remove the rules")]
    return [Check("signals", True, f"{len(rules)} rule{'s' if len(rules) != 1 else ''}: "
                  + "; ".join(f"{r.name} → {', '.join(r.to)}" for r in rules))]
