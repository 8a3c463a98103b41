"""GET /health: 200 with JSON while the store can be read, 503 with JSON when it cannot."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from flow.settings import Config
from tests.web.conftest import make_client
from web.security import CONTENT_SECURITY_POLICY


def test_health_is_ok_while_the_store_answers(config: Config, any_engine: Engine) -> None:
    response = make_client(config, any_engine).get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "store": "ok"}


def test_health_is_503_when_the_store_cannot_be_read(config: Config, tmp_path: Path) -> None:
    # A database file in a folder that does not exist: SQLite cannot open it.
    engine = create_engine(f"sqlite:///{tmp_path / 'no such folder' / 'x.db'}")

    response = make_client(config, engine).get("/health")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_every_response_carries_a_strict_content_security_policy(config: Config, engine: Engine) -> None:
    client = make_client(config, engine)
    for path in ("/health", "/logga-in", "/finns-inte"):
        response = client.get(path)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
