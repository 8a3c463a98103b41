"""What matching needs from a form, folded once: names, wordings and their letter pairs, label prefixes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from parsers.form import FormSpec, Question
from parsers.memo import per_object
from parsers.normalize import fold, squash
from parsers.typed_line import Line

_V = TypeVar("_V")


@dataclass(frozen=True, slots=True)
class _Prefixes(Generic[_V]):
    """Folded words to find at the start of a line, looked up by first character.

    Each entry is (folded word, what it stands for), in the order given; a
    word that folds to "" can match any line, so it is in every list.
    """

    by_first: dict[str, tuple[tuple[str, _V], ...]]
    blank: tuple[tuple[str, _V], ...]

    @staticmethod
    def build(entries: list[tuple[str, _V]]) -> _Prefixes[_V]:
        firsts = {word[:1] for word, _ in entries if word}
        by_first = {c: tuple(e for e in entries if e[0][:1] in ("", c)) for c in firsts}
        return _Prefixes(by_first, tuple(e for e in entries if not e[0]))

    def longest(self, folded: str) -> tuple[int, _V] | None:
        """The longest word that starts `folded` as whole words (the first of equals)."""
        best: tuple[int, _V] | None = None
        for word, value in self.by_first.get(folded[:1], self.blank):
            n = len(word)
            if (best is None or n > best[0]) and folded.startswith(word) and (
                    len(folded) == n or not folded[n].isalnum()):
                best = (n, value)
        return best


def _label_end(folded: str, label: str) -> int | None:
    """Index after `label` when `folded` starts with it as whole words."""
    lab = fold(label)
    if folded.startswith(lab) and (len(folded) == len(lab) or not folded[len(lab)].isalnum()):
        return len(lab)
    return None


@lru_cache(maxsize=256)
def _label_prefixes(labels: tuple[str, ...]) -> _Prefixes[str]:
    return _Prefixes.build([(fold(label), label) for label in labels])


def match_labels(folded: str, labels: tuple[str, ...]) -> tuple[int, str] | None:
    """(end, label) of the longest label that starts `folded` as whole words."""
    return _label_prefixes(labels).longest(folded)


@dataclass(frozen=True, slots=True)
class FormPlan:
    """What matching needs from a form, folded once instead of on every line."""

    names: _Prefixes[int]  # every short name and alias -> question number
    # Names of 8+ letters with everything but letters and digits removed, by
    # first letter, for slightly renamed headings.
    squashed: dict[str, tuple[tuple[str, int], ...]]
    stems: dict[int, frozenset[str]]
    embedded: re.Pattern[str]
    # Per question, its squashed wordings as (length, letter pairs of each
    # prefix from 12 to 30 letters long), for `anchors._question_by_wording`.
    wordings: tuple[tuple[Question, tuple[tuple[int, dict[int, frozenset[str]]], ...]], ...]
    # By prefix length n, every letter pair that any wording's n-letter prefix holds.
    wording_pairs: dict[int, frozenset[str]]
    # Per level: its folded name, and the pattern `grid_lines._role` matches a "3 - Oroande" header with.
    level_headers: tuple[tuple[int, str, str], ...]
    # Every word of the questions' names, folded: what a wrapped heading's pieces are made of.
    heading_words: frozenset[str]
    # Lines already classified, by text (see `classify`).
    classified: dict[str, tuple[Line, ...]]


@per_object
def form_plan(form: FormSpec) -> FormPlan:
    """The form's matching plan, built on first use and kept with the form."""
    names = [(fold(name), q.number) for q in form.questions for name in q.names]
    squashed: dict[str, list[tuple[str, int]]] = {}
    for q in form.questions:
        for name in q.names:
            target = squash(name)
            if len(target) >= 8:
                squashed.setdefault(target[:1], []).append((target, q.number))
    wordings = tuple(
        (q, tuple((len(b), {n: bigrams(b[:n]) for n in range(12, min(len(b), 30) + 1)})
                  for b in wordings_of(q).squashed))
        for q in form.questions
    )
    wording_pairs: dict[int, frozenset[str]] = {}
    for _, per_wording in wordings:
        for _, pairs in per_wording:
            for n, prefix_pairs in pairs.items():
                wording_pairs[n] = wording_pairs.get(n, frozenset()) | prefix_pairs
    return FormPlan(
        names=_Prefixes.build(names),
        squashed={c: tuple(entries) for c, entries in squashed.items()},
        stems={q.number: frozenset(s for name in q.names for s in word_stems(name)) for q in form.questions},
        embedded=_build_embedded_label_re(form),
        wordings=wordings,
        wording_pairs=wording_pairs,
        # The name is folded but not escaped: a pattern, as it always was.
        level_headers=tuple((lv.value, fold(lv.name), rf"{lv.value}\s*[-(]?\s*{fold(lv.name)}\)?")
                            for lv in form.scale.levels),
        heading_words=frozenset(w for q in form.questions for name in q.names
                                for w in re.findall(r"[^\W\d_]+", fold(name))),
        classified={},
    )


@lru_cache(maxsize=4096)
def bigrams(text: str) -> frozenset[str]:
    """The letter pairs of `text` (what `similarity` compares)."""
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def similarity(a: str, b: str) -> float:
    """Dice coefficient of letter pairs (0..1): cheap, and tolerant of typos and small edits."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 1.0 if a == b else 0.0
    return 2 * len(x & y) / (len(x) + len(y))


@dataclass(frozen=True, slots=True)
class _Wordings:
    texts: tuple[str, ...]  # see `_wordings`
    squashed: tuple[str, ...]  # the first 60 characters of each, squashed
    shortest: int  # length of the shortest text, 0 if none


@per_object
def wordings_of(question: Question) -> _Wordings:
    """The question's wordings (see `_wordings`), squashed once per question."""
    texts = _wordings(question)
    return _Wordings(texts, tuple(squash(w[:60]) for w in texts), min((len(w) for w in texts), default=0))


def _wordings(question: Question) -> tuple[str, ...]:
    """The question's wording, and the same without a leading short name.

    Q7's wording begins with its own short name ("Positiva åtgärder eller
    händelser som syftar …"), so after the name is matched the rest of the
    line starts mid-wording.
    """
    out = [question.text] if question.text else []
    folded = fold(question.text)
    for name in question.names:
        end = _label_end(folded, name)
        if end is not None:
            out.append(question.text[end:].lstrip(" :,"))
    return tuple(w for w in out if len(w) >= 12)


_STOPWORDS = {"och", "eller", "samt", "med", "for", "till", "av", "om", "som", "den", "det", "har", "kan"}
_WORD4_RE = re.compile(r"[a-z]{4,}")


def word_stems(text: str) -> set[str]:
    """The first five letters of each word of four or more letters, stop words left out."""
    return {w[:5] for w in _WORD4_RE.findall(fold(text)) if w not in _STOPWORDS}


def _build_embedded_label_re(form: FormSpec) -> re.Pattern[str]:
    """A label with a colon in the middle of a line: "Påverkan: 3  Kommentar: lugnt", "Område: … Vecka och år: …"."""
    labels = (*form.labels.impact, *form.labels.comment, *form.labels.municipality, *form.labels.period,
              *form.labels.area)
    words = "|".join(sorted((re.escape(fold(w)) for w in labels), key=len, reverse=True))
    return re.compile(rf"(?<=\s)(?:{words})(?:\s*\(?\s*1\s*-\s*5\s*\)?)?\s*:")
