"""The parser on the benchmark variants of the corpus (other answers, municipalities, months).

`variant_cases(copies)` re-fills every case with seeded random answers while
keeping what the case is about, so a parser that only fits the canonical
files shows up here. Marked `slow`; LibreOffice variants are left out so the
test needs nothing outside the virtualenv.
"""

from __future__ import annotations

import pytest

from tests.builders.cases import variant_cases
from tests.parsers.test_corpus import _parser_ready, run_case, summarise

pytestmark = [
    pytest.mark.skipif(not _parser_ready(), reason="parsers/text.py is not written yet"),
    pytest.mark.slow,
]


@pytest.mark.parametrize("seed", [7, 2026])
def test_variants_have_no_silent_errors(seed: int, capsys: pytest.CaptureFixture[str]) -> None:
    cases = [c for c in variant_cases(2, seed) if not c.needs_libreoffice]
    outcomes = [run_case(c) for c in cases]
    text, silent = summarise(outcomes)
    with capsys.disabled():
        print(f"\nvariants (seed {seed}):\n{text}")
    assert not silent, "SILENT ERRORS in variants:\n" + "\n".join(silent)
