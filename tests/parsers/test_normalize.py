"""What the readers' text normalisation keeps and drops, for any text (hypothesis).

A comment is the municipality's own words: `clean` may only tidy white space,
drop invisible marks and control characters. Everything else comes back as
typed, whatever the script, quotes or dashes.
"""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from parsers.normalize import clean, fold, fold_same_length, unify

_DROPPED = {0x200B, 0x2060, 0xFEFF, 0x00AD, 0xFFFE, 0xFFFF}


def _not_text(c: str) -> bool:
    """What `clean` documents as not text: spaces, line breaks, controls, invisible marks."""
    return c.isspace() or unicodedata.category(c) == "Cc" or ord(c) in _DROPPED


def _visible(text: str) -> list[str]:
    return [c for c in unicodedata.normalize("NFC", text) if not _not_text(c)]


@given(st.text(max_size=300))
def test_clean_keeps_every_visible_character_in_order(text: str) -> None:
    assert _visible(clean(text)) == _visible(text)


@given(st.text(max_size=300))
def test_clean_is_idempotent_and_tidies_white_space(text: str) -> None:
    once = clean(text)
    assert clean(once) == once
    assert "  " not in once and "\t" not in once and "\u00a0" not in once
    assert all(line == line.strip() for line in once.split("\n"))


@given(st.text(alphabet=st.sampled_from("„”“»«’‘–—-\"' abcåäö123\u00a0\t\n"), max_size=80))
def test_typography_is_unified_only_for_matching(text: str) -> None:
    assert [c for c in clean(text) if c in "„”“»«’‘–—"] == [c for c in text if c in "„”“»«’‘–—"]
    assert not any(c in unify(text) for c in "„”“»«’‘–—")
    folded = fold_same_length(text)
    assert len(folded) == len(text)
    assert not any(c in fold(text) for c in "„”“»«’‘–—")


def test_examples() -> None:
    assert clean(" „Det är lugnt” – sa\u00a0\u00a0polisen\u200b.\x07 ") == "„Det är lugnt” – sa polisen."
    assert unify("Påverkan: 1–5") == "Påverkan: 1-5"
    assert clean("rad ett\u2028rad två\r\nrad tre") == "rad ett\nrad två\nrad tre"
