"""The [web] table of the configuration: the session secret, local accounts, and Entra ID sign-in.

Read by `lagesbild.config` (the one place secrets are read): the session
secret and the OpenID client secret come from the environment variables the
table names, never from the file.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from flow.settings import OidcConfig, WebConfig
from ground.errors import ConfigError
from ground.net import is_loopback

MIN_SESSION_SECRET = 32  # characters; a shorter secret could be guessed offline from one signed cookie


class Table(Protocol):
    """What `lagesbild.config_table.ConfigTable` offers: typed keys with errors that name them."""

    name: builtins.str
    data: dict[builtins.str, Any]

    def str(self, key: builtins.str, *, allow_empty: bool = True) -> builtins.str: ...
    def bool(self, key: builtins.str) -> bool: ...
    def strings(self, key: builtins.str) -> tuple[builtins.str, ...]: ...
    def secret(self, key: builtins.str) -> builtins.str | None: ...


MakeTable = Callable[[str, Mapping[str, Any], Mapping[str, Any]], Table]


def _subtable(parent: Table, key: str, defaults: Mapping[str, Any], make: MakeTable) -> Table:
    value = parent.data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"[{parent.name}.{key}] must be a table")
    return make(f"{parent.name}.{key}", value, defaults[key])


def _https_url(t: Table, key: str) -> str:
    """An https URL (plain http only on loopback, as for a test provider); "" stays ""."""
    value = t.str(key).strip()
    if not value:
        return ""
    parts = urlsplit(value)
    plain_ok = parts.scheme == "http" and is_loopback(parts.hostname or "")
    if not parts.hostname or (parts.scheme != "https" and not plain_ok):
        raise ConfigError(f"[{t.name}] {key}: '{value}' must be an https:// URL")
    return value


def web_config(make: MakeTable, data: Mapping[str, Any], defaults: Mapping[str, Any], county_code: str) -> WebConfig:
    """The [web] table (with [web.oidc] and [web.oidc.roles]) as a WebConfig."""
    web = make("web", data, defaults)
    secret_env = web.str("session_secret_env")
    secret = web.secret("session_secret_env")
    if secret is not None and len(secret) < MIN_SESSION_SECRET:
        raise ConfigError(f"[web] session_secret_env: ${secret_env} must hold at least {MIN_SESSION_SECRET} "
                          "characters")
    o = _subtable(web, "oidc", defaults, make)
    roles = _subtable(o, "roles", defaults["oidc"], make)
    county = o.str("county").strip() or county_code
    if not re.fullmatch(r"\d{2}", county):
        raise ConfigError(f"[web.oidc] county: must be a two-digit county code, got '{county}'")
    oidc = OidcConfig(
        issuer=_https_url(o, "issuer").rstrip("/"), metadata_url=_https_url(o, "metadata_url"),
        client_id=o.str("client_id").strip(), client_secret=o.secret("client_secret_env"),
        redirect_url=_https_url(o, "redirect_url"), roles_claim=o.str("roles_claim", allow_empty=False),
        name_claim=o.str("name_claim", allow_empty=False), county=county,
        staff_roles=roles.strings("staff"), leadership_roles=roles.strings("leadership"),
        admin_roles=roles.strings("admin"))
    local = web.bool("local_accounts")
    if oidc.enabled and not oidc.client_id:
        raise ConfigError("[web.oidc] client_id: needed when issuer is set (the app registration's client id)")
    if not oidc.enabled and not local:
        raise ConfigError("[web] local_accounts: false needs [web.oidc] issuer, else nobody can sign in")
    return WebConfig(session_secret=secret, session_secret_env=secret_env, local_accounts=local, oidc=oidc,
                     base_url=_https_url(web, "base_url").rstrip("/"))
