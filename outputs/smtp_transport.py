"""The smtp:// and smtps:// transport: SMTP submission with smtplib, TLS required unless the host is loopback."""

from __future__ import annotations

import base64
import logging
import re
import smtplib
import ssl
from collections.abc import Mapping

from ground.errors import OutboxUnavailable
from ground.net import is_loopback
from outputs.mail import needs_smtputf8
from outputs.outbox import DEFAULT_TIMEOUT, PermanentSendError, TemporarySendError, check_envelope

_log = logging.getLogger(__name__)



_LONE_LF_RE = re.compile(rb"(?<!\r)\n")


class SmtpTransport:
    """SMTP submission with smtplib, one connection per message.

    EHLO; STARTTLS when the server offers it (and required unless the host
    is a loopback address, or `require_tls` says otherwise); LOGIN when a
    username is set. `implicit_tls` is smtps (TLS from the first byte).
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        implicit_tls: bool = False,
        username: str = "",
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        require_tls: bool | None = None,
        local_hostname: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.implicit_tls = implicit_tls
        self.username = username
        self.password = password
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.timeout = timeout
        self.require_tls = (not is_loopback(host)) if require_tls is None else require_tls
        self.local_hostname = local_hostname

    def _where(self) -> str:
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{self.host}:{self.port}"

    def send(self, message_bytes: bytes, sender: str, recipients: list[str]) -> None:
        check_envelope(sender, recipients)
        # smtplib sends bytes as they are; SMTP wants CRLF line ends.
        data = _LONE_LF_RE.sub(b"\r\n", message_bytes)
        try:
            refused = self._send(data, sender, recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _recipients_error(exc.recipients, self._where()) from exc
        except smtplib.SMTPDataError as exc:
            # The server refused the message itself (size, content): 5xx is final.
            text = _smtp_text(exc.smtp_code, exc.smtp_error)
            if 500 <= exc.smtp_code < 600:
                raise PermanentSendError(f"{self._where()} refused the message: {text}") from exc
            raise TemporarySendError(f"{self._where()} deferred the message: {text}") from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise TemporarySendError(f"{self._where()} refused the login for '{self.username}': "
                                     f"{_smtp_text(exc.smtp_code, exc.smtp_error)}") from exc
        except smtplib.SMTPResponseException as exc:
            # Greeting, HELO or MAIL FROM refused: a server or configuration
            # problem that hits every message, not this one.
            raise TemporarySendError(f"{self._where()} answered {_smtp_text(exc.smtp_code, exc.smtp_error)}") from exc
        except (smtplib.SMTPException, OSError) as exc:  # OSError covers refused, timeouts, TLS errors
            raise TemporarySendError(f"cannot send through {self._where()}: {exc or type(exc).__name__}") from exc
        if refused:
            # Some recipients took it: it is sent, and sending again would
            # duplicate it for them.
            _log.warning("%s refused some recipients: %s", self._where(),
                         {k: _smtp_text(*v) for k, v in refused.items()})

    def _send(self, data: bytes, sender: str, recipients: list[str]) -> dict[str, tuple[int, bytes]]:
        smtp: smtplib.SMTP
        if self.implicit_tls:
            smtp = smtplib.SMTP_SSL(self.host, self.port, local_hostname=self.local_hostname,
                                    timeout=self.timeout, context=self.ssl_context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout)
        with smtp:
            smtp.ehlo_or_helo_if_needed()
            if not self.implicit_tls:
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=self.ssl_context)
                    smtp.ehlo()
                elif self.require_tls:
                    raise TemporarySendError(f"{self._where()} does not offer STARTTLS; mail is only sent "
                                             "unencrypted to a loopback address")
            if self.username:
                if self.password is None:
                    raise TemporarySendError(f"no SMTP password for '{self.username}' (is the variable named "
                                             "by [outbox] password_env set?)")
                self._login(smtp, self.password)
            options: list[str] = []
            if needs_smtputf8(sender, recipients):
                # RFC 6531: an address with non-ASCII characters travels only to a server that says it can
                # take it; anywhere else it would be mangled or bounce later, so it is refused here.
                if not smtp.has_extn("smtputf8"):
                    raise PermanentSendError(f"{self._where()} does not offer SMTPUTF8, which the address "
                                             f"{next(a for a in (sender, *recipients) if not a.isascii())} needs")
                options = ["SMTPUTF8"] + (["BODY=8BITMIME"] if smtp.has_extn("8bitmime") else [])
            return smtp.sendmail(sender, recipients, data, mail_options=options)

    def _login(self, smtp: smtplib.SMTP, password: str) -> None:
        if (self.username + password).isascii():
            smtp.login(self.username, password)
            return
        # smtplib encodes credentials as ASCII and fails on "lösenord";
        # AUTH PLAIN (RFC 4616) carries UTF-8, so send that ourselves.
        if "plain" not in smtp.esmtp_features.get("auth", "").lower().split():
            raise TemporarySendError(f"{self._where()} offers no AUTH PLAIN, which a password with "
                                     "non-ASCII characters needs")
        token = base64.b64encode(b"\0" + self.username.encode() + b"\0" + password.encode()).decode("ascii")
        code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply)


def _smtp_text(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}"


def _recipients_error(refused: Mapping[str, tuple[int, bytes]], where: str) -> OutboxUnavailable | PermanentSendError:
    """Every recipient was refused: final only when every refusal is a 5xx."""
    detail = "; ".join(f"{addr}: {_smtp_text(code, msg)}" for addr, (code, msg) in refused.items())
    if refused and all(500 <= code < 600 for code, _ in refused.values()):
        return PermanentSendError(f"{where} refused every recipient: {detail}")
    return TemporarySendError(f"{where} deferred the recipients: {detail}")
