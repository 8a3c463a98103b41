"""`lagesbild sources --backfill` when the retention rule purged a version's mail: nothing is left to read, which
is what the rule meant, so the command says how many and exits 0; a stored file that breaks a reader's cap is
still a problem it reports (exit 1)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from flow.jobs import purge_old_messages
from lagesbild.config import load_config
from tests.builders import mail as mails
from tests.lagesbild.test_operations import deliver, docx, run, workspace

__all__ = ["workspace"]  # the fixture, shared with the other operations tests


def test_purged_mail_is_counted_and_the_backfill_exits_0(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deliver(workspace, mails.build_mail("samordnare@mora.se", "Lägesbild", "Hej",
                                        [("m.docx", docx("Mora"), mails.DOCX_TYPE)]), "1.M1P1.mx",
            when="2026-10-02T09:00:00+02:00")
    deliver(workspace, mails.build_mail("samordnare@orsa.se", "Lägesbild", "Hej",
                                        [("o.docx", docx("Orsa"), mails.DOCX_TYPE)]), "2.M1P1.mx",
            when="2026-10-28T09:00:00+01:00")
    assert run(["poll", "--once", "--now", "2026-10-29T10:00"], capsys)[0] == 0
    db = sqlite3.connect(workspace / "lb.db")
    with db:
        db.execute("UPDATE answer SET impact_source = NULL, comment_source = NULL")
    # The retention job, keeping mail 20 days: Mora's (received 2 October) goes, Orsa's stays.
    with (workspace / "config.toml").open("a", encoding="utf-8") as toml:
        toml.write("[retention]\nraw_message_days = 20\n")
    engine = create_engine(f"sqlite:///{workspace / 'lb.db'}")
    purged = purge_old_messages(engine, load_config(str(workspace / "config.toml")),
                                datetime.fromisoformat("2026-11-01T10:00+01:00"))
    assert purged == 1
    engine.dispose()

    code, out, err = run(["sources", "--backfill", "--now", "2026-11-01T10:00"], capsys)
    again = run(["sources", "--backfill", "--now", "2026-11-01T10:05"], capsys)

    assert (code, err) == (0, ""), err
    assert out.startswith("1 versions without sources: 1 given sources"), out
    assert "1 versions without a kept original (purged under the retention rule)" in out
    assert again[0] == 0 and again[2] == ""
    assert again[1].startswith("0 versions without sources: 0 given sources"), again[1]
    assert "1 versions without a kept original" in again[1]
    sourced = db.execute("SELECT s.municipality, count(a.impact_source) FROM answer a JOIN submission s "
                         "ON s.id = a.submission_id GROUP BY s.municipality").fetchall()
    assert dict(sourced)["Mora"] == 0 and dict(sourced)["Orsa"] > 0
