"""`flow.source_backfill` on SQLite and PostgreSQL: versions filed with their sources taken away again (NULL, as
before migration 0007) get back exactly the sources their filing gave, from the stored mail read again; a
corrected value keeps (or gets back) its correction; an answer that reads differently now gets none; a second
run changes nothing; a stored file that breaks the reader's time cap is skipped with a log line and the rest
are done."""

from __future__ import annotations

import dataclasses
import logging
import os
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from flow.correction import KEEP, CorrectionRequest, correct
from flow.jobs import purge_old_messages
from flow.pipeline import poll_once
from flow.sandbox import parse_isolated
from flow.settings import Config
from flow.source_backfill import backfill_sources
from ingest.maildir import MaildirSource
from ingest.settings import configured_folders
from lagesbild.config import load_config
from lagesbild.samples import filled_xlsx, template_docx
from parsers import parse_bytes
from parsers.form import FormSpec
from parsers.limits import Limits
from parsers.result import Answer, ParseResult, Period, Source
from store import sources as store_sources
from store.db import transaction
from store.models import AnswerRow, RawMessage, Submission
from tests.builders import Entry, Filled, muni, period
from tests.builders import mail as mails
from tests.builders.xlsx_builder import build_xlsx
from tests.flow.test_sandbox import _big_docx
from tests.web import conftest as web_fixtures

TZ = ZoneInfo("Europe/Stockholm")
OCT = Period(2026, 10)
ARRIVED = datetime(2026, 10, 27, 9, 0, tzinfo=TZ)
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=TZ)
any_engine = web_fixtures.any_engine
pg_module_url = web_fixtures.pg_module_url
_ANSWER = AnswerRow.__table__  # type: ignore[attr-defined]
_SUBMISSION = Submission.__table__  # type: ignore[attr-defined]
_RAW = RawMessage.__table__  # type: ignore[attr-defined]


def in_process(data: bytes, filename: str, form: FormSpec, limits: Limits) -> ParseResult:
    """Parse without a child process (the capped readers have a test of their own below)."""
    return parse_bytes(data, filename, form, limits)


@pytest.fixture
def config() -> Config:
    return load_config(None)


def answers(tag: str) -> dict[int, Answer]:
    return {n: Answer(1 + n % 4, f"{tag}: kommentar till fråga {n}.") for n in range(1, 7)} | {
        7: Answer(None, f"{tag}: nattvandring.")}


def body_form(form: FormSpec, municipality: str) -> str:
    """A form written in the mail itself, as some municipalities answer."""
    lines = [f"Kommun: {municipality}", "Period: oktober 2026"]
    for q in form.questions:
        lines += [f"{q.number}. {q.short}"] + (["Påverkan: 3"] if q.impact else []) + [f"Kommentar: Svar {q.number}."]
    return "\n".join(lines)


def mail_in(tmp_path: Path, engine: Engine, config: Config) -> None:
    """October from four municipalities through a real Maildir: a Word form, an Excel form, a form in the mail's
    text, and one mail carrying two forms (Falun's and, sent for it, a second file) — one poll."""
    form = config.county.form
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    sent = [
        mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej!", [
            ("Lägesbild oktober.docx", template_docx(form, "Ludvika", OCT, answers("Ludvika")), mails.DOCX_TYPE)],
            message_id="<l@ludvika.se>"),
        mails.build_mail("samordnare@mora.se", "Lägesbild oktober", "Hej!", [
            ("Mora oktober.xlsx", filled_xlsx(form, "Mora", OCT, answers("Mora")), mails.XLSX_TYPE)],
            message_id="<m@mora.se>"),
        mails.build_mail("samordnare@hedemora.se", "Lägesbild oktober", body_form(form, "Hedemora"),
                         message_id="<h@hedemora.se>"),
        mails.build_mail("samordnare@falun.se", "Lägesbild oktober", "Hej!", [
            ("Falun.docx", template_docx(form, "Falun", OCT, answers("Falun")), mails.DOCX_TYPE)],
            message_id="<f@falun.se>"),
    ]
    delivered_and_polled(maildir, engine, config, sent)


def delivered_and_polled(maildir: Path, engine: Engine, config: Config, sent: list[bytes]) -> None:
    for n, raw in enumerate(sent):
        delivered = maildir / "new" / f"17900000{n:02d}.M1P1.mx"
        delivered.write_bytes(raw)
        arrival = (ARRIVED + timedelta(minutes=n)).timestamp()
        os.utime(delivered, (arrival, arrival))
    report = poll_once(MaildirSource(maildir, configured_folders(config.mailbox)), engine, config, ARRIVED,
                       parse=in_process)
    assert dict(report.outcomes) == {"stored": len(sent)}


def sources(engine: Engine) -> dict[tuple[str, int, int], tuple[str | None, str | None]]:
    """Every stored answer's two source columns, by (municipality, version, question)."""
    a, sub = _ANSWER.c, _SUBMISSION.c
    with engine.connect() as conn:
        rows = conn.execute(select(sub.municipality, sub.version, a.question, a.impact_source, a.comment_source)
                            .join_from(_ANSWER, _SUBMISSION, sub.id == a.submission_id)).all()
    return {(m, v, q): (i, c) for m, v, q, i, c in rows}


def strip(engine: Engine, municipality: str | None = None, version: int | None = None) -> None:
    """Take the sources away again, as a version filed before migration 0007 holds them (NULL)."""
    a, sub = _ANSWER.c, _SUBMISSION.c
    chosen = select(sub.id)
    if municipality is not None:
        chosen = chosen.where(sub.municipality == municipality)
    if version is not None:
        chosen = chosen.where(sub.version == version)
    with transaction(engine) as s:
        s.connection().execute(update(_ANSWER).where(a.submission_id.in_(chosen))
                               .values(impact_source=None, comment_source=None))


def correct_mora(engine: Engine, config: Config) -> None:
    request = CorrectionRequest(municipality="Mora", period=OCT, question=2, reason="Läst fel ur bladet",
                                actor="anna.handlaggare", impact=5, comment=KEEP)
    correct(engine, config, request, NOW)


def test_the_backfill_gives_back_exactly_the_sources_the_filing_gave(
        tmp_path: Path, any_engine: Engine, config: Config) -> None:
    mail_in(tmp_path, any_engine, config)
    correct_mora(any_engine, config)
    filed = sources(any_engine)
    strip(any_engine)
    assert all(pair == (None, None) for pair in sources(any_engine).values())

    report = backfill_sources(any_engine, config, NOW, parse=in_process)

    assert sources(any_engine) == filed
    # Every kind of file, and the text of a mail, gave sources back; the correction gave who and why.
    by_municipality = {m for (m, _, _), (i, c) in filed.items() if i or c}
    assert by_municipality == {"Ludvika", "Mora", "Hedemora", "Falun"}
    corrected = filed[("Mora", 2, 2)]
    assert corrected[0] is not None and "anna.handlaggare: Läst fel ur bladet" in corrected[0]
    assert corrected[1] == filed[("Mora", 1, 2)][1]  # the comment was left as it was: still the file's
    assert (report.versions, report.filled, report.differing, report.skipped) == (5, 5, 0, [])
    assert report.values == sum((i is not None) + (c is not None) for i, c in filed.values())


def test_a_corrected_value_keeps_its_correction_and_a_second_run_changes_nothing(
        tmp_path: Path, any_engine: Engine, config: Config) -> None:
    mail_in(tmp_path, any_engine, config)
    correct_mora(any_engine, config)
    filed = sources(any_engine)
    strip(any_engine, "Mora", version=1)  # only the version before the correction was filed before 0007

    first = backfill_sources(any_engine, config, NOW, parse=in_process)
    after_first = sources(any_engine)
    second = backfill_sources(any_engine, config, NOW, parse=in_process)

    assert after_first == filed
    assert (first.versions, first.filled) == (1, 1)
    assert "anna.handlaggare" in (after_first[("Mora", 2, 2)][0] or "")
    assert (second.versions, second.filled, second.values) == (0, 0, 0)
    assert sources(any_engine) == after_first


def test_an_answer_that_reads_differently_now_gets_no_source(
        tmp_path: Path, any_engine: Engine, config: Config) -> None:
    mail_in(tmp_path, any_engine, config)
    filed = sources(any_engine)
    strip(any_engine, "Ludvika")
    a, sub = _ANSWER.c, _SUBMISSION.c
    with transaction(any_engine) as s:
        # What an older reading stored for question 3 is not what the file says today.
        s.connection().execute(update(_ANSWER).where(
            a.question == 3, a.submission_id.in_(select(sub.id).where(sub.municipality == "Ludvika")))
            .values(comment="Läst med en äldre version av läsaren."))

    report = backfill_sources(any_engine, config, NOW, parse=in_process)

    now = sources(any_engine)
    assert now[("Ludvika", 1, 3)] == (None, None)
    assert {k: v for k, v in now.items() if k != ("Ludvika", 1, 3)} == {
        k: v for k, v in filed.items() if k != ("Ludvika", 1, 3)}
    assert (report.filled, report.differing) == (1, 1)


def test_a_stored_file_that_breaks_the_readers_time_cap_is_skipped_and_the_rest_are_done(
        tmp_path: Path, any_engine: Engine, config: Config, caplog: pytest.LogCaptureFixture) -> None:
    mail_in(tmp_path, any_engine, config)
    filed = sources(any_engine)
    strip(any_engine)
    body = RawMessage.metadata.tables["raw_message_body"]  # the kept bytes (store.raw_bodies)
    sub = _SUBMISSION.c
    hostile = mails.build_mail("samordnare@falun.se", "Lägesbild oktober", "Hej!", [
        ("Falun.docx", _big_docx(20_000), mails.DOCX_TYPE)], message_id="<f@falun.se>")
    with transaction(any_engine) as s:
        s.connection().execute(update(body).where(body.c.raw_message_id.in_(
            select(sub.raw_message_id).where(sub.municipality == "Falun"))).values(raw=hostile))
    capped = dataclasses.replace(config, limits=dataclasses.replace(config.limits, seconds_per_file=2.0))

    with caplog.at_level(logging.WARNING, logger="flow.source_backfill"):
        report = backfill_sources(any_engine, capped, NOW, parse=parse_isolated)

    now = sources(any_engine)
    assert all(pair == (None, None) for (m, _, _), pair in now.items() if m == "Falun")
    assert {k: v for k, v in now.items() if k[0] != "Falun"} == {k: v for k, v in filed.items() if k[0] != "Falun"}
    [skipped] = report.skipped
    assert "Falun 2026-10" in skipped and "för lång tid" in skipped
    assert any("sources not restored" in r.message and "Falun" in r.message for r in caplog.records)
    assert report.filled == 3


def test_versions_whose_mail_was_purged_are_counted_not_skipped_and_not_read_again(
        tmp_path: Path, any_engine: Engine, config: Config) -> None:
    """The retention job purged Ludvika's and Mora's mail (received first): nothing is left to read, which is
    what the rule meant, so those versions are counted as such and are no error; the correction of Mora's
    needs no mail and gets its who and why; the others get their sources. A second run reads nothing."""
    mail_in(tmp_path, any_engine, config)
    correct_mora(any_engine, config)
    filed = sources(any_engine)
    strip(any_engine)
    kept_a_day = dataclasses.replace(config, schedule=dataclasses.replace(config.schedule, raw_message_days=1))
    assert purge_old_messages(any_engine, kept_a_day, ARRIVED + timedelta(days=1, seconds=90)) == 2
    read: list[str] = []

    def counted(data: bytes, filename: str, form: FormSpec, limits: Limits) -> ParseResult:
        read.append(filename)
        return in_process(data, filename, form, limits)

    first = backfill_sources(any_engine, config, NOW, parse=counted)
    after_first = sources(any_engine)
    read_first, read[:] = list(read), []
    second = backfill_sources(any_engine, config, NOW, parse=counted)

    assert (first.purged, first.skipped, first.versions, first.filled) == (2, [], 3, 3)
    assert sorted(read_first) == ["Falun.docx", "meddelandetext.txt"]
    assert all(pair == (None, None) for (m, v, _), pair in after_first.items() if m == "Ludvika" or (m, v) == (
        "Mora", 1))
    assert {k: v for k, v in after_first.items() if k[0] in ("Hedemora", "Falun")} == {
        k: v for k, v in filed.items() if k[0] in ("Hedemora", "Falun")}
    assert "anna.handlaggare" in (after_first[("Mora", 2, 2)][0] or "")
    assert (second.purged, second.skipped, second.versions, second.values) == (2, [], 0, 0)
    assert read == [] and sources(any_engine) == after_first


def sheet_only(engine: Engine) -> int:
    """Make every spreadsheet source name its sheet alone ('blad "Svar"'), as sources stored before cells were
    named are; how many values were changed."""
    a = _ANSWER.c
    changed = 0
    with transaction(engine) as s:
        rows = s.connection().execute(select(a.submission_id, a.question, a.impact_source, a.comment_source)).all()
        for submission_id, question, *pair in rows:
            values = {}
            for column, text in zip(("impact_source", "comment_source"), pair, strict=True):
                source = store_sources.decode(text)
                if source is not None and source.place.startswith('blad "') and ", " in source.place:
                    values[column] = store_sources.encode(Source(source.place.split(", ")[0], source.text))
            if values:
                changed += len(values)
                s.connection().execute(update(_ANSWER).where(a.submission_id == submission_id,
                                                             a.question == question).values(values))
    return changed


def sender_of(config: Config, town: str) -> str:
    found = config.municipality(town)
    assert found is not None
    return found.contacts[0]


def sheets_in(tmp_path: Path, engine: Engine, config: Config) -> None:
    """October from Rättvik and Orsa as plain spreadsheets (a grid of questions, no named fields: each value's
    source names its sheet and cell), and Mora's form with named fields; then a clerk corrects Rättvik's
    question 2."""
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)

    def grid(town: str) -> bytes:
        entries = tuple(Entry(q, typed=str(q % 5 + 1) if q < 7 else None, comment=(f"{town}: fråga {q}.",))
                        for q in range(1, 8))
        return build_xlsx(Filled(entries, muni(town), period(2026, 10)))
    form = config.county.form
    delivered_and_polled(maildir, engine, config, [
        mails.build_mail(sender_of(config, town), "Lägesbild oktober", "Hej!",
                         [(f"{town}.xlsx", grid(town), mails.XLSX_TYPE)], message_id=f"<{town}@x.se>")
        for town in ("Rättvik", "Orsa")] + [mails.build_mail(
            "samordnare@mora.se", "Lägesbild oktober", "Hej!",
            [("Mora oktober.xlsx", filled_xlsx(form, "Mora", OCT, answers("Mora")), mails.XLSX_TYPE)])])
    correct(engine, config, CorrectionRequest(municipality="Rättvik", period=OCT, question=2, reason="Fel rad",
                                              actor="anna.handlaggare", impact=5, comment=KEEP), NOW)


def test_a_sheet_named_without_its_cell_gets_the_cell_where_it_reads_as_stored_once(
        tmp_path: Path, any_engine: Engine, config: Config) -> None:
    """Mora's Excel form and the correction of it, their sources naming the sheet alone as before cells were
    named: the backfill gives back exactly the sources naming the cells (the correction's unchanged values
    the version before's, its changed one its who and why), touches nothing else, and a second run finds
    nothing to do."""
    sheets_in(tmp_path, any_engine, config)
    filed = sources(any_engine)
    downgraded = sheet_only(any_engine)
    old_style = sources(any_engine)
    assert downgraded > 30
    assert {m for key, pair in old_style.items() if pair != filed[key] for m in key[:1]} == {"Rättvik", "Orsa"}
    assert [store_sources.decode(text) for text in old_style[("Orsa", 1, 3)]] == [
        Source('blad "Lägesbild"', "3. Extremism och kriminella nätverk | 4 | Orsa: fråga 3.")] * 2
    assert "anna.handlaggare" in str(old_style[("Rättvik", 2, 2)][0])

    first = backfill_sources(any_engine, config, NOW, parse=in_process)
    after_first = sources(any_engine)
    second = backfill_sources(any_engine, config, NOW, parse=in_process)

    assert after_first == filed
    assert ", cell " in str(after_first[("Orsa", 1, 3)]) and ", cell " in str(after_first[("Rättvik", 2, 3)])
    assert (first.sheet_versions, first.celled, first.cells, first.skipped) == (3, 3, downgraded, [])
    assert (first.no_cell, first.cell_differing, first.versions) == (0, 0, 0)
    assert (second.sheet_versions, second.celled, second.cells) == (0, 0, 0)
    assert sources(any_engine) == after_first


def test_a_sheet_value_that_reads_differently_now_keeps_its_source(
        tmp_path: Path, any_engine: Engine, config: Config) -> None:
    """Orsa's comment to question 4 is stored as an older reading gave it: its source keeps naming the sheet
    alone (each run looks at it again and changes nothing); everything else gets its cell."""
    sheets_in(tmp_path, any_engine, config)
    filed = sources(any_engine)
    sheet_only(any_engine)
    a, sub = _ANSWER.c, _SUBMISSION.c
    with transaction(any_engine) as s:
        s.connection().execute(update(_ANSWER).where(
            a.question == 4, a.submission_id.in_(select(sub.id).where(sub.municipality == "Orsa")))
            .values(comment="Läst med en äldre version av läsaren."))
    before = sources(any_engine)

    report = backfill_sources(any_engine, config, NOW, parse=in_process)
    again = backfill_sources(any_engine, config, NOW, parse=in_process)

    now = sources(any_engine)
    # The impact still reads as stored and gets its cell; the comment does not and keeps the sheet alone.
    assert now[("Orsa", 1, 4)] == (filed[("Orsa", 1, 4)][0], before[("Orsa", 1, 4)][1])
    assert ", cell " in (now[("Orsa", 1, 4)][0] or "") and ", cell " not in (now[("Orsa", 1, 4)][1] or "")
    assert {k: v for k, v in now.items() if k != ("Orsa", 1, 4)} == {
        k: v for k, v in filed.items() if k != ("Orsa", 1, 4)}
    assert (report.sheet_versions, report.celled, report.cell_differing) == (3, 3, 1)
    assert (again.sheet_versions, again.celled, again.cells, again.cell_differing) == (1, 0, 0, 1)
    assert sources(any_engine) == now
