"""Läget shows whether the worker is alive: its last cycle, the outbox backlog and parked mail."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from flow.heartbeat import Cycle, record_cycle
from flow.settings import Config
from tests.web.conftest import NOW
from tests.web.desk import staff_client


def _strong(page: str, ident: str) -> str:
    return page.split(f'id="{ident}">', 1)[1].split("<", 1)[0]


def test_the_board_says_when_the_worker_never_ran(leader: TestClient) -> None:
    page = leader.get("/?period=2026-10").text
    assert _strong(page, "worker-age") == "inget varv ännu"
    assert "går arbetaren?" in page
    assert (_strong(page, "outbox-backlog"), _strong(page, "parked")) == ("0", "0")


def test_the_board_shows_the_last_cycle_and_warns_when_it_is_old(config: Config, engine: Engine,
                                                                 leader: TestClient) -> None:
    record_cycle(engine, config, "lagesbild-1", Cycle(NOW - timedelta(hours=3), NOW - timedelta(hours=3)))
    page = leader.get("/?period=2026-10").text
    assert _strong(page, "worker-age") == "3 h" and "går arbetaren?" in page

    record_cycle(engine, config, "lagesbild-1", Cycle(NOW - timedelta(minutes=3), NOW - timedelta(minutes=2),
                                                      error="IMAP: connection refused"))
    page = leader.get("/?period=2026-10").text
    assert _strong(page, "worker-age") == "2 min"
    assert "går arbetaren?" not in page and "(fel: IMAP: connection refused)" in page


def test_staff_open_what_waits_from_its_count_and_leadership_gets_no_link(config: Config, engine: Engine,
                                                                         leader: TestClient) -> None:
    staff = staff_client(config, engine)
    links = ('<a href="/karantan">I karantän', '<a href="/granskning">Granskas', '<a href="/fel">Fel-mappen')

    ours, theirs = staff.get("/?period=2026-10").text, leader.get("/?period=2026-10").text

    assert all(link in ours for link in links)
    assert not any(link in theirs for link in links) and "I karantän" in theirs
    assert all(staff.get(path).status_code == 200 for path in ("/karantan", "/granskning", "/fel"))
