"""Loading the configuration once, validating it, and handing it down.

`load_config(path)` reads a TOML file, fills every table it leaves out (and
every key a table leaves out) from the built-in defaults, which are
`config.example.toml`, and returns frozen dataclasses. Errors name the key and
say what is wrong. Secrets are read here, from the environment variables the
configuration names (lagesbild.config_table); below the command line no code
reads the environment.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from flow.reminders import stages_from_config
from flow.settings import (
    Config,
    CorrectionsConfig,
    CountyConfig,
    DeadlineConfig,
    GroupConfig,
    MunicipalityConfig,
    OperationsConfig,
    ScheduleConfig,
    SecurityConfig,
)
from flow.signals import rules_from_config
from ground.errors import ConfigError
from ground.net import mask_url
from ingest.settings import MailboxConfig
from lagesbild.config_table import EMAIL_RE, ConfigTable
from lagesbild.config_web import web_config
from outputs.settings import OutboxConfig
from parsers.form import FormError, FormSpec, builtin_form_path, load_form
from parsers.limits import Limits
from parsers.result import Period
from store.settings import StoreConfig


def default_config_text() -> str:
    """The text of the built-in defaults (config.example.toml)."""
    return (resources.files("lagesbild") / "defaults.toml").read_text(encoding="utf-8")


_DOMAIN_RE = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def _resolve_path_url(value: str, scheme: str, base: Path) -> str:
    """Make the path of "scheme:PATH" absolute against `base`."""
    prefix, _, path = value.partition(":")
    if prefix != scheme or not path:
        return value
    p = Path(path).expanduser()
    return f"{scheme}:{p if p.is_absolute() else (base / p)}"


def _resolve_sqlite(url: str, base: Path) -> str:
    m = re.match(r"^sqlite:///(.*)$", url)
    if not m or not m.group(1) or m.group(1).startswith("/") or m.group(1) == ":memory:":
        return url
    return f"sqlite:///{base / m.group(1)}"


def _check_source(url: str) -> None:
    if url.startswith("maildir:"):
        if not url[len("maildir:"):]:
            raise ConfigError("[mailbox] source: 'maildir:' needs a folder, e.g. maildir:/var/mail/lagesbild")
        return
    m = re.fullmatch(r"imaps?://(?:[^@/]+@)?[^/:]+(?::\d{1,5})?(?:/.*)?", url)
    if not m:
        raise ConfigError(f"[mailbox] source: '{mask_url(url)}' must be maildir:PATH or imap://user@host:port/FOLDER")


def _check_transport(url: str) -> None:
    if url.startswith("file:") and url[5:]:
        return
    if re.fullmatch(r"smtps?://[^/:]+(?::\d{1,5})?/?", url) or url.startswith("graph:"):
        return
    raise ConfigError(f"[outbox] transport: '{mask_url(url)}' must be file:DIR, smtp://host:port, smtps://host:port "
                      "or graph:")


def _check_store(url: str) -> None:
    if url.startswith("sqlite:///") or url.startswith(("postgresql://", "postgresql+psycopg://")):
        return
    raise ConfigError(f"[store] url: '{mask_url(url)}' must be sqlite:///PATH or postgresql+psycopg://user@host/db")


def _load_form(ref: str, base: Path) -> FormSpec:
    path = builtin_form_path(ref)
    if path is None:
        candidate = Path(ref).expanduser()
        path = candidate if candidate.is_absolute() else base / candidate
        if not path.is_file():
            raise ConfigError(f"[county] form: '{ref}' is neither a shipped form nor a file")
    try:
        return load_form(path)
    except FormError as exc:
        raise ConfigError(f"[county] form: {exc}") from exc


def _municipalities(items: Any, county_code: str) -> tuple[MunicipalityConfig, ...]:
    from parsers.municipality import load_registry

    if not isinstance(items, list) or not items:
        raise ConfigError("[[municipalities]]: at least one municipality is needed")
    registry = load_registry()
    keys = {"name": "", "domains": [], "addresses": [], "contacts": [], "submits_for": []}
    out: list[MunicipalityConfig] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ConfigError(f"[[municipalities]] #{i + 1}: must be a table")
        t = ConfigTable(f"municipalities #{i + 1}", item, keys)
        name = t.str("name", allow_empty=False)
        found = registry.by_name(name)
        if found is None:
            resolution = registry.resolve(name)
            hint = f" (did you mean '{resolution.municipality.name}'?)" if resolution.municipality else ""
            raise ConfigError(f"[[municipalities]] name: '{name}' is not a Swedish municipality{hint}")
        if found.county_code != county_code:
            raise ConfigError(f"[[municipalities]] name: '{name}' is in county {found.county_code}, "
                              f"not in [county] code {county_code}")
        domains = tuple(d.lower().lstrip("@") for d in t.strings("domains"))
        for d in domains:
            if not _DOMAIN_RE.fullmatch(d):
                raise ConfigError(f"[[municipalities]] {name}: domain '{d}' is not a domain name")
        out.append(MunicipalityConfig(name, found.code, domains, tuple(a.lower() for a in t.emails("addresses")),
                                      t.emails("contacts"), t.strings("submits_for")))
    names = [m.name for m in out]
    if len(set(names)) != len(names):
        raise ConfigError("[[municipalities]]: a municipality is listed twice")
    for m in out:
        for other in m.submits_for:
            if other not in names:
                raise ConfigError(f"[[municipalities]] {m.name}: submits_for '{other}' is not a listed municipality")
    return tuple(out)


def config_from_dict(data: Mapping[str, Any], base: Path, path: Path | None = None,
                     environ: Mapping[str, str] | None = None) -> Config:
    """Build a Config from parsed TOML (tables left out come from the defaults); secrets are read from
    `environ` (default: this process's environment)."""
    defaults = tomllib.loads(default_config_text())
    known = set(defaults)
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown table [{unknown[0]}] (known: {', '.join(sorted(known))})")
    for key, value in data.items():
        if key not in ("municipalities", "groups", "signals") and not isinstance(value, dict):
            raise ConfigError(f"[{key}] must be a table")

    def table(name: str) -> ConfigTable:
        return ConfigTable(name, data.get(name, {}), defaults[name], environ)

    c = table("county")
    code = c.str("code", allow_empty=False)
    if not re.fullmatch(r"\d{2}", code):
        raise ConfigError(f"[county] code: must be the two-digit county code, got '{code}'")
    county = CountyConfig(
        name=c.str("name", allow_empty=False), code=code, form=_load_form(c.str("form"), base),
        first_period=_first_period(c),
        mailbox_address=_one_email(c, "mailbox_address"),
        sender_name=c.str("sender_name"), staff=c.emails("staff"), leadership=c.emails("leadership"),
    )
    municipalities = _municipalities(data.get("municipalities", defaults["municipalities"]), code)

    m = table("mailbox")
    source = _resolve_path_url(m.str("source"), "maildir", base)
    _check_source(source)
    auth = m.str("auth")
    if auth not in ("password", "xoauth2"):
        raise ConfigError(f"[mailbox] auth: must be \"password\" or \"xoauth2\", got '{auth}'")
    mailbox = MailboxConfig(
        source=source, password=m.secret("password_env"), auth=auth,
        allow_plaintext_loopback=m.bool("allow_plaintext_loopback"),
        oauth_tenant_id=m.str("oauth_tenant_id"), oauth_client_id=m.str("oauth_client_id"),
        oauth_client_secret=m.secret("oauth_client_secret_env"), oauth_token_command=m.str("oauth_token_command"),
        processed_folder=m.str("processed_folder", allow_empty=False),
        quarantine_folder=m.str("quarantine_folder", allow_empty=False),
        error_folder=m.str("error_folder", allow_empty=False),
        ignored_folder=m.str("ignored_folder", allow_empty=False),
        poll_interval_seconds=m.int("poll_interval_seconds", 1, 86400), idle=m.bool("idle"),
        batch_size=m.int("batch_size", 1, 10000), max_attempts=m.int("max_attempts", 1, 100),
        max_message_bytes=m.int("max_message_mb", 1, 2048) * 1024 * 1024,
    )
    s = table("store")
    store_url = _resolve_sqlite(s.str("url"), base)
    _check_store(store_url)
    o = table("outbox")
    transport = _resolve_path_url(o.str("transport"), "file", base)
    _check_transport(transport)
    outbox = OutboxConfig(transport, o.str("username"), o.secret("password_env"),
                          o.int("replies_per_sender_per_hour", 1, 10000),
                          max_reply_age_days=o.int("max_reply_age_days", 0, 36500),
                          graph_tenant_id=o.str("graph_tenant_id"), graph_client_id=o.str("graph_client_id"),
                          graph_client_secret=o.secret("graph_client_secret_env"),
                          graph_mailbox=o.str("graph_mailbox"))
    p = table("parsing")
    mb = 1024 * 1024
    limits = Limits(max_file_bytes=p.int("max_file_mb", 1, 1024) * mb,
                    max_unzipped_bytes=p.int("max_unzipped_mb", 1, 4096) * mb,
                    seconds_per_file=float(p.int("seconds_per_file", 1, 600)),
                    max_pdf_pages=p.int("max_pdf_pages", 1, 10000),
                    max_files_per_message=p.int("max_files_per_message", 1, 1000),
                    readers=p.int("readers", 0, 64))
    d = table("deadline")
    tz = d.str("timezone")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(tz)
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"[deadline] timezone: unknown time zone '{tz}'") from exc
    deadline = DeadlineConfig(d.int("grace_minutes", 0, 60 * 24 * 31), tz)
    sec = table("security")
    groups = _groups(data.get("groups", defaults.get("groups", [])), municipalities)
    r = table("reminders")
    try:
        stages = stages_from_config(r.value("stages"))
        form = county.form
        # The built-in signal rules name the built-in form's questions; a county
        # with a form of its own gets none unless it writes its own.
        default_rules = defaults.get("signals", []) if c.data["form"] == defaults["county"]["form"] else []
        signals = rules_from_config(data.get("signals", default_rules),
                                    questions=form.numbers, levels=tuple(range(form.scale.min, form.scale.max + 1)))
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    c_t, d_t = table("compilation"), table("digest")
    schedule = ScheduleConfig(c_t.int("interval_hours", 1, 24 * 31), c_t.int("deadline_hour", 0, 23),
                              d_t.int("working_days_after_deadline", 0, 20), d_t.int("hour", 0, 23),
                              table("retention").int("raw_message_days", 0, 36500),
                              table("notices").int("interval_minutes", 1, 24 * 60 * 7))
    trust = sec.str("trust")
    if trust not in ("auto", "authserv", "exchange", "none"):
        raise ConfigError(f"[security] trust: must be \"auto\", \"authserv\", \"exchange\" or \"none\", got '{trust}'")
    security = SecurityConfig(sec.bool("require_authentication"), sec.strings("trusted_authserv_ids"), trust)
    return Config(path, county, municipalities, mailbox, StoreConfig(store_url, s.secret("password_env")),
                  outbox, limits, deadline, security, groups, stages, signals, schedule,
                  corrections=CorrectionsConfig(table("corrections").bool("tell_municipality")),
                  web=web_config(lambda name, d, dflt: ConfigTable(name, d, dflt, environ), data.get("web", {}),
                                 defaults["web"], code),
                  operations=_operations(table("metrics"), table("watchdog"), base))


def _operations(metrics: ConfigTable, watchdog: ConfigTable, base: Path) -> OperationsConfig:
    """[metrics] listen (HOST:PORT) and textfile (a .prom file for node_exporter), [watchdog] stall_seconds."""
    listen = metrics.str("listen").strip()
    if listen and not re.fullmatch(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}", listen):
        raise ConfigError(f"[metrics] listen: '{listen}' must be HOST:PORT, e.g. 127.0.0.1:9464")
    textfile = metrics.str("textfile").strip()
    if textfile:
        path = Path(textfile).expanduser()
        if path.suffix != ".prom":
            raise ConfigError(f"[metrics] textfile: '{textfile}' must end in .prom (node_exporter reads only those)")
        textfile = str(path if path.is_absolute() else base / path)
    return OperationsConfig(listen, textfile, watchdog.int("stall_seconds", 1, 86400))


def _groups(items: Any, municipalities: tuple[MunicipalityConfig, ...]) -> tuple[GroupConfig, ...]:
    if not isinstance(items, list):
        raise ConfigError("[[groups]]: must be a list of tables")
    names = {m.name for m in municipalities}
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ConfigError(f"[[groups]] #{i + 1}: must be a table")
        t = ConfigTable(f"groups #{i + 1}", item, {"name": "", "members": []})
        name = t.str("name", allow_empty=False)
        members = t.strings("members")
        unknown = [m for m in members if m not in names]
        if unknown:
            raise ConfigError(f"[[groups]] {name}: '{unknown[0]}' is not a listed municipality")
        if len(members) < 2:
            raise ConfigError(f"[[groups]] {name}: a group needs at least two members")
        out.append(GroupConfig(name, members))
    return tuple(out)


def _first_period(t: ConfigTable) -> Period | None:
    text = t.str("first_period")
    if not text:
        return None
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise ConfigError(f"[county] first_period: '{text}' must be YYYY-MM, e.g. 2026-01") from exc


def _one_email(t: ConfigTable, key: str) -> str:
    value = t.str(key, allow_empty=False)
    if not EMAIL_RE.fullmatch(value):
        raise ConfigError(f"[{t.name}] {key}: '{value}' is not an e-mail address")
    return value


def load_config(path: str | Path | None, environ: Mapping[str, str] | None = None) -> Config:
    """Load `path` (None: the built-in defaults), with secrets from `environ` (default: this process's
    environment). Raises ConfigError naming the key."""
    if path is None:
        return config_from_dict({}, Path.cwd(), environ=environ)
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read configuration file {p}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from exc
    try:
        return config_from_dict(data, p.resolve().parent, p, environ)
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc}") from exc


def find_config_path(explicit: str | None, environ: Mapping[str, str]) -> Path | None:
    """--config, else $LAGESBILD_CONFIG, else ./config.toml when present, else None."""
    if explicit:
        return Path(explicit)
    if environ.get("LAGESBILD_CONFIG"):
        return Path(environ["LAGESBILD_CONFIG"])
    local = Path("config.toml")
    return local if local.is_file() else None
