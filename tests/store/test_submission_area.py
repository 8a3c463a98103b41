"""The area a report is about: kept with each version, read back by every verb that hands out versions,
part of what makes a version new, on SQLite and PostgreSQL; a database at migration 0008 keeps its
versions through 0009 (and on) with no area."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from parsers.result import Format
from store import repo
from store.db import (
    HEAD_REVISION,
    _alembic_config,
    current_revision,
    make_engine,
    migrate,
    read_transaction,
    transaction,
)
from tests.store.helpers import DEADLINE_END, NOW, answers, insert

WEEK = "2026-W43"


def file(engine: Engine, uid: str, area: str | None, impact: int = 2) -> repo.SubmissionResult:
    with transaction(engine) as s:
        row = insert(s, uid)
        return repo.record_submission(
            s, county="20", municipality="Avesta", period=WEEK, received_at=NOW, raw_id=row.id,
            filename="Checklista.docx", format=Format.DOCX, answers=answers(impact), issues=(), flags=(),
            deadline_end=DEADLINE_END, area=area)


def test_the_area_is_kept_with_the_version_and_read_back_everywhere(engine: Engine) -> None:
    filed = file(engine, "a", "Vivalla centrum")
    assert filed.submission.area == "Vivalla centrum"
    with read_transaction(engine) as s:
        [latest] = repo.latest_submissions(s, "20", WEEK)
        [in_year] = repo.submissions_for_year(s, "20", 2026)
        [since] = repo.versions_since(s, "20", None)
        [history] = repo.report_versions(s, "20", "Avesta")
    assert {v.area for v in (latest, in_year, since, history)} == {"Vivalla centrum"}


def test_a_version_without_an_area_reads_back_none(engine: Engine) -> None:
    file(engine, "a", None)
    with read_transaction(engine) as s:
        [latest] = repo.latest_submissions(s, "20", WEEK)
    assert latest.area is None


def test_the_area_is_part_of_the_reports_content(engine: Engine) -> None:
    first = file(engine, "a", "Vivalla")
    same = file(engine, "b", "Vivalla")
    other = file(engine, "c", "Brickebacken")
    none = file(engine, "d", None)
    assert [r.kind for r in (first, same, other, none)] == [
        repo.SubmissionKind.NEW, repo.SubmissionKind.IDENTICAL, repo.SubmissionKind.CORRECTION,
        repo.SubmissionKind.CORRECTION]
    assert (other.submission.version, none.submission.version) == (2, 3)
    # Without an area the fingerprint is the answers' alone, as for every version filed before areas.
    assert repo.answers_hash(answers(2)) == repo.answers_hash(answers(2), None) != repo.answers_hash(answers(2), "")


def test_latest_area_names_the_latest_versions_area(engine: Engine) -> None:
    with read_transaction(engine) as s:
        assert repo.latest_area(s, "20", "Avesta", WEEK) is None
    file(engine, "a", "Vivalla")
    file(engine, "b", "Brickebacken", impact=3)
    with transaction(engine) as s:
        assert repo.latest_area(s, "20", "Avesta", WEEK) == (2, "Brickebacken")
        assert repo.latest_area(s, "20", "Borlänge", WEEK) is None


def test_a_database_at_0008_keeps_its_versions_through_0009_without_an_area(empty_url: str) -> None:
    from alembic import command

    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn, conn.begin():
            command.upgrade(_alembic_config(conn), "0008")
        with transaction(engine) as s:
            # The message as 0008 kept it: its bytes in its own row (store.raw_bodies came with 0010).
            raw_id = s.connection().execute(text(
                "INSERT INTO raw_message (mailbox, uidvalidity, uid, sender, subject, size, raw, county, moved, "
                "attempts, created_at, updated_at) VALUES ('m', 0, 'old', 'a@avesta.se', 'L', 2, :raw, '20', "
                ":no, 0, :at, :at) RETURNING id"),
                {"raw": b"hi", "no": False, "at": NOW.replace(tzinfo=None) if engine.dialect.name == "sqlite"
                 else NOW}).scalar_one()
            # A version as 0008 wrote it: the table has no area column yet.
            s.connection().execute(text(
                "INSERT INTO submission (county, municipality, period, version, raw_message_id, received_at, "
                "filename, format, content_hash, flags, status, created_at) VALUES ('20', 'Avesta', :period, 1, "
                ":raw, :at, 'gammal.docx', 'docx', 'x', '[]', 'active', :at)"),
                {"period": WEEK, "raw": raw_id, "at": NOW.replace(tzinfo=None) if engine.dialect.name == "sqlite"
                 else NOW})
        assert current_revision(engine) == "0008"
        migrate(engine)
        assert current_revision(engine) == HEAD_REVISION
        with read_transaction(engine) as s:
            [old] = repo.latest_submissions(s, "20", WEEK)
        assert (old.filename, old.version, old.area) == ("gammal.docx", 1, None)
        assert file(engine, "new", "Vivalla").submission.version == 2
    finally:
        engine.dispose()
