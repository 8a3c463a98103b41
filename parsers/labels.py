"""Labelled lines: "Påverkan: 3", "Kommentar: …", "Kommun: Mora", "Område: Vivalla"; misspelt labels
and stray colons included."""

from __future__ import annotations

import re
from functools import lru_cache

from parsers.form import FormSpec
from parsers.form_plan import match_labels
from parsers.impact import CHECKED, UNCHECKED, ImpactStatus, read_impact
from parsers.normalize import clean, fold, fold_same_length, unify
from parsers.typed_line import Kind, Line

_LONG_MUNICIPALITY_LABEL = 12  # labels this long are accepted without a colon


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (limit + 1) once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


@lru_cache(maxsize=256)
def _misspelling_targets(labels: tuple[str, ...]) -> tuple[tuple[str, int, frozenset[str]], ...]:
    """(folded label, edits allowed, its letters) for each one-word label of 6+ letters."""
    out = []
    for label in labels:
        target = fold(label)
        if " " in target or len(target) < 6:
            continue
        out.append((target, 2 if len(target) >= 8 else 1, frozenset(target)))
    return tuple(out)


_MISSPELT_RE = re.compile(r"^([a-z]{5,14})\s*:")


def _misspelt_label(folded: str, labels: tuple[str, ...]) -> int | None:
    """End of a misspelt one-word label followed by a colon ("Kommnetar:", "Påvarkan:")."""
    m = _MISSPELT_RE.match(folded)
    if not m:
        return None
    word = m.group(1)
    letters = set(word)
    for target, limit, target_letters in _misspelling_targets(labels):
        if word == target:
            return m.end(1)
        # Each letter one word has and the other lacks costs at least one
        # edit: a cheap lower bound that skips most edit distances.
        if abs(len(word) - len(target)) > limit or len(letters - target_letters) > limit \
                or len(target_letters - letters) > limit:
            continue
        if _edit_distance(word, target, limit) <= limit:
            return m.end(1)
    return None


_DIGIT_BEFORE_RE = re.compile(r"^([1-9])\s*(?=[a-z])")
_WORDS_THEN_COLON_RE = re.compile(r"^([^:.!?]{1,30}):(.*)$")
_BARE_COMMENT_RE = re.compile(r"^(kommentar|kommentarer)\s+(?=\S)")
_PLURAL_COLON_RE = re.compile(r"^(er)?\s*:")


def _sentence_after(rest: str) -> bool:
    """Words run on after a label without a colon: "4 i polisens egen bedömning, men vi ser det inte så"."""
    stripped = rest.strip()
    return bool(stripped) and stripped[:1] not in ":=(" and len(stripped.split()) >= 4


def _impact_line(first: str, folded: str, more: str, form: FormSpec) -> Line | None:
    """ "Påverkan: 3", "Påverkan (skala 1-5): 2", "Påverkan på kommunen: 3", "3 Påverkan: 1-5"."""
    labels = form.labels.impact
    hit = match_labels(folded, labels)
    end = hit[0] if hit else _misspelt_label(folded, labels)
    if end is not None:
        rest = first[end:]
        if hit and hit[1] in form.labels.needs_colon and _sentence_after(rest):
            return None  # "Nivå 4 i polisens egen bedömning, men …": a sentence, not a label
        if _plausible_impact(rest, form):
            value = rest.strip().lstrip(":=").strip()
            return Line(Kind.IMPACT, _join(value, more), open_value=_is_open(value, form))
        # A few words between the label and its colon: "Påverkan på kommunen: 3".
        m = _WORDS_THEN_COLON_RE.match(rest)
        if m and _plausible_impact(":" + m.group(2), form):
            value = m.group(2).strip()
            return Line(Kind.IMPACT, _join(value, more), open_value=_is_open(value, form))
        return None
    # The digit typed in front of the label: "3 Påverkan: 1-5".
    m = _DIGIT_BEFORE_RE.match(folded)
    if m and match_labels(folded[m.end():], labels):
        after = match_labels(folded[m.end():], labels)
        assert after is not None
        tail = first[m.end() + after[0]:].strip().lstrip(":=").strip()
        if _is_open(tail, form):
            return Line(Kind.IMPACT, m.group(1), doubt="siffran står före rubriken Påverkan")
    return None


def match_label(text: str, form: FormSpec) -> Line | None:
    """A labelled line ("Påverkan: 3", "Kommentar: …", "Kommun: Mora"), or None."""
    first, _, more = clean(text).partition("\n")
    folded = fold_same_length(first)
    labels = form.labels
    stop = match_labels(folded, labels.stop)
    if stop and first[stop[0]:].lstrip()[:1] in (":", ""):
        return Line(Kind.BREAK, first[stop[0]:].lstrip(" :"), raw=first)
    impact = _impact_line(first, folded, more, form)
    if impact is not None:
        return impact
    # A correctly spelt label is read below; only then look for a misspelt one.
    misspelt = None if match_labels(folded, labels.comment) else _misspelt_label(folded, labels.comment)
    if misspelt is not None:
        value = first[misspelt:].strip().lstrip(":").strip()
        return Line(Kind.COMMENT, _join(value, more), open_value=value == "" and not more)
    bare = _BARE_COMMENT_RE.match(folded)
    if bare and first[bare.end():bare.end() + 1].isupper():
        # "Kommentar En misshandel …": the label without its colon.
        return Line(Kind.COMMENT, _join(first[bare.end():].strip(), more))
    for kind, group in ((Kind.COMMENT, labels.comment), (Kind.MUNICIPALITY, labels.municipality),
                        (Kind.PERIOD, labels.period), (Kind.AREA, labels.area)):
        hit = match_labels(folded, group)
        if not hit:
            continue
        end, label = hit
        rest = first[end:]
        stripped = rest.strip()
        colon = unify(stripped[:1]) in (":", "-", "=") or stripped == ""
        long_label = kind is Kind.MUNICIPALITY and len(label) >= _LONG_MUNICIPALITY_LABEL
        if kind is Kind.COMMENT and _PLURAL_COLON_RE.match(stripped):
            colon = True
        if not (colon or long_label):
            continue
        value = _LABEL_SEPARATOR_RE.sub("", stripped, count=1)
        return Line(kind, _join(value, more), open_value=value == "" and not more)
    return None


# What may stand between a label and its value: "Kommentar: …", "Kommentar – …".
# One separator, never more: "Kommentar: – inget nytt" keeps its dash, "Kommentar: =1+1" its "=".
_LABEL_SEPARATOR_RE = re.compile(r"^\s*[:=\-\u2013\u2014]?\s*")


def _join(value: str, more: str) -> str:
    return value if not more else (value + "\n" + more).strip()


def _plausible_impact(rest: str, form: FormSpec) -> bool:
    """Is this "Påverkan …" line a label with a value, rather than prose?"""
    stripped = unify(rest)
    if stripped == "" or stripped[:1] in (":", "=") or stripped.startswith(("(", "1-5", "1 - 5")):
        return True
    if stripped[:1].isdigit() or stripped[:1] in CHECKED + UNCHECKED + "[":
        return True
    reading = read_impact(stripped, form.scale)
    return reading.status is not ImpactStatus.INVALID and len(stripped) <= 40


def _is_open(value: str, form: FormSpec) -> bool:
    return read_impact(value, form.scale).status is ImpactStatus.BLANK
