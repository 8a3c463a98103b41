"""Access tokens for XOAUTH2 (a Microsoft 365 shared mailbox, app-only).

Two ways, chosen by the configuration: a command the operator provides that
prints a token (any identity provider, any credential store), or the OAuth 2.0
client-credentials grant against Microsoft Entra ID with MSAL. Tokens and
secrets never appear in a log line or an error message.
"""

from __future__ import annotations

import shlex
import subprocess
from typing import Any, Protocol

from ground.errors import ConfigError, MailboxUnavailable
from ingest.settings import MailboxConfig

EXCHANGE_SCOPE = "https://outlook.office365.com/.default"
AUTHORITY_HOST = "https://login.microsoftonline.com"


class TokenProvider(Protocol):
    """Something that hands out a current access token."""

    def token(self) -> str:
        """A token valid now. Raises MailboxUnavailable when none can be had."""
        ...


class CommandTokenProvider:
    """Runs `command` (split like a shell would, but run without one) and reads the token from stdout."""

    def __init__(self, command: str, *, timeout: float = 30.0) -> None:
        try:
            self._argv = shlex.split(command)
        except ValueError as exc:
            raise ConfigError(f"[mailbox] oauth_token_command: cannot be split into words: {exc}") from exc
        if not self._argv:
            raise ConfigError("[mailbox] oauth_token_command: is empty")
        self._timeout = timeout

    def token(self) -> str:
        """Run the command; its stdout, stripped, is the token."""
        program = self._argv[0]
        try:
            done = subprocess.run(self._argv, capture_output=True, timeout=self._timeout, check=False,
                                  stdin=subprocess.DEVNULL)
        except FileNotFoundError as exc:
            raise ConfigError(f"[mailbox] oauth_token_command: program '{program}' not found") from exc
        except PermissionError as exc:
            raise ConfigError(f"[mailbox] oauth_token_command: program '{program}' cannot be run") from exc
        except subprocess.TimeoutExpired as exc:
            raise MailboxUnavailable(f"oauth_token_command '{program}' gave no token within "
                                     f"{self._timeout:g} s") from exc
        # Its output is not quoted in errors: it may hold the token or a secret.
        if done.returncode != 0:
            raise MailboxUnavailable(f"oauth_token_command '{program}' failed with exit status {done.returncode}")
        token = done.stdout.decode("utf-8", "replace").strip()
        if not token or any(c.isspace() for c in token):
            raise MailboxUnavailable(f"oauth_token_command '{program}' did not print one token on stdout")
        return token


class _ConfidentialClient(Protocol):
    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]: ...


class ClientCredentialsProvider:
    """App-only tokens from Microsoft Entra ID (client credentials grant) through MSAL.

    One MSAL application is kept for the provider's life, so its token cache
    hands out the same token until shortly before it expires.
    """

    def __init__(self, tenant_id: str, client_id: str, client_secret: str, *,
                 authority_host: str = AUTHORITY_HOST, verify: bool | str = True, timeout: float = 30.0) -> None:
        """`authority_host` and `verify` (a CA bundle path) exist for tests against a local token server."""
        self._client_id = client_id
        self._secret = client_secret
        self._authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self._microsoft = authority_host.rstrip("/") == AUTHORITY_HOST
        self._verify = verify
        self._timeout = timeout
        self._app: _ConfidentialClient | None = None

    def _application(self) -> _ConfidentialClient:
        if self._app is None:
            import msal  # only needed for this way of signing in

            self._app = msal.ConfidentialClientApplication(
                self._client_id, authority=self._authority, client_credential=self._secret,
                timeout=self._timeout, verify=self._verify,
                # Only Microsoft's own host is checked against Microsoft's list of instances.
                instance_discovery=None if self._microsoft else False)
        return self._app

    def token(self) -> str:
        """A token for Exchange Online IMAP ("https://outlook.office365.com/.default")."""
        try:
            result = self._application().acquire_token_for_client(scopes=[EXCHANGE_SCOPE])
        except Exception as exc:  # noqa: BLE001 - MSAL raises network and discovery errors of many kinds
            raise MailboxUnavailable(f"could not get an access token from {self._authority}: "
                                     f"{_scrub(str(exc) or type(exc).__name__, self._secret)}") from exc
        token = result.get("access_token")
        if isinstance(token, str) and token:
            return token
        error = str(result.get("error") or "no access_token in the answer")
        description = str(result.get("error_description") or "").splitlines()[0:1]
        detail = f"{error}: {description[0]}" if description else error
        raise MailboxUnavailable(f"Microsoft Entra ID refused a token for client {self._client_id}: "
                                 f"{_scrub(detail, self._secret)}")


def _scrub(text: str, *secrets: str | None) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def token_provider(config: MailboxConfig) -> TokenProvider:
    """The provider the configuration asks for: the token command when set, else client credentials."""
    if config.oauth_token_command.strip():
        return CommandTokenProvider(config.oauth_token_command)
    missing = [key for key, value in (("oauth_tenant_id", config.oauth_tenant_id),
                                      ("oauth_client_id", config.oauth_client_id)) if not value.strip()]
    if missing:
        raise ConfigError(f"[mailbox] {missing[0]}: needed for auth = \"xoauth2\" "
                          "(or set oauth_token_command)")
    if not config.oauth_client_secret:
        raise ConfigError("[mailbox] oauth_client_secret_env: the environment variable it names is not set "
                          "(needed for auth = \"xoauth2\" without oauth_token_command)")
    return ClientCredentialsProvider(config.oauth_tenant_id, config.oauth_client_id, config.oauth_client_secret)
