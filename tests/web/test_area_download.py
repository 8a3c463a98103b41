"""Hämta on a county whose form asks for the area (the EST checklist): a pre-filled form carries the
area typed on the page, or the one the municipality named in its last report, and reads back with
it through the real parser, on SQLite and PostgreSQL; a monthly county's page has no area field."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from flow.accounts import Role
from flow.settings import Config
from parsers import parse_bytes
from tests.parsers.test_forms_as_data import EST
from tests.web.desk import staff_client
from tests.web.test_area_pages import WEEKLY, _file
from tests.web.test_history import client_for


def _form(client: TestClient, **params: str) -> str | None:
    """The area the pre-filled Word form reads back with."""
    response = client.get("/hamta/blankett", params={"kommun": "Kumla", "period": "2026-W45", **params})
    assert response.status_code == 200, response.text
    result = parse_bytes(response.content, "Kumla.docx", form=EST)
    assert result.municipality == "Kumla" and str(result.period) == "2026-W45"
    return result.area


def test_the_area_typed_or_the_last_one_is_pre_filled(any_engine: Engine) -> None:
    _file(any_engine, "Vivalla")
    client = client_for(WEEKLY, any_engine, "Handläggare", Role.STAFF)
    page = client.get("/hamta").text
    assert 'name="omrade"' in page and 'name="senaste_omrade"' in page
    assert _form(client, senaste_omrade="1") == "Vivalla"
    assert _form(client, omrade="Brickebacken", senaste_omrade="1") == "Brickebacken"
    assert _form(client) is None  # neither typed nor asked for: left blank


def test_a_typed_area_stays_text(any_engine: Engine) -> None:
    client = client_for(WEEKLY, any_engine, "Handläggare", Role.STAFF)
    assert _form(client, omrade="=HYPERLINK(\"x\") <b>Lillån</b>") == "=HYPERLINK(\"x\") <b>Lillån</b>"


def test_a_monthly_county_has_no_area_field(config: Config, any_engine: Engine) -> None:
    client = staff_client(config, any_engine)
    assert 'name="omrade"' not in client.get("/hamta").text
