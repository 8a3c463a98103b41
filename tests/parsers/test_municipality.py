"""The municipality registry (parsers/data/kommuner.csv) and the resolver."""

from __future__ import annotations

import csv
from collections import Counter
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.municipality import (
    CSV_FIELDS,
    Municipality,
    Registry,
    Resolution,
    load_registry,
    parse_csv,
)
from parsers.normalize import squash, strip_accents

REG = load_registry()
ALL = REG.all()

COUNTIES = {
    "01": ("Stockholms län", 26),
    "03": ("Uppsala län", 8),
    "04": ("Södermanlands län", 9),
    "05": ("Östergötlands län", 13),
    "06": ("Jönköpings län", 13),
    "07": ("Kronobergs län", 8),
    "08": ("Kalmar län", 12),
    "09": ("Gotlands län", 1),
    "10": ("Blekinge län", 5),
    "12": ("Skåne län", 33),
    "13": ("Hallands län", 6),
    "14": ("Västra Götalands län", 49),
    "17": ("Värmlands län", 16),
    "18": ("Örebro län", 12),
    "19": ("Västmanlands län", 10),
    "20": ("Dalarnas län", 15),
    "21": ("Gävleborgs län", 10),
    "22": ("Västernorrlands län", 7),
    "23": ("Jämtlands län", 8),
    "24": ("Västerbottens län", 15),
    "25": ("Norrbottens län", 14),
}
# The municipalities that call themselves "stad".
STADER = {
    "Borås Stad", "Göteborgs Stad", "Haparanda stad", "Helsingborgs stad", "Landskrona stad",
    "Lidingö stad", "Malmö stad", "Mölndals stad", "Solna stad", "Stockholms stad",
    "Sundbybergs stad", "Trollhättans stad", "Vaxholms stad", "Västerås stad",
}  # fmt: skip
# Accent twins: the accent-free spelling of one is the other's name.
TWINS = {"Håbo": "Habo"}


def name(res: Resolution) -> str | None:
    return res.municipality.name if res.municipality else None


def names(ms: list[Municipality] | tuple[Municipality, ...]) -> list[str]:
    return [m.name for m in ms]


# -- the data file ----------------------------------------------------------


def csv_rows() -> list[dict[str, str]]:
    raw = resources.files("parsers").joinpath("data/kommuner.csv").read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n")
    return list(csv.DictReader(raw.decode("utf-8").splitlines()))


def test_csv_has_290_rows_with_the_expected_columns() -> None:
    rows = csv_rows()
    assert len(rows) == 290
    assert tuple(rows[0]) == CSV_FIELDS
    for row in rows:
        assert all(v == v.strip() and v for v in row.values()), row


def test_codes_names_and_official_names_are_unique() -> None:
    rows = csv_rows()
    for field in ("code", "name", "official_name"):
        dupes = [v for v, n in Counter(r[field] for r in rows).items() if n > 1]
        assert not dupes, field


def test_codes_are_four_digits_prefixed_by_the_county_and_sorted() -> None:
    codes = [m.code for m in ALL]
    assert codes == sorted(codes)
    for m in ALL:
        assert len(m.code) == 4 and m.code.isdigit(), m
        assert m.code[:2] == m.county_code, m


def test_21_counties_with_their_names_and_sizes() -> None:
    counties = {m.county_code: m.county for m in ALL}
    assert counties == {code: county for code, (county, _) in COUNTIES.items()}
    sizes = Counter(m.county_code for m in ALL)
    assert sizes == {code: size for code, (_, size) in COUNTIES.items()}
    assert sum(sizes.values()) == 290


@pytest.mark.parametrize(
    ("code", "short", "county_code", "official"),
    [
        ("2085", "Ludvika", "20", "Ludvika kommun"),
        ("2080", "Falun", "20", "Falu kommun"),
        ("2023", "Malung-Sälen", "20", "Malung-Sälens kommun"),
        ("0180", "Stockholm", "01", "Stockholms stad"),
        ("1480", "Göteborg", "14", "Göteborgs Stad"),
        ("1280", "Malmö", "12", "Malmö stad"),
        ("0980", "Gotland", "09", "Gotlands kommun"),
        ("0114", "Upplands Väsby", "01", "Upplands Väsby kommun"),
        ("0139", "Upplands-Bro", "01", "Upplands-Bro kommun"),
        ("0305", "Håbo", "03", "Håbo kommun"),
        ("0643", "Habo", "06", "Habo kommun"),
        ("0330", "Knivsta", "03", "Knivsta kommun"),
        ("1256", "Östra Göinge", "12", "Östra Göinge kommun"),
        ("1438", "Dals-Ed", "14", "Dals-Eds kommun"),
        ("1462", "Lilla Edet", "14", "Lilla Edets kommun"),
        ("1463", "Mark", "14", "Marks kommun"),
        ("1421", "Orust", "14", "Orust kommun"),
        ("2031", "Rättvik", "20", "Rättviks kommun"),
        ("2082", "Säter", "20", "Säters kommun"),
        ("2321", "Åre", "23", "Åre kommun"),
        ("2583", "Haparanda", "25", "Haparanda stad"),
        ("2584", "Kiruna", "25", "Kiruna kommun"),
    ],
)
def test_known_rows(code: str, short: str, county_code: str, official: str) -> None:
    m = REG.by_code(code)
    assert m is not None
    assert (m.name, m.county_code, m.official_name) == (short, county_code, official)
    assert m.county == COUNTIES[county_code][0]


def test_official_names_are_the_name_with_kommun_or_stad() -> None:
    assert {m.official_name for m in ALL if not m.official_name.endswith(" kommun")} == STADER
    for m in ALL:
        stem = m.official_name.rsplit(" ", 1)[0]
        assert stem in (m.name, m.name + "s") or (m.name, stem) == ("Falun", "Falu"), m


def test_dalarna_is_the_fifteen_in_the_domain_notes() -> None:
    assert sorted(names(REG.in_county("20"))) == sorted(
        ["Avesta", "Borlänge", "Falun", "Gagnef", "Hedemora", "Leksand", "Ludvika",
         "Malung-Sälen", "Mora", "Orsa", "Rättvik", "Smedjebacken", "Säter", "Vansbro",
         "Älvdalen"]
    )  # fmt: skip


# -- plain lookups ------------------------------------------------------------


def test_by_code_by_name_in_county() -> None:
    assert name_of(REG.by_code("2085")) == "Ludvika"
    assert name_of(REG.by_code("180")) == "Stockholm"  # Excel dropped the leading zero
    assert REG.by_code("9999") is None and REG.by_code("") is None
    assert name_of(REG.by_name("Malung-Sälen")) == "Malung-Sälen"
    assert REG.by_name("Malung-Sälens kommun") is None  # canonical names only
    assert REG.by_name("ludvika") is None
    assert len(REG.in_county("14")) == 49
    assert REG.in_county("9") == REG.in_county("09") and len(REG.in_county("9")) == 1
    assert REG.in_county("02") == ()


def name_of(m: Municipality | None) -> str | None:
    return m.name if m else None


def test_load_registry_is_cached() -> None:
    assert load_registry() is REG


def test_parse_csv_and_registry_reject_bad_data() -> None:
    with pytest.raises(ValueError, match="columns"):
        parse_csv("kod,namn\n2085,Ludvika\n")
    row = Municipality("2085", "Ludvika", "20", "Dalarnas län", "Ludvika kommun")
    with pytest.raises(ValueError, match="unique"):
        Registry([row, row])
    header = ",".join(CSV_FIELDS)
    small = Registry(parse_csv(header + "\n2085,Ludvika,20,Dalarnas län,Ludvika kommun\n"))
    assert name(small.resolve("Ludvika kommun")) == "Ludvika"
    assert small.resolve("Falun").municipality is None


# -- resolve: what people write ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Malung-Sälens kommun", "Malung-Sälen"),
        ("LUDVIKA", "Ludvika"),
        ("Borlange", "Borlänge"),
        ("Falu kommun", "Falun"),
        ("Falun", "Falun"),
        ("Falu", "Falun"),
        ("Ludvika kommun", "Ludvika"),
        ("Ludvika kommun, Socialförvaltningen", "Ludvika"),
        ("Socialförvaltningen, Ludvika kommun", "Ludvika"),
        ("Ludvika kommun – Individ- och familjeomsorgen", "Ludvika"),
        ("Ludvika.", "Ludvika"),
        ("  Ludvika  ", "Ludvika"),
        ("Ludvika 2026", "Ludvika"),
        ("Ludvika kommuns socialtjänst", "Ludvika"),
        ("Kommun: Mora", "Mora"),
        ("Göteborgs Stad", "Göteborg"),
        ("Göteborgs kommun", "Göteborg"),
        ("Stockholms stad", "Stockholm"),
        ("Stockholm stad", "Stockholm"),
        ("Region Gotland", "Gotland"),
        ("REGION GOTLAND", "Gotland"),
        ("Gotlands kommun", "Gotland"),
        ("Region Gotland, Socialförvaltningen", "Gotland"),
        ("Malung Sälen", "Malung-Sälen"),
        ("Malung-Salen", "Malung-Sälen"),
        ("malung salens kommun", "Malung-Sälen"),
        ("Malung–Sälen", "Malung-Sälen"),  # en dash
        ("Malung\u00a0Sälen", "Malung-Sälen"),  # non-breaking space
        ("Malung-Sa\u0308len", "Malung-Sälen"),  # decomposed ä (macOS)
        ("Lud\u00advika", "Ludvika"),  # soft hyphen
        ("Upplands-Väsby", "Upplands Väsby"),
        ("Upplands Vasby kommun", "Upplands Väsby"),
        ("Upplands-Bro", "Upplands-Bro"),
        ("Upplands Bro", "Upplands-Bro"),
        ("Säter", "Säter"),
        ("Säters kommun", "Säter"),
        ("Sater", "Säter"),
        ("Rättviks kommun", "Rättvik"),
        ("Rattvik", "Rättvik"),
        ("Orusts kommun", "Orust"),
        ("Ale", "Ale"),
        ("Ale kommun", "Ale"),
        ("Alingsås", "Alingsås"),
        ("Sala", "Sala"),
        ("Salem", "Salem"),
        ("Salems kommun", "Salem"),
        ("Mora", "Mora"),
        ("Morbylanga", "Mörbylånga"),
        ("Lund", "Lund"),
        ("Lunds kommun", "Lund"),
        ("Bjuvs kommun", "Bjuv"),
        ("Öckerö", "Öckerö"),
        ("Ockero", "Öckerö"),
        ("Åre", "Åre"),
        ("Are", "Åre"),
        ("vara", "Vara"),  # a field value is taken at its word, even a common word
        ("Lilla Edet", "Lilla Edet"),
        ("Dals Ed", "Dals-Ed"),
        ("Östra Göinge kommun", "Östra Göinge"),
    ],
)
def test_resolves_exactly(text: str, expected: str) -> None:
    res = REG.resolve(text)
    assert (name(res), res.exact, res.candidates) == (expected, True, ())


@pytest.mark.parametrize(
    "text",
    [
        "Länsstyrelsen", "", "   ", "Kommun", "kommunen", "Stad", "-", "12345", "2085",
        "Region Dalarna", "Region Stockholm", "Stockholms län", "Dalarnas län", "Gotlands län",
        "Länsstyrelsen i Dalarnas län", "Länsstyrelsen i Kalmar", "Socialförvaltningen",
        "Lägesbild oktober 2026", "Se bifogad fil",
    ],
)  # fmt: skip
def test_unknown_text_resolves_to_none(text: str) -> None:
    res = REG.resolve(text)
    assert res.municipality is None and res.exact is False


# -- accent twins: Habo (Jönköpings län) and Håbo (Uppsala län) -------------


def test_habo_and_habo_with_ring_stay_apart() -> None:
    assert name(REG.resolve("Habo")) == "Habo"
    assert name(REG.resolve("Håbo")) == "Håbo"
    assert name(REG.resolve("HÅBO KOMMUN")) == "Håbo"
    assert name(REG.resolve("habo kommun")) == "Habo"
    assert all(REG.resolve(t).exact for t in ("Habo", "Håbo", "HÅBO KOMMUN", "habo kommun"))


def test_unaccented_twin_in_the_other_county_is_flagged() -> None:
    res = REG.resolve("Habo", county_code="03")
    assert name(res) == "Håbo" and res.exact is False
    assert sorted(names(res.candidates)) == ["Habo", "Håbo"]
    # Written with the ring it is Håbo even in a Jönköping report; its own county is fine.
    assert (name(REG.resolve("Håbo", "06")), REG.resolve("Håbo", "06").exact) == ("Håbo", True)
    assert (name(REG.resolve("Habo", "06")), REG.resolve("Habo", "06").exact) == ("Habo", True)
    assert names(REG.find_in_text("Lägesbild Habo", "03")) == ["Håbo"]
    assert names(REG.find_in_text("Lägesbild Habo")) == ["Habo"]


def test_stray_accent_on_a_twin_is_ambiguous_unless_the_county_settles_it() -> None:
    res = REG.resolve("Hàbo")
    assert res.municipality is None and sorted(names(res.candidates)) == ["Habo", "Håbo"]
    res = REG.resolve("Hàbo", "06")
    assert (name(res), res.exact) == ("Habo", False)


# -- spelling tolerance ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ludvka", "Ludvika"),  # 7 letters, one missing
        ("Lduvika", "Ludvika"),  # swapped neighbours count as one typo
        ("Borlänga", "Borlänge"),
        ("Hedemor", "Hedemora"),
        ("Smedjebaken", "Smedjebacken"),  # 12 letters
        ("Smdjebaken", "Smedjebacken"),  # two typos allowed from 9 letters
        ("Ludvik kommun, Socialförvaltningen", "Ludvika"),
        ("Malung", "Malung-Sälen"),  # the former name, taken but flagged
        ("Sälen", "Malung-Sälen"),
    ],
)
def test_near_spellings_resolve_but_are_flagged(text: str, expected: str) -> None:
    res = REG.resolve(text)
    assert (name(res), res.exact) == (expected, False)
    assert names(res.candidates) == [expected]


def test_short_names_get_no_tolerance_but_are_offered() -> None:
    res = REG.resolve("Mor")  # Mora has 4 letters
    assert res.municipality is None and "Mora" in names(res.candidates)
    res = REG.resolve("Lduvka")  # two typos on a 7-letter name
    assert res.municipality is None and names(res.candidates)[0] == "Ludvika"


def test_a_typo_close_to_two_names_is_ambiguous_and_the_county_breaks_the_tie() -> None:
    res = REG.resolve("Karlskorg")
    assert res.municipality is None
    assert sorted(names(res.candidates)) == ["Karlsborg", "Karlskoga"]
    assert (name(REG.resolve("Karlskorg", "14")), REG.resolve("Karlskorg", "14").exact) == (
        "Karlsborg",
        False,
    )
    assert name(REG.resolve("Karlskorg", "18")) == "Karlskoga"


def test_two_names_in_one_value_are_ambiguous() -> None:
    res = REG.resolve("Ludvika och Smedjebacken")
    assert res.municipality is None
    assert names(res.candidates) == ["Ludvika", "Smedjebacken"]
    assert REG.resolve("Ludvika och Smedjebacken", "20").municipality is None  # both in Dalarna
    res = REG.resolve("Stockholm, Ludvika", "20")
    assert (name(res), res.exact) == ("Ludvika", False)
    res = REG.resolve("Ludvika kommun, Ludvika")  # the same name twice is not ambiguous
    assert (name(res), res.exact) == ("Ludvika", True)


# -- find_in_text ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lägesbild_Ludvika_okt2026.docx", ["Ludvika"]),
        ("Lägesbild oktober - Malung-Sälens kommun", ["Malung-Sälen"]),
        ("lagesbild_malung-salen_2026-10.xlsx", ["Malung-Sälen"]),
        ("Lägesbild_Upplands_Väsby_okt.pdf", ["Upplands Väsby"]),
        ("Sv: Lägesbild Mora, Orsa och Älvdalen", ["Mora", "Orsa", "Älvdalen"]),
        ("Ludvika, Ludvika kommun", ["Ludvika"]),
        ("Göteborgs Stad lägesbild", ["Göteborg"]),
        ("Region Gotland – lägesbild", ["Gotland"]),
        ("Salem", ["Salem"]),
        ("Sala", ["Sala"]),
        ("Alingsås", ["Alingsås"]),
        ("Lägesbild Lilla Edet", ["Lilla Edet"]),
        # not glued across a comma
        ("Lilla, Edet", []),
        # everyday words: only as a capitalised name or next to "kommun"
        ("Det kan vara bra att veta", []),
        ("lägesbild_vara.docx", []),
        ("Lägesbild Vara", ["Vara"]),
        ("vara kommun", ["Vara"]),
        ("på mark och berg i en lund", []),
        ("Lägesbild Åre", ["Åre"]),
        ("we are here", []),
        ("ale kommun", ["Ale"]),
        ("skara med ungdomar", []),
        # counties, regions and the county board are not municipalities
        ("Stockholms län", []),
        ("Region Stockholm", []),
        ("Region Dalarna", []),
        ("Länsstyrelsen i Kalmar län", []),
        ("Länsstyrelsen Dalarna, Ludvika", ["Ludvika"]),
        ("", []),
    ],
)
def test_find_in_text(text: str, expected: list[str]) -> None:
    assert names(REG.find_in_text(text)) == expected


def test_noisy_resolve_uses_the_same_word_rules() -> None:
    # "vara" here is the verb; Ludvika is the only name.
    res = REG.resolve("Det kan vara Ludvika")
    assert (name(res), res.exact) == ("Ludvika", True)


# -- properties over the whole registry ------------------------------------------


@pytest.mark.parametrize("m", ALL, ids=lambda m: m.code)
def test_every_name_and_official_name_resolves_to_itself(m: Municipality) -> None:
    for text in (m.name, m.official_name):
        for variant in (text, text.upper(), text.lower(), strip_accents(text)):
            res = REG.resolve(variant)
            expected = TWINS.get(m.name, m.name) if variant == strip_accents(text) else m.name
            assert (name(res), res.exact) == (expected, True), variant


@pytest.mark.parametrize("m", ALL, ids=lambda m: m.code)
def test_every_name_is_found_in_a_filename_and_a_subject(m: Municipality) -> None:
    assert REG.find_in_text(f"Lägesbild_{m.name}_okt2026.docx") == [m]
    assert REG.find_in_text(f"Lägesbild oktober - {m.official_name}") == [m]
    assert REG.find_in_text(f"Sv: lägesbild {m.name.upper()} KOMMUN") == [m]


def test_with_its_county_every_accent_free_name_finds_its_municipality() -> None:
    # A report from Uppsala län saying "Habo kommun" means Håbo, but is flagged.
    for m in ALL:
        for text in (strip_accents(m.name), strip_accents(m.official_name)):
            res = REG.resolve(text, m.county_code)
            assert name(res) == m.name, text
            assert res.exact is (m.name not in TWINS), text


def _mixed_case(text: str, flips: list[bool]) -> str:
    flips = flips + [False] * len(text)
    return "".join(c.upper() if flips[i] else c.lower() for i, c in enumerate(text))


@settings(max_examples=300, deadline=None)
@given(
    m=st.sampled_from(ALL),
    flips=st.lists(st.booleans(), max_size=25),
    sep=st.sampled_from([" ", "-", "  ", " - ", "_"]),
    before=st.sampled_from(["", " ", "Kommun: ", "Socialförvaltningen, ", "Från "]),
    after=st.sampled_from(["", ".", " kommun", " kommun.", ", Socialförvaltningen", " 2026", "\n"]),
)
def test_decorated_names_resolve_exactly(
    m: Municipality, flips: list[bool], sep: str, before: str, after: str
) -> None:
    text = _mixed_case(m.name, flips).replace(" ", sep).replace("-", sep)
    text = text[0].upper() + text[1:]  # as a name is written in running text
    res = REG.resolve(before + text + after, m.county_code)
    assert (name(res), res.exact) == (m.name, True), before + text + after


def _spellings(m: Municipality) -> set[str]:
    """Accent-free spellings that are `m` itself: name, genitive, official stem."""
    stem = m.official_name.rsplit(" ", 1)[0]
    return {squash(t) for t in (m.name, m.name + "s", stem)}


@settings(max_examples=300, deadline=None)
@given(m=st.sampled_from([m for m in ALL if len(m.name) >= 5]), data=st.data())
def test_one_dropped_letter_never_gives_a_silent_wrong_answer(
    m: Municipality, data: st.DataObject
) -> None:
    i = data.draw(st.integers(1, len(m.name) - 1))
    typo = m.name[:i] + m.name[i + 1 :]
    res = REG.resolve(typo)
    if res.municipality is None:
        assert m in res.candidates  # offered in the error message
    elif res.municipality != m:
        # Only when the typo spells another municipality ("Alvesta" -> "Avesta").
        assert res.exact and squash(typo) in _spellings(res.municipality)
    else:
        assert res.exact is False or squash(typo) in _spellings(m)  # "Falun" -> "Falu"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(categories=["Nd", "P", "S", "Zs"]), max_size=40))
def test_text_without_letters_is_unknown(text: str) -> None:
    res = REG.resolve(text)
    assert res == Resolution(None, False, ())
    assert REG.find_in_text(text) == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=20, max_size=40))
def test_long_gibberish_is_unknown(text: str) -> None:
    assert REG.resolve(text).municipality is None


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Länsstyrelsen", "Socialförvaltningen", "lägesbild", "oktober", "kommun", "för",
             "månad", "Bifogar", "rapport", "polisen", "skolan", "och", "i", "län", "Region"]
        ),
        max_size=8,
    )
)  # fmt: skip
def test_ordinary_words_name_no_municipality(words: list[str]) -> None:
    text = " ".join(words)
    assert REG.resolve(text).municipality is None
    assert REG.find_in_text(text) == []
