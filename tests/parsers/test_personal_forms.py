"""Every realistic way of writing a personnummer or samordningsnummer is screened (issue 14, item 10).

Groups ("1912 1212 1212", "19121212 1212", "12 12 12-1212"), every kind of
space and dash a word processor or a phone types, and Unicode digits
(full-width, Arabic-Indic, Devanagari, mathematical) are normalised before
the screen looks; the finding points at the number as written, and the
masked text holds none of its digits.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lagesbild.samples import _COMMENTS as SAMPLE_COMMENTS
from parsers.personal import PERSONNUMMER, SAMORDNINGSNUMMER, find_personal_data, redact
from tests.parsers.identity_numbers import real_number

SPACES = [" ", "\u00a0", "\u202f", "\u2009", "\u2007", "\u3000", "  "]
DASHES = ["-", "\u2013", "\u2011", "\u2010", "\u2212", "\u2014", "\uff0d", " - ", " \u2013 "]
DIGIT_ZEROS = [ord("0"), 0xFF10, 0x0660, 0x06F0, 0x0966, 0x09E6, 0x1D7CE, 0x1D7EC]  # ASCII, full-width, …


def in_script(digits: str, zero: int) -> str:
    return "".join(chr(zero + int(d)) if d.isdigit() else d for d in digits)


@st.composite
def identity(draw: st.DrawFn) -> tuple[str, str, str]:
    """(written, kind, the ten digits): a real-looking number written as people write them."""
    century, samordning, ten = draw(real_number())
    long = draw(st.booleans())
    digits = century + ten if long else ten
    shapes = [(12,), (8, 4), (4, 4, 4), (4, 2, 2, 4)] if long else [(10,), (6, 4), (2, 2, 2, 4)]
    shape = draw(st.sampled_from(shapes))
    groups, at = [], 0
    for n in shape:
        groups.append(digits[at:at + n])
        at += n
    written = groups[0]
    for k, group in enumerate(groups[1:], start=1):
        last = k == len(groups) - 1
        choices = SPACES + DASHES + (["+"] if last and not long and shape == (6, 4) else [])
        written += draw(st.sampled_from(choices)) + group
    written = in_script(written, draw(st.sampled_from(DIGIT_ZEROS)))
    return written, SAMORDNINGSNUMMER if samordning else PERSONNUMMER, ten


_PROSE = st.sampled_from([s for pool in SAMPLE_COMMENTS.values() for s in pool if s])
_GLUE = st.sampled_from([" ", ", ", " (", ": ", "\n", " pnr ", " personnummer: ", " – ", "\u00a0"])


@settings(max_examples=600, deadline=None)
@given(identity(), _PROSE, _GLUE, _PROSE, st.sampled_from(["", ".", ")", ",", " och mer.", "\u00a0st."]))
def test_every_written_form_is_found_and_masked(number: tuple[str, str, str], before: str, glue: str, after: str,
                                                end: str) -> None:
    written, kind, ten = number
    text = f"{before}{glue}{written}{end} {after}"
    start = len(before) + len(glue)
    matches = [f for f in find_personal_data(text) if (f.start, f.end) == (start, start + len(written))]
    assert [f.kind for f in matches] == [kind], (written, find_personal_data(text))
    masked = redact(text)
    assert written not in masked
    shown = masked[start:start + len(matches[0].masked)]
    kept = [ch for ch in shown if ch.isdigit()]
    assert len(kept) <= 2 and len(kept) == (2 if len(ten) + len(kept) == 12 else 0), shown  # the century at most


@pytest.mark.parametrize("written", [
    "1912 1212 1212", "19121212 1212", "191212121212", "19121212-1212", "121212-1212", "12 12 12-1212",
    "1212121212", "121212 - 1212", "１９１２１２１２－１２１２", "١٩١٢١٢١٢-١٢١٢", "19121212\u20111212",
    "19121212\u00a01212", "19\u200b121212-1212",
])
def test_the_issues_examples(written: str) -> None:
    [finding] = find_personal_data(f"Anmälan gällde {written} i centrum.")
    assert finding.kind == PERSONNUMMER
    assert f"Anmälan gällde {written} i centrum."[finding.start:finding.end] == written


@pytest.mark.parametrize("text", [
    "Dnr 2026 1234 5678", "tel 070 123 45 67 och 2026-10-30", "12 500 kr och 300 deltagare",
    "２０２６－１０－３０", "år ２０２６", "vecka 42 2026 2026",
])
def test_numbers_that_only_look_alike_are_not_identity_numbers(text: str) -> None:
    assert all(f.kind not in (PERSONNUMMER, SAMORDNINGSNUMMER) for f in find_personal_data(text))
