"""Strict operator commands (issue 14, item 11): names, release plans, the county of what is touched.

* `--municipality` must be a municipality of the configured county written as
  the registry writes it, case and diacritics folded ("malung-salen" is
  Malung-Sälen); anything else ("Avesta'; DROP TABLE…", a Cyrillic "Аvesta",
  "Avest") is refused with the nearest names suggested.
* `quarantine release` first says what it will do for each form: the
  municipality and month the form names, the version it would supersede. A
  municipality that contradicts the form is refused unless `--force`; a form
  whose municipality and month already have a report that arrived after this
  message is never filed over it.
* `quarantine release`, `quarantine drop` and `review release` touch only
  messages and reports of the configured county, and share exit codes:
  0 done, 1 refused or nothing to do (`OperationRefused`, the reason said),
  2 bad usage (an unknown municipality name).
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from flow.settings import Config
from ground.errors import ConfigError, LagesbildError
from parsers.normalize import fold
from parsers.result import Period


class OperationRefused(LagesbildError):
    """A staff command would do something it must not (exit 1); the message says why and what to do."""


def _key(text: str) -> str:
    return fold(unicodedata.normalize("NFKC", text)).replace(" ", "")


def strict_municipality(config: Config, text: str, option: str = "--municipality") -> str:
    """The configured municipality `text` names exactly (case and diacritics folded); ConfigError otherwise."""
    wanted = _key(text)
    for m in config.municipalities:
        if _key(m.name) == wanted and text.strip().isprintable():
            return m.name
    names = [m.name for m in config.municipalities]
    keys = {_key(n): n for n in names}
    typed = _key(text)
    # A name the text begins with ("Avesta'; DROP …"), then names that look alike ("Аvesta", "Avest").
    near = [n for k, n in keys.items() if len(k) >= 3 and typed.startswith(k)]
    near += [keys[k] for k in difflib.get_close_matches(typed[:60], list(keys), n=3, cutoff=0.6)]
    near = list(dict.fromkeys(near))[:3]
    hint = f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""
    raise ConfigError(f"{option}: {text[:60]!r} is not a municipality of {config.county.name}{hint}; "
                      f"write one of: {', '.join(names)}")


@dataclass(frozen=True, slots=True)
class ReleaseStep:
    """What releasing does with one form of a quarantined message."""

    filename: str
    form_municipality: str | None  # what the form itself says
    period: Period
    action: str  # "file", "skip" (already filed from this message), "newer" (a later report stands), "refuse"
    supersedes: int | None = None  # the version it would replace
    note: str = ""
    identical: bool = False  # the same content as the latest version: filing it makes no new version

    def line(self, municipality: str) -> str:
        """One line for the operator, in English like the rest of the command line's output."""
        says = f"the form says {self.form_municipality}" if self.form_municipality else "the form names no municipality"
        what = {"file": f"file under {municipality} {self.period}"
                        + (f", the same content as version {self.supersedes} (no new version)" if self.identical
                           else f", superseding version {self.supersedes}" if self.supersedes else ", version 1"),
                "skip": f"nothing to do for {self.form_municipality} {self.period}",
                "newer": f"not filed: {self.note}",
                "refuse": f"refused: {self.note}"}[self.action]
        return f"{self.filename}: {says}; {what}"


def check_county(config: Config, county: str, what: str) -> None:
    """Refuse to touch `what` when it belongs to another county than the configured one."""
    if county and county != config.county.code:
        raise OperationRefused(f"{what} belongs to county {county}, not to {config.county.name} "
                               f"({config.county.code}); run the command with that county's configuration")


def newer_report(latest: tuple[int, datetime, str] | None, raw_id: int, received_at: datetime) -> str:
    """Why a form must not be filed over the report that stands, or "" when it may be."""
    if latest is None:
        return ""
    other_raw, other_at, _ = latest
    if other_raw != raw_id and other_at > received_at:
        return f"a newer report (received {other_at:%Y-%m-%d %H:%M}) stands and is not replaced"
    return ""
