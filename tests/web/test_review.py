"""Granskning on the web page: a held comment shown with the identity number marked (and escaped),
release after review and the mail asking for a version without it, each audited with the clerk;
leadership never sees a held comment; CSRF; another county's guessed ids."""

from __future__ import annotations

import email
import email.policy

from sqlalchemy.engine import Engine

from flow.accounts import Role
from flow.review_desk import held_reports
from flow.settings import Config
from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.result import Answer, Period
from store.outcome import Outcome
from tests.builders import mail as mails
from tests.web.desk import STAFF_NAME, audit_lines, csrf, deliver, other_county, outbox, staff_client

OCT = Period(2026, 10)
PNR = "19121212-1212"
SENDER = "samordnare@mora.se"


def _held(engine: Engine, config: Config, uid: str = "h1") -> int:
    form = default_form()
    answers = dict(sample_answers(form, "Mora", OCT, 0))
    answers[2] = Answer(3, f"Hot mot <b>personal</b>; anmälan gäller {PNR}, uppföljning pågår.")
    eml = mails.build_mail(SENDER, "Lägesbild oktober Mora", "Hej! Här kommer oktober.",
                           [("Mora oktober.docx", template_docx(form, "Mora", OCT, answers), mails.DOCX_TYPE)],
                           message_id=f"<{uid}@mora.se>")
    outcome, _ = deliver(engine, config, eml, uid)
    assert outcome is Outcome.STORED
    held = [r.id for r in held_reports(engine, config) if r.municipality == "Mora"]
    assert len(held) == 1, "the report was not held for review"
    return held[0]


def test_the_held_comment_is_shown_with_the_identity_number_marked(config: Config, any_engine: Engine) -> None:
    held = _held(any_engine, config)
    client = staff_client(config, any_engine)

    page = client.get("/granskning")

    assert page.status_code == 200 and f'id="held-{held}"' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert f'<mark title="personnummer">{PNR}</mark>' in page.text
    assert "&lt;b&gt;personal&lt;/b&gt;" in page.text and "<b>personal</b>" not in page.text


def test_leadership_never_sees_a_held_comment(config: Config, any_engine: Engine) -> None:
    held = _held(any_engine, config)
    leader = staff_client(config, any_engine, "Ledning", Role.LEADERSHIP)

    page = leader.get("/granskning")
    post = leader.post(f"/granskning/{held}/slapp", data={"csrf": csrf(leader)})

    assert page.status_code == 403 and PNR not in page.text
    assert post.status_code == 403
    assert PNR not in leader.get("/?period=2026-10").text


def test_release_after_review_is_audited_with_the_clerk(config: Config, any_engine: Engine) -> None:
    held = _held(any_engine, config)
    client = staff_client(config, any_engine)

    response = client.post(f"/granskning/{held}/slapp", data={"csrf": csrf(client, "/granskning")},
                           follow_redirects=False)

    assert response.status_code == 303
    assert held_reports(any_engine, config) == []
    [line] = audit_lines(any_engine, "released_after_review")
    assert (line.actor, line.municipality, line.after) == (STAFF_NAME, "Mora", "släppt efter granskning")
    assert "Mora 2026-10 version 1 är släppt" in client.get("/granskning").text


def test_asking_for_a_version_without_it_queues_one_swedish_mail_to_the_sender(config: Config,
                                                                              any_engine: Engine) -> None:
    held = _held(any_engine, config)
    client = staff_client(config, any_engine)
    token = csrf(client, "/granskning")
    before = len(outbox(any_engine))

    first = client.post(f"/granskning/{held}/be-om-ny-version", data={"csrf": token}, follow_redirects=False)
    again = client.post(f"/granskning/{held}/be-om-ny-version", data={"csrf": token})

    assert first.status_code == 303 and again.status_code == 409
    [mail] = outbox(any_engine)[before:]
    assert list(mail.to_addrs) == [SENDER]
    parsed = email.message_from_bytes(mail.raw, policy=email.policy.default)
    assert parsed["Subject"] == "Lägesbild oktober 2026, Mora: ny version behövs"
    assert parsed["In-Reply-To"] == "<h1@mora.se>"
    body = parsed.get_body(("plain",))
    assert body is not None
    text = str(body.get_content())
    assert "Fråga 2 Hot och våld verkar innehålla uppgifter om en enskild person (personnummer)" in text
    assert PNR not in mail.raw.decode("utf-8", "replace") and "1212" not in text
    [line] = audit_lines(any_engine, "review_asked")
    assert (line.actor, line.municipality, line.after) == (STAFF_NAME, "Mora", "ny version begärd")
    assert [r.asked for r in held_reports(any_engine, config)] == [True]  # still held until a new version comes


def test_csrf_and_another_countys_guessed_ids_are_refused(config: Config, any_engine: Engine) -> None:
    ours = _held(any_engine, config)
    theirs_config = other_county(config)
    theirs = _held(any_engine, theirs_config, uid="h2")
    client = staff_client(config, any_engine)
    token = csrf(client, "/granskning")

    assert client.post(f"/granskning/{ours}/slapp", data={}).status_code == 403
    assert client.post(f"/granskning/{theirs}/slapp", data={"csrf": token}).status_code == 404
    assert client.post(f"/granskning/{theirs}/be-om-ny-version", data={"csrf": token}).status_code == 404
    assert f'id="held-{theirs}"' not in client.get("/granskning").text
    assert [r.id for r in held_reports(any_engine, theirs_config)] == [theirs]
    assert [r.id for r in held_reports(any_engine, config)] == [ours]


def test_the_board_says_a_held_report_is_in_review_until_it_is_released(config: Config, any_engine: Engine) -> None:
    held = _held(any_engine, config)
    client = staff_client(config, any_engine)

    def state_of(town: str) -> str:
        row = client.get("/?period=2026-10").text.split(f">{town}</a></th>", 1)[1].split("</tr>", 1)[0]
        return str(row.split('<td class="state', 1)[1].split("</td>", 1)[0])

    # Mora's own words are held, but that a report waits in review is what the clerk must see.
    assert "granskas" in state_of("Mora") and "sen" in state_of("Mora")
    assert "granskas" not in state_of("Orsa")
    client.post(f"/granskning/{held}/slapp", data={"csrf": csrf(client, "/granskning")})
    assert "granskas" not in state_of("Mora") and "sen" in state_of("Mora")
