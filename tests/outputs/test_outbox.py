"""Transports against real things: a folder, an aiosmtpd server, a local fake of Microsoft Graph."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import ssl
import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ground.errors import ConfigError, OutboxUnavailable
from ground.net import is_loopback
from outputs.file_transport import FileTransport
from outputs.graph_transport import GraphSettings, GraphTransport, _retry_after
from outputs.mail import to_bytes
from outputs.outbox import PermanentSendError, TemporarySendError, backoff
from outputs.replies import ReplyContext, build_staff_notice
from outputs.settings import OutboxConfig
from outputs.smtp_transport import SmtpTransport
from outputs.transports import open_transport
from parsers.form import default_form
from tests.support import graph as fake_graph
from tests.support.smtp import PERMANENT, TEMPORARY, free_port, silent_server, start_smtp

SENDER = "lagesbild@lansstyrelsen.se"
NOW = datetime(2026, 10, 30, 9, 15, tzinfo=UTC)


def _message(to: list[str] | None = None, subject: str = "Karantän: okänd avsändare") -> bytes:
    ctx = ReplyContext("Dalarnas län", "Länsstyrelsen Dalarna", SENDER, default_form())
    msg = build_staff_notice(ctx, to=to or ["handlaggare@lansstyrelsen.se"], subject=subject,
                             lines=["Ett meddelande från okand@example.com lades i karantän."],
                             attachments=[("original.eml", b"From: x@example.com\r\n\r\nhej\r\n")], now=NOW)
    return to_bytes(msg)


def _config(transport: str, username: str = "", password: str | None = None) -> OutboxConfig:
    return OutboxConfig(transport, username, password, 10)


# --------------------------------------------------------------------------
# backoff and helpers
# --------------------------------------------------------------------------


def test_backoff_doubles_from_one_minute_and_stops_at_six_hours() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(9) == timedelta(minutes=256)
    assert backoff(10) == timedelta(hours=6)
    assert backoff(10_000) == timedelta(hours=6)
    assert backoff(0) == timedelta(minutes=1)


def test_loopback_hosts() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("127.8.9.1") and is_loopback("::1")
    assert is_loopback("localhost") and is_loopback("LOCALHOST.")
    assert not is_loopback("192.0.2.2") and not is_loopback("smtp.lansstyrelsen.se")
    assert not is_loopback("localhost.example.se")


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert _retry_after("120") == timedelta(seconds=120)
    now = datetime(2026, 10, 30, 9, 0, tzinfo=UTC)
    assert _retry_after("Fri, 30 Oct 2026 09:01:30 GMT", now) == timedelta(seconds=90)
    assert _retry_after("Fri, 30 Oct 2026 08:00:00 GMT", now) == timedelta(0)
    assert _retry_after("soon") is None and _retry_after(None) is None


# --------------------------------------------------------------------------
# file:
# --------------------------------------------------------------------------


def test_file_transport_writes_one_private_eml_per_message(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    transport = open_transport(_config(f"file:{outbox}"))
    data = _message()
    transport.send(data, SENDER, ["handlaggare@lansstyrelsen.se"])
    files = list(outbox.iterdir())
    assert len(files) == 1, files
    eml = files[0]
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{12}\.eml", eml.name)
    assert eml.read_bytes() == data
    assert stat.S_IMODE(eml.stat().st_mode) == 0o600
    transport.send(_message(subject="Två"), SENDER, ["handlaggare@lansstyrelsen.se"])
    assert sorted(p.suffix for p in outbox.iterdir()) == [".eml", ".eml"]


def test_file_transport_keeps_identical_messages_sent_at_the_same_instant_apart(tmp_path: Path) -> None:
    transport = FileTransport(tmp_path, clock=lambda: NOW)
    data = _message()
    for _ in range(3):
        transport.send(data, SENDER, ["handlaggare@lansstyrelsen.se"])
    files = sorted(tmp_path.iterdir())
    assert len(files) == 3 and all(f.name.endswith(".eml") for f in files)
    assert all(f.read_bytes() == data for f in files)
    assert not [f for f in files if f.name.startswith(".")], "a temporary file was left behind"


def test_file_transport_that_cannot_write_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(OutboxUnavailable, match="cannot write"):
        FileTransport(blocker).send(_message(), SENDER, ["handlaggare@lansstyrelsen.se"])


def test_file_transport_refuses_a_broken_envelope(tmp_path: Path) -> None:
    transport = FileTransport(tmp_path)
    with pytest.raises(ValueError):
        transport.send(_message(), SENDER, [])
    with pytest.raises(ValueError):
        transport.send(_message(), SENDER, ["a@b.se\r\nRCPT TO:<c@d.se>"])
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------
# smtp:// and smtps://
# --------------------------------------------------------------------------

TO = ["handlaggare@lansstyrelsen.se"]


def test_smtp_plain_on_loopback_delivers_the_bytes_intact() -> None:
    data = _message()
    with start_smtp() as server:
        transport = open_transport(_config(f"smtp://127.0.0.1:{server.port}"))
        transport.send(data, SENDER, TO)
    [got] = server.handler.received
    assert got.mail_from == SENDER and got.rcpt_tos == TO
    assert got.data == data
    assert not got.tls


def test_smtp_converts_bare_line_feeds_to_crlf() -> None:
    data = _message().replace(b"\r\n", b"\n")
    with start_smtp() as server:
        SmtpTransport("127.0.0.1", server.port).send(data, SENDER, TO)
    assert server.handler.received[0].data == data.replace(b"\n", b"\r\n")


def test_smtp_uses_starttls_when_offered_and_verifies_the_certificate(tmp_path: Path) -> None:
    with start_smtp(tmp_path, starttls=True) as server:
        SmtpTransport("127.0.0.1", server.port, ssl_context=server.client_context()).send(_message(), SENDER, TO)
        assert [r.tls for r in server.handler.received] == [True]
        # A certificate nobody vouches for is refused: the default context verifies.
        with pytest.raises(OutboxUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
            SmtpTransport("127.0.0.1", server.port).send(_message(), SENDER, TO)
    assert len(server.handler.received) == 1


def test_smtp_logs_in_over_starttls(tmp_path: Path) -> None:
    with start_smtp(tmp_path, starttls=True, auth=True) as server:
        assert server.credentials is not None
        config = _config(f"smtp://127.0.0.1:{server.port}", server.credentials.username, server.credentials.password)
        open_transport(config, ssl_context=server.client_context()).send(_message(), SENDER, TO)
        [got] = server.handler.received
        assert got.tls and got.login == server.credentials.username
        bad = _config(f"smtp://127.0.0.1:{server.port}", server.credentials.username, "fel")
        with pytest.raises(OutboxUnavailable, match="refused the login"):
            open_transport(bad, ssl_context=server.client_context()).send(_message(), SENDER, TO)
        without = _config(f"smtp://127.0.0.1:{server.port}", server.credentials.username, None)
        with pytest.raises(OutboxUnavailable, match="no SMTP password"):
            open_transport(without, ssl_context=server.client_context()).send(_message(), SENDER, TO)
    assert len(server.handler.received) == 1


def test_smtp_requires_tls_when_told_or_when_the_host_is_not_loopback() -> None:
    with start_smtp() as server, pytest.raises(OutboxUnavailable, match="does not offer STARTTLS"):
        SmtpTransport("127.0.0.1", server.port, require_tls=True).send(_message(), SENDER, TO)
    assert server.handler.received == []
    assert SmtpTransport("smtp.lansstyrelsen.se", 587).require_tls
    assert not SmtpTransport("localhost", 25).require_tls


def _non_loopback_ipv4() -> str | None:
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        infos = []
    candidates = [str(info[4][0]) for info in infos]
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent; this only picks the outgoing address
            candidates.append(str(s.getsockname()[0]))
    except OSError:
        pass
    for address in candidates:
        if not is_loopback(address):
            try:
                with socket.socket() as probe:
                    probe.bind((address, 0))
                return address
            except OSError:
                continue
    return None


def test_smtp_refuses_plain_text_to_a_real_non_loopback_server() -> None:
    address = _non_loopback_ipv4()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to listen on")
    with start_smtp(host=address) as server, pytest.raises(OutboxUnavailable, match="does not offer STARTTLS"):
        open_transport(_config(f"smtp://{address}:{server.port}")).send(_message(), SENDER, TO)
    assert server.handler.received == []


def test_smtps_is_tls_from_the_first_byte(tmp_path: Path) -> None:
    with start_smtp(tmp_path, implicit_tls=True, auth=True) as server:
        assert server.credentials is not None
        config = _config(f"smtps://127.0.0.1:{server.port}", server.credentials.username, server.credentials.password)
        open_transport(config, ssl_context=server.client_context()).send(_message(), SENDER, TO)
        # Speaking plain SMTP to it fails (the server expects a TLS handshake).
        with pytest.raises(OutboxUnavailable):
            SmtpTransport("127.0.0.1", server.port, timeout=0.5).send(_message(), SENDER, TO)
    [got] = server.handler.received
    assert got.tls and got.login == server.credentials.username


def test_smtp_451_is_temporary_and_550_for_everyone_is_permanent() -> None:
    with start_smtp() as server:
        transport = SmtpTransport("127.0.0.1", server.port)
        server.handler.rcpt_reply["*"] = TEMPORARY
        with pytest.raises(TemporarySendError, match="451"):
            transport.send(_message(), SENDER, TO)
        server.handler.rcpt_reply["*"] = PERMANENT
        with pytest.raises(PermanentSendError, match="550"):
            transport.send(_message(), SENDER, TO)
        server.handler.rcpt_reply.clear()
        server.handler.data_reply = TEMPORARY
        with pytest.raises(OutboxUnavailable, match="451"):
            transport.send(_message(), SENDER, TO)
        server.handler.data_reply = "554 5.6.0 Message content rejected"
        with pytest.raises(PermanentSendError, match="554"):
            transport.send(_message(), SENDER, TO)
        assert server.handler.received == []
        server.handler.data_reply = None
        transport.send(_message(), SENDER, TO)
    assert len(server.handler.received) == 1


def test_smtp_one_refused_recipient_does_not_hold_back_the_others() -> None:
    with start_smtp() as server:
        server.handler.rcpt_reply["borta@lansstyrelsen.se"] = PERMANENT
        SmtpTransport("127.0.0.1", server.port).send(_message(), SENDER, ["borta@lansstyrelsen.se", *TO])
    [got] = server.handler.received
    assert got.rcpt_tos == TO


def test_smtp_server_down_is_unavailable() -> None:
    port = free_port()
    with pytest.raises(OutboxUnavailable, match="cannot send through"):
        SmtpTransport("127.0.0.1", port, timeout=2).send(_message(), SENDER, TO)


def test_smtp_silent_server_times_out() -> None:
    with silent_server() as port:
        started = time.monotonic()
        with pytest.raises(OutboxUnavailable):
            SmtpTransport("127.0.0.1", port, timeout=0.3).send(_message(), SENDER, TO)
    assert time.monotonic() - started < 5


# --------------------------------------------------------------------------
# graph:
# --------------------------------------------------------------------------


def _graph_settings(secret: str = fake_graph.CLIENT_SECRET) -> GraphSettings:
    return GraphSettings(fake_graph.TENANT, fake_graph.CLIENT_ID, secret, fake_graph.MAILBOX)


def test_graph_sends_the_mime_message_intact_and_reuses_its_token() -> None:
    data = _message()
    with fake_graph.start_graph() as server:
        transport = open_transport(_config("graph:"), graph=_graph_settings(), graph_base_url=server.base_url,
                                   graph_token_url=server.token_url, ssl_context=server.ssl_context)
        transport.send(data, SENDER, TO)
        transport.send(_message(subject="Andra"), SENDER, TO)
    first, second = server.state.sent
    assert first.mailbox == fake_graph.MAILBOX and first.content_type == "text/plain"
    assert first.mime == data
    assert email.message_from_bytes(second.mime, policy=email.policy.default)["Subject"] == "Andra"
    assert server.state.token_requests == 1


def test_graph_adds_envelope_recipients_missing_from_the_headers_as_bcc() -> None:
    data = _message()
    with fake_graph.start_graph() as server:
        GraphTransport(_graph_settings(), base_url=server.base_url, token_url=server.token_url,
                               ssl_context=server.ssl_context).send(
            data, SENDER, [*TO, "chef@lansstyrelsen.se"])
    mime = server.state.sent[0].mime
    assert mime.endswith(data)
    parsed = email.message_from_bytes(mime, policy=email.policy.default)
    assert parsed["Bcc"] == "chef@lansstyrelsen.se"
    assert parsed["To"] == TO[0]


def test_graph_429_is_temporary_and_carries_retry_after() -> None:
    with fake_graph.start_graph() as server:
        transport = GraphTransport(_graph_settings(), base_url=server.base_url, token_url=server.token_url,
                               ssl_context=server.ssl_context)
        server.state.fail_next(429, Retry_After="7")
        with pytest.raises(TemporarySendError) as caught:
            transport.send(_message(), SENDER, TO)
        assert isinstance(caught.value, OutboxUnavailable)
        assert caught.value.retry_after == timedelta(seconds=7)
        server.state.fail_next(503)
        with pytest.raises(TemporarySendError, match="503") as caught:
            transport.send(_message(), SENDER, TO)
        assert caught.value.retry_after is None
        transport.send(_message(), SENDER, TO)
    assert len(server.state.sent) == 1


def test_graph_400_is_permanent() -> None:
    with fake_graph.start_graph() as server:
        transport = GraphTransport(_graph_settings(), base_url=server.base_url, token_url=server.token_url,
                               ssl_context=server.ssl_context)
        server.state.fail_next(400, {"error": {"code": "ErrorInvalidRecipients", "message": "Invalid recipients"}})
        with pytest.raises(PermanentSendError, match="400: ErrorInvalidRecipients"):
            transport.send(_message(), SENDER, TO)
    assert server.state.sent == []


def test_graph_fetches_a_new_token_when_the_old_one_is_refused() -> None:
    with fake_graph.start_graph() as server:
        transport = GraphTransport(_graph_settings(), base_url=server.base_url, token_url=server.token_url,
                               ssl_context=server.ssl_context)
        transport.send(_message(), SENDER, TO)
        server.state.revoke_tokens()
        transport.send(_message(), SENDER, TO)
    assert len(server.state.sent) == 2
    assert server.state.token_requests == 2
    assert server.state.refused == [(401, "InvalidAuthenticationToken")]


def test_graph_wrong_secret_is_unavailable_not_permanent() -> None:
    with fake_graph.start_graph() as server:
        transport = GraphTransport(_graph_settings("fel"), base_url=server.base_url, token_url=server.token_url,
                               ssl_context=server.ssl_context)
        with pytest.raises(TemporarySendError, match="token request failed.*invalid_client"):
            transport.send(_message(), SENDER, TO)
        no_secret = GraphTransport(_graph_settings(""), base_url=server.base_url, token_url=server.token_url,
                               ssl_context=server.ssl_context)
        with pytest.raises(OutboxUnavailable, match="no Graph client secret"):
            no_secret.send(_message(), SENDER, TO)
    assert server.state.sent == []


def test_graph_down_is_unavailable() -> None:
    base = f"https://127.0.0.1:{free_port()}"
    transport = GraphTransport(_graph_settings(), base_url=base, token_url=f"{base}/t/oauth2/v2.0/token", timeout=2)
    with pytest.raises(OutboxUnavailable, match="cannot reach"):
        transport.send(_message(), SENDER, TO)


def test_graph_token_requests_go_through_the_transports_trust_store() -> None:
    """MSAL speaks through the transport's opener: a server the given trust store does not know is refused
    before any secret is sent, and the same server is fine with its CA."""
    with fake_graph.start_graph() as server:
        untrusted = GraphTransport(_graph_settings(), base_url=server.base_url, token_url=server.token_url,
                                   ssl_context=ssl.create_default_context())
        with pytest.raises(OutboxUnavailable, match="cannot reach 127.0.0.1.*CERTIFICATE_VERIFY_FAILED"):
            untrusted.send(_message(), SENDER, TO)
        assert server.state.token_requests == 0
        assert untrusted.authority == f"{server.base_url}/{fake_graph.TENANT}"
    default = GraphTransport(_graph_settings())
    assert default.authority == f"https://login.microsoftonline.com/{fake_graph.TENANT}"


def test_graph_mailbox_from_the_url_and_missing_settings() -> None:
    with fake_graph.start_graph() as server:
        transport = open_transport(_config("graph:annan@lansstyrelsen.se"), graph=_graph_settings(),
                                   graph_base_url=server.base_url, graph_token_url=server.token_url,
                                   ssl_context=server.ssl_context)
        transport.send(_message(), SENDER, TO)
    assert server.state.sent[0].mailbox == "annan@lansstyrelsen.se"
    with pytest.raises(ConfigError, match="graph_tenant_id"):
        open_transport(_config("graph:"))


def test_open_transport_rejects_an_unknown_scheme() -> None:
    with pytest.raises(ConfigError):
        open_transport(_config("pigeon://roof"))

