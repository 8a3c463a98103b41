"""The secrets group: which environment variables the configuration names, and whether they (or systemd
credentials of their names) are set."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

from flow.settings import Config
from lagesbild.config import default_config_text
from lagesbild.config_table import secret_value
from lagesbild.doctor.checks import Check, table_key

#: The keys that name an environment variable holding a secret.
SECRET_KEYS = ("mailbox.password_env", "mailbox.oauth_client_secret_env", "store.password_env",
               "outbox.password_env", "outbox.graph_client_secret_env")


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


def unset_secrets(config: Config, names: Mapping[str, str], environ: Mapping[str, str]) -> set[str]:
    """The keys of the secrets this configuration needs whose variable is unnamed, unset or empty."""
    return {key for key, _ in needed_secrets(config) if not names[key] or not secret_value(names[key], environ)}


def secret_checks(config: Config, names: Mapping[str, str], environ: Mapping[str, str]) -> list[Check]:
    """One failed check per secret the configuration needs and the environment lacks; else one ok line."""
    failed, present = [], []
    for key, why in needed_secrets(config):
        var = names[key]
        if not var:
            failed.append(Check("secrets", False, f"{table_key(key)} is empty, but {why}",
                                f"name the environment variable that holds it in {table_key(key)}"))
        elif secret_value(var, environ) is None:
            failed.append(Check("secrets", False, f"${var} is not set, but {why} ({table_key(key)})",
                                f"give the service {var} as a systemd credential (LoadCredential={var}:"
                                f"/etc/lagesbild/credentials/{var}, see deploy/lagesbild.service) or in its "
                                "environment (EnvironmentFile= of mode 0600), never in the configuration file"))
        elif not secret_value(var, environ):
            failed.append(Check("secrets", False, f"${var} is set but empty, but {why} ({table_key(key)})",
                                f"put the secret in {var}"))
        else:
            present.append(f"${var}")
    if failed:
        return failed
    optional = names["store.password_env"]
    if config.store.url.startswith("postgresql") and optional and secret_value(optional, environ):
        present.append(f"${optional}")
    if not present:
        return [Check("secrets", True, "none needed by this configuration")]
    return [Check("secrets", True, f"{', '.join(present)} {'is' if len(present) == 1 else 'are'} set")]
