"""One table of the configuration, read with types and errors that name the key; and secrets.

`ConfigTable` checks a TOML table's keys against its defaults and reads each
value as the type asked for. `secret` is the one place secrets are read: a
key names an environment variable (never holds the secret), and the value
comes from that variable or, under systemd, from the credential of that name.
"""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ground.errors import ConfigError

#: An e-mail address as the configuration takes one: something, "@", a domain with a dot.
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class ConfigTable:
    """Typed access to one TOML table, with errors that name the key."""

    def __init__(self, name: str, data: Mapping[str, Any], defaults: Mapping[str, Any],
                 environ: Mapping[str, str] | None = None) -> None:
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        unknown = sorted(set(data) - set(defaults))
        if unknown and defaults:
            raise ConfigError(f"[{name}] unknown key '{unknown[0]}' (known keys: {', '.join(sorted(defaults))})")
        self.name = name
        self.data = {**defaults, **data}

    def value(self, key: str) -> Any:
        """The value of `key` as the file (or the defaults) gave it, of any type."""
        if key not in self.data:
            raise ConfigError(f"[{self.name}] {key}: missing")
        return self.data[key]

    def str(self, key: str, *, allow_empty: bool = True) -> str:
        value = self.value(key)
        if not isinstance(value, str):
            raise ConfigError(f"[{self.name}] {key}: must be a string, got {type(value).__name__}")
        if not allow_empty and not value.strip():
            raise ConfigError(f"[{self.name}] {key}: must not be empty")
        return value

    def int(self, key: builtins.str, minimum: int = 0, maximum: int | None = None) -> int:
        value = self.value(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"[{self.name}] {key}: must be a whole number, got {value!r}")
        if value < minimum or (maximum is not None and value > maximum):
            upper = f" and at most {maximum}" if maximum is not None else ""
            raise ConfigError(f"[{self.name}] {key}: must be at least {minimum}{upper}, got {value}")
        return value

    def bool(self, key: builtins.str) -> bool:
        value = self.value(key)
        if not isinstance(value, bool):
            raise ConfigError(f"[{self.name}] {key}: must be true or false, got {value!r}")
        return value

    def strings(self, key: builtins.str) -> tuple[builtins.str, ...]:
        value = self.value(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"[{self.name}] {key}: must be a list of strings")
        return tuple(value)

    def emails(self, key: builtins.str) -> tuple[builtins.str, ...]:
        values = self.strings(key)
        for v in values:
            if not EMAIL_RE.fullmatch(v):
                raise ConfigError(f"[{self.name}] {key}: '{v}' is not an e-mail address")
        return values

    def secret(self, key: builtins.str) -> builtins.str | None:
        """The value of the environment variable named by `key` (None when unset), from the environment
        the configuration is loaded with: the one place secrets are read. When the variable is unset and
        systemd handed the service credentials (`LoadCredential=NAME:…` sets $CREDENTIALS_DIRECTORY), a
        credential file of the variable's name holds it: secrets then never stand in the environment."""
        var = self.str(key)
        if var and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var):
            # Never echo the value: it may be the secret itself, pasted in by mistake.
            raise ConfigError(f"[{self.name}] {key}: must name an environment variable (letters, digits and _), "
                              "not hold the secret itself")
        return secret_value(var, self.environ) if var else None


def secret_value(var: str, environ: Mapping[str, str]) -> str | None:
    """The secret in the environment variable `var`, else in the systemd credential of that name
    ($CREDENTIALS_DIRECTORY/`var`); None when neither holds it."""
    value = environ.get(var)
    if value is None and environ.get("CREDENTIALS_DIRECTORY"):
        value = _credential(Path(environ["CREDENTIALS_DIRECTORY"]) / var)
    return value


def _credential(path: Path) -> str | None:
    """A systemd credential file's text without its final newline (None when there is none)."""
    try:
        return path.read_text(encoding="utf-8").removesuffix("\n")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise ConfigError(f"credential {path.name} cannot be read: {exc.strerror}") from exc
