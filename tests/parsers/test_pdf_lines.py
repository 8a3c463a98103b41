"""Glyphs to lines: a cell's glyphs on one line's height read as the clustering reads them.

`parsers.pdf_lines` makes glyphs that all stand within one line's height
(most table cells) into one line without clustering them by their tops.
A glyph far below sends the same glyphs through the clustering: their line
must come out the same either way, word gaps, ligatures, spaces the file
holds and overprinting included.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.pdf_lines import text_lines
from parsers.pdf_page import Char

# Letters, a space glyph the file holds, a ligature glyph and a hyphen.
_TEXTS = st.sampled_from(["a", "b", "K", "å", "1", ":", " ", "ﬁ", "-"])


@st.composite
def _one_line(draw: st.DrawFn) -> list[Char]:
    """Up to 30 upright glyphs whose tops lie within 3 points (the reader's line tolerance)."""
    chars = []
    for _ in range(draw(st.integers(1, 30))):
        x0 = draw(st.floats(0, 400, allow_nan=False))
        width = draw(st.floats(0, 12, allow_nan=False))
        top = 100 + draw(st.floats(0, 3, allow_nan=False))
        size = draw(st.floats(6, 14, allow_nan=False))
        chars.append(Char(draw(_TEXTS), x0, x0 + width, top, top + size, size))
    return chars


@settings(max_examples=200, deadline=None)
@given(_one_line())
def test_glyphs_on_one_lines_height_read_as_the_clustering_reads_them(chars: list[Char]) -> None:
    far_below = Char("Z", 10.0, 16.0, 400.0, 410.0, 10.0)
    alone = text_lines(chars)
    clustered = text_lines([*chars, far_below])
    assert clustered[-1].text == "Z"
    assert alone == clustered[:-1]
    assert len(alone) <= 1


def test_a_cells_glyphs_make_one_line_with_its_words_gaps_and_space() -> None:
    # "Påverkan: 2" with the digit set off by a wide gap and a space glyph after it, the tops 2 points apart.
    glyphs = [Char(t, 10.0 + 6 * i, 16.0 + 6 * i, 100.0 + (i % 2), 110.0, 10.0) for i, t in enumerate("Påverkan:")]
    glyphs += [Char("2", 120.0, 126.0, 102.0, 112.0, 10.0), Char(" ", 126.0, 129.0, 102.0, 112.0, 10.0)]
    (line,) = text_lines(glyphs)
    assert line.text == "Påverkan: 2"
    assert (line.top, line.bottom, line.x0, line.x1) == (100.0, 112.0, 10.0, 126.0)
    assert line.widest_gap == 120.0 - 64.0
    assert line.trailing_space and line.space_width == 3.0
