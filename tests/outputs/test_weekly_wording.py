"""A weekly form's mail says weeks, and the hour of its deadline: the reminders name the day and time
("senast tisdag 20 oktober kl. 16.00"), the compilation and the leadership digest (text, HTML and the
charts' alt texts) say "vecka"/"veckan" where a monthly county's say "månad"; a signal names the week.
Monthly mail is unchanged."""

from __future__ import annotations

import re
from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest

from flow.calendar import deadline
from outputs.digest import build_digest
from outputs.notices import CompilationSummary, build_compilation, build_reminder, build_signal_notice
from outputs.picture import CountyPicture, MonthReport, MonthState
from outputs.replies import ReplyContext
from parsers.form import builtin_form_path, default_form, load_form
from parsers.result import Answer, Period

EST = load_form(builtin_form_path("est-veckochecklista"))  # type: ignore[arg-type]
TZ = ZoneInfo("Europe/Stockholm")
CTX = ReplyContext(county_name="Örebro län", sender_name="Länsstyrelsen Örebro – Lägesbild",
                   mailbox_address="lagesbild@lansstyrelsen-orebro.example", form=EST)
W43 = Period.iso_week(2026, 43)  # 19–25 October 2026; due Tuesday 20 October 16:00
OCT = Period(2026, 10)  # due Friday 30 October


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return " ".join(part.get_content().split())  # one line: the template wraps where it likes


def _weekly_reminder(stage: str, now: datetime) -> EmailMessage:
    return build_reminder(CTX, to=["samordnare@kumla.se"], municipality="Kumla", period=W43, stage=stage,
                          deadline=deadline(W43, EST.deadline), blank_form=("blankett.docx", b"x"), now=now,
                          tz=TZ, due_at=EST.deadline.at)


def test_the_est_form_is_due_tuesday_at_four() -> None:
    assert deadline(W43, EST.deadline).isoformat() == "2026-10-20"
    assert EST.deadline.at is not None and f"{EST.deadline.at:%H:%M}" == "16:00"


@pytest.mark.parametrize(("stage", "now", "subject", "said"), [
    ("before_deadline", datetime(2026, 10, 19, 8, tzinfo=TZ),
     "Påminnelse: lägesbild vecka 43 2026, Kumla – senast tisdag 20 oktober kl. 16.00",
     "Skicka den senast tisdag 20 oktober kl. 16.00."),
    ("deadline_day", datetime(2026, 10, 20, 8, tzinfo=TZ),
     "Sista dagen idag: lägesbild vecka 43 2026, Kumla – senast kl. 16.00",
     "Idag, tisdag 20 oktober, är sista dagen att skicka lägesbilden för vecka 43 2026 från Kumla, "
     "senast kl. 16.00. Vi har inte fått den ännu."),
    ("after_deadline", datetime(2026, 10, 21, 8, tzinfo=TZ),
     "Vi saknar lägesbilden för vecka 43 2026, Kumla",
     "Sista dagen var tisdag 20 oktober, senast kl. 16.00."),
])
def test_a_weekly_reminder_names_the_day_and_the_hour(stage: str, now: datetime, subject: str, said: str) -> None:
    msg = _weekly_reminder(stage, now)
    body = _body(msg)
    assert str(msg["Subject"]) == subject
    assert said in body, body
    assert "Kommun och vecka är redan ifyllda" in body
    assert "månad" not in body.lower(), body


def test_a_monthly_reminder_is_unchanged() -> None:
    msg = build_reminder(CTX, to=["samordnare@orsa.se"], municipality="Orsa", period=OCT, stage="before_deadline",
                         deadline=deadline(OCT), blank_form=("blankett.docx", b"x"),
                         now=datetime(2026, 10, 27, 8, tzinfo=TZ), tz=TZ)
    body = _body(msg)
    assert str(msg["Subject"]) == "Påminnelse: lägesbild oktober 2026, Orsa – senast fredag 30 oktober"
    assert "Skicka den senast fredag 30 oktober." in body and "kl." not in body
    assert "Kommun och månad är redan ifyllda" in body


def _compilation(period: Period, due: str, now: datetime, weekly: bool) -> str:
    summary = CompilationSummary(datetime.fromisoformat(due).date(), 6, 4, 3, held=("Kumla",), pending=("Nora",))
    msg = build_compilation(CTX, to=["handlaggare@lansstyrelsen-orebro.example"], period=period, summary=summary,
                            workbook=None, now=now, tz=TZ, due_at=EST.deadline.at if weekly else None)
    return _body(msg)


def test_a_weekly_compilation_says_the_hour_and_the_weekly_digest() -> None:
    body = _compilation(W43, "2026-10-20", datetime(2026, 10, 20, 16, 5, tzinfo=TZ), weekly=True)
    assert "Här är sammanställningen av lägesbilden för vecka 43 2026. Idag, tisdag 20 oktober, är sista dagen, " \
           "senast kl. 16.00." in body, body
    assert "arbetsboken, veckosammanställningen till ledningen eller signalerna" in body
    assert "månad" not in body.lower(), body
    later = _compilation(W43, "2026-10-20", datetime(2026, 10, 22, 9, tzinfo=TZ), weekly=True)
    assert "Sista dagen var tisdag 20 oktober, senast kl. 16.00." in later
    monthly = _compilation(OCT, "2026-10-30", datetime(2026, 10, 30, 16, 5, tzinfo=TZ), weekly=False)
    assert "Idag, fredag 30 oktober, är sista dagen." in monthly
    assert "arbetsboken, månadsrapporten till ledningen eller signalerna" in monthly


def _weekly_picture() -> CountyPicture:
    at = datetime(2026, 10, 19, 9, tzinfo=TZ)
    answers = {q.number: Answer(2 if q.impact else None, "Oro kring skolan.") for q in EST.questions}
    reports = {("Kumla", 43): MonthReport("Kumla", W43, MonthState.ON_TIME, answers, received_at=at, latest_at=at,
                                          version=1),
               ("Nora", 43): MonthReport("Nora", W43, MonthState.MISSING)}
    return CountyPicture("Örebro län", "18", 2026, EST, ("Kumla", "Nora"), (), reports)


def test_the_weekly_digest_and_its_alt_texts_say_weeks() -> None:
    digest = build_digest(_weekly_picture(), W43)
    text = " ".join(digest.text.split())
    assert "Veckosammanställning för länsledningen" in text
    assert "Veckosammanställning för länsledningen" in digest.html
    alts = re.findall(r'alt="([^"]*)"', digest.html)
    assert alts and all("den enda veckan med svar" in a for a in alts), alts
    # "Månaden hittills" is the month's summary of the weekly reports: the one place a month is meant.
    assert [w for w in re.findall(r"\w*månad\w*", (text + digest.html + " ".join(alts)).lower())
            if w != "månaden"] == []
    assert text.lower().count("månaden") == 1 and "MÅNADEN HITTILLS, OKTOBER 2026" in text


def test_the_monthly_digest_still_says_months() -> None:
    form = default_form()
    at = datetime(2026, 10, 20, 9, tzinfo=TZ)
    answers = {q.number: Answer(2 if q.impact else None, "") for q in form.questions}
    picture = CountyPicture("Dalarnas län", "20", 2026, form, ("Orsa",), (),
                            {("Orsa", 10): MonthReport("Orsa", OCT, MonthState.ON_TIME, answers, received_at=at,
                                                       latest_at=at, version=1)})
    digest = build_digest(picture, OCT)
    assert "Månadssammanställning för länsledningen" in digest.text
    alts = re.findall(r'alt="([^"]*)"', digest.html)
    assert alts and all("den enda månaden med svar" in a for a in alts), alts


@pytest.mark.parametrize(("period", "said", "label"),
                         [(W43, "vecka 43 2026", "Vecka:"), (OCT, "oktober 2026", "Månad:")])
def test_a_signal_names_the_week_or_the_month(period: Period, said: str, label: str) -> None:
    msg = build_signal_notice(CTX, to=["andt@lansstyrelsen-orebro.example"], rule_name="Narkotika",
                              municipality="Kumla", period=period, question_label="Fråga 5 Narkotika",
                              level_name="Viss oro", excerpt="Langning vid skolan.",
                              now=datetime(2026, 10, 21, 9, tzinfo=TZ))
    assert str(msg["Subject"]) == f"Signal från lägesbilden: Narkotika – Kumla, {said}"
    body = _body(msg)
    assert f"Lägesbilden för {said} från Kumla" in body and f"{label} {said}" in body
    assert ("vecka" in body.lower()) == period.is_week  # a month's signal never says week, nor the reverse
