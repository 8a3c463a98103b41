"""Where an answer was read from, as the store keeps it: a `Source` as a small JSON object in a text column.

JSON rather than two columns per value: the place and the text are only ever
shown together, and a sheet's or a field's name may hold any character.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, or_, update
from sqlalchemy import select as core_select
from sqlmodel import Session

from parsers.result import Answer, Source
from store.models import AnswerRow, RawMessage, Submission

_ANSWER = AnswerRow.__table__  # type: ignore[attr-defined]
_SUBMISSION = Submission.__table__  # type: ignore[attr-defined]
_RAW = RawMessage.__table__  # type: ignore[attr-defined]


def encode(source: Source | None) -> str | None:
    """The column's text for a source (None for none)."""
    if source is None:
        return None
    return json.dumps({"place": source.place, "text": source.text}, ensure_ascii=False, separators=(",", ":"))


def decode(text: str | None) -> Source | None:
    """The source a column holds; None for NULL or for text that is not one (never raises)."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("place"), str) or not isinstance(value.get("text"),
                                                                                                  str):
        return None
    return Source(value["place"], value["text"])


def stored_answer(impact: int | None, comment: str, impact_source: str | None,
                  comment_source: str | None) -> Answer:
    """An answer read back with where its values came from."""
    if impact_source is None and comment_source is None:
        return Answer(impact, comment)
    return Answer(impact, comment, decode(impact_source), decode(comment_source))


def with_sources(s: Session, submission_id: int, answers: Mapping[int, Answer]) -> dict[int, Answer]:
    """`answers` of stored version `submission_id` with the sources stored for them (the board's and the
    year's reads leave them out: they show no sources)."""
    a = _ANSWER.c
    rows = s.connection().execute(core_select(a.question, a.impact_source, a.comment_source)
                                  .where(a.submission_id == submission_id))
    stored = {q: (i, c) for q, i, c in rows}
    out: dict[int, Answer] = {}
    for number, answer in answers.items():
        impact_source, comment_source = stored.get(number, (None, None))
        out[number] = Answer(answer.impact, answer.comment, decode(impact_source), decode(comment_source))
    return out


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """A stored version whose sources the backfill looks for: none of its values has one (filed before they
    were kept, migration 0007), or one names a sheet without its cell (filed before cells were named).

    `mailbox` is where its message came from ("import" for a form filed by hand, whose kept bytes are the
    file itself); `corrected_by` and `correction_reason` are set for a version county staff made;
    `answers` hold the sources stored (none for a version without sources).
    """

    id: int
    raw_message_id: int
    mailbox: str
    municipality: str
    period: str
    version: int
    filename: str
    content_hash: str
    corrected_by: str | None
    correction_reason: str | None
    answers: dict[int, Answer]


def _unsourced() -> ColumnElement[bool]:
    """A version that has answers and no source on any of them."""
    sub, a = _SUBMISSION.c, _ANSWER.c
    sourced = exists().where(a.submission_id == sub.id, or_(a.impact_source.is_not(None),
                                                            a.comment_source.is_not(None)))
    return and_(exists().where(a.submission_id == sub.id), ~sourced)


# A sheet's source as stored before cells were named: the place is 'blad "Svar"' and ends with the name's
# closing quote, which JSON writes as \" just before the end of the string (`encode`): '{"place":"blad
# \"Svar\"","text":…'. A place naming the cell ('blad "Svar", cell C12') ends in the cell, and no text can
# hold the pattern (a quote inside a JSON string is always escaped). "!" escapes LIKE, so "\" is plain.
_SHEET_WITHOUT_CELL = '{"place":"blad %\\"","text":%'


def is_sheet_without_cell(source: Source | None) -> bool:
    """Whether `source` names a sheet and nothing in it ('blad "Svar"'), as sources filed before cells
    were named do."""
    return source is not None and source.place.startswith('blad "') and source.place.endswith('"')


def _sheet_without_cell() -> ColumnElement[bool]:
    """A version with a value whose source names a sheet without its cell."""
    sub, a = _SUBMISSION.c, _ANSWER.c
    return exists().where(a.submission_id == sub.id, or_(a.impact_source.like(_SHEET_WITHOUT_CELL, escape="!"),
                                                         a.comment_source.like(_SHEET_WITHOUT_CELL, escape="!")))


def _purged() -> ColumnElement[bool]:
    """The version's message was purged by the retention job: its row stays with size 0, its bytes are gone
    (a kept message is never empty). A correction needs no bytes: it reads the version before."""
    return and_(_RAW.c.size == 0, _SUBMISSION.c.corrected_by.is_(None))


def unsourced_versions(s: Session, county: str, after_id: int, limit: int) -> list[StoredVersion]:
    """Up to `limit` of `county`'s versions after id `after_id`, in filing order, that have answers and
    no source on any of them (what a version filed before sources were kept holds), leaving out those whose
    mail was purged (nothing is left to read: `count_purged` counts them)."""
    return _versions(s, county, after_id, limit, _unsourced())


def sheet_sourced_versions(s: Session, county: str, after_id: int, limit: int) -> list[StoredVersion]:
    """Up to `limit` of `county`'s versions after id `after_id`, in filing order, with a value whose source
    names a sheet without its cell (filed before cells were named), with their sources; those whose mail
    was purged are left out (`count_purged`)."""
    return _versions(s, county, after_id, limit, _sheet_without_cell())


def _versions(s: Session, county: str, after_id: int, limit: int,
              condition: ColumnElement[bool]) -> list[StoredVersion]:
    sub, a, raw = _SUBMISSION.c, _ANSWER.c, _RAW.c
    rows = s.connection().execute(
        core_select(sub.id, sub.raw_message_id, raw.mailbox, sub.municipality, sub.period, sub.version,
                    sub.filename, sub.content_hash, sub.corrected_by, sub.correction_reason)
        .join_from(_SUBMISSION, _RAW, raw.id == sub.raw_message_id)
        .where(sub.county == county, sub.id > after_id, condition, ~_purged())
        .order_by(sub.id).limit(limit)).all()
    answers: dict[int, dict[int, Answer]] = {row.id: {} for row in rows}
    if rows:
        for submission_id, question, impact, comment, i_src, c_src in s.connection().execute(
                core_select(a.submission_id, a.question, a.impact, a.comment, a.impact_source, a.comment_source)
                .where(a.submission_id.in_(list(answers)))):
            answers[submission_id][question] = stored_answer(impact, comment, i_src, c_src)
    return [StoredVersion(r.id, r.raw_message_id, r.mailbox, r.municipality, r.period, r.version, r.filename,
                          r.content_hash, r.corrected_by, r.correction_reason, answers[r.id]) for r in rows]


def count_purged(s: Session, county: str) -> int:
    """How many of `county`'s versions the backfill would look at (without any source, or with a sheet named
    without its cell) cannot be read again: their mail was purged under the retention rule (`[retention]
    raw_message_days`). One count, nothing read: a run does not try them again."""
    sub, raw = _SUBMISSION.c, _RAW.c
    return int(s.connection().execute(
        core_select(func.count()).select_from(_SUBMISSION).join(_RAW, raw.id == sub.raw_message_id)
        .where(sub.county == county, or_(_unsourced(), _sheet_without_cell()), _purged())).scalar_one())


def version_with_sources(s: Session, county: str, municipality: str, period: str,
                         version: int) -> dict[int, Answer] | None:
    """One version's answers with their sources; None when there is no such version."""
    sub, a = _SUBMISSION.c, _ANSWER.c
    rows = s.connection().execute(
        core_select(a.question, a.impact, a.comment, a.impact_source, a.comment_source)
        .join_from(_ANSWER, _SUBMISSION, sub.id == a.submission_id)
        .where(sub.county == county, sub.municipality == municipality, sub.period == period,
               sub.version == version)).all()
    if not rows:
        return None
    return {q: Answer(i, c, decode(i_src), decode(c_src)) for q, i, c, i_src, c_src in rows}


def fill_sources(s: Session, submission_id: int, found: Mapping[int, tuple[Source | None, Source | None]]) -> int:
    """Give version `submission_id`'s answers the (impact, comment) sources `found` for them; a value that
    already has a source keeps it (so a run after another, or beside one, changes nothing). How many
    values were given one."""
    return replace_sources(s, submission_id, {
        question: (None if impact is None else (None, impact), None if comment is None else (None, comment))
        for question, (impact, comment) in found.items()})


SourceChange = tuple[Source | None, Source] | None  # (the source stored, None for none; the new one), or None


def replace_sources(s: Session, submission_id: int, changes: Mapping[int, tuple[SourceChange, SourceChange]]) -> int:
    """Change sources of version `submission_id`: per question, (impact's, comment's) as (stored, new), or
    None to leave it. A column is changed only while it still holds the stored source (NULL for None), so
    a run after another, or beside one, changes nothing twice. How many values were changed."""
    a = _ANSWER.c
    changed = 0
    for question, pair in sorted(changes.items()):
        for column, change in zip((a.impact_source, a.comment_source), pair, strict=True):
            if change is None:
                continue
            old, new = change
            holding = column.is_(None) if old is None else column == encode(old)
            done = s.connection().execute(
                update(_ANSWER).where(a.submission_id == submission_id, a.question == question, holding)
                .values({column.name: encode(new)}))
            changed += done.rowcount
    return changed
