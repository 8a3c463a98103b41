"""Fel on the web page: failed messages with their error and tries; "retry now" handles a parked
message from its kept bytes (receipt included) or makes one without bytes due for the worker,
each audited with the clerk; CSRF, leadership and another county's guessed ids refused."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from datetime import timedelta

from sqlalchemy.engine import Engine

from flow.accounts import Role
from flow.notify import queue_parked_notice
from flow.settings import Config
from ground.refs import MessageRef
from ingest.source import RawMail
from store import repo
from store.db import transaction
from store.outcome import Outcome
from tests.builders import mail as mails
from tests.web.conftest import NOW
from tests.web.desk import STAFF_NAME, audit_lines, csrf, message, other_county, outbox, staff_client

SENDER = "samordnare@ludvika.se"
ERROR = "OperationalError: disk I/O error"


def _failed(engine: Engine, config: Config, uid: str, *, keep: bool = True, max_attempts: int = 1) -> int:
    """A message the worker gave up on (parked after `max_attempts`), recorded as the pipeline does."""
    eml = mails.build_mail(SENDER, "Lägesbild oktober", "Hej!",
                           [("Ludvika.docx", mails.form_docx("Ludvika", 2026, 10), mails.DOCX_TYPE)],
                           message_id=f"<{uid}@ludvika.se>")
    with transaction(engine) as s:
        record = repo.record_failure(s, MessageRef("maildir:/test", 0, uid), eml if keep else None,
                                     NOW - timedelta(hours=1), ERROR, NOW - timedelta(minutes=30), max_attempts,
                                     county=config.county.code, sender=SENDER, subject="Lägesbild oktober")
    return record.raw_id


def test_the_list_shows_each_failed_message_with_its_error_and_tries(config: Config, any_engine: Engine) -> None:
    parked = _failed(any_engine, config, "f1")
    waiting = _failed(any_engine, config, "f2", keep=False, max_attempts=5)
    client = staff_client(config, any_engine)

    page = client.get("/fel")

    row = page.text.split(f'id="failed-{parked}"', 1)[1].split("</tr>", 1)[0]
    assert ERROR in row and "<td>1</td>" in row and "parkerat" in row
    other = page.text.split(f'id="failed-{waiting}"', 1)[1].split("</tr>", 1)[0]
    assert "nytt försök" in other


def test_retry_now_handles_a_parked_message_and_answers_its_sender(config: Config, any_engine: Engine) -> None:
    parked = _failed(any_engine, config, "f1")
    client = staff_client(config, any_engine)

    response = client.post(f"/fel/{parked}/forsok-igen", data={"csrf": csrf(client, "/fel")}, follow_redirects=False)

    assert response.status_code == 303
    assert message(any_engine, parked).outcome is Outcome.STORED
    assert [list(m.to_addrs) for m in outbox(any_engine) if m.kind == "receipt"] == [[SENDER]]
    [line] = audit_lines(any_engine, "retried")
    assert (line.actor, line.after) == (STAFF_NAME, "stored")
    page = client.get("/fel")
    assert f"Meddelande {parked} är behandlat: registrerat." in page.text and f'id="failed-{parked}"' not in page.text


def test_retry_now_of_a_message_without_bytes_makes_it_due_for_the_worker(config: Config,
                                                                          any_engine: Engine) -> None:
    waiting = _failed(any_engine, config, "f2", keep=False, max_attempts=5)
    client = staff_client(config, any_engine)
    assert message(any_engine, waiting).next_attempt_at != NOW

    response = client.post(f"/fel/{waiting}/forsok-igen", data={"csrf": csrf(client, "/fel")})

    assert response.status_code == 200 and "vid arbetarens nästa varv" in response.text
    assert message(any_engine, waiting).next_attempt_at == NOW
    assert message(any_engine, waiting).outcome is Outcome.FAILED
    assert audit_lines(any_engine, "retry_requested")[0].actor == STAFF_NAME


def test_csrf_leadership_and_another_countys_ids_are_refused(config: Config, any_engine: Engine) -> None:
    ours = _failed(any_engine, config, "f1")
    theirs = _failed(any_engine, other_county(config), "f3")
    client = staff_client(config, any_engine)
    leader = staff_client(config, any_engine, "Ledning", Role.LEADERSHIP)
    token = csrf(client, "/fel")

    assert client.post(f"/fel/{ours}/forsok-igen", data={"csrf": "fel"}).status_code == 403
    assert leader.get("/fel").status_code == 403
    assert leader.post(f"/fel/{ours}/forsok-igen", data={"csrf": csrf(leader)}).status_code == 403
    assert client.post(f"/fel/{theirs}/forsok-igen", data={"csrf": token}).status_code == 404
    assert f'id="failed-{theirs}"' not in client.get("/fel").text
    assert message(any_engine, ours).outcome is Outcome.FAILED and message(any_engine, theirs).outcome is Outcome.FAILED


def test_the_parked_notice_links_to_the_errors_page(config: Config, any_engine: Engine) -> None:
    web = dataclasses.replace(config.web, base_url="https://lagesbild.lansstyrelsen.example")
    eml = mails.build_mail(SENDER, "Lägesbild oktober", "Hej!")
    with transaction(any_engine) as s:
        queue_parked_notice(s, dataclasses.replace(config, web=web), RawMail(MessageRef("maildir:/test", 0, "p"), eml,
                            NOW), ERROR, 5, NOW)
    [notice] = [m for m in outbox(any_engine) if m.kind == "staff_notice"]
    body = email.message_from_bytes(notice.raw, policy=email.policy.default).get_body(("plain",))
    assert body is not None
    assert "försök igen på webbsidan: https://lagesbild.lansstyrelsen.example/fel" in str(body.get_content())
