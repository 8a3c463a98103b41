"""Sign-in with Entra ID, tested against a real OpenID Connect provider on loopback (node-oidc-provider):
a staff user signs in and sees the board; a user without a known role, a tampered state and an ID token
issued to another application are refused."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from flow.settings import Config
from lagesbild.config import config_from_dict
from tests.support import clock, oidc_provider
from tests.support.oidc_provider import Provider, sign_in_at_provider
from tests.web.conftest import NOW, make_client
from web.oidc import NO_ROLE, EntraSignIn, Refused


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    """node-oidc-provider on a free loopback port for this module."""
    clock.skip_if_clock_ahead("the OpenID provider (node) signs tokens with the real clock")
    reason = oidc_provider.unavailable()
    if reason:
        pytest.skip(reason)
    with oidc_provider.running() as running:
        yield running


def entra_config(provider: Provider, client_id: str = "lagesbild", **web: object) -> Config:
    """The built-in configuration with Entra ID sign-in at `provider`."""
    oidc = {"issuer": provider.issuer, "client_id": client_id, "redirect_url": provider.redirect_uri}
    return config_from_dict({"web": {"oidc": oidc, **web}}, Path.cwd(),
                            environ={"LAGESBILD_OIDC_CLIENT_SECRET": provider.client_secret})


def csrf(client: TestClient) -> str:
    """The CSRF token the sign-in page carries."""
    return str(client.get("/logga-in").text.split('name="csrf" value="', 1)[1].split('"', 1)[0])


def start(client: TestClient) -> str:
    """Press "Logga in med Microsoft": the provider's authorization URL the page sends the browser to."""
    response = client.get("/oidc/logga-in", follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def callback(client: TestClient, url: str) -> httpx.Response:
    """Come back to the page at the URL the provider sent the browser to."""
    parts = urlsplit(url)
    response: httpx.Response = client.get(f"{parts.path}?{parts.query}", follow_redirects=False)
    return response


def test_the_login_page_offers_microsoft_only_when_configured(provider: Provider, engine: Engine,
                                                              config: Config) -> None:
    assert "Logga in med Microsoft" in make_client(entra_config(provider), engine).get("/logga-in").text
    plain = make_client(config, engine)
    assert "Logga in med Microsoft" not in plain.get("/logga-in").text
    assert plain.get("/oidc/logga-in").status_code == 404


def test_staff_signs_in_with_microsoft_and_sees_the_board(provider: Provider, any_engine: Engine) -> None:
    client = make_client(entra_config(provider), any_engine)
    authorize = start(client)
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(provider.issuer + "/auth")
    assert query["code_challenge_method"] == ["S256"] and query["nonce"][0] and query["state"][0]
    before = client.cookies.get("lagesbild_session")

    answer = callback(client, sign_in_at_provider(authorize, "anna"))

    assert answer.status_code == 200
    assert '<meta http-equiv="refresh" content="0; url=/">' in answer.text  # moves on as a same-site navigation
    assert "anna@lansstyrelsen.example" in answer.text
    assert client.cookies.get("lagesbild_session") != before  # a new session at sign-in
    board = client.get("/", follow_redirects=False)
    assert board.status_code == 200 and "Läget 2026-11" in board.text


def test_a_user_whose_token_has_no_known_role_is_refused(provider: Provider, engine: Engine) -> None:
    client = make_client(entra_config(provider), engine)

    answer = callback(client, sign_in_at_provider(start(client), "olle"))

    assert answer.status_code == 403
    assert "ingen roll i Lägesbild" in answer.text and NO_ROLE.startswith("Ditt konto")
    assert client.get("/", follow_redirects=False).headers["location"] == "/logga-in"


def test_leadership_signs_in_with_its_role(provider: Provider, engine: Engine) -> None:
    client = make_client(entra_config(provider), engine)
    assert callback(client, sign_in_at_provider(start(client), "lena")).status_code == 200
    assert client.get("/", follow_redirects=False).status_code == 200


def test_a_tampered_state_is_refused(provider: Provider, engine: Engine) -> None:
    client = make_client(entra_config(provider), engine)
    back = sign_in_at_provider(start(client), "anna")
    query = parse_qs(urlsplit(back).query)
    forged = f"/oidc/callback?{urlencode({'code': query['code'][0], 'state': 'angripare' + query['state'][0]})}"

    answer = client.get(forged, follow_redirects=False)

    assert answer.status_code == 400
    assert client.get("/", follow_redirects=False).headers["location"] == "/logga-in"


def test_a_callback_from_another_browser_is_refused(provider: Provider, engine: Engine) -> None:
    victim, attacker = make_client(entra_config(provider), engine), make_client(entra_config(provider), engine)
    back = sign_in_at_provider(start(attacker), "anna")  # the attacker's code, planted on the victim

    assert callback(victim, back).status_code == 400
    assert victim.get("/", follow_redirects=False).headers["location"] == "/logga-in"


def _token_for(provider: Provider, client_id: str) -> tuple[dict[str, object], str]:
    """A real token response the provider issues to `client_id` (the test acting as that application)."""
    verifier, nonce, state = secrets.token_urlsafe(48), secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    authorize = f"{provider.issuer}/auth?" + urlencode({
        "client_id": client_id, "response_type": "code", "scope": "openid profile", "state": state,
        "nonce": nonce, "redirect_uri": provider.redirect_uri, "code_challenge": challenge,
        "code_challenge_method": "S256"})
    code = parse_qs(urlsplit(sign_in_at_provider(authorize, "anna")).query)["code"][0]
    token = httpx.post(f"{provider.issuer}/token", auth=(client_id, provider.client_secret), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": provider.redirect_uri,
        "code_verifier": verifier})
    token.raise_for_status()
    return token.json(), nonce


def test_an_id_token_issued_to_another_application_is_refused(provider: Provider) -> None:
    ours = EntraSignIn.from_settings(entra_config(provider).web.oidc)
    theirs, nonce = _token_for(provider, "grannen")  # signed by the same provider, for another audience
    mine, my_nonce = _token_for(provider, "lagesbild")

    claims = asyncio.run(ours.verify(mine, my_nonce))
    assert claims["aud"] == "lagesbild" and ours.account(claims).name == "anna@lansstyrelsen.example"
    with pytest.raises(Exception, match="aud"):
        asyncio.run(ours.verify(theirs, nonce))
    with pytest.raises(Exception, match="nonce"):
        asyncio.run(ours.verify(mine, "en annan nonce"))


def test_a_token_with_a_broken_signature_is_refused(provider: Provider) -> None:
    ours = EntraSignIn.from_settings(entra_config(provider).web.oidc)
    token, nonce = _token_for(provider, "lagesbild")
    header, payload, signature = str(token["id_token"]).split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]

    with pytest.raises(Exception, match="(?i)signature"):
        asyncio.run(ours.verify({**token, "id_token": f"{header}.{payload}.{flipped}"}, nonce))


def test_a_role_claim_maps_to_one_account_in_the_tenants_county(provider: Provider) -> None:
    signin = EntraSignIn.from_settings(entra_config(provider).web.oidc)
    name = {"preferred_username": "x@lan.example"}

    assert signin.account({**name, "roles": ["Lagesbild.Leadership", "Lagesbild.Staff"]}).role.value == "staff"
    assert signin.account({**name, "roles": "Lagesbild.Admin"}).county == "20"
    with pytest.raises(Refused):
        signin.account({**name, "roles": ["lagesbild.staff"]})  # app roles are matched exactly
    with pytest.raises(Refused):
        signin.account(name)


def test_entra_only_refuses_local_passwords(provider: Provider, engine: Engine) -> None:
    from flow.accounts import Role, add_user
    from tests.web.conftest import PASSWORD

    add_user(engine, "anna", Role.STAFF, "20", PASSWORD, NOW)
    client = make_client(entra_config(provider, local_accounts=False), engine)

    assert 'name="password"' not in client.get("/logga-in").text
    # The page shows no form, but the session holds a token: a hand-made post with it is still refused.
    cookie = str(client.cookies.get("lagesbild_session")).split(".", 1)[0]
    token = json.loads(base64.b64decode(cookie + "=" * (-len(cookie) % 4)))["csrf"]
    answer = client.post("/logga-in", data={"csrf": token, "name": "anna", "password": PASSWORD})
    assert answer.status_code == 403 and "Logga in med Microsoft." in answer.text


def test_a_token_from_another_issuer_is_refused(provider: Provider, engine: Engine,
                                                caplog: pytest.LogCaptureFixture) -> None:
    # The app expects the tenant at "localhost"; the provider it is pointed to signs as 127.0.0.1.
    port = provider.issuer.rsplit(":", 1)[1]
    oidc = {"issuer": f"http://localhost:{port}", "client_id": "lagesbild", "redirect_url": provider.redirect_uri,
            "metadata_url": f"{provider.issuer}/.well-known/openid-configuration"}
    config = config_from_dict({"web": {"oidc": oidc}}, Path.cwd(),
                              environ={"LAGESBILD_OIDC_CLIENT_SECRET": provider.client_secret})
    client = make_client(config, engine)

    answer = callback(client, sign_in_at_provider(start(client), "anna"))

    assert answer.status_code == 403 and "kunde inte bekräftas" in answer.text
    assert "'iss'" in caplog.text  # refused for its issuer, not for something else on the way
    assert client.get("/", follow_redirects=False).headers["location"] == "/logga-in"
