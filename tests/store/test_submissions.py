"""Submissions: versions, identical resends, on-time from the first version, the latest per municipality."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from parsers.result import Answer, Format, Issue, Period
from store import repo
from store.db import transaction
from store.views import SubmissionKind, SubmissionResult, SubmissionStatus
from tests.store import workers
from tests.store.helpers import DEADLINE_END, NOW, answers, insert


def file(s: Session, uid: str, *, municipality: str = "Avesta", period: str = "2026-10",
         received_at: datetime = NOW, impact: int = 2, flags: tuple[str, ...] = (),
         deadline_end: datetime | None = DEADLINE_END, **kw: Any) -> SubmissionResult:
    row = insert(s, uid, received_at=received_at)
    return repo.record_submission(
        s, county="20", municipality=municipality, period=period, received_at=received_at, raw_id=row.id,
        filename=f"Lägesbild {uid}.docx", format=Format.DOCX, answers=kw.pop("answers", answers(impact)),
        issues=kw.pop("issues", ()), flags=flags, deadline_end=deadline_end, **kw)


def test_first_submission_is_version_1_and_on_time(engine: Engine) -> None:
    issue = Issue.warning("q3.impact", "Påverkan för fråga 3 var otydlig.")
    with transaction(engine) as s:
        result = file(s, "v1", issues=(issue,), flags=("personal_data",))
    sub = result.submission
    assert (result.kind, result.previous_version) == (SubmissionKind.NEW, None)
    assert (sub.version, sub.on_time, sub.status, sub.period) == (1, True, SubmissionStatus.ACTIVE, Period(2026, 10))
    assert sub.answers == answers(2) and sub.issues == (issue,) and sub.flags == ("personal_data",)
    assert sub.sender == "samordnare@avesta.se" and sub.message_id == "<v1@avesta.se>"
    assert sub.first_received_at == sub.received_at == NOW and sub.format is Format.DOCX


def test_identical_resend_writes_nothing(engine: Engine) -> None:
    with transaction(engine) as s:
        first = file(s, "v1")
    with transaction(engine) as s:
        again = file(s, "v1-again", received_at=NOW + timedelta(hours=1))
    assert (again.kind, again.previous_version) == (SubmissionKind.IDENTICAL, 1)
    assert again.submission.id == first.submission.id and again.submission.received_at == NOW
    with transaction(engine) as s:
        latest = repo.latest_submissions(s, "20", "2026-10")
    assert [(v.version, v.message_id) for v in latest] == [(1, "<v1@avesta.se>")]


def test_correction_is_a_new_version_and_stays_on_time_after_the_deadline(engine: Engine) -> None:
    late = DEADLINE_END + timedelta(days=3)
    with transaction(engine) as s:
        file(s, "v1", impact=2)
    with transaction(engine) as s:
        result = file(s, "v2", impact=4, received_at=late)
    sub = result.submission
    assert (result.kind, result.previous_version, sub.version) == (SubmissionKind.CORRECTION, 1, 2)
    assert sub.on_time is True and "late" not in sub.flags  # decided by the first version
    assert (sub.received_at, sub.first_received_at) == (late, NOW)
    assert sub.answers[1] == Answer(4, "Inget särskilt 1")
    with transaction(engine) as s:
        third = file(s, "v3", impact=5, received_at=late + timedelta(days=1))
        statuses = [v.status for v in repo.latest_submissions(s, "20", "2026-10")]
    assert (third.kind, third.previous_version, third.submission.version) == (SubmissionKind.CORRECTION, 2, 3)
    assert statuses == [SubmissionStatus.ACTIVE]


def test_a_late_first_version_is_flagged_and_its_correction_too(engine: Engine) -> None:
    late = DEADLINE_END + timedelta(seconds=1)
    with transaction(engine) as s:
        first = file(s, "v1", received_at=late)
        second = file(s, "v2", received_at=late + timedelta(days=1), impact=3)
    assert (first.submission.on_time, first.submission.flags) == (False, ("late",))
    assert (second.submission.on_time, second.submission.flags) == (False, ("late",))


def test_the_deadline_second_itself_is_on_time_and_no_deadline_is_undecided(engine: Engine) -> None:
    with transaction(engine) as s:
        edge = file(s, "edge", received_at=DEADLINE_END)
        open_ = file(s, "open", municipality="Mora", deadline_end=None)
        corrected = file(s, "open2", municipality="Mora", deadline_end=None, impact=1)
    assert edge.submission.on_time is True
    assert open_.submission.on_time is None and corrected.submission.on_time is None


def test_held_submission_is_stored_held_and_still_listed(engine: Engine) -> None:
    with transaction(engine) as s:
        held = file(s, "h1", flags=("held", "personal_data"))
        listed = repo.latest_submissions(s, "20", Period(2026, 10))
    assert held.submission.status is SubmissionStatus.HELD
    assert [(v.municipality, v.flags) for v in listed] == [("Avesta", ("held", "personal_data"))]


def test_latest_submissions_gives_latest_version_first_arrival_in_swedish_order(engine: Engine) -> None:
    with transaction(engine) as s:
        file(s, "alv", municipality="Älvdalen")
        file(s, "av1", municipality="Avesta", received_at=NOW - timedelta(days=1))
        file(s, "av2", municipality="Avesta", received_at=NOW + timedelta(days=1), impact=3,
             issues=(Issue.error("q2.impact", "Ogiltigt värde."),))
        file(s, "van", municipality="Vansbro")
        file(s, "other-month", municipality="Orsa", period="2026-09")
    with transaction(engine) as s:
        latest = repo.latest_submissions(s, "20", "2026-10")
        other_county = repo.latest_submissions(s, "21", "2026-10")
    assert [v.municipality for v in latest] == ["Avesta", "Vansbro", "Älvdalen"]
    avesta = latest[0]
    assert (avesta.version, avesta.first_received_at, avesta.received_at) == (
        2, NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert avesta.message_id == "<av2@avesta.se>" and avesta.filename == "Lägesbild av2.docx"
    assert avesta.answers == answers(3) and [i.field for i in avesta.issues] == ["q2.impact"]
    assert other_county == []


def test_submissions_for_year_gives_the_latest_per_municipality_and_month(engine: Engine) -> None:
    with transaction(engine) as s:
        file(s, "jan", period="2026-01")
        file(s, "dec1", period="2026-12")
        file(s, "dec2", period="2026-12", impact=5)
        file(s, "mora", municipality="Mora", period="2026-03")
        file(s, "last-year", period="2025-12")
        file(s, "next-year", period="2027-01")
    with transaction(engine) as s:
        year = repo.submissions_for_year(s, "20", 2026)
    assert [(v.municipality, str(v.period), v.version) for v in year] == [
        ("Avesta", "2026-01", 1), ("Avesta", "2026-12", 2), ("Mora", "2026-03", 1)]


def test_answers_with_blank_impacts_round_trip(engine: Engine) -> None:
    given = {1: Answer(None, ""), 2: Answer(5, "Kritiskt läge, se bilaga"), 7: Answer(None, "Övrigt: –")}
    with transaction(engine) as s:
        result = file(s, "blank", answers=given)
    with transaction(engine) as s:
        [stored] = repo.latest_submissions(s, "20", "2026-10")
    assert result.submission.answers == stored.answers == given
    assert stored.content_hash == repo.answers_hash(given)


def test_callers_content_hash_decides_identity(engine: Engine) -> None:
    with transaction(engine) as s:
        file(s, "h1", content_hash="a" * 64)
        same = file(s, "h2", impact=4, content_hash="a" * 64)
    assert same.kind is SubmissionKind.IDENTICAL


def test_a_bad_period_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError), transaction(engine) as s:
        file(s, "bad", period="oktober")


def test_two_processes_filing_the_same_report_get_versions_1_and_2(url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=workers.file_report, args=(url, f"race{i}", i + 1, barrier, 0.3, results))
             for i in range(2)]
    for p in procs:
        p.start()
    outcomes = sorted(results.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(30)
    assert outcomes == [("correction", 2), ("new", 1)], outcomes
