"""The whole ingest path on a real Maildir: every kind of message gets the right outcome."""

from __future__ import annotations

import email
import re
from dataclasses import replace
from datetime import datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flow.pipeline import poll_once
from flow.reports import export_period, status_for
from ingest.maildir import MaildirSource
from ingest.settings import configured_folders
from ingest.source import Folder, MailSource
from lagesbild.config import load_config
from lagesbild.samples import sample_answers, template_docx
from parsers import parse_bytes
from parsers.form import default_form
from parsers.result import Answer, ParseResult, Period
from store import repo
from store.db import transaction
from store.outcome import Outcome
from tests.builders import mail as mails
from tests.support.maildir_box import MaildirBox

TZ = ZoneInfo("Europe/Stockholm")
DOCX = mails.DOCX_TYPE
FORM = default_form()
OCT = Period(2026, 10)


def in_process(data: bytes, filename: str, form: object, limits: object) -> object:
    """Parse without a child process (the isolation has tests of its own)."""
    return parse_bytes(data, filename, form, limits)  # type: ignore[arg-type]


def docx(municipality: str, period: Period = OCT, seed: int = 0, answers: dict[int, Answer] | None = None) -> bytes:
    return template_docx(FORM, municipality, period, answers or sample_answers(FORM, municipality, period, seed))


def without_month_line(data: bytes) -> bytes:
    """The form with its "September månad 2026" line removed, as people sometimes do."""
    import io

    import docx as python_docx

    document = python_docx.Document(io.BytesIO(data))
    for paragraph in document.paragraphs:
        if re.fullmatch(r"\w+ månad \d{4}", paragraph.text.strip()):
            paragraph._element.getparent().remove(paragraph._element)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class Box(MaildirBox):
    """A Maildir, a database and a configuration in a temporary folder."""

    def source(self) -> MailSource:
        return MaildirSource(self.maildir, configured_folders(self.config.mailbox))

    def poll(self, now: str) -> dict[str, int]:
        report = poll_once(self.source(), self.engine, self.config, at(now), parse=in_process)  # type: ignore[arg-type]
        return dict(report.outcomes)

    def outbox(self) -> list[tuple[str, email.message.EmailMessage]]:
        with transaction(self.engine) as s:
            rows = repo.due_mail(s, at("2030-01-01T00:00"), 1000)
        return [(str(r.kind), email.message_from_bytes(r.raw, policy=policy.default)) for r in rows]

    def outcomes(self) -> dict[str, str]:
        with transaction(self.engine) as s:
            return {v.uid: str(v.outcome) for v, _ in repo.raw_messages(s)}


def plain_text(msg: EmailMessage, preference: tuple[str, ...] = ("plain",)) -> str:
    """The text of a mail's body part (`preference` as `EmailMessage.get_body` takes it)."""
    body = msg.get_body(preference)
    assert body is not None, "the mail has no body of that kind"
    text = body.get_content()
    assert isinstance(text, str)
    return text


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def box(tmp_path: Path) -> Box:
    config = load_config(None)
    municipalities = tuple(replace(m, submits_for=("Orsa",)) if m.name == "Mora" else m
                           for m in config.municipalities)
    return Box(tmp_path, replace(config, municipalities=municipalities, signals=()))


def test_a_form_from_a_municipality_is_stored_and_receipted(box: Box) -> None:
    name = box.deliver(mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej!",
                                        [("Lägesbild oktober.docx", docx("Ludvika"), DOCX)]),
                       at("2026-10-29T14:03"))
    assert box.poll("2026-10-29T15:00") == {"stored": 1}
    assert box.outcomes() == {name.split(":")[0]: "stored"}
    assert list((box.maildir / ".L&AOQ-gesbild.Behandlade" / "cur").iterdir())
    assert not list((box.maildir / "new").iterdir())
    [(kind, receipt)] = box.outbox()
    assert kind == "receipt"
    assert receipt["To"] == "samordnare@ludvika.se"
    assert receipt["Subject"] == "Kvittens: lägesbild oktober 2026, Ludvika"
    assert receipt["Auto-Submitted"] == "auto-replied"
    exported = export_period(box.engine, box.config, OCT)
    assert [(e["municipality"], e["version"], e["sender"]) for e in exported] == [
        ("Ludvika", 1, "samordnare@ludvika.se")]
    expected = sample_answers(FORM, "Ludvika", OCT)
    assert exported[0]["answers"] == {str(n): a.to_json() for n, a in expected.items()}
    assert exported[0]["received_at"] == "2026-10-29T14:03:00+01:00"


def test_comments_are_stored_and_echoed_exactly_as_typed(box: Box) -> None:
    typed = "„Lugnt” – sa polisen; »inga« incidenter… (’95-gänget) 1–2 ggr/vecka"
    answers = dict(sample_answers(FORM, "Ludvika", OCT))
    answers[3] = Answer(2, typed)
    box.deliver(mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej!",
                                 [("lagesbild.docx", docx("Ludvika", answers=answers), DOCX)]), at("2026-10-29T14:03"))
    assert box.poll("2026-10-29T15:00") == {"stored": 1}
    [entry] = export_period(box.engine, box.config, OCT)
    assert entry["answers"]["3"] == {"impact": 2, "comment": typed}
    [(_, receipt)] = box.outbox()
    assert typed in plain_text(receipt)


def test_a_form_for_a_month_far_from_the_mails_date_is_stored_flagged_and_the_sender_told(box: Box) -> None:
    """The form's month and the mail's date are two statements of one fact: when they disagree, say so."""
    box.deliver(mails.build_mail("samordnare@ludvika.se", "Lägesbild", "Hej!",
                                 [("lagesbild.docx", docx("Ludvika", Period(2099, 12)), DOCX)]),
                at("2026-10-29T14:03"))
    assert box.poll("2026-10-29T15:00") == {"stored": 1}
    [entry] = export_period(box.engine, box.config, Period(2099, 12))
    assert "period_doubt" in entry["flags"]
    assert any(i["field"] == "period" and "2099-12" in i["message"] for i in entry["issues"])
    [(kind, receipt)] = box.outbox()
    assert kind == "receipt" and "kontrollera månaden" in plain_text(receipt, ("related", "html", "plain"))


def test_identical_resend_then_correction(box: Box) -> None:
    first = mails.build_mail("samordnare@orsa.se", "Lägesbild", "Hej", [("orsa.docx", docx("Orsa"), DOCX)],
                             message_id="<a@orsa.se>")
    box.deliver(first, at("2026-10-28T09:00"))
    box.deliver(mails.build_mail("samordnare@orsa.se", "Lägesbild igen", "Hej",
                                 [("orsa.docx", docx("Orsa"), DOCX)], message_id="<b@orsa.se>"),
                at("2026-10-28T10:00"))
    box.deliver(mails.build_mail("samordnare@orsa.se", "Rättelse", "Hej",
                                 [("orsa v2.docx", docx("Orsa", seed=9), DOCX)], message_id="<c@orsa.se>"),
                at("2026-11-02T10:00"))
    assert box.poll("2026-11-02T11:00") == {"stored": 1, "duplicate": 1, "correction": 1}
    kinds = sorted(k for k, _ in box.outbox())
    assert kinds == ["duplicate_notice", "receipt", "receipt"]
    status = status_for(box.engine, box.config, OCT, at("2026-11-03T09:00"))
    orsa = next(m for m in status["municipalities"] if m["name"] == "Orsa")
    # The correction came after the deadline, but the first version was on time.
    assert (orsa["state"], orsa["version"], orsa["received_at"]) == ("on_time", 2, "2026-10-28T09:00:00+01:00")


def test_mail_older_than_max_reply_age_is_filed_but_not_answered(box: Box) -> None:
    """The archive already in the mailbox at the first start: filed and versioned, nobody mailed."""
    box.deliver(mails.build_mail("samordnare@mora.se", "Lägesbild augusti", "Hej",
                                 [("mora.docx", docx("Mora", Period(2026, 8)), DOCX)]), at("2026-08-28T10:00"))
    box.deliver(mails.build_mail("samordnare@orsa.se", "Lägesbild", "Hej", [("t.docx", b"PK\x03\x04trasig", DOCX)]),
                at("2026-09-01T10:00"))
    box.deliver(mails.build_mail("x@ludvlka.se", "Lägesbild", "Hej", [("l.docx", docx("Ludvika"), DOCX)]),
                at("2026-09-02T10:00"))
    box.deliver(mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej",
                                 [("l.docx", docx("Ludvika"), DOCX)]), at("2026-10-30T10:00"))
    # 31 days after the third mail, 1 day after the last: only the last is answered.
    assert box.poll("2026-10-31T11:00") == {"stored": 2, "rejected": 1, "quarantined": 1}
    assert [(k, m["To"]) for k, m in box.outbox()] == [("receipt", "samordnare@ludvika.se")]
    assert [e["municipality"] for e in export_period(box.engine, box.config, Period(2026, 8))] == ["Mora"]
    with transaction(box.engine) as s:
        quiet = [e for e in repo.audit_trail(s) if e.event == "not_answered"]
    assert len(quiet) == 3 and all("arkiveras utan svar" in e.detail for e in quiet)


def test_max_reply_age_zero_answers_everything(box: Box) -> None:
    box.config = replace(box.config, outbox=replace(box.config.outbox, max_reply_age_days=0))
    box.deliver(mails.build_mail("samordnare@mora.se", "Lägesbild augusti", "Hej",
                                 [("mora.docx", docx("Mora", Period(2024, 8)), DOCX)]), at("2024-08-28T10:00"))
    assert box.poll("2026-10-31T11:00") == {"stored": 1}
    assert [k for k, _ in box.outbox()] == ["receipt"]


@pytest.mark.parametrize(
    ("raw", "outcome", "reply_kinds"),
    [
        (lambda: mails.build_mail("x@ludvlka.se", "Lägesbild", "Hej", [("l.docx", docx("Ludvika"), DOCX)]),
         "quarantined", ["quarantine_notice"]),
        (lambda: mails.build_mail("someone@example.org", "Lägesbild", "Hej", [("l.docx", docx("Mora"), DOCX)]),
         "quarantined", ["quarantine_notice"]),
        (lambda: mails.build_mail("samordnare@ludvika.se", "Lägesbild", "Hej", [("m.docx", docx("Mora"), DOCX)]),
         "quarantined", ["quarantine_notice"]),
        (lambda: mails.out_of_office("samordnare@mora.se"), "ignored", []),
        (lambda: mails.out_of_office("samordnare@mora.se", style="subject_only"), "ignored", []),
        (lambda: mails.bounce(mails.build_mail("lagesbild@lansstyrelsen-dalarna.example", "Påminnelse", "x")),
         "ignored", []),
        (lambda: mails.build_mail("samordnare@orsa.se", "Lägesbild", "Hej", [("t.docx", b"PK\x03\x04trasig", DOCX)]),
         "rejected", ["error_reply"]),
        (lambda: mails.build_mail("samordnare@orsa.se", "Lägesbild", "Hej, glömde bilagan!"), "rejected",
         ["error_reply"]),
    ],
)
def test_each_kind_of_message_gets_its_outcome(box: Box, raw: object, outcome: str, reply_kinds: list[str]) -> None:
    box.deliver(raw(), at("2026-10-29T10:00"))  # type: ignore[operator]
    assert box.poll("2026-10-29T11:00") == {outcome: 1}
    assert sorted(k for k, _ in box.outbox()) == reply_kinds
    assert export_period(box.engine, box.config, OCT) == []


def test_error_reply_attaches_the_blank_form_and_threads(box: Box) -> None:
    box.deliver(mails.build_mail("samordnare@orsa.se", "Lägesbild okt", "Hej",
                                 [("t.docx", b"PK\x03\x04trasig", DOCX)], message_id="<err@orsa.se>"))
    box.poll("2026-10-29T11:00")
    [(_, reply)] = box.outbox()
    assert reply["In-Reply-To"] == "<err@orsa.se>"
    names = [p.get_filename() for p in reply.iter_attachments()]
    assert any(n and n.endswith(".docx") for n in names)
    assert "t.docx" in plain_text(reply)


@pytest.mark.parametrize(
    "build",
    [
        lambda: mails.forward(mails.build_mail("kollega@mora.se", "Lägesbild", "x", [("m.docx", docx("Mora"), DOCX)]),
                              "samordnare@mora.se"),
        lambda: mails.winmail("samordnare@mora.se", "Lägesbild", [("Lägesbild Mora.docx", docx("Mora"))]),
        lambda: mails.latin1_mail("samordnare@mora.se", "Lägesbild för oktober", "Hej, här är rapporten.",
                                  [("Lägesbild Mora.docx", docx("Mora"), DOCX)]),
        lambda: mails.with_signature_logo("samordnare@mora.se", "Lägesbild", "Hej",
                                          [("Lägesbild Mora.docx", docx("Mora"), DOCX)]),
        lambda: mails.body_only_form("samordnare@mora.se", "Mora", 2026, 10),
        lambda: mails.reply_chain("samordnare@mora.se", "Här kommer den!", [("Mora.docx", docx("Mora"), DOCX)]),
        lambda: mails.build_mail("samordnare@mora.se", "Lägesbild", "Hej", [("Mora.docx", docx("Mora"), DOCX)],
                                 client="gmail", filename_encoding="encoded-word"),
        lambda: mails.build_mail("samordnare@mora.se", "Lägesbild", "Hej", [("Mora.docx", docx("Mora"), DOCX)],
                                 client="apple"),
    ],
)
def test_forms_arrive_in_every_shape(box: Box, build: object) -> None:
    box.deliver(build(), at("2026-10-29T10:00"))  # type: ignore[operator]
    assert box.poll("2026-10-29T11:00") == {"stored": 1}
    [entry] = export_period(box.engine, box.config, OCT)
    assert entry["municipality"] == "Mora"


def test_the_same_form_twice_in_one_mail_is_one_submission(box: Box) -> None:
    data = docx("Gagnef")
    box.deliver(mails.build_mail("samordnare@gagnef.se", "Lägesbild", "Hej",
                                 [("Lägesbild.docx", data, DOCX), ("Lägesbild kopia.docx", data, DOCX)]))
    assert box.poll("2026-10-29T11:00") == {"stored": 1}
    assert len(export_period(box.engine, box.config, OCT)) == 1
    assert [k for k, _ in box.outbox()] == ["receipt"]


def test_a_joint_report_files_one_submission_per_municipality(box: Box) -> None:
    box.deliver(mails.build_mail("samordnare@mora.se", "Lägesbild Mora och Orsa", "Hej",
                                 [("Mora.docx", docx("Mora"), DOCX), ("Orsa.docx", docx("Orsa"), DOCX)]))
    assert box.poll("2026-10-29T11:00") == {"stored": 1}
    assert [e["municipality"] for e in export_period(box.engine, box.config, OCT)] == ["Mora", "Orsa"]
    [(kind, receipt)] = box.outbox()  # one receipt lists every form (issue 14, item 1)
    assert (kind, str(receipt["Subject"])) == ("receipt", "Kvittens: 2 lägesbilder – Mora oktober 2026, "
                                                "Orsa oktober 2026")
    text = plain_text(receipt)
    assert text.count("Registrerad.") == 2 and "Mora.docx" in text and "Orsa.docx" in text


def test_a_joint_mail_with_a_neighbour_not_allowed_files_the_senders_own_and_holds_the_other(box: Box) -> None:
    """Issue 14, item 1: the sender's own form is stored; the neighbour's waits in quarantine; one receipt."""
    box.deliver(mails.build_mail("samordnare@ludvika.se", "Lägesbild Ludvika och Smedjebacken", "Hej",
                                 [("Ludvika.docx", docx("Ludvika"), DOCX),
                                  ("Smedjebacken.docx", docx("Smedjebacken"), DOCX)]), at("2026-10-29T10:00"))
    assert box.poll("2026-10-29T11:00") == {"quarantined": 1}
    assert [e["municipality"] for e in export_period(box.engine, box.config, OCT)] == ["Ludvika"]
    mail = dict(box.outbox())
    assert set(mail) == {"receipt", "quarantine_notice"}
    text = plain_text(mail["receipt"])
    assert "Registrerad." in text and "Hålls i karantän: avsändaren hör till Ludvika men formuläret gäller " \
        "Smedjebacken" in text
    assert "Smedjebacken oktober 2026 (i karantän)" in str(mail["receipt"]["Subject"])
    assert "Smedjebacken" in plain_text(mail["quarantine_notice"])
    assert status_for(box.engine, box.config, OCT, at("2026-10-29T12:00"))["quarantined"] == 1


def test_two_months_from_one_municipality_are_both_stored_with_one_receipt(box: Box) -> None:
    box.deliver(mails.build_mail("samordnare@leksand.se", "Lägesbild september och oktober", "Hej",
                                 [("sep.docx", docx("Leksand", Period(2026, 9)), DOCX),
                                  ("okt.docx", docx("Leksand", OCT), DOCX)]), at("2026-10-29T10:00"))
    assert box.poll("2026-10-29T11:00") == {"stored": 1}
    assert [e["municipality"] for e in export_period(box.engine, box.config, Period(2026, 9))] == ["Leksand"]
    assert [e["municipality"] for e in export_period(box.engine, box.config, OCT)] == ["Leksand"]
    [(kind, receipt)] = box.outbox()
    assert str(receipt["Subject"]) == "Kvittens: 2 lägesbilder – Leksand september 2026, Leksand oktober 2026"


def test_a_form_without_its_month_takes_it_from_the_subject_and_says_so(box: Box) -> None:
    data = without_month_line(docx("Säter", Period(2026, 9)))
    box.deliver(mails.build_mail("samordnare@sater.se", "Lägesbild september", "Hej",
                                 [("rapport.docx", data, DOCX)]), at("2026-10-05T10:00"))
    assert box.poll("2026-10-05T11:00") == {"stored": 1}
    [entry] = export_period(box.engine, box.config, Period(2026, 9))
    assert "period_inferred" in entry["flags"]
    [(_, receipt)] = box.outbox()
    assert "antagits" in plain_text(receipt)


def test_hostile_messages_do_not_stop_the_cycle(box: Box) -> None:
    box.deliver(mails.many_attachments(600))
    box.deliver(mails.deep_nesting(60))
    box.deliver(mails.broken_charset())
    box.deliver(mails.build_mail("samordnare@avesta.se", "Lägesbild", "Hej", [("a.docx", docx("Avesta"), DOCX)]))
    outcomes = box.poll("2026-10-29T11:00")
    assert sum(outcomes.values()) == 4
    assert "failed" not in outcomes
    assert [e["municipality"] for e in export_period(box.engine, box.config, OCT)] == ["Avesta"]


def test_a_second_cycle_does_nothing_again(box: Box) -> None:
    box.deliver(mails.build_mail("samordnare@leksand.se", "Lägesbild", "Hej", [("l.docx", docx("Leksand"), DOCX)]))
    assert box.poll("2026-10-29T11:00") == {"stored": 1}
    assert box.poll("2026-10-29T11:05") == {}
    assert len(box.outbox()) == 1


class FailingMove:
    """A real Maildir whose moves fail, as if the mailbox went away after the commit."""

    def __init__(self, inner: MailSource) -> None:
        self.inner = inner
        self.name = inner.name

    def __getattr__(self, attr: str) -> object:
        return getattr(self.inner, attr)

    def mark_done(self, ref: object, folder: Folder) -> None:
        from ground.errors import MailboxUnavailable

        raise MailboxUnavailable("the mailbox went away")

    def mark_done_many(self, moves: object) -> None:
        self.mark_done(None, Folder.PROCESSED)


def test_stored_but_not_moved_is_only_moved_next_time(box: Box) -> None:
    box.deliver(mails.build_mail("samordnare@hedemora.se", "Lägesbild", "Hej", [("h.docx", docx("Hedemora"), DOCX)]))
    report = poll_once(FailingMove(box.source()), box.engine, box.config, at("2026-10-29T11:00"),  # type: ignore[arg-type]
                       parse=in_process)  # type: ignore[arg-type]
    assert dict(report.outcomes) == {"stored": 1}
    assert list((box.maildir / "new").iterdir())  # still in the inbox
    report = poll_once(box.source(), box.engine, box.config, at("2026-10-29T11:05"), parse=in_process)  # type: ignore[arg-type]
    assert (dict(report.outcomes), report.moved_only) == ({}, 1)
    assert not list((box.maildir / "new").iterdir())
    assert len(export_period(box.engine, box.config, OCT)) == 1
    assert len(box.outbox()) == 1


def test_a_batch_stored_but_not_moved_is_only_moved_next_time(box: Box) -> None:
    for name in ("Hedemora", "Vansbro", "Orsa"):
        box.deliver(mails.build_mail(f"samordnare@{name.lower()}.se", "Lägesbild", "Hej",
                                     [(f"{name}.docx", docx(name), DOCX)]))
    report = poll_once(FailingMove(box.source()), box.engine, box.config, at("2026-10-29T11:00"),  # type: ignore[arg-type]
                       parse=in_process)  # type: ignore[arg-type]
    assert dict(report.outcomes) == {"stored": 3}
    assert len(list((box.maildir / "new").iterdir())) == 3  # all still in the inbox
    report = poll_once(box.source(), box.engine, box.config, at("2026-10-29T11:05"), parse=in_process)  # type: ignore[arg-type]
    assert (dict(report.outcomes), report.moved_only) == ({}, 3)
    assert not list((box.maildir / "new").iterdir())
    assert len(export_period(box.engine, box.config, OCT)) == 3
    assert len(box.outbox()) == 3


def test_a_failing_message_is_retried_then_parked_and_staff_told(box: Box, monkeypatch: pytest.MonkeyPatch) -> None:
    box.config = replace(box.config, mailbox=replace(box.config.mailbox, max_attempts=2))
    box.deliver(mails.build_mail("samordnare@vansbro.se", "Lägesbild", "Hej", [("v.docx", docx("Vansbro"), DOCX)]))

    def broken(*_: object) -> ParseResult:
        raise RuntimeError("parser broke")

    assert dict(poll_once(box.source(), box.engine, box.config, at("2026-10-29T11:00"), parse=broken).outcomes) == \
        {"failed": 1}
    # Not yet due for a retry: left alone.
    report = poll_once(box.source(), box.engine, box.config, at("2026-10-29T11:00"), parse=broken)
    assert (dict(report.outcomes), report.waiting) == ({}, 1)
    assert dict(poll_once(box.source(), box.engine, box.config, at("2026-10-29T13:00"), parse=broken).outcomes) == \
        {"failed": 1}
    assert list((box.maildir / ".L&AOQ-gesbild.Fel" / "cur").iterdir())  # parked, not deleted
    assert [k for k, _ in box.outbox()] == ["staff_notice"]
    with transaction(box.engine) as s:
        [(view, raw)] = list(repo.raw_messages(s))
    assert view.outcome == Outcome.FAILED and raw  # the bytes are kept


def test_status_counts_on_time_late_missing_and_quarantine(box: Box) -> None:
    box.deliver(mails.build_mail("samordnare@avesta.se", "L", "x", [("a.docx", docx("Avesta"), DOCX)]),
                at("2026-10-30T23:59"))
    box.deliver(mails.build_mail("samordnare@falun.se", "L", "x", [("f.docx", docx("Falun"), DOCX)]),
                at("2026-10-31T00:00"))
    box.deliver(mails.build_mail("x@example.org", "L", "x", [("f.docx", docx("Falun"), DOCX)]))
    box.poll("2026-11-02T09:00")
    status = status_for(box.engine, box.config, OCT, at("2026-11-02T09:00"))
    states = {m["name"]: m["state"] for m in status["municipalities"]}
    assert (states["Avesta"], states["Falun"], states["Mora"]) == ("on_time", "late", "missing")
    assert status["deadline"] == "2026-10-30"
    assert status["late"] == ["Falun"]
    assert len(status["missing"]) == 13
    assert status["quarantined"] == 1


def test_signals_go_to_other_missions_once_per_version_and_never_for_withheld_answers(box: Box) -> None:
    from dataclasses import replace as dc_replace

    box.config = dc_replace(box.config, signals=load_config(None).signals)
    answers = dict(sample_answers(FORM, "Borlänge", OCT))
    answers[5] = Answer(4, "Tydlig narkotikahandel vid resecentrum enligt polisen.")
    answers[6] = Answer(2, "Misstänkt prostitution, tips från boende på Storgatan 1, tel 070-123 45 67.")
    box.deliver(mails.build_mail("samordnare@borlange.se", "Lägesbild", "Hej",
                                 [("b.docx", docx("Borlänge", answers=answers), DOCX)]))
    assert box.poll("2026-10-29T11:00") == {"stored": 1}
    mail = box.outbox()
    signals = [m for k, m in mail if k == "signal"]
    assert [str(m["To"]) for m in signals] == ["andt@lansstyrelsen-dalarna.example"]
    assert "narkotikahandel" in plain_text(signals[0])
    # Question 6 holds a phone number: withheld, so the prostitution rule does not fire.
    [entry] = export_period(box.engine, box.config, OCT)
    assert "personal_data" in entry["flags"]
    [(_, receipt)] = [(k, m) for k, m in mail if k == "receipt"]
    assert "personuppgifter" in plain_text(receipt)
    assert "070-123 45 67" not in plain_text(receipt)
