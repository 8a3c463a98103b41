"""Läget beyond one month's rows: the period of a weekly form by default, the groups' highest
level and the county mean under the municipalities (as the digest gives them), and the year view."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from flow.accounts import Role, add_user
from flow.operations import import_file
from flow.settings import Config
from lagesbild.config import load_config
from parsers import parse_bytes
from parsers.form import default_form
from parsers.result import Period
from tests.builders import mail as mails
from tests.web.conftest import NOW, PASSWORD, make_client, sign_in

WEEKLY = Path(__file__).resolve().parents[2] / "examples" / "orebro-est-weekly.toml"
QUESTIONS = [q.number for q in default_form().questions if q.impact]
SENT = {"Ludvika": 1, "Smedjebacken": 2, "Mora": 3, "Orsa": 4, "Falun": 5}  # town → seed, October 2026


def _client(config: Config, engine: Engine) -> TestClient:
    add_user(engine, "ledning", Role.LEADERSHIP, config.county.code, PASSWORD, NOW)
    client = make_client(config, engine)
    assert sign_in(client, "ledning") == 303
    return client


def _send(config: Config, engine: Engine, town: str, month: int, seed: int) -> None:
    import_file(engine, config, mails.form_docx(town, 2026, month, seed=seed), f"{town}.docx", town,
                Period(2026, month), NOW, parse=parse_bytes)


def _cells(row_html: str) -> list[str]:
    return [c.split(">", 1)[1].split("<", 1)[0] for c in row_html.split('<td class="level')[1:]]


def _row(page: str, name: str) -> str:
    return page.split(f'<th scope="row">{name}</th>', 1)[1].split("</tr>", 1)[0]


def test_a_weekly_countys_board_opens_on_this_week_and_refuses_a_month(any_engine: Engine) -> None:
    config = load_config(WEEKLY)
    client = _client(config, any_engine)

    assert "Läget 2026-W46" in client.get("/").text  # 10 November 2026 is in ISO week 46
    assert "Läget 2026-W45" in client.get("/?period=2026-V45").text
    refused = client.get("/?period=2026-10")
    assert refused.status_code == 400 and "ÅÅÅÅ-Vvv" in refused.text


def test_a_monthly_countys_board_refuses_a_week(config: Config, any_engine: Engine) -> None:
    refused = _client(config, any_engine).get("/?period=2026-W45")
    assert refused.status_code == 400 and "ÅÅÅÅ-MM" in refused.text


def test_groups_show_their_highest_level_and_the_county_its_mean(config: Config, any_engine: Engine) -> None:
    for town, seed in SENT.items():
        _send(config, any_engine, town, 10, seed)
    answers = {town: mails.form_answers(town, 2026, 10, seed=seed) for town, seed in SENT.items()}

    page = _client(config, any_engine).get("/?period=2026-10").text

    county = _cells(_row(page, config.county.name))
    expected_county = []
    for n in QUESTIONS:
        values = [v for a in answers.values() if (v := a[n].impact) is not None]
        mean = Fraction(sum(values), len(values)) if values else None
        tenths = int((mean * 10 + Fraction(1, 2)) // 1) if mean is not None else None
        expected_county.append(f"{tenths // 10},{tenths % 10}" if tenths is not None else "–")
    assert county == expected_county
    assert "medelvärde" in _row(page, config.county.name)
    for group in config.groups:
        cells = _cells(_row(page, group.name))
        expected = []
        for n in QUESTIONS:
            values = [v for m in group.members if m in answers and (v := answers[m][n].impact) is not None]
            expected.append(str(max(values)) if values else "–")
        assert cells == expected, group.name
        sent = sum(1 for m in group.members if m in SENT)
        assert f"högsta nivå, {sent} av {len(group.members)} rapporterat" in _row(page, group.name)


def test_the_year_view_shows_each_reports_highest_level_and_links_to_the_history(config: Config,
                                                                               any_engine: Engine) -> None:
    _send(config, any_engine, "Ludvika", 9, 7)
    _send(config, any_engine, "Ludvika", 10, 8)
    client = _client(config, any_engine)

    page = client.get("/ar?ar=2026")

    assert page.status_code == 200 and "<caption>" in page.text and '<th scope="col">' in page.text
    ludvika = page.text.split('?ar=2026">Ludvika</a></th>', 1)[1].split("</tr>", 1)[0]
    cells = [c.split("</td>", 1)[0] for c in ludvika.split("<td ")[1:]]
    assert len(cells) == 12
    for month in (9, 10):
        answers = mails.form_answers("Ludvika", 2026, month, seed=6 + month - 8)
        highest = max(a.impact for a in answers.values() if a.impact is not None)
        assert f'class="level level-{highest} state ' in cells[month - 1]
        assert f">{highest}</a>" in cells[month - 1]
        assert 'href="/kommun/Ludvika?ar=2026"' in cells[month - 1]
    assert "not_due" in cells[11] and "<a " not in cells[11]  # December is still to come
    orsa = page.text.split('?ar=2026">Orsa</a></th>', 1)[1].split("</tr>", 1)[0]
    assert ">saknas</a>" in orsa.split("<td ")[10]  # October's deadline has passed
    assert 'href="/ar?ar=2026"' in client.get("/?period=2026-10").text  # the board links to it

    question = QUESTIONS[1]
    one = client.get(f"/ar?ar=2026&fraga={question}").text
    impact = mails.form_answers("Ludvika", 2026, 10, seed=8)[question].impact
    october = one.split('?ar=2026">Ludvika</a></th>', 1)[1].split("<td ")[10]
    assert (f">{impact}</a>" if impact is not None else ">–</a>") in october
    assert client.get("/?year=2026").text == page.text
    assert client.get("/ar?ar=tjugo").status_code == 400
    assert client.get("/ar?ar=2026&fraga=999").status_code == 400


def test_a_weekly_countys_year_view_has_a_column_per_iso_week(any_engine: Engine) -> None:
    config = load_config(WEEKLY)
    page = _client(config, any_engine).get("/ar?ar=2026").text  # 2026 starts on a Thursday: 53 ISO weeks

    header = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert header.count('<th scope="col">') == 1 + 53
    assert 'href="/?period=2026-W53"' in header
    first = page.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert first.count("<td ") == 53
    assert "per kommun och vecka 2026" in page
