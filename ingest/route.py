"""Deciding who a message is from and which month it reports on. Pure functions.

The municipality comes from the sender (addresses and domains configured per
municipality) and is checked against what the form says. A sender whose
domain merely resembles a municipality's (ludvlka.se, ludvika-kommun.se,
ludvika.com, xn--…) is a lookalike and goes to quarantine, as does an unknown
sender.

The period comes from the form, else from the subject or body ("oktober"),
else from the day the mailbox received the message: on days 1–15 of a month
the report is taken to be for the previous month (reports are due at the end
of the month and often arrive in the first days of the next), from the 16th
on for the current month. Every inferred period is said so in the receipt.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from parsers.normalize import fold
from parsers.period import read_period
from parsers.result import Cadence, Period
from parsers.week import read_week

#: Day of the month up to which a message is taken to report on the previous month.
PREVIOUS_MONTH_UNTIL_DAY = 15


class SenderKind(enum.StrEnum):
    ADDRESS = "address"  # an address configured for the municipality
    DOMAIN = "domain"  # the municipality's domain or a subdomain of it
    LOOKALIKE = "lookalike"  # resembles a municipality's domain: quarantine
    UNKNOWN = "unknown"  # nobody we know: quarantine


@dataclass(frozen=True, slots=True)
class SenderRule:
    """Who may send for a municipality (from the configuration)."""

    municipality: str
    domains: tuple[str, ...]
    addresses: tuple[str, ...]
    submits_for: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SenderMatch:
    municipality: str | None
    kind: SenderKind
    detail: str = ""

    @property
    def trusted(self) -> bool:
        return self.kind in (SenderKind.ADDRESS, SenderKind.DOMAIN)


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().lower().rstrip(".") if "@" in address else ""


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


_HOMOGLYPHS = str.maketrans({"0": "o", "1": "l", "3": "e", "5": "s", "|": "l", "!": "l"})


def _skeleton(label: str) -> str:
    """What a domain label looks like to a reader: "rn" as "m", digits as letters."""
    return fold(label).translate(_HOMOGLYPHS).replace("rn", "m").replace("vv", "w").replace("-", "")


def _looks_like(domain: str, known: str) -> bool:
    """Does `domain` imitate `known` (e.g. ludvlka.se, ludvika.com, ludvika-kommun.se)?"""
    if domain == known or domain.endswith("." + known):
        return False
    if domain.startswith("xn--") or ".xn--" in domain:
        return True  # internationalised names are not used by any municipality we serve
    if known in domain:
        return True  # mora.se.evil.example, ludvika.se-mail.com
    name, _, tld = domain.rpartition(".")
    known_name, _, known_tld = known.rpartition(".")
    base = name.rsplit(".", 1)[-1]
    if not base:
        return False
    if _skeleton(base) == _skeleton(known_name):
        return True  # same name, other TLD or homoglyphs
    if known_name in base and len(base) - len(known_name) <= 8:
        return True  # ludvika-kommun.se, ludvikakommun.se
    return len(known_name) >= 4 and _edit_distance(base, known_name) <= (1 if len(known_name) < 7 else 2)


def match_sender(sender: str, rules: tuple[SenderRule, ...]) -> SenderMatch:
    """The municipality a sender address belongs to, or why it belongs to none."""
    address = sender.strip().lower()
    domain = _domain(address)
    if not domain:
        return SenderMatch(None, SenderKind.UNKNOWN, "avsändaren saknar e-postadress")
    for rule in rules:
        if address in rule.addresses:
            return SenderMatch(rule.municipality, SenderKind.ADDRESS)
    for rule in rules:
        for d in rule.domains:
            if domain == d or domain.endswith("." + d):
                return SenderMatch(rule.municipality, SenderKind.DOMAIN)
    for rule in rules:
        for d in rule.domains:
            if _looks_like(domain, d):
                return SenderMatch(None, SenderKind.LOOKALIKE,
                                   f"domänen {domain} liknar {rule.municipality}s domän {d}")
    return SenderMatch(None, SenderKind.UNKNOWN, f"avsändaren {address} hör inte till någon kommun i länet")


def may_submit_for(sender_municipality: str, form_municipality: str, rules: tuple[SenderRule, ...]) -> bool:
    """A sender may report for its own municipality, and for those it is configured to report for."""
    if sender_municipality == form_municipality:
        return True
    for rule in rules:
        if rule.municipality == sender_municipality:
            return form_municipality in rule.submits_for
    return False


@dataclass(frozen=True, slots=True)
class PeriodChoice:
    """The period a submission is filed under, and how it was found."""

    period: Period
    source: str  # "form", "form month + received date", "subject", "body", "received date"
    doubt: str = ""  # why the period is doubtful (Swedish, for the receipt and staff); "" when it is not

    @property
    def inferred(self) -> bool:
        return self.source != "form"


# A report arrives in its month or in the months after it. One for a month
# that had not begun when it arrived, or for one long past, is kept as the
# form says and flagged: the form's month and the mail's date are two
# independent statements, and they disagree.
_MONTHS_LATE = 3


#: A weekly report arrives in its week or in the weeks after it.
_WEEKS_LATE = 8


def period_doubt(period: Period, received: datetime, tz: ZoneInfo) -> str:
    """Why `period` is doubtful for a message received at `received`, or "" when it is not."""
    local = received.astimezone(tz)
    if period.is_week:
        weeks = (local.date() - period.first_day).days // 7
        if weeks < 0:
            return (f"Formuläret gäller {period}, en vecka som inte hade börjat när meddelandet kom "
                    f"({local:%Y-%m-%d}); kontrollera veckan.")
        if weeks > _WEEKS_LATE:
            return (f"Formuläret gäller {period}, {weeks} veckor före meddelandet ({local:%Y-%m-%d}); "
                    "kontrollera veckan.")
        return ""
    months = (local.year * 12 + local.month) - (period.year * 12 + period.month)
    if months < 0:
        return (f"Formuläret gäller {period}, en månad som inte hade börjat när meddelandet kom "
                f"({local:%Y-%m-%d}); kontrollera månaden.")
    if months > _MONTHS_LATE:
        return (f"Formuläret gäller {period}, {months} månader före meddelandet ({local:%Y-%m-%d}); "
                "kontrollera månaden.")
    return ""


def _year_for_month(month: int, received: datetime) -> Period:
    """The latest `month` that is not after the received month (a report is never for the future)."""
    year = received.year if month <= received.month else received.year - 1
    return Period(year, month)


def received_period(received: datetime, tz: ZoneInfo) -> Period:
    """The documented rule: days 1–15 report on the previous month, later days on the current one."""
    local = received.astimezone(tz)
    current = Period(local.year, local.month)
    return current.previous() if local.day <= PREVIOUS_MONTH_UNTIL_DAY else current


def choose_period(form_period: Period | None, form_month: int | None, subject: str, body: str,
                  received: datetime, tz: ZoneInfo, cadence: Cadence = Cadence.MONTH) -> PeriodChoice:
    """The form's period, else the form's month with the year from the received date,
    else the subject, else the body, else the received-date rule. For a weekly form
    (`cadence` WEEK): the form's week, else a week with its year in the subject or the
    body ("Checklista vecka 43 2026"), else the week the message was received in."""
    if cadence is Cadence.WEEK:
        return _choose_week(form_period, subject, body, received, tz)
    if form_period is not None:
        doubt = period_doubt(form_period, received, tz) or _subject_doubt(form_period, subject)
        return PeriodChoice(form_period, "form", doubt)
    local = received.astimezone(tz)
    if form_month is not None:
        return PeriodChoice(_year_for_month(form_month, local), "form month + received date")
    for source, text in (("subject", _strip_reply_prefix(subject)), ("body", body[:2000])):
        reading = read_period(text) if source == "subject" else _body_period(text)
        if reading is None:
            continue
        if reading.period is not None:
            return PeriodChoice(reading.period, source)
        if reading.month_only is not None:
            return PeriodChoice(_year_for_month(reading.month_only, local), source)
    return PeriodChoice(received_period(received, tz), "received date")


def _choose_week(form_period: Period | None, subject: str, body: str, received: datetime,
                 tz: ZoneInfo) -> PeriodChoice:
    if form_period is not None and form_period.is_week:
        doubt = period_doubt(form_period, received, tz)
        named = read_week(_strip_reply_prefix(subject)).period
        if not doubt and named is not None and named != form_period:
            doubt = (f"Formuläret gäller {form_period} men ämnesraden säger \"{subject.strip()[:60]}\"; "
                     "kontrollera veckan.")
        return PeriodChoice(form_period, "form", doubt)
    for source, text in (("subject", _strip_reply_prefix(subject)), ("body", body[:2000])):
        lines = [text] if source == "subject" else [ln for ln in text.splitlines() if not ln.lstrip().startswith(">")]
        for line in lines:
            reading = read_week(line)
            if reading.period is not None:
                return PeriodChoice(reading.period, source)
    return PeriodChoice(Period.containing(received.astimezone(tz).date(), Cadence.WEEK), "received date")


def _subject_doubt(period: Period, subject: str) -> str:
    """The subject names another month than the form ("Lägesbild september" over an October form)."""
    reading = read_period(_strip_reply_prefix(subject))
    other = reading.period.month if reading.period else reading.month_only
    if reading.period and reading.period != period or other and other != period.month:
        return (f"Formuläret gäller {period} men ämnesraden säger \"{subject.strip()[:60]}\"; "
                "kontrollera månaden.")
    return ""


def _body_period(body: str):  # type: ignore[no-untyped-def]
    """A month named near the word "lägesbild" or "rapport" in the body, if any."""
    for line in body.splitlines():
        folded = fold(line)
        if line.lstrip().startswith(">"):
            continue  # quoted text of an earlier mail (a reminder names its own month)
        if re.search(r"lagesbild|rapport|manad|avser", folded):
            reading = read_period(line)
            if reading.period or reading.month_only:
                return reading
    return None


def _strip_reply_prefix(subject: str) -> str:
    """ "SV: Påminnelse: lägesbild oktober" is about October; the prefixes are noise."""
    return re.sub(r"^\s*((sv|re|vb|fw|fwd|vs|aw)\s*:\s*)+", "", subject, flags=re.IGNORECASE)
