"""Joins left open while a PDF's table cells are read, settled by the words the document spells whole.

Where a narrow column wraps a one-word line that fills the cell, and the
line below starts in lower case, the text layer cannot tell a word cut in
two ("Skolavslutninge" / "n") from two words whose space fell at the edge
("Skadegörelse" / "på"): the writer draws neither a hyphen nor the space.
The cell reader (`parsers.pdf_glue`) marks such a join and flags the cell;
this module then chooses the join by what the rest of the document spells:
a word written whole elsewhere (between spaces on one line) is evidence the
two pieces are one word; both pieces written whole elsewhere, and the joined
word nowhere, is evidence of a space. Without evidence the reader's usual
choice stands. The choice only makes the flagged reading likelier to be
right; the cell stays flagged (`Grid.doubt`), since it is still a choice.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from parsers.document import Block, Grid, Paragraph

#: A join that is likely a cut word (no space); one that is likely a lost space.
#: Unicode non-characters: no text holds them (`parsers.pdf_page` drops any a file carries).
CUT = "\ufdd0"
SPACED = "\ufdd1"
MARKS = CUT + SPACED

_EDGE_PUNCT = "\"'“”„«»‹›()[]{}.,;:!?…*"
_MARKED_RE = re.compile(f"[{MARKS}]")


def settle(blocks: Sequence[Block]) -> list[Block]:
    """The blocks with every open join settled (see the module's docstring)."""
    if not any(_has_mark(b) for b in blocks):
        return list(blocks)
    words = _Words(_texts(blocks))
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Grid) and _has_mark(block):
            rows = tuple(tuple(_settled(cell, words) for cell in row) for row in block.rows)
            doubtful = frozenset(_settled(t, words) for t in block.doubtful)
            out.append(Grid(rows, block.name, block.doubt, doubtful, block.page))
        elif isinstance(block, Paragraph) and _MARKED_RE.search(block.text):
            out.append(Paragraph(_settled(block.text, words), block.page))
        else:
            out.append(block)
    return out


def _has_mark(block: Block) -> bool:
    if isinstance(block, Paragraph):
        return bool(_MARKED_RE.search(block.text))
    return any(_MARKED_RE.search(cell) for row in block.rows for cell in row)


def _texts(blocks: Sequence[Block]) -> Iterable[str]:
    for block in blocks:
        if isinstance(block, Paragraph):
            yield block.text
        else:
            yield from (cell for row in block.rows for cell in row)


def _key(word: str) -> str:
    return word.strip(_EDGE_PUNCT).casefold()


# Word beginnings and endings longer than this are not counted (a cut leaves a short piece
# on one side or the other; a long one is evidence enough by itself as a whole word).
_MAX_AFFIX = 8


class _Words:
    """What the document spells whole: every word not touching an open join, how often,
    and how often each short beginning and ending stands in a longer such word."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.whole: Counter[str] = Counter()
        for text in texts:
            for word in text.split():
                if not _MARKED_RE.search(word) and (key := _key(word)):
                    self.whole[key] += 1
        self.starts: Counter[str] = Counter()
        self.ends: Counter[str] = Counter()
        for word, n in self.whole.items():
            for k in range(1, min(len(word), _MAX_AFFIX + 1)):
                self.starts[word[:k]] += n
                self.ends[word[-k:]] += n

    def join(self, head: str, tails: Sequence[str], default: str) -> str:
        """`CUT` or `SPACED` between `head` and the piece after it.

        `tails` are that piece alone and with the pieces after it (later joins
        may be cuts too). For a space: the head and the tail written as words of
        their own. For a cut: the head as the start of a longer word, the tail as
        the end of one, the joined word written whole (twice the weight: it is
        the very word). No evidence either way keeps `default`.
        """
        first = _key(head)
        seconds = [k for k in map(_key, tails) if k]
        if not first or not seconds:
            return default
        if default == SPACED:
            # The reader judged a space likelier (a writer that wraps only at spaces, as far as
            # it can tell): only the joined word itself, written whole, says otherwise.
            joined = max(self.whole[first + k] for k in seconds)
            return CUT if joined and not (self.whole[first] and self.whole[seconds[0]]) else SPACED
        spaced = self.whole[first] + max(self.whole[k] for k in seconds)
        cut = (self.starts[first] if len(first) <= _MAX_AFFIX else 0) \
            + (self.ends[seconds[0]] if len(seconds[0]) <= _MAX_AFFIX else 0) \
            + 2 * max(self.whole[first + k] for k in seconds)
        if spaced > cut:
            return SPACED
        if cut > spaced:
            return CUT
        return default


# A text of fewer words is a label or a heading ("Påverkans" / "grad 1"): its joins keep the
# reader's choice, since a label split in two no longer names its row or column.
_MIN_WORDS = 6


def _settled(text: str, words: _Words) -> str:
    """`text` with each open join made "" or " "."""
    if not _MARKED_RE.search(text):
        return text
    if len(text.split()) < _MIN_WORDS:
        return text.replace(CUT, "").replace(SPACED, " ")
    out: list[str] = []
    for word in re.split(r"(\s+)", text):
        out.append(_settled_word(word, words) if _MARKED_RE.search(word) else word)
    return "".join(out)


def _settled_word(word: str, words: _Words) -> str:
    """One run of text without spaces holding open joins, settled from the left."""
    pieces = _MARKED_RE.split(word)
    marks = _MARKED_RE.findall(word)
    text = head = pieces[0]  # `head`: the word the next piece may continue
    for i, mark in enumerate(marks):
        tail = pieces[i + 1]
        tails = ["".join(pieces[i + 1:j + 1]) for j in range(i + 1, len(pieces))]
        glue = words.join(head, tails, mark)
        text += (" " if glue == SPACED else "") + tail
        head = tail if glue == SPACED else head + tail
    return text
