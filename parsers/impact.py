"""Reading an impact value ("Påverkan") from what a person wrote after the label.

The template prints the scale after the label ("Påverkan: 1-5"); people
replace it, keep it and add the answer, tick a box, or write the level word.
`read_impact` turns that text into a value and says how sure it is:

    "3", "3 (Oroande)", "Oroande", "3/5", "3 av 5"   -> 3, ok
    "1-5: 4" (from "Påverkan 1-5: 4")                -> 4, ok (the range is the label)
    "1-5", "", "Välj ett objekt."                    -> None, blank
    "☐1 ☐2 ☒3 ☐4 ☐5"                                 -> 3, ok; two ticked -> None, ambiguous
    "7", "3-4", "2,5", "hög"                          -> None, invalid
    "2 (Allvarligt)"                                  -> None, contradiction
    "Orande" (a misspelt level word), "ca 3"          -> 3, uncertain (reported and flagged)

The scale's words, range labels and legends are matched in `parsers.impact_scale`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from parsers.form import Scale
from parsers.impact_scale import (
    closest_word,
    find_level_word,
    levels_named,
    scale_plan,
    scale_text,
    strip_legend,
    strip_range_label,
    strip_trailing_range,
)
from parsers.memo import per_object
from parsers.normalize import fold, unify


class ImpactStatus(enum.Enum):
    """How an impact reading turned out; decides the issue severity."""

    OK = "ok"
    BLANK = "blank"  # nothing filled in: warning
    UNCERTAIN = "uncertain"  # a value, but not sure: warning
    INVALID = "invalid"  # not a value on the scale: error
    AMBIGUOUS = "ambiguous"  # several values: error
    CONTRADICTION = "contradiction"  # number and word disagree: error


@dataclass(frozen=True, slots=True)
class ImpactReading:
    """The outcome of reading one impact text.

    `rest` is trailing text after a clear value ("3 Flera inbrott i centrum"
    gives rest "Flera inbrott i centrum"), which the caller may treat as the
    start of a comment.
    """

    value: int | None
    status: ImpactStatus
    message: str = ""
    rest: str = ""

    @property
    def is_value(self) -> bool:
        return self.value is not None


# Box glyphs, and the Wingdings code points a Word check box keeps when the
# font's mapping is lost (in an .odt or a PDF): U+F0FD ☒, U+F0FE ☑, U+F0FC ✓,
# U+F0FB ✗; U+F0A8 and U+F06F ☐.
CHECKED = "☒☑✓✔✗✘■●◉⊠⌧▣◼\uf0fd\uf0fe\uf0fc\uf0fb"
UNCHECKED = "☐□○◯▢◻\uf0a8\uf06f"
_BOX_RE = re.compile(r"\[\s*[xX✓✔]\s*\]|\(\s*[xX✓✔]\s*\)|\[\s*\]|\(\s*\)|[" + CHECKED + UNCHECKED + "]")


_NUMBER_WORDS = {"ett": 1, "en": 1, "etta": 1, "tva": 2, "tvaa": 2, "tvaan": 2, "tre": 3, "trea": 3,
                 "fyra": 4, "fyran": 4, "fem": 5, "femma": 5}
_HEDGES = ("ca ", "ca. ", "cirka ", "ungefar ", "runt ", "kanske ", "troligen ", "ev ", "ev. ")
_LEADING_WORDS = ("niva ", "grad ", "paverkan ", "bedomning ")
_EMPTY_WORDS = {"", "-", "--", "?", "x", "...", "…", "ej aktuellt", "ej aktuell", "ingen", "inget", "vet ej",
                "saknas", "ej bedomd", "ej bedomt", "inte bedomt", "ingen bedomning", "n/a", "na",
                "valj ett objekt", "valj ett objekt.", "choose an item", "choose an item.",
                "valj paverkan 1-5", "valj paverkan", "valj", "- valj -", "-- valj --", "valj ett alternativ",
                "valj niva", "valj 1-5", "choose", "select", "klicka eller tryck har for att ange text.",
                "click or tap here to enter text."}


# Patterns that do not depend on the scale, compiled once.
_TICK_RE = re.compile(r"[xX✓✔]")
_LEADING_NUMBER_RE = re.compile(r"^(\d+)\b")
_DECIMAL_ZERO_RE = re.compile(r"^(\d)[.,]0+\b")
_SPAN_RE = re.compile(r"^\d\s*(-|/|eller|el\.?|till|a|à|och|,)\s*\d(?!\d)")
_DECIMAL_COMMA_RE = re.compile(r"^\d\s*,\s*\d")
_NUMBER_RE = re.compile(r"^(\d+)(?:[.,](\d+))?")
_FIRST_WORD_RE = re.compile(r"^[a-zåäö]+")


_HISTORY_RE = re.compile(r"\(\s*(tidigare|forra manaden|forra|fore|innan|var)\b[^)]*\)")
_ARROW_RE = re.compile(r"(->|→|=>|>)\s*\d")
_PAREN_RE = re.compile(r"^\(([^)]*)\)\s*(.*)$")
_DIGIT_RE = re.compile(r"^\d")
_DIGITS_RE = re.compile(r"^\d+")
_ASCII_WORD_RE = re.compile(r"^[a-z]+")


def _read_boxes(text: str, scale: Scale) -> ImpactReading | None:
    """Read a checkbox row: "☐1 ☐2 ☒3 ☐4 ☐5", "1 [ ] 2 [X] 3 [ ]", "☐ Normalt ☒ Avvikande …".

    Each box is paired with the label on its side (after it when the row starts
    with a box, else before it); a label is a digit or a level word.
    """
    boxes = list(_BOX_RE.finditer(text))
    if len(boxes) < 2:
        return None
    box_first = not text[: boxes[0].start()].strip()
    options: list[tuple[int, bool]] = []
    for i, box in enumerate(boxes):
        if box_first:
            end = boxes[i + 1].start() if i + 1 < len(boxes) else len(text)
            label = text[box.end():end]
        else:
            start = boxes[i - 1].end() if i > 0 else 0
            label = text[start:box.start()]
        label = fold(label).strip(" -:=,.;")
        value = _label_value(label, scale)
        if value is None:
            return None
        mark = box.group()
        options.append((value, mark[0] in CHECKED or bool(_TICK_RE.search(mark))))
    values = [v for v, _ in options]
    if len(set(values)) != len(values):
        # Each box stands for one value: a value twice means the boxes and their
        # labels were paired wrongly, whatever was ticked.
        return ImpactReading(None, ImpactStatus.AMBIGUOUS, "rutorna och deras värden kunde inte paras ihop säkert")
    ticked = [v for v, on in options if on]
    if not ticked:
        return ImpactReading(None, ImpactStatus.BLANK, "ingen ruta är kryssad")
    if len(ticked) > 1:
        listed = " och ".join(str(v) for v in ticked)
        return ImpactReading(None, ImpactStatus.AMBIGUOUS, f"flera rutor är kryssade ({listed})")
    value = ticked[0]
    if not scale.min <= value <= scale.max:
        return ImpactReading(None, ImpactStatus.INVALID, f"den kryssade rutan ({value}) ligger utanför skalan")
    return ImpactReading(value, ImpactStatus.OK)


def _label_value(label: str, scale: Scale) -> int | None:
    """The value a checkbox label names: "3", "3 oroande", "oroande"."""
    m = _LEADING_NUMBER_RE.match(label)
    if m:
        return int(m.group(1))
    hit = find_level_word(label, scale)
    return hit[0] if hit else None


# Bounds on what `read_impact` remembers per scale: impact texts are short,
# and a long text is prose that happens to follow a label.
_MAX_REMEMBERED = 4096
_MAX_REMEMBERED_CHARS = 200


@per_object
def _readings(scale: Scale) -> dict[str, ImpactReading]:
    """Readings already made on the scale, by text.

    The same few impact texts ("2", "3 (Oroande)", "1-5") come back in nearly every file.
    """
    return {}


def read_impact(text: str, scale: Scale) -> ImpactReading:
    """Read the text written after an impact label. See the module docstring."""
    # A reading depends on the text and the scale only, and is frozen, so a
    # remembered one can be handed out again.
    if len(text) > _MAX_REMEMBERED_CHARS:
        return _read_impact(text, scale)
    readings = _readings(scale)
    reading = readings.get(text)
    if reading is None:
        reading = _read_impact(text, scale)
        if len(readings) >= _MAX_REMEMBERED:
            readings.clear()  # bounded: every file may bring texts never seen before
        readings[text] = reading
    return reading


def _read_impact(text: str, scale: Scale) -> ImpactReading:
    """`read_impact` without the memory of earlier readings."""
    plan = scale_plan(scale)
    original = unify(text).replace("\n", " ").lstrip(":= ")
    if _is_empty(original):
        return ImpactReading(None, ImpactStatus.BLANK, "ingen påverkan är angiven")
    t, had_range = strip_range_label(original, scale)
    # The range first: in "1-5: ☐ 1 ☒ 2 …" it is the label's, not the first box's.
    boxes = _read_boxes(t, scale)
    if boxes is not None:
        return boxes
    t, had_legend = strip_legend(t, scale)
    t = t.strip()
    if _is_empty(t):
        return ImpactReading(None, ImpactStatus.BLANK, "ingen påverkan är angiven")
    folded = fold(t)
    hedged = False
    for hedge in _HEDGES:
        if folded.startswith(hedge):
            folded, hedged = folded[len(hedge):].lstrip(), True
    for lead in _LEADING_WORDS:
        if folded.startswith(lead):
            folded = folded[len(lead):].lstrip(" :")
    shown = t if len(t) <= 40 else t[:37] + "..."
    scale_msg = plan.text

    named = levels_named(folded, scale)
    if len(named) > 1:
        listed = " och ".join(scale.name_of(v) for v in sorted(named))
        return ImpactReading(None, ImpactStatus.AMBIGUOUS, f"\"{shown}\" anger flera nivåer ({listed}); välj en")
    if had_legend and not _LONE_VALUE_RE.match(folded) and not named:
        return ImpactReading(None, ImpactStatus.INVALID,
                             f"\"{shown}\" är inte ett värde på skalan; ange ett värde från {scale_msg}")
    # A span like "3-4", "3 eller 4", "3/4" names two values.
    folded = _DECIMAL_ZERO_RE.sub(r"\1", folded)  # "3,0" from a spreadsheet is 3
    if _SPAN_RE.match(folded) and not plan.out_of_max.match(folded):
        if _DECIMAL_COMMA_RE.match(folded):
            return ImpactReading(None, ImpactStatus.INVALID,
                                 f"\"{shown}\" är inte ett heltal; ange ett värde från {scale_msg}")
        return ImpactReading(None, ImpactStatus.AMBIGUOUS,
                             f"\"{shown}\" anger mer än ett värde; välj ett värde från {scale_msg}")
    m = _NUMBER_RE.match(folded)
    if m:
        if m.group(2) is not None and m.group(2) != "0" * len(m.group(2)):
            return ImpactReading(None, ImpactStatus.INVALID,
                                 f"\"{shown}\" är inte ett heltal; ange ett värde från {scale_msg}")
        value = int(m.group(1))
        after = folded[m.end():]
        after = plan.of_max.sub("", after)
        if not scale.min <= value <= scale.max:
            return ImpactReading(None, ImpactStatus.INVALID,
                                 f"\"{shown}\" ligger utanför skalan {scale_msg}")
        return _with_trailing(value, after, t, scale, hedged)
    word_hit = find_level_word(folded, scale)
    if word_hit:
        value, after = word_hit
        return _with_trailing(value, after, t, scale, hedged)
    first = _FIRST_WORD_RE.match(folded)
    if first and first.group() in _NUMBER_WORDS and folded[first.end():].strip(" .") == "":
        return ImpactReading(_NUMBER_WORDS[first.group()], ImpactStatus.OK)
    if first and len(first.group()) >= 5:
        value, ratio = closest_word(first.group(), scale)
        if ratio >= 0.8:
            return ImpactReading(value, ImpactStatus.UNCERTAIN,
                                 f"\"{shown}\" tolkades som {value} ({scale.name_of(value)}); kontrollera")
    if (had_range or had_legend) and not folded:
        return ImpactReading(None, ImpactStatus.BLANK, "ingen påverkan är angiven")
    return ImpactReading(None, ImpactStatus.INVALID,
                         f"\"{shown}\" är inte ett värde på skalan; ange ett värde från {scale_msg}")


_LONE_VALUE_RE = re.compile(r"^\d\b")
# A digit standing alone (not part of a date, a time, a larger number or a "/5").
_OTHER_VALUE_RE = re.compile(r"(?<![\d/.,:-])\b\d\b(?![\d/.,:]|\s*-\s*\d)")


def _is_empty(text: str) -> bool:
    return fold(text).strip(" .:_") in _EMPTY_WORDS or set(fold(text)) <= set(" ._-:")


def _with_trailing(value: int, after: str, shown: str, scale: Scale, hedged: bool) -> ImpactReading:
    """Check what follows a value: a level word must agree; other text is `rest`.

    A second value after the first ("2 → 3", "2, ev. 3", "3 i centrum, 1 i
    övriga kommunen") makes the reading ambiguous; a past value in brackets
    ("3 (tidigare 2)") is history and ignored.
    """
    rest = after.strip()
    rest = _HISTORY_RE.sub(" ", rest).strip()
    rest = strip_trailing_range(rest, scale)
    others = {int(m.group()) for m in _OTHER_VALUE_RE.finditer(rest)} - {value}
    if _ARROW_RE.search(rest) or others:
        return ImpactReading(None, ImpactStatus.AMBIGUOUS,
                             f"\"{shown}\" innehåller mer än ett värde; ange ett värde från {scale_text(scale)}")
    rest = rest.lstrip(" -:=,.;")
    inner = rest
    paren = _PAREN_RE.match(rest)
    if paren:
        inner, rest = paren.group(1).strip(), paren.group(2).strip()
    else:
        rest = ""
        paren = None
    word = find_level_word(inner.strip(" -:=,.;()"), scale) if inner else None
    name = scale.name_of(value)
    if word:
        wvalue, wafter = word
        if wvalue != value:
            return ImpactReading(None, ImpactStatus.CONTRADICTION,
                                 f"\"{shown}\": siffran {value} och ordet {scale.name_of(wvalue)} "
                                 "stämmer inte överens; ange ett värde")
        if not paren:
            rest = wafter.strip(" -:=,.;")
    elif inner and _DIGIT_RE.match(inner.strip(" -:=,.;(")):
        other = _DIGITS_RE.match(inner.strip(" -:=,.;("))
        if other and other.group() != str(value):
            return ImpactReading(None, ImpactStatus.AMBIGUOUS,
                                 f"\"{shown}\" innehåller flera värden; ange ett värde")
    elif inner and not paren:
        first = _ASCII_WORD_RE.match(inner)
        if first and len(first.group()) >= 5:
            wv, ratio = closest_word(first.group(), scale)
            if ratio >= 0.8 and wv != value:
                return ImpactReading(None, ImpactStatus.CONTRADICTION,
                                     f"\"{shown}\": siffran {value} och ordet stämmer inte överens; "
                                     "ange ett värde")
        rest = _original_tail(shown, inner)
    if hedged:
        return ImpactReading(value, ImpactStatus.UNCERTAIN,
                             f"\"{shown}\" tolkades som {value} ({name}); kontrollera", rest)
    return ImpactReading(value, ImpactStatus.OK, "", rest)


def _original_tail(shown: str, folded_tail: str) -> str:
    """Recover the original-case text of a folded tail (same length after folding)."""
    if not folded_tail:
        return ""
    n = len(folded_tail)
    return shown[-n:].strip() if len(shown) >= n else folded_tail
