"""Hostile files in ordinary mail, through the real worker: bombs, entities, encryption, lies, slow PDFs.

Each case (tests/builders/hostile.py) is delivered into a real Maildir with an
ordinary form after it and run through `poll_once` with the production
parser (the sandbox); `check_case` holds the promises. Run with -s for the
timings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import parsers.sniff  # noqa: F401 - see test_hostile_mail.py: children inherit the imported readers
import parsers.text  # noqa: F401
from tests.builders import hostile as H
from tests.builders import mail as mails
from tests.hostile.box import (
    Canary,
    check_case,
    corpus_config,
    run_case,
)

GROUP = "file"  # the cases of this module; the canary fixture (conftest.py) prints their timings
CASES = [c for c in H.CASES if c.group == GROUP]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_file(case: H.Case, tmp_path: Path, canary: Canary) -> None:
    check_case(run_case(case, tmp_path, canary.url), corpus_config(), canary)


def test_the_canary_would_see_a_fetch(canary: Canary) -> None:
    """The XXE cases prove nothing unless a fetch of the canary URL would be recorded."""
    import urllib.request

    with urllib.request.urlopen(canary.url + "-selftest", timeout=5) as response:
        assert response.status == 200
    assert canary.hits() == [f"/xxe-{H.MARKER}-selftest"]
    canary.log.unlink()


def test_macro_files_are_read_and_their_macros_never_run(tmp_path: Path, canary: Canary) -> None:
    """A .docm keeps its own format in the store; the VBA part is never opened (it is not even valid)."""
    run = run_case(H.case("docm_macros"), tmp_path, canary.url)
    check_case(run, corpus_config(), canary)
    [entry] = run.export
    assert entry["format"] == "docm"
    assert entry["answers"] == {str(n): a.to_json() for n, a in sorted(mails.form_answers("Ludvika").items())}


def test_the_bytes_decide_the_format_not_the_name(tmp_path: Path, canary: Canary) -> None:
    run = run_case(H.case("pdf_name_docx_bytes"), tmp_path, canary.url)
    check_case(run, corpus_config(), canary)
    [entry] = run.export
    assert (entry["file"], entry["format"]) == (H.name("Lägesbild", "pdf"), "docx")
