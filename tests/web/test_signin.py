"""Signing in with a local account: the right password, a wrong one, the CSRF token, the rate limit,
and the session cookie's attributes."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from flow.accounts import Role, add_user
from flow.settings import Config
from tests.web.conftest import NOW, PASSWORD, make_client, sign_in
from web.app import create_app


def test_the_right_password_signs_in_and_the_board_opens(config: Config, any_engine: Engine) -> None:
    add_user(any_engine, "anna", Role.STAFF, config.county.code, PASSWORD, NOW)
    client = make_client(config, any_engine)

    assert client.get("/", follow_redirects=False).headers["location"] == "/logga-in"
    assert sign_in(client, "anna") == 303
    board = client.get("/")
    assert board.status_code == 200
    assert "Läget 2026-11" in board.text


def test_a_wrong_password_is_refused(config: Config, any_engine: Engine) -> None:
    add_user(any_engine, "anna", Role.STAFF, config.county.code, PASSWORD, NOW)
    client = make_client(config, any_engine)

    assert sign_in(client, "anna", "fel lösenord här") == 401
    assert sign_in(client, "ingen-sådan", PASSWORD) == 401
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_form_without_its_csrf_token_is_refused(config: Config, engine: Engine) -> None:
    add_user(engine, "anna", Role.STAFF, config.county.code, PASSWORD, NOW)
    client = make_client(config, engine)
    client.get("/logga-in")

    missing = client.post("/logga-in", data={"name": "anna", "password": PASSWORD}, follow_redirects=False)
    forged = client.post("/logga-in", data={"csrf": "gissad", "name": "anna", "password": PASSWORD},
                         follow_redirects=False)

    assert missing.status_code == forged.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303  # still signed out


def test_sign_in_renews_the_session_and_its_token(config: Config, engine: Engine) -> None:
    add_user(engine, "anna", Role.STAFF, config.county.code, PASSWORD, NOW)
    client = make_client(config, engine)
    before = client.get("/logga-in").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]

    assert sign_in(client, "anna") == 303
    after = client.get("/").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]

    assert after != before


def test_repeated_wrong_passwords_are_rate_limited(config: Config, engine: Engine) -> None:
    add_user(engine, "anna", Role.STAFF, config.county.code, PASSWORD, NOW)
    client = make_client(config, engine)

    codes = [sign_in(client, "anna", "fel lösenord här") for _ in range(5)]
    assert codes == [401] * 5
    assert sign_in(client, "anna") == 429  # even the right password waits


def test_the_session_cookie_is_httponly_strict_and_secure_off_loopback(config: Config, engine: Engine) -> None:
    from starlette.testclient import TestClient

    client = TestClient(create_app(config, engine, lambda: NOW, secret_key="test"), base_url="https://lagesbild.test")
    cookie = client.get("/logga-in").headers["set-cookie"].lower()

    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie


def test_on_loopback_behind_a_tls_proxy_the_cookie_is_still_secure(config: Config, engine: Engine) -> None:
    from starlette.testclient import TestClient

    app = create_app(config, engine, lambda: NOW, secret_key="test", secure_cookies=False)
    plain = TestClient(app, base_url="http://127.0.0.1").get("/logga-in").headers["set-cookie"].lower()
    proxied = TestClient(app, base_url="https://127.0.0.1").get("/logga-in").headers["set-cookie"].lower()

    assert "secure" not in plain
    assert proxied.count("secure") == 1 and "httponly" in proxied


def test_an_idle_session_signs_itself_out(config: Config, engine: Engine) -> None:
    from datetime import timedelta

    add_user(engine, "anna", Role.STAFF, config.county.code, PASSWORD, NOW)
    moment = [NOW]
    client = make_client(config, engine, lambda: moment[0])
    assert sign_in(client, "anna") == 303

    moment[0] = NOW + timedelta(minutes=25)
    assert client.get("/", follow_redirects=False).status_code == 200  # active: the idle clock restarts
    moment[0] = NOW + timedelta(minutes=50)
    assert client.get("/", follow_redirects=False).status_code == 200
    moment[0] = NOW + timedelta(minutes=81)
    assert client.get("/", follow_redirects=False).headers["location"] == "/logga-in"
