"""Påminnelser on the web page: "remind now" queues exactly one reminder for one municipality (the
next stage, which the scheduled job then does not send again), audited with the clerk; not for a
municipality that has reported; CSRF and roles."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from flow.accounts import Role
from flow.jobs import plan_reminders
from flow.operations import import_file
from flow.settings import Config
from parsers import parse_bytes
from parsers.result import Period
from tests.builders import mail as mails
from tests.web.conftest import NOW
from tests.web.desk import STAFF_NAME, audit_lines, csrf, outbox, staff_client


def test_remind_now_queues_exactly_one_reminder_and_the_job_does_not_repeat_it(config: Config,
                                                                              any_engine: Engine) -> None:
    client = staff_client(config, any_engine)
    due_before = {(r.municipality, r.stage) for r in plan_reminders(any_engine, config, NOW).reminders}
    assert ("Orsa", "after_deadline") in due_before  # October's deadline has passed on 10 November
    token = csrf(client, "/paminnelser?period=2026-10")

    response = client.post("/paminnelser/skicka", data={"csrf": token, "kommun": "Orsa", "period": "2026-10"},
                           follow_redirects=False)
    twice = client.post("/paminnelser/skicka", data={"csrf": token, "kommun": "Orsa", "period": "2026-10"})

    assert response.status_code == 303 and twice.status_code == 409
    [mail] = [m for m in outbox(any_engine) if m.kind == "reminder"]
    assert list(mail.to_addrs) == ["samordnare@orsa.se"] and list(mail.cc_addrs) == list(config.county.staff)
    assert "oktober" in mail.subject.lower()
    due_after = {(r.municipality, r.stage) for r in plan_reminders(any_engine, config, NOW).reminders}
    assert due_after == due_before - {("Orsa", "after_deadline")}
    [line] = audit_lines(any_engine, "reminded_by_hand")
    assert (line.actor, line.municipality, line.after) == (STAFF_NAME, "Orsa", "after_deadline")
    page = client.get("/paminnelser?period=2026-10")
    assert "Påminnelsen (efter sista dag) till Orsa ligger i utkorgen" in page.text


def test_a_municipality_that_has_reported_is_not_reminded(config: Config, any_engine: Engine) -> None:
    import_file(any_engine, config, mails.form_docx("Ludvika", 2026, 11), "Ludvika.docx", "Ludvika",
                Period(2026, 11), NOW, parse=parse_bytes)
    client = staff_client(config, any_engine)

    page = client.get("/paminnelser?period=2026-11")
    refused = client.post("/paminnelser/skicka", data={"csrf": csrf(client), "kommun": "Ludvika",
                                                       "period": "2026-11"})

    row = page.text.split("<th scope=\"row\">Ludvika</th>", 1)[1].split("</tr>", 1)[0]
    assert "<td>ja</td>" in row and "Påminn nu" not in row
    orsa = page.text.split("<th scope=\"row\">Orsa</th>", 1)[1].split("</tr>", 1)[0]
    assert "före sista dag" in orsa and "Påminn nu" in orsa  # November's first stage, ahead of its day
    assert refused.status_code == 409 and "har redan skickat" in refused.text
    assert [m for m in outbox(any_engine) if m.kind == "reminder"] == []


def test_csrf_and_roles(config: Config, any_engine: Engine) -> None:
    client = staff_client(config, any_engine)
    leader = staff_client(config, any_engine, "Ledning", Role.LEADERSHIP)

    assert client.post("/paminnelser/skicka", data={"kommun": "Orsa", "period": "2026-10"}).status_code == 403
    assert leader.get("/paminnelser").status_code == 403
    assert leader.post("/paminnelser/skicka", data={"csrf": csrf(leader), "kommun": "Orsa"}).status_code == 403
    assert [m for m in outbox(any_engine) if m.kind == "reminder"] == []
