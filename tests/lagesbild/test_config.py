"""Configuration: defaults, partial files, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from ground.errors import ConfigError
from lagesbild.config import load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_defaults_are_dalarna() -> None:
    config = load_config(None)
    assert config.county.code == "20"
    assert [m.name for m in config.municipalities][:3] == ["Avesta", "Borlänge", "Falun"]
    assert len(config.municipalities) == 15
    assert config.municipality("Malung-Sälen") is not None
    assert config.municipality("Malung-Sälen").domains == ("malung-salen.se",)  # type: ignore[union-attr]
    assert [q.number for q in config.county.form.questions] == [1, 2, 3, 4, 5, 6, 7]


def test_the_example_file_itself_loads() -> None:
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    config = load_config(example)
    assert config.county.name == "Dalarnas län"


def test_three_tables_are_a_complete_configuration(tmp_path: Path) -> None:
    path = write(tmp_path, """
[mailbox]
source = "maildir:inbox"
[store]
url = "sqlite:///data/x.db"
[outbox]
transport = "file:ut"
""")
    config = load_config(path)
    assert config.mailbox.source == f"maildir:{tmp_path / 'inbox'}"
    assert config.store.url == f"sqlite:///{tmp_path / 'data/x.db'}"
    assert config.outbox.transport == f"file:{tmp_path / 'ut'}"
    assert len(config.municipalities) == 15  # from the defaults
    assert config.mailbox.processed_folder == "Lägesbild/Behandlade"  # key-level default


def test_secrets_come_from_the_named_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_IMAP_SECRET", "s3cret")
    path = write(tmp_path, '[mailbox]\nsource = "imap://lb@127.0.0.1:993/INBOX"\npassword_env = "MY_IMAP_SECRET"\n')
    assert load_config(path).mailbox.password == "s3cret"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[mailbox]\nsorce = "maildir:x"\n', "[mailbox] unknown key 'sorce'"),
        ('[mailbox]\nsource = "pop3://x"\n', "[mailbox] source"),
        ('[store]\nurl = "mysql://x"\n', "[store] url"),
        ('[outbox]\ntransport = "carrier-pigeon"\n', "[outbox] transport"),
        ("[mailbox]\npoll_interval_seconds = 0\n", "[mailbox] poll_interval_seconds: must be at least 1"),
        ('[mailbox]\nidle = "yes"\n', "[mailbox] idle: must be true or false"),
        ('[county]\ncode = "2"\n', "[county] code"),
        ('[county]\nstaff = ["not-an-address"]\n', "[county] staff: 'not-an-address'"),
        ('[county]\nform = "no-such-form"\n', "[county] form"),
        ('[[municipalities]]\nname = "Ludvikka"\n', "did you mean 'Ludvika'"),
        ('[[municipalities]]\nname = "Karlstad"\n', "is in county 17"),
        ('[[municipalities]]\nname = "Mora"\ndomains = ["not a domain"]\n', "domain 'not a domain'"),
        ('[deadline]\ntimezone = "Mars/Olympus"\n', "[deadline] timezone"),
        ("[nonsense]\nx = 1\n", "unknown table [nonsense]"),
        ('[mailbox]\npassword_env = "has space"\n', "must name an environment variable"),
        ("this is = not toml [", "not valid TOML"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert fragment in str(caught.value)


def test_a_county_form_file_is_data(tmp_path: Path) -> None:
    form = tmp_path / "weekly.toml"
    form.write_text("""
id = "blekinge-extremism"
title = "Veckorapport våldsbejakande extremism"
cadence = "weekly"
[scale]
min = 1
max = 3
[[scale.levels]]
value = 1
name = "Lugnt"
[[scale.levels]]
value = 2
name = "Förhöjt"
[[scale.levels]]
value = 3
name = "Allvarligt"
[[questions]]
number = 1
short = "Propaganda"
text = "Har propaganda spridits?"
[[questions]]
number = 2
short = "Rekrytering"
text = "Finns tecken på rekrytering?"
""", encoding="utf-8")
    config = load_config(write(tmp_path, '[county]\nform = "weekly.toml"\n'))
    assert config.county.form.id == "blekinge-extremism"
    assert config.county.form.scale.name_of(2) == "Förhöjt"
