"""The confidentiality review on the staff web page: each held comment with the personal data
marked, release after review, or ask the municipality for a version without it (one mail).

Staff only: the held text is shown as it came, so the clerk can judge it. Marks are found by
parsers.personal, the same screening that held the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from flow.desk import NotHere
from flow.operations import Filed, release_held
from flow.queueing import queue_mail_once, reply_context
from flow.settings import Config
from flow.staff_ops import OperationRefused
from outputs.review_request import build_review_request
from parsers.personal import KIND_NAMES, describe, find_personal_data
from store import repo
from store.db import read_transaction, transaction
from store.views import SubmissionView


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of a comment; `kind` names the personal data it is ("" for plain text)."""

    text: str
    kind: str = ""


@dataclass(frozen=True, slots=True)
class HeldComment:
    """One withheld comment cut into pieces, the personal data among them marked."""

    number: int
    label: str
    pieces: tuple[Piece, ...]
    kinds: str  # "personnummer, telefonnummer"


@dataclass(frozen=True, slots=True)
class HeldReport:
    """A version held for review."""

    id: int
    municipality: str
    period: str
    version: int
    received_at: datetime
    sender: str
    filename: str
    comments: tuple[HeldComment, ...]
    asked: bool  # the municipality has been asked for a version without the data


def _pieces(text: str) -> tuple[tuple[Piece, ...], str]:
    findings = find_personal_data(text)
    out: list[Piece] = []
    position = 0
    for f in findings:
        if f.start > position:
            out.append(Piece(text[position:f.start]))
        out.append(Piece(text[f.start:f.end], KIND_NAMES.get(f.kind, f.kind)))
        position = f.end
    if position < len(text):
        out.append(Piece(text[position:]))
    return tuple(out), describe(findings)


def _ask_key(config: Config, submission_id: int) -> str:
    return f"review-ask:{config.county.code}:{submission_id}"


def held_reports(engine: Engine, config: Config) -> list[HeldReport]:
    """Every version of the county held for review, oldest first, comments marked."""
    form = config.county.form
    with read_transaction(engine) as s:
        held = sorted(repo.held_submissions(s, config.county.code), key=lambda v: (v.received_at, v.id))
        asked = {int(k.rsplit(":", 1)[1]) for k in repo.queued_keys(s, f"review-ask:{config.county.code}:")}
    out = []
    for v in held:
        comments = []
        for number in sorted(v.withheld):
            answer = v.answers.get(number)
            if answer is None:
                continue
            pieces, kinds = _pieces(answer.comment)
            q = form.question(number)
            comments.append(HeldComment(number, f"Fråga {number} {q.short}", pieces, kinds))
        out.append(HeldReport(v.id, v.municipality, str(v.period), v.version, v.received_at, v.sender, v.filename,
                              tuple(comments), v.id in asked))
    return out


def _held(s: Session, config: Config, submission_id: int) -> SubmissionView:
    for v in repo.held_submissions(s, config.county.code):
        if v.id == submission_id:
            return v
    raise NotHere(f"report {submission_id} is not held for review in {config.county.name}")


def release_reviewed(engine: Engine, config: Config, submission_id: int, now: datetime, *, actor: str) -> Filed:
    """Release a held version after review (its answers are shown again), audited with `actor`."""
    with read_transaction(engine) as s:
        _held(s, config, submission_id)
    return release_held(engine, config, submission_id, now, actor=actor)


def ask_for_clean_version(engine: Engine, config: Config, submission_id: int, now: datetime, *,
                          actor: str) -> tuple[str, ...]:
    """Queue one mail asking the municipality for a version without the personal data; the
    addresses it goes to. The report stays held; a new version supersedes it when it comes.
    Refused when already asked (one mail per held version)."""
    form = config.county.form
    with transaction(engine) as s:
        v = _held(s, config, submission_id)
        m = config.municipality(v.municipality)
        to = (v.sender,) if v.sender else (m.contacts if m else ())
        if not to:
            raise OperationRefused(f"{v.municipality} har ingen e-postadress att skriva till.")
        questions = [(f"Fråga {n} {form.question(n).short}", describe(find_personal_data(v.answers[n].comment))
                      or "personuppgifter") for n in sorted(v.withheld) if n in v.answers]
        msg = build_review_request(reply_context(config), to=to, municipality=v.municipality, period=v.period,
                                   version=v.version, questions=questions, original_message_id=v.message_id, now=now)
        if not queue_mail_once(s, "staff_notice", _ask_key(config, submission_id), msg, now, v.raw_message_id):
            raise OperationRefused(f"{v.municipality} har redan ombetts skicka en ny version av version {v.version}.")
        repo.audit(s, v.raw_message_id, "review_asked", f"{v.municipality} {v.period} version {v.version}: ny version "
                   f"utan personuppgifter begärd av {', '.join(to)}", now, actor=actor, county=config.county.code,
                   municipality=v.municipality, before=f"version {v.version} granskas",
                   after="ny version begärd")
    return tuple(to)
