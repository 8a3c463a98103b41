"""What people write for a municipality as words and lookup keys, a trailing "kommun" or "stad" dropped."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from parsers.normalize import strip_accents, unify

# Words that follow a name without changing which municipality is meant.
SUFFIX_WORDS = frozenset({"kommun", "kommuns", "kommunen", "kommunens", "stad", "stads", "staden"})
_WORD_RE = re.compile(r"[^\W\d_]+")


class Word(NamedTuple):
    """One word of a text, as `split_words` gives it."""

    text: str  # as written, for the capitalisation test
    key: str  # case-folded, accents kept
    gap: str  # what separates it from the word before


# Text made only of letters, digits, white space and ASCII punctuation has
# nothing `unify` would change inside or between words (no soft hyphens,
# decomposed accents or en dashes), so it skips `unify`: that costs ~20 µs and
# resolve() should stay well under 50 µs.
_PLAIN_RE = re.compile(r"[\w\s\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]*")


def prepare(text: str) -> str:
    """`text` with `unify` applied, unless it is plain enough to need none."""
    return text if _PLAIN_RE.fullmatch(text) else unify(text)


def split_words(text: str) -> list[Word]:
    """The words (letters only) of `text`, each with the separator before it."""
    prepared = prepare(text)
    words = []
    end = 0
    for m in _WORD_RE.finditer(prepared):
        words.append(Word(m.group(), m.group().casefold(), prepared[end : m.start()]))
        end = m.end()
    return words


def accent_free(word: Word) -> str:
    """The word case-folded and without accents."""
    return strip_accents(word.key)


def without_suffix(keys: Sequence[str]) -> list[str]:
    """The keys without trailing "kommun"/"stad" words."""
    keys = list(keys)
    while keys and strip_accents(keys[-1]) in SUFFIX_WORDS:
        keys.pop()
    return keys


def name_key(text: str) -> str:
    """Lookup key of a name or alias: case-folded letters only, accents kept."""
    return "".join(without_suffix([w.key for w in split_words(text)]))
