"""Hostile mail through the real worker: sizes, nesting, headers, charsets and filenames.

Each case (tests/builders/hostile.py) is delivered into a real Maildir with an
ordinary form after it and run through `poll_once` with the production
parser (the sandbox); `check_case` holds the promises. Run with -s for the
timings.

The test process imports the text-level reader before forking, as the worker
should (see the report on issue 5): otherwise every child imports and
compiles it again, and the 500-attachment case costs ~110 ms per attachment
instead of ~35 ms.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import parsers.sniff  # noqa: F401 - imported before forking, so children inherit it
import parsers.text  # noqa: F401
from tests.builders import hostile as H
from tests.hostile.box import (
    TIMINGS,
    Canary,
    check_case,
    corpus_config,
    run_case,
)

GROUP = "mail"  # the cases of this module; the canary fixture (conftest.py) prints their timings
CASES = [c for c in H.CASES if c.group == GROUP]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_mail(case: H.Case, tmp_path: Path, canary: Canary) -> None:
    check_case(run_case(case, tmp_path, canary.url), corpus_config(), canary)


def test_the_corpus_has_forty_distinct_cases_and_every_one_runs() -> None:
    ids = [c.id for c in H.CASES]
    assert len(ids) == len(set(ids)) >= 40
    assert {c.group for c in H.CASES} == {"file", "mail"}  # each group has its test file
    assert all(c.outcome in ("stored", "rejected", "quarantined", "ignored") for c in H.CASES)
    assert all(c.says for c in H.CASES if c.outcome in ("rejected", "quarantined"))


def test_the_big_messages_are_as_big_as_they_claim() -> None:
    assert len(H.big_message()) >= 25 * 1024 * 1024
    assert len(H.many_attachments(500).split(b"Content-Disposition: attachment")) - 1 == 500


def test_a_path_in_a_filename_is_shown_without_it(tmp_path: Path, canary: Canary) -> None:
    run = run_case(H.case("filename_traversal"), tmp_path, canary.url)
    check_case(run, corpus_config(), canary)
    [entry] = run.export
    assert entry["file"] == f"{H.MARKER}-x.docx"
    [(_, receipt, _)] = run.mail
    assert "../" not in receipt.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_right_to_left_override_is_removed_from_the_name(tmp_path: Path, canary: Canary) -> None:
    run = run_case(H.case("filename_rtl_override"), tmp_path, canary.url)
    check_case(run, corpus_config(), canary)
    [entry] = run.export
    assert entry["file"] == f"Lägesbild-{H.MARKER}xcod.exe"  # what it is, not what it pretends to be
    for _, _, data in run.mail:
        assert "\u202e".encode() not in data


def test_the_500_attachment_message_files_the_form_among_them(tmp_path: Path, canary: Canary) -> None:
    """Parts past the 500th are not read; each one read is parsed in its own capped child."""
    run = next((r for r in TIMINGS if r.case.id == "attachments_500"), None)
    if run is None:
        run = run_case(H.case("attachments_500"), tmp_path, canary.url)
    [entry] = run.export
    assert entry["file"] == H.name("Lägesbild", "docx")
    assert run.seconds < 500 * 0.5, f"{run.seconds:.1f} s for 500 attachments"


def test_a_cut_off_base64_attachment_is_decoded_as_far_as_it_arrived() -> None:
    """The standard library returns such a part still encoded; it must not reach the parser as text."""
    from ingest.message import read_message

    data = H.form_docx()
    message = read_message(H.unterminated_multipart())
    [attachment] = message.attachments
    assert attachment.content.startswith(b"PK\x03\x04")
    assert data.startswith(attachment.content)  # a prefix of the file, decoded
    assert "a base64 part was cut short; what arrived was decoded" in message.problems
    whole = H.one_file("hel.docx", data, H.DOCX)
    assert read_message(whole).attachments[0].content == data  # an intact part is untouched
