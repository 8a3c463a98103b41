"""Where each stored answer was read from: written with the version, read back with the history, on SQLite
and PostgreSQL; a version filed without sources (before migration 0007) reads back without them."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.engine import Engine

from parsers.result import Answer, Format, Source
from store import repo
from store.db import read_transaction, transaction
from store.models import AnswerRow
from store.sources import decode, encode, with_sources
from tests.store.helpers import DEADLINE_END, NOW, insert

SHEET = Source("blad \"Svar\"", "Hot och våld | X i kolumn 3 | Flera inbrott i centrum")
LINE = Source("sida 2", "Påverkan: 3 (Oroande)")
FIELD = Source("formulärfält \"Kommentar1\"", "Lugnt. \"Citat\" – och ett ’snedstreck’ / \\ ")


def file(engine: Engine, uid: str, answers: dict[int, Answer]) -> int:
    with transaction(engine) as s:
        row = insert(s, uid)
        result = repo.record_submission(
            s, county="20", municipality="Avesta", period="2026-10", received_at=NOW, raw_id=row.id,
            filename="Lägesbild.xlsx", format=Format.XLSX, answers=answers, issues=(), flags=(),
            deadline_end=DEADLINE_END)
    return result.submission.id


def test_sources_are_stored_with_the_answers_and_read_back_by_the_history(engine: Engine) -> None:
    answers = {1: Answer(3, "Flera inbrott i centrum", SHEET, SHEET), 2: Answer(3, "Lugnt.", LINE, FIELD),
               7: Answer(None, "Nattvandring.", None, LINE)}
    submission_id = file(engine, "a", answers)
    with read_transaction(engine) as s:
        [version] = repo.report_versions(s, "20", "Avesta")
        stored = with_sources(s, submission_id, {n: Answer(a.impact, a.comment) for n, a in answers.items()})
    for got in (version.answers, stored):
        assert got[1].impact_source == SHEET and got[1].comment_source == SHEET
        assert got[2].impact_source == LINE and got[2].comment_source == FIELD
        assert got[7].impact_source is None and got[7].comment_source == LINE


def test_a_version_filed_without_sources_reads_back_without_them(engine: Engine) -> None:
    submission_id = file(engine, "b", {1: Answer(2, "Text"), 7: Answer(None, "")})
    with transaction(engine) as s:
        # What an answer filed before the columns existed holds (NULL), and a column that holds no source.
        s.connection().execute(update(AnswerRow.__table__).where(  # type: ignore[attr-defined]
            AnswerRow.__table__.c.question == 7).values(comment_source="inte json"))  # type: ignore[attr-defined]
    with read_transaction(engine) as s:
        [version] = repo.report_versions(s, "20", "Avesta")
        stored = with_sources(s, submission_id, version.answers)
    assert version.answers[1] == Answer(2, "Text") and version.answers[1].impact_source is None
    assert version.answers[7].comment_source is None and stored[7].comment_source is None


def test_a_source_survives_the_column_as_written() -> None:
    for source in (SHEET, LINE, FIELD, Source("", "")):
        assert decode(encode(source)) == source
    assert encode(None) is None and decode(None) is None
    assert decode('{"place": 3}') is None and decode("[]") is None
