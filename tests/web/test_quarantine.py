"""Karantän on the web page: the held message with its parts and forms, a preview of releasing it
(the version it becomes or supersedes), the warning when the form names another municipality,
release and drop audited with the clerk, CSRF, roles and another county's guessed ids; and the
staff notice that names the message and links to its page."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from datetime import timedelta

from sqlalchemy.engine import Engine

from flow.accounts import Role
from flow.operations import import_file
from flow.settings import Config
from parsers import parse_bytes
from parsers.result import Period
from store.outcome import Outcome
from tests.builders import mail as mails
from tests.web.conftest import NOW
from tests.web.desk import STAFF_NAME, audit_lines, csrf, deliver, message, other_county, outbox, staff_client

STRANGER = "privat@example.org"


def _quarantined(engine: Engine, config: Config, town: str = "Rättvik", uid: str = "q1",
                 county: Config | None = None) -> int:
    eml = mails.build_mail(STRANGER, f"Lägesbild {town}", f"Hej, här är {town}s rapport.",
                           [(f"{town}.docx", mails.form_docx(town, 2026, 10), mails.DOCX_TYPE)],
                           message_id=f"<{uid}@example.org>")
    outcome, raw_id = deliver(engine, county or config, eml, uid, NOW - timedelta(hours=2))
    assert outcome is Outcome.QUARANTINED
    return raw_id


def test_the_page_shows_the_message_its_parts_and_what_the_form_says(config: Config, any_engine: Engine) -> None:
    raw_id = _quarantined(any_engine, config)
    client = staff_client(config, any_engine)

    listing = client.get("/karantan")
    item = client.get(f"/karantan/{raw_id}")

    assert listing.status_code == 200 and f'id="message-{raw_id}"' in listing.text and STRANGER in listing.text
    assert item.status_code == 200
    assert STRANGER in item.text and "Lägesbild Rättvik" in item.text and "Rättvik.docx" in item.text
    assert '<strong class="form-municipality">Rättvik</strong>' in item.text
    assert '<strong class="form-period">2026-10</strong>' in item.text
    expected = mails.form_answers("Rättvik", 2026, 10)
    first = next(a for n, a in sorted(expected.items()) if a.comment)
    assert first.comment.split()[0] in item.text


def test_a_preview_names_the_version_it_would_supersede_and_writes_nothing(config: Config,
                                                                           any_engine: Engine) -> None:
    import_file(any_engine, config, mails.form_docx("Rättvik", 2026, 10, seed=5), "tidig.docx", "Rättvik",
                Period(2026, 10), NOW - timedelta(days=3), parse=parse_bytes)
    raw_id = _quarantined(any_engine, config)
    client = staff_client(config, any_engine)

    page = client.get(f"/karantan/{raw_id}", params={"kommun": "Rättvik"})

    effect = page.text.split('id="effect">', 1)[1].split("</ul>", 1)[0]
    assert "registreras för Rättvik 2026-10 som version 2 och ersätter version 1" in effect
    assert 'id="warning"' not in page.text
    assert message(any_engine, raw_id).outcome is Outcome.QUARANTINED
    assert audit_lines(any_engine, "released") == []


def test_a_preview_says_when_the_form_is_what_is_already_filed(config: Config, any_engine: Engine) -> None:
    import_file(any_engine, config, mails.form_docx("Rättvik", 2026, 10), "samma.docx", "Rättvik",
                Period(2026, 10), NOW - timedelta(days=3), parse=parse_bytes)
    raw_id = _quarantined(any_engine, config)
    client = staff_client(config, any_engine)

    page = client.get(f"/karantan/{raw_id}", params={"kommun": "Rättvik"})

    effect = page.text.split('id="effect">', 1)[1].split("</ul>", 1)[0]
    assert "har samma innehåll som version 1 för Rättvik 2026-10" in effect and "version 2" not in effect


def test_release_files_the_form_answers_the_sender_and_audits_the_clerk(config: Config, any_engine: Engine) -> None:
    raw_id = _quarantined(any_engine, config)
    client = staff_client(config, any_engine)
    before = len(outbox(any_engine))

    response = client.post(f"/karantan/{raw_id}/slapp", data={"csrf": csrf(client, f"/karantan/{raw_id}"),
                                                              "kommun": "Rättvik"}, follow_redirects=False)

    assert response.status_code == 303 and response.headers["location"] == "/karantan"
    assert message(any_engine, raw_id).outcome is Outcome.STORED
    [line] = audit_lines(any_engine, "released")
    assert (line.actor, line.county, line.municipality, line.before, line.after) == (
        STAFF_NAME, config.county.code, "Rättvik", "karantän", "2026-10 version 1")
    receipts = [m for m in outbox(any_engine)[before:] if m.kind == "receipt"]
    assert [list(m.to_addrs) for m in receipts] == [[STRANGER]]
    after = client.get("/karantan")
    assert f"Meddelande {raw_id} släppt till Rättvik" in after.text and 'id="empty"' in after.text


def test_a_form_naming_another_municipality_warns_and_needs_a_confirmation(config: Config,
                                                                           any_engine: Engine) -> None:
    raw_id = _quarantined(any_engine, config)
    client = staff_client(config, any_engine)

    preview = client.get(f"/karantan/{raw_id}", params={"kommun": "Orsa"})
    token = csrf(client, f"/karantan/{raw_id}")
    unconfirmed = client.post(f"/karantan/{raw_id}/slapp", data={"csrf": token, "kommun": "Orsa"})

    assert 'id="warning"' in preview.text and "formuläret anger Rättvik, inte Orsa" in preview.text
    assert 'id="bekrafta"' in preview.text
    assert unconfirmed.status_code == 409 and "Formuläret gäller Rättvik, inte Orsa" in unconfirmed.text
    assert message(any_engine, raw_id).outcome is Outcome.QUARANTINED

    confirmed = client.post(f"/karantan/{raw_id}/slapp", data={"csrf": token, "kommun": "Orsa", "bekrafta": "ja"},
                            follow_redirects=False)

    assert confirmed.status_code == 303
    assert message(any_engine, raw_id).municipality == "Orsa"
    assert audit_lines(any_engine, "released")[0].municipality == "Orsa"


def test_a_message_without_a_form_cannot_be_released_and_says_so(config: Config, any_engine: Engine) -> None:
    outcome, raw_id = deliver(any_engine, config, mails.build_mail("spam@example.net", "Köp nu", "Erbjudande!"),
                              "spam", NOW - timedelta(hours=1))
    assert outcome is Outcome.QUARANTINED
    client = staff_client(config, any_engine)

    page = client.get(f"/karantan/{raw_id}", params={"kommun": "Orsa"})
    post = client.post(f"/karantan/{raw_id}/slapp", data={"csrf": csrf(client), "kommun": "Orsa"})

    assert 'id="problem"' in page.text and "inget formulär som går att läsa" in page.text
    assert 'id="release-form"' not in page.text
    assert post.status_code == 409 and message(any_engine, raw_id).outcome is Outcome.QUARANTINED


def test_drop_needs_a_reason_and_is_audited(config: Config, any_engine: Engine) -> None:
    raw_id = _quarantined(any_engine, config)
    client = staff_client(config, any_engine)
    token = csrf(client, f"/karantan/{raw_id}")

    blank = client.post(f"/karantan/{raw_id}/ta-bort", data={"csrf": token, "orsak": "  "})
    dropped = client.post(f"/karantan/{raw_id}/ta-bort", data={"csrf": token, "orsak": "skräppost"},
                          follow_redirects=False)

    assert blank.status_code == 409
    assert dropped.status_code == 303
    assert message(any_engine, raw_id).outcome is Outcome.DROPPED
    [line] = audit_lines(any_engine, "dropped")
    assert (line.actor, line.detail, line.after) == (STAFF_NAME, "skräppost", "borttagen")


def test_a_post_without_the_csrf_token_is_refused(config: Config, any_engine: Engine) -> None:
    raw_id = _quarantined(any_engine, config)
    client = staff_client(config, any_engine)

    release = client.post(f"/karantan/{raw_id}/slapp", data={"kommun": "Rättvik"})
    drop = client.post(f"/karantan/{raw_id}/ta-bort", data={"csrf": "gissad", "orsak": "x"})

    assert release.status_code == 403 and drop.status_code == 403
    assert message(any_engine, raw_id).outcome is Outcome.QUARANTINED


def test_leadership_and_another_countys_ids_are_refused(config: Config, any_engine: Engine) -> None:
    ours = _quarantined(any_engine, config)
    theirs = _quarantined(any_engine, config, uid="q2", county=other_county(config))
    leader = staff_client(config, any_engine, "Ledning", Role.LEADERSHIP)
    client = staff_client(config, any_engine)
    token = csrf(client, "/karantan")

    assert leader.get("/karantan").status_code == 403
    assert leader.get(f"/karantan/{ours}").status_code == 403
    assert f'id="message-{theirs}"' not in client.get("/karantan").text
    assert client.get(f"/karantan/{theirs}").status_code == 404
    assert client.get(f"/karantan/{theirs}", params={"kommun": "Rättvik"}).status_code == 404
    assert client.post(f"/karantan/{theirs}/slapp", data={"csrf": token, "kommun": "Rättvik"}).status_code == 404
    assert client.post(f"/karantan/{theirs}/ta-bort", data={"csrf": token, "orsak": "x"}).status_code == 404
    assert client.get("/karantan/987654").status_code == 404
    assert message(any_engine, theirs).outcome is Outcome.QUARANTINED


def _notice_text(engine: Engine) -> str:
    raw = next(m for m in outbox(engine) if m.kind == "quarantine_notice").raw
    body = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_the_staff_notice_names_the_message_and_links_to_its_page(config: Config, any_engine: Engine) -> None:
    web = dataclasses.replace(config.web, base_url="https://lagesbild.lansstyrelsen.example")
    raw_id = _quarantined(any_engine, dataclasses.replace(config, web=web))

    text = _notice_text(any_engine)

    assert f"Meddelandets id: {raw_id}." in text
    assert f"https://lagesbild.lansstyrelsen.example/karantan/{raw_id}" in text


def test_without_the_pages_address_the_notice_names_the_id_and_the_command(config: Config,
                                                                            any_engine: Engine) -> None:
    raw_id = _quarantined(any_engine, config)

    text = _notice_text(any_engine)

    assert f"Meddelandets id: {raw_id}." in text
    assert f"lagesbild quarantine release {raw_id} --municipality KOMMUN" in text
    assert "/karantan" not in text
