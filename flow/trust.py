"""Which server's verdict on a sender the configuration believes (issue 14, item 3).

`[security] trust` says where verdicts come from:

* "auto" (default): the configured `trusted_authserv_ids` when there are
  any; else Exchange Online's stamp when the mailbox is on Microsoft 365
  (an IMAP host of outlook.office365.com or outlook.office.com); else no
  server is believed to vouch for anyone, but a failed verdict in the topmost
  header is still acted on (a sender who forges a failure only holds up
  their own mail), and `lagesbild doctor` warns.
* "authserv": only headers with one of `trusted_authserv_ids`.
* "exchange": Exchange Online's stamp, whatever the mailbox (mail relayed
  from a Microsoft 365 tenant into another mailbox).
* "none": no header is read; the sender address alone decides.

How a forged header is told from the server's own is in `ingest.authresults`.
A failed verdict (dmarc=fail, compauth=fail) quarantines the message; with
`require_authentication` only a pass is let through.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flow.settings import Config
from ingest.authresults import Verdict, describe, fails, parse_authentication_results, sender_verdict
from ingest.message import MailMessage

TRUST_MODES = ("auto", "authserv", "exchange", "none")
_EXCHANGE_HOSTS = ("outlook.office365.com", "outlook.office.com")


def exchange_mailbox(config: Config) -> bool:
    """Whether the mailbox is a Microsoft 365 (Exchange Online) one."""
    source = config.mailbox.source
    if not source.startswith(("imap://", "imaps://")):
        return False
    host = (urlsplit(source).hostname or "").lower().rstrip(".")
    return host in _EXCHANGE_HOSTS or host.endswith(".outlook.com")


def trusted_source(config: Config) -> str:
    """Where believed verdicts come from: "authserv", "exchange" or "" (no server is believed)."""
    mode = config.security.trust
    if mode == "none":
        return ""
    if mode == "authserv" or (mode == "auto" and config.security.trusted_authserv_ids):
        return "authserv" if config.security.trusted_authserv_ids else ""
    if mode == "exchange" or (mode == "auto" and exchange_mailbox(config)):
        return "exchange"
    return ""


def verdict_for(message: MailMessage, config: Config) -> Verdict | None:
    """The believed verdict on `message`'s sender, or None when there is none to believe."""
    domain = message.sender.rpartition("@")[2]
    source = trusted_source(config)
    if source == "authserv":
        return sender_verdict(message.auth_headers, domain,
                              trusted_authserv_ids=config.security.trusted_authserv_ids)
    if source == "exchange":
        return sender_verdict(message.auth_headers, domain, exchange_auth_as=message.exchange_auth_as or "",
                              trust_exchange=True) if message.exchange_auth_as else None
    if config.security.trust == "auto" and message.auth_headers:
        # Nothing configured: a pass cannot be believed, but a failure in the topmost header can
        # only have been written by the receiving server or by the sender against itself.
        auth = parse_authentication_results(message.auth_headers[:1])
        if auth is not None and fails(auth):
            return Verdict("fail", auth.authserv_id or "topmost", describe(auth))
    return None
