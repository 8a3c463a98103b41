"""The fixture corpus: every case is data (a `Spec`), built into a file plus its expectation.

A `Spec` names a filled form (`Filled`), the format and layout to render it
in, and anything special (a file-level error, an optional issue). `make_case`
turns it into a `Case` whose `build()` returns the file's bytes and whose
`expected` is derived from the same data, following /work/notes/semantics.md.
`vary(spec, rng)` re-fills a spec with other (seeded) answers while keeping
what the case is about, for the benchmark corpus (`write_corpus --copies`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache, partial

from tests.builders import (
    AUTO,
    DALARNA,
    MUNI_STYLES,
    MUNICIPALITY_LABEL,
    PERIOD_STYLES,
    VARIANT_TEXTS,
    Entry,
    Filled,
    Stated,
    comment_of,
    muni,
    muni_blank,
    normalise_comment,
    period,
    period_date,
    period_no_year,
    resolve_markup,
)
from tests.builders.docx_builder import build_docx
from tests.builders.other_builder import (
    Conversion,
    build_ods,
    build_odt,
    build_rtf,
    build_text,
    build_xls,
    convert,
    truncated,
    zip_not_docx,
)
from tests.builders.pdf_builder import (
    build_acroform_pdf,
    build_scanned_pdf,
    build_text_pdf,
    encrypt_pdf,
)
from tests.builders.xlsx_builder import build_xlsx

QUESTION_NUMBERS = tuple(range(1, 8))
IMPACT_QUESTIONS = tuple(range(1, 7))
FIELDS: tuple[str, ...] = (
    "file", "municipality", "period",
    *(f"q{n}.impact" for n in QUESTION_NUMBERS),
    *(f"q{n}.comment" for n in QUESTION_NUMBERS),
)
#: The fields that carry a value (accuracy is computed over these).
VALUE_FIELDS: tuple[str, ...] = FIELDS[1:]


# --------------------------------------------------------------------------
# Expected result and case
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What a correct parser returns for one file.

    answers: question -> (impact, comment); comments are compared with
    `normalise_comment`. issues: (field, severity) pairs that MUST be
    reported. clean_fields: fields that must have no issue at all; by default
    every field not named in `issues` and not in `optional_issue_fields`.
    alternatives: (field, value) pairs that are also correct, e.g. a
    municipality taken from the file name as a flagged fallback.
    """

    municipality: str | None
    period: str | None
    answers: dict[int, tuple[int | None, str]]
    issues: frozenset[tuple[str, str]] = frozenset()
    clean_fields: frozenset[str] = frozenset({"<default>"})
    optional_issue_fields: frozenset[str] = frozenset()
    alternatives: frozenset[tuple[str, object]] = frozenset()

    def __post_init__(self) -> None:
        if self.clean_fields == frozenset({"<default>"}):
            named = {f for f, _ in self.issues}
            object.__setattr__(self, "clean_fields",
                               frozenset(FIELDS) - named - self.optional_issue_fields)
        for f, sev in self.issues:
            if f not in FIELDS or sev not in ("error", "warning"):
                raise ValueError(f"bad expected issue {(f, sev)}")

    def accepts(self, field_name: str, value: object) -> bool:
        """True when `value` is the expected value of the field, or an accepted alternative."""
        return value == self.value_of(field_name) or (field_name, value) in self.alternatives

    def value_of(self, field_name: str) -> object:
        """The expected value of a value field ("municipality", "q3.impact", ...)."""
        if field_name == "municipality":
            return self.municipality
        if field_name == "period":
            return self.period
        q, part = field_name[1:].split(".")
        impact, comment = self.answers[int(q)]
        return impact if part == "impact" else normalise_comment(comment)

    def to_json(self) -> dict[str, object]:
        """The expectation in the shape of `lagesbild parse --json` (plus the issue rules)."""
        return {
            "municipality": self.municipality,
            "period": self.period,
            "answers": {str(q): {"impact": i, "comment": c}
                        for q, (i, c) in sorted(self.answers.items())},
            "issues": sorted([list(x) for x in self.issues]),
            "clean_fields": sorted(self.clean_fields),
            "optional_issue_fields": sorted(self.optional_issue_fields),
            "alternatives": sorted([f, v] for f, v in self.alternatives),
        }


@dataclass(frozen=True)
class Case:
    """One corpus file: how to build it and what the parser must return for it.

    `conversion` is set for LibreOffice cases so a session fixture can batch
    all their conversions into a few soffice calls before `build()` is used.
    """

    name: str
    filename: str
    build: Callable[[], bytes]
    expected: Expected
    needs_libreoffice: bool = False
    conversion: Callable[[], Conversion] | None = None
    note: str = ""


# --------------------------------------------------------------------------
# Specs: a case as data
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """A case as data. `fmt` picks the builder (see BUILDERS), `layout` its layout."""

    name: str
    filename: str
    filled: Filled
    fmt: str = "docx"
    layout: str = "template"
    note: str = ""
    file_error: bool = False
    optional: frozenset[str] = frozenset()
    options: tuple[tuple[str, object], ...] = ()
    alternatives: frozenset[tuple[str, object]] = frozenset()


def _opts(spec: Spec) -> dict[str, object]:
    return dict(spec.options)


#: fmt -> (builder(spec) -> bytes) for cases that need no LibreOffice
BUILDERS: dict[str, Callable[[Spec], bytes]] = {
    "docx": lambda s: build_docx(s.filled, s.layout),
    "docm": lambda s: build_docx(s.filled, s.layout, macro=True),
    "xlsx": lambda s: build_xlsx(s.filled, s.layout, **_opts(s)),  # type: ignore[arg-type]
    "xlsm": lambda s: build_xlsx(s.filled, s.layout, macro=True),
    "xls": lambda s: build_xls(s.filled, s.layout),
    "ods": lambda s: build_ods(s.filled, s.layout),
    "odt": lambda s: build_odt(s.filled, s.layout),
    "txt": lambda s: build_text(s.filled, s.layout, **_opts(s)),  # type: ignore[arg-type]
    "pdf": lambda s: build_text_pdf(s.filled, s.layout),
    "acroform": lambda s: build_acroform_pdf(s.filled),
    "scanned": lambda s: build_scanned_pdf(s.filled),
    "encrypted": lambda s: encrypt_pdf(build_text_pdf(s.filled, s.layout)),
    "rtf": lambda s: build_rtf(s.filled),
    "truncated": lambda s: truncated(build_docx(s.filled, s.layout)),
    "zip": lambda s: zip_not_docx(),
    "empty": lambda s: b"",
}

#: fmt -> source builder for LibreOffice conversions: (bytes, source ext, target)
LO_SOURCES: dict[str, Callable[[Spec], tuple[bytes, str, str]]] = {
    "lo-pdf": lambda s: (build_docx(s.filled, s.layout), "docx", "pdf"),
    "lo-odt": lambda s: (build_docx(s.filled, s.layout), "docx", "odt"),
    "lo-doc": lambda s: (build_docx(s.filled, s.layout), "docx", "doc"),
    "lo-ods": lambda s: (build_xlsx(s.filled, s.layout), "xlsx", "ods"),
    "lo-xlsx": lambda s: (build_xlsx(s.filled, s.layout), "xlsx", "xlsx"),
}


def _conversion(spec: Spec) -> Conversion:
    return Conversion(*LO_SOURCES[spec.fmt](spec))


def _build_lo(spec: Spec) -> bytes:
    conv = _conversion(spec)
    return convert(conv.source, conv.src_ext, conv.target)


# --------------------------------------------------------------------------
# Deriving the expectation
# --------------------------------------------------------------------------


def expected_impact(e: Entry) -> tuple[int | None, str | None]:
    """(impact, issue severity on q<N>.impact) for an entry; AUTO only for clear-cut input."""
    if e.q == 7:
        return None, None
    if e.want is not AUTO:
        return e.want, e.issue  # type: ignore[return-value]
    if e.ticks is not None:
        if len(e.ticks) == 1:
            return e.ticks[0], None
        return None, "warning" if not e.ticks else "error"
    if e.control == "placeholder":
        return None, "warning"
    if e.raw is not None:
        if isinstance(e.raw, (int, float)) and float(e.raw).is_integer() and 1 <= e.raw <= 5:
            return int(e.raw), None
        raise ValueError(f"q{e.q}: raw {e.raw!r} needs an explicit want=")
    if e.line is not None:
        raise ValueError(f"q{e.q}: a verbatim impact line needs an explicit want=")
    if e.typed is None:
        return None, "warning"
    text = resolve_markup(e.typed).strip()
    if text.isdigit() and 1 <= int(text) <= 5:
        return int(text), e.issue
    raise ValueError(f"q{e.q}: typed {e.typed!r} needs an explicit want=")


def _stated(s: Stated | None) -> tuple[str | None, str | None]:
    if s is None:
        return None, "warning"
    if s.want is None and s.issue is None:
        raise ValueError(f"{s}: a missing value needs an issue")
    return s.want, s.issue


def expect(spec: Spec) -> Expected:
    """The expectation for a spec, per the shared semantics."""
    optional = set(spec.optional)
    if spec.file_error:
        return Expected(None, None, {q: (None, "") for q in QUESTION_NUMBERS},
                        frozenset({("file", "error")}),
                        optional_issue_fields=frozenset(FIELDS) - {"file"})
    issues: set[tuple[str, str]] = set()
    muni_want, muni_issue = _stated(spec.filled.municipality)
    if muni_issue:
        issues.add(("municipality", muni_issue))
    period_want, period_issue = _stated(spec.filled.period)
    if period_issue:
        issues.add(("period", period_issue))
    answers: dict[int, tuple[int | None, str]] = {}
    for q in QUESTION_NUMBERS:
        e = spec.filled.entry(q)
        if e is None:
            answers[q] = (None, "")
            # A question not found at all: error on its impact (on its comment for Q7).
            issues.add((f"q{q}.impact" if q != 7 else "q7.comment", "error"))
            optional.add(f"q{q}.comment")
            continue
        impact, sev = expected_impact(e)
        if sev:
            issues.add((f"q{q}.impact", sev))
        comment = comment_of(e)
        if e.comment_issue:
            issues.add((f"q{q}.comment", e.comment_issue))
        if not normalise_comment(comment):
            optional.add(f"q{q}.comment")  # a blank comment may be warned about
        answers[q] = (impact, comment)
    return Expected(muni_want, period_want, answers, frozenset(issues),
                    optional_issue_fields=frozenset(optional) - {f for f, _ in issues},
                    alternatives=spec.alternatives)


def make_case(spec: Spec) -> Case:
    """A Case (lazy builder + expectation) from a spec."""
    expected = expect(spec)
    # Built once per process: several tests open the same file.
    if spec.fmt in LO_SOURCES:
        return Case(spec.name, spec.filename, cache(partial(_build_lo, spec)), expected,
                    needs_libreoffice=True, conversion=cache(partial(_conversion, spec)),
                    note=spec.note)
    return Case(spec.name, spec.filename, cache(partial(BUILDERS[spec.fmt], spec)), expected,
                note=spec.note)


# --------------------------------------------------------------------------
# Comment pools (realistic, no personal data)
# --------------------------------------------------------------------------

POOL: dict[int, tuple[tuple[str, ...], ...]] = {
    1: (
        ("Flera inbrott i förråd och källare i centrala delarna under månaden. Polisen har ökat "
         "närvaron kvällstid.",),
        ("Buskörning med EPA-traktorer och mopeder runt torget fredag och lördag kvällar. "
         "Boende har klagat på oväsen.",),
        ("Två containerbränder och en brand i ett soprum i ett flerfamiljshus. "
         "Räddningstjänsten bedömer att bränderna är anlagda.",),
        ("Skadegörelse på busskurer och krossade rutor vid resecentrum.",
         "Kommunen har polisanmält samtliga händelser."),
        ("Inget utöver det normala. Enstaka klotter har sanerats inom ett dygn.",),
        ("Ökad otrygghet vid järnvägsstationen kvällstid enligt medborgardialogen.",
         "• Större grupper unga vuxna samlas efter kl. 22",
         "• Nedskräpning och glaskross på perrongen",
         "• Belysningen ses över av tekniska förvaltningen"),
        ("Lugn månad.",),
        ("Stölder av båtmotorer vid småbåtshamnen, fyra anmälningar. Samma mönster som "
         "föregående år.",),
    ),
    2: (
        ("Misshandel i samband med krogstängning i centrum vid ett tillfälle.",),
        ("Socialtjänsten ser en ökning av ärenden som rör våld i nära relationer, framför allt "
         "efter helger.",),
        ("Hot mot personal på ett HVB-hem har polisanmälts. Personalen har fått stöd via "
         "företagshälsovården.",),
        ("Inga kända händelser utöver det normala.",),
        ("Rån mot ungdomar i gångtunneln vid skolan vid två tillfällen. Gärningspersonerna "
         "uppges vara något äldre ungdomar.",),
        ("Ett knivhot i centrum som polisen utreder.",
         "Inget tyder på koppling till kriminella nätverk."),
        ("Bråk mellan grupper vid badplatsen under en varm helg. Polis kallades till platsen.",),
        ("Fler orosanmälningar om barn som bevittnat våld i hemmet.",),
    ),
    3: (
        ("Klistermärken med nazistisk symbolik har hittats vid busshållplatser och på skyltar i "
         "centrum. De är sanerade.",),
        ("Inga indikationer denna månad.",),
        ("Klotter med gängrelaterade taggar har ökat vid idrottsplatsen och skolområdet.",),
        ("Polisen har information om rekryteringsförsök av unga till kriminella nätverk via "
         "sociala medier.",),
        ("Flygblad från en våldsbejakande organisation har delats ut i brevlådor i två "
         "bostadsområden.",
         "Ärendet har lyfts i kommunens samverkansgrupp."),
        ("Enstaka klotter, inget som bedöms som organiserat.",),
        ("Oro för att unga i 13-15-årsåldern används som springpojkar åt äldre kriminella.",),
        ("Propaganda på anslagstavlor vid biblioteket. Polisen är informerad.",),
    ),
    4: (
        ("Oro på en högstadieskola efter bråk på rasterna. Skolan har förstärkt rastvakterna och "
         "haft föräldramöte.",),
        ("Fritidsgården har haft stökiga kvällar med besökare från andra orter. Personalen har "
         "begärt stöd av fältassistenterna.",),
        ("Lugnt på skolorna, sommarlov.",),
        ("Grupper av unga samlas med EPA-traktorer på parkeringen vid köpcentret sena kvällar.",),
        ("Skolan rapporterar ökad frånvaro och oro kopplat till konflikter som startat i sociala "
         "medier.",),
        ("Elever har hotats via Snapchat, vilket har polisanmälts. Elevhälsan är involverad.",),
        ("Skadegörelse på skolgården under helger, bland annat krossade fönster och eldning i "
         "papperskorgar.",),
        ("Skolavslutningen förlöpte lugnt. Nattvandrare och fältassistenter fanns på plats.",),
    ),
    5: (
        ("Polisen har gjort flera beslag av cannabis bland unga. Försäljningen sker via "
         "krypterade appar.",),
        ("Signaler om narkotikahandel vid en pizzeria i centrum. Informationen är "
         "vidarebefordrad till polisen.",),
        ("Nätdroger (syntetiska cannabinoider) har förekommit på gymnasiet. Elevhälsan har "
         "informerat vårdnadshavare.",),
        ("Ökad langning av alkohol till minderåriga inför skolavslutningen.",),
        ("Inget särskilt att rapportera.",),
        ("Snus och vejp är vanligt bland elever i årskurs 7-9 enligt skolans enkät.",),
        ("Misstänkt dopning på ett av gymmen, anmält till polisen.",
         "Tillsyn av serveringstillstånd genomförd på tre restauranger utan anmärkning."),
        ("Flera ungdomar har omhändertagits berusade under helgerna.",),
    ),
    6: (
        ("Hot mot en förtroendevald via sociala medier har polisanmälts. Säkerhetssamordnaren "
         "har gjort en riskbedömning.",),
        ("Ryktesspridning i sociala medier om en påstådd skottlossning, som visade sig vara "
         "felaktig.",),
        ("Marknadsdagar i centrum med många besökare. Polisen och vaktbolaget är informerade.",),
        ("Inget övrigt.",),
        ("Trakasserier mot personal i kommunens kundtjänst har ökat.",),
        ("Stor musikfestival nästa månad. Samverkan pågår med arrangören kring trygghet och "
         "alkoholservering.",),
        ("Ofredanden vid motionsspåret har rapporterats, belysningen ses över.",),
        ("Valrörelsen har inneburit hot och hat mot politiker vid torgmöten.",),
    ),
    7: (
        ("Trygghetsvandring genomförd i centrum tillsammans med polis, bostadsbolag och "
         "föreningar.",),
        ("Nattvandrare har varit ute varje fredag och lördag. Mycket uppskattat av föräldrar.",),
        ("Sommarlovsaktiviteter för unga med över 300 deltagare.",),
        ("Ny belysning i gångtunneln vid skolan har minskat otryggheten enligt boende.",),
        ("Medborgarlöfte med polisen undertecknat med fokus på trafik och unga.",
         "• Gemensam lägesbildsträff varje månad",
         "• Föräldravandringar i samverkan med skolorna"),
        ("Fältassistenterna har förstärkts med två tjänster.",),
        ("Samverkan med länsstyrelsen och polisen kring valet fungerade väl.",),
        ("Fritidsgården har utökat öppettiderna på fredagar.",),
    ),
}


def pool(q: int, i: int) -> tuple[str, ...]:
    """Comment number `i` (wrapping) of question `q`'s pool."""
    options = POOL[q]
    return options[i % len(options)]


def answers(impacts: str, picks: str = "0000000", **overrides: Entry) -> tuple[Entry, ...]:
    """Seven plain entries: `impacts` is six digits ("." = untouched), `picks` pool indexes.

    `overrides` replace whole entries by question ("q3=Entry(3, ...)").
    """
    out = []
    for q in QUESTION_NUMBERS:
        key = f"q{q}"
        if key in overrides:
            out.append(overrides[key])
            continue
        typed = None if q == 7 or impacts[q - 1] == "." else impacts[q - 1]
        out.append(Entry(q, typed, pool(q, int(picks[q - 1]))))
    return tuple(out)


# --------------------------------------------------------------------------
# Variation for the benchmark corpus
# --------------------------------------------------------------------------


def _vary_entry(e: Entry, rng: random.Random) -> Entry:
    if e.fixed:
        return e
    new = e
    if e.q != 7 and e.want is AUTO:
        if e.typed is not None and e.typed.isdigit() and e.line is None:
            new = replace(new, typed=str(rng.randint(1, 5)))
        elif e.ticks is not None and len(e.ticks) == 1:
            new = replace(new, ticks=(rng.randint(1, 5),))
        elif isinstance(e.raw, int):
            new = replace(new, raw=rng.randint(1, 5))
    plain = all("[" not in p for p in e.comment)
    if e.comment and plain and e.comment_want is None and not e.comment_in_textbox:
        new = replace(new, comment=pool(e.q, rng.randrange(len(POOL[e.q]))))
    return new


def _vary_stated(s: Stated | None, rng: random.Random) -> Stated | None:
    if s is None:
        return None
    if s.style in MUNI_STYLES:
        return muni(rng.choice(sorted(DALARNA)), s.style)
    year, month = rng.choice((2025, 2026)), rng.randint(1, 12)
    if s.style in PERIOD_STYLES:
        return period(year, month, s.style)
    if s.style == "no_year":
        return period_no_year(month)
    if s.style == "date":
        return period_date(year, month, s.label)
    return s


def vary(spec: Spec, rng: random.Random, index: int, tag: str = "") -> Spec:
    """Another filling of the same case: new answers, municipality and month, same quirks."""
    if spec.file_error or spec.fmt in ("empty", "zip"):
        f = spec.filled
    else:
        f = replace(spec.filled,
                    entries=tuple(_vary_entry(e, rng) for e in spec.filled.entries),
                    municipality=_vary_stated(spec.filled.municipality, rng),
                    period=_vary_stated(spec.filled.period, rng))
    stem, _, ext = spec.filename.rpartition(".")
    # A neutral file name: the variant's municipality/month must come from the content.
    return replace(spec, name=f"{spec.name}__{tag}v{index:03d}", filled=f,
                   filename=f"v{index:03d}_{spec.name}.{ext}")


# --------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------

T = Filled  # brevity in the table below
N = frozenset

LONG_COMMENT = (
    "Under månaden har vi haft en tydlig ökning av anmälda händelser i centrum och i två av "
    "bostadsområdena. Polisen beskriver att det främst rör sig om inbrott i källarförråd, "
    "stölder ur bilar och skadegörelse på allmän plats. Bostadsbolaget har bytt lås i tre "
    "trapphus och satt upp ny belysning vid cykelförråden. Räddningstjänsten har ryckt ut till "
    "fyra bränder i papperskorgar och en brand i en container bakom matbutiken; samtliga "
    "bedöms vara anlagda. Vi ser också att buskörningen med EPA-traktorer och mopeder har "
    "återkommit längs huvudgatan på fredagskvällar, vilket många boende upplever som "
    "störande och otryggt. Kommunen har tillsammans med polisen och fältassistenterna "
    "genomfört två trygghetsvandringar där boende deltog, och synpunkterna har lämnats till "
    "tekniska förvaltningen. Det som oroar mest är att några av händelserna verkar hänga "
    "ihop med en mindre grupp unga vuxna som rör sig mellan centrum och resecentrum sena "
    "kvällar. Vi har ingen information som tyder på koppling till kriminella nätverk, men "
    "följer utvecklingen noga och har bett polisen om en särskild genomgång vid nästa "
    "samverkansmöte. Nattvandrarna har varit ute alla helger och rapporterar att stämningen "
    "har varit lugnare efter kl. 01. Vi återkommer med en uppföljning i nästa månads "
    "lägesbild när effekten av den nya belysningen och de extra polisinsatserna kan bedömas. "
    "Skolorna i området har informerats och rektorerna har lyft frågan på föräldramöten, där "
    "flera vårdnadshavare uttryckte oro för att barnen rör sig ute sent. Fritidsgården har "
    "därför utökat öppettiderna på fredagar och erbjuder aktiviteter fram till midnatt."
)
SPECIAL_COMMENT = (
    "Affischer med texten \"Ta tillbaka gatorna\" & liknande budskap; någon har skrivit "
    "<<VI SER ER>> på en vägg. Citat från polisen: ”läget är under kontroll”. Kostnad för "
    "sanering: ca 12 000 kr (≈ 40 m²). Föräldragruppen svarade med 👍 och ❤️ i chatten."
)

# The natural template, used for .docx and again for PDF/ODT via LibreOffice.
NATURAL = T(answers("231421", "0123456"), muni("Ludvika", "template"), period(2026, 10))
TABLE3 = T(answers("122312", "3456701"), muni("Mora", "kommun"), period(2026, 4, "manad_year"),
           noise=N({"q7_dash"}))
VARIANT = T(answers("42.131", "1234567"),
            muni("Malung-Sälen", "kommun"), period(2026, 7, "manad_year"), comment_style="no_label")
CHECKBOX = T(
    answers("000000", "2345670",
            q1=Entry(1, ticks=(3,), comment=pool(1, 2)),
            q2=Entry(2, ticks=(2,), comment=pool(2, 3)),
            q3=Entry(3, ticks=(1, 4), comment=pool(3, 4), fixed=True),
            q4=Entry(4, ticks=(), comment=pool(4, 5), fixed=True),
            q5=Entry(5, ticks=(5,), box="ballot", comment=pool(5, 6)),
            q6=Entry(6, ticks=(1,), comment=pool(6, 7))),
    muni("Säter", "label"), period(2026, 5))
REORDERED = T(
    (Entry(3, "1", pool(3, 1), heading="Extremism och kriminella nätverk"),
     Entry(1, "3", pool(1, 0), heading="Ordningsstörningar/otrygghet"),
     Entry(2, "2", pool(2, 4), heading="Hot & våld: " + VARIANT_TEXTS[2]),
     Entry(6, "1", pool(6, 3), heading="Övrigt"),
     Entry(5, "4", pool(5, 0), heading="ANDT"),
     Entry(4, "2", pool(4, 3), heading="Ungdomar och skolor"),
     Entry(7, comment=pool(7, 1), heading="Positiva åtgärder")),
    muni("Avesta", "label"), period(2026, 2, "avser"))

SPECS: list[Spec] = [
    # ---------------------------------------------------------------- DOCX
    Spec("docx_template_natural", "Lägesbild oktober 2026 Ludvika.docx", NATURAL,
         note="The template filled in the natural way: 'Påverkan: 3', comment on the same line."),
    Spec("docx_comment_next_lines", "lagesbild_2026-09_borlange.docx",
         T(answers("322211", "5060000",
                   q2=Entry(2, "2", ("Misshandel utanför en nattklubb.\nEtt rån mot en "
                                     "pizzabud i ett bostadsområde.",
                                     "Polisen utreder båda händelserna.")),
                   q6=Entry(6, "1", ("Inför valet:",
                                     "• Hot mot politiker på torgmöten",
                                     "• Trakasserier i kommentarsfält",
                                     "- Säkerhetssamordnaren har träffat partierna"))),
           muni("Borlänge", "kommun"), period(2026, 9, "iso"), comment_style="next_lines"),
         note="Comments on the lines after 'Kommentar:': paragraphs, a soft break, bullet lists."),
    Spec("docx_impact_with_level_word", "Lägesbild Falun oktober 2026.docx",
         T(answers("000000", "1111111",
                   q1=Entry(1, "3 (Oroande)", pool(1, 1), want=3),
                   q2=Entry(2, "2 - Avvikande", pool(2, 1), want=2),
                   q3=Entry(3, "4 – Allvarligt", pool(3, 2), want=4),
                   q4=Entry(4, "oroande (3)", pool(4, 0), want=3),
                   q5=Entry(5, "3/5", pool(5, 2), want=3),
                   q6=Entry(6, "2 av 5", pool(6, 0), want=2)),
           muni("Falun", "kommun"), period(2026, 10, "manad_year")),
         note="Digit plus level word in the forms people write them; 3/5 and '2 av 5'."),
    Spec("docx_impact_punctuation", "Lägesbild Orsa.docx",
         T(answers("000000", "2222222",
                   q1=Entry(1, "3.", pool(1, 2), want=3),
                   q2=Entry(2, "1 (Normalt)", pool(2, 3), want=1),
                   q3=Entry(3, "5 – Kritiskt", pool(3, 3), want=5),
                   q4=Entry(4, "2.", pool(4, 1), want=2),
                   q5=Entry(5, "4   ", pool(5, 1), want=4),
                   q6=Entry(6, "1 Normalt", pool(6, 1), want=1)),
           muni("Orsa", "label"), period(2026, 10, "abbr")),
         note="'3.', trailing spaces, '1 Normalt'; 'Kommun: Orsa' and 'okt -26'."),
    Spec("docx_level_words_only", "Lägesbild LUDVIKA.docx",
         T(answers("000000", "3333333",
                   q1=Entry(1, "Allvarligt", pool(1, 3), want=4),
                   q2=Entry(2, "normalt", pool(2, 3), want=1),
                   q3=Entry(3, "Avvikande", pool(3, 0), want=2),
                   q4=Entry(4, "OROANDE", pool(4, 4), want=3),
                   q5=Entry(5, "Kritisk", pool(5, 0), want=5),
                   q6=Entry(6, "Normal", pool(6, 3), want=1)),
           muni("Ludvika", "upper"), period(2026, 10, "slash")),
         note="Level words instead of digits, exact aliases 'Kritisk', 'Normal'; 'LUDVIKA'."),
    Spec("docx_level_word_misspelt", "Lägesbild Leksand.docx",
         T(answers("2.1.31", "4444444",
                   q2=Entry(2, "Orande", pool(2, 4), want=3, issue="warning"),
                   q4=Entry(4, "Alvarligt", pool(4, 5), want=4, issue="warning")),
           muni("Leksand", "kommun"), period(2026, 3, "avser")),
         note="Near-miss spellings of level words: value plus a warning."),
    Spec("docx_variant_range_label", "Lägesbild juli 2026 Malung-Sälen.docx", VARIANT,
         layout="variant",
         note="Variant form without 'Fråga N': 'Påverkan 1-5: 4'; one left 'Påverkan 1-5: '."),
    Spec("docx_range_label_forms", "Lägesbild Hedemora.docx",
         T(answers("000000", "5555555",
                   q1=Entry(1, line="Påverkan (1-5): 2", comment=pool(1, 5), want=2),
                   q2=Entry(2, line="Påverkan: 1-5: 3", comment=pool(2, 5), want=3),
                   q3=Entry(3, line="Påverkan 1-5: 4", comment=pool(3, 5), want=4),
                   q4=Entry(4, line="Påverkan 1–5: ", comment=pool(4, 6), want=None,
                            issue="warning"),
                   q5=Entry(5, line="Påverkan (1-5):", comment=pool(5, 5), want=None,
                            issue="warning"),
                   q6=Entry(6, line="Påverkan: 1 - 5", comment=pool(6, 5), want=None,
                            issue="warning")),
           muni("Hedemora", "template_gen"), period(2026, 6)),
         note="The range as part of the label, answered and unanswered."),
    Spec("docx_untouched_some", "Lägesbild Gagnef.docx",
         T(answers("2.13..", "6606600",
                   q6=Entry(6, None, ())),
           muni("Gagnef", "kommun"), period(2025, 12)),
         note="'Påverkan: 1-5' left as printed on three questions: None + warning."),
    Spec("docx_invalid_values", "Lägesbild Vansbro november.docx",
         T(answers("000000", "7777777",
                   q1=Entry(1, "7", pool(1, 7), want=None, issue="error"),
                   q2=Entry(2, "3-4", pool(2, 7), want=None, issue="error"),
                   q3=Entry(3, "hög", pool(3, 7), want=None, issue="error"),
                   q4=Entry(4, "2,5", pool(4, 7), want=None, issue="error"),
                   q5=Entry(5, "0", pool(5, 7), want=None, issue="error"),
                   q6=Entry(6, "3 eller 4", pool(6, 7), want=None, issue="error")),
           muni("Vansbro", "label_gen"), period(2025, 11, "lower_year")),
         note="Values off the scale or between levels: None + error each."),
    Spec("docx_invalid_words", "Lägesbild Rättvik.docx",
         T(answers("1.2..3", "0101010",
                   q2=Entry(2, "låg", pool(2, 1), want=None, issue="error"),
                   q4=Entry(4, "medel", pool(4, 1), want=None, issue="error"),
                   q5=Entry(5, "6", pool(5, 1), want=None, issue="error")),
           muni("Rättvik", "template"), period(2026, 1)),
         note="'låg', 'medel', '6'."),
    Spec("docx_contradiction", "Lägesbild Smedjebacken.docx",
         T(answers("3.1.12", "1212121",
                   q2=Entry(2, "2 (Allvarligt)", pool(2, 2), want=None, issue="error"),
                   q4=Entry(4, "Kritiskt (1)", pool(4, 2), want=None, issue="error")),
           muni("Smedjebacken", "template"), period(2026, 8)),
         note="Digit and level word disagree: None + error."),
    Spec("docx_checkbox_unicode", "Lägesbild Säter maj 2026.docx", CHECKBOX,
         note="Ticked boxes ☒/☑; two ticked (error), none ticked (warning)."),
    Spec("docx_checkbox_brackets", "Lägesbild Älvdalen.docx",
         T(answers("000000", "3030303",
                   q1=Entry(1, ticks=(2,), box="brackets", comment=pool(1, 3)),
                   q2=Entry(2, ticks=(4,), box="brackets", comment=pool(2, 0)),
                   q3=Entry(3, ticks=(1,), box="parens", comment=pool(3, 3)),
                   q4=Entry(4, ticks=(2, 3), box="brackets", comment=pool(4, 0), fixed=True),
                   q5=Entry(5, ticks=(3,), box="parens", comment=pool(5, 3)),
                   q6=Entry(6, ticks=(1,), box="brackets", comment=pool(6, 0))),
           muni("Älvdalen", "kommun"), period(2026, 9, "month_year")),
         note="'[ ] 1  [X] 2' and '( ) 1  (x) 2' rows."),
    Spec("docx_table_one_column", "Lägesbild Mora tabell.docx",
         T(answers("213121", "4567012"), muni("Mora", "label"), period(2026, 2)),
         layout="table1", note="A one-column table, one row per question."),
    Spec("docx_table_two_columns", "Lägesbild Borlänge (tabell).docx",
         T(answers("4.2211", "6712345"), muni("Borlänge", "label"), period(2026, 11, "lower_year")),
         layout="table2", note="Label | value rows, 'Påverkan' | '4', 'Kommentar' | text."),
    Spec("docx_table_three_columns", "Lägesbild Mora april 2026.docx", TABLE3, layout="table3",
         note="Header row 'Fråga | Påverkan (1-5) | Kommentar'; '-' in Q7's impact cell."),
    Spec("docx_content_controls", "Lägesbild Rättvik mars 2026.docx",
         T((Entry(1, "3", pool(1, 6)),
            Entry(2, "3 – Oroande", pool(2, 6), control="dropdown", want=3),
            Entry(3, ticks=(4,), comment=pool(3, 6), control="checkbox"),
            Entry(4, None, pool(4, 6), control="placeholder", fixed=True),
            Entry(5, "2", pool(5, 6) + ("Polisen följer upp.",), comment_control="block"),
            Entry(6, "1", (), comment_control="placeholder", fixed=True),
            Entry(7, comment=pool(7, 6))),
           muni("Rättvik", "label"), period(2026, 3, "lower_year")),
         layout="controls",
         note="Content controls: text, dropdown '3 – Oroande', checkboxes, date picker, "
              "placeholders 'Välj ett objekt.' (None + warning)."),
    Spec("docx_legacy_form_fields", "Lägesbild Gagnef formulär.docx",
         T((Entry(1, "2", pool(1, 4)),
            Entry(2, "3 - Oroande", pool(2, 0), control="dropdown", want=3),
            Entry(3, ticks=(2,), comment=pool(3, 0), control="checkbox"),
            Entry(4, None, (), fixed=True),
            Entry(5, None, pool(5, 4), control="dropdown", fixed=True),
            Entry(6, "1", pool(6, 2)),
            Entry(7, comment=pool(7, 2))),
           muni("Gagnef", "label"), period(2025, 11, "iso")),
         layout="legacy",
         note="FORMTEXT/FORMDROPDOWN/FORMCHECKBOX; an unfilled FORMTEXT (five en spaces); "
              "a dropdown left on 'Välj'."),
    Spec("docx_tracked_changes", "Lägesbild Leksand oktober (ändringar).docx",
         T((Entry(1, "2", ("Två inbrott i källarförråd. [-Polisen har gripit en misstänkt "
                           "person.-]",), fixed=True),
            Entry(2, "[-2-][+4+]", pool(2, 5)),
            Entry(3, "1", ("Enstaka klotter vid idrottsplatsen. [+Klottret har sanerats av "
                           "fastighetsägaren.+]",), fixed=True),
            Entry(4, "[-1-][+3+]", ("Bråk på [-mellanstadiet-][+högstadiet+] under "
                                    "rasterna.",), fixed=True),
            Entry(5, "2", pool(5, 7)),
            Entry(6, "1", pool(6, 6)),
            Entry(7, comment=pool(7, 3))),
           Stated(MUNICIPALITY_LABEL, "[-Rättvik-][+Leksand+]", "Leksand", style="fixed"),
           Stated("", "[-September-][+Oktober+] 2026", "2026-10", style="fixed")),
         note="Track changes on: deletions must not count, insertions must."),
    Spec("docx_text_boxes", "Lägesbild Säter.docx",
         T(answers("121331", "2345671",
                   q3=Entry(3, "1", pool(3, 4), comment_in_textbox=True)),
           muni("Säter", "label"), period(2026, 6, "lower_year"),
           noise=N({"textbox_header"})),
         note="Municipality, month and one comment typed into text boxes "
              "(wps:txbx + VML fallback: read once)."),
    Spec("docx_header_footer", "Lägesbild Avesta.docx",
         T(answers("112211", "0246135"), muni("Avesta", "template"), period(2026, 1),
           noise=N({"header", "footer"})),
         note="Page header 'Länsstyrelsen Dalarna – Lägesbild' and 'Sida 1 av 2' footer."),
    Spec("docx_reordered_renamed", "Lägesbild Avesta februari 2026.docx", REORDERED,
         note="Questions in the order 3,1,2,6,5,4,7 with renamed headings and no numbers."),
    Spec("docx_question_deleted", "Lägesbild Hedemora maj.docx",
         T(tuple(e for e in answers("212.11", "1357024") if e.q != 4),
           muni("Hedemora", "label"), period(2026, 5, "lower_year")),
         note="Question 4 deleted entirely: error on q4.impact."),
    Spec("docx_positive_question_deleted", "Lägesbild Orsa (utan fråga 7).docx",
         T(tuple(e for e in answers("111211", "2222222") if e.q != 7),
           muni("Orsa", "kommun"), period(2026, 4)),
         note="Question 7 deleted: error on q7.comment."),
    Spec("docx_template_municipality_line", "Lägesbild.docx",
         T(answers("121212", "5432105"), muni("Smedjebacken", "template"), period(2025, 9)),
         note="'Underlaget inlämnat av kommun: Smedjebacken'; neutral file name."),
    Spec("docx_month_without_year", "Lägesbild sociala risker.docx",
         T(answers("221133", "0011223"), muni("Falun", "label"), period_no_year(7)),
         note="'Juli månad' left from the template, no year: period None + warning."),
    Spec("docx_period_missing", "Lägesbild sociala risker - Mora.docx",
         T(answers("111111", "3333333"), muni("Mora", "kommun"), None),
         note="No period at all: None + warning."),
    Spec("docx_municipality_missing", "Lägesbild 2026-05.docx",
         T(answers("213121", "6666666"), muni_blank(), period(2026, 5, "iso")),
         note="'Underlaget inlämnat av kommun' left blank: None + warning."),
    Spec("docm_macro_enabled", "Lägesbild Vansbro.docm",
         T(answers("231221", "7654321"), muni("Vansbro", "label"), period(2026, 2, "slash")),
         fmt="docm", note="A macro-enabled .docm with the same content as a .docx."),
    Spec("docx_empty_template", "Mall lägesbild sociala risker.docx",
         T(tuple(Entry(q) for q in QUESTION_NUMBERS), muni_blank(), period_no_year(7)),
         note="The blank template, untouched: all impacts None + warning, comments ''."),
    Spec("docx_comment_traps", "Lägesbild Falun.docx",
         T((Entry(1, "2", ("3 inbrott under månaden, läget är normalt i övrigt.",), fixed=True),
            Entry(2, "1", ("Polisen: 4 av 5 anmälningar gäller bråk i hemmet, inte på stan.",),
                  fixed=True),
            Entry(3, "1", ("Kritiskt läge i grannkommunen enligt polisen, men inte hos oss.",
                           "Oroande klotter på 2 platser har sanerats."), fixed=True),
            Entry(4, "3", ("Ingen påverkan på skolmiljön från händelsen i centrum, men 5 "
                           "elever har stängts av tillfälligt.",), fixed=True),
            Entry(5, "2", ("Allvarligt att 14-åringar erbjuds narkotika.",), fixed=True),
            Entry(6, "1", ("Hot mot personal i hemtjänsten, se även fråga 2.",), fixed=True),
            Entry(7, comment=("Trygghetsvandring 12/10 med 25 deltagare.",), fixed=True)),
           muni("Falun", "kommun"), period(2026, 10)),
         note="Digits and level words inside comments must not be read as impact."),
    Spec("docx_long_and_special_chars", "Lägesbild Borlänge (lång).docx",
         T(answers("3.2111", "0000000",
                   q1=Entry(1, "3", (LONG_COMMENT,), fixed=True),
                   q2=Entry(2, "2", (SPECIAL_COMMENT,), fixed=True)),
           muni("Borlänge", "label"), period(2026, 6)),
         note="A 1,500+ character comment; quotes, &, <, ≈, emoji."),
    Spec("docx_split_runs_nbsp", "Lägesbild Säter (2).docx",
         T(answers("322113", "1470253"), muni("Säter", "kommun"), period(2026, 1, "abbr"),
           noise=N({"split_runs", "nbsp", "bold_values"})),
         note="Text split across many runs, non-breaking spaces after labels, bold values, "
              "'1–5' with an en dash."),
    Spec("docx_impact_on_next_line", "Lägesbild Älvdalen juni.docx",
         T(answers("000000", "0123456",
                   q1=Entry(1, "3", pool(1, 0), impact_next_line=True),
                   q2=Entry(2, "Avvikande", pool(2, 1), impact_next_line=True, want=2),
                   q3=Entry(3, "1", pool(3, 2), impact_next_line=True),
                   q4=Entry(4, "4", pool(4, 3), impact_next_line=True),
                   q5=Entry(5, "2", pool(5, 4)),
                   q6=Entry(6, "1", pool(6, 5), impact_next_line=True)),
           muni("Älvdalen", "label"), period(2026, 6, "manad_year")),
         note="'Påverkan:' with the value alone on the next line."),
    Spec("docx_no_comment_label", "Lägesbild Ludvika mars.docx",
         T(answers("221112", "5050505"), muni("Ludvika", "kommun"), period(2026, 3),
           comment_style="no_label"),
         note="'Kommentar:' deleted; the comment is the text after the impact line."),
    Spec("docx_scale_legend", "Lägesbild Gagnef (skala).docx",
         T(answers("312121", "1313131"), muni("Gagnef", "template"), period(2026, 8, "avser"),
           noise=N({"legend"})),
         note="A scale legend '1 = Normalt … 5 = Kritiskt' above the questions."),
    Spec("docx_named_doc", "Lägesbild Leksand.doc",
         T(answers("121121", "2020202"), muni("Leksand", "label"), period(2026, 4, "iso")),
         optional=N({"file"}),
         note="A .docx saved with a .doc name: the bytes decide (a warning on file is allowed)."),
    Spec("docx_lying_pdf_extension", "Lägesbild Mora september.pdf",
         T(answers("232121", "4242424"), muni("Mora", "label"), period(2026, 9)),
         optional=N({"file"}),
         note="A .docx named .pdf: format detection by content."),
    Spec("docx_review_comments", "Lägesbild Hedemora oktober 2026.docx",
         T(answers("000000", "1234567",
                   q1=Entry(1, "{{3::Är det verkligen 3? Förra månaden satte vi 2.}}",
                            ("Två {{inbrott::Stämmer siffran? Kolla med polisen.}} i "
                             "villaområdet och stölder ur bilar vid resecentrum.",), fixed=True),
                   q2=Entry(2, "2", pool(2, 2)),
                   q3=Entry(3, "1", ("Enstaka klotter, {{sanerat::Vem sanerade? Fråga "
                                     "tekniska.}} inom ett dygn.",), fixed=True),
                   q4=Entry(4, "2", pool(4, 4)),
                   q5=Entry(5, "1", pool(5, 4)),
                   q6=Entry(6, "1", pool(6, 3))),
           muni("Hedemora", "template"), period(2026, 10)),
         note="Word review comments left in the file (comments.xml): never part of an answer."),
    Spec("docx_hyperlinks", "Lägesbild Rättvik september.docx",
         T(answers("211211", "0000000",
                   q1=Entry(1, "2", ("Brand i en förskola, se lokaltidningen: "
                                     "[[https://www.example.se/nyheter/brand-forskola]]",),
                            fixed=True),
                   q6=Entry(6, "2", ("Ryktesspridning i en öppen grupp på Facebook "
                                     "([[https://www.facebook.com/groups/exempel]]).",),
                            fixed=True)),
           muni("Rättvik", "kommun"), period(2026, 9, "lower_year")),
         note="Links in comments (w:hyperlink): their text belongs to the comment."),
    Spec("docx_page_break_in_comment", "Lägesbild Leksand april.docx",
         T(answers("121211", "3333333",
                   q3=Entry(3, "2", ("Klotter med gängsymboler vid tre skolor.", "\f",
                                     "Polisen har dokumenterat och sanering är beställd."),
                            fixed=True)),
           muni("Leksand", "template"), period(2026, 4, "manad_year"),
           noise=N({"header", "footer"})),
         note="A hard page break inside a comment."),
    Spec("docx_soft_breaks_one_paragraph", "Lägesbild Falun maj.docx",
         T(answers("231121", "5151515"), muni("Falun", "label"), period(2026, 5, "lower_year"),
           noise=N({"soft_breaks", "tab_after_label"})),
         note="Each question typed as one paragraph with Shift+Enter; tabs after the labels."),
    Spec("docx_blank_lines_alias_labels", "Lägesbild Borlänge augusti.docx",
         T(answers("212113", "6161616"), muni("Borlänge", "template"), period(2026, 8),
           noise=N({"blank_lines", "alias_labels"})),
         note="'Påverkansgrad:' and 'Kommentarer:' (label aliases), empty paragraphs inside "
              "comments."),
    Spec("docx_numbered_list_headings", "Lägesbild Vansbro juni.docx",
         T(answers("112121", "7272727"), muni("Vansbro", "kommun"), period(2026, 6),
           noise=N({"numbered_headings"})),
         note="Questions as a Word numbered list: the '1.' is not in the text."),
    Spec("docx_facts_in_title", "Lägesbild.Mora.docx",
         T(answers("221311", "0303030"), muni("Mora", "kommun"), period(2026, 10, "lower_year"),
           noise=N({"facts_in_title"})),
         note="Municipality and month only in the title 'Lägesbild sociala risker – Mora kommun, "
              "oktober 2026'."),
    Spec("docx_date_line_and_other_municipality", "Lägesbild Smedjebacken september.docx",
         T(answers("211211", "2222222",
                   q2=Entry(2, "1", ("Samverkan med Ludvika kommun och polisen kring våld i "
                                     "nära relationer har startat.",), fixed=True),
                   q7=Entry(7, comment=("Gemensam trygghetsvandring med Ludvika och Borlänge.",),
                            fixed=True)),
           Stated(MUNICIPALITY_LABEL, "Smedjebacken, socialförvaltningen", "Smedjebacken",
                  style="fixed"),
           period(2026, 9, "avser"), noise=N({"date_line"})),
         note="A 'Datum: 2026-10-02' line (not the period), a department after the municipality, "
              "other municipalities named in comments."),
    Spec("docx_municipality_only_in_filename", "Lägesbild Orsa november 2025.docx",
         T(answers("121121", "4545454"), None, period(2025, 11)),
         alternatives=N({("municipality", "Orsa")}),
         note="No municipality in the file: None + warning, or the file name's with a warning."),
    Spec("docx_period_only_in_filename", "Lägesbild_2026-11_Mora.docx",
         T(answers("211312", "5656565"), muni("Mora", "label"), None),
         alternatives=N({("period", "2026-11")}),
         note="No month in the file: None + warning, or the file name's with a warning."),
    Spec("docx_positive_question_with_impact", "Lägesbild Gagnef juli.docx",
         T(answers("121211", "1111111",
                   q7=Entry(7, line="Påverkan: 1", comment=pool(7, 0))),
           muni("Gagnef", "label"), period(2026, 7, "manad_year")),
         optional=N({"q7.impact"}),
         note="Someone added 'Påverkan: 1' under question 7: no impact there, and the line is "
              "not the comment."),
    Spec("docx_impact_and_comment_on_one_line", "Lägesbild Säter oktober.docx",
         T(answers("000000", "3333333",
                   q1=Entry(1, line="Påverkan: 2    Kommentar: Lugn månad.",
                            comment=("Lugn månad.",), comment_style="omit", want=2, fixed=True),
                   q2=Entry(2, line="Påverkan: 1\tKommentar: Inga kända händelser.",
                            comment=("Inga kända händelser.",), comment_style="omit", want=1,
                            fixed=True),
                   q3=Entry(3, "1", pool(3, 1)),
                   q4=Entry(4, line="Påverkan: 3 Kommentar: Bråk vid fritidsgården två fredagar.",
                            comment=("Bråk vid fritidsgården två fredagar.",),
                            comment_style="omit", want=3, fixed=True),
                   q5=Entry(5, "2", pool(5, 3)),
                   q6=Entry(6, "1", pool(6, 3))),
           muni("Säter", "kommun"), period(2026, 10, "month_year")),
         note="'Påverkan: 2    Kommentar: text' on a single line."),
    Spec("docx_subtables", "Lägesbild Malung-Sälen december 2025.docx",
         T(answers("2131.1", "0415263"),
           Stated("Kommun", "Malung Sälen", "Malung-Sälen", style="fixed"),
           period(2025, 12, "month_year")),
         layout="subtables",
         note="Each question a small table 'Påverkan (1-5) | Kommentar'; 'Malung Sälen' without "
              "the hyphen."),
    Spec("docx_level_aliases", "Lägesbild Avesta november.docx",
         T(answers("000000", "6060606",
                   q1=Entry(1, "Normalläge", pool(1, 6), want=1),
                   q2=Entry(2, "Något avvikande", pool(2, 0), want=2),
                   q3=Entry(3, "Oroväckande", pool(3, 6), want=3),
                   q4=Entry(4, "Allvarligt läge", pool(4, 0), want=4),
                   q5=Entry(5, "3 (oroande läge)", pool(5, 6), want=3),
                   q6=Entry(6, "Inget avvikande", pool(6, 0), want=1)),
           muni("Avesta", "template_gen"), period(2025, 11, "manad_year")),
         note="Level aliases from the form definition ('Normalläge', 'Något avvikande', …)."),
    Spec("docx_stale_template_month", "Lägesbild Borlänge.docx",
         T(answers("221212", "4141414"), muni("Borlänge", "template"),
           Stated("", "Juli månad\nPeriod: oktober 2026", "2026-10", style="fixed")),
         optional=N({"period"}),
         note="The template's 'Juli månad' left in the title and 'Period: oktober 2026' added: "
              "the full period wins (a warning is allowed)."),
    Spec("docx_table_checkboxes", "Lägesbild Ludvika (kryss).docx",
         T(answers("000000", "6363636",
                   q1=Entry(1, ticks=(2,), comment=pool(1, 6)),
                   q2=Entry(2, ticks=(1,), comment=pool(2, 3)),
                   q3=Entry(3, ticks=(3,), comment=pool(3, 6)),
                   q4=Entry(4, ticks=(2,), box="brackets", comment=pool(4, 3)),
                   q5=Entry(5, ticks=(4,), comment=pool(5, 6)),
                   q6=Entry(6, ticks=(), comment=pool(6, 3), fixed=True)),
           muni("Ludvika", "label"), period(2026, 4, "lower_year")),
         layout="table3", note="Checkbox rows inside the 'Påverkan (1-5)' table column."),
    # ---------------------------------------------------------------- XLSX
    Spec("xlsx_rows", "Lägesbild Hedemora mars 2026.xlsx",
         T(answers("213211", "0246813"), muni("Hedemora", "label"), period(2026, 3)),
         fmt="xlsx", layout="rows",
         note="Row per question with 'Kommun:'/'Månad:' cells above."),
    Spec("xlsx_transposed", "Lägesbild Gagnef maj.xlsx",
         T(answers("121313", "1357913"), muni("Gagnef", "label"), period(2026, 5, "lower_year")),
         fmt="xlsx", layout="transposed", note="Questions across the columns."),
    Spec("xlsx_text_numbers_and_words", "Lägesbild Rättvik.xlsx",
         T(answers("000000", "2461357",
                   q1=Entry(1, "3", pool(1, 2)),
                   q2=Entry(2, "Oroande", pool(2, 4), want=3),
                   q3=Entry(3, "3 – Oroande", pool(3, 6), want=3),
                   q4=Entry(4, "4 - Allvarligt", pool(4, 1), want=4),
                   q5=Entry(5, raw=2.0, comment=pool(5, 3)),
                   q6=Entry(6, "1 ", pool(6, 5), want=1)),
           muni("Rättvik", "label"), period(2026, 1, "iso"), noise=N({"numbers_as_text"})),
         fmt="xlsx", layout="rows", options=(("dropdown", True),),
         note="Numbers stored as text, a float 2.0, level words, '3 – Oroande' dropdown style."),
    Spec("xlsx_merged_with_instructions", "Lägesbild Ludvika.xlsx",
         T(answers("212131", "3210765"), muni("Ludvika", "template"), period(2026, 10)),
         fmt="xlsx", layout="merged",
         note="An 'Instruktioner' first sheet; answers on the second with merged cells."),
    Spec("xlsx_invalid_and_empty", "Lägesbild Orsa.xlsx",
         T(answers("1.2..1", "7777777",
                   q2=Entry(2, raw=6, comment=pool(2, 2), want=None, issue="error"),
                   q5=Entry(5, "3-4", pool(5, 2), want=None, issue="error")),
           muni("Orsa", "label"), period(2026, 7, "iso")),
         fmt="xlsx", layout="rows",
         note="An impact cell 6 (error), '3-4' (error) and empty cells (warning)."),
    Spec("xlsx_date_cell_period", "Lägesbild Vansbro.xlsx",
         T(answers("121211", "4444444"), muni("Vansbro", "kommun"), period_date(2026, 2)),
         fmt="xlsx", layout="rows",
         note="The month as a real date cell formatted 'mmmm yyyy'."),
    Spec("xlsm_macro_enabled", "Lägesbild Malung-Sälen.xlsm",
         T(answers("211211", "5555555"), muni("Malung-Sälen", "label"), period(2026, 3, "slash")),
         fmt="xlsm", layout="rows", note="A macro-enabled workbook."),
    Spec("xlsx_wide_with_sources", "Lägesbild Älvdalen sep.xlsx",
         T(answers("312121", "2703142"), muni("Älvdalen", "label"), period(2026, 9, "abbr_full")),
         fmt="xlsx", layout="wide",
         note="Nr | Område | Fråga | Påverkan | Kommentar | Källa, a contact line below; 'Sep 2026'."),
    Spec("xlsx_blank_template_sheet_first", "Lägesbild Leksand (ifylld).xlsx",
         T(answers("221131", "1717171"), muni("Leksand", "label"), period(2026, 2, "lower_year")),
         fmt="xlsx", layout="blank_first",
         note="An untouched 'Mall' sheet first, the filled sheet 'Februari' second."),
    Spec("xlsx_alias_headers", "Lägesbild Orsa maj.xlsx",
         T(answers("211321", "5353535"), muni("Orsa", "label_gen"), period(2026, 5, "lower_year"),
           noise=N({"alias_labels"})),
         fmt="xlsx", layout="rows",
         note="Column headers 'Område | Bedömd påverkan (1-5) | Beskrivning'."),
    Spec("xlsx_comment_continues_next_row", "Lägesbild Mora juni.xlsx",
         T(answers("212111", "5555555",
                   q2=Entry(2, "3", ("Två misshandelsfall i centrum.", "Polisen utreder båda.",
                                     "Inget tyder på koppling mellan dem."), fixed=True)),
           muni("Mora", "label"), period(2026, 6, "lower_year"), noise=N({"split_comment_rows"})),
         fmt="xlsx", layout="rows",
         note="Comments continued on the next rows, only in the comment column."),
    Spec("xlsx_previous_month_column", "Lägesbild Hedemora juli.xlsx",
         T(answers("123121", "2020202"), muni("Hedemora", "label"), period(2026, 7, "lower_year"),
           noise=N({"previous_column"})),
         fmt="xlsx", layout="rows",
         note="A column 'Påverkan förra månaden' left of this month's 'Påverkan (1-5)'."),
    Spec("xlsx_formulas_recalculated", "Lägesbild Avesta april 2026.xlsx",
         T(answers("324122", "6543210"), muni("Avesta", "label"), period(2026, 4, "lower_year")),
         fmt="lo-xlsx", layout="formulas",
         note="Impact =MAX() of sub-scores, municipality and month from formulas; cached "
              "values written by LibreOffice."),
    # ---------------------------------------------------------------- PDF
    Spec("pdf_lo_template_natural", "Lägesbild oktober 2026 Ludvika.pdf", NATURAL,
         fmt="lo-pdf", note="docx_template_natural printed to PDF by LibreOffice."),
    Spec("pdf_lo_table_three_columns", "Lägesbild Mora april 2026.pdf", TABLE3,
         fmt="lo-pdf", layout="table3", note="docx_table_three_columns as PDF."),
    Spec("pdf_lo_variant", "Lägesbild juli 2026 Malung-Sälen.pdf", VARIANT,
         fmt="lo-pdf", layout="variant", note="docx_variant_range_label as PDF."),
    Spec("pdf_lo_checkbox", "Lägesbild Säter maj 2026.pdf", CHECKBOX,
         fmt="lo-pdf", note="docx_checkbox_unicode as PDF."),
    Spec("pdf_lo_reordered", "Lägesbild Avesta februari 2026.pdf", REORDERED,
         fmt="lo-pdf", note="docx_reordered_renamed as PDF."),
    Spec("pdf_lo_page_break_header_footer", "Lägesbild Leksand april.pdf",
         T(answers("121211", "3333333",
                   q3=Entry(3, "2", ("Klotter med gängsymboler vid tre skolor.", "\f",
                                     "Polisen har dokumenterat och sanering är beställd."),
                            fixed=True)),
           muni("Leksand", "template"), period(2026, 4, "manad_year"),
           noise=N({"header", "footer"})),
         fmt="lo-pdf",
         note="A comment split by a page break: the page header and 'Sida 1 av 3' footer sit in "
              "the middle of it in the PDF text and must not end up in the comment."),
    Spec("pdf_lo_numbered_list_headings", "Lägesbild Vansbro juni.pdf",
         T(answers("112121", "7272727"), muni("Vansbro", "kommun"), period(2026, 6),
           noise=N({"numbered_headings"})),
         fmt="lo-pdf", note="docx_numbered_list_headings as PDF (the numbers now are text)."),
    Spec("pdf_lo_subtables", "Lägesbild Malung-Sälen december 2025.pdf",
         T(answers("2131.1", "0415263"),
           Stated("Kommun", "Malung Sälen", "Malung-Sälen", style="fixed"),
           period(2025, 12, "month_year")),
         fmt="lo-pdf", layout="subtables", note="docx_subtables as PDF."),
    Spec("pdf_reportlab_text", "Lägesbild Borlänge januari.pdf",
         T(answers("223121", "7531642",
                   q4=Entry(4, "1", ("Lugnt på skolorna under jullovet.", "\f",
                                     "Fritidsgårdarna hade extra öppet med god uppslutning."),
                            fixed=True)),
           muni("Borlänge", "template"), period(2026, 1),
           noise=N({"header", "footer"})),
         fmt="pdf", note="A text PDF (no LibreOffice), two pages, header and page numbers."),
    Spec("pdf_acroform_filled", "Lägesbild Leksand ifyllbar.pdf",
         T(answers("231000", "1234567",
                   q4=Entry(4, "Oroande", pool(4, 4), want=3),
                   q5=Entry(5, "2", pool(5, 5)),
                   q6=Entry(6, None, pool(6, 6))),
           muni("Leksand", "plain"), period(2026, 3, "lower_year")),
         fmt="acroform",
         note="Fillable PDF: values only in AcroForm fields Kommun, Manad, PaverkanN, KommentarN."),
    Spec("pdf_scanned", "Skanning_20261029_0912.pdf",
         T(answers("212121", "1111111"), muni("Orsa", "template"), period(2026, 10)),
         fmt="scanned", file_error=True, note="A scan without a text layer: file error."),
    Spec("pdf_encrypted", "Lägesbild (lösenord).pdf",
         T(answers("212121", "2222222"), muni("Hedemora", "template"), period(2026, 10)),
         fmt="encrypted", file_error=True, note="A PDF that needs a password to open."),
    # ---------------------------------------------------------------- OTHER
    Spec("odt_lo_template", "Lägesbild Falun november 2025.odt",
         T(answers("312212", "2461357"), muni("Falun", "kommun"), period(2025, 11)),
         fmt="lo-odt", note="The template saved as .odt by LibreOffice."),
    Spec("odt_odfpy_template", "Lägesbild Rättvik december.odt",
         T(answers("121131", "3333333"), muni("Rättvik", "label"), period(2025, 12, "manad_year")),
         fmt="odt", note="An .odt written directly (odfpy), with a bullet list."),
    Spec("ods_lo_rows", "Lägesbild Smedjebacken.ods",
         T(answers("113211", "0123456"), muni("Smedjebacken", "label"), period(2026, 6, "iso")),
         fmt="lo-ods", layout="rows", note="The row layout saved as .ods by LibreOffice."),
    Spec("ods_odfpy_rows", "Lägesbild Säter juni.ods",
         T(answers("211312", "6543210"), muni("Säter", "label"), period(2026, 6, "lower_year")),
         fmt="ods", layout="rows", note="An .ods written directly (odfpy)."),
    Spec("xls_xlwt_rows", "Lägesbild Älvdalen.xls",
         T(answers("123121", "1472583"), muni("Älvdalen", "label"), period(2026, 8)),
         fmt="xls", layout="rows", note="A legacy .xls (numbers are floats 3.0)."),
    Spec("doc_word97", "Lägesbild Mora.doc",
         T(answers("212121", "1111111"), muni("Mora", "template"), period(2026, 10)),
         fmt="lo-doc", file_error=True,
         note="A binary Word 97 .doc: file error asking for .docx."),
    Spec("docx_truncated", "Lägesbild Ludvika (trasig).docx",
         T(answers("212121", "1111111"), muni("Ludvika", "template"), period(2026, 10)),
         fmt="truncated", file_error=True, note="A truncated .docx: file error."),
    Spec("zip_named_docx", "Lägesbild november.docx",
         T(answers("212121"), None, None), fmt="zip", file_error=True,
         note="A zip archive that is not a Word document: file error."),
    Spec("empty_file", "Lägesbild oktober.docx",
         T(answers("212121"), None, None), fmt="empty", file_error=True,
         note="Zero bytes: file error."),
    Spec("rtf_document", "Lägesbild Avesta.rtf",
         T(answers("212121", "1111111"), muni("Avesta", "template"), period(2026, 10)),
         fmt="rtf", file_error=True, note="RTF is refused with a file error."),
    Spec("txt_variant_pasted", "lagesbild_mora.txt",
         T(answers("21.312", "0246802"), muni("Mora", "label"), period(2026, 9, "iso"),
           comment_style="no_label"),
         fmt="txt", layout="variant",
         options=(("preamble", ("Hej!", "Här kommer månadens lägesbild.", "")),),
         note="The variant form pasted into a text file (UTF-8, CRLF)."),
    Spec("txt_template_cp1252", "lagesbild_hedemora.txt",
         T(answers("121212", "1357135"), muni("Hedemora", "label"), period(2026, 5),
           noise=N({"no_intro"})),
         fmt="txt", layout="template", options=(("encoding", "cp1252"),),
         note="The template as Windows-1252 text (Notepad 'ANSI')."),
]


def _check_unique(specs: list[Spec]) -> None:
    names = [s.name for s in specs]
    files = [s.filename for s in specs]
    dupes = {n for n in names if names.count(n) > 1} | {f for f in files if files.count(f) > 1}
    if dupes:
        raise ValueError(f"duplicate case names/files: {sorted(dupes)}")


_check_unique(SPECS)
CASES: list[Case] = [make_case(s) for s in SPECS]
CASES_BY_NAME: dict[str, Case] = {c.name: c for c in CASES}


def variant_cases(copies: int, seed: int = 2026) -> list[Case]:
    """`copies` deterministic variants of every spec (for the benchmark corpus)."""
    out = []
    for spec in SPECS:
        for i in range(copies):
            rng = random.Random(f"{seed}:{spec.name}:{i}")
            out.append(make_case(vary(spec, rng, i, tag=f"s{seed}")))
    return out


__all__ = ["CASES", "CASES_BY_NAME", "Case", "Expected", "FIELDS", "POOL", "SPECS", "Spec",
           "VALUE_FIELDS", "expect", "make_case", "variant_cases", "vary"]
