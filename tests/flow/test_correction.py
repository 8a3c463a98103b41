"""`flow.correction.correct` on SQLite and PostgreSQL: a report mailed in through a real Maildir, then one
misread value corrected — a new version with who and why, an audit line with the actor and the value
before and after, the municipality told by mail, the signals, the workbook and the export using it, and a
re-reading of the stored mail leaving it standing."""

from __future__ import annotations

import email
import io
import os
from dataclasses import replace
from datetime import datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy.engine import Engine

from flow.correction import KEEP, CorrectionRefused, CorrectionRequest, correct
from flow.jobs import make_digest, workbook_file
from flow.operations import reprocess
from flow.pipeline import poll_once
from flow.reports import export_period
from flow.settings import Config, CorrectionsConfig
from ingest.maildir import MaildirSource
from ingest.settings import configured_folders
from lagesbild.config import load_config
from lagesbild.samples import template_docx
from parsers import parse_bytes
from parsers.form import FormSpec
from parsers.limits import Limits
from parsers.result import Answer, ParseResult, Period
from store import repo
from store.db import transaction
from tests.builders import mail as mails
from tests.web import conftest as web_fixtures

TZ = ZoneInfo("Europe/Stockholm")
OCT = Period(2026, 10)
ARRIVED = datetime(2026, 10, 29, 14, 3, tzinfo=TZ)
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=TZ)
ANSWERS = {n: Answer(2, f"Kommentar till fråga {n}.") for n in range(1, 7)} | {7: Answer(None, "Nattvandring.")}
MESSAGE_ID = "<lagesbild-oktober@ludvika.se>"
# The web tests' stores, SQLite and PostgreSQL, as this module's fixtures.
any_engine = web_fixtures.any_engine
pg_module_url = web_fixtures.pg_module_url


def in_process(data: bytes, filename: str, form: FormSpec, limits: Limits) -> ParseResult:
    """Parse without a child process (the isolation has tests of its own)."""
    return parse_bytes(data, filename, form, limits)


@pytest.fixture
def config() -> Config:
    return load_config(None)


def mail_in(tmp_path: Path, engine: Engine, config: Config, answers: dict[int, Answer] = ANSWERS) -> None:
    """Ludvika's October form, mailed to a real Maildir and handled by one poll."""
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    raw = mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej!",
                           [("Lägesbild oktober.docx", template_docx(config.county.form, "Ludvika", OCT, answers),
                             mails.DOCX_TYPE)], message_id=MESSAGE_ID)
    delivered = maildir / "new" / "1790000001.M1P1.mx"
    delivered.write_bytes(raw)
    os.utime(delivered, (ARRIVED.timestamp(), ARRIVED.timestamp()))  # a Maildir's arrival is the file's time
    source = MaildirSource(maildir, configured_folders(config.mailbox))
    report = poll_once(source, engine, config, ARRIVED, parse=in_process)
    assert dict(report.outcomes) == {"stored": 1}


def ask(**changes: object) -> CorrectionRequest:
    values: dict[str, object] = dict(municipality="Ludvika", period=OCT, question=5, reason="Läst fel ur tabellen",
                                     actor="anna.handlaggare", impact=KEEP, comment=KEEP)
    return CorrectionRequest(**(values | changes))  # type: ignore[arg-type]


def queued(engine: Engine, kind: str) -> list[EmailMessage]:
    with transaction(engine) as s:
        rows = repo.due_mail(s, datetime(2030, 1, 1, tzinfo=TZ), 1000)
    return [email.message_from_bytes(r.raw, policy=policy.default) for r in rows if r.kind == kind]


def test_a_correction_is_a_new_version_with_who_and_why_an_audit_line_and_a_mail(
        tmp_path: Path, any_engine: Engine, config: Config) -> None:
    mail_in(tmp_path, any_engine, config)

    made = correct(any_engine, config, ask(impact=4), NOW)

    assert (made.version, made.previous_version, made.told) == (2, 1, ("samordnare@ludvika.se",))
    [entry] = export_period(any_engine, config, OCT)
    assert entry["version"] == 2
    assert entry["answers"]["5"] == {"impact": 4, "comment": "Kommentar till fråga 5."}
    assert {k: v for k, v in entry["answers"].items() if k != "5"} == {
        str(n): a.to_json() for n, a in ANSWERS.items() if n != 5}
    assert "corrected" in entry["flags"] and "late" not in entry["flags"]
    with transaction(any_engine) as s:
        versions = repo.report_versions(s, config.county.code, "Ludvika")
        [line] = [a for a in repo.audit_trail(s) if a.event == "corrected"]
    assert [(v.version, str(v.status), v.corrected_by, v.correction_reason) for v in versions] == [
        (1, "superseded", None, None), (2, "active", "anna.handlaggare", "Läst fel ur tabellen")]
    assert versions[1].raw_message_id == versions[0].raw_message_id  # the same file stays its source
    assert versions[1].on_time is True
    assert (line.actor, line.county, line.municipality) == ("anna.handlaggare", "20", "Ludvika")
    assert (line.before, line.after) == ("Fråga 5, påverkan: 2", "Fråga 5, påverkan: 4")
    [notice] = queued(any_engine, "correction_notice")
    assert notice["To"] == "samordnare@ludvika.se"
    assert notice["Subject"] == "Rättelse: lägesbild oktober 2026, Ludvika"
    assert notice["In-Reply-To"] == MESSAGE_ID
    body = notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "2 – Avvikande → 4 – Allvarligt" in body and "Läst fel ur tabellen" in body and "version 2" in body
    # Question 5 at level 4 is what the ANDT rule watches: the corrected value fires it.
    [signal] = queued(any_engine, "signal")
    assert signal["To"] == "andt@lansstyrelsen-dalarna.example"


def test_the_workbook_the_digest_and_a_reread_of_the_stored_mail_keep_the_corrected_value(
        tmp_path: Path, any_engine: Engine, config: Config) -> None:
    mail_in(tmp_path, any_engine, config)
    correct(any_engine, config, ask(question=3, impact=5, comment="Klotter med nazistiska symboler."), NOW)

    _, data = workbook_file(any_engine, config, 2026, NOW)
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = next(book[name] for name in book.sheetnames if name.startswith("3"))
    header = next(r for r in sheet.iter_rows(values_only=True) if "Oktober" in r)
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "Ludvika")
    assert row[header.index("Oktober")] == "Kritiskt"
    digest = make_digest(any_engine, config, OCT, NOW).text
    [ludvika] = [line for line in digest.splitlines() if line.startswith("Ludvika ")]
    assert ludvika.split()[1:] == ["Avvikande", "Avvikande", "Kritiskt", "Avvikande", "Avvikande", "Avvikande"]
    assert "Klotter med nazistiska symboler." in digest

    report = reprocess(any_engine, config, NOW, parse=in_process)

    assert report.new_versions == 0 and not report.failures
    with transaction(any_engine) as s:
        lines, _ = repo.audit_lines(s, config.county.code, limit=500)
    # The run's summary names the county, so the county's audit log shows it.
    assert any(a.event == "reprocessed" and a.raw_message_id is None for a in lines)
    [entry] = export_period(any_engine, config, OCT)
    assert entry["version"] == 2
    assert entry["answers"]["3"] == {"impact": 5, "comment": "Klotter med nazistiska symboler."}


def test_a_correction_that_changes_nothing_is_refused(tmp_path: Path, any_engine: Engine, config: Config) -> None:
    mail_in(tmp_path, any_engine, config)

    with pytest.raises(CorrectionRefused, match="ändrar ingenting"):
        correct(any_engine, config, ask(impact=2), NOW)
    with pytest.raises(CorrectionRefused, match="ändrar ingenting"):
        correct(any_engine, config, ask(comment="  Kommentar till fråga 5.\r\n"), NOW)

    assert export_period(any_engine, config, OCT)[0]["version"] == 1
    assert queued(any_engine, "correction_notice") == []


@pytest.mark.parametrize(("changes", "refusal"), [
    ({"impact": 3, "reason": "   "}, "skäl"),
    ({"impact": 6}, "1–5"),
    ({"impact": 0}, "1–5"),
    ({"question": 7, "impact": 3}, "ingen påverkan"),
    ({"question": 9, "impact": 3}, "ingen fråga 9"),
    ({"municipality": "Falun", "impact": 3}, "ingen rapport från Falun"),
    ({"municipality": "Karlstad", "impact": 3}, "inte en kommun"),
])
def test_what_may_not_be_corrected_is_refused_with_a_sentence(tmp_path: Path, config: Config,
                                                              changes: dict[str, object], refusal: str) -> None:
    from store.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'lb.db'}")
    migrate(engine)
    mail_in(tmp_path, engine, config)

    with pytest.raises(CorrectionRefused, match=refusal):
        correct(engine, config, ask(**changes), NOW)
    assert export_period(engine, config, OCT)[0]["version"] == 1


def test_the_municipality_is_not_told_when_the_configuration_says_so(tmp_path: Path, any_engine: Engine,
                                                                     config: Config) -> None:
    quiet = replace(config, corrections=CorrectionsConfig(tell_municipality=False))
    mail_in(tmp_path, any_engine, quiet)

    made = correct(any_engine, quiet, ask(comment="Rättad kommentar."), NOW)

    assert made.told == () and made.version == 2
    assert queued(any_engine, "correction_notice") == []


def test_a_corrected_comment_holding_a_personal_identity_number_is_held_for_review(
        tmp_path: Path, any_engine: Engine, config: Config) -> None:
    mail_in(tmp_path, any_engine, config)

    correct(any_engine, config, ask(comment="Gäller 19811218-9876 som flyttat."), NOW)

    [entry] = export_period(any_engine, config, OCT)
    assert "held" in entry["flags"] and "personal_data" in entry["flags"]
    [notice] = queued(any_engine, "correction_notice")
    body = notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "19811218" not in body
