"""Where an answer was read from, as the store keeps it: a `Source` as a small JSON object in a text column.

JSON rather than two columns per value: the place and the text are only ever
shown together, and a sheet's or a field's name may hold any character.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import select as core_select
from sqlmodel import Session

from parsers.result import Answer, Source
from store.models import AnswerRow

_ANSWER = AnswerRow.__table__  # type: ignore[attr-defined]


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
