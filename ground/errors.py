"""The program's exceptions, one tree with one root.

    LagesbildError
    ├── ConfigError          bad configuration or usage (exit code 2)
    ├── MailboxUnavailable   the mailbox cannot be reached now (retry later)
    ├── OutboxUnavailable    mail cannot be sent now (retry later)
    ├── StoreUnavailable     the database cannot be reached now (retry later)
    └── MessageUnreadable    one message could not be read from the mailbox (its own trap records it)

A bad form is never an exception: it is a list of issues on a ParseResult.
Foreign errors are translated where they arise (`raise ... from exc`).
"""

from __future__ import annotations


class LagesbildError(Exception):
    """Root of every error the program raises on purpose."""


class ConfigError(LagesbildError):
    """The configuration or the command line is wrong; the message says what to fix."""


class MailboxUnavailable(LagesbildError):
    """The mailbox could not be reached or refused the operation."""


class OutboxUnavailable(LagesbildError):
    """Outgoing mail could not be handed over."""


class StoreUnavailable(LagesbildError):
    """The database could not be reached."""


class MessageUnreadable(LagesbildError):
    """One message could not be read from the mailbox (see `ingest.source.RawMail.problem`)."""
