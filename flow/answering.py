"""Who an automatic reply may go to, and which messages are never answered. Pure functions.

A reply goes to the sender (From). A Reply-To is followed only when it lies
within the sender's municipality: one of its domains (or a subdomain), its
configured addresses or its contacts. Anything else is a third party: a
forged municipal From with a Reply-To elsewhere must never make the county's
mailbox write to strangers, quoting whatever subject the attacker chose.

Never answered (RFC 3834 and its spirit): messages that say so
(`X-Auto-Response-Suppress` from Exchange, asking for no auto-replies), and
senders that cannot read an answer (noreply@, no-reply@, donotreply@ and
the like). Such messages are still read and filed; only the mail back is
left out.
"""

from __future__ import annotations

import re

from flow.settings import Config
from ingest.message import MailMessage

# Local parts of addresses nobody reads: "noreply", "no-reply", "no_reply", "donotreply",
# "do-not-reply", "do.not.reply", with anything around them ("system-noreply", "noreply.kommun").
_NOREPLY_RE = re.compile(r"(?:^|[._+-])(?:no[._-]?reply|do[._-]?not[._-]?reply|dont[._-]?reply|noreplies)(?:$|[._+-])")

# A Reply-To is followed only with a plain local part: letters (any script), digits, dots and - _ + '.
_PLAIN_LOCAL_RE = re.compile(r"[\w.+'-]{1,64}")


def no_reply_reason(message: MailMessage) -> str | None:
    """Why `message` must not be answered (Swedish, for the audit trail), or None."""
    suppress = message.suppress_replies
    if suppress and suppress.strip().lower() not in ("none", "0"):
        return f"avsändaren ber om inga automatiska svar (X-Auto-Response-Suppress: {suppress.strip()[:40]})"
    local = message.sender.rpartition("@")[0].lower()
    if local and _NOREPLY_RE.search(local):
        return f"avsändaren {message.sender} tar inte emot svar"
    return None


def _within(address: str, municipality: str | None, config: Config) -> bool:
    if municipality is None:
        return False
    m = config.municipality(municipality)
    if m is None:
        return False
    address = address.strip().lower()
    local, _, domain = address.rpartition("@")
    domain = domain.rstrip(".")
    if not local or not _PLAIN_LOCAL_RE.fullmatch(local):
        # "x%angripare.example@kommun.se", "a!b@…", a quoted "x@elsewhere"@kommun.se: routed on from the
        # municipality's server by old relay tricks, so not within it (From is answered instead).
        return False
    if address in (a.lower() for a in (*m.addresses, *m.contacts)):
        return True
    return any(domain == d or domain.endswith("." + d) for d in m.domains)


def reply_address(message: MailMessage, municipality: str | None, config: Config) -> str:
    """Where a reply to `message` goes: its Reply-To when that lies within `municipality` (its
    domains, addresses or contacts), else its From address ("" when it has none)."""
    sender = (message.sender or "").lower()
    reply_to = (message.reply_to or "").lower()
    if reply_to and reply_to != sender and _within(reply_to, municipality, config):
        return reply_to
    return sender
