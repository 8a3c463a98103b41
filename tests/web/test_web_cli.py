"""`lagesbild web` and `lagesbild users list|remove`: the session secret from the environment (refused off
loopback without it, exit 2), a random one with a warning on loopback, and the local accounts kept."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from flow.accounts import Role, add_user, check_user
from lagesbild.cli import main
from lagesbild.cli_base import cli
from store.db import make_engine, migrate
from tests.web.conftest import NOW, PASSWORD

SECRET = "en-lång-slumpad-hemlighet-för-sessionerna-0123456789"


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "lb.db"}"\n', encoding="utf-8")
    return path


def test_web_refuses_a_public_address_without_a_session_secret(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--config", str(_config(tmp_path)), "web", "--listen", "0.0.0.0:8080"])

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "$LAGESBILD_WEB_SECRET" in err and "0.0.0.0" in err


def test_a_session_secret_too_short_to_be_safe_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LAGESBILD_WEB_SECRET", "kort")

    assert main(["--config", str(_config(tmp_path)), "users", "list"]) == 2
    assert "at least 32" in capsys.readouterr().err


def test_the_secret_comes_from_the_variable_the_configuration_names(tmp_path: Path) -> None:
    from lagesbild.cli_web import session_secret
    from lagesbild.config import load_config

    path = _config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + '[web]\nsession_secret_env = "MIN_HEMLIGHET"\n',
                    encoding="utf-8")
    config = load_config(path, {"MIN_HEMLIGHET": SECRET, "LAGESBILD_WEB_SECRET": "x" * 40})

    assert session_secret(config.web, "0.0.0.0") == SECRET
    assert SECRET not in repr(config)  # never printed with the configuration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_on_loopback_the_page_starts_with_a_random_secret_and_a_warning(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAGESBILD_")}
    proc = subprocess.Popen([sys.executable, "-m", "lagesbild", "--config", str(_config(tmp_path)), "web",
                             "--listen", f"127.0.0.1:{port}"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "lagesbild web did not start"
                time.sleep(0.2)
        assert health.status_code == 200 and health.json()["status"] == "ok"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert "$LAGESBILD_WEB_SECRET is not set; a random session secret" in err


def _store(tmp_path: Path) -> Path:
    config = _config(tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'lb.db'}")
    migrate(engine)
    add_user(engine, "anna", Role.STAFF, "20", PASSWORD, NOW)
    add_user(engine, "ledning", Role.LEADERSHIP, "20", PASSWORD, NOW)
    add_user(engine, "grannen", Role.STAFF, "21", PASSWORD, NOW)
    engine.dispose()
    return config


def test_users_list_shows_the_countys_accounts(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(_store(tmp_path)), "users", "list"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["anna\tstaff\t20\tactive", "ledning\tleadership\t20\tactive"]


def test_users_remove_disables_the_account(tmp_path: Path) -> None:
    config = _store(tmp_path)
    runner = CliRunner()

    removed = runner.invoke(cli, ["--config", str(config), "users", "remove", "anna"])
    again = runner.invoke(cli, ["--config", str(config), "users", "remove", "anna"])
    elsewhere = runner.invoke(cli, ["--config", str(config), "users", "remove", "grannen"])

    assert removed.exit_code == 0 and again.exit_code == 1 and elsewhere.exit_code == 1
    listing = runner.invoke(cli, ["--config", str(config), "users", "list"]).output.splitlines()
    assert listing[0] == "anna\tstaff\t20\tdisabled"
    engine = make_engine(f"sqlite:///{tmp_path / 'lb.db'}")
    assert check_user(engine, "anna", PASSWORD) is None
    assert check_user(engine, "grannen", PASSWORD) is not None


def test_entra_id_without_its_client_secret_is_refused_at_start(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = _config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + '[web.oidc]\nissuer = "https://login.microsoftonline.com/'
                    'd3b1c5e2-0000-4000-8000-000000000000/v2.0"\nclient_id = "lagesbild"\n', encoding="utf-8")

    assert main(["--config", str(path), "web"]) == 2
    assert "client_secret_env" in capsys.readouterr().err
