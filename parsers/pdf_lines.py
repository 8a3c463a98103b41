"""Glyphs into text lines, the way pdfplumber's `extract_text_lines` made them.

The layout rules in `parsers.pdf_layout` were tuned on pdfplumber's lines,
so the same rules are kept here, on pdfium's glyphs:

- a glyph drawn twice at (nearly) the same place, as some generators draw
  bold text, counts once (`dedupe`);
- glyphs whose tops lie within 3 points of each other, chained, form one
  line; in a line, glyphs are ordered left to right;
- a space glyph, a gap over 3 points, a step back to the left or a jump of
  over 3 points in height starts a new word; words are joined by one space;
- a line whose last glyph is a space glyph says so (`Line.trailing_space`):
  a writer that keeps the space at a line it wrapped tells a wrap at a
  space from a word it cut in a narrow column (`parsers.pdf_cells`);
- ligature glyphs ("ﬁ") are spelt out.

Turned glyphs (a vertical "Dnr" in the margin) are read the same way along
their own direction.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import groupby
from operator import itemgetter

from parsers.pdf_line import COLUMN_GAP, Line
from parsers.pdf_page import Char

_X_TOLERANCE = 3.0
_Y_TOLERANCE = 3.0
_DEDUPE_TOLERANCE = 1.0
_LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}


def dedupe(chars: Sequence[Char]) -> list[Char]:
    """Drop a glyph repeated with the same text and size within 1 point; the first drawn stays.

    Of each cluster of repeats the one highest and then leftmost on the page
    stays, as in pdfplumber's `dedupe_chars`; the order is kept.
    """
    if not _may_repeat(chars):
        return list(chars)
    groups: dict[tuple[bool, str, float], list[int]] = defaultdict(list)
    for index, char in enumerate(chars):
        groups[(char.upright, char.text, char.size)].append(index)
    keep: list[int] = []
    for members in groups.values():
        if len(members) == 1:
            keep.append(members[0])
            continue
        for by_top in _chain([(chars[i].top, i) for i in members], _DEDUPE_TOLERANCE):
            for by_x in _chain([(chars[i].x0, i) for i in by_top], _DEDUPE_TOLERANCE):
                keep.append(min(by_x, key=lambda i: (chars[i].top, chars[i].x0)))
    if len(keep) == len(chars):
        return list(chars)
    return [chars[i] for i in sorted(keep)]


def _may_repeat(chars: Sequence[Char]) -> bool:
    """Whether any two glyphs with the same text and size stand at the same rounded place.

    pdfium already drops a text object drawn again over itself (the usual
    fake bold), so repeats are rare; this one pass over the glyphs spares
    the clustering below on almost every page. A repeat more than half a
    point off in both directions may round apart and pass unseen, as
    pdfium's own check lets through only what it judged to be new text.
    """
    try:
        return len({(c[0], c[5], round(c[3]), round(c[1])) for c in chars}) < len(chars)
    except (ValueError, OverflowError):
        pass  # a position that is not a number: look glyph by glyph, as far as they go
    seen: set[tuple[str, float, int, int]] = set()
    for char in chars:
        key = (char.text, char.size, round(char.top), round(char.x0))
        if key in seen:
            return True
        seen.add(key)
    return False


def _chain(keyed: list[tuple[float, int]], tolerance: float) -> list[list[int]]:
    """Indexes grouped by key: sorted distinct keys within `tolerance` of the previous one chain together."""
    cluster_of = _cluster_ids([k for k, _ in keyed], tolerance)
    out: dict[int, list[int]] = defaultdict(list)
    for key, index in keyed:
        out[cluster_of[key]].append(index)
    return [out[c] for c in sorted(out)]


def _cluster_ids(values: Iterable[float], tolerance: float) -> dict[float, int]:
    """pdfplumber's `make_cluster_dict`: each distinct value to its cluster number, in ascending order."""
    ids: dict[float, int] = {}
    cluster = -1
    last: float | None = None
    for value in sorted(set(values)):
        if last is None or value > last + tolerance:
            cluster += 1
        ids[value] = cluster
        last = value
    return ids


def text_lines(chars: Sequence[Char]) -> list[Line]:
    """The lines of text the glyphs form, top to bottom; blank lines left out.

    Turned glyphs are read along their own direction: each is given the
    place it would have on a page turned upright, read like upright text
    there, and each line found gets back the box its glyphs cover.
    """
    upright = [c for c in chars if not c[6]]
    lines = _lines(upright)
    if len(upright) == len(chars):
        return lines
    for turn in (90, 180, 270):
        turned = [c for c in chars if c.turn == turn]
        if turned:
            lines += _turned_lines(turned, turn)
    return lines


def _turned_lines(chars: list[Char], turn: int) -> list[Line]:
    virtual = [_turned_upright(c, turn) for c in chars]
    original = {id(v): c for v, c in zip(virtual, chars, strict=True)}
    out: list[Line] = []
    for line, members in _lines_with_chars(virtual):
        originals = [original[id(v)] for v in members]
        out.append(
            Line(
                text=line.text,
                top=min(c.top for c in originals),
                bottom=max(c.bottom for c in originals),
                x0=min(c.x0 for c in originals),
                x1=max(c.x1 for c in originals),
                first_word=line.first_word,
            )
        )
    return out


def _turned_upright(char: Char, turn: int) -> Char:
    """Where a turned glyph would stand with the page turned so that it is upright.

    `turn` is pdfium's angle, clockwise on the page. The baseline is the
    edge of the box the glyph's feet point to: the right edge for text
    running up the page (270), the top for upside-down text (180), the left
    edge for text running down (90).
    """
    if turn == 270:
        along, end, baseline = -char.bottom, -char.top, char.x1
    elif turn == 180:
        along, end, baseline = -char.x1, -char.x0, -char.top
    else:
        along, end, baseline = char.top, char.bottom, -char.x0
    return Char(char.text, along, end, baseline - char.size, baseline, char.size)


def _lines(chars: Sequence[Char]) -> list[Line]:
    return [line for line, _chars in _lines_with_chars(chars)]


def _lines_with_chars(chars: Sequence[Char]) -> list[tuple[Line, list[Char]]]:
    """Each line with the glyphs it holds (spaces left out), top to bottom."""
    if not chars:
        return []
    tops = [c[3] for c in chars]
    total = sum(tops)
    if max(tops) <= min(tops) + _Y_TOLERANCE and total == total:  # (no top that is not a number)
        # All within one line's height (most table cells): the clustering below makes one line of them.
        ordered = sorted(chars, key=_x0)
        only = _words(ordered)
        line = _line(only, _spaced(ordered))
        return [] if line is None else [(line, [c for word in only for c in word])]
    cluster_of = _cluster_ids(tops, _Y_TOLERANCE)
    by_line: dict[int, list[Char]] = defaultdict(list)
    for char in chars:
        by_line[cluster_of[char[3]]].append(char)
    words: list[list[Char]] = []
    spaced: dict[int, Char] = {}  # id of a glyph -> the space glyph that follows it
    for cluster in sorted(by_line):
        line_chars = sorted(by_line[cluster], key=_x0)
        words.extend(_words(line_chars))
        spaced.update(_spaced(line_chars))
    # pdfplumber clusters the words once more by their tops, keeping their order.
    word_tops = [min(map(_top, word)) for word in words]
    word_cluster = _cluster_ids(word_tops, _Y_TOLERANCE)
    out: list[tuple[Line, list[Char]]] = []
    pairs = zip(words, word_tops, strict=True)
    for _cluster, group in groupby(pairs, key=lambda pair: word_cluster[pair[1]]):
        line_words = [word for word, _top in group]
        line = _line(line_words, spaced)
        if line is not None:
            out.append((line, [c for word in line_words for c in word]))
    return out


def _spaced(line_chars: list[Char]) -> dict[int, Char]:
    """id of each glyph of a line (left to right) followed by a space glyph -> that space."""
    return {id(a): b for a, b in zip(line_chars, line_chars[1:], strict=False) if b[0].isspace() and not a[0].isspace()}


_x0 = itemgetter(1)
_x1 = itemgetter(2)
_top = itemgetter(3)


def _words(line: Sequence[Char]) -> list[list[Char]]:
    words: list[list[Char]] = []
    current: list[Char] = []
    for char in line:
        if char[0].isspace():
            if current:
                words.append(current)
            current = []
        elif current and (
            # A step back to the left, a gap or a jump in height begins a word.
            char[1] < current[-1][1]
            or char[1] > current[-1][2] + _X_TOLERANCE
            or abs(char[3] - current[-1][3]) > _Y_TOLERANCE
        ):
            words.append(current)
            current = [char]
        else:
            current.append(char)
    if current:
        words.append(current)
    return words


def _line(words: list[list[Char]], spaced: dict[int, Char] | None = None) -> Line | None:
    texts = "".join(c[0] for word in words for c in word)
    if _HAS_LIGATURE(texts):
        text = " ".join("".join(_LIGATURES.get(c.text, c.text) for c in word) for word in words).strip()
    else:
        text = " ".join("".join(c[0] for c in word) for word in words).strip()
    if not text:
        return None
    chars = [c for word in words for c in word]
    _texts, x0s, x1s, tops, bottoms, _sizes, _turns = zip(*chars, strict=True)
    top, bottom, x1 = min(tops), max(bottoms), max(x1s)
    # The glyph that reaches furthest right (the first such): is a space glyph after it?
    space = (spaced or {}).get(id(chars[x1s.index(x1)]))
    spans = [(min(map(_x0, word)), max(map(_x1, word))) for word in words if word]
    gaps = [b[0] - a[1] for a, b in zip(spans, spans[1:], strict=False)]
    height = bottom - top
    return Line(
        text=text,
        top=top,
        bottom=bottom,
        x0=min(x0s),
        x1=x1,
        first_word=_first_word_width(chars),
        widest_gap=max(gaps, default=0.0),
        column_gaps=sum(1 for g in gaps if g > COLUMN_GAP * height),
        trailing_space=space is not None,
        space_width=space.x1 - space.x0 if space is not None else 0.0,
    )


_HAS_LIGATURE = re.compile("[" + "".join(_LIGATURES) + "]").search


def _first_word_width(chars: Sequence[Char]) -> float:
    """Width of the first word: up to a space glyph or a gap wide enough to be a space."""
    start = end = None
    for char in chars:
        if char[0].isspace():
            if start is not None:
                break
            continue
        if start is None:
            start = char[1]
        elif end is not None and char[1] - end > 0.2 * char[5]:
            break
        end = char[2]
    return end - start if start is not None and end is not None else 0.0
