"""Reads for the staff web page's year view: each report's highest level, worked out by the database.

The year view shows 290 municipalities × 12 months: reading every version's answers
to find each report's highest level moved 25,000 answer rows and their comments
for 3,500 numbers (bench/web_pages.py). Here the database groups the answers per
version and hands back one row each.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func
from sqlalchemy import select as core_select
from sqlmodel import Session

from parsers.result import Period
from store.models import AnswerRow, Submission
from store.views import ReportLevel

_SUBMISSION = Submission.__table__  # type: ignore[attr-defined]
_ANSWER = AnswerRow.__table__  # type: ignore[attr-defined]


def year_levels(s: Session, county: str, year: int, lowest: int, highest: int,
                question: int | None = None) -> list[ReportLevel]:
    """The latest version of each report of `year` (months and ISO weeks alike) with its version 1's
    arrival, its highest impact within lowest…highest among the answers not withheld (of `question`
    alone when given), and whether any answer is withheld."""
    sub, ans = _SUBMISSION.c, _ANSWER.c
    # "2026-01" … "2026-12" and "2026-W01" … "2026-W53" sort between these two.
    where = (sub.county == county) & (sub.period >= f"{year:04d}-01") & (sub.period <= f"{year:04d}-W99")
    s.flush()  # a Core read on the session's connection must see what the session holds unflushed
    conn = s.connection()
    counted = and_(ans.withheld.is_(False), ans.impact >= lowest, ans.impact <= highest)
    if question is not None:
        counted = and_(counted, ans.question == question)
    # One query: every version of the year with its answers grouped by the database (a version without
    # answers too, by the outer join), instead of the versions and the grouped answers apart.
    versions = (core_select(sub.municipality, sub.period, sub.version, sub.received_at,
                            func.max(case((counted, ans.impact))),
                            func.max(case((ans.withheld.is_(True), 1), else_=0)))
                .select_from(_SUBMISSION.outerjoin(_ANSWER, sub.id == ans.submission_id)).where(where)
                .group_by(sub.id))  # the key: PostgreSQL then allows the row's other columns
    first: dict[tuple[str, str], tuple[int, datetime]] = {}
    latest: dict[tuple[str, str], tuple[int, int | None, bool]] = {}
    # Read a few hundred rows at a time, not listed whole: fewer rows live at once, so fewer of them
    # outlast a garbage collection into the oldest generation and bring on a full collection sooner.
    for part in conn.execute(versions).partitions(500):
        for municipality, period, version, received_at, level, held in part:
            key = (municipality, period)
            if key not in first or version < first[key][0]:
                first[key] = (version, received_at)
            if key not in latest or version > latest[key][0]:
                latest[key] = (version, level, bool(held))
    parsed: dict[str, Period] = {}
    out = []
    for key, (version, level, held) in latest.items():
        municipality, text = key
        period = parsed.get(text) or parsed.setdefault(text, Period.parse(text))
        out.append(ReportLevel(municipality, period, version, first[key][1], level, held))
    return out
