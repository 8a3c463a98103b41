"""`lagesbild correct` on a temporary SQLite store: the same correction as the web page's form, from the
command line — a new version marked with who and why, the mail to the municipality in the outbox, a
correction that changes nothing refused (exit 1), bad usage exit 2."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flow.operations import import_file
from lagesbild.cli import main
from lagesbild.config import load_config
from parsers import parse_bytes
from parsers.result import Period
from store import repo
from store.db import make_engine, migrate, read_transaction
from tests.builders import mail as mails

TZ = ZoneInfo("Europe/Stockholm")
OCT = Period(2026, 10)


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """A configuration on a temporary SQLite store holding Orsa's October report, version 1."""
    path = tmp_path / "config.toml"
    path.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "lb.db"}"\n'
                    f'[mailbox]\nsource = "maildir:{tmp_path / "Maildir"}"\n'
                    f'[outbox]\ntransport = "file:{tmp_path / "ut"}"\n', encoding="utf-8")
    config = load_config(path)
    engine = make_engine(config.store.url)
    migrate(engine)
    import_file(engine, config, mails.form_docx("Orsa", 2026, 10, seed=3), "orsa.docx", "Orsa", OCT,
                datetime(2026, 10, 28, 9, 0, tzinfo=TZ), parse=parse_bytes)
    engine.dispose()
    return path


def run(capsys: pytest.CaptureFixture[str], config_path: Path, *args: str) -> tuple[int, str, str]:
    code = main(["correct", "--config", str(config_path), "--now", "2026-11-02T10:00", "--municipality", "orsa",
                 "--period", "2026-10", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_correct_makes_a_new_version_and_tells_the_municipality(capsys: pytest.CaptureFixture[str],
                                                                config_path: Path) -> None:
    before = mails.form_answers("Orsa", 2026, 10, seed=3)[2].impact
    wanted = 5 if before != 5 else 4

    code, out, err = run(capsys, config_path, "--question", "2", "--impact", str(wanted), "--comment",
                         "Hot mot personal på biblioteket.", "--reason", "Läst fel", "--by", "Bertil")

    assert code == 0, err
    assert "Orsa 2026-10: version 2 replaces version 1" in out
    assert main(["export", "--config", str(config_path), "--period", "2026-10", "--json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["version"] == 2
    assert entry["answers"]["2"] == {"impact": wanted, "comment": "Hot mot personal på biblioteket."}
    config = load_config(config_path)
    engine = make_engine(config.store.url)
    with read_transaction(engine) as s:
        [_, latest] = repo.report_versions(s, "20", "Orsa")
        kinds = [m.kind for m in repo.due_mail(s, datetime(2100, 1, 1, tzinfo=TZ), 100)]
        [line] = [a for a in repo.audit_trail(s) if a.event == "corrected"]
    engine.dispose()
    assert (latest.corrected_by, latest.correction_reason, line.actor) == ("Bertil", "Läst fel", "Bertil")
    assert "correction_notice" in kinds


def test_correct_refuses_what_changes_nothing_and_bad_usage(capsys: pytest.CaptureFixture[str],
                                                            config_path: Path) -> None:
    same = mails.form_answers("Orsa", 2026, 10, seed=3)[2]

    unchanged = run(capsys, config_path, "--question", "2", "--comment", same.comment, "--reason", "Kontroll")
    nothing_given = run(capsys, config_path, "--question", "2", "--reason", "Kontroll")
    out_of_scale = run(capsys, config_path, "--question", "2", "--impact", "9", "--reason", "Kontroll")
    no_reason = run(capsys, config_path, "--question", "2", "--impact", "3")

    assert unchanged[0] == 1 and "ändrar ingenting" in unchanged[2]
    assert nothing_given[0] == 2 and "--impact, --comment" in nothing_given[2]
    assert out_of_scale[0] == 2 and "1-5" in out_of_scale[2]
    assert no_reason[0] == 2 and "--reason" in no_reason[2]
