"""Signing out of a session Entra ID started ends the sign-in at the provider too (RP-initiated logout),
against the real OpenID provider of tests/web/oidc: the page sends the browser to the provider's
end_session_endpoint with the ID token as a hint and the sign-in page to come back to, and the provider
accepts both and sends the browser back. A local account's sign-out stays on the page."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
from sqlalchemy.engine import Engine

from flow.accounts import Role, add_user
from flow.settings import Config
from tests.support.oidc_provider import Provider, sign_in_at_provider
from tests.web.conftest import NOW, PASSWORD, make_client, sign_in
from tests.web.desk import csrf
from tests.web.test_oidc import callback, entra_config, provider, start

__all__ = ["provider"]  # the module-scoped OpenID provider fixture, shared with test_oidc


def _claims(id_token: str) -> dict[str, object]:
    payload = id_token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_signing_out_of_an_entra_session_signs_out_at_the_provider(provider: Provider, engine: Engine) -> None:
    client = make_client(entra_config(provider), engine)
    assert callback(client, sign_in_at_provider(start(client), "anna")).status_code == 200

    out = client.post("/logga-ut", data={"csrf": csrf(client)}, follow_redirects=False)

    assert out.status_code == 303
    target = out.headers["location"]
    with httpx.Client(timeout=10) as browser:
        endpoint = browser.get(f"{provider.issuer}/.well-known/openid-configuration").json()["end_session_endpoint"]
        assert target.startswith(endpoint + "?")
        query = parse_qs(urlsplit(target).query)
        assert query["post_logout_redirect_uri"] == ["http://127.0.0.1/logga-in"]
        assert _claims(query["id_token_hint"][0])["sub"] == "anna"
        assert client.get("/", follow_redirects=False).headers["location"] == "/logga-in"  # signed out here

        confirm = browser.get(target)  # the provider asks the browser to confirm, then sends it back
        assert confirm.status_code == 200, confirm.text[:300]
        action = re.search(r'<form[^>]*action="([^"]+)"', confirm.text)
        xsrf = re.search(r'name="xsrf" value="([^"]+)"', confirm.text)
        assert action is not None and xsrf is not None, confirm.text[:500]
        back = browser.post(urljoin(target, action.group(1)), data={"xsrf": xsrf.group(1), "logout": "yes"})
        assert back.is_redirect, back.text[:300]
        assert back.headers["location"].startswith("http://127.0.0.1/logga-in")


def test_a_provider_that_refuses_the_hint_would_show_it(provider: Provider, engine: Engine) -> None:
    """A hint the provider did not issue is refused there: the page's hint above was checked, not ignored."""
    with httpx.Client(timeout=10) as browser:
        endpoint = browser.get(f"{provider.issuer}/.well-known/openid-configuration").json()["end_session_endpoint"]
        refused = browser.get(endpoint, params={"id_token_hint": "not.a.token",
                                                "post_logout_redirect_uri": "http://127.0.0.1/logga-in"})
    assert refused.status_code == 400


def test_a_local_sign_out_stays_on_the_page(provider: Provider, engine: Engine, config: Config) -> None:
    add_user(engine, "anna", Role.STAFF, config.county.code, PASSWORD, NOW)
    client = make_client(entra_config(provider, local_accounts=True), engine)
    assert sign_in(client, "anna") == 303

    out = client.post("/logga-ut", data={"csrf": csrf(client)}, follow_redirects=False)

    assert out.status_code == 303 and out.headers["location"] == "/logga-in"


def test_an_entra_session_ends_after_an_hour_however_active(provider: Provider, engine: Engine) -> None:
    """So the roles claim is read again at the provider within the hour: a role removed there holds no longer."""
    now = [NOW]
    client = make_client(entra_config(provider), engine, clock=lambda: now[0])
    assert callback(client, sign_in_at_provider(start(client), "anna")).status_code == 200
    for minutes in (20, 40, 59):  # active every twenty minutes: never idle
        now[0] = NOW + timedelta(minutes=minutes)
        assert client.get("/", follow_redirects=False).status_code == 200, minutes

    now[0] = NOW + timedelta(minutes=61)
    assert client.get("/", follow_redirects=False).headers["location"] == "/logga-in"
