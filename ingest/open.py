"""Choosing the mailbox implementation from the `[mailbox] source` URL."""

from __future__ import annotations

from pathlib import Path

from ground.errors import ConfigError
from ingest.settings import MailboxConfig, configured_folders
from ingest.source import MailSource


def open_source(config: MailboxConfig) -> MailSource:
    """A MaildirSource for "maildir:PATH", an ImapSource for "imap://..." or "imaps://...".

    Nothing is opened yet: the Maildir is created and the server contacted on first use.
    Raises ConfigError when the URL or the credentials it needs are missing.
    """
    source = config.source
    if source.startswith("maildir:"):
        from ingest.maildir import MaildirSource

        path = source[len("maildir:"):]
        if not path:
            raise ConfigError("[mailbox] source: 'maildir:' needs a folder, e.g. maildir:/var/mail/lagesbild")
        return MaildirSource(Path(path).expanduser(), configured_folders(config), config.max_message_bytes)
    if source.startswith(("imap://", "imaps://")):
        from ingest.imap import ImapSource

        return ImapSource(config)
    raise ConfigError(f"[mailbox] source: '{source}' must be maildir:PATH or imap://user@host:port/FOLDER")
