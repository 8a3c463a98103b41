"""Word's list numbering: the number shown before a numbered paragraph, from numbering.xml and styles."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from parsers.docx_xml import ILVL, NUMID, NUMPR, PPR, PSTYLE, Element, W, is_on, to_int, val


@dataclass(frozen=True, slots=True)
class _Level:
    fmt: str
    text: str
    start: int
    suffix: str
    legal: bool


def _level(lvl: Element) -> _Level:
    suff = val(lvl.find(W + "suff")) or "tab"
    return _Level(
        fmt=val(lvl.find(W + "numFmt")) or "decimal",
        text=val(lvl.find(W + "lvlText")) or "",
        start=to_int(val(lvl.find(W + "start"))) or 0,
        suffix="" if suff == "nothing" else " ",
        legal=is_on(lvl.find(W + "isLgl")),
    )


def _roman(n: int) -> str:
    out = []
    for value, numeral in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        count, n = divmod(n, value)
        out.append(numeral * count)
    return "".join(out)


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("upperRoman", "lowerRoman") and 0 < n < 4000:
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt in ("upperLetter", "lowerLetter") and n > 0:
        # Word repeats the letter: 27 -> "aa", 28 -> "bb".
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)


_LEVEL_REF = re.compile(r"%([1-9])")


StyleNumbering = dict[str, tuple[str | None, int | None]]  # style id -> (numId, ilvl)


def read_styles(styles: Element) -> StyleNumbering:
    """Paragraph style id -> (numId, ilvl) of its list numbering, inherited along basedOn."""
    raw: dict[str, tuple[str | None, int | None, str | None]] = {}
    for style in styles.iter(W + "style"):
        if style.get(W + "type") != "paragraph":
            continue
        numpr = style.find(PPR + "/" + NUMPR)
        num_id = val(numpr.find(NUMID)) if numpr is not None else None
        ilvl = to_int(val(numpr.find(ILVL))) if numpr is not None else None
        raw[style.get(W + "styleId") or ""] = (num_id, ilvl, val(style.find(W + "basedOn")))
    out: dict[str, tuple[str | None, int | None]] = {}
    for sid, (num_id, ilvl, parent) in raw.items():
        seen = {sid}
        # Inherit numbering along basedOn; the chain is short but may loop.
        while num_id is None and parent in raw and parent not in seen:
            seen.add(parent)
            num_id, parent_ilvl, parent = raw[parent]
            ilvl = ilvl if ilvl is not None else parent_ilvl
        out[sid] = (num_id, ilvl)
    return out


def _read_numbering(numbering: Element) -> dict[str, tuple[str, dict[int, _Level]]]:
    """numId -> (counter key, levels) from numbering.xml.

    The counter key is the abstract list's id, so instances of one list share
    their counters, unless the instance overrides a level ("num:" + numId).
    """
    nums: dict[str, tuple[str, dict[int, _Level]]] = {}
    abstract: dict[str, dict[int, _Level]] = {}
    for an in numbering.iter(W + "abstractNum"):
        levels = {}
        for lvl in an.iter(W + "lvl"):
            ilvl = to_int(lvl.get(ILVL))
            if ilvl is not None and 0 <= ilvl < 9:
                levels[ilvl] = _level(lvl)
        abstract[an.get(W + "abstractNumId") or ""] = levels
    for num in numbering.iter(W + "num"):
        num_id = num.get(W + "numId") or ""
        abstract_id = val(num.find(W + "abstractNumId")) or ""
        levels = dict(abstract.get(abstract_id, {}))
        key = abstract_id
        for override in num.iter(W + "lvlOverride"):
            ilvl = to_int(override.get(ILVL))
            if ilvl is None or not 0 <= ilvl < 9:
                continue
            lvl = override.find(W + "lvl")
            if lvl is not None:
                levels[ilvl] = _level(lvl)
                key = "num:" + num_id
            start = to_int(val(override.find(W + "startOverride")))
            if start is not None and ilvl in levels:
                base = levels[ilvl]
                levels[ilvl] = _Level(base.fmt, base.text, start, base.suffix, base.legal)
                key = "num:" + num_id
        nums[num_id] = (key, levels)
    return nums


class Numbering:
    """Computes the number Word shows in front of a numbered paragraph.

    Counters belong to the abstract list, so separate w:num instances of one
    list continue each other (as in Word) unless an instance restarts with
    a startOverride. Deeper levels restart when a shallower level advances.
    List numbering that comes from a paragraph style is found through
    styles.xml, which is parsed only when a styled paragraph needs it.
    """

    def __init__(self, numbering: Element | None, styles: Callable[[], StyleNumbering]) -> None:
        self._numbering = numbering
        self._nums: dict[str, tuple[str, dict[int, _Level]]] | None = None  # see `_instances`
        self._counters: dict[str, list[int | None]] = {}
        self._style_num: StyleNumbering | None = None
        self._load_styles = styles

    def _instances(self) -> dict[str, tuple[str, dict[int, _Level]]]:
        """numId -> (counter key, levels), read from numbering.xml when a paragraph first needs it.

        Many forms carry numbering definitions that no paragraph uses; the
        part is still parsed up front (a broken one refuses the file), but
        its levels are only read for a document with list paragraphs.
        """
        if self._nums is None:
            self._nums = {} if self._numbering is None else _read_numbering(self._numbering)
        return self._nums

    def _style_numbering(self, style: str) -> tuple[str | None, int | None]:
        if self._style_num is None:
            self._style_num = self._load_styles()
        return self._style_num.get(style, (None, None))

    def prefix(self, p: Element) -> str:
        """Advance the paragraph's list counter and return its shown number ("" if none)."""
        ppr = p.find(PPR)
        if ppr is None:
            return ""
        numpr = ppr.find(NUMPR)
        style = val(ppr.find(PSTYLE))
        if numpr is None and style is None:
            return ""  # neither a list paragraph nor a style that could make it one
        nums = self._instances()
        if not nums:
            return ""
        num_id: str | None = None
        ilvl: int | None = None
        if numpr is not None:
            num_id = val(numpr.find(NUMID))
            ilvl = to_int(val(numpr.find(ILVL)))
        if style is not None and (num_id is None or ilvl is None):
            style_num, style_ilvl = self._style_numbering(style)
            num_id = num_id if num_id is not None else style_num
            ilvl = ilvl if ilvl is not None else style_ilvl
        if not num_id or num_id == "0" or num_id not in nums:
            return ""
        ilvl = ilvl if ilvl is not None and 0 <= ilvl < 9 else 0
        key, levels = nums[num_id]
        level = levels.get(ilvl)
        if level is None:
            return ""
        counters = self._counters.setdefault(key, [None] * 9)
        current = counters[ilvl]
        counters[ilvl] = level.start if current is None else current + 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = None
        if level.fmt == "bullet":
            return ""

        def number(match: re.Match[str]) -> str:
            ref = int(match.group(1)) - 1
            ref_level = levels.get(ref)
            if ref_level is None:
                return ""
            value = counters[ref]
            value = ref_level.start if value is None else value
            return _format_number(value, "decimal" if level.legal else ref_level.fmt)

        shown = _LEVEL_REF.sub(number, level.text)
        return shown + level.suffix if shown.strip() else ""
