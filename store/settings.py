"""The database's settings: its URL and the password named in the configuration."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StoreConfig:
    url: str
    password: str | None
