"""Hämta on the web page: the year's workbook opens in openpyxl with the filed levels, the digest of
a period is the HTML that would be sent, blank and pre-filled forms; leadership may fetch the
workbook and digest but not forms; nothing without sign-in."""

from __future__ import annotations

import io
from urllib.parse import unquote

import openpyxl
from sqlalchemy.engine import Engine

from flow.accounts import Role
from flow.operations import import_file
from flow.settings import Config
from parsers import parse_bytes
from parsers.result import Period
from tests.builders import mail as mails
from tests.web.conftest import NOW, make_client
from tests.web.desk import staff_client


def _file_ludvika(engine: Engine, config: Config) -> None:
    import_file(engine, config, mails.form_docx("Ludvika", 2026, 10, seed=1), "Ludvika.docx", "Ludvika",
                Period(2026, 10), NOW, parse=parse_bytes)


def test_the_workbook_is_a_valid_xlsx_with_the_filed_levels(config: Config, any_engine: Engine) -> None:
    _file_ludvika(any_engine, config)
    client = staff_client(config, any_engine)

    response = client.get("/hamta/arbetsbok", params={"ar": "2026"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert response.headers["cache-control"] == "no-store"
    assert unquote(response.headers["content-disposition"]).endswith(f"Lägesbild {config.county.name} 2026.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    answers = mails.form_answers("Ludvika", 2026, 10, seed=1)
    number, level = next((n, a.impact) for n, a in sorted(answers.items()) if a.impact is not None)
    sheet = next(ws for ws in book.worksheets if ws.title.startswith(f"{number} "))
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    words = {1: "Normalt", 2: "Avvikande", 3: "Oroande", 4: "Allvarligt", 5: "Kritiskt"}
    assert words[level] in rows["Ludvika"]


def test_the_digest_is_the_html_that_would_be_sent(config: Config, any_engine: Engine) -> None:
    _file_ludvika(any_engine, config)
    leader = staff_client(config, any_engine, "Ledning", Role.LEADERSHIP)

    response = leader.get("/hamta/sammanfattning", params={"period": "2026-10"})

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.lstrip().lower().startswith("<!doctype html") and "Ludvika" in response.text
    assert 'src="cid:' not in response.text  # images inline, so the file opens on its own


def test_blank_and_prefilled_forms(config: Config, any_engine: Engine) -> None:
    client = staff_client(config, any_engine)

    blank = client.get("/hamta/blankett", params={"format": "docx"})
    filled = client.get("/hamta/blankett", params={"format": "xlsx", "kommun": "Orsa", "period": "2026-11"})
    wrong = client.get("/hamta/blankett", params={"format": "docx", "kommun": "Karlstad"})

    assert blank.status_code == 200 and blank.content[:2] == b"PK"
    assert parse_bytes(blank.content, "blank.docx").municipality is None
    assert filled.status_code == 200
    read = parse_bytes(filled.content, "ifylld.xlsx")
    assert (read.municipality, read.period) == ("Orsa", Period(2026, 11))
    assert wrong.status_code == 400


def test_who_may_download_what(config: Config, any_engine: Engine) -> None:
    leader = staff_client(config, any_engine, "Ledning", Role.LEADERSHIP)
    admin = staff_client(config, any_engine, "Admin", Role.ADMIN)
    stranger = staff_client(config, any_engine, "Granne", Role.STAFF, county="99")

    assert leader.get("/hamta").status_code == 200 and "/hamta/blankett" not in leader.get("/hamta").text
    assert leader.get("/hamta/arbetsbok", params={"ar": "2026"}).status_code == 200
    assert leader.get("/hamta/blankett").status_code == 403
    assert admin.get("/hamta/arbetsbok").status_code == 403
    assert stranger.get("/hamta/arbetsbok").status_code == 403
    assert stranger.get("/hamta/sammanfattning", params={"period": "2026-10"}).status_code == 403
    anonymous = make_client(config, any_engine)
    assert anonymous.get("/hamta/arbetsbok", follow_redirects=False).status_code == 303
