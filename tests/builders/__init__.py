"""Fixture builders: real form files filled in the way coordinators fill them in.

This package describes a filled-in form as data (`Filled`, a list of `Entry`)
and renders it into .docx, .xlsx, .pdf, .odt, .ods, .xls and plain text, so a
new test case is a new piece of data, not a new builder. The expected parse
result is derived from the same data (see `cases.py`), which is what keeps the
expectations honest: each `Entry` says what was typed *and* what a correct
parser must return for it.

Nothing here is real personal data; places are generic, people are never named.

Inline markup inside comment paragraphs and typed values (rendered by every
builder, resolved by `resolve_markup` for the expectation):

    "[-gammal text-]"   a tracked deletion (Word w:del; other formats drop it)
    "[+ny text+]"       a tracked insertion (Word w:ins; other formats keep it)
    "[[https://…]]"     a hyperlink showing its address (Word w:hyperlink)
    "{{ord::anteckning}}"  "ord" carrying a Word review comment "anteckning"
                        (comments.xml; never part of the answer)
    "\\n" inside a paragraph   a soft line break (Shift+Enter)
    "\\t"                a tab
A comment paragraph starting with "• " is a bulleted list item (a real Word
list in .docx, the literal bullet elsewhere); a paragraph that is exactly
"\\f" is a page break (not part of the comment).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date

# --------------------------------------------------------------------------
# The form (Länsstyrelsen Dalarna, "Mall för lägesbildsinsamling – Sociala risker")
# --------------------------------------------------------------------------

TITLE = "Mall för lägesbildsinsamling – Sociala risker"

#: (number, short name, question text as in the template)
QUESTIONS: tuple[tuple[int, str, str], ...] = (
    (1, "Ordningsstörningar och otrygghet",
     "Vilka ordningsstörningar och händelser som kan skapa otrygghet i samhället (t. ex. "
     "inbrott, buskörning, bränder eller skadegörelse) har förekommit den senaste månaden?"),
    (2, "Hot och våld",
     "Vilka händelser och trender kan ni se vad gäller hot och våldsbrott under den senaste "
     "månaden (både i offentliga miljöer och i hemmet)?"),
    (3, "Extremism och kriminella nätverk",
     "Vilka indikationer på \"våldsbejakande extremism\", kriminella nätverk eller kriminella "
     "skolor (t. ex. i form av klotter, klistermärken, propagandaspridning och rekrytering) "
     "har förekommit under den senaste månaden?"),
    (4, "Ungdomar/skolor",
     "På vilka skolor, fritidsgårdar eller i andra miljöer kopplad till ungdomar har ni "
     "uppmärksammat bråk eller andra oroligheter och på vilket vis?"),
    (5, "Alkohol, narkotika, doping och tobak",
     "Vilka indikationer och trender har ni sett under den senaste månaden vad gäller "
     "droghandel och bruk/misbruk av alkohol, narkotika och doping och tobak?"),
    (6, "Övrigt",
     "Övrig information som kan vara av intresse för den regionala lägesbild. (t. ex. hot mot "
     "personal och politiker, trakasserier, ofredanden, ryktesspridning i sociala medier, "
     "kommande arrangemang eller evenemang)?"),
    (7, "Positiva åtgärder eller händelser",
     "Positiva åtgärder eller händelser som syftar till att öka tryggheten och förebygga "
     "sociala risker?"),
)

#: The wording of the variant form without "Fråga N" (seed 003, appendix).
VARIANT_TEXTS: dict[int, str] = {
    1: "Vilka ordningsstörningar och händelser som kan skapa otrygghet i samhället (t.ex. "
       "inbrott, buskörning, bränder eller skadegörelse) har förekommit den senaste månaden?",
    2: "Vilka händelser och trender kan ni se vad gäller hot och våldsbrott under den senaste "
       "månaden (både i offentliga miljöer och i hemmet)?",
    3: "Vilka indikationer på våldsbejakande extremism, kriminella nätverk eller kriminella "
       "aktörer (t.ex. i form av klotter, klistermärken, propagandaspridning och rekrytering) "
       "har förekommit under den senaste månaden?",
    4: "På vilka skolor, fritidsgårdar eller i andra miljöer kopplat till ungdomar har ni "
       "uppmärksammat bråk eller andra oroligheter och på vilket vis?",
    5: "Vilka indikationer och trender har ni sett under den senaste månaden vad gäller "
       "droghandel och bruk/missbruk av alkohol, narkotika, doping och tobak?",
    6: "Övrig information som kan vara av intresse för den regionala lägesbilden, (t.ex. hot "
       "mot personal och politiker, trakasserier, ofredanden, ryktesspridning i sociala "
       "medier, kommande arrangemang eller evenemang)?",
    7: "Positiva åtgärder eller händelser som syftar till att öka tryggheten och förebygga "
       "sociala risker?",
}

INTRO: tuple[str, ...] = (
    "Rapporteringen är återkommande och riktar sig till kommunerna. Syftet är att i ett tidigt "
    "skede synliggöra signaler och händelser inom kommunen kopplade mot sociala risker, t.ex. "
    "ordningsstörningar, rasism, extremism, alkohol, droger och andra situationer som rör den "
    "allmänna tryggheten.",
    "Den kommunala samordnaren ansvarar för att sprida checklistan i den egna organisationen "
    "och hos relevanta samverkanspartner, i första hand bostadsbolag och polis. Den sammantagna "
    "kommunala rapporten kommer att användas som underlag till den regionala lägesbild som "
    "länsstyrelsen ansvarar för.",
    "Rapporteringen ska vara Länsstyrelsen tillhanda genom att vara inrapporterat senast den "
    "sista vardagen varje månad.",
    "Uppgifter som ni bedömer lyder under sekretess och individuppgifter ska inte tas med i "
    "denna lägesbild.",
)
INSTRUCTION = "Redogör kort under varje fråga:"
MUNICIPALITY_LABEL = "Underlaget inlämnat av kommun"

LEVELS: dict[int, str] = {1: "Normalt", 2: "Avvikande", 3: "Oroande", 4: "Allvarligt", 5: "Kritiskt"}

#: The scale legend some municipalities paste above the questions.
LEGEND = "Skala för påverkan: 1 = Normalt, 2 = Avvikande, 3 = Oroande, 4 = Allvarligt, 5 = Kritiskt"


def short_name(number: int) -> str:
    """The short name of question `number`."""
    return QUESTIONS[number - 1][1]


def question_text(number: int) -> str:
    """The template wording of question `number`."""
    return QUESTIONS[number - 1][2]


def template_heading(number: int) -> str:
    """The heading exactly as the template prints it ("Fråga 1, Ordnings…: Vilka …?")."""
    if number == 7:
        return f"Fråga 7, {question_text(7)}"
    return f"Fråga {number}, {short_name(number)}: {question_text(number)}"


def variant_heading(number: int) -> str:
    """The heading of the variant form (no "Fråga N")."""
    if number == 7:
        return VARIANT_TEXTS[7]
    return f"{short_name(number)}: {VARIANT_TEXTS[number]}"


# --------------------------------------------------------------------------
# Municipalities and months
# --------------------------------------------------------------------------

#: canonical name -> the form used before "kommun" ("Falu kommun")
DALARNA: dict[str, str] = {
    "Avesta": "Avesta", "Borlänge": "Borlänge", "Falun": "Falu", "Gagnef": "Gagnefs",
    "Hedemora": "Hedemora", "Leksand": "Leksands", "Ludvika": "Ludvika",
    "Malung-Sälen": "Malung-Sälens", "Mora": "Mora", "Orsa": "Orsa", "Rättvik": "Rättviks",
    "Smedjebacken": "Smedjebackens", "Säter": "Säters", "Vansbro": "Vansbro",
    "Älvdalen": "Älvdalens",
}

MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
          "september", "oktober", "november", "december")
MONTH_ABBR = ("jan", "feb", "mars", "apr", "maj", "juni", "juli", "aug", "sep", "okt", "nov", "dec")


# --------------------------------------------------------------------------
# A filled-in form, as data
# --------------------------------------------------------------------------

class _Auto:
    """Sentinel: derive the expected impact from what was typed."""

    def __repr__(self) -> str:
        return "AUTO"


AUTO = _Auto()


@dataclass(frozen=True)
class Stated:
    """How a municipality or period is written in the file, and what it must parse to.

    `label` may be "" (a bare value on its own line, e.g. "LUDVIKA"); grid
    layouts then use their own default label. `value` "" means the label is
    there but nothing was written after it. `style`/`key` let a variant
    generator re-render the same writing style for another municipality/month.
    """

    label: str
    value: str
    want: str | None
    issue: str | None = None
    style: str = ""
    key: tuple[object, ...] = ()
    raw: object = None  # a typed spreadsheet value (e.g. a date) instead of `value`

    @property
    def ym(self) -> tuple[int, int] | None:
        """(year, month) for a period written from a known month, else None."""
        if self.want is None or len(self.key) != 2:
            return None
        year, month = self.key
        assert isinstance(year, int) and isinstance(month, int)
        return year, month

    @property
    def line(self) -> str:
        """The one-line rendering for running text."""
        if not self.label:
            return self.value
        if not self.value:
            return self.label  # the template prints the label without a colon
        return f"{self.label}: {self.value}"


MUNI_STYLES = ("plain", "upper", "kommun", "label", "template", "template_gen", "label_gen")


def muni(name: str, style: str = "template") -> Stated:
    """A municipality written in one of the styles seen in the wild."""
    gen = DALARNA[name]
    label, value = {
        "plain": ("", name),
        "upper": ("", name.upper()),
        "kommun": ("", f"{gen} kommun"),
        "label": ("Kommun", name),
        "template": (MUNICIPALITY_LABEL, name),
        "template_gen": (MUNICIPALITY_LABEL, f"{gen} kommun"),
        "label_gen": ("Kommun", f"{gen} kommun"),
    }[style]
    return Stated(label, value, name, style=style, key=(name,))


def muni_blank(label: str = MUNICIPALITY_LABEL) -> Stated:
    """The municipality label left untouched: None + warning."""
    return Stated(label, "", None, "warning", style="blank")


PERIOD_STYLES = ("month_year", "manad_year", "abbr", "slash", "iso", "avser", "lower_year", "dash_iso",
                 "abbr_full")


def period(year: int, month: int, style: str = "month_year") -> Stated:
    """A period written in one of the styles seen in the wild."""
    name = MONTHS[month - 1]
    label, value = {
        "month_year": ("", f"{name.capitalize()} {year}"),
        "manad_year": ("", f"{name.capitalize()} månad {year}"),
        "abbr": ("", f"{MONTH_ABBR[month - 1]} -{year % 100:02d}"),
        "slash": ("Månad", f"{month}/{year}"),
        "iso": ("Period", f"{year}-{month:02d}"),
        "avser": ("Avser månad", f"{name} {year}"),
        "lower_year": ("Månad", f"{name} {year}"),
        "dash_iso": ("Rapportmånad", f"{year}-{month:02d}"),
        "abbr_full": ("Månad", f"{MONTH_ABBR[month - 1].capitalize()} {year}"),
    }[style]
    return Stated(label, value, f"{year:04d}-{month:02d}", style=style, key=(year, month))


def period_no_year(month: int) -> Stated:
    """"Juli månad" without a year: None + warning."""
    return Stated("", f"{MONTHS[month - 1].capitalize()} månad", None, "warning", style="no_year",
                  key=(month,))


def period_date(year: int, month: int, label: str = "Månad") -> Stated:
    """A spreadsheet date cell (first of the month, shown as "mmmm yyyy")."""
    return Stated(label, f"{MONTHS[month - 1]} {year}", f"{year:04d}-{month:02d}", style="date",
                  key=(year, month), raw=date(year, month, 1))


@dataclass(frozen=True)
class Entry:
    """One question as the coordinator left it.

    typed:    what stands where the impact belongs; None = the template left
              untouched ("Påverkan: 1-5", an empty cell).
    line:     the whole impact line, verbatim, overriding the layout's label.
    ticks:    for a checkbox row, the ticked boxes (box style in `box`).
    raw:      a typed spreadsheet value (int/float) instead of `typed`.
    comment:  paragraphs (inline markup allowed, "• " = bullet item).
    want/issue: the expected impact and the severity that must be reported on
              q<N>.impact; `want` AUTO derives it from typed/ticks/raw.
    heading:  replaces the question heading (renamed questions).
    control / comment_control: how content-control and legacy-field layouts
              hold the value ("text", "dropdown", "checkbox", "placeholder",
              "block", "none").
    fixed:    keep this entry as it is when variants are generated.
    """

    q: int
    typed: str | None = None
    comment: tuple[str, ...] = ()
    want: int | None | _Auto = AUTO
    issue: str | None = None
    heading: str | None = None
    line: str | None = None
    ticks: tuple[int, ...] | None = None
    box: str = "unicode"
    raw: object = None
    impact_next_line: bool = False
    comment_style: str | None = None
    control: str = "text"
    comment_control: str = "text"
    comment_in_textbox: bool = False
    comment_want: str | None = None
    comment_issue: str | None = None
    fixed: bool = False


@dataclass(frozen=True)
class Filled:
    """A whole filled-in form: the header facts, the entries in document order, and noise.

    municipality/period None means the line was removed entirely.
    comment_style: "same_line" ("Kommentar: text"), "next_lines" ("Kommentar:"
    then paragraphs) or "no_label" (paragraphs straight after the impact line).
    noise: "header", "footer", "legend", "split_runs", "nbsp", "textbox_header",
    "no_intro", "q7_dash" (a "-" in Q7's impact cell), "numbers_as_text".
    """

    entries: tuple[Entry, ...]
    municipality: Stated | None
    period: Stated | None
    comment_style: str = "same_line"
    noise: frozenset[str] = field(default_factory=frozenset)
    header_text: str = "Länsstyrelsen Dalarna – Lägesbild"

    def entry(self, q: int) -> Entry | None:
        """The entry for question `q`, if the question is in the file."""
        for e in self.entries:
            if e.q == q:
                return e
        return None

    def with_noise(self, *flags: str) -> Filled:
        """A copy with more noise flags."""
        return replace(self, noise=self.noise | frozenset(flags))


# --------------------------------------------------------------------------
# Markup and comparison
# --------------------------------------------------------------------------

_MARKUP_RE = re.compile(
    r"\[-(?P<del>.*?)-\]|\[\+(?P<ins>.*?)\+\]|\[\[(?P<link>.*?)\]\]|\{\{(?P<note>.*?)::(?P<text>.*?)\}\}",
    re.S)
PAGE_BREAK = "\f"


def split_markup(text: str) -> list[tuple[str, str, str]]:
    """Split inline markup into (kind, visible text, extra).

    kind is "text", "del", "ins", "link" (extra = the address) or "note"
    (extra = the review comment's text).
    """
    out: list[tuple[str, str, str]] = []
    pos = 0
    for m in _MARKUP_RE.finditer(text):
        if m.start() > pos:
            out.append(("text", text[pos:m.start()], ""))
        if m.group("del") is not None:
            out.append(("del", m.group("del"), ""))
        elif m.group("ins") is not None:
            out.append(("ins", m.group("ins"), ""))
        elif m.group("link") is not None:
            out.append(("link", m.group("link"), m.group("link")))
        else:
            out.append(("note", m.group("note"), m.group("text")))
        pos = m.end()
    if pos < len(text):
        out.append(("text", text[pos:], ""))
    return out


def resolve_markup(text: str) -> str:
    """The text as the document shows it with all tracked changes accepted."""
    return "".join(t for kind, t, _ in split_markup(text) if kind != "del")


def bullet_text(paragraph: str) -> tuple[bool, str]:
    """(is_bullet_item, text without the "• " marker)."""
    if paragraph.startswith("• "):
        return True, paragraph[2:]
    return False, paragraph


def plain_paragraph(paragraph: str) -> str:
    """A paragraph as plain text: markup resolved, bullet marker kept."""
    return resolve_markup(paragraph)


# What is not text and may be tidied (as the parser's `clean` documents):
# kinds of space, and invisible formatting marks. Quotes and dashes are the
# coordinator's own characters: a comment must come back with them as typed.
_TYPO = str.maketrans({
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u2002": " ", "\u2003": " ",
    "\u200b": None, "\u2060": None, "\ufeff": None, "\u00ad": None,
})
# List bullets as typed or as Word/LibreOffice export them (Symbol-font
# private-use code points included), stripped at line starts only.
_BULLET_RE = re.compile(r"^(?:[•\-–—*·▪◦‣⁃\uf0b7\uf0a7\uf0d8\uf076]\s*)+")
_WS_RE = re.compile(r"\s+")


def normalise_comment(text: str) -> str:
    """Compare form of a comment: bullets at line starts stripped, whitespace collapsed.

    Also unifies kinds of space and drops invisible marks (see `_TYPO`), NFC; quotes and dashes stay.
    """
    text = unicodedata.normalize("NFC", text).translate(_TYPO)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_BULLET_RE.sub("", line.strip()) for line in text.split("\n")]
    return _WS_RE.sub(" ", " ".join(lines)).strip()


def comment_of(entry: Entry) -> str:
    """The comment a correct parser returns for `entry` (un-normalised, "\\n"-joined)."""
    if entry.comment_want is not None:
        return entry.comment_want
    return "\n".join(resolve_markup(bullet_text(p)[1]) for p in entry.comment
                     if p != PAGE_BREAK and p.strip())
