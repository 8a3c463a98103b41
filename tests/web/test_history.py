"""A municipality's history and the correction form, on SQLite and PostgreSQL: versions and what changed,
provenance and the mail sent, downloads for staff only, another county's ids refused, a correction made
through the form (new version, audit line with the clerk, mail to the municipality, the export using it)."""

from __future__ import annotations

import dataclasses
import email
from datetime import datetime
from email import policy

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from flow.accounts import Role, add_user
from flow.pipeline import handle_message
from flow.reports import export_period
from flow.settings import Config
from ground.refs import MessageRef
from ingest.source import RawMail
from lagesbild.samples import template_docx
from parsers import parse_bytes
from parsers.result import Answer, Period
from store import repo
from store.db import read_transaction
from tests.builders import mail as mails
from tests.web.conftest import NOW, PASSWORD, make_client, sign_in

OCT = Period(2026, 10)
ARRIVED = datetime(2026, 10, 29, 14, 3, tzinfo=NOW.tzinfo)
ANSWERS = {n: Answer(2, f"Kommentar till fråga {n}.") for n in range(1, 7)} | {7: Answer(None, "Nattvandring.")}
STAFF = "Handläggare Anna"


def client_for(config: Config, engine: Engine, name: str, role: Role, county: str | None = None) -> TestClient:
    add_user(engine, name, role, county or config.county.code, PASSWORD, NOW)
    client = make_client(config, engine)
    assert sign_in(client, name) == 303
    return client


def mail_in(engine: Engine, config: Config, municipality: str = "Ludvika", uid: str = "1",
            answers: dict[int, Answer] = ANSWERS) -> tuple[int, bytes, bytes]:
    """A municipality's October form handled by the worker's pipeline: (message id, the mail, the file)."""
    form = template_docx(config.county.form, municipality, OCT, answers)
    eml = mails.build_mail(f"samordnare@{municipality.lower()}.se", "Lägesbild oktober", "Hej!",
                           [("Lägesbild oktober.docx", form, mails.DOCX_TYPE)], message_id=f"<{uid}@kommun.se>")
    _, raw_id = handle_message(RawMail(MessageRef("maildir:/test", 0, uid), eml, ARRIVED), engine, config,
                               ARRIVED, parse=parse_bytes)
    return raw_id, eml, form


def token(client: TestClient, path: str) -> str:
    return str(client.get(path).text.split('name="csrf" value="', 1)[1].split('"', 1)[0])


def post_correction(client: TestClient, **fields: str) -> object:
    path = "/kommun/Ludvika/rattelse?period=2026-10&fraga=5"
    data = {"csrf": token(client, path), "period": "2026-10", "fraga": "5", "impact": "2",
            "comment": "Kommentar till fråga 5.", "reason": ""} | fields
    return client.post("/kommun/Ludvika/rattelse", data=data, follow_redirects=False)


def test_a_correction_through_the_form_is_a_new_version_the_history_shows_with_its_diff(
        config: Config, any_engine: Engine) -> None:
    mail_in(any_engine, config)
    staff = client_for(config, any_engine, STAFF, Role.STAFF)
    form = staff.get("/kommun/Ludvika/rattelse?period=2026-10&fraga=5")
    assert form.status_code == 200 and 'id="rattelse"' in form.text
    assert '<option value="2" selected>2 – Avvikande</option>' in form.text

    done = post_correction(staff, impact="4", reason="Läst fel ur tabellen")

    assert done.status_code == 303  # type: ignore[attr-defined]
    assert done.headers["location"].startswith("/kommun/Ludvika?ar=2026&rattad=2026-10&version=2")  # type: ignore[attr-defined]
    [entry] = export_period(any_engine, config, OCT)
    assert (entry["version"], entry["answers"]["5"]["impact"]) == (2, 4)
    with read_transaction(any_engine) as s:
        [line] = [a for a in repo.audit_trail(s) if a.event == "corrected"]
        mail = repo.due_mail(s, datetime(2100, 1, 1, tzinfo=NOW.tzinfo), 100)
    assert (line.actor, line.before, line.after) == (STAFF, "Fråga 5, påverkan: 2", "Fråga 5, påverkan: 4")
    [notice] = [m for m in mail if m.kind == "correction_notice"]
    assert notice.to_addrs == ("samordnare@ludvika.se",)
    text = email.message_from_bytes(notice.raw, policy=policy.default).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "4 – Allvarligt" in text

    page = staff.get("/kommun/Ludvika")

    assert page.status_code == 200
    latest = page.text.split('class="version latest"', 1)[1].split("</div>", 1)[0]
    assert "Version 2 – rättad av länsstyrelsen" in latest
    assert f"{STAFF}. Skäl: Läst fel ur tabellen" in latest
    diff = latest.split('class="changes"', 1)[1].split("</table>", 1)[0]
    assert '<td class="before">2 – Avvikande</td><td class="after">4 – Allvarligt</td>' in diff
    assert "Lägesbild oktober.docx (docx)" in latest and "e-post från samordnare@ludvika.se" in latest
    assert "<details" in page.text and "Version 1" in page.text  # the older version, folded
    sent = page.text.split('class="mails"', 1)[1].split("</table>", 1)[0]
    assert "Kvittens" in sent and "Rättelse till kommunen" in sent and "Signal" in sent


def test_the_correction_form_refuses_without_a_reason_a_change_or_a_csrf_token(config: Config,
                                                                              engine: Engine) -> None:
    mail_in(engine, config)
    staff = client_for(config, engine, STAFF, Role.STAFF)

    no_reason = post_correction(staff, impact="4")
    no_change = post_correction(staff, reason="Kontroll")
    bad_level = post_correction(staff, impact="7", reason="Kontroll")
    no_token = staff.post("/kommun/Ludvika/rattelse", data={"period": "2026-10", "fraga": "5", "impact": "4",
                                                           "reason": "x"}, follow_redirects=False)

    assert no_reason.status_code == 400 and "Ange ett skäl" in no_reason.text  # type: ignore[attr-defined]
    assert no_change.status_code == 400 and "ändrar ingenting" in no_change.text  # type: ignore[attr-defined]
    assert bad_level.status_code == 400 and "1–5" in bad_level.text  # type: ignore[attr-defined]
    assert no_token.status_code == 403
    assert export_period(engine, config, OCT)[0]["version"] == 1


def test_a_form_opened_before_another_clerks_correction_is_refused(config: Config, engine: Engine) -> None:
    mail_in(engine, config)
    anna = client_for(config, engine, STAFF, Role.STAFF)
    bertil = client_for(config, engine, "Bertil", Role.STAFF)
    path = "/kommun/Ludvika/rattelse?period=2026-10&fraga=5"
    stale = {"csrf": token(anna, path), "period": "2026-10", "fraga": "5", "version": "1", "impact": "3",
             "comment": "Kommentar till fråga 5.", "reason": "Läst fel"}

    assert post_correction(bertil, impact="4", reason="Läst fel").status_code == 303  # type: ignore[attr-defined]
    late = anna.post("/kommun/Ludvika/rattelse", data=stale, follow_redirects=False)

    assert late.status_code == 400 and "har fått version 2 sedan du öppnade den" in late.text
    assert 'name="version" value="2"' in late.text  # the form again, on the version that stands now
    [entry] = export_period(engine, config, OCT)
    assert (entry["version"], entry["answers"]["5"]["impact"]) == (2, 4)


def test_staff_download_the_mail_and_the_file_leadership_gets_403(config: Config, any_engine: Engine) -> None:
    raw_id, eml, form = mail_in(any_engine, config)
    with read_transaction(any_engine) as s:
        [version] = repo.report_versions(s, config.county.code, "Ludvika")
    staff = client_for(config, any_engine, STAFF, Role.STAFF)
    leader = client_for(config, any_engine, "ledning", Role.LEADERSHIP)

    got_mail = staff.get(f"/kommun/Ludvika/meddelande/{raw_id}.eml")
    got_file = staff.get(f"/kommun/Ludvika/version/{version.id}/fil")

    assert got_mail.status_code == 200 and got_mail.content == eml
    assert got_file.status_code == 200 and got_file.content == form
    assert "attachment" in got_file.headers["content-disposition"]
    assert leader.get(f"/kommun/Ludvika/meddelande/{raw_id}.eml").status_code == 403
    assert leader.get(f"/kommun/Ludvika/version/{version.id}/fil").status_code == 403
    assert leader.get("/kommun/Ludvika/rattelse?period=2026-10&fraga=5").status_code == 403
    seen = leader.get("/kommun/Ludvika")
    assert seen.status_code == 200 and "Kommentar till fråga 5." in seen.text
    assert "Ladda ned" not in seen.text and "/rattelse" not in seen.text
    with read_transaction(any_engine) as s:
        downloads = [a for a in repo.audit_trail(s) if a.event == "downloaded"]
    assert [a.actor for a in downloads] == [STAFF, STAFF]


def test_leadership_never_sees_a_comment_held_for_personal_data(config: Config, engine: Engine) -> None:
    answers = ANSWERS | {2: Answer(3, "Hot mot 19811218-9876 i hemmet.")}
    mail_in(engine, config, answers=answers)
    staff = client_for(config, engine, STAFF, Role.STAFF)
    leader = client_for(config, engine, "ledning", Role.LEADERSHIP)

    seen_by_staff = staff.get("/kommun/Ludvika").text
    seen_by_leader = leader.get("/kommun/Ludvika").text

    assert "19811218-9876" in seen_by_staff and "granskas" in seen_by_staff
    assert "19811218" not in seen_by_leader and "<em>granskas</em>" in seen_by_leader
    assert "Kommentar till fråga 3." in seen_by_leader  # the other comments are shown


def test_another_countys_ids_and_accounts_are_refused(config: Config, any_engine: Engine) -> None:
    mail_in(any_engine, config)
    neighbour = dataclasses.replace(config, county=dataclasses.replace(config.county, code="99"))
    their_raw, _, _ = mail_in(any_engine, neighbour, uid="2")
    with read_transaction(any_engine) as s:
        [theirs] = repo.report_versions(s, "99", "Ludvika")
    staff = client_for(config, any_engine, STAFF, Role.STAFF)
    stranger = client_for(config, any_engine, "granne", Role.STAFF, county="99")

    assert staff.get(f"/kommun/Ludvika/meddelande/{their_raw}.eml").status_code == 404
    assert staff.get(f"/kommun/Ludvika/version/{theirs.id}/fil").status_code == 404
    assert staff.get("/kommun/Ludvika/meddelande/99999.eml").status_code == 404
    assert staff.get("/kommun/Karlstad").status_code == 404
    assert staff.get("/kommun/Ludvika").text.count('class="version latest"') == 1  # only our county's report
    for path in ("/kommun/Ludvika", f"/kommun/Ludvika/meddelande/{their_raw}.eml",
                 f"/kommun/Ludvika/version/{theirs.id}/fil"):
        assert stranger.get(path).status_code == 403


def test_the_board_links_each_municipality_to_its_history(config: Config, engine: Engine) -> None:
    staff = client_for(config, engine, STAFF, Role.STAFF)

    board = staff.get("/?period=2026-10")

    assert '<a href="/kommun/Malung-S%C3%A4len">Malung-Sälen</a>' in board.text
    history = staff.get("/kommun/Malung-S%C3%A4len")
    assert history.status_code == 200 and "Inga rapporter från Malung-Sälen" in history.text


def test_the_history_shows_one_year_at_a_time_with_links_to_the_others(config: Config, engine: Engine) -> None:
    mail_in(engine, config)
    earlier = Period(2025, 3)
    form = template_docx(config.county.form, "Ludvika", earlier, ANSWERS)
    eml = mails.build_mail("samordnare@ludvika.se", "Lägesbild mars", "Hej!",
                           [("mars.docx", form, mails.DOCX_TYPE)], message_id="<mars@kommun.se>")
    when = datetime(2025, 3, 27, 9, 0, tzinfo=NOW.tzinfo)
    handle_message(RawMail(MessageRef("maildir:/test", 0, "3"), eml, when), engine, config, when, parse=parse_bytes)
    staff = client_for(config, engine, STAFF, Role.STAFF)

    newest = staff.get("/kommun/Ludvika").text
    older = staff.get("/kommun/Ludvika?ar=2025").text

    assert 'id="p-2026-10"' in newest and 'id="p-2025-03"' not in newest
    assert '<a href="/kommun/Ludvika?ar=2025">2025</a>' in newest
    assert 'id="p-2025-03"' in older and 'id="p-2026-10"' not in older
    assert staff.get("/kommun/Ludvika?ar=tjugo").status_code == 400


@pytest.mark.parametrize("path", ["/kommun/Ludvika", "/kommun/Ludvika/rattelse?period=2026-10&fraga=5"])
def test_pages_need_a_signed_in_account(config: Config, engine: Engine, path: str) -> None:
    response = make_client(config, engine).get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/logga-in"
