"""Question anchors: which question a line starts, by its number, short name, wording or words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from parsers.form import FormSpec, Question
from parsers.form_plan import bigrams, form_plan, similarity, word_stems, wordings_of
from parsers.normalize import clean, fold, fold_same_length, squash, unify
from parsers.typed_line import Kind, Line

# Words a question's wording starts with, for wording reworded beyond recognition.
_QUESTION_START = ("vilka", "vilken", "vilket", "pa vilka", "pa vilket", "hur", "finns", "har ", "ovrig information",
                   "positiva", "beskriv", "ange", "vad ", "var ", "vem ", "kan ", "ar det", "marks", "ser ni",
                   "upplever", "sker", "forekommer", "redogor", "uppge", "i vilken", "inom vilka")


@dataclass(frozen=True, slots=True)
class _NameHit:
    question: int
    end: int
    exact: bool


def _match_name(folded: str, form: FormSpec) -> _NameHit | None:
    """The question whose short name or alias starts `folded` (longest wins)."""
    plan = form_plan(form)
    exact = plan.names.longest(folded)
    if exact:
        return _NameHit(exact[1], exact[0], True)
    # Slightly renamed ("Ordningsstörning & otrygghet"): compare letters only.
    sq = squash(folded[:80])
    best: _NameHit | None = None
    for target, number in plan.squashed.get(sq[:1], ()):
        if similarity(sq[: len(target)], target) >= 0.8:
            end = _end_of_letters(folded, len(target))
            if best is None or end > best.end:
                best = _NameHit(number, end, False)
    return best


def _end_of_letters(folded: str, count: int) -> int:
    """Index in `folded` after `count` letters/digits."""
    seen = 0
    for i, c in enumerate(folded):
        if c.isalnum():
            seen += 1
            if seen == count:
                end = i + 1
                while end < len(folded) and folded[end].isalnum():
                    end += 1
                return end
    return len(folded)


def looks_like_question_text(text: str, question: Question) -> float:
    """How much `text` begins like the question's wording (0..1)."""
    return _wording_score(squash(text[:60]), question)


def _wording_score(a: str, question: Question) -> float:
    """`looks_like_question_text` for text already squashed (`squash(text[:60])`)."""
    if len(a) < 12:
        return 0.0  # too short to compare with any wording
    best = 0.0
    for b in wordings_of(question).squashed:
        n = min(len(a), len(b), 30)
        if n < 12:
            continue
        best = max(best, similarity(a[:n], b[:n]))
    return best


def _question_by_wording(a: str, form: FormSpec) -> Question | None:
    """The first question whose wording `a` (squashed) begins like: a score of 0.8 or more.

    The same as trying `_wording_score(a, q) >= 0.8` question by question,
    with the wordings' letter pairs computed once per form: most lines are
    compared with every question.
    """
    la = len(a)
    if la < 12:
        return None
    plan = form_plan(form)
    full = min(la, 30)  # the length `a` is compared at with every wording at least that long
    mine: dict[int, frozenset[str]] = {full: bigrams(a[:full])}  # letter pairs of a[:n], by n
    # A score of 0.8 needs at least 2/3 of the line's pairs in the wording
    # (2|x&y| >= 0.8(|x|+|y|) and |y| >= |x&y|). A line that shares fewer
    # even with all the wordings together (most lines: comments, labels) can
    # skip every comparison at that length. In integers, so the bound is exact.
    own = mine[full]
    full_ruled_out = 3 * len(own & plan.wording_pairs.get(full, frozenset())) < 2 * len(own)
    for question, wordings in plan.wordings:
        for lb, pairs in wordings:
            n = min(la, lb, 30)
            if n < 12 or (n == full and full_ruled_out):
                continue
            x, y = mine.get(n), pairs[n]
            if x is None:
                x = mine[n] = bigrams(a[:n])
            # `similarity`, for two strings of 12+ letters (never without pairs).
            if 2 * len(x & y) / (len(x) + len(y)) >= 0.8:
                return question
    return None


_QUESTION_MARK_RE = re.compile(r"\?")


def split_question_text(text: str, question: Question) -> str:
    """Remove the question's wording from the start of `text`; return what follows.

    The wording ends at its question mark; people sometimes type their answer
    right after it on the same line.
    """
    stripped = text.strip().lstrip(":,.-\u2013\u2014 ").strip()
    if not stripped:
        return ""
    if looks_like_question_text(stripped, question) < 0.75 and not (
        fold(stripped).startswith(_QUESTION_START) and "?" in stripped[:400]
    ):
        return stripped
    qlen = wordings_of(question).shortest
    for m in _QUESTION_MARK_RE.finditer(stripped):
        if m.start() >= 0.4 * qlen:
            return stripped[m.end():].strip()
    return ""


FRAGA_RE = re.compile(r"^(?:fraga|fr\.|question)\s*(?:nr\.?|nummer)?\s*(\d{1,2})\b\s*[.,:;)\-]?\s*")


@lru_cache(maxsize=32)
def _question_word_re(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = sorted({re.escape(fold(w)) for w in words if fold(w)}, key=len, reverse=True)
    if not alternatives:
        return FRAGA_RE
    return re.compile(rf"^(?:fraga|fr\.|question|{'|'.join(alternatives)})\s*(?:nr\.?|nummer)?\s*(\d{{1,2}})\b"
                      r"\s*[.,:;)\-]?\s*")


def question_word_re(form: FormSpec) -> re.Pattern[str]:
    """"Fråga N" as the form writes it: "Fråga", "Fr.", and the form's own question labels ("Punkt N")."""
    return _question_word_re(form.labels.question)

_NUM_RE = re.compile(r"^(\d{1,2})\s*[.):]\s*|^(\d{1,2})\s+(?=[a-z])")
_RENAMED_HEADING_RE = re.compile(r"[^.?!:]{1,40}:?")


def match_anchor(text: str, form: FormSpec) -> Line | None:
    """A question anchor, if `text` starts one; None for ordinary text."""
    t = clean(text).replace("\n", " ")
    folded = fold_same_length(t)
    number: int | None = None
    explicit = False
    pos = 0
    m = question_word_re(form).match(folded)
    if m:
        number, pos, explicit = int(m.group(1)), m.end(), True
    else:
        m = _NUM_RE.match(folded)
        if m:
            number, pos = int(m.group(1) or m.group(2)), m.end()
    hit = _match_name(folded[pos:], form)
    if hit:
        return _named_anchor(t, pos, hit, number, explicit, form)
    # The question wording without its short name ("Vilka ordningsstörningar …?").
    worded = _question_by_wording(squash(t[pos:][:60]), form)
    if worded is not None:
        strength = 3 if number == worded.number else 2
        return Line(Kind.ANCHOR, split_question_text(t[pos:], worded), question=worded.number, strength=strength)
    if explicit and number is not None and number in form.numbers:
        rest = split_question_text(t[pos:], form.question(number))
        if _RENAMED_HEADING_RE.fullmatch(rest) and len(rest.split()) <= 5:
            rest = ""  # a renamed heading ("Fråga 2 – Våld"), not an answer
        return Line(Kind.ANCHOR, rest, question=number, strength=2)
    heading = _heading_by_words(t, form)
    if heading is not None:
        return Line(Kind.ANCHOR, "", question=heading, strength=1)
    return None


def _named_anchor(t: str, pos: int, hit: _NameHit, number: int | None, explicit: bool,
                  form: FormSpec) -> Line | None:
    """The anchor for a line whose short name (or alias) starts at `pos`."""
    q = form.question(hit.question)
    after = t[pos + hit.end:]
    rest_folded = fold(after).lstrip(" :,.-")
    wording: float | None = None  # how much the rest reads like the question's wording
    follows_ok = not rest_folded or unify(after.lstrip()[:1]) in (":", "?", "(", "-", ",", ".")
    if not follows_ok:
        wording = looks_like_question_text(after.lstrip(" :,.-\u2013\u2014"), q)
        follows_ok = wording >= 0.75
    if explicit:
        strength = 4 if (hit.exact and number == hit.question) else 3
    elif number is not None:
        # "1. Ungdomar …" under another question is a list item in a comment.
        strength = 3 if number == hit.question else 1
    elif follows_ok:
        if wording is None:
            wording = looks_like_question_text(after.lstrip(" :,.-\u2013\u2014"), q)
        strength = 2 if wording >= 0.75 else 1
    else:
        return None
    if not hit.exact and not explicit and number is None:
        strength = min(strength, 1)
    rest = split_question_text(after, q)
    return Line(Kind.ANCHOR, rest, question=hit.question, strength=strength)


def _heading_by_words(text: str, form: FormSpec) -> int | None:
    """A renamed heading ("Skola och fritid:", "Narkotika och alkohol:") by shared words.

    Only a short line ending in a colon counts, and only when one question
    shares more of its words than any other.
    """
    t = text.strip()
    if len(t) > 60 or not t.endswith(":") or t.count(" ") > 6:
        return None
    stems = word_stems(t[:-1])
    if not stems:
        return None
    scores = sorted(((len(stems & qs), n) for n, qs in form_plan(form).stems.items()), reverse=True)
    if scores[0][0] == 0 or (len(scores) > 1 and scores[1][0] == scores[0][0]):
        return None
    if scores[0][0] * 2 < len(stems):
        return None  # "Polisen och skolan rapporterar:" shares a word, but is a sentence of a comment
    return scores[0][1]
