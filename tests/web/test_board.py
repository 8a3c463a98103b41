"""Läget: every municipality's state and levels for a period, what waits for staff, and escaping."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from flow.accounts import Role, add_user
from flow.operations import import_file
from flow.settings import Config
from lagesbild.samples import sample_answers, template_docx
from parsers import parse_bytes
from parsers.form import default_form
from parsers.result import Answer, Period
from tests.builders import mail as mails
from tests.web.conftest import NOW, PASSWORD, make_client, sign_in


def _file(config: Config, engine: Engine, town: str, data: bytes, period: Period) -> None:
    import_file(engine, config, data, f"{town}.docx", town, period, NOW, parse=parse_bytes)


def test_the_board_shows_a_stored_reports_levels_and_states(config: Config, engine: Engine,
                                                            leader: TestClient) -> None:
    period = Period(2026, 10)
    _file(config, engine, "Ludvika", mails.form_docx("Ludvika", 2026, 10, seed=1), period)
    expected = mails.form_answers("Ludvika", 2026, 10, seed=1)

    page = leader.get("/?period=2026-10")

    assert page.status_code == 200
    row = page.text.split(">Ludvika</a></th>", 1)[1].split("</tr>", 1)[0]
    cells = [c.split(">", 1)[1].split("<", 1)[0] for c in row.split('<td class="level')[1:]]
    questions = [q.number for q in default_form().questions if q.impact]
    assert cells == [str(expected[n].impact) if expected[n].impact is not None else "–" for n in questions]
    assert "i tid" in row or "sen" in row
    orsa = page.text.split(">Orsa</a></th>", 1)[1].split("</tr>", 1)[0]
    assert "saknas" in orsa  # the deadline of October has passed on 10 November
    assert 'id="quarantined">0<' in page.text and 'id="in-review">0<' in page.text


def test_the_current_month_is_the_default_and_pending(leader: TestClient) -> None:
    page = leader.get("/")

    assert "Läget 2026-11" in page.text
    assert "väntar" in page.text


def test_a_script_in_a_comment_is_shown_as_text(config: Config, engine: Engine, leader: TestClient) -> None:
    form, period = default_form(), Period(2026, 10)
    answers = dict(sample_answers(form, "Mora", period, 0))
    first = next(q.number for q in form.questions if q.impact)
    answers[first] = Answer(3, "Inbrott <script>alert(1)</script> i centrum")
    _file(config, engine, "Mora", template_docx(form, "Mora", period, answers), period)

    page = leader.get("/?period=2026-10")

    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_a_bad_period_is_refused_with_a_sentence(leader: TestClient) -> None:
    assert leader.get("/?period=oktober").status_code == 400


def test_an_account_of_another_county_sees_nothing(config: Config, engine: Engine) -> None:
    add_user(engine, "granne", Role.LEADERSHIP, "99", PASSWORD, NOW)
    client = make_client(config, engine)
    assert sign_in(client, "granne") == 303

    assert client.get("/?period=2026-10").status_code == 403

