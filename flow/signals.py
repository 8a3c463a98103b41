"""Signals to other county missions (issue 4, item 6).

A rule names a mission's address and what it wants to hear about: a
question at or above a level ("ANDT: question 5 at Allvarligt or worse"),
words in a comment ("prostitution", "människohandel"), or both (either one
fires the rule). `match_signals` checks one submission's answers against
the rules; the caller sends one short notice per submission and rule.

* Words match whole words, case- and accent-insensitively, as the start of a
  word so Swedish inflections and compounds that begin with the word match:
  "narkotikahandel" finds "Narkotikahandeln", "sexköp" finds "sexköpslagen".
  A word may be several words ("köp av sexuell tjänst"). Words are looked
  for in every comment: coordinators do not always put a matter under the
  question a mission would expect.
* `question` with `min_level`: fires when that question's impact is at least
  `min_level`. `min_level` without `question`: any question.
* Withheld answers (held for confidentiality review) never fire.

Pure: answers in, matches out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flow.settings import SignalRule
from parsers.normalize import fold_same_length
from parsers.result import Answer

# A notice quotes at most this much of a comment.
EXCERPT_CHARS = 300

_RULE_KEYS = ("name", "to", "question", "min_level", "words")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True, slots=True)
class SignalMatch:
    """A rule that fired for one submission.

    `question` is the question the notice is about (the level match first,
    else the first comment with a word); `reason` says why, in Swedish;
    `excerpt` is from that question's comment (at most 300 characters, around
    the word when a word matched); `also` lists other questions that matched.
    """

    rule: SignalRule
    question: int
    reason: str
    excerpt: str
    also: tuple[int, ...] = ()


def _word_pattern(word: str) -> re.Pattern[str]:
    folded = fold_same_length(" ".join(word.split()))
    parts = [re.escape(p) for p in folded.split(" ")]
    # Start of a word; the end is open, so inflected and compound forms match.
    return re.compile(r"(?<!\w)" + r"\s+".join(parts))


def find_words(text: str, words: Sequence[str]) -> list[tuple[str, int, int]]:
    """(word, start, end) for each configured word found in `text`, in order of position."""
    folded = fold_same_length(text)
    found: list[tuple[str, int, int]] = []
    for word in words:
        m = _word_pattern(word).search(folded)
        if m:
            end = m.end()
            while end < len(text) and text[end].isalnum():  # the whole inflected word
                end += 1
            found.append((word, m.start(), end))
    return sorted(found, key=lambda f: f[1])


def excerpt_around(text: str, start: int = 0, limit: int = EXCERPT_CHARS) -> str:
    """At most `limit` characters of `text` on one line, including position `start`.

    Cut at word boundaries, with "…" where text was left out.
    """
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    # Where `start` lands once whitespace is squeezed: a sentinel marks it.
    pos = min(len(" ".join((text[:start] + "x").split())) - 1, len(flat))
    begin = max(0, pos - limit // 3)
    if begin > 0:
        space = flat.find(" ", begin)
        begin = space + 1 if 0 <= space < pos else begin
    budget = limit - (1 if begin > 0 else 0) - 1
    end = min(len(flat), begin + budget)
    if end < len(flat):
        space = flat.rfind(" ", begin, end)
        if space > pos:
            end = space
    cut = flat[begin:end].strip(" ,.;:–-")
    return ("…" if begin > 0 else "") + cut + ("…" if end < len(flat) else "")


def match_signals(
    answers: Mapping[int, Answer],
    rules: Sequence[SignalRule],
    withheld: frozenset[int] = frozenset(),
) -> list[SignalMatch]:
    """The rules that fire for `answers` (at most one match per rule, in rule order)."""
    out: list[SignalMatch] = []
    for rule in rules:
        hits: dict[int, _Hit] = {}
        for number in sorted(answers):
            if number in withheld:
                continue
            hit = _check(rule, number, answers[number])
            if hit is not None:
                hits[number] = hit
        if not hits:
            continue
        by_level = [n for n, h in hits.items() if h.by_level]
        chosen = by_level[0] if by_level else min(hits)
        also = tuple(n for n in sorted(hits) if n != chosen)
        reason = "; ".join(hits[chosen].reasons)
        if also:
            reason += "; även " + ", ".join(f"fråga {n}" for n in also)
        reason = reason[0].upper() + reason[1:] + "."
        text = excerpt_around(answers[chosen].comment, hits[chosen].start)
        out.append(SignalMatch(rule, chosen, reason, text, also))
    return out


@dataclass(frozen=True, slots=True)
class _Hit:
    reasons: tuple[str, ...]
    start: int  # where in the comment the excerpt should be
    by_level: bool


def _check(rule: SignalRule, number: int, answer: Answer) -> _Hit | None:
    reasons: list[str] = []
    by_level = (rule.min_level is not None and answer.impact is not None
                and (rule.question is None or rule.question == number) and answer.impact >= rule.min_level)
    if by_level:
        reasons.append(f"fråga {number} har påverkan {answer.impact} (regeln gäller från påverkan {rule.min_level})")
    found = find_words(answer.comment, rule.words) if rule.words else []
    if found:
        quoted = ", ".join(f"”{w}”" for w in dict.fromkeys(w for w, _, _ in found))
        reasons.append(f"kommentaren till fråga {number} nämner {quoted}")
    if not reasons:
        return None
    return _Hit(tuple(reasons), found[0][1] if found else 0, by_level)


# --------------------------------------------------------------------------
# Configuration: [[signals]]
# --------------------------------------------------------------------------


def rules_from_config(value: Any, *, questions: Sequence[int] | None = None,
                      levels: Sequence[int] | None = None) -> tuple[SignalRule, ...]:
    """Parse and check the `[[signals]]` tables; raises ValueError naming the rule and key.

    Keys: `name` (required), `to` (required, addresses), `question`,
    `min_level`, `words` (list of strings). A rule needs `min_level` or
    `words`; `question` needs `min_level`. When `questions` / `levels` are
    given (the form's question numbers and scale), `question` / `min_level`
    are checked against them.
    """
    if not isinstance(value, list):
        raise ValueError("[[signals]]: must be a list of tables ([[signals]] … )")
    out: list[SignalRule] = []
    for i, item in enumerate(value, start=1):
        where = f"[[signals]] #{i}"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: must be a table")
        unknown = sorted(set(item) - set(_RULE_KEYS))
        if unknown:
            raise ValueError(f"{where}: unknown key '{unknown[0]}' (known keys: {', '.join(_RULE_KEYS)})")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where} name: missing (a name for the rule, e.g. \"ANDT\")")
        where = f"[[signals]] #{i} ({name.strip()})"
        to = item.get("to")
        if isinstance(to, str):
            to = [to]
        if not isinstance(to, list) or not to or not all(isinstance(a, str) for a in to):
            raise ValueError(f"{where} to: must be a list of e-mail addresses")
        for address in to:
            if not _EMAIL_RE.fullmatch(address.strip()):
                raise ValueError(f"{where} to: '{address}' is not an e-mail address")
        question = _optional_int(where, "question", item.get("question"))
        min_level = _optional_int(where, "min_level", item.get("min_level"))
        words = item.get("words", [])
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise ValueError(f"{where} words: must be a list of non-empty strings")
        if question is not None and questions is not None and question not in questions:
            raise ValueError(f"{where} question: the form has no question {question}")
        if min_level is not None and levels is not None and min_level not in levels:
            raise ValueError(f"{where} min_level: must be one of {', '.join(map(str, levels))}, got {min_level}")
        if question is not None and min_level is None:
            raise ValueError(f"{where} min_level: missing; 'question' only says which question's level "
                             f"to compare with min_level")
        if min_level is None and not words:
            raise ValueError(f"{where} words: the rule needs 'words' or 'min_level', or it never fires")
        out.append(SignalRule(name.strip(), tuple(a.strip() for a in to), question, min_level,
                              tuple(" ".join(w.split()) for w in words)))
    names = [r.name for r in out]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f"[[signals]] name: '{name}' is used by more than one rule")
    return tuple(out)


def _optional_int(where: str, key: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{where} {key}: must be a whole number from 1, got {value!r}")
    return value
