"""An identity number is found however its parts are parted, and nothing else is taken for one.

Between the date and the last four digits a person (or a word processor, or
a paste from a table) puts a space of any kind, a line break, "-", "+", ".",
"/", "_" or a dash, with blanks around it; inside the date the same but "+".
Invisible format characters (Unicode category Cf: zero-width space, soft
hyphen, word joiner, byte order mark) anywhere inside are skipped. The Luhn
check digit and the date still decide, so a date, an amount or a case number
is not held, and the screen reads hostile text once, left to right.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import parsers.personal as personal
from lagesbild.samples import _COMMENTS as SAMPLE_COMMENTS
from parsers.personal import PERSONNUMMER, SAMORDNINGSNUMMER, find_personal_data, luhn_check_digit, redact
from tests.parsers.identity_numbers import real_number

IDS = (PERSONNUMMER, SAMORDNINGSNUMMER)
BLANKS = ["", " ", "  ", "\u00a0", "\u2009", "\u202f", "\u2007", "\t", "\n", "\r\n", " \n"]
DATE_MARKS = ["", "-", ".", "/", "_", "\u2013", "\u2011", "\u2212"]
SERIAL_MARKS = [*DATE_MARKS, "+"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u2061"]
SHAPES = {False: [(10,), (6, 4), (2, 2, 2, 4)], True: [(12,), (8, 4), (4, 4, 4), (4, 2, 2, 4), (2, 6, 4)]}


def gap(draw: st.DrawFn, marks: list[str]) -> str:
    """Blanks, a mark, blanks: never empty (an empty gap is the unbroken form, drawn as its own shape)."""
    written = draw(st.sampled_from(BLANKS)) + draw(st.sampled_from(marks)) + draw(st.sampled_from(BLANKS))
    return written or " "


def write(draw: st.DrawFn, digits: str) -> str:
    """`digits` (10 or 12) cut into a shape people use, parted by gaps, with invisible characters inside."""
    shape = draw(st.sampled_from(SHAPES[len(digits) == 12]))
    groups, at = [], 0
    for n in shape:
        groups.append(digits[at:at + n])
        at += n
    written = groups[0]
    for k, group in enumerate(groups[1:], start=1):
        written += gap(draw, SERIAL_MARKS if k == len(groups) - 1 else DATE_MARKS) + group
    # Invisible characters strictly inside, so the number still starts and ends with a digit.
    for place in sorted(draw(st.lists(st.integers(1, len(written) - 1), max_size=4)), reverse=True):
        written = written[:place] + draw(st.sampled_from(INVISIBLE)) + written[place:]
    return written


@st.composite
def identity(draw: st.DrawFn) -> tuple[str, str, bool]:
    """(written, kind, with the century): a real person's number as someone may write it."""
    century, samordning, ten = draw(real_number())
    long = draw(st.booleans())
    written = write(draw, f"{century}{ten}" if long else ten)
    return written, SAMORDNINGSNUMMER if samordning else PERSONNUMMER, long


def _no_findings_possible(ch: str) -> bool:
    # Text around the number that holds no data of its own: no digit and no "@" in any form.
    return not any(c.isdigit() or c == "@" for c in unicodedata.normalize("NFKC", ch))


ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Nd", "No")).filter(_no_findings_possible), max_size=40)
# What stands between the text and the number: each has a character that is neither a digit, a blank
# nor a mark, so no window can reach from the text into the number.
BEFORE = st.sampled_from(["(", " (", ": ", " pnr ", "\npersonnummer ", "nr:", "»"])
AFTER = st.sampled_from([")", " i ", ", och", "».", "\nmvh", "!"])


def masked_form(written: str, long: bool) -> str:
    out, seen = [], 0
    for ch in written:
        if ch.isdigit():
            seen += 1
            out.append(ch if long and seen <= 2 else "X")
        else:
            out.append(ch)
    return "".join(out)


@settings(max_examples=800, deadline=None)
@given(identity(), ANY_TEXT, BEFORE, AFTER, ANY_TEXT)
def test_a_number_parted_any_allowed_way_is_found_and_masked_in_any_text(
    number: tuple[str, str, bool], head: str, before: str, after: str, tail: str
) -> None:
    written, kind, long = number
    text = f"{head}{before}{written}{after}{tail}"
    start = len(head) + len(before)
    findings = find_personal_data(text)
    assert [(f.kind, f.start, f.end) for f in findings] == [(kind, start, start + len(written))], written
    # The rest of the text is kept as it was; only the number's digits (but a century) are masked.
    assert redact(text) == f"{head}{before}{masked_form(written, long)}{after}{tail}"


@st.composite
def wrong_check_digit(draw: st.DrawFn) -> str:
    """Ten digits (a century before them or not) whose last is not the Luhn digit of the nine before."""
    nine = draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    ten = nine + str((luhn_check_digit(nine) + draw(st.integers(1, 9))) % 10)
    century = draw(st.sampled_from(["", "18", "19", "20"]))
    return write(draw, century + ten)


@settings(max_examples=500, deadline=None)
@given(wrong_check_digit(), ANY_TEXT, BEFORE, AFTER, ANY_TEXT)
def test_digits_failing_the_check_digit_are_never_an_identity_number(
    written: str, head: str, before: str, after: str, tail: str
) -> None:
    text = f"{head}{before}{written}{after}{tail}"
    assert [f for f in find_personal_data(text) if f.kind in IDS] == []


@pytest.mark.parametrize("written", [
    "19121212\n1212", "19121212\r\n1212", "1912.12.12-1212", "19121212_1212", "19121212/1212", "12.12.12-1212",
    "12/12/12 1212", "1912 12 12 - 1212", "19121212 -\n1212", "19121212\u200b1212", "1912\u200c1212\u200d1212",
    "19121212\u2060-1212", "19\ufeff121212-1212", "191212\u00ad121212", "19121212\u00ad-\u00ad1212",
])
def test_the_writings_the_screen_missed(written: str) -> None:
    text = f"Anmälan gällde {written} i centrum."
    [finding] = find_personal_data(text)
    assert (finding.kind, text[finding.start:finding.end]) == (PERSONNUMMER, written)
    assert not any(ch.isdigit() for ch in finding.masked[2:])


@pytest.mark.parametrize("text", [
    "möte 2026-10-12", "2026/10/12 och 2026.10.12", "12.10.2026", "kl. 08.00–17.00", "1.234.567 kr",
    "Dnr 2026/1234", "Dnr 2026_1234", "070-123 45 67", "070.123.45.67", "vecka 42\n2026", "2026-191212-1212",
    "121212-1212,5", "121212-1212/3", "5-121212-1212", "1912+12+12-1212", "12 500 kr\n300 deltagare",
])
def test_dates_amounts_phones_and_case_numbers_are_not_identity_numbers(text: str) -> None:
    assert [f for f in find_personal_data(text) if f.kind in IDS] == []


_PROSE = st.sampled_from([s for pool in SAMPLE_COMMENTS.values() for s in pool if s])
_DATES = st.dates(min_value=date(1890, 1, 1), max_value=date(2099, 12, 31)).map(
    lambda d: f"{d:%Y}{{0}}{d:%m}{{0}}{d:%d}")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PROSE, _DATES), min_size=1, max_size=6), st.sampled_from(DATE_MARKS[1:]),
       st.sampled_from([" ", "\n", ", ", "\n\n"]))
def test_dates_written_with_any_mark_among_prose_are_not_held(parts: list[str], mark: str, joint: str) -> None:
    text = joint.join(part.replace("{0}", mark) for part in parts)
    assert [f for f in find_personal_data(text) if f.kind in IDS] == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.text(alphabet="0123456789 -+./_\n\u2013\u00a0\u200b\u00ad:,", max_size=300))
def test_the_screen_never_raises_and_masks_in_place(prose: str, digits: str) -> None:
    for text in (prose, digits, prose + digits, digits + prose):
        findings = find_personal_data(text)
        assert all(0 <= f.start < f.end <= len(text) for f in findings)
        assert all(a.end <= b.start for a, b in zip(findings, findings[1:], strict=False))
        for f in findings:
            if f.kind in IDS:
                assert len(f.masked) == f.end - f.start
                assert not any(ch.isdigit() for ch in f.masked[2:])
        redact(text)


def _hostile_texts() -> dict[str, tuple[str, int | None]]:
    """200 kB texts, with how many identity numbers each holds (None: whatever the random draw made)."""
    rnd = random.Random(4)
    size = 200_000
    return {
        "digits and separators": ("".join(rnd.choice("0123456789 -+./_\n\u2013\u00a0\u200b") for _ in range(size)),
                                  None),
        "pairs of digits": ("12 " * (size // 3), 0),
        "date groups with marks": ("1912.12.12-" * (size // 11), 0),
        "numbers run together": ("19121212-1212-" * (size // 14), 0),
        "numbers one after another": ("19121212\u200b 1212\n" * (size // 15), size // 15),
        "invisible between digits": ("1\u200b" * (size // 2), 0),
        "long digit run": ("1" * size, 0),
    }


@pytest.mark.parametrize("name", list(_hostile_texts()))
def test_hostile_text_is_read_once(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The identity scan tries at most four windows per digit group: linear by construction, so
    200 kB of digits and separators cannot make it slow. The whole screen runs on the same text."""
    text, expected = _hostile_texts()[name]
    tried = 0
    check = personal._id_at

    def counting(digits: str) -> str | None:
        nonlocal tried
        tried += 1
        return check(digits)

    monkeypatch.setattr(personal, "_id_at", counting)
    findings = find_personal_data(text)
    assert tried <= personal._MOST_GROUPS * len(personal._DIGITS_RE.findall(text))
    if expected is not None:
        assert len([f for f in findings if f.kind in IDS]) == expected
    redact(text)
