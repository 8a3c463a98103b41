"""Choosing the outbox's transport from `[outbox] transport`.

    file:DIR            FileTransport   one .eml per message, written atomically (0600)
    smtp://host:port    SmtpTransport   STARTTLS when offered; required unless the host is loopback
    smtps://host:port   SmtpTransport   implicit TLS
    graph:[MAILBOX]     GraphTransport  Microsoft Graph sendMail with the MIME message, app-only token

What every transport promises, and how its failures are retried, is in
`outputs/outbox.py`.
"""

from __future__ import annotations

import ssl
import urllib.parse

from ground.errors import ConfigError
from outputs.file_transport import FileTransport
from outputs.graph_transport import GRAPH_BASE_URL, GraphSettings, GraphTransport
from outputs.outbox import DEFAULT_TIMEOUT, Transport
from outputs.settings import OutboxConfig
from outputs.smtp_transport import SmtpTransport


def _graph_settings(config: OutboxConfig, url_mailbox: str) -> GraphSettings:
    # OutboxConfig has no graph keys yet; read them when the lead adds them
    # (graph_tenant_id, graph_client_id, graph_client_secret, graph_mailbox).
    mailbox = url_mailbox or str(getattr(config, "graph_mailbox", "") or "")
    settings = GraphSettings(
        tenant_id=str(getattr(config, "graph_tenant_id", "") or ""),
        client_id=str(getattr(config, "graph_client_id", "") or ""),
        client_secret=getattr(config, "graph_client_secret", None),
        mailbox=mailbox,
    )
    missing = [k for k, v in (("graph_tenant_id", settings.tenant_id), ("graph_client_id", settings.client_id),
                              ("graph_mailbox", settings.mailbox)) if not v]
    if missing:
        raise ConfigError(f"[outbox] transport = \"graph:\" needs {', '.join(missing)}")
    return settings


def open_transport(
    config: OutboxConfig,
    *,
    graph: GraphSettings | None = None,
    graph_base_url: str = GRAPH_BASE_URL,
    graph_token_url: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Transport:
    """The transport for `config.transport`.

    "file:DIR", "smtp://host[:port]" (port 25 by default), "smtps://host[:port]"
    (465) or "graph:[MAILBOX]". For graph, `graph` gives the credentials
    until OutboxConfig carries them; a mailbox in the URL wins over theirs.
    """
    url = config.transport
    if url.startswith("file:"):
        return FileTransport(url[len("file:"):])
    if url.startswith("graph:"):
        url_mailbox = url[len("graph:"):].strip("/")
        settings = graph or _graph_settings(config, url_mailbox)
        if url_mailbox and url_mailbox != settings.mailbox:
            settings = GraphSettings(settings.tenant_id, settings.client_id, settings.client_secret, url_mailbox)
        return GraphTransport(settings, base_url=graph_base_url, token_url=graph_token_url,
                              ssl_context=ssl_context, timeout=timeout)
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("smtp", "smtps") and parts.hostname:
        implicit = parts.scheme == "smtps"
        return SmtpTransport(parts.hostname, parts.port or (465 if implicit else 25), implicit_tls=implicit,
                             username=config.username, password=config.password, ssl_context=ssl_context,
                             timeout=timeout)
    raise ConfigError(f"[outbox] transport: '{url}' must be file:DIR, smtp://host:port, smtps://host:port or graph:")
