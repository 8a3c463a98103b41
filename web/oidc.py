"""Sign-in with the county's Microsoft Entra ID: OpenID Connect, authorization code flow with PKCE.

Authlib does the protocol: the authorization URL with state, nonce and a
PKCE challenge (S256), the code exchange, and the ID token's checks — its
signature against the provider's published keys (JWKS, fetched again when a
new key id appears), issuer, audience (our client id), expiry and nonce.
This module keeps the flow's state between the two legs and turns the
token's roles claim into an account of the web page.

The flow's state (state, nonce, PKCE verifier) travels in a cookie of its
own, signed, HttpOnly and SameSite=Lax, scoped to /oidc: the session cookie
is SameSite=Strict, so a browser does not send it on the provider's redirect
back, which comes from another site. For the same reason the callback answers
with a page that moves on to the board itself (a refresh, no script): a
redirect straight from the callback would still count as coming from the
provider, and the browser would hold the new session cookie back once more.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urljoin

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from flow.accounts import Account, Role
from flow.audit_log import SIGN_IN_FAILED, SIGNED_IN, record_sign_in
from flow.settings import OidcConfig
from web.page import Page
from web.security import renew_session

log = logging.getLogger(__name__)

FLOW_COOKIE = "lagesbild_oidc"
ID_TOKEN = "id_token"  # the session key (and the claims' key after `finish`) of the raw ID token
FLOW_SECONDS = 600  # time to sign in at the provider
SCOPES = "openid profile"

NO_ROLE = ("Ditt konto har ingen roll i Lägesbild. Be länsstyrelsens administratör om behörighet "
           "(handläggare, ledning eller administratör).")
NOT_CONFIRMED = "Inloggningen med Microsoft kunde inte bekräftas. Försök igen."
EXPIRED = "Inloggningen tog för lång tid eller startades inte här. Försök igen."


def _authlib() -> tuple[Any, tuple[type[Exception], ...]]:
    """Authlib's Starlette OAuth registry, and the errors a sign-in can end in. Imported only when Entra ID
    is configured (it costs most of a second at start)."""
    import authlib.deprecate

    with warnings.catch_warnings():
        # Authlib would rather speak HTTP through httpx2, which this project does not use yet; it speaks
        # httpx as well, and says so at every start. (Its own "always" filter is in place first, ours wins.)
        warnings.filterwarnings("ignore", category=authlib.deprecate.AuthlibDeprecationWarning)
        from authlib.integrations.base_client import OAuthError
        from authlib.integrations.starlette_client import OAuth
    from joserfc.errors import JoseError

    try:
        from httpx2 import HTTPError
    except ImportError:
        from httpx import HTTPError
    return OAuth, (OAuthError, JoseError, HTTPError, KeyError, ValueError, RuntimeError)


class Refused(Exception):
    """A sign-in that must not go through; the message (Swedish) is shown to the user."""


@dataclass(frozen=True)
class EntraSignIn:
    """One provider's sign-in: starting the flow, finishing it, and the account its token gives."""

    settings: OidcConfig
    client: Any  # authlib's StarletteOAuth2App (untyped)
    failures: tuple[type[Exception], ...]  # what a failed exchange or check raises

    @classmethod
    def from_settings(cls, settings: OidcConfig) -> EntraSignIn:
        """The Authlib client for `settings`; it reads the provider's metadata on first use."""
        metadata = settings.metadata_url or f"{settings.issuer}/.well-known/openid-configuration"
        oauth, failures = _authlib()
        client = oauth().register(
            "entra", client_id=settings.client_id, client_secret=settings.client_secret,
            server_metadata_url=metadata,
            client_kwargs={"scope": SCOPES, "code_challenge_method": "S256", "timeout": 10.0})
        return cls(settings, client, failures)

    async def start(self, redirect_uri: str) -> tuple[str, dict[str, str]]:
        """The provider's authorization URL, and what the callback must be given back (state, nonce,
        PKCE verifier, redirect URI)."""
        made = await self.client.create_authorization_url(redirect_uri)
        flow = {"state": made["state"], "nonce": made["nonce"], "verifier": made["code_verifier"],
                "redirect_uri": redirect_uri}
        return str(made["url"]), flow

    async def finish(self, code: str, flow: dict[str, str]) -> dict[str, Any]:
        """The ID token's verified claims for `code`; Refused when the exchange or a check fails."""
        try:
            token = await self.client.fetch_access_token(
                code=code, redirect_uri=flow["redirect_uri"], code_verifier=flow["verifier"])
            claims = await self.verify(token, flow["nonce"])
            claims[ID_TOKEN] = str(token["id_token"])  # kept for the sign-out at the provider
            return claims
        except self.failures as exc:
            log.warning("Entra ID sign-in refused: %s", exc)
            raise Refused(NOT_CONFIRMED) from exc

    async def verify(self, token: dict[str, Any], nonce: str) -> dict[str, Any]:
        """The claims of the ID token in a token response, after every check: signature (JWKS),
        issuer, audience, expiry, nonce. Raises Authlib's or joserfc's errors otherwise."""
        if "id_token" not in token:
            raise ValueError("the token response holds no ID token")
        options = {"iss": {"essential": True, "value": self.settings.issuer},
                   "aud": {"essential": True, "value": self.settings.client_id}}
        claims = await self.client.parse_id_token(token, nonce=nonce, claims_options=options)
        return dict(claims)

    async def end_session_url(self, id_token: str, after: str) -> str | None:
        """Where to send the browser to sign out at the provider too (RP-initiated logout), with the
        ID token as a hint and `after` as where the provider sends it back; None when the provider
        advertises no end_session_endpoint."""
        metadata = await self.client.load_server_metadata()
        endpoint = metadata.get("end_session_endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            return None
        query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": after,
                           "client_id": self.settings.client_id})
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    def account(self, claims: dict[str, Any]) -> Account:
        """The web page's account for verified `claims`; Refused when no role is known."""
        s = self.settings
        raw = claims.get(s.roles_claim, [])
        listed = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
        values = {v for v in listed if isinstance(v, str)}
        # One role per account; with several, the one that acts comes first.
        for role, names in ((Role.STAFF, s.staff_roles), (Role.ADMIN, s.admin_roles),
                            (Role.LEADERSHIP, s.leadership_roles)):
            if values & set(names):
                name = claims.get(s.name_claim) or claims.get("sub")
                if not isinstance(name, str) or not name.strip():
                    raise Refused(NOT_CONFIRMED)
                return Account(name.strip(), role, s.county)
        raise Refused(NO_ROLE)


_SIGN_INS: dict[OidcConfig, EntraSignIn] = {}


def sign_in_for(settings: OidcConfig) -> EntraSignIn:
    """The one `EntraSignIn` of `settings` (its client caches the provider's metadata and keys)."""
    if settings not in _SIGN_INS:
        _SIGN_INS[settings] = EntraSignIn.from_settings(settings)
    return _SIGN_INS[settings]


async def sign_out_target(page: Page, request: Request) -> str | None:
    """Where the browser goes after signing out of a session Entra ID started: the provider's
    end_session_endpoint, so the sign-in there ends too (and a role removed there holds no longer
    than this page's session); None for a local session, or when the provider offers no such endpoint
    or cannot be reached (the local session ends all the same)."""
    settings = page.config.web.oidc
    id_token = request.session.get(ID_TOKEN)
    if not settings.enabled or request.session.get("via") != "oidc" or not isinstance(id_token, str):
        return None
    back = urljoin(settings.redirect_url or str(request.url_for("oidc_callback")), "/logga-in")
    signin = sign_in_for(settings)
    try:
        return await signin.end_session_url(id_token, back)
    except signin.failures as exc:
        log.warning("Entra ID metadata unavailable at sign-out: %s", exc)
        return None


def routes(page: Page) -> list[BaseRoute]:
    """/oidc/logga-in starts the sign-in at the provider; /oidc/callback is where it comes back.
    Neither exists while [web.oidc] is not configured."""
    settings = page.config.web.oidc
    if not settings.enabled:
        return []
    signin = sign_in_for(settings)
    # The flow cookie lives minutes; a key made at start is enough (a restart mid-sign-in: sign in again).
    signer = URLSafeTimedSerializer(secrets.token_bytes(32), salt="oidc-flow")

    async def begin(request: Request) -> Response:
        # A link, not a form: the page's CSP (form-action 'self') would stop a form whose answer sends the
        # browser to the provider. Starting a sign-in changes nothing here; the flow cookie binds the
        # callback to this browser, so a sign-in started by another site ends only in the user's own account.
        redirect_uri = settings.redirect_url or str(request.url_for("oidc_callback"))
        try:
            url, flow = await signin.start(redirect_uri)
        except signin.failures as exc:
            log.warning("Entra ID metadata unavailable: %s", exc)
            return page.error(request, 502, "Microsoft-inloggningen svarar inte just nu. Försök igen om en stund.")
        response = RedirectResponse(url, status_code=303)
        response.set_cookie(FLOW_COOKIE, signer.dumps(flow), max_age=FLOW_SECONDS, path="/oidc", httponly=True,
                            samesite="lax", secure=request.url.scheme == "https")
        return response

    async def callback(request: Request) -> Response:
        response = await _callback(request)
        response.delete_cookie(FLOW_COOKIE, path="/oidc")
        return response

    async def _callback(request: Request) -> Response:
        params = request.query_params
        try:
            flow = signer.loads(request.cookies.get(FLOW_COOKIE, ""), max_age=FLOW_SECONDS)
        except BadSignature:
            return page.error(request, 400, EXPIRED)
        state = params.get("state", "")
        if not isinstance(flow, dict) or not hmac.compare_digest(str(flow.get("state", "")), state):
            return page.error(request, 400, NOT_CONFIRMED)
        if params.get("error") or not params.get("code"):
            return page.error(request, 403, "Inloggningen med Microsoft avbröts.")
        client = request.client.host if request.client else "?"
        claims: dict[str, Any] = {}
        try:
            claims = await signin.finish(params["code"], flow)
            account = signin.account(claims)
        except Refused as exc:
            # The name the provider vouched for, when it got that far (a token without a known role).
            attempted = claims.get(settings.name_claim) or claims.get("sub") or "(okänd)"
            record_sign_in(page.engine, page.config, SIGN_IN_FAILED, str(attempted),
                           f"Microsoft: {exc}, från {client}", page.clock())
            return page.error(request, 403, str(exc))
        record_sign_in(page.engine, page.config, SIGNED_IN, account.name, f"Microsoft, från {client}",
                       page.clock(), county=account.county)
        renew_session(request.session)
        request.session.update({"user": account.name, "role": account.role.value, "county": account.county,
                                "seen": page.clock().isoformat(), "since": page.clock().isoformat(), "via": "oidc",
                                ID_TOKEN: claims[ID_TOKEN]})
        return page.render(request, "signed_in.html.j2", account=account)

    return [Route("/oidc/logga-in", begin, methods=["GET"]),
            Route("/oidc/callback", callback, methods=["GET"], name="oidc_callback")]
