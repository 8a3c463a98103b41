"""The program's exceptions, one tree with one root. Every layer may import this module; it imports nothing.

    LagesbildError
    ├── ConfigError           bad configuration or usage (exit code 2)
    ├── MailboxUnavailable    the mailbox cannot be reached now (retry later)
    ├── OutboxUnavailable     mail cannot be sent now (retry later)
    │   └── TemporarySendError       outputs.outbox: the server said "later" for one mail
    ├── StoreUnavailable      the database cannot be reached now (retry later)
    ├── MessageUnreadable     one message could not be read from the mailbox (its own trap records it)
    ├── PermanentSendError    outputs.outbox: the server refused one mail for good
    ├── UnreadableOutput      outputs.verify: a file just written does not open again
    ├── AlreadyClaimed        store.errors: another worker holds this message
    ├── NotFound              store.errors: no row with that id (also a LookupError)
    ├── ParserCrashed         flow.sandbox: the reader process died or hit its cap
    └── OperationRefused      flow.staff_ops: a staff operation that would do harm (exit code 1)

The subclasses that belong to one layer live there; the roots every layer
raises live here. A bad form is never an exception: it is a list of issues
on a ParseResult. Foreign errors are translated where they arise
(`raise ... from exc`).
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
