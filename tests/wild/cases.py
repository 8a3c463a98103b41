"""The wild cases: the Dalarna template mutated the way coordinators really fill it in.

Each `WildCase` builds one real file and says, field by field, what a careful
county clerk would record (`F.want`) and how sure anyone can be:

- "clean": the value is plain to a reader; the parser should return it (an
  issue on the field is tolerated but counted as noise).
- "may":   a reader gets the value, but a parser may reasonably be unsure;
  a wrong or missing value is acceptable only with an issue on the field.
- "must":  a human cannot tell either (or the value comes from a fallback
  such as the file name): the field must carry an issue.

`F.alts` are other values that are just as right (e.g. a numbered list kept
with or without its numbers). Comments are compared after
`tests.builders.normalise_comment` (whitespace collapsed, bullets stripped).
Fields: municipality, period, q1..q6.impact, q1..q7.comment (q7.impact must
always be None and is checked separately).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from tests.builders import normalise_comment
from tests.builders.other_builder import Conversion, convert
from tests.wild.builders import (
    INSTRUCTION,
    INTRO,
    MUNICIPALITY_LABEL,
    SHORT,
    TEMPLATE_MONTH,
    TITLE_LINES,
    Docx,
    Item,
    P,
    PdfField,
    Run,
    Tbl,
    XSheet,
    build_acroform,
    build_docx,
    build_xlsx,
    heading,
    num,
    variant_heading,
)

IMPACT_FIELDS = tuple(f"q{q}.impact" for q in range(1, 7))
COMMENT_FIELDS = tuple(f"q{q}.comment" for q in range(1, 8))
FIELDS: tuple[str, ...] = ("municipality", "period", *IMPACT_FIELDS, *COMMENT_FIELDS)


# --------------------------------------------------------------------------
# Expectations
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class F:
    """The expectation for one field: the clerk's value, how sure, other right values."""

    want: object
    flag: str = "clean"  # "clean" | "may" | "must"
    alts: tuple[object, ...] = ()

    def __post_init__(self) -> None:
        if self.flag not in ("clean", "may", "must"):
            raise ValueError(self.flag)

    def accepts(self, field_name: str, value: object) -> bool:
        """True when `value` is the clerk's value or an equally right alternative."""
        options = (self.want, *self.alts)
        if field_name.endswith(".comment"):
            got = normalise_comment(value) if isinstance(value, str) else value
            return any(isinstance(o, str) and normalise_comment(o) == got for o in options)
        return value in options


Expect = dict[str, F]


def _f(value: object, default: str = "clean") -> F:
    return value if isinstance(value, F) else F(value, default)


def _comment(value: str | tuple[str, ...] | F) -> F:
    if isinstance(value, F):
        return value
    if isinstance(value, tuple):
        return F("\n".join(value))
    return F(value)


def expect(municipality: str | None | F, period: str | None | F,
           impacts: dict[int, int | None | F], comments: dict[int, str | tuple[str, ...] | F]) -> Expect:
    """An expectation. A plain None impact means "left blank": None with a required issue."""
    out: Expect = {
        "municipality": _f(municipality, "must" if municipality is None else "clean"),
        "period": _f(period, "must" if period is None else "clean"),
    }
    for q in range(1, 7):
        v = impacts[q]
        out[f"q{q}.impact"] = v if isinstance(v, F) else F(v, "must" if v is None else "clean")
    for q in range(1, 8):
        c = comments.get(q, "")
        out[f"q{q}.comment"] = _comment(c) if c != "" else F("", "may")
    return out


def refused(municipality: str | None, period: str | None | F) -> Expect:
    """Another county's form: no answer may be read as if it were Dalarna's.

    Every impact needs an issue (a `file` error covers all fields); a comment
    may be "" but text taken from the foreign form needs an issue. The
    municipality and period are what the form says, or None with an issue.
    """
    out: Expect = {"municipality": F(municipality, "may", alts=(None,)),
                   "period": period if isinstance(period, F) else F(period, "may", alts=(None,))}
    for name in IMPACT_FIELDS:
        out[name] = F(None, "must")
    for name in COMMENT_FIELDS:
        out[name] = F("", "may")
    return out


@dataclass(frozen=True)
class WildCase:
    """One file and the clerk's reading of it.

    `source()` builds the file (or, with `convert_to`, the LibreOffice source
    with extension `source_ext`). `pattern` groups cases by the real-life habit
    they stand for.
    """

    name: str
    filename: str
    source: Callable[[], bytes]
    expect: Expect
    note: str
    pattern: str
    convert_to: str | None = None
    source_ext: str = "docx"
    extra: dict[str, F] = field(default_factory=dict)

    def conversion(self) -> Conversion | None:
        if self.convert_to is None:
            return None
        return Conversion(self.source(), self.source_ext, self.convert_to)

    def build(self) -> bytes:
        """The file's bytes (converted by LibreOffice when `convert_to` is set)."""
        if self.convert_to is None:
            return self.source()
        return convert(self.source(), self.source_ext, self.convert_to)


# --------------------------------------------------------------------------
# Comment bank (invented, no personal data) and the default answers
# --------------------------------------------------------------------------

C: dict[int, tuple[str, ...]] = {
    1: ("Inbrott i källarförråd i två flerfamiljshus på norra sidan. Polisen har ökat närvaron "
        "kvällstid.",),
    2: ("En misshandel i samband med krogstängningen. Socialtjänsten ser fler ärenden om våld i "
        "nära relationer.",),
    3: ("Klistermärken med vit makt-budskap vid busshållplatser i centrum, sanerade inom ett dygn.",),
    4: ("Stökigt på fritidsgården två fredagar, fältassistenterna har förstärkt kvällstid.",),
    5: ("Polisen har beslagtagit cannabis hos ungdomar vid två tillfällen. Langning av alkohol "
        "inför höstlovet.",),
    6: ("Hot mot en handläggare på försörjningsstödet har polisanmälts.",),
    7: ("Trygghetsvandring med bostadsbolaget och polisen i västra bostadsområdet.",),
}
C2: dict[int, tuple[str, ...]] = {
    1: ("Buskörning med mopeder och EPA-traktorer på torget fredagskvällar.",),
    2: ("Inga kända händelser utöver det vanliga.",),
    3: ("Inga indikationer denna månad.",),
    4: ("Bråk på högstadieskolan efter en konflikt i sociala medier, rektor har haft föräldramöte.",),
    5: ("Inget särskilt att rapportera.",),
    6: ("Marknadsdagar i centrum nästa månad, polisen är informerad.",),
    7: ("Nattvandrarna har varit ute alla helger.",),
}


def joined(q: int, bank: dict[int, tuple[str, ...]] = C) -> str:
    return "\n".join(bank[q])


def block(impact: str | None, comment: tuple[str, ...] = (), style: str = "same") -> list[Item]:
    """The lines under a question: "Påverkan: <impact>", a blank line, "Kommentar: …"."""
    out: list[Item] = []
    if impact is not None:
        out.append(f"Påverkan: {impact}")
    out.append("")
    if style == "same" and comment:
        out.append(f"Kommentar: {comment[0]}")
        out.extend(comment[1:])
    else:
        out.append("Kommentar:")
        out.extend(comment)
    return out


def std_blocks(impacts: str, bank: dict[int, tuple[str, ...]] = C) -> dict[int, list[Item]]:
    """Blocks for all seven questions; `impacts` is six characters, "." = left as "1-5"."""
    out: dict[int, list[Item]] = {}
    for q in range(1, 8):
        if q == 7:
            out[q] = block(None, bank[7])
        else:
            ch = impacts[q - 1]
            out[q] = block("1-5" if ch == "." else ch, bank[q])
    return out


def std_expect(municipality: str | None | F, period: str | None | F, impacts: str,
               bank: dict[int, tuple[str, ...]] = C, /, **over: F) -> Expect:
    """The expectation for `std_blocks(impacts, bank)`, with field overrides ("q3_impact")."""
    imp: dict[int, int | None | F] = {q: (None if impacts[q - 1] == "." else int(impacts[q - 1]))
                                      for q in range(1, 7)}
    out = expect(municipality, period, imp, {q: joined(q, bank) for q in range(1, 8)})
    for key, value in over.items():
        out[key.replace("_", ".")] = value
    return out


def template(blocks: Mapping[int, Sequence[Item]], *, month: str | None = "Oktober 2026",
             muni_line: str | None = f"{MUNICIPALITY_LABEL}: Ludvika",
             headings: dict[int, str] | None = None, intro: bool = True,
             top: tuple[Item, ...] = (), after_month: tuple[Item, ...] = (),
             after: tuple[Item, ...] = ()) -> tuple[Item, ...]:
    """The seed template (title, month line, intro, municipality line, questions) filled in.

    A question missing from `blocks` has been deleted by the coordinator.
    """
    items: list[Item] = [*top, P(Run(TITLE_LINES[0], bold=True)), P(Run(TITLE_LINES[1], bold=True))]
    if month is not None:
        items.append(P(Run(month, bold=True)))
    items += [*after_month, ""]
    if intro:
        items += list(INTRO)
    if muni_line is not None:
        items += ["", muni_line]
    items += ["", INSTRUCTION, ""]
    for q, lines in blocks.items():
        items.append((headings or {}).get(q, heading(q)))
        items += lines
        items.append("")
    items += list(after)
    return tuple(items)


def docx_case(name: str, filename: str, body: tuple[Item, ...], exp: Expect, note: str,
              pattern: str, **docx_opts: object) -> WildCase:
    spec = Docx(body, **docx_opts)  # type: ignore[arg-type]
    return WildCase(name, filename, cache(lambda: build_docx(spec)), exp, note, pattern)


def lo_case(base: WildCase, name: str, filename: str, target: str, note: str) -> WildCase:
    """`base` converted by LibreOffice; the clerk reads the same values."""
    ext = "xlsx" if base.filename.endswith(".xlsx") else "docx"
    return WildCase(name, filename, base.source, base.expect, note, base.pattern,
                    convert_to=target, source_ext=ext)


def xlsx_case(name: str, filename: str, sheets: list[XSheet], exp: Expect, note: str,
              pattern: str, active: int = 0) -> WildCase:
    return WildCase(name, filename, cache(lambda: build_xlsx(sheets, active)), exp, note, pattern,
                    source_ext="xlsx")


CASES: list[WildCase] = []


def add(case: WildCase) -> WildCase:
    CASES.append(case)
    return case


# --------------------------------------------------------------------------
# Word: the template, typed over
# --------------------------------------------------------------------------

T01 = add(docx_case(
    "t01_baseline", "Lägesbild oktober 2026 Falun.docx",
    template(std_blocks("211321"), muni_line=f"{MUNICIPALITY_LABEL}: Falu kommun"),
    std_expect("Falun", "2026-10", "211321"),
    "The template filled in by the book: a control case.", "baseline"))

add(docx_case(
    "t02_digit_outside_label", "Lägesbild Leksand okt.docx",
    template({1: block("2", C[1]),
              2: ["3 Påverkan: 1-5", "", f"Kommentar: {C[2][0]}"],
              3: ["Påverkan: 3 1-5", "", f"Kommentar: {C[3][0]}"],
              4: ["2Påverkan: 1-5", "", f"Kommentar: {C[4][0]}"],
              5: ["Påverkan: 1-5 2", "", f"Kommentar: {C[5][0]}"],
              6: ["Påverkan:1", "", f"Kommentar: {C[6][0]}"],
              7: block(None, C[7])},
             muni_line=f"{MUNICIPALITY_LABEL}: Leksand"),
    std_expect("Leksand", "2026-10", "233221",
               q2_impact=F(3, "may"), q3_impact=F(3, "may"), q4_impact=F(2, "may"), q5_impact=F(2, "may")),
    "The digit typed before the label ('3 Påverkan: 1-5', '2Påverkan: 1-5'), before the range "
    "('Påverkan: 3 1-5'), after it ('1-5 2'), without a space ('Påverkan:1').",
    "digit typed beside the untouched range"))

add(docx_case(
    "t03_kommentar_label_without_colon", "Lägesbild Mora oktober 2026.docx",
    template({1: ["Påverkan: 3.", "Kommentar", *C[1]],
              2: ["Påverkan: 2", "", f"Kommentar {C[2][0]}"],
              3: ["Påverkan: 1", "", f"Kommentar - {C2[3][0]}"],
              4: ["Påverkan 3", "", f"Kommentar: {C[4][0]}"],
              5: ["Påverkan 2", "Kommentar:", *C[5]],
              6: ["Påverkan 1", "", f"Kommentar {C[6][0]}"],
              7: ["Kommentar", *C[7]]},
             muni_line=f"{MUNICIPALITY_LABEL} Mora"),
    expect("Mora", "2026-10", {1: 3, 2: 2, 3: 1, 4: 3, 5: 2, 6: 1},
           {1: joined(1), 2: joined(2), 3: C2[3][0], 4: joined(4), 5: joined(5), 6: joined(6),
            7: joined(7)}),
    "'Påverkan: 3.' then 'Kommentar' on its own line; 'Kommentar text' and 'Kommentar - text' "
    "with the colon deleted; 'Påverkan 3' without colon; 'Underlaget inlämnat av kommun Mora'.",
    "labels typed without colon"))

add(docx_case(
    "t04_range_kept_value_below", "Lägesbild Avesta oktober 2026.docx",
    template({1: ["Påverkan: 1-5", "3", "", f"Kommentar: {C[1][0]}"],
              2: ["Påverkan: 1-5", "Avvikande", "", f"Kommentar: {C[2][0]}"],
              3: ["Påverkan: 1-5", "", "1", "", f"Kommentar: {C2[3][0]}"],
              4: ["Påverkan: 1-5", "4 Allvarligt", "", f"Kommentar: {C[4][0]}"],
              5: ["Påverkan: 1-5", "2 (Avvikande)", "", f"Kommentar: {C[5][0]}"],
              6: ["Påverkan: 1-5", "", f"Kommentar: {C[6][0]}"],
              7: block(None, C[7])},
             muni_line=f"{MUNICIPALITY_LABEL}: Avesta"),
    expect("Avesta", "2026-10",
           {1: F(3, "may"), 2: F(2, "may"), 3: F(1, "may"), 4: F(4, "may"), 5: F(2, "may"), 6: None},
           {1: joined(1), 2: joined(2), 3: C2[3][0], 4: joined(4), 5: joined(5), 6: joined(6),
            7: joined(7)}),
    "'Påverkan: 1-5' left as printed and the value typed on the next line (once after a blank "
    "line); Q6 really left blank.",
    "value on the line below the untouched label"))

T05 = add(docx_case(
    "t05_between_values_and_history", "Lägesbild Borlänge oktober 2026.docx",
    template({1: block("2-3", C[1]),
              2: block("3 (tidigare 2)", C[2]),
              3: block("2 → 3", C[3]),
              4: block("3 i centrum, 1 i övriga kommunen", C[4]),
              5: block("2, ev. 3", C[5]),
              6: block("1 (oförändrat)", C[6]),
              7: block(None, C[7])},
             muni_line=f"{MUNICIPALITY_LABEL}: Borlänge"),
    expect("Borlänge", "2026-10",
           {1: None, 2: F(3, "may"), 3: F(3, "may"), 4: None, 5: None, 6: 1},
           {q: joined(q) for q in range(1, 8)}),
    "'2-3', '3 (tidigare 2)', '2 → 3' (raised from 2 to 3), '3 i centrum, 1 i övriga kommunen', "
    "'2, ev. 3', '1 (oförändrat)'.",
    "value with a history or a second value"))

add(docx_case(
    "t06_formatted_digit_in_scale", "Lägesbild Gagnef oktober 2026.docx",
    template({1: [P("Påverkan: 1 2 ", Run("3", bold=True), " 4 5"), "", f"Kommentar: {C[1][0]}"],
              2: [P("Påverkan: 1 2 3 ", Run("4", highlight="yellow"), " 5"), "", f"Kommentar: {C[2][0]}"],
              3: [P("Påverkan: 1 ", Run("2", underline=True), " 3 4 5"), "", f"Kommentar: {C[3][0]}"],
              4: [P("Påverkan: 1 2 ", Run("3", color="FF0000", bold=True), " 4 5"), "",
                  f"Kommentar: {C[4][0]}"],
              5: [P("Påverkan: ", Run("1 2", strike=True), " 3 ", Run("4 5", strike=True)), "",
                  f"Kommentar: {C[5][0]}"],
              6: ["Påverkan: 1 2X 3 4 5", "", f"Kommentar: {C[6][0]}"],
              7: block(None, C[7])},
             muni_line=f"{MUNICIPALITY_LABEL}: Gagnef"),
    expect("Gagnef", "2026-10",
           {1: None, 2: None, 3: None, 4: None, 5: F(3, "may"), 6: F(2, "may")},
           {q: joined(q) for q in range(1, 8)}),
    "A template printing 'Påverkan: 1 2 3 4 5': the answer marked by bold, highlight, underline, "
    "red colour (invisible to a text reader: None + issue), the others struck through, an X "
    "typed after the digit.",
    "answer marked by formatting"))

T07 = add(docx_case(
    "t07_numbered_list_in_comment", "Lägesbild Rättvik oktober 2026.docx",
    template({1: ["Påverkan: 3", "", "Kommentar:",
                  num("Ungdomar samlas vid torget sena kvällar och det har varit bråk."),
                  num("Inbrott i tre förråd på Stationsgatan."),
                  num("Droger förekommer enligt polisen i samma grupp.")],
              **{q: block(v, C[q]) for q, v in ((2, "1"), (3, "1"), (4, "2"), (5, "3"), (6, "1"))},
              7: block(None, C[7])},
             muni_line=f"{MUNICIPALITY_LABEL}: Rättvik"),
    std_expect("Rättvik", "2026-10", "311231",
               q1_comment=F("Ungdomar samlas vid torget sena kvällar och det har varit bråk.\n"
                            "Inbrott i tre förråd på Stationsgatan.\n"
                            "Droger förekommer enligt polisen i samma grupp.",
                            alts=("1. Ungdomar samlas vid torget sena kvällar och det har varit bråk.\n"
                                  "2. Inbrott i tre förråd på Stationsgatan.\n"
                                  "3. Droger förekommer enligt polisen i samma grupp.",))),
    "A Word auto-numbered list in Q1's comment whose items begin 'Ungdomar …' and 'Droger …' "
    "(aliases of Q4 and Q5): the numbers must not make them question headings.",
    "numbered list inside a comment"))

add(docx_case(
    "t08_typed_numbered_items_naming_questions", "Lägesbild Hedemora oktober 2026.docx",
    template({1: block("2", C[1]),
              2: ["Påverkan: 3", "", "Kommentar: Polisens veckorapporter visar:",
                  "1. Hot och våld i hemmet har ökat under hösten.",
                  "2. Ungdomar: rån mot yngre elever vid skolan vid två tillfällen.",
                  "3. Extremism: inget nytt."],
              **{q: block(v, C[q]) for q, v in ((3, "1"), (4, "3"), (5, "2"), (6, "1"))},
              7: block(None, C[7])},
             muni_line=f"{MUNICIPALITY_LABEL}: Hedemora"),
    std_expect("Hedemora", "2026-10", "231321",
               q2_comment=F("Polisens veckorapporter visar:\n1. Hot och våld i hemmet har ökat under "
                            "hösten.\n2. Ungdomar: rån mot yngre elever vid skolan vid två "
                            "tillfällen.\n3. Extremism: inget nytt.")),
    "Typed '1.', '2.', '3.' items in Q2's comment starting with question names (Q4 'Ungdomar:', "
    "Q3 'Extremism:').",
    "numbered list inside a comment"))

add(docx_case(
    "t09_comments_starting_with_digits", "Lägesbild Orsa oktober 2026.docx",
    template({1: block("1-5", ("3 inbrott, 2 bränder i soprum.",)),
              2: ["Påverkan:", "2 misshandelsfall i centrum under helgerna.", "", "Kommentar:"],
              3: ["Påverkan: 1", "", "Kommentar:", "4 klistermärken hittade och sanerade."],
              4: block("2", ("5 elever avstängda efter bråk på rasten.",)),
              5: ["Påverkan: 1-5", "", "Kommentar:", "1 beslag av cannabis vid gymnasiet."],
              6: block("2", ("2 hot mot politiker via sociala medier.",)),
              7: block(None, ("3 trygghetsvandringar genomförda.",))},
             muni_line=f"{MUNICIPALITY_LABEL}: Orsa"),
    expect("Orsa", "2026-10", {1: None, 2: None, 3: 1, 4: 2, 5: None, 6: 2},
           {1: "3 inbrott, 2 bränder i soprum.", 2: "2 misshandelsfall i centrum under helgerna.",
            3: "4 klistermärken hittade och sanerade.", 4: "5 elever avstängda efter bråk på rasten.",
            5: "1 beslag av cannabis vid gymnasiet.", 6: "2 hot mot politiker via sociala medier.",
            7: "3 trygghetsvandringar genomförda."}),
    "Comments that begin with a count ('3 inbrott, 2 bränder') while the impact is left blank: "
    "the count is not the impact.",
    "comment starting with a digit"))

add(docx_case(
    "t10_prose_with_label_words", "Lägesbild Säter oktober 2026.docx",
    template({1: block("2", ("Påverkan på verksamheten har varit liten men boende är oroliga.",)),
              2: ["Påverkan: 1", "", "Kommentar:", "Kommentar från polisen: inga nya ärenden."],
              3: ["Påverkan: 2", "", "Kommentar: Klotter vid skolan.",
                  "Bedömning: oroande utveckling i centrum."],
              4: block("1", ("Läget är normalt på skolorna, inga kritiska händelser.",)),
              5: block("3", ("Fler beslag än vanligt.", "Nivå på langningen är oförändrad.",
                             "Grad av oro hos föräldrar är hög.")),
              6: ["Påverkan: 1", "", "Svar: Inget övrigt."],
              7: block(None, ("Månad för månad ser vi färre anmälningar.",))},
             muni_line=f"{MUNICIPALITY_LABEL}: Säter"),
    expect("Säter", "2026-10", {1: 2, 2: 1, 3: F(2, "may"), 4: 1, 5: 3, 6: 1},
           {1: "Påverkan på verksamheten har varit liten men boende är oroliga.",
            2: "Kommentar från polisen: inga nya ärenden.",
            3: "Klotter vid skolan.\nBedömning: oroande utveckling i centrum.",
            4: "Läget är normalt på skolorna, inga kritiska händelser.",
            5: "Fler beslag än vanligt.\nNivå på langningen är oförändrad.\nGrad av oro hos föräldrar är hög.",
            6: "Inget övrigt.", 7: "Månad för månad ser vi färre anmälningar."}),
    "Comments using the words Påverkan, Kommentar, Bedömning, Nivå, Grad, Månad and level words "
    "in prose.",
    "label words in comment prose"))

add(docx_case(
    "t11_answer_on_question_line", "Lägesbild Vansbro oktober 2026.docx",
    template({1: ["Påverkan: 1", "", "Kommentar:"],
              2: ["Påverkan: 1-5", "", f"Kommentar: {C[2][0]}"],
              **{q: block(v, C[q]) for q, v in ((3, "1"), (4, "2"), (5, "2"), (6, "1"))},
              7: block(None, C[7])},
             headings={1: heading(1) + " Lugnt, inga händelser utöver det vanliga.",
                       2: heading(2) + " 2"},
             muni_line=f"{MUNICIPALITY_LABEL}: Vansbro"),
    std_expect("Vansbro", "2026-10", "121221",
               q1_comment=F("Lugnt, inga händelser utöver det vanliga."),
               q2_impact=F(2, "may")),
    "Answers typed on the question line after the '?': a comment on Q1, the impact digit on Q2 "
    "(whose 'Påverkan: 1-5' is untouched).",
    "answer typed after the question mark"))

add(docx_case(
    "t12_shortened_headings_no_intro", "Lägesbild Älvdalen oktober 2026.docx",
    template({q: block(v, C2[q]) if q != 7 else block(None, C2[7])
              for q, v in ((1, "2"), (2, "1"), (3, "1"), (4, "3"), (5, "1"), (6, "1"), (7, None))},
             headings={1: "1. Ordningsstörningar", 2: "2. Hot/våld", 3: "3. Extremism",
                       4: "4. Ungdomar", 5: "5. ANDT", 6: "6. Övrigt", 7: "7. Positivt"},
             intro=False, muni_line=f"{MUNICIPALITY_LABEL}: Älvdalen"),
    std_expect("Älvdalen", "2026-10", "211311", C2),
    "Question texts deleted, headings shortened to '1. Ordningsstörningar', '5. ANDT', "
    "'7. Positivt'; the intro deleted.",
    "question text shortened"))

add(docx_case(
    "t13_headings_renamed", "Lägesbild Smedjebacken oktober 2026.docx",
    template({q: block(v, C[q]) if q != 7 else block(None, C[7])
              for q, v in ((1, "2"), (2, "1"), (3, "2"), (4, "3"), (5, "2"), (6, "1"), (7, None))},
             headings={1: "Fråga 1 – Ordning och trygghet", 2: "Fråga 2 – Våld",
                       3: "Radikalisering och kriminella nätverk:", 4: "Skola och fritid:",
                       5: "Narkotika och alkohol:", 6: "Övrigt:", 7: "Positiva händelser:"},
             muni_line=f"{MUNICIPALITY_LABEL}: Smedjebacken"),
    std_expect("Smedjebacken", "2026-10", "212321"),
    "Headings rewritten in the coordinator's own words ('Fråga 2 – Våld', 'Skola och fritid:', "
    "'Narkotika och alkohol:'), order kept.",
    "question renamed"))

T14 = add(docx_case(
    "t14_label_typos_and_caps", "Lägesbild Malung-Sälen oktober 2026.docx",
    template({1: ["Påvarkan: 3", "", f"Kommentar: {C[1][0]}"],
              2: ["PÅVERKAN: 2", "", f"KOMMENTAR: {C[2][0]}"],
              3: ["Påverkan 1", "", f"Kommentarer: {C2[3][0]}"],
              4: ["Påverkan: 2", "", f"Kommnetar: {C[4][0]}"],
              5: ["Bedömning: 3", "", f"Svar: {C[5][0]}"],
              6: ["Paverkan: 1", "", f"Komentar: {C[6][0]}"],
              7: ["Kommentar:", *C[7]]},
             muni_line="Kommun: Malung Sälen"),
    expect("Malung-Sälen", "2026-10", {1: F(3, "may"), 2: 2, 3: 1, 4: 2, 5: 3, 6: F(1, "may")},
           {1: joined(1), 2: joined(2), 3: C2[3][0], 4: joined(4), 5: joined(5), 6: joined(6),
            7: joined(7)}),
    "Typos in labels ('Påvarkan', 'Kommnetar', 'Paverkan', 'Komentar'), capitals, 'Kommentarer:', "
    "'Bedömning:', 'Svar:'; 'Kommun: Malung Sälen' without hyphen.",
    "label typos"))

add(docx_case(
    "t15_impact_label_variants", "Lägesbild Hedemora okt 2026.docx",
    template({1: ["Påverkan på kommunen: 3", "", f"Kommentar: {C[1][0]}"],
              2: ["Påverkan (skala 1-5): 2", "", f"Kommentar: {C[2][0]}"],
              3: ["Påverkansgrad 1-5: 1", "", f"Kommentar: {C[3][0]}"],
              4: ["Bedömd påverkan: Avvikande", "", f"Kommentar: {C[4][0]}"],
              5: ["Påverkan/nivå: 3", "", f"Kommentar: {C[5][0]}"],
              6: ["Påverkan = 1", "", f"Kommentar: {C[6][0]}"],
              7: block(None, C[7])},
             muni_line=f"{MUNICIPALITY_LABEL}: Hedemora"),
    std_expect("Hedemora", "2026-10", "321231",
               **{f"q{q}_impact": F(v, "may") for q, v in ((1, 3), (2, 2), (3, 1), (4, 2), (5, 3), (6, 1))}),
    "Impact labels rewritten: 'Påverkan på kommunen: 3', 'Påverkan (skala 1-5): 2', "
    "'Påverkansgrad 1-5: 1', 'Bedömd påverkan: Avvikande', 'Påverkan/nivå: 3', 'Påverkan = 1'.",
    "impact label reworded"))

add(docx_case(
    "t16_comment_typed_before_impact", "Lägesbild Leksand oktober 2026 (v2).docx",
    template({1: [*C[1], "Påverkan: 2", "", "Kommentar:"],
              2: block("1", C[2], style="next"),
              3: ["Klotter med gängtaggar vid idrottsplatsen.", "Polisen är informerad.",
                  "Påverkan: 3", "Kommentar:"],
              **{q: block(v, C[q]) for q, v in ((4, "2"), (5, "2"), (6, "1"))},
              7: block(None, C[7])},
             muni_line=f"{MUNICIPALITY_LABEL}: Leksand"),
    std_expect("Leksand", "2026-10", "213221",
               q3_comment=F("Klotter med gängtaggar vid idrottsplatsen.\nPolisen är informerad.")),
    "The comment typed straight under the question, above 'Påverkan:'; 'Kommentar:' left empty.",
    "comment typed above the impact"))

add(docx_case(
    "t17_signature_and_date_after_q7", "Lägesbild Mora okt 2026.docx",
    template(std_blocks("212211"), muni_line=f"{MUNICIPALITY_LABEL}: Mora",
             after=("Datum: 2026-10-29", "Ifylld av: trygghetssamordnare, kommunledningskontoret",
                    "Mora kommun")),
    std_expect("Mora", "2026-10", "212211"),
    "A date, 'Ifylld av:' and the municipality typed under Q7's comment.",
    "signature block after the last answer"))

add(docx_case(
    "t18_submission_date_in_header", "Lägesbild sociala risker.docx",
    template(std_blocks("221211"), month="Lägesbild oktober", after_month=("Datum: 2026-11-02",),
             muni_line=f"{MUNICIPALITY_LABEL}: Avesta"),
    std_expect("Avesta", F("2026-10", "may"), "221211"),
    "'Juli månad' replaced by 'Lägesbild oktober' (no year) and the day of sending, "
    "'Datum: 2026-11-02', under it: the report is for October, not November.",
    "submission date near the month"))

add(docx_case(
    "h19_municipality_as_department_line", "Lägesbild okt 2026.docx",
    template(std_blocks("121111", C2), muni_line=None,
             top=("Rättviks kommun – Socialförvaltningen",)),
    std_expect(F("Rättvik", "may"), "2026-10", "121111", C2),
    "No municipality line; the letterhead line 'Rättviks kommun – Socialförvaltningen' on top.",
    "municipality outside its label"))

add(docx_case(
    "h20_municipality_only_in_filename", "Lägesbild Orsa oktober 2026.docx",
    template(std_blocks("112111", C2), muni_line=MUNICIPALITY_LABEL),
    std_expect(F("Orsa", "must", alts=(None,)), "2026-10", "112111", C2),
    "'Underlaget inlämnat av kommun' left empty; the municipality only in the file name.",
    "municipality only in the file name"))

add(docx_case(
    "h21_month_without_year", "Lägesbild Säter.docx",
    template(std_blocks("211211", C2), month="Lägesbild oktober",
             muni_line=f"{MUNICIPALITY_LABEL}: Säter"),
    std_expect("Säter", None, "211211", C2),
    "'Lägesbild oktober' in place of 'Juli månad', no year anywhere.",
    "month without year"))

add(docx_case(
    "h22_two_months", "Lägesbild Falun okt-nov.docx",
    template(std_blocks("221311"), month="Månad: Oktober-November 2026",
             muni_line=f"{MUNICIPALITY_LABEL}: Falun"),
    std_expect("Falun", None, "221311"),
    "'Månad: Oktober-November 2026': one report for two months.",
    "period spanning months"))

add(docx_case(
    "h23_week_number", "Lägesbild Gagnef v44.docx",
    template(std_blocks("111211", C2), month="Månad: v. 44",
             muni_line=f"{MUNICIPALITY_LABEL}: Gagnef"),
    std_expect("Gagnef", F(None, "must", alts=("2026-10",)), "111211", C2),
    "'Månad: v. 44' (a week number, no year).",
    "period as a week"))

add(docx_case(
    "h24_year_on_its_own_line", "Lägesbild Ludvika.docx",
    template(std_blocks("231221"), month="Månad: Oktober", after_month=("År: 2026",),
             muni_line=f"{MUNICIPALITY_LABEL}: Ludvika"),
    std_expect("Ludvika", F("2026-10", "may"), "231221"),
    "'Månad: Oktober' and 'År: 2026' on separate lines.",
    "year on a separate line"))

add(docx_case(
    "h25_header_only_in_page_header", "Lägesbild sociala risker (2).docx",
    template(std_blocks("212111", C2), month=TEMPLATE_MONTH, muni_line=MUNICIPALITY_LABEL),
    std_expect(F("Ludvika", "may"), F("2026-10", "may"), "212111", C2),
    "Municipality and month typed only in Word's page header ('Ludvika kommun – Lägesbild "
    "oktober 2026'); the body keeps the template's 'Juli månad' and an empty municipality line.",
    "header facts in the page header",
    header=("Ludvika kommun – Lägesbild oktober 2026",)))

add(docx_case(
    "h26_joint_report_two_municipalities", "Lägesbild Mora Orsa oktober 2026.docx",
    template(std_blocks("212211"), muni_line=f"{MUNICIPALITY_LABEL}: Mora och Orsa"),
    std_expect(None, "2026-10", "212211"),
    "One report for two municipalities ('Mora och Orsa').",
    "joint report"))

# ---- more Word habits

add(docx_case(
    "t27_q7_given_an_impact", "Lägesbild Borlänge okt 2026.docx",
    template({**std_blocks("221111"), 7: ["Påverkan: 1", "", f"Kommentar: {C[7][0]}"]},
             muni_line=f"{MUNICIPALITY_LABEL}: Borlänge"),
    std_expect("Borlänge", "2026-10", "221111"),
    "A 'Påverkan: 1' line added under Q7 (which has no impact).",
    "impact added to question 7"))

add(docx_case(
    "t28_struck_out_old_answers", "Lägesbild Leksand oktober 2026 (kopia av september).docx",
    template({1: [P("Påverkan: ", Run("2", strike=True), " 3"), "",
                  P("Kommentar: ", Run("Lugnt under september.", strike=True), " Tre inbrott i förråd.")],
              2: [P("Påverkan: ", Run("1", strike=True), " 2"), "", f"Kommentar: {C[2][0]}"],
              **{q: block(v, C[q]) for q, v in ((3, "1"), (4, "2"), (5, "2"), (6, "1"))},
              7: block(None, C[7])},
             muni_line=f"{MUNICIPALITY_LABEL}: Leksand"),
    std_expect("Leksand", "2026-10", "321221",
               q1_impact=F(3, "may"), q2_impact=F(2, "may"),
               q1_comment=F("Tre inbrott i förråd.", "may")),
    "Last month's file reused: old values and text struck through (not tracked), new typed after.",
    "old answers struck through"))

add(docx_case(
    "t29_comment_in_word_comment_balloon", "Lägesbild Vansbro okt 2026.docx",
    template({1: block("2", C[1]),
              2: ["Påverkan: 3", "", P("Kommentar:", comment=C[2][0])],
              **{q: block(v, C[q]) for q, v in ((3, "1"), (4, "2"))},
              5: ["Påverkan: 2", "", P("Kommentar:", comment=C[5][0])],
              6: block("1", C[6]), 7: block(None, C[7])},
             muni_line=f"{MUNICIPALITY_LABEL}: Vansbro"),
    std_expect("Vansbro", "2026-10", "231221",
               q2_comment=F(joined(2), "may"), q5_comment=F(joined(5), "may")),
    "The comment written as a Word comment balloon (Granska > Ny kommentar) on 'Kommentar:'.",
    "comment in a Word comment balloon"))

add(docx_case(
    "t30_soft_line_breaks", "Lägesbild Hedemora okt.docx",
    template({q: [f"Påverkan: {v}\nKommentar: {C[q][0]}"] for q, v in
              ((1, "2"), (2, "1"), (3, "1"), (4, "3"), (5, "2"), (6, "1"))} | {7: [f"Kommentar:\n{C[7][0]}"]},
             muni_line=f"{MUNICIPALITY_LABEL}: Hedemora"),
    std_expect("Hedemora", "2026-10", "211321"),
    "Each answer typed in one paragraph with Shift+Enter line breaks.",
    "soft line breaks"))

add(docx_case(
    "t31_impact_in_words_not_on_scale", "Lägesbild Orsa okt 2026.docx",
    template({1: block("Ingen påverkan", C2[1]), 2: block("Som vanligt", C2[2]),
              3: block("Förhöjd", C[3]), 4: block("Ej aktuellt", C2[4]),
              5: block("Normalläge", C2[5]), 6: block("Något förhöjt läge", C[6]),
              7: block(None, C[7])},
             muni_line=f"{MUNICIPALITY_LABEL}: Orsa"),
    expect("Orsa", "2026-10",
           {1: F(1, "may"), 2: F(1, "may"), 3: None, 4: None, 5: 1, 6: F(None, "must", alts=(2,))},
           {1: joined(1, C2), 2: joined(2, C2), 3: joined(3), 4: joined(4, C2), 5: joined(5, C2),
            6: joined(6), 7: joined(7)}),
    "Impact in words: 'Ingen påverkan', 'Som vanligt', 'Förhöjd', 'Ej aktuellt', 'Normalläge', "
    "'Något förhöjt läge'.",
    "impact in free words"))

_NUMBERED_HEADINGS = {q: num(variant_heading(q)) for q in range(1, 8)}
add(docx_case(
    "t32_autonumbered_headings_one_deleted", "Lägesbild Avesta okt 2026.docx",
    (P(Run("Lägesbild sociala risker", bold=True)), "Kommun: Avesta", "Månad: oktober 2026", "",
     *[item for q, v in ((1, "2"), (2, "1"), (4, "3"), (5, "2"), (6, "1"), (7, None))
       for item in (_NUMBERED_HEADINGS[q], *(block(v, C[q]) if v else block(None, C[7])), "")]),
    expect("Avesta", "2026-10", {1: 2, 2: 1, 3: F(None, "must"), 4: 3, 5: 2, 6: 1},
           {1: joined(1), 2: joined(2), 3: F("", "may"), 4: joined(4), 5: joined(5), 6: joined(6),
            7: joined(7)}),
    "Headings are a Word numbered list; Q3 was deleted, so Word now shows '3.' on Ungdomar/skolor.",
    "question deleted, numbering shifted"))

add(docx_case(
    "t33_impact_and_comment_misplaced", "Lägesbild Smedjebacken okt 2026.docx",
    template({1: ["Påverkan: 2 – flera inbrott i förråd, polisen informerad", "", "Kommentar:"],
              2: block("Oroande, se kommentar", C[2]),
              3: ["Påverkan: 1-5", "", "Kommentar: 3"],
              **{q: block(v, C[q]) for q, v in ((4, "2"), (5, "2"), (6, "1"))},
              7: block(None, C[7])},
             muni_line=f"{MUNICIPALITY_LABEL}: Smedjebacken"),
    expect("Smedjebacken", "2026-10", {1: 2, 2: 3, 3: None, 4: 2, 5: 2, 6: 1},
           {1: F("flera inbrott i förråd, polisen informerad", "may"), 2: joined(2),
            3: F("", "may", alts=("3",)), 4: joined(4), 5: joined(5), 6: joined(6), 7: joined(7)}),
    "The comment typed on the impact line; 'Oroande, se kommentar'; the digit typed after "
    "'Kommentar:' with 'Påverkan: 1-5' untouched.",
    "value typed in the wrong place"))

add(docx_case(
    "t34_seed_variant_form", "Lägesbild Mora okt 2026 variant.docx",
    (P(Run("Lägesbild – sociala risker", bold=True)), "Kommun: Mora", "Period: oktober 2026", "",
     variant_heading(1), "Påverkan 1-5: 3", *C[1], "",
     variant_heading(2), "Påverkan 1-5: 1-2", *C[2], "",
     variant_heading(3), "", "Påverkan 1-5: ", "1", *C2[3], "",
     variant_heading(4), "", "Påverkan 1-5: 2", "", *C[4], "",
     variant_heading(5), "", "Påverkan 1-5:", "", "", "",
     variant_heading(6), "", "Påverkan 1-5: 5 – Kritiskt", *C[6], "",
     variant_heading(7), *C[7]),
    expect("Mora", "2026-10", {1: 3, 2: None, 3: F(1, "may"), 4: 2, 5: None, 6: 5},
           {1: joined(1), 2: joined(2), 3: joined(3, C2), 4: joined(4), 5: F("", "may"),
            6: joined(6), 7: joined(7)}),
    "The seed's variant form ('Påverkan 1-5: '), comments typed straight under it without a "
    "label; '1-2' (between), a value on the next line, Q5 left blank.",
    "seed variant form"))

add(docx_case(
    "h35_period_as_day_month_range", "Lägesbild Mora oktober.docx",
    template(std_blocks("212111", C2), month="Period: 1/10 – 31/10 2026",
             muni_line=f"{MUNICIPALITY_LABEL}: Mora"),
    std_expect("Mora", F("2026-10", "may"), "212111", C2),
    "'Period: 1/10 – 31/10 2026': Swedish day/month dates for the first and last day.",
    "period as dates"))

def _boxed(q: int, value: str) -> list[Item]:
    impact: list[Item] = ["Påverkan:", Tbl(((value,),)), ""] if q != 7 else []
    return [*impact, "Kommentar:", Tbl(((C[q],),)), ""]


add(docx_case(
    "t36_answers_in_boxes", "Lägesbild Falun oktober 2026 (rutor).docx",
    template({q: _boxed(q, v) for q, v in ((1, "2"), (2, "2"), (3, "1"), (4, "3"), (5, "1"), (6, "1"),
                                           (7, ""))},
             muni_line=f"{MUNICIPALITY_LABEL}: Falun"),
    std_expect("Falun", "2026-10", "221311"),
    "A template with a one-cell bordered box under 'Påverkan:' and 'Kommentar:' to write in.",
    "answer boxes"))

add(docx_case(
    "t37_whole_form_in_a_frame", "Lägesbild Orsa oktober 2026 (ram).docx",
    (Tbl(((template(std_blocks("121121"), muni_line=f"{MUNICIPALITY_LABEL}: Orsa"),),)),),
    std_expect("Orsa", "2026-10", "121121"),
    "The whole filled-in template inside a one-cell table used as a frame.",
    "answer boxes"))

add(docx_case(
    "t38_general_remarks_after_q7", "Lägesbild Ludvika oktober 2026 (2).docx",
    template(std_blocks("221121"), muni_line=f"{MUNICIPALITY_LABEL}: Ludvika",
             after=("Övriga kommentarer till länsstyrelsen: Vi byter samordnare från 1 december, "
                    "kontakta kommunens växel under tiden.",)),
    std_expect("Ludvika", "2026-10", "221121"),
    "A general remark to the county typed below the last question.",
    "signature block after the last answer"))

# --------------------------------------------------------------------------
# Word tables
# --------------------------------------------------------------------------

_HEAD = (P(Run("Lägesbild sociala risker", bold=True)), "Kommun: Gagnef", "Månad: oktober 2026", "")

T35 = add(docx_case(
    "tb35_two_columns_labels_left", "Lägesbild Gagnef oktober 2026 tabell.docx",
    (*_HEAD, INSTRUCTION,
     Tbl(tuple(((heading(q), "", "Påverkan:", "", "Kommentar:"),
                ("", "", v, "", *C[q])) if q != 7 else
               ((heading(7), "", "Kommentar:"), ("", "", *C[7]))
               for q, v in ((1, "2"), (2, "1"), (3, "1"), (4, "3"), (5, "2"), (6, "1"), (7, ""))))),
    std_expect("Gagnef", "2026-10", "211321"),
    "A two-column table: column 1 holds the question with 'Påverkan:' and 'Kommentar:' under it, "
    "column 2 the answers on the same lines.",
    "two-column answer table"))

add(docx_case(
    "tb36_table_per_question", "Lägesbild Gagnef oktober 2026 (tabeller).docx",
    (*_HEAD, INSTRUCTION, "",
     *[item for q, v in ((1, "3"), (2, "2"), (3, "1"), (4, "2"), (5, "2"), (6, "1"), (7, None))
       for item in (Tbl(((heading(q), ""),
                         *((("Påverkan", v),) if v else ()),
                         ("Kommentar", C[q])), spans=((0, 0, 2),)), "")]),
    std_expect("Gagnef", "2026-10", "321221"),
    "One small table per question: a merged heading row, 'Påverkan' | value, 'Kommentar' | text.",
    "table per question"))

add(docx_case(
    "tb37_niva_column_empty_rows", "Lägesbild Ludvika okt 2026 tabell.docx",
    (P(Run("Lägesbild sociala risker – Ludvika kommun", bold=True)), "Oktober 2026", "",
     Tbl((("Frågeområde", "Nivå", "Kommentar"),
          ("Ordningsstörningar och otrygghet", "Avvikande", C[1][0]), ("", "", ""),
          ("Hot och våld", "Normalt", C[2][0]), ("", "", ""),
          ("Extremism och kriminella nätverk", "2 – Avvikande", C[3][0]), ("", "", ""),
          ("Ungdomar/skolor", "Oroande", C[4][0]), ("", "", ""),
          ("Alkohol, narkotika, doping och tobak", "Avvikande", C[5][0]), ("", "", ""),
          ("Övrigt", "Normalt", C[6][0]), ("", "", ""),
          ("Positiva åtgärder eller händelser", "", C[7][0])))),
    std_expect(F("Ludvika", "may"), "2026-10", "212321"),
    "A three-column table 'Frågeområde | Nivå | Kommentar' with level words and empty rows between "
    "questions; the municipality only in the title line.",
    "own table layout"))

add(docx_case(
    "tb38_lage_column_header", "Lägesbild Falun okt 2026 tabell.docx",
    (P(Run("Lägesbild sociala risker", bold=True)), "Kommun: Falun", "Månad: oktober 2026", "",
     Tbl((("Fråga", "Läge (1-5)", "Beskrivning"),
          *((f"{q}. {SHORT[q]}", v, C[q][0]) for q, v in
            ((1, "2"), (2, "2"), (3, "1"), (4, "3"), (5, "1"), (6, "1"))),
          ("7. Positiva åtgärder eller händelser", "", C[7][0])))),
    std_expect("Falun", "2026-10", "221311"),
    "Impact column headed 'Läge (1-5)' (not a label the form uses).",
    "own table layout"))

_LEVEL_ROWS = ((1, 2), (2, 1), (3, 1), (4, 3), (5, 2), (6, 1))


def _level_table(mark: bool) -> Tbl:
    rows: list[tuple[str, ...]] = [("Fråga", "Påverkan", "", "", "", "", "Kommentar"),
                                   ("", "1", "2", "3", "4", "5", "")]
    shade = []
    for q, v in _LEVEL_ROWS:
        cells = ["X" if (mark and n == v) else "" for n in range(1, 6)]
        rows.append((f"{q}. {SHORT[q]}", *cells, C[q][0]))
        if not mark:
            shade.append((len(rows) - 1, v, "FFFF00"))
    rows.append(("7. Positiva åtgärder eller händelser", "", "", "", "", "", C[7][0]))
    return Tbl(tuple(rows), spans=((0, 1, 5),), shade=tuple(shade), header_rows=2)


add(docx_case(
    "tb39_merged_header_level_columns", "Lägesbild Mora okt 2026 kryss.docx",
    (P(Run("Lägesbild sociala risker", bold=True)), "Kommun: Mora", "Månad: oktober 2026", "",
     _level_table(mark=True)),
    std_expect("Mora", "2026-10", "211321"),
    "Header 'Påverkan' merged over five columns 1..5 on a second header row; an X in one.",
    "level columns"))

add(docx_case(
    "tb40_level_cells_coloured", "Lägesbild Mora okt 2026 färg.docx",
    (P(Run("Lägesbild sociala risker", bold=True)), "Kommun: Mora", "Månad: oktober 2026", "",
     _level_table(mark=False)),
    expect("Mora", "2026-10", {q: None for q in range(1, 7)}, {q: joined(q) for q in range(1, 8)}),
    "Same table, but the chosen level cell is coloured yellow instead of marked: invisible to a "
    "text reader, so every impact must be None with an issue.",
    "answer marked by formatting"))

_LONG = {
    1: ("Under oktober har vi sett en tydlig ökning av inbrott i källarförråd och cykelrum i tre "
        "bostadsområden. Bostadsbolaget har bytt lås och satt upp ny belysning.",
        "Räddningstjänsten har ryckt ut till fyra bränder i papperskorgar och en containerbrand "
        "bakom matbutiken; samtliga bedöms vara anlagda. Polisen utreder.",
        "Buskörningen med EPA-traktorer har återkommit längs huvudgatan på fredagskvällar, vilket "
        "boende upplever som störande och otryggt. Trygghetsvandring är inplanerad."),
    3: ("Klistermärken med nazistisk symbolik har hittats vid busshållplatser, på skyltar och vid "
        "idrottsplatsen. Tekniska förvaltningen har sanerat inom ett dygn.",
        "Polisen har information om rekryteringsförsök av unga till kriminella nätverk via sociala "
        "medier. Två ungdomar har fått stöd via socialtjänsten och skolan.",
        "Flygblad från en våldsbejakande organisation har delats ut i brevlådor i två "
        "bostadsområden. Ärendet har lyfts i kommunens samverkansgrupp och med polisen.",
        "Vi följer utvecklingen noga inför nästa månad och har bett polisen om en särskild "
        "genomgång vid nästa samverkansmöte."),
}

T41 = add(docx_case(
    "tb41_table_repeated_header_docx", "Lägesbild Borlänge oktober 2026 tabell.docx",
    (P(Run("Lägesbild sociala risker", bold=True)), "Kommun: Borlänge", "Månad: oktober 2026", "",
     Tbl((("Fråga", "Påverkan (1-5)", "Kommentar"),
          *((f"{q}. {SHORT[q]}", v, (_LONG.get(q) or C[q]) * 3 if q in (1, 3) else C[q])
            for q, v in ((1, "3"), (2, "2"), (3, "3"), (4, "2"), (5, "2"), (6, "1"))),
          ("7. Positiva åtgärder eller händelser", "", C[7])), header_rows=1)),
    std_expect("Borlänge", "2026-10", "323221",
               q1_comment=F("\n".join(_LONG[1] * 3)), q3_comment=F("\n".join(_LONG[3] * 3))),
    "A three-column table whose header row repeats on every page; Q1 and Q3 comments run over "
    "a page.",
    "table over several pages"))

add(docx_case(
    "tb42_extra_action_column", "Lägesbild Säter okt 2026 tabell.docx",
    (P(Run("Lägesbild sociala risker", bold=True)), "Kommun: Säter", "Månad: oktober 2026", "",
     Tbl((("Fråga", "Påverkan", "Kommentar", "Åtgärd"),
          *((f"{q}. {SHORT[q]}", v, C[q][0], a) for q, v, a in
            ((1, "2", "Ökad polisnärvaro"), (2, "1", ""), (3, "1", "Sanering"), (4, "3", "Fältgruppen"),
             (5, "2", "Tillsyn"), (6, "1", ""))),
          ("7. Positiva åtgärder eller händelser", "", C[7][0], "")))),
    std_expect("Säter", "2026-10", "211321",
               **{f"q{q}_comment": F(C[q][0], alts=(f"{C[q][0]} {a}", f"{a} {C[q][0]}",
                                                     f"{C[q][0]}\nÅtgärd: {a}"))
                  for q, a in ((1, "Ökad polisnärvaro"), (3, "Sanering"), (4, "Fältgruppen"),
                               (5, "Tillsyn"))}),
    "An extra 'Åtgärd' column added by the municipality.",
    "extra columns"))

add(docx_case(
    "tb43_summary_table_instead_of_template", "Lägesbild Ludvika oktober 2026 sammanfattning.docx",
    template(std_blocks("......", {q: () for q in range(1, 8)}),
             muni_line=f"{MUNICIPALITY_LABEL}: Ludvika",
             after=("Sammanfattning (ifylld i tabellen i stället för ovan):",
                    Tbl((("Fråga", "Påverkan", "Kommentar"),
                         *((str(q), v, C[q][0]) for q, v in
                           ((1, "3"), (2, "2"), (3, "1"), (4, "2"), (5, "2"), (6, "1"))),
                         ("7", "", C[7][0]))))),
    std_expect("Ludvika", "2026-10", "321221",
               **{f"q{q}_impact": F(v, "may") for q, v in ((1, 3), (2, 2), (3, 1), (4, 2), (5, 2), (6, 1))},
               **{f"q{q}_comment": F(C[q][0], "may") for q in range(1, 8)}),
    "The template's questions left untouched and every answer put in a summary table at the end.",
    "answers given outside the template"))

# --------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------

_XH = ("Fråga", "Påverkan (1-5)", "Kommentar")


def _xrows(impacts: dict[int, object], bank: dict[int, tuple[str, ...]] = C,
           extra: dict[int, tuple[str, ...]] | None = None) -> list[tuple[object, ...]]:
    rows = []
    for q in range(1, 8):
        rows.append((f"{q}. {SHORT[q]}", impacts.get(q), "\n".join(bank[q]),
                     *((extra or {}).get(q, ()))))
    return rows


X44 = add(xlsx_case(
    "x44_extra_columns", "Lägesbild Hedemora oktober 2026.xlsx",
    [XSheet("Lägesbild", (("Mall för lägesbildsinsamling – Sociala risker",), (),
                          ("Kommun:", "Hedemora"), ("Månad:", "oktober 2026"), (),
                          (*_XH, "Åtgärd", "Ansvarig"),
                          *_xrows({1: 2, 2: 1, 3: 1, 4: 3, 5: 2, 6: 1}, extra={
                              1: ("Ökad polisnärvaro", "Polisen"), 3: ("Sanering", "Tekniska"),
                              4: ("Fältgruppen förstärkt", "Socialtjänsten")})), fit_width=True)],
    std_expect("Hedemora", "2026-10", "211321",
               **{f"q{q}_comment": F(joined(q), alts=(f"{joined(q)} {a} {b}", f"{a} {b} {joined(q)}",
                                                       f"{joined(q)} {a}"))
                  for q, a, b in ((1, "Ökad polisnärvaro", "Polisen"), (3, "Sanering", "Tekniska"),
                                  (4, "Fältgruppen förstärkt", "Socialtjänsten"))}),
    "The county's row layout with two extra columns 'Åtgärd' and 'Ansvarig'.",
    "extra columns"))

add(xlsx_case(
    "x45_impact_and_comment_swapped", "Lägesbild Ludvika oktober 2026.xlsx",
    [XSheet("Lägesbild", (("Kommun:", "Ludvika"), ("Månad:", "oktober 2026"), (), _XH,
                          ("1. " + SHORT[1], 2, C[1][0]),
                          ("2. " + SHORT[2], C[2][0], "3"),
                          ("3. " + SHORT[3], 1, C2[3][0]),
                          ("4. " + SHORT[4], 2, C[4][0]),
                          ("5. " + SHORT[5], "Lugnt", None),
                          ("6. " + SHORT[6], 1, C[6][0]),
                          ("7. " + SHORT[7], None, C[7][0])))],
    expect("Ludvika", "2026-10", {1: 2, 2: F(3, "may"), 3: 1, 4: 2, 5: F(None, "must", alts=(1,)), 6: 1},
           {1: joined(1), 2: F(joined(2), "may"), 3: C2[3][0], 4: joined(4), 5: F("Lugnt", "may", alts=("",)),
            6: joined(6), 7: joined(7)}),
    "Q2: the comment typed in the impact column and '3' in the comment column; Q5: 'Lugnt' in the "
    "impact column and no comment.",
    "value typed in the wrong place"))

X46 = add(xlsx_case(
    "x46_numbers_as_text_with_spaces", "Lägesbild Rättvik oktober 2026.xlsx",
    [XSheet("Lägesbild", (("Kommun:", "Rättvik"), ("Månad:", "Oktober 2026"), (), _XH,
                          *_xrows({1: "3 ", 2: " 2", 3: "1\n", 4: "3,0", 5: 2.0, 6: "1."})))],
    std_expect("Rättvik", "2026-10", "321321"),
    "Impacts stored as text with spaces ('3 ', ' 2', '1\\n'), '3,0', a float 2.0, '1.'.",
    "numbers as text"))

add(xlsx_case(
    "x47_date_cells", "Lägesbild Falun oktober 2026.xlsx",
    [XSheet("Lägesbild", (("Kommun:", "Falu kommun"), ("Månad:", datetime(2026, 10, 31)), (), _XH,
                          *_xrows({1: 2, 2: 2, 3: 1, 4: 1, 5: 3, 6: 1})),
            formats=(("B2", "yyyy-mm-dd"),))],
    std_expect("Falun", "2026-10", "221131"),
    "'Månad:' is a real date cell, the last day of the month (2026-10-31).",
    "period as a date"))

add(xlsx_case(
    "x48_month_abbrev_year_in_title", "Lägesbild Gagnef.xlsx",
    [XSheet("Lägesbild 2026", (("Lägesbild sociala risker 2026",), (), ("Kommun:", "Gagnef"),
                               ("Månad:", "okt"), (), _XH,
                               *_xrows({1: 1, 2: 2, 3: 1, 4: 2, 5: 1, 6: 1}, C2)))],
    std_expect("Gagnef", F("2026-10", "may"), "121211", C2),
    "'Månad: okt' with the year only in the title row and the sheet name.",
    "month without year"))

add(xlsx_case(
    "x49_sheet_named_after_month", "Lägesbild Hedemora 2026.xlsx",
    [XSheet("September", (("Lägesbild sociala risker 2026 – Hedemora",), (), _XH,
                          *_xrows({1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1}, C2))),
     XSheet("Oktober", (("Lägesbild sociala risker 2026 – Hedemora",), (), _XH,
                        *_xrows({1: 2, 2: 1, 3: 2, 4: 3, 5: 2, 6: 1})))],
    std_expect(F("Hedemora", "may"), F("2026-10", "may"), "212321"),
    "One sheet per month ('September', 'Oktober'), no month cell; the newest (and active) sheet "
    "is October.",
    "several months in one workbook", active=1))

add(xlsx_case(
    "x50_two_sheets_two_months", "Lägesbild Orsa oktober 2026.xlsx",
    [XSheet("Sep", (("Kommun:", "Orsa"), ("Månad:", "september 2026"), (), _XH,
                    *_xrows({1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1}, C2))),
     XSheet("Okt", (("Kommun:", "Orsa"), ("Månad:", "oktober 2026"), (), _XH,
                    *_xrows({1: 3, 2: 2, 3: 2, 4: 3, 5: 2, 6: 1})))],
    std_expect("Orsa", F("2026-10", "may"), "322321",
               **{f"q{q}_impact": F(v, "may") for q, v in ((1, 3), (2, 2), (3, 2), (4, 3), (5, 2), (6, 1))},
               **{f"q{q}_comment": F(joined(q), "may") for q in range(1, 8)}),
    "Last month's sheet kept first; October's filled on a second sheet (active, and the month "
    "in the file name).",
    "several months in one workbook", active=1))

_HID = [("1. " + SHORT[q], 1, f"(sep) {C2[q][0]}") for q in range(1, 7)] + [("7. " + SHORT[7], None, "(sep)")]
add(xlsx_case(
    "x51_hidden_rows_last_month", "Lägesbild Säter oktober 2026.xlsx",
    [XSheet("Lägesbild", (("Kommun:", "Säter"), ("Månad:", "oktober 2026"), (), _XH,
                          *_HID, *_xrows({1: 2, 2: 3, 3: 1, 4: 2, 5: 2, 6: 1})),
            hidden_rows=tuple(range(5, 12)))],
    std_expect("Säter", "2026-10", "231221"),
    "Last month's rows kept but hidden (rows 5-11); October's rows below them.",
    "hidden old values"))

add(xlsx_case(
    "x52_month_columns_year_workbook", "Lägesbild Avesta 2026.xlsx",
    [XSheet("2026", (("Kommun:", "Avesta"), (),
                     ("Fråga", "Augusti", "September", "Oktober", "Kommentar oktober"),
                     *((f"{q}. {SHORT[q]}", 1, 2, v, C[q][0]) for q, v in
                       ((1, 3), (2, 2), (3, 1), (4, 2), (5, 2), (6, 1))),
                     ("7. " + SHORT[7], None, None, None, C[7][0])))],
    std_expect("Avesta", F("2026-10", "may"), "321221",
               **{f"q{q}_impact": F(v, "may") for q, v in ((1, 3), (2, 2), (3, 1), (4, 2), (5, 2), (6, 1))}),
    "A year workbook: one impact column per month (August..October), a comment column for the "
    "newest month.",
    "several months in one workbook"))

add(xlsx_case(
    "x53_county_compilation_sent_back", "Samlad lägesbild 2026.xlsx",
    [XSheet("Fråga 1", (("Kommun", "Kvartal 1", None, None, "Kvartal 2", None, None, "Kvartal 3"),
                        (None, "Januari", "Februari", "Mars", "April", "Maj", "Juni", "Juli"),
                        ("Avesta", "Normalt", "Avvikande", "Normalt", "Allvarligt", "Oroande", "Avvikande", "Oroande"),
                        ("Borlänge", "Normalt", "Normalt", "Avvikande", "Avvikande", "Oroande",
                         "Allvarligt", "Allvarligt"),
                        ("Falun", "Normalt", "Normalt", "Normalt", "Normalt", "Avvikande", "Normalt", "Normalt")))],
    refused(None, None),
    "The county's own compiled workbook (municipalities × months) sent in by mistake.",
    "not the form"))

add(xlsx_case(
    "x54_beskriv_header", "Lägesbild Leksand okt 2026.xlsx",
    [XSheet("Blad1", (("Kommun:", "Leksand"), ("Period:", "2026-10"), (),
                      ("Område", "Bedömning 1-5", "Beskriv kort vad som hänt"),
                      *((SHORT[q], v, C[q][0]) for q, v in ((1, 2), (2, 1), (3, 1), (4, 2), (5, 3), (6, 1))),
                      (SHORT[7], None, C[7][0])))],
    std_expect("Leksand", "2026-10", "211231"),
    "Headers 'Område | Bedömning 1-5 | Beskriv kort vad som hänt'.",
    "own table layout"))

add(xlsx_case(
    "x55_single_answer_column", "Lägesbild Vansbro oktober 2026.xlsx",
    [XSheet("Lägesbild", (("Kommun:", "Vansbro"), ("Månad:", "oktober 2026"), (), ("Fråga", "Svar"),
                          *((f"{q}. {SHORT[q]}", f"{v} – {C[q][0]}") for q, v in
                            ((1, 2), (2, 1), (3, 1), (4, 3), (5, 2), (6, 1))),
                          ("7. " + SHORT[7], C[7][0])))],
    std_expect("Vansbro", "2026-10", "211321",
               **{f"q{q}_impact": F(v, "may") for q, v in ((1, 2), (2, 1), (3, 1), (4, 3), (5, 2), (6, 1))},
               **{f"q{q}_comment": F(C[q][0], "may", alts=(f"{v} – {C[q][0]}",))
                  for q, v in ((1, 2), (2, 1), (3, 1), (4, 3), (5, 2), (6, 1))}),
    "One 'Svar' column holding '2 – comment' for each question.",
    "impact and comment in one cell"))

add(xlsx_case(
    "x56_last_month_impact_column_kept", "Lägesbild Borlänge oktober 2026.xlsx",
    [XSheet("Lägesbild", (("Kommun:", "Borlänge"), ("Månad:", "oktober 2026"), (),
                          ("Fråga", "Påverkan september", "Påverkan oktober", "Kommentar"),
                          *((f"{q}. {SHORT[q]}", s, o, C[q][0]) for q, s, o in
                            ((1, 2, 3), (2, 2, 2), (3, 1, 1), (4, 2, 3), (5, 2, 2), (6, 1, 1))),
                          ("7. " + SHORT[7], None, None, C[7][0])))],
    std_expect("Borlänge", "2026-10", "321321",
               **{f"q{q}_impact": F(v, "may") for q, v in ((1, 3), (2, 2), (3, 1), (4, 3), (5, 2), (6, 1))}),
    "Last month's impact column kept beside this month's ('Påverkan september' | 'Påverkan "
    "oktober').",
    "several months in one workbook"))

_MAIL = ["Hej!", "Svarar direkt i mejlet den här gången.", "",
         "> Underlaget inlämnat av kommun: Mora", "> Månad: oktober 2026", ">"]
for _q, _v in ((1, "2"), (2, "1"), (3, "1"), (4, "3"), (5, "2"), (6, "1"), (7, "")):
    _MAIL += [f"> {heading(_q)}"] + (["> Påverkan: 1-5", _v] if _v else []) + ["> Kommentar:", C[_q][0], ">"]
_MAIL += ["", "Med vänlig hälsning", "Trygghetssamordnare, Mora kommun"]
add(WildCase(
    "m57_inline_reply_in_mail", "lagesbild_mora_svar.txt",
    cache(lambda: "\r\n".join(_MAIL).encode("utf-8")),
    std_expect("Mora", "2026-10", "211321"),
    "The form answered inline in a reply to the county's reminder: the form quoted with '> ', "
    "the answers typed unquoted below each label.",
    "inline reply in a mail", source_ext="txt"))

# --------------------------------------------------------------------------
# Conversions: PDF, ODT, XLS
# --------------------------------------------------------------------------

_P56_BLOCKS = std_blocks("323221")
_P56_BLOCKS[1] = block("3", _LONG[1])
_P56_BLOCKS[3] = block("3", _LONG[3] * 2)
P56 = add(docx_case(
    "p56_docx_comment_over_page_break", "Lägesbild Borlänge okt 2026 (lång).docx",
    template(_P56_BLOCKS, muni_line=f"{MUNICIPALITY_LABEL}: Borlänge"),
    std_expect("Borlänge", "2026-10", "323221", q1_comment=F("\n".join(_LONG[1])),
               q3_comment=F("\n".join(_LONG[3] * 2))),
    "Long Q1/Q3 comments; page header and 'Sida 1 av 2' footer (the source of p57).",
    "comment over a page break",
    header=("Borlänge kommun – Lägesbild sociala risker",), page_numbers=True))
add(lo_case(P56, "p57_pdf_comment_over_page_break", "Lägesbild Borlänge okt 2026 (lång).pdf", "pdf",
            "p56 printed to PDF by LibreOffice: Q3's comment continues on page 2 below the running "
            "header."))
add(lo_case(T07, "p58_pdf_numbered_list", "Lägesbild Rättvik oktober 2026.pdf", "pdf",
            "t07 as PDF: the list numbers are now plain text."))
add(lo_case(T14, "p59_pdf_label_typos", "Lägesbild Malung-Sälen oktober 2026.pdf", "pdf",
            "t14 as PDF."))
add(lo_case(T41, "p60_pdf_table_repeated_header", "Lägesbild Borlänge oktober 2026 tabell.pdf", "pdf",
            "tb41 as PDF: the header row is repeated on page 2 mid-table."))
add(lo_case(X44, "p61_pdf_printed_from_excel", "Lägesbild Hedemora oktober 2026.pdf", "pdf",
            "x44 (extra columns) printed to PDF from the spreadsheet."))
add(lo_case(T05, "o62_odt_between_values", "Lägesbild Borlänge oktober 2026.odt", "odt",
            "t05 saved as .odt."))
add(lo_case(X46, "x63_xls_numbers_as_text", "Lägesbild Rättvik oktober 2026.xls", "xls",
            "x46 saved as Excel 97 .xls."))
add(lo_case(T07, "o65_odt_numbered_list", "Lägesbild Rättvik oktober 2026.odt", "odt",
            "t07 saved as .odt (the list numbering becomes an ODF list)."))
add(lo_case(T35, "p64_pdf_two_column_table", "Lägesbild Gagnef oktober 2026 tabell.pdf", "pdf",
            "tb35 as PDF."))

# A fillable PDF made with Acrobat's automatic field detection: field names come from the
# nearest label ("Påverkan 15" from "Påverkan: 1-5", then "_2", "_3" …).
_ACRO_IMPACT = {1: "2", 2: "1", 3: "3", 4: "2", 5: "2", 6: "1"}
_ACRO: list[str | PdfField] = ["Mall för lägesbildsinsamling - Sociala risker", "Oktober 2026",
                               "Underlaget inlämnat av kommun",
                               PdfField("Underlaget inlämnat av kommun", "Gagnef"),
                               INSTRUCTION]
for _q in range(1, 8):
    _sfx = "" if _q == 1 else f"_{_q}"
    _ACRO.append(heading(_q))
    if _q != 7:
        _ACRO += ["Påverkan: 1-5", PdfField(f"Påverkan 15{_sfx}", _ACRO_IMPACT[_q])]
    _ACRO += ["Kommentar:", PdfField(f"Kommentar{_sfx}", C[_q][0], multiline=True)]
add(WildCase(
    "p65_acroform_acrobat_field_names", "Lägesbild Gagnef oktober 2026 ifylld.pdf",
    cache(lambda: build_acroform(_ACRO)),
    std_expect("Gagnef", "2026-10", "213221"),
    "A fillable PDF whose fields Acrobat named after their labels: 'Påverkan 15', "
    "'Påverkan 15_2', 'Kommentar', 'Kommentar_2' …",
    "fillable PDF", source_ext="pdf"))

# --------------------------------------------------------------------------
# Other counties' forms: refuse or flag, never read as Dalarna's
# --------------------------------------------------------------------------

add(docx_case(
    "z66_blekinge_extremism_pilot", "Lägesbild VBE Karlshamn oktober 2026.docx",
    (P(Run("Lägesbild våldsbejakande extremism – Blekinge län", bold=True)), "Kommun: Karlshamn",
     "Månad: oktober 2026", "",
     "1. Våldsbejakande extremism: Har ni fått kännedom om aktiviteter kopplade till "
     "våldsbejakande extremism? (Ja/Nej)", "Svar: Nej", "",
     "2. Propaganda: Har propaganda, klistermärken eller klotter förekommit?", "Svar: Ja, "
     "klistermärken vid stationen.", "",
     "3. Rekrytering: Finns signaler om rekrytering till extremistiska miljöer?", "Svar: Nej", "",
     "Samlad bedömning av hotnivån: Låg"),
    refused("Karlshamn", "2026-10"),
    "A Blekinge-style pilot on violent extremism: yes/no questions and 'Låg/Medel/Hög'.",
    "another county's form"))

add(docx_case(
    "z67_orebro_est_weekly", "EST vecka 43 Lindesberg.docx",
    (P(Run("EST – Early Warning System, veckorapport", bold=True)), "Kommun: Lindesberg",
     "Vecka: 43", "Skala: 0 = ingen, 1 = låg, 2 = medel, 3 = hög", "",
     Tbl((("Indikator", "Skattning (0-3)", "Kommentar"),
          ("Ordningsstörningar", "2", "Bråk vid busstationen."),
          ("Hot och våld", "1", "Enstaka hot i skolan."),
          ("Droger", "0", ""),
          ("Skolor", "1", "Skolk ökar."),
          ("Skadegörelse", "2", "Klotter."))),
     ),
    refused("Lindesberg", None),
    "An Örebro EST weekly checklist (scale 0-3, week number) whose indicator names overlap "
    "Dalarna's question names.",
    "another county's form"))

add(docx_case(
    "z68_msb_functionality_template", "Lägesrapport MSB Torsby.docx",
    (P(Run("Lägesrapport – kommunens funktionalitet", bold=True)), "Kommun: Torsby",
     "Datum: 2026-10-28", "",
     "Påverkan på kommunens verksamhet: Ingen / Liten / Måttlig / Stor", "",
     "Skola: Ingen påverkan.", "Omsorg: Liten påverkan, personalbrist.",
     "Ordning och säkerhet: Måttlig. Bränder i soprum.", "Övrigt: Inget att rapportera.",
     "Kommentar: Läget är under kontroll."),
    refused("Torsby", F("2026-10", "may", alts=(None,))),
    "An MSB-style functionality report ('Ingen / Liten / Måttlig / Stor'), not the social-risk "
    "form.",
    "another county's form"))


def _check() -> None:
    names = [c.name for c in CASES]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"duplicate case names: {sorted(dupes)}")
    for c in CASES:
        missing = set(FIELDS) - set(c.expect)
        if missing:
            raise ValueError(f"{c.name}: no expectation for {sorted(missing)}")


_check()
CASES_BY_NAME: dict[str, WildCase] = {c.name: c for c in CASES}
