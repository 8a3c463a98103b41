"""The staff web page shows a report's area, escaped, on Läget (beside the municipality, in its tooltip
and over its comments) and on the municipality's history, on SQLite and PostgreSQL; a monthly county's
pages have no area at all."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from flow.accounts import Role
from flow.pipeline import handle_message
from ground.refs import MessageRef
from ingest.source import RawMail
from lagesbild.config import load_config
from outputs.blank_docx import build_blank_docx
from parsers import parse_bytes
from tests.builders import mail as mails
from tests.outputs.fill import fill_docx
from tests.parsers.test_forms_as_data import EST, EST_ANSWERS, WEEK
from tests.web.conftest import NOW
from tests.web.test_history import client_for

WEEKLY = load_config(Path(__file__).resolve().parents[2] / "examples" / "orebro-est-weekly.toml")
ARRIVED = datetime(2026, 10, 20, 10, 0, tzinfo=NOW.tzinfo)
AREA = "Vivalla <b>centrum</b> & \"Lillån\""
SHOWN = "Vivalla &lt;b&gt;centrum&lt;/b&gt; &amp; &#34;Lillån&#34;"


def _file(engine: Engine, area: str | None) -> None:
    form = fill_docx(build_blank_docx(EST, "Kumla", WEEK), answers=EST_ANSWERS, area=area)
    eml = mails.build_mail("samordnare@kumla.se", "Checklista v43", "Hej!", [("c.docx", form, mails.DOCX_TYPE)])
    handle_message(RawMail(MessageRef("maildir:/test", 0, "1"), eml, ARRIVED), engine, WEEKLY, ARRIVED,
                   parse=parse_bytes)


def test_the_area_is_on_the_board_and_in_the_history(any_engine: Engine) -> None:
    _file(any_engine, AREA)
    client = client_for(WEEKLY, any_engine, "Handläggare", Role.STAFF)
    board = client.get("/?period=2026-W43").text
    assert f'title="Område: {SHOWN}">Kumla</a> <span class="area">{SHOWN}</span>' in board
    assert f"<summary>Kumla – {SHOWN}</summary>" in board
    assert "<b>centrum" not in board
    history = client.get("/kommun/Kumla").text
    assert f'<dt>Område</dt><dd class="area">{SHOWN}</dd>' in history


def test_no_area_no_mark(any_engine: Engine) -> None:
    _file(any_engine, None)
    client = client_for(WEEKLY, any_engine, "Handläggare", Role.STAFF)
    assert 'class="area"' not in client.get("/?period=2026-W43").text
    assert "<dt>Område</dt>" not in client.get("/kommun/Kumla").text
