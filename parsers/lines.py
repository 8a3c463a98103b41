"""Turning a document's blocks into typed lines: labels, question anchors, text.

Grids (tables, sheets) are read by their structure first: a header row with
"Påverkan" / "Kommentar" columns (or the same as a header column, transposed)
gives typed lines directly; other rows pair a label cell with the value cells
beside it. Paragraph lines are classified by their leading words.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from parsers.document import Grid, Paragraph, Section
from parsers.form import FormSpec, Question
from parsers.impact import CHECKED, UNCHECKED, ImpactStatus, read_impact
from parsers.memo import per_object
from parsers.normalize import clean, fold, fold_same_length, squash, unify


class Kind(enum.Enum):
    TEXT = "text"
    ANCHOR = "anchor"
    IMPACT = "impact"
    COMMENT = "comment"
    MUNICIPALITY = "municipality"
    PERIOD = "period"
    BREAK = "break"  # ends the current question's text (e.g. the end of a table)


@dataclass(slots=True)
class Line:
    """One typed line. For labelled kinds `text` is the value after the label.

    `open_value` means the label had nothing after it, so the value may stand
    on the next line or cell. For anchors, `question` and `strength` say which
    question and how sure (3 strong .. 1 weak); `text` is what follows the
    question wording on the same line (an answer typed straight after it).
    """

    kind: Kind
    text: str
    question: int | None = None
    strength: int = 0
    open_value: bool = False
    from_grid: bool = False
    raw: str = ""
    doubt: str = ""  # why a clear-looking value is still unsure (becomes a warning)

    def copy(self) -> Line:
        """A line of its own (lines are mutable; remembered ones are handed out as copies)."""
        return Line(self.kind, self.text, self.question, self.strength, self.open_value, self.from_grid,
                    self.raw, self.doubt)


# ---------------------------------------------------------------- matching


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


def _match_labels(folded: str, labels: tuple[str, ...]) -> tuple[int, str] | None:
    """(end, label) of the longest label that starts `folded` as whole words."""
    return _label_prefixes(labels).longest(folded)


# Words a question's wording starts with, for wording reworded beyond recognition.
_QUESTION_START = ("vilka", "vilken", "vilket", "pa vilka", "pa vilket", "hur", "finns", "har ", "ovrig information",
                   "positiva", "beskriv", "ange", "vad ", "var ", "vem ", "kan ", "ar det", "marks", "ser ni",
                   "upplever", "sker", "forekommer", "redogor", "uppge", "i vilken", "inom vilka")


@dataclass(frozen=True, slots=True)
class _NameHit:
    question: int
    end: int
    exact: bool


@dataclass(frozen=True, slots=True)
class _FormPlan:
    """What matching needs from a form, folded once instead of on every line."""

    names: _Prefixes[int]  # every short name and alias -> question number
    # Names of 8+ letters with everything but letters and digits removed, by
    # first letter, for slightly renamed headings.
    squashed: dict[str, tuple[tuple[str, int], ...]]
    stems: dict[int, frozenset[str]]
    embedded: re.Pattern[str]
    # Per question, its squashed wordings as (length, letter pairs of each
    # prefix from 12 to 30 letters long), for `_question_by_wording`.
    wordings: tuple[tuple[Question, tuple[tuple[int, dict[int, frozenset[str]]], ...]], ...]
    # By prefix length n, every letter pair that any wording's n-letter prefix holds.
    wording_pairs: dict[int, frozenset[str]]
    # Per level: its folded name, and the pattern `_role` matches a "3 - Oroande" header with.
    level_headers: tuple[tuple[int, str, str], ...]
    # Every word of the questions' names, folded: what a wrapped heading's pieces are made of.
    heading_words: frozenset[str]
    # Lines already classified, by text (see `classify`).
    classified: dict[str, tuple[Line, ...]]


@per_object
def _plan(form: FormSpec) -> _FormPlan:
    names = [(fold(name), q.number) for q in form.questions for name in q.names]
    squashed: dict[str, list[tuple[str, int]]] = {}
    for q in form.questions:
        for name in q.names:
            target = squash(name)
            if len(target) >= 8:
                squashed.setdefault(target[:1], []).append((target, q.number))
    wordings = tuple(
        (q, tuple((len(b), {n: _bigrams(b[:n]) for n in range(12, min(len(b), 30) + 1)})
                  for b in _wordings_of(q).squashed))
        for q in form.questions
    )
    wording_pairs: dict[int, frozenset[str]] = {}
    for _, per_wording in wordings:
        for _, pairs in per_wording:
            for n, prefix_pairs in pairs.items():
                wording_pairs[n] = wording_pairs.get(n, frozenset()) | prefix_pairs
    return _FormPlan(
        names=_Prefixes.build(names),
        squashed={c: tuple(entries) for c, entries in squashed.items()},
        stems={q.number: frozenset(s for name in q.names for s in _stems(name)) for q in form.questions},
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


def _match_name(folded: str, form: FormSpec) -> _NameHit | None:
    """The question whose short name or alias starts `folded` (longest wins)."""
    plan = _plan(form)
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


@lru_cache(maxsize=4096)
def _bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def similarity(a: str, b: str) -> float:
    """Dice coefficient of letter pairs (0..1): cheap, and tolerant of typos and small edits."""
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 1.0 if a == b else 0.0
    return 2 * len(x & y) / (len(x) + len(y))


@dataclass(frozen=True, slots=True)
class _Wordings:
    texts: tuple[str, ...]  # see `_wordings`
    squashed: tuple[str, ...]  # the first 60 characters of each, squashed
    shortest: int  # length of the shortest text, 0 if none


@per_object
def _wordings_of(question: Question) -> _Wordings:
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


def looks_like_question_text(text: str, question: Question) -> float:
    """How much `text` begins like the question's wording (0..1)."""
    return _wording_score(squash(text[:60]), question)


def _wording_score(a: str, question: Question) -> float:
    """`looks_like_question_text` for text already squashed (`squash(text[:60])`)."""
    if len(a) < 12:
        return 0.0  # too short to compare with any wording
    best = 0.0
    for b in _wordings_of(question).squashed:
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
    plan = _plan(form)
    full = min(la, 30)  # the length `a` is compared at with every wording at least that long
    mine: dict[int, frozenset[str]] = {full: _bigrams(a[:full])}  # letter pairs of a[:n], by n
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
                x = mine[n] = _bigrams(a[:n])
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
    qlen = _wordings_of(question).shortest
    for m in _QUESTION_MARK_RE.finditer(stripped):
        if m.start() >= 0.4 * qlen:
            return stripped[m.end():].strip()
    return ""


_FRAGA_RE = re.compile(r"^(?:fraga|fr\.|question)\s*(?:nr\.?|nummer)?\s*(\d{1,2})\b\s*[.,:;)\-]?\s*")
_NUM_RE = re.compile(r"^(\d{1,2})\s*[.):]\s*|^(\d{1,2})\s+(?=[a-z])")
_RENAMED_HEADING_RE = re.compile(r"[^.?!:]{1,40}:?")


def match_anchor(text: str, form: FormSpec) -> Line | None:
    """A question anchor, if `text` starts one; None for ordinary text."""
    t = clean(text).replace("\n", " ")
    folded = fold_same_length(t)
    number: int | None = None
    explicit = False
    pos = 0
    m = _FRAGA_RE.match(folded)
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


_STOPWORDS = {"och", "eller", "samt", "med", "for", "till", "av", "om", "som", "den", "det", "har", "kan"}
_WORD4_RE = re.compile(r"[a-z]{4,}")


def _stems(text: str) -> set[str]:
    return {w[:5] for w in _WORD4_RE.findall(fold(text)) if w not in _STOPWORDS}


def _heading_by_words(text: str, form: FormSpec) -> int | None:
    """A renamed heading ("Skola och fritid:", "Narkotika och alkohol:") by shared words.

    Only a short line ending in a colon counts, and only when one question
    shares more of its words than any other.
    """
    t = text.strip()
    if len(t) > 60 or not t.endswith(":") or t.count(" ") > 6:
        return None
    stems = _stems(t[:-1])
    if not stems:
        return None
    scores = sorted(((len(stems & qs), n) for n, qs in _plan(form).stems.items()), reverse=True)
    if scores[0][0] == 0 or (len(scores) > 1 and scores[1][0] == scores[0][0]):
        return None
    if scores[0][0] * 2 < len(stems):
        return None  # "Polisen och skolan rapporterar:" shares a word, but is a sentence of a comment
    return scores[0][1]


# ---------------------------------------------------------------- labels


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
    hit = _match_labels(folded, labels)
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
    if m and _match_labels(folded[m.end():], labels):
        after = _match_labels(folded[m.end():], labels)
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
    stop = _match_labels(folded, labels.stop)
    if stop and first[stop[0]:].lstrip()[:1] in (":", ""):
        return Line(Kind.BREAK, first[stop[0]:].lstrip(" :"), raw=first)
    impact = _impact_line(first, folded, more, form)
    if impact is not None:
        return impact
    # A correctly spelt label is read below; only then look for a misspelt one.
    misspelt = None if _match_labels(folded, labels.comment) else _misspelt_label(folded, labels.comment)
    if misspelt is not None:
        value = first[misspelt:].strip().lstrip(":").strip()
        return Line(Kind.COMMENT, _join(value, more), open_value=value == "" and not more)
    bare = _BARE_COMMENT_RE.match(folded)
    if bare and first[bare.end():bare.end() + 1].isupper():
        # "Kommentar En misshandel …": the label without its colon.
        return Line(Kind.COMMENT, _join(first[bare.end():].strip(), more))
    for kind, group in ((Kind.COMMENT, labels.comment), (Kind.MUNICIPALITY, labels.municipality),
                        (Kind.PERIOD, labels.period)):
        hit = _match_labels(folded, group)
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


# ---------------------------------------------------------------- grids


class _Role(enum.Enum):
    QUESTION = "question"
    NUMBER = "number"
    IMPACT = "impact"
    COMMENT = "comment"
    LEVEL = "level"


_QUESTION_HEADERS = ("fraga", "fragor", "frageomrade", "omrade", "rubrik", "kategori", "amne",
                     "indikator", "fragestallning", "question")
_NUMBER_HEADERS = ("nr", "#", "fraga nr", "nummer", "no", "no.")
_BARE_NUMBER_RE = re.compile(r"^\s*(\d{1,2})\s*\.?\s*$")


_MAX_HEADER = 45  # a header cell names a column in a few words
_OTHER_TIME = re.compile(r"\b(forra|foregaende|tidigare|forr|forut|last|previous)\b")


def _role(cell: str, form: FormSpec) -> tuple[_Role, int] | None:
    f = fold(cell).strip(" :")
    if not f:
        return None
    if len(f) > _MAX_HEADER or len(f.split()) > 3 and f.endswith((".", "!", "?")):
        return None  # a sentence ("Påverkan på tryggheten bedöms som liten."), not a column's header
    if _OTHER_TIME.search(f):
        return None  # "Påverkan förra månaden": a reference column, not this month's answer
    impact = _match_labels(f, form.labels.impact)
    if impact:
        after = _without_range(f[impact[0]:].strip(" :-"), form)
        level = _role(after, form) if after else None
        if level is not None and level[0] is _Role.LEVEL:
            return level  # "Påverkan 3", "Påverkan – 3 Oroande": one column of the scale
        return (_Role.IMPACT, 0)
    if _match_labels(f, form.labels.comment):
        return (_Role.COMMENT, 0)
    if f in _NUMBER_HEADERS:
        return (_Role.NUMBER, 0)
    if f in _QUESTION_HEADERS:
        return (_Role.QUESTION, 0)
    if f.isdigit() and form.scale.min <= int(f) <= form.scale.max:
        return (_Role.LEVEL, int(f))
    for value, name, header in _plan(form).level_headers:
        if f == name or re.fullmatch(header, f):
            return (_Role.LEVEL, value)
    return _role_by_letters(f, form)


def _without_range(folded: str, form: FormSpec) -> str:
    """ "1-5 3" -> "3": the scale's printed range before a value."""
    for label in sorted((fold(r) for r in form.scale.range_labels), key=len, reverse=True):
        if folded.startswith(label):
            return folded[len(label):].strip(" :-")
    return folded


def _role_by_letters(folded: str, form: FormSpec) -> tuple[_Role, int] | None:
    """A label broken inside a word by a narrow column ("Komment ar", "Påver kan 1-5"): by its letters."""
    if len(folded.split()) > 4:
        return None
    letters = re.sub(r"[^a-z]", "", folded)
    for role, labels in ((_Role.IMPACT, form.labels.impact), (_Role.COMMENT, form.labels.comment)):
        if any(len(lab) >= 6 and letters in (lab, lab + "till") for lab in map(squash, labels)):
            return (role, 0)
    return None


def _header(rows: list[list[str]], form: FormSpec) -> tuple[int, dict[int, tuple[_Role, int]]] | None:
    for r, row in enumerate(rows[:40]):
        # "Kommentar:" with a colon labels the cell beside it; a column's header has none.
        roles = {c: role for c, cell in enumerate(row)
                 if not cell.rstrip().endswith(":") and (role := _role(cell, form))}
        values = [v for c, (kind, v) in sorted(roles.items()) if kind is _Role.LEVEL]
        levels = len(values)
        if levels < 3 or values != sorted(set(values)) and values != sorted(set(values), reverse=True):
            # A lone digit beside "Påverkan" is a value, and "5 - Kritiskt | 2 - Avvikande | 5 - …"
            # a row of answers: the scale's columns stand once each, in order.
            roles = {c: role for c, role in roles.items() if role[0] is not _Role.LEVEL}
            levels = 0
        kinds = {role[0] for role in roles.values()}
        has_value = _Role.IMPACT in kinds or _Role.COMMENT in kinds or levels >= 3
        if has_value and (len(kinds) >= 2 or levels >= 3):
            return r, roles
    return None


def _cells_text(cells: list[str]) -> str:
    return " ".join(c for c in cells if c.strip())


def _is_marked(cell: str) -> bool:
    c = cell.strip()
    return bool(c) and not all(ch in UNCHECKED + " []()" for ch in c)


def _value_lines(cells: list[str], roles: dict[int, tuple[_Role, int]], form: FormSpec) -> list[Line]:
    """The impact and comment lines of one data row."""
    out: list[Line] = []
    levels = [(c, v) for c, (role, v) in roles.items() if role is _Role.LEVEL]
    if levels:
        marked = [v for c, v in levels if _is_marked(cells[c])]
        out.append(Line(Kind.IMPACT, " och ".join(str(v) for v in marked), from_grid=True))
    for c, (role, _) in sorted(roles.items()):
        if role is not _Role.IMPACT and role is not _Role.COMMENT:
            continue
        labelled = _self_labelled(cells[c], form)
        if labelled is not None:
            out.extend(labelled)
        else:
            out.append(Line(Kind.IMPACT if role is _Role.IMPACT else Kind.COMMENT, clean(cells[c]), from_grid=True))
    return out


def _self_labelled(cell: str, form: FormSpec) -> list[Line] | None:
    """A value cell that labels its own values ("Påverkan: 2" and "Kommentar: …" in one "Svar" cell).

    The labels inside say what each line is, whatever the column's header
    says; the lines are read as running text would be.
    """
    if not cell.strip():
        return None
    lines = classify(cell, form)
    if any(ln.kind in (Kind.IMPACT, Kind.COMMENT) for ln in lines):
        return lines
    return None


def _structured_rows(rows: list[list[str]], header_row: int, roles: dict[int, tuple[_Role, int]],
                     form: FormSpec) -> list[Line] | None:
    """Lines for a grid with a header row; None when no data row names a question.

    A grid whose every column is a value column ("Påverkan (1-5) | Kommentar"
    over one row of answers, one small table per question) belongs to the
    question written above it: its rows give value lines without an anchor.
    """
    out: list[Line] = []
    found = 0
    role_cols = set(roles)
    width = max((len(r) for r in rows), default=0)
    answers_only = all(c in role_cols for c in range(width)) and not any(
        role is _Role.QUESTION or role is _Role.NUMBER for role, _ in roles.values())
    header_cells = rows[header_row] + [""] * (width - len(rows[header_row]))
    kinds = {role for role, _ in roles.values()}
    if _Role.QUESTION in kinds and _Role.COMMENT not in kinds:
        spare = [c for c in range(width) if c not in role_cols and header_cells[c].strip()]
        if len(spare) == 1:
            # "Fråga | Påverkan | Beskriv kort vad som hänt": the one other column is the comment.
            roles = {**roles, spare[0]: (_Role.COMMENT, 0)}
            role_cols = set(roles)
    comment_cols = {c for c, (role, _) in roles.items() if role is _Role.COMMENT}
    in_table = False
    for row in rows[header_row + 1:]:
        cells = row + [""] * (max(max(roles, default=0) + 1, width) - len(row))
        if answers_only:
            if any(c.strip() for c in cells):
                out.extend(_value_lines(cells, roles, form))
                found += 1
            continue
        number_cells = [cells[c] for c, (role, _) in roles.items() if role is _Role.NUMBER]
        question_cells = [cells[c] for c, (role, _) in roles.items() if role is _Role.QUESTION]
        if not question_cells:
            question_cells = [cells[c] for c in range(len(cells)) if c not in role_cols]
        qtext = _cells_text(number_cells + question_cells)
        anchor = match_anchor(qtext, form) if qtext else None
        if anchor is None:
            # A bare number in the "Nr" (or "Fråga") column names the question.
            n = _BARE_NUMBER_RE.match(qtext)
            if n and int(n.group(1)) in form.numbers:
                anchor = Line(Kind.ANCHOR, "", question=int(n.group(1)), strength=2)
        if anchor is None:
            filled = {c for c, cell in enumerate(cells) if cell.strip()}
            if in_table and filled and filled <= comment_cols:
                # The comment goes on in the next row of its own column.
                out.extend(Line(Kind.TEXT, clean(cells[c])) for c in sorted(filled))
                continue
            if in_table and filled:
                # Text elsewhere below the table (a note, a contact line) is not
                # the last question's comment.
                out.append(Line(Kind.BREAK, ""))
                in_table = False
            out.extend(_generic_row(row, form))
            continue
        found += 1
        in_table = True
        anchor.strength = max(anchor.strength, 2)
        anchor.from_grid = True
        out.append(anchor)
        out.extend(_value_lines(cells, roles, form))
    return out if found else None


def _paired_cells(left: str, right: str, form: FormSpec) -> list[Line] | None:
    """Labels down one cell, answers down the next: "Påverkan:\nKommentar:" | "2\nFlera inbrott".

    Each open label takes the next answer line; the last one takes the rest.
    """
    left_lines = classify(left, form)
    open_labels = [ln for ln in left_lines if ln.kind in (Kind.IMPACT, Kind.COMMENT) and ln.open_value]
    if not open_labels:
        return None
    values = [v for v in (clean(x) for x in right.split("\n")) if v]
    out: list[Line] = []
    for line in left_lines:
        if line in open_labels and values:
            last = line is open_labels[-1]
            taken, values = (values, []) if last else (values[:1], values[1:])
            out.append(Line(line.kind, "\n".join(taken), from_grid=True))
        else:
            out.append(line)
    return out


def _generic_row(row: list[str], form: FormSpec) -> list[Line]:
    """A row without a header: label cells take the value cells beside them."""
    cells = [c for c in row if c.strip()]
    if len(cells) == 2 and (role := _role(cells[0], form)) and role[0] in (_Role.QUESTION, _Role.NUMBER):
        # "Område | Skolor", "Fråga | Hot och våld": the left cell only says what the right one is.
        named = classify(cells[1], form)
        if named and named[0].kind is Kind.ANCHOR:
            return named
    if len(cells) == 2 and "\n" in cells[0]:
        paired = _paired_cells(cells[0], cells[1], form)
        if paired is not None:
            return paired
    out: list[Line] = []
    i = 0
    while i < len(cells):
        cell = cells[i]
        line = classify(cell, form)
        if len(line) == 1 and line[0].kind is not Kind.TEXT and line[0].kind is not Kind.ANCHOR \
                and line[0].open_value:
            values: list[str] = []
            j = i + 1
            while j < len(cells):
                nxt = classify(cells[j], form)
                # A stop label in the value's place ("Kommentar | E-post: …") is the value's text,
                # and so is a lone label in the row's last cell ("Kommentar | Påverkan"): a label
                # there would label nothing.
                last_alone = j == len(cells) - 1 and len(nxt) == 1 and nxt[0].open_value
                if not last_alone and any(n.kind is not Kind.TEXT and n.kind is not Kind.BREAK for n in nxt):
                    break
                values.append(clean(cells[j]))
                j += 1
            if values:
                joined = " ".join(values) if line[0].kind is Kind.IMPACT else "\n".join(values)
                out.append(Line(line[0].kind, joined, from_grid=True))
                i = j
                continue
        out.extend(line)
        i += 1
    return out


def _transposed_lines(rows: list[list[str]], form: FormSpec) -> list[Line] | None:
    """Questions across the columns: a header column ("Fråga", "Påverkan", "Kommentar").

    Rows above the table (e.g. "Kommun:" | "Gagnef") are read as ordinary rows.
    """
    width = max((len(r) for r in rows), default=0)
    for col in range(min(width, 3)):
        role_rows = [r for r, row in enumerate(rows[:60])
                     if col < len(row) and (role := _role(row[col], form)) and role[0] is not _Role.LEVEL]
        kinds = [_role(rows[r][col], form)[0] for r in role_rows]  # type: ignore[index]
        if len(role_rows) < 2 or len(set(kinds)) != len(kinds):
            # Repeated "Påverkan"/"Kommentar" labels down a column are label|value
            # pairs (a two-column form), not a header column.
            continue
        top, bottom = role_rows[0], role_rows[-1]
        block = [list(r) for r in rows[top:bottom + 1]]
        while bottom + 1 < len(rows) and not _cell(rows[bottom + 1], col).strip() \
                and any(c.strip() for c in rows[bottom + 1]):
            # The last row goes on in a row of its own (a table broken over a page): its
            # header cell is empty, and each cell continues the one above it.
            bottom += 1
            block[-1] = [_joined(_cell(block[-1], c), _cell(rows[bottom], c)) for c in range(width)]
        flipped = [[r[c] if c < len(r) else "" for r in block] for c in range(col, width)]
        header = _header(flipped, form)
        if header is None or header[0] != 0:
            continue
        structured = _structured_rows(flipped, 0, header[1], form)
        if structured is None:
            continue
        around = rows[:top] + rows[bottom + 1:]
        return [ln for row in around for ln in _generic_row(row, form)] + structured
    return None


def _cell(row: list[str], col: int) -> str:
    return row[col] if col < len(row) else ""


def _joined(upper: str, lower: str) -> str:
    return f"{upper}\n{lower}" if upper.strip() and lower.strip() else upper or lower


def _continuation(rows: list[list[str]], roles: dict[int, tuple[_Role, int]]) -> list[Line] | None:
    """A table's next page: its header repeated over rows that only continue a comment."""
    comment_cols = {c for c, (role, _) in roles.items() if role is _Role.COMMENT}
    out: list[Line] = []
    for row in rows:
        filled = {c for c, cell in enumerate(row) if cell.strip()}
        if not filled:
            continue
        if not comment_cols or not filled <= comment_cols:
            return None
        out.extend(Line(Kind.TEXT, clean(row[c])) for c in sorted(filled))
    return out


def grid_lines(grid: Grid, form: FormSpec) -> list[Line]:
    """Typed lines for a table or sheet; text from a doubtful cell carries the grid's doubt."""
    lines = _grid_lines(grid, form)
    if grid.doubtful:
        doubtful = [clean(t) for t in grid.doubtful]
        for line in lines:
            if (line.kind is Kind.TEXT or line.kind is Kind.COMMENT) and line.text \
                    and any(line.text in t or t in line.text for t in doubtful):
                line.doubt = grid.doubt
    return lines


def _grid_lines(grid: Grid, form: FormSpec) -> list[Line]:
    rows = [list(r) for r in grid.rows]
    header = _header(rows, form)
    if header:
        structured = _structured_rows(rows, header[0], header[1], form)
        if structured is not None:
            before = [ln for row in rows[: header[0]] for ln in _generic_row(row, form)]
            return before + structured
        continued = _continuation(rows[header[0] + 1:], header[1])
        if continued is not None:
            return [ln for row in rows[: header[0]] for ln in _generic_row(row, form)] + continued
    transposed = _transposed_lines(rows, form)
    if transposed is not None:
        return transposed
    return [ln for row in rows for ln in _generic_row(row, form)]


# ---------------------------------------------------------------- paragraphs


_QUOTE_RE = re.compile(r"^(?:>\s?)+")  # a form quoted in a mail reply


def _build_embedded_label_re(form: FormSpec) -> re.Pattern[str]:
    """A label with a colon in the middle of a line: "Påverkan: 3  Kommentar: lugnt"."""
    labels = (*form.labels.impact, *form.labels.comment, *form.labels.municipality, *form.labels.period)
    words = "|".join(sorted((re.escape(fold(w)) for w in labels), key=len, reverse=True))
    return re.compile(rf"(?<=\s)(?:{words})(?:\s*\(?\s*1\s*-\s*5\s*\)?)?\s*:")


def split_embedded_labels(line: str, form: FormSpec) -> list[str]:
    """Split a line where a second label starts ("Påverkan: 3 Kommentar: lugnt")."""
    folded = fold_same_length(line)
    embedded = _plan(form).embedded
    leading = embedded.match(" " + folded, 1)
    first_end = leading.end() - 1 if leading else 0
    cuts = [m.start() for m in embedded.finditer(folded) if m.start() >= first_end]
    if not cuts or not (_FRAGA_RE.match(folded) or leading or _opens_with_heading(line[:cuts[0]], form)):
        # Only a line that itself starts with a label, "Fråga N" or a question's
        # heading is split: "… oro för påverkan: stor" in running prose stays one line.
        return [line]
    parts, start = [], 0
    for cut in cuts:
        parts.append(line[start:cut])
        start = cut
    parts.append(line[start:])
    return [p.strip() for p in parts if p.strip()]


def _opens_with_heading(prefix: str, form: FormSpec) -> bool:
    """Is `prefix` a question's heading, or a piece of one (a heading wrapped over lines)?

    A PDF of a table without ruling puts a heading and the labels beside it
    on one line: "Hot och våld Påverkan: 2", "tobak Kommentar: …".
    """
    if not prefix.strip():
        return False
    return is_heading_fragment(prefix, form) or match_anchor(prefix, form) is not None


_MAX_FRAGMENT_WORDS = 6


def is_heading_fragment(text: str, form: FormSpec) -> bool:
    """Text made only of words from the questions' names ("och otrygghet", "tobak"): a wrapped heading's piece."""
    words = _WORD_RE.findall(fold(text))
    return 0 < len(words) <= _MAX_FRAGMENT_WORDS and all(w in _plan(form).heading_words for w in words) \
        and not re.search(r"[.!?]", text)


_WORD_RE = re.compile(r"[^\W\d_]+|\d+")


# Bounds on what `classify` remembers per form: template lines are a few
# dozen and short; a long text is most likely a one-off comment.
_MAX_CLASSIFIED = 4096
_MAX_CLASSIFIED_CHARS = 2000


def classify(text: str, form: FormSpec) -> list[Line]:
    """Typed lines for one paragraph or cell (a cell may hold several lines)."""
    # Every file of a form repeats most of the form's own text (the intro,
    # the question headings, "Påverkan: 2"), and the lines depend on the text
    # and the form only: each text is classified once per process.
    if len(text) > _MAX_CLASSIFIED_CHARS:
        return _classify(text, form)
    classified = _plan(form).classified
    lines = classified.get(text)
    if lines is None:
        lines = tuple(_classify(text, form))
        if len(classified) >= _MAX_CLASSIFIED:
            classified.clear()  # bounded: comments are new in every file
        classified[text] = lines
    return [line.copy() for line in lines]


def _classify(text: str, form: FormSpec) -> list[Line]:
    """`classify` without the memory of texts already classified."""
    out: list[Line] = []
    lines = [_QUOTE_RE.sub("", line) for line in clean(text).split("\n")]
    for raw in (part for line in lines for part in split_embedded_labels(line, form) or [""]):
        if not raw.strip():
            out.append(Line(Kind.TEXT, ""))
            continue
        anchor = match_anchor(raw, form)
        if anchor:
            anchor.raw = raw.strip()
            out.append(anchor)
            continue
        label = match_label(raw, form)
        if label is not None:
            label.raw = raw.strip()
        out.append(label if label else Line(Kind.TEXT, raw.strip()))
    return out


def section_lines(section: Section, form: FormSpec) -> list[Line]:
    """All typed lines of a section, in document order."""
    out: list[Line] = []
    for block in section.blocks:
        if isinstance(block, Paragraph):
            out.extend(classify(block.text, form))
        else:
            out.extend(grid_lines(block, form))
    return out
