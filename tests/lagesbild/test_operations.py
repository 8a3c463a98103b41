"""Staff operations through the command line: import, quarantine, reprocess, status; and the worker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from lagesbild.cli import main
from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.result import Period
from tests.builders import mail as mails

FORM = default_form()
OCT = Period(2026, 10)


def docx(municipality: str, seed: int = 0) -> bytes:
    return template_docx(FORM, municipality, OCT, sample_answers(FORM, municipality, OCT, seed))


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for sub in ("new", "cur", "tmp"):
        (tmp_path / "Maildir" / sub).mkdir(parents=True)
    (tmp_path / "config.toml").write_text(
        'signals = []\n[mailbox]\nsource = "maildir:Maildir"\n[store]\nurl = "sqlite:///lb.db"\n[outbox]\n'
        'transport = "file:outbox"\nreplies_per_sender_per_hour = 2\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def deliver(root: Path, raw: bytes, name: str, when: str = "2026-10-28T09:00:00+01:00") -> None:
    """Deliver as an MTA would; the file's time is the delivery time."""
    tmp = root / "Maildir" / "tmp" / name
    tmp.write_bytes(raw)
    stamp = datetime.fromisoformat(when).timestamp()
    os.utime(tmp, (stamp, stamp))
    tmp.rename(root / "Maildir" / "new" / name)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_import_files_a_form_that_came_another_way(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workspace / "Orsa.docx").write_bytes(docx("Orsa"))
    code, out, _ = run(["import", "Orsa.docx", "--municipality", "orsa", "--now", "2026-10-20T10:00"], capsys)
    assert code == 0
    assert out.startswith("Orsa 2026-10: new, version 1")
    code, out, _ = run(["export", "--period", "2026-10", "--json"], capsys)
    [entry] = json.loads(out)
    assert (entry["municipality"], entry["file"]) == ("Orsa", "Orsa.docx")
    code, _, err = run(["import", "Orsa.docx", "--municipality", "Karlstad"], capsys)
    assert code == 2 and "Karlstad" in err


def test_quarantine_list_release_and_drop(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deliver(workspace, mails.build_mail("privat@example.org", "Lägesbild Rättvik", "Hej från Rättvik",
                                        [("r.docx", docx("Rättvik"), mails.DOCX_TYPE)]), "1.M1P1.mx")
    deliver(workspace, mails.build_mail("spam@example.net", "Köp nu", "Erbjudande"), "2.M2P1.mx")
    assert run(["poll", "--once", "--now", "2026-10-29T10:00"], capsys)[0] == 0
    code, out, _ = run(["quarantine", "list", "--json"], capsys)
    items = {i["sender"]: i["id"] for i in json.loads(out)}
    assert set(items) == {"privat@example.org", "spam@example.net"}
    code, out, _ = run(["quarantine", "release", str(items["privat@example.org"]), "--municipality", "Rättvik",
                        "--now", "2026-10-29T11:00"], capsys)
    assert code == 0 and "r.docx: the form says Rättvik; file under Rättvik 2026-10, version 1" in out
    assert run(["quarantine", "drop", str(items["spam@example.net"]), "--reason", "skräppost"], capsys)[0] == 0
    assert json.loads(run(["quarantine", "list", "--json"], capsys)[1]) == []
    code, out, _ = run(["status", "--period", "2026-10", "--json", "--now", "2026-10-29T12:00"], capsys)
    status = json.loads(out)
    assert status["quarantined"] == 0
    assert next(m for m in status["municipalities"] if m["name"] == "Rättvik")["state"] == "on_time"
    code, _, err = run(["quarantine", "drop", str(items["spam@example.net"])], capsys)
    assert code == 1 and "not in quarantine" in err  # refused: the same exit code as review release
    for command in (["drop", "9999"], ["release", "9999", "--municipality", "Rättvik"]):
        # A mistyped id: a clear error, not a traceback.
        code, _, err = run(["quarantine", *command], capsys)
        assert code == 1 and "there is no message 9999" in err, err


def test_a_quarantined_message_whose_mail_was_purged_is_not_released(
        workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy import create_engine, text

    deliver(workspace, mails.build_mail("privat@example.org", "Lägesbild", "Hej",
                                        [("r.docx", docx("Rättvik"), mails.DOCX_TYPE)]), "1.M1P1.mx")
    assert run(["poll", "--once", "--now", "2026-10-29T10:00"], capsys)[0] == 0
    [item] = json.loads(run(["quarantine", "list", "--json"], capsys)[1])
    engine = create_engine(f"sqlite:///{workspace / 'lb.db'}")
    with engine.begin() as conn:  # what the retention job does to old mail: the record stays, the bytes go
        conn.execute(text("UPDATE raw_message_body SET raw = :empty WHERE raw_message_id = :id"),
                     {"empty": b"", "id": item["id"]})
        conn.execute(text("UPDATE raw_message SET size = 0 WHERE id = :id"), {"id": item["id"]})
    engine.dispose()
    code, _, err = run(["quarantine", "release", str(item["id"]), "--municipality", "Rättvik"], capsys)
    assert code == 1 and "no longer kept" in err, err
    assert json.loads(run(["quarantine", "list", "--json"], capsys)[1])[0]["id"] == item["id"]  # still there


def test_replies_to_one_sender_are_rate_limited(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(4):
        deliver(workspace, mails.build_mail("samordnare@orsa.se", f"Lägesbild {i}", "Hej",
                                            [("o.docx", docx("Orsa", seed=i), mails.DOCX_TYPE)],
                                            message_id=f"<r{i}@orsa.se>"), f"{i}.M{i}P1.mx")
    assert run(["poll", "--once", "--now", "2026-10-29T10:00"], capsys)[0] == 0
    assert len(list((workspace / "outbox").glob("*.eml"))) == 2  # replies_per_sender_per_hour = 2
    code, out, _ = run(["export", "--period", "2026-10", "--json"], capsys)
    assert json.loads(out)[0]["version"] == 4  # every version is still filed


def test_reprocess_files_what_todays_parser_reads(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deliver(workspace, mails.build_mail("samordnare@mora.se", "Lägesbild", "Hej",
                                        [("m.docx", docx("Mora"), mails.DOCX_TYPE)]), "1.M1P1.mx")
    assert run(["poll", "--once", "--now", "2026-10-29T10:00"], capsys)[0] == 0
    code, out, _ = run(["reprocess", "--now", "2026-11-01T10:00"], capsys)
    assert code == 0
    assert out.startswith("1 messages: 0 new versions, 0 newly filed, 1 unchanged")


def test_reprocess_writes_only_readings_that_changed(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A reading stored by an older parser (here: edited in the database) becomes a new version; the
    unchanged messages cost no write; a second run finds nothing to do."""
    import sqlite3

    for i, name in enumerate(("Mora", "Orsa", "Leksand")):
        deliver(workspace, mails.build_mail(f"samordnare@{name.lower()}.se", "Lägesbild", "Hej",
                                            [("f.docx", docx(name), mails.DOCX_TYPE)]), f"{i}.M{i}P1.mx")
    assert run(["poll", "--once", "--now", "2026-10-29T10:00"], capsys)[0] == 0
    db = sqlite3.connect(workspace / "lb.db")
    with db:
        [(sid,)] = db.execute("SELECT id FROM submission WHERE municipality = 'Orsa'").fetchall()
        db.execute("UPDATE answer SET comment = 'läst fel av en äldre version' WHERE submission_id = ? "
                   "AND question = 3", (sid,))
        db.execute("UPDATE submission SET content_hash = 'older-parser' WHERE id = ?", (sid,))
    audits_before = db.execute("SELECT count(*) FROM audit_event").fetchone()[0]
    code, out, _ = run(["reprocess", "--now", "2026-11-01T10:00"], capsys)
    assert code == 0 and out.startswith("3 messages: 1 new versions, 0 newly filed, 2 unchanged"), out
    entries = {e["municipality"]: e for e in json.loads(run(["export", "--period", "2026-10", "--json"], capsys)[1])}
    assert (entries["Orsa"]["version"], entries["Mora"]["version"], entries["Leksand"]["version"]) == (2, 1, 1)
    assert entries["Orsa"]["answers"]["3"] == sample_answers(FORM, "Orsa", OCT)[3].to_json()
    events = db.execute("SELECT raw_message_id, detail FROM audit_event WHERE event = 'reprocessed' "
                        "ORDER BY id").fetchall()
    assert len(events) == 2 and events[0][1] == "correction" and events[1][0] is None
    assert db.execute("SELECT count(*) FROM audit_event").fetchone()[0] == audits_before + 2
    code, out, _ = run(["reprocess", "--now", "2026-11-02T10:00"], capsys)
    assert out.startswith("3 messages: 0 new versions, 0 newly filed, 3 unchanged"), out
    db.close()


def test_the_worker_handles_mail_and_stops_cleanly_on_sigterm(workspace: Path) -> None:
    (workspace / "config.toml").write_text(
        '[mailbox]\nsource = "maildir:Maildir"\npoll_interval_seconds = 1\n[store]\nurl = "sqlite:///lb.db"\n'
        '[outbox]\ntransport = "file:outbox"\n', encoding="utf-8")
    env = {**os.environ, "LAGESBILD_CONFIG": str(workspace / "config.toml")}
    # The worker's clock starts the day after the mail was delivered, whatever today is.
    proc = subprocess.Popen([sys.executable, "-m", "lagesbild", "run", "--now", "2026-10-29T10:00"], cwd=workspace,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(2)
        deliver(workspace, mails.build_mail("samordnare@mora.se", "Lägesbild", "Hej",
                                            [("m.docx", docx("Mora"), mails.DOCX_TYPE)]), "1.M1P1.mx")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list((workspace / "outbox").glob("*.eml")):
            time.sleep(0.5)
        assert list((workspace / "outbox").glob("*.eml")), "the worker did not answer within a minute"
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert "stopping" in output


def test_review_lists_held_reports_without_their_data_and_releases_them(
        workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from parsers.result import Answer

    config = workspace / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("signals = []\n", ""), encoding="utf-8")
    answers = dict(sample_answers(FORM, "Falun", OCT))
    answers[5] = Answer(4, "Narkotikahandel, gäller person med pnr 19121212-1212.")
    deliver(workspace, mails.build_mail("samordnare@falun.se", "Lägesbild", "Hej",
                                        [("f.docx", template_docx(FORM, "Falun", OCT, answers), mails.DOCX_TYPE)]),
            "1.M1P1.mx")
    assert run(["poll", "--once", "--now", "2026-10-29T10:00"], capsys)[0] == 0
    outbox = workspace / "outbox"
    assert not [p for p in outbox.glob("*.eml") if _subject(p).startswith("Signal")]  # held: no signal yet
    code, out, _ = run(["review", "list", "--json"], capsys)
    [held] = json.loads(out)
    assert (held["municipality"], held["questions"]) == ("Falun", [5])
    assert "19121212" not in out
    code, out, _ = run(["export", "--period", "2026-10", "--json"], capsys)
    assert "personal_data" in json.loads(out)[0]["flags"]
    code, out, _ = run(["review", "release", str(held["id"]), "--now", "2026-10-30T09:00"], capsys)
    assert (code, out.strip()) == (0, "Falun 2026-10 version 1: released")
    assert json.loads(run(["review", "list", "--json"], capsys)[1]) == []
    assert run(["poll", "--once", "--now", "2026-10-30T09:05"], capsys)[0] == 0  # sends the outbox
    signals = [p for p in outbox.glob("*.eml") if _subject(p).startswith("Signal")]
    assert len(signals) == 1
    assert b"19121212" not in signals[0].read_bytes()  # the excerpt masks the number


def _subject(path: Path) -> str:
    import email
    from email import policy

    return str(email.message_from_bytes(path.read_bytes(), policy=policy.default)["Subject"])


def test_retention_deletes_old_raw_bytes_and_keeps_what_was_read(workspace: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import timedelta

    from flow.jobs import purge_old_messages
    from lagesbild.config import load_config
    from lagesbild.runtime import open_store
    from store import repo
    from store.db import transaction

    deliver(workspace, mails.build_mail("samordnare@mora.se", "L", "x", [("m.docx", docx("Mora"), mails.DOCX_TYPE)]),
            "1.M1P1.mx", when="2024-10-28T09:00:00+01:00")
    deliver(workspace, mails.build_mail("samordnare@orsa.se", "L", "x", [("o.docx", docx("Orsa"), mails.DOCX_TYPE)]),
            "2.M2P1.mx")
    assert run(["poll", "--once", "--now", "2026-10-29T10:00"], capsys)[0] == 0
    config = load_config(workspace / "config.toml")
    engine = open_store(config)
    now = datetime.fromisoformat("2026-11-01T03:30:00+01:00")
    assert purge_old_messages(engine, config, now) == 1
    assert purge_old_messages(engine, config, now + timedelta(days=1)) == 0  # nothing twice
    with transaction(engine) as s:
        kept = {v.sender: raw for v, raw in repo.raw_messages(s)}
    assert kept["samordnare@mora.se"] == b"" and kept["samordnare@orsa.se"]
    code, out, _ = run(["export", "--period", "2026-10", "--json"], capsys)
    assert sorted(e["municipality"] for e in json.loads(out)) == ["Mora", "Orsa"]


def test_reprocessing_an_older_message_never_files_over_a_later_correction(
        workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deliver(workspace, mails.build_mail("samordnare@mora.se", "Lägesbild", "Hej",
                                        [("m.docx", docx("Mora"), mails.DOCX_TYPE)], message_id="<v1@mora.se>"),
            "1.M1P1.mx", when="2026-10-27T09:00:00+01:00")
    deliver(workspace, mails.build_mail("samordnare@mora.se", "Rättelse", "Hej",
                                        [("m.docx", docx("Mora", seed=5), mails.DOCX_TYPE)], message_id="<v2@mora.se>"),
            "2.M2P1.mx", when="2026-10-28T09:00:00+01:00")
    assert run(["poll", "--once", "--now", "2026-10-29T10:00"], capsys)[0] == 0
    code, out, _ = run(["reprocess", "--now", "2026-11-01T10:00"], capsys)
    assert out.startswith("2 messages: 0 new versions, 0 newly filed, 2 unchanged"), out
    [entry] = json.loads(run(["export", "--period", "2026-10", "--json"], capsys)[1])
    assert entry["version"] == 2


def test_the_worker_clock_replays_a_given_moment_and_runs_on() -> None:
    from zoneinfo import ZoneInfo

    from lagesbild.worker import Clock

    tz = ZoneInfo("Europe/Stockholm")
    start = datetime(2026, 10, 29, 10, 0, tzinfo=tz)
    clock = Clock(tz, start)
    first = clock.now()
    time.sleep(0.05)
    second = clock.now()
    assert start <= first < second < datetime(2026, 10, 29, 10, 1, tzinfo=tz)
    assert abs((Clock(tz).now() - datetime.now(tz)).total_seconds()) < 5


def test_sources_backfill_gives_versions_filed_without_sources_theirs_once(
        workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A mailed form and an imported one, their sources taken away as before migration 0007: the command
    gives them back (the imported file's kept bytes are the file itself), and a second run finds nothing."""
    import sqlite3

    deliver(workspace, mails.build_mail("samordnare@mora.se", "Lägesbild", "Hej",
                                        [("m.docx", docx("Mora"), mails.DOCX_TYPE)]), "1.M1P1.mx")
    assert run(["poll", "--once", "--now", "2026-10-29T10:00"], capsys)[0] == 0
    (workspace / "Orsa.docx").write_bytes(docx("Orsa"))
    assert run(["import", "Orsa.docx", "--municipality", "Orsa", "--now", "2026-10-29T11:00"], capsys)[0] == 0
    db = sqlite3.connect(workspace / "lb.db")
    filed = db.execute("SELECT submission_id, question, impact_source, comment_source FROM answer "
                       "ORDER BY 1, 2").fetchall()
    with db:
        db.execute("UPDATE answer SET impact_source = NULL, comment_source = NULL")

    code, out, err = run(["sources", "--backfill", "--now", "2026-11-01T10:00"], capsys)

    assert (code, err) == (0, "")
    assert out.startswith("2 versions without sources: 2 given sources"), out
    assert db.execute("SELECT submission_id, question, impact_source, comment_source FROM answer "
                      "ORDER BY 1, 2").fetchall() == filed
    assert run(["sources", "--backfill"], capsys)[1].startswith("0 versions without sources: 0 given sources")
    assert run(["sources"], capsys)[0] == 2
    code, _, err = run(["sources", "--backfill", "--county", "99"], capsys)
    assert code == 2 and "99" in err
