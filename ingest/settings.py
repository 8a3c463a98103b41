"""The mailbox's settings: where mail is read from, how to sign in, folders, batch and size caps."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.source import Folder


@dataclass(frozen=True, slots=True)
class MailboxConfig:
    source: str
    password: str | None
    auth: str
    allow_plaintext_loopback: bool
    oauth_tenant_id: str
    oauth_client_id: str
    oauth_client_secret: str | None
    oauth_token_command: str
    processed_folder: str
    quarantine_folder: str
    error_folder: str
    ignored_folder: str
    poll_interval_seconds: int
    idle: bool
    batch_size: int
    max_attempts: int
    max_message_bytes: int = 40 * 1024 * 1024


def configured_folders(config: MailboxConfig) -> dict[Folder, str]:
    """Where handled messages go, by kind, as the configuration names the folders."""
    return {Folder.PROCESSED: config.processed_folder, Folder.QUARANTINE: config.quarantine_folder,
            Folder.ERROR: config.error_folder, Folder.IGNORED: config.ignored_folder}
