"""What a variant's form says, and the truth a correct parser must return for it.

`form_content(variant, seed)` decides, deterministically, the municipality,
the month, each question's level, heading and comment, which question is
missing or has the anomaly, and the labels; `truth(content)` derives the
expected value of every field from that same data. Renderers (layouts.py,
sheets.py, acroform.py) only draw a `FormContent`; they never decide a value.
"""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import parsers
from tests.builders import (
    DALARNA,
    MONTHS,
    Stated,
    muni,
    period,
    short_name,
    template_heading,
    variant_heading,
)
from tests.variants.axes import Variant, family
from tests.variants.compare import CommentTruth, FieldTruth
from tests.variants.texts import CPara, comment_paras, with_tracked_change

LEVEL_NAMES = {1: "Normalt", 2: "Avvikande", 3: "Oroande", 4: "Allvarligt", 5: "Kritiskt"}
STALE_MONTH = "Juli månad"  # the month the county's template was written for

#: facts value -> (municipality style, period style) as in tests.builders
_FACT_STYLES = {
    "template": ("template", "month_year"), "labelled": ("label", "iso"),
    "genitive": ("kommun", "avser"), "upper_abbr": ("upper", "abbr"), "slash": ("label_gen", "slash"),
}


@cache
def aliases() -> dict[int, tuple[str, ...]]:
    """question -> its aliases, read from the form definition the parser uses."""
    path = Path(parsers.__file__).parent / "forms" / "dalarna_sociala_risker.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {int(q["number"]): tuple(q["aliases"]) for q in data["questions"]}


@dataclass(frozen=True)
class Item:
    """One question as the coordinator left it.

    level: the intended level 1-5 (None for question 7). anomaly: "none" or
    the anomaly written instead of the level. previous: the level replaced
    with Track Changes (None when the impact was not edited).
    """

    q: int
    heading: str
    cell_heading: str
    level: int | None
    anomaly: str
    comment: tuple[CPara, ...]
    previous: int | None = None
    in_textbox: bool = False


@dataclass(frozen=True)
class FormContent:
    """Everything a renderer draws, in document order."""

    variant: Variant
    items: tuple[Item, ...]
    municipality: Stated | None
    period: Stated | None
    year: int
    month: int
    town: str
    filename: str
    impact_label: str
    comment_label: str
    grid_impact_label: str
    intro: bool
    legend: bool
    signature: bool
    stale_month: bool
    textbox_facts: bool

    @property
    def v(self) -> Variant:
        return self.variant


def _rng(variant: Variant, seed: int) -> random.Random:
    return random.Random(f"{seed}:{variant.replicate}:{variant.describe()}")


def _headings(q: int, habit: str, rng: random.Random) -> tuple[str, str]:
    """(the running-text heading, the short heading a table cell holds)."""
    if habit == "no_fraga":
        return variant_heading(q), short_name(q)
    if habit == "aliases":
        alias = rng.choice(aliases()[q])
        return alias, alias
    return template_heading(q), f"{q}. {short_name(q)}"


def form_content(variant: Variant, seed: int = 0) -> FormContent:
    """The deterministic content of a variant."""
    rng = _rng(variant, seed)
    v = variant
    town = rng.choice(sorted(DALARNA))
    year = rng.choice((2025, 2026))
    month = rng.choice([m for m in range(1, 13) if m != 7])
    numbers = list(range(1, 8))
    missing = rng.randint(1, 7) if v.omission == "one_missing" else None
    present = [q for q in numbers if q != missing]
    if v.order == "reordered":
        shuffled = present[:]
        while shuffled == present:
            rng.shuffle(shuffled)
        present = shuffled
    impact_qs = [q for q in present if q != 7]
    odd = rng.choice(impact_qs) if v.anomaly != "none" else None
    textbox_q = rng.choice(present) if v.document == "textbox" else None
    edited = set(rng.sample(impact_qs, min(2, len(impact_qs)))) if v.document == "tracked_changes" else set()
    items = []
    for q in present:
        heading, cell = _headings(q, v.habit, rng)
        level = rng.randint(1, 5) if q != 7 else None
        paras = comment_paras(v.comment, q, rng, tabs=family(v.producer) in ("word", "print"))
        if v.document == "tracked_changes" and paras and rng.random() < 0.6:
            paras = (with_tracked_change(paras[0], rng), *paras[1:])
        previous = None
        if q in edited and q != odd and v.impact in ("digit", "digit_word", "word") and level is not None:
            previous = rng.choice([n for n in range(1, 6) if n != level])
        items.append(Item(q, heading, cell, level, v.anomaly if q == odd else "none", paras, previous,
                          in_textbox=q == textbox_q))
    if v.facts == "filename_only":
        m_stated = p_stated = None
        filename = f"Lägesbild {town} {MONTHS[month - 1]} {year}.{v.ext}"
    else:
        m_style, p_style = _FACT_STYLES[v.facts]
        m_stated, p_stated = muni(town, m_style), period(year, month, p_style)
        filename = f"Lägesbild sociala risker.{v.ext}"
    impact_label, comment_label, grid_label = "Påverkan", "Kommentar", "Påverkan (1-5)"
    if v.habit == "label_aliases":
        impact_label, comment_label, grid_label = "Påverkansgrad", "Kommentarer", "Bedömd påverkan"
    elif v.habit == "variant_label":
        impact_label = grid_label = "Påverkan 1-5"
    return FormContent(
        variant=v, items=tuple(items), municipality=m_stated, period=p_stated, year=year, month=month,
        town=town, filename=filename, impact_label=impact_label, comment_label=comment_label,
        grid_impact_label=grid_label, intro=v.habit != "no_intro", legend=v.habit == "legend",
        signature=v.habit == "signature", stale_month=v.habit == "stale_month",
        textbox_facts=v.document == "textbox",
    )


def comment_truth(paras: tuple[CPara, ...]) -> CommentTruth:
    """The expected comment: tracked changes accepted, formatted list markers forgiven."""
    return CommentTruth(tuple((p.shown, bool(p.list_kind)) for p in paras))


def truth(content: FormContent) -> dict[str, FieldTruth]:
    """field -> its truth, for the 15 value fields of the form."""
    out: dict[str, FieldTruth] = {}
    guessed = content.variant.facts == "filename_only"  # the file name is only a fallback
    out["municipality"] = FieldTruth(content.town, flag=guessed)
    out["period"] = FieldTruth(f"{content.year:04d}-{content.month:02d}", flag=guessed)
    by_q = {it.q: it for it in content.items}
    for q in range(1, 8):
        it = by_q.get(q)
        if q != 7:
            if it is None or it.anomaly != "none":
                out[f"q{q}.impact"] = FieldTruth(None, flag=True)
            else:
                out[f"q{q}.impact"] = FieldTruth(it.level)
        out[f"q{q}.comment"] = (FieldTruth(CommentTruth(), flag=True) if it is None
                                else FieldTruth(comment_truth(it.comment)))
    return out


FIELDS: tuple[str, ...] = ("municipality", "period", *(f"q{q}.impact" for q in range(1, 7)),
                           *(f"q{q}.comment" for q in range(1, 8)))

__all__ = ["FIELDS", "FormContent", "Item", "LEVEL_NAMES", "STALE_MONTH", "aliases", "comment_truth",
           "form_content", "truth"]
