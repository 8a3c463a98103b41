"""Secrets as systemd credentials: a variable the configuration names may be a file of that name in
$CREDENTIALS_DIRECTORY (LoadCredential=), read by the configuration loader and seen by the doctor."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ground.errors import ConfigError
from lagesbild.config import load_config
from lagesbild.doctor import run_doctor

NOW = datetime(2026, 10, 29, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[mailbox]\nsource = "imaps://lagesbild@imap.example:993/INBOX"\n'
                    'password_env = "LAGESBILD_IMAP_PASSWORD"\n[outbox]\ntransport = "smtp://smtp.example:587"\n'
                    'username = "lagesbild"\npassword_env = "LAGESBILD_SMTP_PASSWORD"\n', encoding="utf-8")
    return path


@pytest.fixture
def credentials(tmp_path: Path) -> Path:
    folder = tmp_path / "credentials"
    folder.mkdir()
    (folder / "LAGESBILD_IMAP_PASSWORD").write_text("hemligt-imap\n", encoding="utf-8")  # as `echo` writes it
    (folder / "LAGESBILD_SMTP_PASSWORD").write_text("hemligt-smtp", encoding="utf-8")
    return folder


def test_a_credential_file_holds_a_secret_the_environment_does_not(config_path: Path, credentials: Path) -> None:
    config = load_config(config_path, {"CREDENTIALS_DIRECTORY": str(credentials)})
    assert (config.mailbox.password, config.outbox.password) == ("hemligt-imap", "hemligt-smtp")


def test_the_environment_wins_and_without_either_the_secret_is_missing(config_path: Path, credentials: Path) -> None:
    config = load_config(config_path, {"CREDENTIALS_DIRECTORY": str(credentials), "LAGESBILD_IMAP_PASSWORD": "env"})
    assert config.mailbox.password == "env"
    (credentials / "LAGESBILD_SMTP_PASSWORD").unlink()
    assert load_config(config_path, {"CREDENTIALS_DIRECTORY": str(credentials)}).outbox.password is None
    assert load_config(config_path, {}).mailbox.password is None


def test_an_unreadable_credential_is_one_line_naming_it(config_path: Path, credentials: Path) -> None:
    (credentials / "LAGESBILD_IMAP_PASSWORD").unlink()
    (credentials / "LAGESBILD_IMAP_PASSWORD").mkdir()  # a folder where the file should be
    with pytest.raises(ConfigError, match="credential LAGESBILD_IMAP_PASSWORD cannot be read"):
        load_config(config_path, {"CREDENTIALS_DIRECTORY": str(credentials)})


def test_the_doctor_counts_a_credential_as_set_and_says_how_to_give_one(config_path: Path,
                                                                         credentials: Path) -> None:
    checks = run_doctor(str(config_path), {"CREDENTIALS_DIRECTORY": str(credentials)}, NOW, only=("secrets",))
    [ok] = [c for c in checks if c.name == "secrets"]
    assert ok.ok and "$LAGESBILD_IMAP_PASSWORD" in ok.message
    missing = [c for c in run_doctor(str(config_path), {}, NOW, only=("secrets",)) if c.name == "secrets"]
    assert [c.ok for c in missing] == [False, False]
    assert "LoadCredential=LAGESBILD_IMAP_PASSWORD:/etc/lagesbild/credentials/LAGESBILD_IMAP_PASSWORD" in missing[0].fix
