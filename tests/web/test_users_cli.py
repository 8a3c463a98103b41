"""`lagesbild users add`: the password from standard input, stored only as an argon2id hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from flow.accounts import Role, check_user
from lagesbild.cli_base import cli
from lagesbild.cli_web import is_loopback, parse_listen
from store.db import make_engine

PASSWORD = "ett långt och hemligt lösenord"


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "lb.db"}"\n', encoding="utf-8")
    return path


def test_users_add_reads_the_password_from_stdin_and_stores_a_hash(tmp_path: Path) -> None:
    config = _config(tmp_path)

    result = CliRunner().invoke(cli, ["--config", str(config), "users", "add", "anna", "--role", "staff"],
                                input=PASSWORD + "\n")

    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    engine = make_engine(f"sqlite:///{tmp_path / 'lb.db'}")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash, role FROM user_account WHERE name = 'anna'")).one()
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    assert stored.role == "staff"
    account = check_user(engine, "anna", PASSWORD)
    assert account is not None and account.role is Role.STAFF
    assert check_user(engine, "anna", PASSWORD + "x") is None


def test_users_add_refuses_a_short_password_and_a_taken_name(tmp_path: Path) -> None:
    config = _config(tmp_path)
    args = ["--config", str(config), "users", "add", "anna", "--role", "leadership"]

    assert CliRunner().invoke(cli, args, input="kort\n").exit_code != 0
    assert CliRunner().invoke(cli, args, input=PASSWORD + "\n").exit_code == 0
    assert CliRunner().invoke(cli, args, input=PASSWORD + "\n").exit_code != 0


def test_users_add_takes_no_password_argument(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(_config(tmp_path)), "users", "add", "anna", "--role", "staff",
                                      "--password", PASSWORD])
    assert result.exit_code == 2


@pytest.mark.parametrize(("text", "expected"), [("127.0.0.1:8080", ("127.0.0.1", 8080)),
                                                ("[::1]:9000", ("::1", 9000)), ("0.0.0.0:80", ("0.0.0.0", 80))])
def test_listen_is_host_and_port(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text) == expected


def test_only_loopback_serves_cookies_without_secure() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("lagesbild.example")
