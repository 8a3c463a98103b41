"""Quarantine on the staff web page: each held message with its parts and what each form says,
a preview of releasing it to a municipality (computed without writing), release and drop with
the staff member named in the audit trail.

The forms are read in the isolated reader (flow.sandbox) like on arrival: a quarantined mail
comes from someone not trusted, so the web process never parses it itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from flow.desk import NotHere, arrival
from flow.operations import drop_quarantined, release_quarantined
from flow.reading import Parse, parse_message
from flow.sandbox import parse_isolated
from flow.settings import Config
from flow.staff_ops import OperationRefused, ReleaseStep
from ingest.message import read_message
from store import repo
from store.db import read_transaction
from store.outcome import Outcome


@dataclass(frozen=True, slots=True)
class Part:
    """One file that came with the message."""

    filename: str
    content_type: str
    size: int


@dataclass(frozen=True, slots=True)
class AnswerRead:
    """One question as a form answers it."""

    number: int
    short: str
    impact: int | None
    comment: str


@dataclass(frozen=True, slots=True)
class FormRead:
    """What one form in the message says."""

    filename: str
    format: str
    municipality: str | None
    period: str | None
    answers: tuple[AnswerRead, ...]
    issues: tuple[str, ...]
    unreadable: bool


@dataclass(frozen=True, slots=True)
class QuarantinedMail:
    """A message waiting in quarantine; `parts` and `forms` only when read one at a time."""

    id: int
    sender: str
    subject: str
    received_at: datetime
    reason: str
    kept: bool  # its bytes are still stored (retention may have purged them)
    parts: tuple[Part, ...] = ()
    forms: tuple[FormRead, ...] = ()
    body: str = ""


@dataclass(frozen=True, slots=True)
class PreviewStep:
    """What releasing does with one form, in Swedish for the clerk."""

    filename: str
    form_municipality: str | None
    period: str
    action: str  # "file", "skip", "newer"
    version: int | None  # the version it would become
    supersedes: int | None
    text: str


@dataclass(frozen=True, slots=True)
class ReleasePreview:
    """What releasing to `municipality` would do; `others`: municipalities the forms name instead."""

    municipality: str
    steps: tuple[PreviewStep, ...]
    others: tuple[str, ...]

    @property
    def files_anything(self) -> bool:
        return any(s.action == "file" for s in self.steps)


def list_quarantine(engine: Engine, config: Config) -> list[QuarantinedMail]:
    """The county's messages in quarantine, oldest first (without reading them)."""
    with read_transaction(engine) as s:
        views = repo.quarantined(s, config.county.code)
    return [QuarantinedMail(v.id, v.sender, v.subject, arrival(v), v.reason or "", v.size > 0) for v in views]


def _view(engine: Engine, config: Config, raw_id: int) -> repo.RawMessageView:
    with read_transaction(engine) as s:
        view = repo.get_message(s, raw_id)
    if view is None or view.county != config.county.code or view.outcome != Outcome.QUARANTINED:
        raise NotHere(f"message {raw_id} is not in {config.county.name}'s quarantine")
    return view


def quarantined_mail(engine: Engine, config: Config, raw_id: int,
                     parse: Parse = parse_isolated) -> QuarantinedMail:
    """One quarantined message with its parts and what each form says (NotHere when it is not in
    this county's quarantine)."""
    view = _view(engine, config, raw_id)
    with read_transaction(engine) as s:
        raw = repo.get_raw(s, raw_id)
    base = QuarantinedMail(view.id, view.sender, view.subject, arrival(view), view.reason or "", bool(raw))
    if not raw:
        return base
    message = read_message(raw)
    parts = tuple(Part(a.filename, a.content_type, len(a.content)) for a in message.attachments)
    shorts = {q.number: q.short for q in config.county.form.questions}
    forms = []
    for p in parse_message(message, config, parse):
        r = p.result
        forms.append(FormRead(
            p.filename, r.format.value, r.municipality, str(r.period) if r.period else None,
            tuple(AnswerRead(n, shorts.get(n, ""), a.impact, a.comment) for n, a in sorted(r.answers.items())),
            tuple(i.message for i in r.issues), r.unreadable))
    return QuarantinedMail(base.id, base.sender, base.subject, base.received_at, base.reason, True, parts,
                           tuple(forms), message.body_text[:4000])


def _swedish(step: ReleaseStep, municipality: str) -> PreviewStep:
    period = str(step.period)
    version = (step.supersedes or 0) + 1 if step.action == "file" and not step.identical else None
    if step.action == "file" and step.identical:
        text = (f"har samma innehåll som version {step.supersedes} för {municipality} {period}, som redan finns: "
                "ingen ny version (avsändaren får veta att den redan är mottagen)")
    elif step.action == "file":
        text = (f"registreras för {municipality} {period} som version {version}"
                + (f" och ersätter version {step.supersedes}" if step.supersedes else ""))
    elif step.action == "skip":
        text = f"redan registrerad för {step.form_municipality} {period} ur samma meddelande; inget görs"
    else:
        text = f"registreras inte: en nyare rapport för {municipality} {period} finns redan och står kvar"
    return PreviewStep(step.filename, step.form_municipality, period, step.action, version, step.supersedes, text)


def _refusal(text: str) -> str:
    """The command line's refusal (English) in the clerk's words."""
    if "no longer kept" in text:
        return "Meddelandets e-post är gallrad, så det finns inget att registrera. Ta bort det ur karantänen."
    if "no readable form" in text:
        return "Meddelandet innehåller inget formulär som går att läsa, så det finns inget att registrera."
    return f"Meddelandet kan inte släppas: {text}"


def preview_release(engine: Engine, config: Config, raw_id: int, municipality: str, now: datetime,
                    parse: Parse = parse_isolated) -> ReleasePreview:
    """What releasing message `raw_id` to `municipality` would do, computed without writing.

    OperationRefused when it cannot be released at all (no readable form, its mail purged)."""
    _view(engine, config, raw_id)
    if config.municipality(municipality) is None:
        raise OperationRefused(f"{municipality} är inte en kommun i {config.county.name}")
    try:
        steps = release_quarantined(engine, config, raw_id, municipality, now, parse, force=True, dry_run=True)
    except OperationRefused as exc:
        raise OperationRefused(_refusal(str(exc))) from exc
    others = tuple(dict.fromkeys(s.form_municipality for s in steps if s.action == "file"
                                 and s.form_municipality and s.form_municipality != municipality))
    return ReleasePreview(municipality, tuple(_swedish(s, municipality) for s in steps), others)


def release_to(engine: Engine, config: Config, raw_id: int, municipality: str, now: datetime, *, actor: str,
               other_confirmed: bool, parse: Parse = parse_isolated) -> ReleasePreview:
    """Release message `raw_id` to `municipality`, audited with `actor`; what was done.

    A form that names another municipality is filed under `municipality` only when the clerk
    confirmed that after seeing the warning (`other_confirmed`); otherwise nothing is filed."""
    preview = preview_release(engine, config, raw_id, municipality, now, parse)
    if preview.others and not other_confirmed:
        raise OperationRefused(f"Formuläret gäller {', '.join(preview.others)}, inte {municipality}. "
                               "Bekräfta att det ändå ska registreras för den valda kommunen.")
    if not preview.files_anything:
        raise OperationRefused("Inget att registrera: " + "; ".join(f"{s.filename}: {s.text}" for s in preview.steps))
    release_quarantined(engine, config, raw_id, municipality, now, parse, force=True, actor=actor)
    return preview


def drop(engine: Engine, config: Config, raw_id: int, reason: str, now: datetime, *, actor: str) -> None:
    """Drop message `raw_id` from quarantine (kept, never filed) with a reason, audited with `actor`."""
    _view(engine, config, raw_id)
    if not reason.strip():
        raise OperationRefused("Ange varför meddelandet tas bort.")
    drop_quarantined(engine, raw_id, now, reason.strip(), config, actor=actor)
