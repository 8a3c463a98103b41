"""The outbox group: a writable folder, an SMTP server that lets us in, or a Graph token; nothing is sent."""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from flow.settings import Config
from ground.errors import ConfigError, LagesbildError
from lagesbild.doctor.checks import Check, Probe, Problem, may_create, network_problem, not_tried, who
from outputs.file_transport import FileTransport
from outputs.graph_transport import GraphTransport
from outputs.outbox import TemporarySendError
from outputs.smtp_transport import SmtpTransport
from outputs.transports import open_transport

SmtpSecurity = Literal["tls", "starttls", "plain", "refuse"]


def smtp_security(*, implicit_tls: bool, starttls_offered: bool, require_tls: bool) -> SmtpSecurity:
    """How a session is protected, as SmtpTransport decides it: TLS from the first byte, STARTTLS when
    offered, unencrypted when TLS is not required (a loopback host), else refuse to go on."""
    if implicit_tls:
        return "tls"
    if starttls_offered:
        return "starttls"
    return "refuse" if require_tls else "plain"


def outbox_check(config: Config, names: Mapping[str, str], unset: set[str], probe: Probe) -> Check:
    """The file folder is writable, the SMTP server lets us in, or Graph hands out a token. Nothing is sent."""
    mine = sorted(k for k in unset if k.startswith("outbox."))
    if mine:
        return not_tried("outbox", mine, names)
    try:
        transport = open_transport(config.outbox, graph_token_url=probe.graph_token_url,
                                   ssl_context=probe.ssl_context, timeout=probe.timeout)
    except ConfigError as exc:
        return Check("outbox", False, str(exc), "set the keys it names in [outbox]")
    try:
        if isinstance(transport, FileTransport):
            return _file_outbox(transport.directory)
        if isinstance(transport, SmtpTransport):
            return Check("outbox", True, probe_smtp(transport, names["outbox.password_env"]))
        if isinstance(transport, GraphTransport):
            return Check("outbox", True, _probe_graph(transport, names["outbox.graph_client_secret_env"]))
    except Problem as problem:
        return Check("outbox", False, problem.message, problem.fix)
    return Check("outbox", False, f"unknown transport {type(transport).__name__}", "check [outbox] transport")


def _file_outbox(directory: Path) -> Check:
    if not directory.exists():
        creatable, parent = may_create(directory)
        if not creatable:
            return Check("outbox", False, f"outbox folder {directory} does not exist, and {parent} is not "
                         f"writable for {who()}", f"create {directory} for the user the service runs as, "
                         "or change [outbox] transport")
        return Check("outbox", True, f"outbox folder {directory} does not exist yet; created on first send "
                     "(mail is written there as .eml files, not sent)")
    if not directory.is_dir() or not os.access(directory, os.W_OK | os.X_OK):
        return Check("outbox", False, f"outbox folder {directory} is not a folder writable for {who()}",
                     f"give {directory} to the user the service runs as, or change [outbox] transport")
    return Check("outbox", True, f"outbox folder {directory} is writable (mail is written there as .eml files, "
                 "not sent)")


def probe_smtp(transport: SmtpTransport, password_var: str) -> str:
    """Connect, EHLO, STARTTLS as the transport would, log in when configured, QUIT. Never sends.

    Returns what worked; raises Problem with the fix otherwise.
    """
    t = transport
    where = f"{'smtps' if t.implicit_tls else 'smtp'}://{t.host}:{t.port}"
    try:
        smtp: smtplib.SMTP
        if t.implicit_tls:
            smtp = smtplib.SMTP_SSL(t.host, t.port, timeout=t.timeout, context=t.ssl_context)
        else:
            smtp = smtplib.SMTP(t.host, t.port, timeout=t.timeout)
        with smtp:
            smtp.ehlo_or_helo_if_needed()
            security = smtp_security(implicit_tls=t.implicit_tls, starttls_offered=smtp.has_extn("starttls"),
                                     require_tls=t.require_tls)
            if security == "refuse":
                raise Problem(f"{where} does not offer STARTTLS; Lägesbild sends unencrypted only to this "
                              "machine", "enable STARTTLS on the mail server, or use smtps:// (port 465)")
            if security == "starttls":
                smtp.starttls(context=t.ssl_context)
                smtp.ehlo()
            login = ""
            if t.username:
                if not smtp.has_extn("auth"):
                    raise Problem(f"{where} offers no login (AUTH) after {security.upper()}",
                                  "enable SMTP AUTH on the server, or leave [outbox] username empty if it "
                                  "accepts mail from this machine without a login")
                t._login(smtp, t.password or "")  # noqa: SLF001 - the transport's own login, UTF-8 included
                login = f", logged in as {t.username}"
    except Problem:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise Problem(f"{where} refused the login for {t.username} ({exc.smtp_code})",
                      f"check [outbox] username and the password in ${password_var}") from exc
    except smtplib.SMTPResponseException as exc:
        reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        raise Problem(f"{where} answered {exc.smtp_code} {' '.join(str(reply).split())}",
                      "check [outbox] transport and the mail server's log") from exc
    except (smtplib.SMTPException, OSError) as exc:
        network = network_problem(exc, t.host, t.port, "[outbox] transport", t.timeout)
        if network is not None:
            raise network from exc
        raise Problem(f"{where}: {exc or type(exc).__name__}", "check [outbox] transport") from exc
    except LagesbildError as exc:  # the transport's login: no AUTH PLAIN for a non-ASCII password
        raise Problem(str(exc), "use an ASCII password, or enable AUTH PLAIN on the server") from exc
    words = {"tls": "TLS", "starttls": "STARTTLS", "plain": "unencrypted (this machine only)"}
    return f"{where} answers, {words[security]}{login}; nothing was sent"


def _probe_graph(transport: GraphTransport, secret_var: str) -> str:
    """Fetch a token (the client-credentials grant); Mail.Send itself shows only when mail is sent."""
    s = transport.settings
    try:
        transport._access_token()  # noqa: SLF001 - the transport's own token request, nothing sent
    except TemporarySendError as exc:
        raise Problem(f"no Graph token for client {s.client_id}: {exc}",
                      f"check graph_tenant_id, graph_client_id and the client secret in ${secret_var} "
                      "(secrets expire: see the app registration)") from exc
    return (f"Microsoft Graph token received for client {s.client_id}; mail goes out as {s.mailbox} "
            "(the Mail.Send permission shows on the first send)")
