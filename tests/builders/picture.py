"""Realistic `CountyPicture` values for tests: a county's year of monthly reports.

`make_picture()` simulates a year of reporting the way it really goes: most
municipalities report on time a few days before the deadline, some are late,
a few months are missing, some reports are corrected (version 2 or 3), a few
answers are held for a confidentiality review, and now and then a question is
left without a level. Levels drift slowly around each municipality's own
normal (mostly Normalt/Avvikande, now and then higher). Comments are short
Swedish texts of the kind coordinators write; nothing here is real or
personal data. Everything is derived from `seed`, so the same arguments give
the same picture.

Deadlines come from the real reporting calendar (`flow.calendar`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flow.calendar import deadline
from outputs.picture import CountyPicture, Group, MonthReport, MonthState
from parsers.form import FormSpec, default_form
from parsers.municipality import load_registry
from parsers.result import Answer, Period

TZ = ZoneInfo("Europe/Stockholm")

DALARNA: tuple[str, ...] = ("Avesta", "Borlänge", "Falun", "Gagnef", "Hedemora", "Leksand", "Ludvika",
                            "Malung-Sälen", "Mora", "Orsa", "Rättvik", "Smedjebacken", "Säter",
                            "Vansbro", "Älvdalen")
NORRA_DALARNA = Group("Norra Dalarna", ("Mora", "Orsa", "Älvdalen"))

# Comment pools per question: (calm, worrying). Generic places, nobody named.
_COMMENTS: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    1: (("Inga större ordningsstörningar. Enstaka skadegörelse på busshållplatser.",
         "Lugnt i centrum. Polisen rapporterar färre anmälda inbrott än förra månaden.",
         "Viss buskörning med mopeder kvällstid vid idrottsplatsen."),
        ("Flera bränder i containrar och papperskorgar i ett bostadsområde, bostadsbolaget har ökat ronderingen.",
         "Inbrottsvåg i fritidshus längs sjön; grannsamverkan har startats.",
         "Skadegörelse och klotter på skolor och återvinningsstationer, ökad otrygghet bland boende.")),
    2: (("Inga kända händelser utöver det vanliga.",
         "Polisen rapporterar ett par misshandelsfall i samband med helgens krogkvällar.",
         "Fortsatt arbete mot våld i nära relationer, inga nya trender."),
        ("Flera hot mot personal i socialtjänsten under månaden, polisanmälda.",
         "Ökat antal rån mot unga i centrum kvällstid.",
         "Knivvåld vid ett tillfälle på torget; polisen har ökad närvaro.")),
    3: (("Inga indikationer.",
         "Enstaka klistermärken med extrem symbolik har tagits bort av kommunen.",
         "Inget nytt att rapportera."),
        ("Propagandaspridning i form av flygblad i brevlådor i flera bostadsområden.",
         "Tecken på rekrytering av unga till kriminella nätverk, samverkan med polisen pågår.",
         "Klotter med hotfulla budskap riktade mot kommunen.")),
    4: (("Lugnt på skolorna.",
         "Fritidsgården rapporterar en lugn månad med många besökare.",
         "Enstaka bråk på skolgården som hanterats av skolan."),
        ("Oro på en högstadieskola efter hot i sociala medier; skolan har haft extra vuxennärvaro.",
         "Slagsmål mellan grupper av ungdomar vid fritidsgården, fältgruppen har förstärkts.",
         "Flera elever har uppmärksammats för narkotikapåverkan under skoltid.")),
    5: (("Inga nya trender.",
         "Tillsyn av serveringsställen genomförd utan anmärkning.",
         "Något ökad langning av alkohol till unga inför skolavslutningen."),
        ("Polisen ser ökad narkotikahandel via sociala medier riktad till unga.",
         "Beslag av narkotika i anslutning till skolor, samverkan med polisen har intensifierats.",
         "Ökat antal unga som vårdas för alkoholförgiftning efter helger.")),
    6: (("Inget övrigt att rapportera.",
         "Kommande marknad i centrum, samverkansmöte med polisen är bokat.",
         "Rykten i sociala medier om en händelse som visat sig vara felaktiga."),
        ("Hot mot förtroendevalda i samband med ett omdiskuterat beslut.",
         "Trakasserier mot personal på biblioteket vid flera tillfällen.",
         "Stort evenemang planeras; polisen bedömer risk för ordningsstörningar.")),
}
_POSITIVE = ("Nattvandringar har startat igen med god uppslutning.",
             "Ny samverkan mellan skola, socialtjänst och polis (SSPF) kom igång.",
             "Belysningen i gångtunneln vid stationen har förbättrats efter trygghetsvandring.",
             "Fritidsgården har utökat öppettiderna under lovet.",
             "Bostadsbolaget har anställt fler trygghetsvärdar.",
             "")
_BLANK_COMMENTS = ("Underlag från polisen saknas denna månad.", "")


def all_municipalities() -> tuple[str, ...]:
    """The names of Sweden's 290 municipalities (for scale tests)."""
    return tuple(m.name for m in load_registry().all())


def _at(day: date, rng: random.Random) -> datetime:
    """A moment in office hours on `day`, Stockholm time."""
    return datetime.combine(day, time(rng.randint(7, 16), rng.randint(0, 59), rng.randint(0, 59)), tzinfo=TZ)


def _answers(form: FormSpec, rng: random.Random, levels: dict[int, int],
             blank_share: float) -> dict[int, Answer]:
    answers: dict[int, Answer] = {}
    for q in form.questions:
        if not q.impact:
            answers[q.number] = Answer(None, rng.choice(_POSITIVE))
            continue
        if rng.random() < blank_share:
            answers[q.number] = Answer(None, rng.choice(_BLANK_COMMENTS))
            continue
        level = levels[q.number]
        calm, worrying = _COMMENTS.get(q.number, (("Inget att rapportera.",), ("Oro har rapporterats.",)))
        pool = calm if level <= 2 else worrying
        comment = "" if level == 1 and rng.random() < 0.3 else rng.choice(pool)
        answers[q.number] = Answer(level, comment)
    return answers


def _drift(rng: random.Random, level: int, normal: int, low: int, high: int) -> int:
    """Next month's level: mostly stays, leans back towards the municipality's normal."""
    step = rng.choices((-1, 0, 1), weights=(2 + (level > normal) * 3, 6, 2 + (level < normal)))[0]
    return max(low, min(high, level + step))


def make_picture(
    year: int = 2026,
    municipalities: Sequence[str] = DALARNA,
    seed: int = 0,
    through_month: int = 10,
    *,
    current_month: bool = True,
    groups: Sequence[Group] = (NORRA_DALARNA,),
    late_share: float = 0.12,
    missing_share: float = 0.05,
    correction_share: float = 0.1,
    withheld_share: float = 0.02,
    blank_share: float = 0.03,
    county_name: str = "Dalarnas län",
    county_code: str = "20",
    form: FormSpec | None = None,
) -> CountyPicture:
    """A simulated year of reporting, deterministic from `seed`.

    `through_month` is the last month whose deadline has passed (0 to 12).
    When `current_month` is true, the month after it is under way: about half
    the municipalities have reported (on time, before the deadline) and the
    rest are pending; later months are not due (absent from `reports`).
    Shares are per (municipality, month) for late, missing and corrected
    reports and per answer for withheld and blank answers. A withheld answer
    is as the picture carries it: impact and comment removed, the question
    in `withheld`, the report flagged `personal_data`.
    """
    form = form or default_form()
    rng = random.Random(seed)
    scale = form.scale
    impact_qs = [q.number for q in form.questions if q.impact]
    reports: dict[tuple[str, int], MonthReport] = {}
    last = min(through_month + (1 if current_month else 0), 12)
    for name in municipalities:
        normal = {q: rng.choices((1, 2, 3), weights=(6, 3, 1))[0] for q in impact_qs}
        levels = dict(normal)
        for month in range(1, last + 1):
            levels = {q: _drift(rng, levels[q], normal[q], scale.min, scale.max) for q in impact_qs}
            period = Period(year, month)
            due = deadline(period)
            closed = month <= through_month
            roll = rng.random()
            if closed and roll < missing_share:
                reports[(name, month)] = MonthReport(name, period, MonthState.MISSING)
                continue
            if not closed and roll < 0.5:
                reports[(name, month)] = MonthReport(name, period, MonthState.PENDING)
                continue
            late = closed and roll < missing_share + late_share
            if late:
                received = _at(due + timedelta(days=rng.randint(1, 15)), rng)
            else:
                received = _at(due - timedelta(days=rng.randint(3 if not closed else 0, 8)), rng)
            answers = _answers(form, rng, levels, blank_share)
            withheld = frozenset(q for q in impact_qs if rng.random() < withheld_share)
            for q in withheld:
                answers[q] = Answer(None, "")
            version, latest = 1, received
            if rng.random() < correction_share:
                version = rng.choice((2, 2, 3))
                latest = received + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 5))
            reports[(name, month)] = MonthReport(
                name, period, MonthState.LATE if late else MonthState.ON_TIME, answers,
                received_at=received, latest_at=latest, version=version,
                flags=("personal_data",) if withheld else (), withheld=withheld)
    return CountyPicture(
        county_name=county_name, county_code=county_code, year=year, form=form,
        municipalities=tuple(municipalities), groups=tuple(groups), reports=reports)
