"""Screening comments for personal data: identity numbers, addresses, phones, plates."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lagesbild.samples import _COMMENTS as SAMPLE_COMMENTS
from parsers.personal import (
    EMAIL,
    PERSONNUMMER,
    REGISTRERINGSNUMMER,
    SAMORDNINGSNUMMER,
    TELEFON,
    describe,
    find_personal_data,
    has_personal_data,
    luhn_check_digit,
    redact,
)
from tests.builders import INTRO, QUESTIONS
from tests.builders.cases import POOL
from tests.wild.cases import C2, C


def found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start:f.end]) for f in find_personal_data(text)]


def with_check(nine: str) -> str:
    return nine + str(luhn_check_digit(nine))


# --------------------------------------------------------------------------
# Identity numbers
# --------------------------------------------------------------------------


def test_luhn_check_digit_of_known_numbers() -> None:
    # Skatteverket's own examples: 811218-9876, 121212-1212; a samordningsnummer 701063-2391.
    assert luhn_check_digit("811218987") == 6
    assert luhn_check_digit("121212121") == 2
    assert luhn_check_digit("701063239") == 1


@pytest.mark.parametrize(
    ("text", "number", "masked"),
    [
        ("Anmälan gällde 811218-9876 i centrum.", "811218-9876", "XXXXXX-XXXX"),
        ("pnr 8112189876 enligt anmälan", "8112189876", "XXXXXXXXXX"),
        ("Personen (19811218-9876) är känd.", "19811218-9876", "19XXXXXX-XXXX"),
        ("Personen 198112189876 är känd.", "198112189876", "19XXXXXXXXXX"),
        ("En boende, 121212+1212, över hundra år.", "121212+1212", "XXXXXX+XXXX"),
        ("Ungdomen 20121212–1212 (tankstreck).", "20121212–1212", "20XXXXXX–XXXX"),
        ("med nummer 811218 9876", "811218 9876", "XXXXXX XXXX"),
    ],
)
def test_personnummer_in_every_written_form(text: str, number: str, masked: str) -> None:
    [finding] = find_personal_data(text)
    assert finding.kind == PERSONNUMMER
    assert text[finding.start:finding.end] == number
    assert finding.masked == masked
    assert not any(ch.isdigit() for ch in finding.masked.lstrip("12").lstrip("90"))


def test_samordningsnummer_has_sixty_added_to_the_day() -> None:
    assert found("Samordningsnummer 701063-2391 förekom.") == [(SAMORDNINGSNUMMER, "701063-2391")]
    # Day 91 - 60 = 31 in November does not exist.
    nine = "701191239"
    assert found(f"nr {with_check(nine)[:6]}-{with_check(nine)[6:]}") == []


@pytest.mark.parametrize(
    "text",
    [
        "811218-9875",  # wrong check digit
        "811318-9876",  # month 13
        "810230-1234",  # 30 February
        "556677-8899",  # an organisation number (month 66)
        "212000-2288",  # a municipality's organisation number
        "17811218-9876",  # no such century
        "Dnr 2026-1234",
        "Dnr 20261030-123",
        "2026-10-30",
    ],
)
def test_numbers_that_are_not_identity_numbers(text: str) -> None:
    assert [f for f in find_personal_data(text) if f.kind in (PERSONNUMMER, SAMORDNINGSNUMMER)] == []


def test_29_february_needs_a_leap_year_only_with_the_century_given() -> None:
    leap = with_check("000229123")  # 2000 was a leap year
    assert found(f"{leap[:6]}-{leap[6:]}") == [(PERSONNUMMER, f"{leap[:6]}-{leap[6:]}")]
    not_leap = with_check("010229123")
    assert found(f"20{not_leap[:6]}-{not_leap[6:]}") == []


def test_a_number_inside_a_longer_number_is_not_a_personnummer() -> None:
    assert [f.kind for f in find_personal_data("ärende 98112189876 och 8112189876123")] != [PERSONNUMMER]
    assert all(f.kind != PERSONNUMMER for f in find_personal_data("98112189876 8112189876123"))


@st.composite
def valid_identity(draw: st.DrawFn) -> tuple[str, str]:
    """(written number, kind) for a real-looking personnummer or samordningsnummer."""
    day = draw(st.dates(min_value=date(1890, 1, 1), max_value=date(2025, 12, 31)))
    samordning = draw(st.booleans())
    serial = draw(st.integers(0, 999))
    dd = day.day + (60 if samordning else 0)
    nine = f"{day.year % 100:02d}{day.month:02d}{dd:02d}{serial:03d}"
    ten = with_check(nine)
    style = draw(st.sampled_from(["short_dash", "short_plain", "long_dash", "long_plain", "plus"]))
    century = f"{day.year // 100}"
    written = {
        "short_dash": f"{ten[:6]}-{ten[6:]}",
        "short_plain": ten,
        "long_dash": f"{century}{ten[:6]}-{ten[6:]}",
        "long_plain": f"{century}{ten}",
        "plus": f"{ten[:6]}+{ten[6:]}",
    }[style]
    return written, SAMORDNINGSNUMMER if samordning else PERSONNUMMER


_PROSE = st.sampled_from([s for pool in SAMPLE_COMMENTS.values() for s in pool if s])
_GLUE = st.sampled_from([" ", ", ", " (", ": ", "\n", " pnr ", " personnummer: ", " – "])


@settings(max_examples=300, deadline=None)
@given(valid_identity(), _PROSE, _GLUE, _PROSE, st.sampled_from(["", ".", ")", ",", " och mer."]))
def test_generated_valid_identity_numbers_are_always_found(
    number: tuple[str, str], before: str, glue: str, after: str, end: str
) -> None:
    written, kind = number
    text = f"{before}{glue}{written}{end} {after}"
    start = len(before) + len(glue)
    matches = [f for f in find_personal_data(text) if (f.start, f.end) == (start, start + len(written))]
    assert [f.kind for f in matches] == [kind]
    assert written not in redact(text)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(1, 9),
       st.sampled_from(["", "-", "+"]), st.sampled_from(["", "19", "20"]), _PROSE)
def test_ten_digit_numbers_with_a_wrong_check_digit_are_never_identity_numbers(
    nine: str, offset: int, sep: str, century: str, prose: str
) -> None:
    wrong = (luhn_check_digit(nine) + offset) % 10
    ten = f"{nine}{wrong}"
    text = f"{prose} {century}{ten[:6]}{sep}{ten[6:]} {prose}"
    assert all(f.kind not in (PERSONNUMMER, SAMORDNINGSNUMMER) for f in find_personal_data(text))


# --------------------------------------------------------------------------
# E-mail, telephone, registration numbers
# --------------------------------------------------------------------------


def test_email_addresses_are_found_and_masked() -> None:
    text = "Kontakta anna.svensson@exempel.se eller Per_Olsson+x@mail.example.com."
    assert found(text) == [(EMAIL, "anna.svensson@exempel.se"), (EMAIL, "Per_Olsson+x@mail.example.com")]
    assert redact(text) == "Kontakta XXX@XXX eller XXX@XXX."


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Ring 070-123 45 67 vid behov.", "070-123 45 67"),
        ("mobil 0701234567", "0701234567"),
        ("nås på +46 70 123 45 67.", "+46 70 123 45 67"),
        ("nås på +46701234567.", "+46701234567"),
        ("nås på +46 (0)70-123 45 67", "+46 (0)70-123 45 67"),
        ("växel 08-123 456 78", "08-123 456 78"),
        ("växel 08-12 34 56", "08-12 34 56"),
        ("tel. (08) 123 45 67", "(08) 123 45 67"),
        ("tel 0243-123 45", "0243-123 45"),
        ("tel 023-123 45 67", "023-123 45 67"),
        ("tel 0046 8 123 45 67", "0046 8 123 45 67"),
        ("tel 076–123 45 67", "076–123 45 67"),
        ("ring 070-123 45 67 2026 igen", "070-123 45 67"),
    ],
)
def test_swedish_telephone_numbers(text: str, number: str) -> None:
    assert found(text) == [(TELEFON, number)]
    masked = find_personal_data(text)[0].masked
    assert not any(ch.isdigit() for ch in masked) and len(masked) == len(number)


@pytest.mark.parametrize(
    "text",
    [
        "Dnr 2026-1234", "Dnr 0123-456789", "ärende 070-1234567", "år 2026", "2026-10-30", "30/10/2026",
        "01-05-2026", "08-05-2026", "kl. 08.00–17.00", "kl 08:00", "08:00-17:00", "vecka 07 08 09 10 11",
        "050 000 kr", "0 123 456 kr", "0,5 promille", "12 500 kronor", "791 83 Falun", "13-15-årsåldern",
        "årskurs 7-9", "v. 42", "2 st 3 4 5", "org.nr 212000-2288", "1 2 3 4 5 6 7 8 9 0",
    ],
)
def test_years_dates_times_money_and_case_numbers_are_not_phones(text: str) -> None:
    assert find_personal_data(text) == []


def test_registration_numbers_only_where_the_text_says_so() -> None:
    assert found("En bil med reg.nr ABC 123 sågs.") == [(REGISTRERINGSNUMMER, "ABC 123")]
    assert found("registreringsnummer: XYZ12A") == [(REGISTRERINGSNUMMER, "XYZ12A")]
    assert found("bil med ABC 123 körde") == [(REGISTRERINGSNUMMER, "ABC 123")]
    assert found("Buskörning med EPA 123 och ABC 123 på torget") == []
    assert redact("bil med reg.nr ABC 123.") == "bil med reg.nr XXX XXX."


def test_an_identity_number_wins_over_a_phone_reading() -> None:
    ten = with_check("070123456")  # a valid personnummer that also looks like a mobile number
    assert found(f"uppgift {ten}") == [(PERSONNUMMER, ten)]


def test_several_kinds_in_one_comment_are_found_in_order_and_described_without_data() -> None:
    text = ("Hot mot en boende (811218-9876), anhörig nås på 070-123 45 67 eller "
            "anhorig@exempel.se. Bil med reg.nr ABC 123.")
    findings = find_personal_data(text)
    assert [f.kind for f in findings] == [PERSONNUMMER, TELEFON, EMAIL, REGISTRERINGSNUMMER]
    assert describe(findings) == "personnummer, telefonnummer, e-postadress, registreringsnummer"
    masked = redact(text)
    for secret in ("811218-9876", "070-123 45 67", "anhorig@exempel.se", "ABC 123"):
        assert secret not in masked
    assert masked.startswith("Hot mot en boende (XXXXXX-XXXX), anhörig nås på XXX-XXX XX XX eller XXX@XXX.")
    assert find_personal_data(masked) == [], "masked text holds nothing to find"


# --------------------------------------------------------------------------
# Ordinary report prose
# --------------------------------------------------------------------------

_ALL_PROSE: list[str] = [
    *(s for pool in SAMPLE_COMMENTS.values() for s in pool),
    *(p for options in POOL.values() for comment in options for p in comment),
    *(p for bank in (C, C2) for comment in bank.values() for p in comment),
    *INTRO,
    *(text for _, _, text in QUESTIONS),
]


@pytest.mark.parametrize("text", _ALL_PROSE)
def test_ordinary_report_prose_has_no_personal_data(text: str) -> None:
    assert find_personal_data(text) == []
    assert not has_personal_data(text)


_NUMBERS_IN_PROSE = st.sampled_from([
    "2026", "år 2025", "2026-10-30", "30 oktober 2026", "kl. 22", "kl. 08.30", "08:00–17:00", "Dnr 2026-1234",
    "Dnr 2026/123", "12 500 kr", "300 deltagare", "4 anmälningar", "13-15 år", "vecka 42", "2 st", "50 %",
    "791 83 Falun", "sedan 2019-2020", "3-4", "1–5", "Påverkan: 3",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_ALL_PROSE), _NUMBERS_IN_PROSE), min_size=1, max_size=8))
def test_prose_with_ordinary_numbers_has_no_findings(parts: list[str]) -> None:
    text = " ".join(parts)
    assert find_personal_data(text) == []


def test_dates_written_as_birth_dates_without_a_serial_are_fine() -> None:
    last = calendar.monthrange(2010, 6)[1]
    assert find_personal_data(f"född 2010-06-{last} och 100630") == []
