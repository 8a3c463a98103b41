"""Every sign-in, failed sign-in, rate-limit refusal and sign-out is in the audit trail with the actor,
the county and the time, and the Logg page shows it in Swedish; a password never is (local accounts;
Entra ID against the real OpenID provider of tests/web/oidc)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from flow.accounts import Role, add_user
from flow.settings import Config
from store import repo
from store.db import read_transaction
from store.views import AuditView
from tests.support.oidc_provider import Provider, sign_in_at_provider
from tests.web.conftest import NOW, PASSWORD, make_client, sign_in
from tests.web.desk import csrf
from tests.web.test_oidc import callback, entra_config, provider, start

__all__ = ["provider"]  # the module-scoped OpenID provider fixture, shared with test_oidc

WRONG = "fel lösenord 12345"


def _trail(engine: Engine) -> list[AuditView]:
    with read_transaction(engine) as s:
        return repo.audit_trail(s)


def _sign_out(client: TestClient) -> int:
    return int(client.post("/logga-ut", data={"csrf": csrf(client)}, follow_redirects=False).status_code)


def test_local_sign_in_failure_refusal_and_sign_out_are_audited(config: Config, any_engine: Engine) -> None:
    add_user(any_engine, "anna", Role.STAFF, config.county.code, PASSWORD, NOW)
    add_user(any_engine, "admin", Role.ADMIN, config.county.code, PASSWORD, NOW)
    client = make_client(config, any_engine)

    assert sign_in(client, "anna") == 303
    assert _sign_out(client) == 303
    assert sign_in(client, "anna", WRONG) == 401
    assert sign_in(client, "berit", WRONG) == 401  # no such account: the name attempted is still written
    for _ in range(3):
        sign_in(client, "anna", WRONG)
    assert sign_in(client, "anna") == 429

    lines = [(v.event, v.actor, v.county) for v in _trail(any_engine) if v.event.startswith("sign")]
    code = config.county.code
    assert lines == [("signed_in", "anna", code), ("signed_out", "anna", code), ("sign_in_failed", "anna", code),
                     ("sign_in_failed", "berit", code), *[("sign_in_failed", "anna", code)] * 3,
                     ("sign_in_throttled", "anna", code)]
    for view in _trail(any_engine):
        assert view.at == NOW  # the app's clock
        for text in (view.detail, view.before or "", view.after or "", view.actor):
            assert WRONG not in text and PASSWORD not in text
    assert "lokalt konto, från testclient" in next(v.detail for v in _trail(any_engine) if v.event == "signed_in")

    admin = make_client(config, any_engine)
    assert sign_in(admin, "admin") == 303
    log = admin.get("/logg").text
    for words in ("inloggad", "utloggad", "misslyckad inloggning", "inloggning stoppad (för många försök)",
                  "berit"):
        assert words in log, words
    assert WRONG not in log and PASSWORD not in log


def test_entra_sign_in_and_a_refused_one_are_audited(provider: Provider, engine: Engine) -> None:
    config = entra_config(provider)
    client = make_client(config, engine)
    assert callback(client, sign_in_at_provider(start(client), "anna")).status_code == 200
    assert _sign_out(client) == 303
    refused = make_client(config, engine)
    assert callback(refused, sign_in_at_provider(start(refused), "olle")).status_code == 403

    lines = [(v.event, v.actor, v.county) for v in _trail(engine) if v.event.startswith("sign")]
    code = config.county.code
    assert lines[0] == ("signed_in", "anna@lansstyrelsen.example", code)
    assert lines[1] == ("signed_out", "anna@lansstyrelsen.example", code)
    assert lines[2][0] == "sign_in_failed" and lines[2][1] != "(okänd)" and lines[2][2] == code
    details = [v.detail for v in _trail(engine) if v.event.startswith("sign")]
    assert details[0].startswith("Microsoft, från") and details[1] == "Microsoft"
    assert "ingen roll" in details[2]
