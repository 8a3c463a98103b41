"""Who sent a message, and which month it reports on."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ingest.route import (
    SenderKind,
    SenderRule,
    choose_period,
    match_sender,
    may_submit_for,
    received_period,
)
from parsers.result import Period

TZ = ZoneInfo("Europe/Stockholm")
RULES = (
    SenderRule("Ludvika", ("ludvika.se",), ("anna.privat@gmail.com",)),
    SenderRule("Malung-Sälen", ("malung-salen.se",), ()),
    SenderRule("Sunne", ("sunne.se",), (), submits_for=("Torsby", "Hagfors", "Munkfors")),
    SenderRule("Mora", ("mora.se",), ()),
)


@pytest.mark.parametrize(
    ("sender", "municipality", "kind"),
    [
        ("samordnare@ludvika.se", "Ludvika", SenderKind.DOMAIN),
        ("Samordnare@LUDVIKA.SE", "Ludvika", SenderKind.DOMAIN),
        ("x@soc.ludvika.se", "Ludvika", SenderKind.DOMAIN),
        ("anna.privat@gmail.com", "Ludvika", SenderKind.ADDRESS),
        ("x@malung-salen.se", "Malung-Sälen", SenderKind.DOMAIN),
    ],
)
def test_known_senders(sender: str, municipality: str, kind: SenderKind) -> None:
    match = match_sender(sender, RULES)
    assert (match.municipality, match.kind) == (municipality, kind)
    assert match.trusted


@pytest.mark.parametrize(
    "sender",
    ["x@ludvlka.se", "x@ludvika.com", "x@ludvika-kommun.se", "x@1udvika.se", "x@xn--ludvik-5ya.se",
     "x@malung-salen.nu", "x@malungsalen.se", "x@mora.se.evil.example", "x@morra.se"],
)
def test_lookalike_domains_are_caught(sender: str) -> None:
    match = match_sender(sender, RULES)
    assert match.municipality is None
    assert match.kind is SenderKind.LOOKALIKE, match


@pytest.mark.parametrize("sender", ["someone@example.org", "", "not-an-address", "x@falun.se"])
def test_unknown_senders(sender: str) -> None:
    match = match_sender(sender, RULES)
    assert match.municipality is None
    assert match.kind is SenderKind.UNKNOWN
    assert not match.trusted


def test_who_may_submit_for_whom() -> None:
    assert may_submit_for("Ludvika", "Ludvika", RULES)
    assert not may_submit_for("Ludvika", "Mora", RULES)
    assert may_submit_for("Sunne", "Torsby", RULES)
    assert not may_submit_for("Torsby", "Sunne", RULES)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_the_form_period_wins() -> None:
    choice = choose_period(Period(2026, 9), None, "Lägesbild oktober", "", at("2026-11-02T09:00"), TZ)
    assert (choice.period, choice.inferred) == (Period(2026, 9), False)


@pytest.mark.parametrize(("period", "received", "doubtful"), [
    (Period(2026, 10), "2026-10-29T09:00", False),
    (Period(2026, 10), "2026-11-02T09:00", False),
    (Period(2026, 8), "2026-11-02T09:00", False),   # late, but within a few months
    (Period(2026, 6), "2026-11-02T09:00", True),    # five months before the mail
    (Period(2026, 12), "2026-11-02T09:00", True),   # a month that had not begun
    (Period(2099, 12), "2026-11-02T09:00", True),
])
def test_a_form_period_far_from_the_mails_date_is_kept_and_doubted(period: Period, received: str,
                                                                    doubtful: bool) -> None:
    choice = choose_period(period, None, "", "", at(received), TZ)
    assert (choice.period, choice.inferred) == (period, False)
    assert bool(choice.doubt) is doubtful
    assert not doubtful or str(period) in choice.doubt


def test_a_subject_naming_another_month_than_the_form_is_doubted() -> None:
    assert choose_period(Period(2026, 10), None, "SV: Lägesbild september", "", at("2026-10-29T09:00"), TZ).doubt
    assert not choose_period(Period(2026, 10), None, "Lägesbild oktober 2026", "", at("2026-10-29T09:00"), TZ).doubt
    assert not choose_period(Period(2026, 10), None, "Lägesbild", "", at("2026-10-29T09:00"), TZ).doubt


def test_a_month_without_year_takes_the_year_of_arrival() -> None:
    choice = choose_period(None, 12, "", "", at("2027-01-04T09:00"), TZ)
    assert choice.period == Period(2026, 12)
    assert choice.inferred
    assert choose_period(None, 10, "", "", at("2026-10-29T09:00"), TZ).period == Period(2026, 10)


def test_subject_then_body_then_received_date() -> None:
    assert choose_period(None, None, "SV: Påminnelse: lägesbild oktober 2026", "", at("2026-11-03T08:00"),
                         TZ).period == Period(2026, 10)
    body = "Hej!\nHär kommer lägesbilden för september.\n> Påminnelse om lägesbild för oktober"
    choice = choose_period(None, None, "Lägesbild", body, at("2026-10-20T08:00"), TZ)
    assert (choice.period, choice.source) == (Period(2026, 9), "body")
    fallback = choose_period(None, None, "Rapport", "Se bifogad fil.", at("2026-11-03T08:00"), TZ)
    assert (fallback.period, fallback.source) == (Period(2026, 10), "received date")


@pytest.mark.parametrize(
    ("received", "period"),
    [("2026-11-01T00:30", "2026-10"), ("2026-11-15T23:59", "2026-10"), ("2026-11-16T00:00", "2026-11"),
     ("2027-01-02T10:00", "2026-12"), ("2026-10-31T23:30", "2026-10")],
)
def test_received_date_rule(received: str, period: str) -> None:
    assert str(received_period(at(received), TZ)) == period
