"""Comment texts in every style the comment axis names, chosen deterministically.

Each style returns the paragraphs a coordinator typed for one question, as
`CPara` (text with the builders' inline markup, plus whether the paragraph is
a *formatted* list item whose marker is not typed text). The sentences are
realistic and contain no personal data. The base sentences come from the
fixture corpus (`tests.builders.cases.POOL`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tests.builders import resolve_markup
from tests.builders.cases import POOL


@dataclass(frozen=True)
class CPara:
    """One comment paragraph: text (may hold "\\n" soft breaks, "\\t", [-del-]/[+ins+])
    and `list_kind` "" (typed text), "bullet" or "number" (Word list formatting)."""

    text: str
    list_kind: str = ""
    literal: bool = False  # the text holds no markup: "[-x-]" is typed as it stands

    @property
    def shown(self) -> str:
        """The text as the document shows it (tracked changes accepted)."""
        return self.text if self.literal else resolve_markup(self.text)


QUOTES = (
    "Rektor beskriver läget som ”oroligt men hanterbart”.",
    "Polisen talar om »ett nytt mönster« i centrum.",
    "En boende sa: „Vi vågar inte gå ut efter tio”.",
    "Gruppen kallar sig ’Norra gänget’ i sociala medier.",
    "Skolan har infört ”trygga vuxna” på rasterna, och det har fått bra respons.",
    "Ordet «lugnt» användes av flera aktörer på samverkansmötet.",
    "Föreningens ‘nattvandring’ fortsätter; det är ”uppskattat”.",
    'Affischerna hade texten "Ta tillbaka gatorna" och är nu borttagna.',
    "Bostadsbolaget skriver att det ”inte är värre än vanligt” – men boende upplever det annorlunda.",
)
DASHES = (
    "Kl. 22–02 på fredagar – främst vid torget.",
    "Tre anmälningar — samtliga utreds av polisen.",
    "Veckorna 40–42 var lugnare än september.",
    "Åldersgruppen 13–17 år dominerar bland de omhändertagna.",
    "Med −20 °C höll sig de flesta inomhus.",
    "Läget är oförändrat ‒ se förra månadens rapport.",
    "Kontakt via e-post och sms-tjänsten fungerar – svaren kommer inom ett dygn.",
    "Inga nya händelser ―  utöver det som nämnts ovan.",
)
LABEL_WORDS = (
    "Påverkan på tryggheten i centrum bedöms som liten.",
    "3 personer omhändertogs enligt LOB under helgen.",
    "Kommentar från polisen: läget är stabilt.",
    "Kommunen har tagit fram en ny handlingsplan.",
    "Oktober brukar vara en lugn månad, så även i år.",
    "2 av 5 skolor rapporterar ökad oro.",
    "Se även fråga 2 om hot och våld.",
    "Nivå 4 i polisens egen bedömning, men vi ser det inte så.",
)
SYMBOLS = (
    "Skadorna uppskattas till 50 000 € & mer.",
    "Andelen ökade med 15 % jämfört med förra året.",
    "Enligt § 12 ordningslagen krävs tillstånd för arrangemanget.",
    "Temperatur < 0° gav halka och > 3 olyckor.",
    "Läs mer: https://polisen.se/aktuellt/ eller mejla trygghet@kommun.se.",
    "½ av eleverna svarade i enkäten (± 5 procentenheter).",
    "Anmälningar: 3 st. (jfr 1 st. i sept.) – #klotter på skolan.",
    "Kostnad för sanering ≈ 40 m² à 300 kr/m².",
)
LEADS = ("Under månaden har följande rapporterats:", "Händelser:", "Polisen och skolan rapporterar:",
         "Sammanfattning:")


def _sentences(q: int) -> list[str]:
    """Plain sentences for question q (the corpus pool, typed bullets left out)."""
    out = []
    for option in POOL[q]:
        out += [p for p in option if not p.startswith("• ")]
    return out


def _all_sentences() -> list[str]:
    return [s for q in POOL for s in _sentences(q)]


def comment_paras(style: str, q: int, rng: random.Random, *, tabs: bool = True) -> tuple[CPara, ...]:
    """The paragraphs of question q's comment in `style` (see axes.COMMENTS).

    `tabs` False for formats where the Tab key leaves the field (a spreadsheet
    cell, a PDF form field): there the columns are typed with spaces.
    """
    base = _sentences(q)
    s1, s2, s3 = rng.sample(base, 3)
    if style == "plain":
        return (CPara(s1),) if rng.random() < 0.5 else (CPara(s1), CPara(s2))
    if style == "quotes":
        return (CPara(f"{s1} {rng.choice(QUOTES)}"), CPara(rng.choice(QUOTES)))
    if style == "dashes":
        return (CPara(rng.choice(DASHES)), CPara(f"{s2} {rng.choice(DASHES)}"))
    if style == "typed_numbered":
        close = rng.choice((".", ")"))
        return (CPara(rng.choice(LEADS)), CPara(f"1{close} {s1}"), CPara(f"2{close} {s2}"),
                CPara(f"3{close} {s3}"))
    if style == "list_formatting":
        kind = rng.choice(("bullet", "number"))
        return (CPara(rng.choice(LEADS)), CPara(s1, kind), CPara(s2, kind), CPara(s3, kind))
    if style == "typed_bullets":
        mark = rng.choice(("- ", "• ", "* ", "– "))
        return (CPara(rng.choice(LEADS)), CPara(mark + s1), CPara(mark + s2))
    if style == "soft_breaks":
        return (CPara(f"{rng.choice(LEADS)}\n{s1}\n{s2}"), CPara(s3))
    if style == "nbsp_tabs":
        tab = "\t" if tabs else "   "
        return (CPara(f"Kostnaden för saneringen blev 12\u00a0500\u00a0kr, kl.\u00a022.00 larmades polisen. {s1}"),
                CPara(f"Polis:{tab}lugnt{tab}Skola:{tab}oroligt"), CPara(f"{tab}{s2}"))
    if style == "long":
        pool = _all_sentences()
        return tuple(CPara(" ".join(rng.sample(pool, rng.randint(2, 4)))) for _ in range(rng.randint(5, 7)))
    if style == "empty":
        return ()
    if style == "label_words":
        return (CPara(rng.choice(LABEL_WORDS)), CPara(f"{s1} {rng.choice(LABEL_WORDS)}"))
    if style == "symbols":
        return (CPara(f"{rng.choice(SYMBOLS)} {s1}"), CPara(rng.choice(SYMBOLS)))
    raise ValueError(f"unknown comment style {style!r}")


def with_tracked_change(para: CPara, rng: random.Random) -> CPara:
    """The paragraph as edited with Track Changes on: a deletion and an insertion."""
    ins = rng.choice((" Uppdaterat efter samråd med polisen.", " Kompletterat av fältgruppen."))
    deleted = rng.choice(("Preliminärt: ", "UTKAST "))
    return CPara(f"[-{deleted}-]{para.text}[+{ins}+]", para.list_kind)


__all__ = ["CPara", "comment_paras", "with_tracked_change"]
