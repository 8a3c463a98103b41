"""The settings the application's use cases take: the county, its municipalities and groups,
deadlines, trust, the schedule, reminder stages and signal rules, and `Config`, the whole.

These are plain frozen values. `lagesbild.config` builds them from the TOML file; nothing here
reads a file, the environment or the clock. The mailbox's, the store's and the outbox's own
settings live with their packages (`ingest.settings`, `store.settings`, `outputs.settings`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ingest.settings import MailboxConfig
from outputs.settings import OutboxConfig
from parsers.form import FormSpec
from parsers.limits import Limits
from parsers.result import Period
from store.settings import StoreConfig

Audience = Literal["pending", "missing"]
AUDIENCES: tuple[str, ...] = ("pending", "missing")


@dataclass(frozen=True, slots=True)
class Stage:
    """One reminder stage: when (working days from the deadline, local time) and to whom."""

    name: str
    working_days: int
    hour: int = 8
    minute: int = 0
    audience: Audience = "pending"
    cc_staff: bool = False


DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("before_deadline", -3, audience="pending", cc_staff=False),
    Stage("deadline_day", 0, audience="pending", cc_staff=False),
    Stage("after_deadline", 2, audience="missing", cc_staff=True),
)


@dataclass(frozen=True, slots=True)
class SignalRule:
    """A configured signal: who is told (`to`) and what fires it."""

    name: str
    to: tuple[str, ...]
    question: int | None = None
    min_level: int | None = None
    words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CountyConfig:
    name: str
    code: str
    form: FormSpec
    first_period: Period | None
    mailbox_address: str
    sender_name: str
    staff: tuple[str, ...]
    leadership: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MunicipalityConfig:
    name: str
    code: str
    domains: tuple[str, ...]
    addresses: tuple[str, ...]
    contacts: tuple[str, ...]
    submits_for: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupConfig:
    """Municipalities shown together as a roll-up (cooperating municipalities, a police area)."""

    name: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DeadlineConfig:
    grace_minutes: int
    timezone: str


@dataclass(frozen=True, slots=True)
class SecurityConfig:
    require_authentication: bool
    trusted_authserv_ids: tuple[str, ...] = ()
    trust: str = "auto"  # see flow.trust


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    """When the county's outputs go out (reminders are in `reminder_stages`)."""

    compilation_interval_hours: int = 4
    compilation_deadline_hour: int = 16
    digest_working_days_after_deadline: int = 3
    digest_hour: int = 9
    raw_message_days: int = 730
    notice_interval_minutes: int = 60


@dataclass(frozen=True, slots=True)
class OidcConfig:
    """Sign-in with the county's Microsoft Entra ID (OpenID Connect); off while `issuer` is empty.

    The web page's settings live here, not in web/, because `Config` carries them and web/ sits
    above flow/. `*_roles` are the values of `roles_claim` (Entra app roles) that make an account
    staff, leadership or admin; `county` is the county code the tenant's users belong to.
    """

    issuer: str = ""
    metadata_url: str = ""
    client_id: str = ""
    client_secret: str | None = field(default=None, repr=False)
    redirect_url: str = ""
    roles_claim: str = "roles"
    name_claim: str = "preferred_username"
    county: str = ""
    staff_roles: tuple[str, ...] = ()
    leadership_roles: tuple[str, ...] = ()
    admin_roles: tuple[str, ...] = ()

    @property
    def enabled(self) -> bool:
        """Whether Entra ID sign-in is configured."""
        return bool(self.issuer)


@dataclass(frozen=True, slots=True)
class WebConfig:
    """The staff web page: the session-signing secret (from the environment variable
    `session_secret_env` names; None when unset), local accounts on or off, and Entra ID."""

    session_secret: str | None = field(default=None, repr=False)
    session_secret_env: str = "LAGESBILD_WEB_SECRET"
    local_accounts: bool = True
    oidc: OidcConfig = OidcConfig()
    base_url: str = ""  # the page's public address (no trailing slash); "" when not configured


@dataclass(frozen=True, slots=True)
class CorrectionsConfig:
    """What follows when county staff correct a misread value (flow.correction)."""

    tell_municipality: bool = True  # one short mail to the municipality saying what was changed


@dataclass(frozen=True, slots=True)
class OperationsConfig:
    """What the worker tells county IT: its metrics over HTTP (`metrics_listen`, HOST:PORT) and/or in a
    node_exporter textfile (`metrics_textfile`), empty for off; and how long one step of a job may take
    (`stall_seconds`) before the systemd watchdog is no longer told the worker is alive."""

    metrics_listen: str = ""
    metrics_textfile: str = ""
    stall_seconds: int = 600


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration. `path` is the file it came from (None: built-in)."""

    path: Path | None
    county: CountyConfig
    municipalities: tuple[MunicipalityConfig, ...]
    mailbox: MailboxConfig
    store: StoreConfig
    outbox: OutboxConfig
    limits: Limits
    deadline: DeadlineConfig
    security: SecurityConfig
    groups: tuple[GroupConfig, ...] = ()
    reminder_stages: tuple[Stage, ...] = DEFAULT_STAGES
    signals: tuple[SignalRule, ...] = ()
    schedule: ScheduleConfig = ScheduleConfig()
    corrections: CorrectionsConfig = CorrectionsConfig()
    web: WebConfig = WebConfig()
    operations: OperationsConfig = OperationsConfig()

    def collects(self, period: Period) -> bool:
        """Whether the county collects reports for `period` (none before `first_period`)."""
        return self.county.first_period is None or period >= self.county.first_period

    def municipality(self, name: str) -> MunicipalityConfig | None:
        for m in self.municipalities:
            if m.name == name:
                return m
        return None
