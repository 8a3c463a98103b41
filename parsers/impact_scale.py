"""What reading an impact needs from a scale, compiled once: level words, range labels and printed legends."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from parsers.form import Scale
from parsers.memo import per_object
from parsers.normalize import fold, unify

SEPARATORS = " :=-.,;>→)"


_LEGEND_PAIR_RE = re.compile(r"\d\s*[=:]\s*[a-z]")
_BRACKETED_RE = re.compile(r"[(\[][^)\]]*[)\]]")
_LETTER_RE = re.compile(r"[a-z]")


@dataclass(frozen=True, slots=True)
class ScalePlan:
    """What reading needs from a scale, folded and compiled once per scale.

    Every impact text is compared with every level word and range label;
    doing the folding, sorting and regex escaping per call cost more than
    the reading itself.
    """

    level_words: tuple[tuple[str, int], ...]  # folded level names and aliases, longest first
    whole_words: tuple[tuple[str, re.Pattern[str], int], ...]  # the same, as whole-word patterns
    range_prefixes: tuple[str, ...]  # cleaned range labels, with and without brackets, longest first
    folded_ranges: tuple[str, ...]  # folded range labels, in the form's order
    legend_ranges: tuple[str, ...]  # folded range labels without brackets
    out_of_max: re.Pattern[str]  # "3/5", "3 av 5" at the start
    of_max: re.Pattern[str]  # "/5", " av 5" after a value
    text: str  # `scale_text`


@per_object
def scale_plan(scale: Scale) -> ScalePlan:
    """The scale's plan, built on first use and kept with the scale."""
    words = sorted(((fold(w), lv.value) for lv in scale.levels for w in (lv.name, *lv.aliases)),
                   key=lambda wv: -len(wv[0]))
    labels = sorted(scale.range_labels, key=len, reverse=True)
    first, last = scale.levels[0], scale.levels[-1]
    return ScalePlan(
        level_words=tuple(words),
        whole_words=tuple((w, re.compile(rf"(?<![a-z]){re.escape(w)}(?![a-z])"), v) for w, v in words),
        range_prefixes=tuple(c for label in labels for c in (unify(label), unify(label).strip("()"))),
        folded_ranges=tuple(fold(label) for label in scale.range_labels),
        legend_ranges=tuple(fold(r).strip("()") for r in scale.range_labels),
        out_of_max=re.compile(rf"^\d\s*(/|av)\s*{scale.max}\b"),
        of_max=re.compile(rf"^\s*(/|av)\s*{scale.max}\b"),
        text=f"{first.value} ({first.name}) till {last.value} ({last.name})",
    )


def level_words(scale: Scale) -> tuple[tuple[str, int], ...]:
    """The folded level names and aliases with their values, longest first."""
    return scale_plan(scale).level_words


def strip_range_label(text: str, scale: Scale) -> tuple[str, bool]:
    """Remove a leading "1-5" style range label; say whether one was there."""
    t = text.lstrip(SEPARATORS.replace(")", "") + "(")
    for c in scale_plan(scale).range_prefixes:
        if t.startswith(c) and (len(t) == len(c) or not t[len(c)].isdigit()):
            rest = t[len(c):]
            return rest.lstrip(SEPARATORS), True
    return text, False


def closest_word(word: str, scale: Scale) -> tuple[int, float]:
    """The level whose word is most like `word`, and how alike (0..1)."""
    best, best_ratio = 0, 0.0
    for w, v in level_words(scale):
        ratio = SequenceMatcher(None, word, w).ratio()
        if ratio > best_ratio:
            best, best_ratio = v, ratio
    return best, best_ratio


def find_level_word(folded: str, scale: Scale) -> tuple[int, str] | None:
    """The level named at the start of `folded`, and the text after it."""
    for word, value in level_words(scale):
        if folded.startswith(word) and (len(folded) == len(word) or not folded[len(word)].isalpha()):
            return value, folded[len(word):]
    return None


def scale_text(scale: Scale) -> str:
    """ "1 (Normalt) till 5 (Kritiskt)", for messages."""
    return scale_plan(scale).text


def strip_trailing_range(text: str, scale: Scale) -> str:
    """ "3 1-5" (the digit typed before the untouched range): drop the range."""
    for lab in scale_plan(scale).folded_ranges:
        if text.endswith(lab) and (len(text) == len(lab) or not text[-len(lab) - 1].isdigit()):
            return text[: -len(lab)].strip()
    return text


def levels_named(folded: str, scale: Scale) -> set[int]:
    """The levels whose words stand in `folded` as whole words."""
    found: set[int] = set()
    for word, pattern, value in scale_plan(scale).whole_words:  # longest first: "inget avvikande" before "avvikande"
        # The substring test is a cheap pre-check: most texts hold no level word at all.
        if word in folded and pattern.search(folded):
            found.add(value)
            folded = pattern.sub(" ", folded)
    return found


def _is_legend_item(text: str, scale: Scale) -> bool:
    folded = fold(text)
    return len(levels_named(folded, scale)) >= 2 or bool(_LEGEND_PAIR_RE.search(folded))


_LEGEND_RUN_RE = re.compile(
    r"^\s*(?:\d\s*(?:=|:|-)\s*[A-Za-zÅÄÖåäö]+\s*(?:[,;/]|\.\.\.|…|-)?\s*){2,}"
)


def strip_legend(text: str, scale: Scale) -> tuple[str, bool]:
    """Remove a printed explanation of the scale: "(1 = Normalt … 5 = Kritiskt)".

    Forms print the legend next to the label; its digits and words are not
    the answer. Returns the text without it, and whether one was removed.
    """
    removed = False

    ranges = scale_plan(scale).legend_ranges

    def drop(m: re.Match[str]) -> str:
        nonlocal removed
        inner = fold(m.group(0))
        if _is_legend_item(m.group(0), scale) or (any(r in inner for r in ranges) and _LETTER_RE.search(inner)):
            # "(1 = Normalt … 5 = Kritiskt)", "(skala 1-5)": an explanation, not the answer.
            removed = True
            return " "
        return m.group(0)

    out = _BRACKETED_RE.sub(drop, text)
    run = _LEGEND_RUN_RE.match(out)
    if run and _is_legend_item(run.group(0), scale):
        out, removed = out[run.end():], True
    if removed:
        out = out.strip().lstrip(SEPARATORS).strip()
    return out, removed
