"""The axes a form variant is chosen on, which values apply to which producer, and the product.

A variant is one value on each axis. The *primary* axes (producer, layout,
impact, anomaly) are enumerated as a full cross product of their valid
combinations, repeated `replicates` times; the *secondary* axes (comment,
document, habit, facts, order, omission) are dealt to those variants by a
seeded, balanced round robin over the values valid for each variant, in an
order shuffled per axis, so every value appears about equally often and the
pairs of values mix. Everything is a pure function of the seed.

`sample` picks a small subset that still covers every value and, greedily,
every pair of values seen in the product (for the default test suite).
"""

from __future__ import annotations

import heapq
import random
from dataclasses import asdict, dataclass
from itertools import combinations

PRODUCERS = ("wordml", "python-docx", "lo-docx", "lo-odt", "lo-pdf", "print-pdf",
             "acroform", "acrobat-names", "openpyxl", "lo-xls", "lo-ods")
WORD = frozenset({"wordml", "python-docx", "lo-docx", "lo-odt", "lo-pdf"})
PRINT = frozenset({"print-pdf"})
ACRO = frozenset({"acroform", "acrobat-names"})
SHEET = frozenset({"openpyxl", "lo-xls", "lo-ods"})
#: producer -> (file extension, LibreOffice target or "" when written directly)
OUTPUT: dict[str, tuple[str, str]] = {
    "wordml": ("docx", ""), "python-docx": ("docx", ""), "lo-docx": ("docx", "docx"),
    "lo-odt": ("odt", "odt"), "lo-pdf": ("pdf", "pdf"), "print-pdf": ("pdf", ""),
    "acroform": ("pdf", ""), "acrobat-names": ("pdf", ""), "openpyxl": ("xlsx", ""),
    "lo-xls": ("xls", "xls"), "lo-ods": ("ods", "ods"),
}

LAYOUTS = ("inline", "next_line", "table1", "table2", "table3", "cell_lines", "transposed")
IMPACTS = ("digit", "digit_word", "word", "checkbox", "checkbox_sym", "content_control",
           "legacy_dropdown", "matrix_x")
ANOMALIES = ("none", "blank", "template_range", "invalid_7", "invalid_range", "invalid_word",
             "two_ticked")
COMMENTS = ("plain", "quotes", "dashes", "typed_numbered", "list_formatting", "typed_bullets",
            "soft_breaks", "nbsp_tabs", "long", "empty", "label_words", "symbols")
DOCUMENTS = ("plain", "header_footer", "textbox", "tracked_changes", "page_breaks")
HABITS = ("template", "no_intro", "no_fraga", "aliases", "stale_month", "label_aliases",
          "variant_label", "legend", "signature")
FACTS = ("template", "labelled", "genitive", "upper_abbr", "slash", "filename_only")
ORDERS = ("template", "reordered")
OMISSIONS = ("none", "one_missing")

AXES: dict[str, tuple[str, ...]] = {
    "producer": PRODUCERS, "layout": LAYOUTS, "impact": IMPACTS, "anomaly": ANOMALIES,
    "comment": COMMENTS, "document": DOCUMENTS, "habit": HABITS, "facts": FACTS,
    "order": ORDERS, "omission": OMISSIONS,
}
PRIMARY = ("producer", "layout", "impact", "anomaly")
SECONDARY = ("comment", "document", "habit", "facts", "order", "omission")
#: A value listed n times is dealt n times as often (a missing question is the exception).
WEIGHTS: dict[str, dict[str, int]] = {"omission": {"none": 3, "one_missing": 1}}

#: impact style -> the anomalies that mean something distinct in it
_ANOMALIES_OF: dict[str, tuple[str, ...]] = {
    "digit": ("none", "blank", "template_range", "invalid_7", "invalid_range", "invalid_word"),
    "digit_word": ("none", "blank", "template_range", "invalid_7", "invalid_range"),
    "word": ("none", "blank", "template_range", "invalid_range", "invalid_word"),
    "checkbox": ("none", "blank", "two_ticked"),
    "checkbox_sym": ("none", "blank", "two_ticked"),
    "content_control": ("none", "blank", "template_range", "invalid_7", "invalid_range", "invalid_word"),
    "legacy_dropdown": ("none", "blank", "template_range"),
    "matrix_x": ("none", "blank", "two_ticked"),
}


def family(producer: str) -> str:
    """"word", "print", "acro" or "sheet"."""
    for name, members in (("word", WORD), ("print", PRINT), ("acro", ACRO), ("sheet", SHEET)):
        if producer in members:
            return name
    raise ValueError(producer)


def valid_layouts(producer: str) -> tuple[str, ...]:
    """Layouts a producer can write (an AcroForm has labels beside, above, or in a grid)."""
    return ("inline", "next_line", "table3") if family(producer) == "acro" else LAYOUTS


def valid_impacts(producer: str, layout: str) -> tuple[str, ...]:
    """Impact styles a producer can carry in a layout."""
    fam = family(producer)
    styles: list[str] = ["digit", "digit_word", "word", "checkbox"]
    if fam == "word" and producer != "python-docx":
        styles.append("checkbox_sym")  # Word's Insert Symbol (Wingdings w:sym)
    if fam == "word":
        styles.append("content_control")
    if fam in ("word", "acro", "sheet"):
        styles.append("legacy_dropdown")  # FORMDROPDOWN, a PDF choice field, a cell list
    matrix_layouts = ("table3", "transposed") if fam == "sheet" else ("inline", "next_line", "table3",
                                                                       "transposed")
    if fam != "acro" and layout in matrix_layouts:
        styles.append("matrix_x")
    return tuple(styles)


def valid_anomalies(producer: str, impact: str) -> tuple[str, ...]:
    """Anomalies an impact style can show (a spreadsheet list cell takes any typed value)."""
    if impact == "legacy_dropdown" and family(producer) == "sheet":
        return _ANOMALIES_OF["digit"]
    return _ANOMALIES_OF[impact]


def valid_secondary(axis: str, producer: str) -> tuple[str, ...]:
    """Values of a secondary axis that mean something for a producer."""
    fam = family(producer)
    if axis == "comment":
        return COMMENTS if fam in ("word", "print") else tuple(c for c in COMMENTS if c != "list_formatting")
    if axis == "document":
        allowed = {"word": DOCUMENTS, "print": ("plain", "header_footer", "textbox", "page_breaks"),
                   "acro": ("plain", "header_footer", "page_breaks"),
                   "sheet": ("plain", "header_footer", "page_breaks")}[fam]
        if producer == "lo-pdf":  # a PDF prints tracked changes as markup: no single truth
            allowed = tuple(d for d in allowed if d != "tracked_changes")
        return allowed
    return AXES[axis]


@dataclass(frozen=True, order=True)
class Variant:
    """One form variant: a value on every axis, plus its index and replicate."""

    index: int
    replicate: int
    producer: str
    layout: str
    impact: str
    anomaly: str
    comment: str = "plain"
    document: str = "plain"
    habit: str = "template"
    facts: str = "template"
    order: str = "template"
    omission: str = "none"

    def axes(self) -> dict[str, str]:
        """axis -> value."""
        d = asdict(self)
        return {a: str(d[a]) for a in AXES}

    @property
    def name(self) -> str:
        """A short id used for file names: v01234."""
        return f"v{self.index:05d}"

    @property
    def ext(self) -> str:
        return OUTPUT[self.producer][0]

    def describe(self) -> str:
        return " ".join(f"{a}={v}" for a, v in self.axes().items())


def primary_product(replicates: int = 2) -> list[tuple[int, str, str, str, str]]:
    """(replicate, producer, layout, impact, anomaly) for every valid combination."""
    out = []
    for rep in range(replicates):
        for p in PRODUCERS:
            for lay in valid_layouts(p):
                for imp in valid_impacts(p, lay):
                    for ano in valid_anomalies(p, imp):
                        out.append((rep, p, lay, imp, ano))
    return out


def product(seed: int = 0, replicates: int = 2) -> list[Variant]:
    """The full product: every valid primary combination with dealt secondary values."""
    base = primary_product(replicates)
    chosen: dict[str, list[str]] = {a: [""] * len(base) for a in SECONDARY}
    for axis in SECONDARY:
        rng = random.Random(f"{seed}:{axis}")
        order = list(range(len(base)))
        rng.shuffle(order)
        counters: dict[tuple[str, ...], int] = {}
        for i in order:
            valid = valid_secondary(axis, base[i][1])
            weights = WEIGHTS.get(axis, {})
            deck = tuple(v for v in valid for _ in range(weights.get(v, 1)))
            k = counters.setdefault(deck, rng.randrange(len(deck)))
            chosen[axis][i] = deck[k % len(deck)]
            counters[deck] = k + 1
    return [Variant(i, rep, p, lay, imp, ano, **{a: chosen[a][i] for a in SECONDARY})
            for i, (rep, p, lay, imp, ano) in enumerate(base)]


def pairs_of(v: Variant) -> set[tuple[str, str, str, str]]:
    """Every (axis, value, axis, value) pair a variant covers."""
    items = list(v.axes().items())
    return {(a, x, b, y) for (a, x), (b, y) in combinations(items, 2)}


def sample(variants: list[Variant], size: int = 300, seed: int = 0, min_per_value: int = 3) -> list[Variant]:
    """A subset covering every pair of values in `variants` (lazy greedy), then every value
    `min_per_value` times, then a seeded fill up to `size`."""
    rng = random.Random(f"{seed}:sample")
    pairs = [pairs_of(v) for v in variants]
    covered: set[tuple[str, str, str, str]] = set()
    picked: list[int] = []
    # Ties go to producers written without LibreOffice, then to a seeded order.
    tie = [(1 if OUTPUT[v.producer][1] else 0, rng.random()) for v in variants]
    heap = [(-len(p), tie[i], i) for i, p in enumerate(pairs)]
    heapq.heapify(heap)
    taken = set()
    while heap and len(picked) < size:
        neg, t, i = heapq.heappop(heap)
        gain = len(pairs[i] - covered)
        if gain <= 0:
            continue  # covers nothing new any more
        if -neg > gain:  # stale: push back with its current gain (gains only shrink)
            heapq.heappush(heap, (-gain, t, i))
            continue
        picked.append(i)
        taken.add(i)
        covered |= pairs[i]
    counts: dict[tuple[str, str], int] = {}
    for i in picked:
        for a, val in variants[i].axes().items():
            counts[(a, val)] = counts.get((a, val), 0) + 1
    rest = [i for i in range(len(variants)) if i not in taken]
    rng.shuffle(rest)
    for i in rest:
        if len(picked) >= size:
            break
        need = any(counts.get((a, val), 0) < min_per_value for a, val in variants[i].axes().items())
        if need:
            picked.append(i)
            taken.add(i)
            for a, val in variants[i].axes().items():
                counts[(a, val)] = counts.get((a, val), 0) + 1
    for i in rest:
        if len(picked) >= size:
            break
        if i not in taken:
            picked.append(i)
            taken.add(i)
    return [variants[i] for i in sorted(picked)]


__all__ = ["ACRO", "ANOMALIES", "AXES", "COMMENTS", "DOCUMENTS", "FACTS", "HABITS", "IMPACTS",
           "LAYOUTS", "OMISSIONS", "ORDERS", "OUTPUT", "PRIMARY", "PRINT", "PRODUCERS", "SECONDARY",
           "SHEET", "Variant", "WORD", "family", "pairs_of", "primary_product", "product", "sample",
           "valid_anomalies", "valid_impacts", "valid_layouts", "valid_secondary"]
