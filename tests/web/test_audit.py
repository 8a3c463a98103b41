"""The audit log page, on SQLite and PostgreSQL: the worker's decisions (their county taken from the
message) and staff actions with actor and before/after, filtered by municipality, actor and dates, paged,
only the account's county, and not for leadership."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from flow.accounts import Role
from flow.correction import CorrectionRequest, correct
from flow.settings import Config
from parsers.result import Period
from store import repo
from store.db import transaction
from tests.web.conftest import NOW
from tests.web.test_history import STAFF, client_for, mail_in

DAY = datetime(2026, 9, 1, 12, 0, tzinfo=NOW.tzinfo)


def rows(html: str) -> list[str]:
    """The log table's rows."""
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr id=")[1:]


def bertil_lines(engine: Engine, count: int) -> None:
    """`count` staff lines about Mora, one a day from 1 September, by Bertil."""
    with transaction(engine) as s:
        for n in range(count):
            repo.audit(s, None, "reminded", f"påminnelse {n}", DAY + timedelta(days=n), actor="Bertil",
                       county="20", municipality="Mora")


def test_the_log_shows_decisions_and_staff_actions_of_the_county_only(config: Config, any_engine: Engine) -> None:
    mail_in(any_engine, config)
    neighbour = dataclasses.replace(config, county=dataclasses.replace(config.county, code="99"))
    mail_in(any_engine, neighbour, municipality="Mora", uid="2")
    correct(any_engine, config, CorrectionRequest("Ludvika", Period(2026, 10), 5, "Läst fel", STAFF, impact=4), NOW)
    staff = client_for(config, any_engine, STAFF, Role.STAFF)

    page = staff.get("/logg")

    assert page.status_code == 200
    lines = rows(page.text)
    stored = [r for r in lines if 'data-event="stored">sparat</td>' in r]
    assert len(stored) == 1 and "Ludvika" in stored[0] and "systemet" in stored[0]  # county from the message
    [corrected] = [r for r in lines if 'data-event="corrected">rättat av länet</td>' in r]
    assert f'<td class="actor">{STAFF}</td>' in corrected
    assert '<td class="before">Fråga 5, påverkan: 2</td><td class="after">Fråga 5, påverkan: 4</td>' in corrected
    assert "Mora" not in "".join(lines)  # the other county's mail


def test_the_log_filters_by_municipality_actor_and_dates_and_pages(config: Config, any_engine: Engine) -> None:
    mail_in(any_engine, config)
    bertil_lines(any_engine, 60)
    staff = client_for(config, any_engine, STAFF, Role.STAFF)

    mora = staff.get("/logg?kommun=Mora")
    by_bertil = staff.get("/logg?aktor=Bertil&fran=2026-09-10&till=2026-09-14")
    ludvika = staff.get("/logg?kommun=Ludvika")
    last = staff.get("/logg?kommun=Mora&sida=2")

    assert len(rows(mora.text)) == 50 and "60 rader · sida 1 av 2" in mora.text
    assert 'href="/logg?kommun=Mora&amp;sida=2"' in mora.text
    assert "påminnelse 59" in rows(mora.text)[0]  # newest first
    assert [r.split('class="detail">', 1)[1].split("<", 1)[0] for r in rows(by_bertil.text)] == [
        f"påminnelse {n}" for n in (13, 12, 11, 10, 9)]  # 10-14 September, both days included
    assert ludvika.status_code == 200 and rows(ludvika.text)
    assert all("Ludvika" in r for r in rows(ludvika.text)) and "Bertil" not in ludvika.text.split("<tbody>")[1]
    assert len(rows(last.text)) == 10 and "påminnelse 0" in rows(last.text)[-1]


def test_leadership_may_not_read_the_log_admin_may(config: Config, engine: Engine) -> None:
    assert client_for(config, engine, "ledning", Role.LEADERSHIP).get("/logg").status_code == 403
    assert client_for(config, engine, "admin", Role.ADMIN).get("/logg").status_code == 200
    assert client_for(config, engine, "granne", Role.STAFF, county="99").get("/logg").status_code == 403


def test_a_malformed_filter_is_refused_with_a_sentence(config: Config, engine: Engine) -> None:
    staff = client_for(config, engine, STAFF, Role.STAFF)

    assert staff.get("/logg?fran=1%20sept").status_code == 400
    assert staff.get("/logg?kommun=Karlstad").status_code == 400
    assert staff.get("/logg?sida=två").status_code == 400
