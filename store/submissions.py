"""Verbs on submissions: versions, identical resends, on-time from the first version, the latest per municipality."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from parsers.result import Answer, Format, Issue, Period
from store._sql import chunks, clock, pg_xact_lock
from store.errors import NotFound
from store.models import AnswerRow, RawMessage, Submission, SubmissionIssue
from store.sources import encode
from store.views import SubmissionKind, SubmissionResult, SubmissionStatus, SubmissionView

# Filing a report runs these for every received form: built once, run as Core on the session's
# connection (the ORM's unit of work cost more than the writes themselves).
_SUBMISSION = Submission.__table__  # type: ignore[attr-defined]
_RAW = RawMessage.__table__  # type: ignore[attr-defined]
_VERSIONS = core_select(_SUBMISSION.c.id, _SUBMISSION.c.version, _SUBMISSION.c.content_hash,
                        _SUBMISSION.c.received_at, _SUBMISSION.c.on_time).where(
    _SUBMISSION.c.county == bindparam("county"), _SUBMISSION.c.municipality == bindparam("municipality"),
    _SUBMISSION.c.period == bindparam("period")).order_by(_SUBMISSION.c.version)
_INSERT_SUBMISSION = _SUBMISSION.insert().returning(_SUBMISSION.c.id)
_SUPERSEDE = _SUBMISSION.update().where(_SUBMISSION.c.id == bindparam("row_id")).values(
    status=bindparam("new_status"))
_ANSWER = AnswerRow.__table__  # type: ignore[attr-defined]
_ISSUE = SubmissionIssue.__table__  # type: ignore[attr-defined]
_INSERT_ANSWER = _ANSWER.insert()
_INSERT_ISSUE = _ISSUE.insert()
_SENDER = core_select(_RAW.c.sender, _RAW.c.message_id).where(_RAW.c.id == bindparam("row_id"))


def answers_hash(answers: Mapping[int, Answer], area: str | None = None) -> str:
    """A fingerprint of the answers (and the area, when there is one): equal exactly when every impact
    and comment, and the area, are equal. Without an area it is the fingerprint of the answers alone,
    as it was before areas were kept."""
    canonical: dict[str, Any] = {str(q): [a.impact, a.comment] for q, a in sorted(answers.items())}
    if area is not None:
        canonical["area"] = area
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def record_submission(s: Session, *, county: str, municipality: str, period: Period | str, received_at: datetime,
                      raw_id: int, filename: str, format: Format | str, answers: Mapping[int, Answer],
                      issues: Iterable[Issue], flags: Iterable[str], deadline_end: datetime | None,
                      content_hash: str | None = None, withheld: Iterable[int] = (),
                      corrected_by: str | None = None, correction_reason: str | None = None,
                      area: str | None = None) -> SubmissionResult:
    """File a report as a new submission, a correction (next version), or nothing (identical resend).

    IDENTICAL: same content hash as the latest version; nothing is written.
    CORRECTION: version + 1, and the previous version is marked superseded.
    on_time is decided by the FIRST version's arrival against `deadline_end`
    (None: undecided), so a correction never makes a report late; when it is
    False the flag "late" is added. The flag "held" stores the version as held.
    `content_hash` defaults to `answers_hash(answers)`. `withheld` names the
    questions held for a confidentiality review: the version is stored as held
    with the flag "personal_data" until `release_withheld`. `corrected_by` and `correction_reason`
    mark a version county staff made by correcting a misread value (flow.correction).
    `area` is the part of the municipality the report is about, as the form gave it (None: none);
    a different area is a different report content, so a resend with only the area changed is a
    new version.
    """
    period_text = str(period if isinstance(period, Period) else Period.parse(period))
    fmt = Format(format)
    digest = content_hash if content_hash is not None else answers_hash(answers, area)
    pg_xact_lock(s, f"submission:{county}:{municipality}:{period_text}")
    conn = s.connection()
    versions = conn.execute(_VERSIONS, {"county": county, "municipality": municipality, "period": period_text}).all()
    first, latest = (versions[0], versions[-1]) if versions else (None, None)
    if latest is not None and latest.content_hash == digest:
        assert first is not None
        rows = {row.id: row for row in s.exec(select(Submission).where(col(Submission.id).in_({first.id, latest.id})))}
        return SubmissionResult(_submission_views(s, [rows[latest.id]], {_key(rows[latest.id]): rows[first.id]})[0],
                                SubmissionKind.IDENTICAL, latest.version)
    first_received = first.received_at if first is not None else received_at
    if deadline_end is not None:
        on_time: bool | None = first_received <= deadline_end
    else:
        on_time = first.on_time if first is not None else None
    flag_set = set(flags)
    held_questions = set(withheld)
    if held_questions:
        flag_set |= {"personal_data", "held"}
    if on_time is False:
        flag_set.add("late")
    version = latest.version + 1 if latest is not None else 1
    status = SubmissionStatus.HELD if "held" in flag_set else SubmissionStatus.ACTIVE
    flag_list = sorted(flag_set)
    values = dict(
        county=county, municipality=municipality, period=period_text, version=version, raw_message_id=raw_id,
        received_at=received_at, filename=filename, format=fmt, content_hash=digest, on_time=on_time,
        flags=flag_list, status=status, created_at=clock(), corrected_by=corrected_by,
        correction_reason=correction_reason, area=area)
    if latest is not None:
        conn.execute(_SUPERSEDE, {"row_id": latest.id, "new_status": SubmissionStatus.SUPERSEDED})
        s.expire_all()  # a version loaded earlier in this session must not show its old status
    submission_id = conn.execute(_INSERT_SUBMISSION, values).scalar_one()
    issue_list = list(issues)
    # Core bulk inserts, not one ORM object per answer: half the cost of filing a report.
    if answers:
        conn.execute(_INSERT_ANSWER, [
            {"submission_id": submission_id, "question": question, "impact": answer.impact,
             "comment": answer.comment, "withheld": question in held_questions,
             "impact_source": encode(answer.impact_source), "comment_source": encode(answer.comment_source)}
            for question, answer in sorted(answers.items())])
    if issue_list:
        conn.execute(_INSERT_ISSUE, [
            {"submission_id": submission_id, "field": issue.field, "severity": issue.severity,
             "message": issue.message} for issue in issue_list])
    sender = conn.execute(_SENDER, {"row_id": raw_id}).first()
    view = SubmissionView(
        id=submission_id, county=county, municipality=municipality, period=Period.parse(period_text),
        version=version, status=status, received_at=received_at,
        first_received_at=first_received, on_time=on_time, filename=filename, format=fmt, content_hash=digest,
        flags=tuple(flag_list), answers=dict(sorted(answers.items())), issues=tuple(issue_list),
        raw_message_id=raw_id, sender=sender[0] if sender else "", message_id=sender[1] if sender else None,
        withheld=frozenset(held_questions), corrected_by=corrected_by, correction_reason=correction_reason,
        area=area)
    if latest is None:
        return SubmissionResult(view, SubmissionKind.NEW, None)
    return SubmissionResult(view, SubmissionKind.CORRECTION, latest.version)


def _key(row: Submission) -> tuple[str, str, str]:
    return row.county, row.municipality, row.period


def _submission_views(s: Session, rows: list[Submission],
                      first: Mapping[tuple[str, str, str], Submission]) -> list[SubmissionView]:
    ids = [row.id for row in rows if row.id is not None]
    answers: dict[int, dict[int, Answer]] = {i: {} for i in ids}
    withheld: dict[int, set[int]] = {i: set() for i in ids}
    issues: dict[int, list[Issue]] = {i: [] for i in ids}
    senders: dict[int, tuple[str, str | None]] = {}
    for chunk in chunks(ids):
        for a in s.exec(select(AnswerRow).where(col(AnswerRow.submission_id).in_(chunk))):
            answers[a.submission_id][a.question] = Answer(a.impact, a.comment)
            if a.withheld:
                withheld[a.submission_id].add(a.question)
        for i in s.exec(select(SubmissionIssue).where(col(SubmissionIssue.submission_id).in_(chunk))
                        .order_by(col(SubmissionIssue.id))):
            issues[i.submission_id].append(Issue(i.field, i.severity, i.message))
    raw_ids = sorted({row.raw_message_id for row in rows})
    for chunk in chunks(raw_ids):
        query = select(RawMessage.id, RawMessage.sender, RawMessage.message_id).where(col(RawMessage.id).in_(chunk))
        for raw_id, sender, message_id in s.exec(query):
            assert raw_id is not None
            senders[raw_id] = (sender, message_id)
    views = []
    for row in rows:
        assert row.id is not None
        sender, message_id = senders.get(row.raw_message_id, ("", None))
        views.append(SubmissionView(
            id=row.id, county=row.county, municipality=row.municipality, period=Period.parse(row.period),
            version=row.version, status=row.status, received_at=row.received_at,
            first_received_at=first[_key(row)].received_at, on_time=row.on_time, filename=row.filename,
            format=row.format, content_hash=row.content_hash, flags=tuple(row.flags),
            answers=dict(sorted(answers[row.id].items())), issues=tuple(issues[row.id]),
            raw_message_id=row.raw_message_id, sender=sender, message_id=message_id,
            withheld=frozenset(withheld[row.id]), corrected_by=row.corrected_by,
            correction_reason=row.correction_reason, area=row.area))
    return sorted(views, key=lambda v: (_swedish(v.municipality), v.period))


def _latest_where(s: Session, where: ColumnElement[bool]) -> list[SubmissionView]:
    """The latest version of each report among the versions `where` picks, with version 1's arrival.

    Three Core queries (versions with their message's sender; answers; issues), each joined to the
    versions by `where`, and no ORM objects: the board reads 290 reports a request and the year view
    3,500, and loading them as ORM rows cost more than the reading itself (bench/web_pages.py).
    """
    sub, raw, ans, iss = _SUBMISSION.c, _RAW.c, _ANSWER.c, _ISSUE.c
    s.flush()  # a Core read on the session's connection must see what the session holds unflushed
    conn = s.connection()
    first: dict[tuple[str, str], Any] = {}
    latest: dict[tuple[str, str], Any] = {}
    for row in conn.execute(core_select(_SUBMISSION, raw.sender, raw.message_id)
                            .outerjoin(_RAW, raw.id == sub.raw_message_id).where(where)).all():
        key = (row.municipality, row.period)
        if key not in first or row.version < first[key].version:
            first[key] = row
        if key not in latest or row.version > latest[key].version:
            latest[key] = row
    answers: dict[int, dict[int, Answer]] = {row.id: {} for row in latest.values()}
    withheld: dict[int, set[int]] = {row.id: set() for row in latest.values()}
    issues: dict[int, list[Issue]] = {row.id: [] for row in latest.values()}
    for sid, question, impact, comment, held in conn.execute(
            core_select(ans.submission_id, ans.question, ans.impact, ans.comment, ans.withheld)
            .join(_SUBMISSION, sub.id == ans.submission_id).where(where)).all():
        if sid in answers:  # a superseded version's answers are read and passed over
            answers[sid][question] = Answer(impact, comment)
            if held:
                withheld[sid].add(question)
    for sid, field, severity, message in conn.execute(
            core_select(iss.submission_id, iss.field, iss.severity, iss.message)
            .join(_SUBMISSION, sub.id == iss.submission_id).where(where).order_by(iss.id)).all():
        if sid in issues:
            issues[sid].append(Issue(field, severity, message))
    parsed: dict[str, Period] = {}
    views = []
    for key, row in latest.items():
        period = parsed.get(row.period) or parsed.setdefault(row.period, Period.parse(row.period))
        views.append(SubmissionView(
            id=row.id, county=row.county, municipality=row.municipality, period=period,
            version=row.version, status=row.status, received_at=row.received_at,
            first_received_at=first[key].received_at, on_time=row.on_time, filename=row.filename,
            format=row.format, content_hash=row.content_hash, flags=tuple(row.flags),
            answers=dict(sorted(answers[row.id].items())), issues=tuple(issues[row.id]),
            raw_message_id=row.raw_message_id, sender=row.sender or "", message_id=row.message_id,
            withheld=frozenset(withheld[row.id]), corrected_by=row.corrected_by,
            correction_reason=row.correction_reason, area=row.area))
    return sorted(views, key=lambda v: (_swedish(v.municipality), v.period))


_SWEDISH_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}", "Å": "{", "Ä": "|", "Ö": "}"})


def _swedish(name: str) -> str:
    """Sort key putting Å, Ä, Ö after Z, as Swedish lists do."""
    return name.lower().translate(_SWEDISH_ORDER)


def latest_submissions(s: Session, county: str, period: Period | str) -> list[SubmissionView]:
    """The latest version per municipality for one period, by municipality (Swedish order)."""
    period_text = str(period if isinstance(period, Period) else Period.parse(period))
    return _latest_where(s, (_SUBMISSION.c.county == county) & (_SUBMISSION.c.period == period_text))


def latest_arrival(s: Session, county: str, municipality: str, period: Period | str,
                   ) -> tuple[int, datetime, str] | None:
    """(raw message id, received at, content hash) of the latest version of one municipality's
    report for a period; None when there is none."""
    period_text = str(period if isinstance(period, Period) else Period.parse(period))
    row = s.exec(select(Submission.raw_message_id, Submission.received_at, Submission.content_hash).where(
        col(Submission.county) == county, col(Submission.municipality) == municipality,
        col(Submission.period) == period_text).order_by(col(Submission.version).desc())).first()
    return None if row is None else (row[0], row[1], row[2])


def latest_area(s: Session, county: str, municipality: str, period: Period | str) -> tuple[int, str | None] | None:
    """(version, area) of the latest version of one municipality's report for a period; None when
    there is none. Takes the report's lock, as `record_submission` does, so a version filed next in
    the same transaction follows exactly this one."""
    period_text = str(period if isinstance(period, Period) else Period.parse(period))
    pg_xact_lock(s, f"submission:{county}:{municipality}:{period_text}")
    c = _SUBMISSION.c
    row = s.connection().execute(core_select(c.version, c.area).where(
        c.county == county, c.municipality == municipality, c.period == period_text)
        .order_by(c.version.desc()).limit(1)).first()
    return None if row is None else (row.version, row.area)


def latest_arrivals(s: Session, county: str) -> dict[tuple[str, str], tuple[int, datetime, str]]:
    """`latest_arrival` for every report of a county at once: (municipality, "YYYY-MM") -> (raw
    message id, received at, content hash) of its latest version."""
    c = _SUBMISSION.c
    rows = s.connection().execute(core_select(c.municipality, c.period, c.raw_message_id, c.received_at,
                                              c.content_hash).where(c.county == county).order_by(c.version))
    return {(m, p): (raw_id, received, digest) for m, p, raw_id, received, digest in rows}


def submissions_for_year(s: Session, county: str, year: int) -> list[SubmissionView]:
    """The latest version per municipality and period (month, or ISO week) of `year`."""
    # "2026-01" … "2026-12" and "2026-W01" … "2026-W53" sort between these two.
    c = _SUBMISSION.c
    return _latest_where(s, (c.county == county) & (c.period >= f"{year:04d}-01") & (c.period <= f"{year:04d}-W99"))


def count_held(s: Session, county: str) -> int:
    """How many versions of `county` are held for a confidentiality review."""
    c = _SUBMISSION.c
    return int(s.connection().execute(core_select(func.count()).select_from(_SUBMISSION).where(
        c.county == county, c.status == SubmissionStatus.HELD)).scalar_one())


def held_submissions(s: Session, county: str) -> list[SubmissionView]:
    """Versions held for a confidentiality review (the latest of their period only)."""
    rows = s.exec(select(Submission).where(col(Submission.county) == county,
                                           col(Submission.status) == SubmissionStatus.HELD))
    return _held_views(s, list(rows))


def _held_views(s: Session, rows: list[Submission]) -> list[SubmissionView]:
    firsts: dict[tuple[str, str, str], Submission] = {}
    for row in rows:
        first = s.exec(select(Submission).where(
            col(Submission.county) == row.county, col(Submission.municipality) == row.municipality,
            col(Submission.period) == row.period, col(Submission.version) == 1)).one()
        firsts[_key(row)] = first
    return _submission_views(s, rows, firsts)


def release_withheld(s: Session, submission_id: int) -> SubmissionView:
    """Staff have reviewed a held version: its answers are shown again and it becomes active
    (unless a later version already superseded it). The flag "personal_data" stays as a record."""
    row = s.get(Submission, submission_id)
    if row is None:
        raise NotFound(f"no submission {submission_id}")
    for answer in s.exec(select(AnswerRow).where(col(AnswerRow.submission_id) == submission_id)):
        answer.withheld = False
        s.add(answer)
    newer = s.exec(select(Submission).where(
        col(Submission.county) == row.county, col(Submission.municipality) == row.municipality,
        col(Submission.period) == row.period, col(Submission.version) > row.version)).first()
    row.status = SubmissionStatus.SUPERSEDED if newer is not None else SubmissionStatus.ACTIVE
    row.flags = sorted((set(row.flags) - {"held"}) | {"released"})
    s.add(row)
    s.flush()
    return _held_views(s, [row])[0]


def version_answers(s: Session, county: str, municipality: str, period: Period | str, version: int,
                    ) -> tuple[dict[int, Answer], frozenset[int]] | None:
    """The answers of one version of a report and the questions it withheld; None when there is no such version."""
    period_text = str(period if isinstance(period, Period) else Period.parse(period))
    row = s.exec(select(Submission.id).where(
        col(Submission.county) == county, col(Submission.municipality) == municipality,
        col(Submission.period) == period_text, col(Submission.version) == version)).first()
    if row is None:
        return None
    answers: dict[int, Answer] = {}
    withheld: set[int] = set()
    for a in s.exec(select(AnswerRow).where(col(AnswerRow.submission_id) == row)):
        answers[a.question] = Answer(a.impact, a.comment)
        if a.withheld:
            withheld.add(a.question)
    return answers, frozenset(withheld)


def last_senders(s: Session, county: str) -> dict[str, str]:
    """Each municipality's most recent sender address (the fallback for reminders)."""
    query = (select(Submission.municipality, RawMessage.sender, Submission.received_at)
             .join(RawMessage, col(RawMessage.id) == col(Submission.raw_message_id))
             .where(col(Submission.county) == county).order_by(col(Submission.received_at)))
    out: dict[str, str] = {}
    for municipality, sender, _ in s.exec(query):
        if sender:
            out[municipality] = sender
    return out


def first_arrivals(s: Session, county: str, periods: Iterable[Period]) -> dict[tuple[str, Period], datetime]:
    """When each municipality's first version for each period arrived."""
    texts = [str(p) for p in periods]
    query = select(Submission.municipality, Submission.period, Submission.received_at).where(
        col(Submission.county) == county, col(Submission.period).in_(texts), col(Submission.version) == 1)
    return {(m, Period.parse(p)): at for m, p, at in s.exec(query)}


def versions_since(s: Session, county: str, since: datetime | None) -> list[SubmissionView]:
    """Every version received after `since` (all of them when None), with version 1's arrival."""
    query = select(Submission).where(col(Submission.county) == county)
    if since is not None:
        query = query.where(col(Submission.received_at) > since)
    rows = list(s.exec(query))
    firsts: dict[tuple[str, str, str], Submission] = {}
    for row in rows:
        if _key(row) not in firsts:
            firsts[_key(row)] = s.exec(select(Submission).where(
                col(Submission.county) == row.county, col(Submission.municipality) == row.municipality,
                col(Submission.period) == row.period, col(Submission.version) == 1)).one()
    return _submission_views(s, rows, firsts)
