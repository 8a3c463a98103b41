"""Reading a file in a child process with time and memory caps."""

from __future__ import annotations

import dataclasses

from lagesbild.sandbox import parse_isolated
from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.limits import Limits
from parsers.result import Period

FORM = default_form()
PERIOD = Period(2026, 10)


def _docx() -> bytes:
    return template_docx(FORM, "Mora", PERIOD, sample_answers(FORM, "Mora", PERIOD))


def test_isolated_result_equals_the_in_process_one() -> None:
    result = parse_isolated(_docx(), "Mora.docx", FORM, Limits())
    assert result.municipality == "Mora"
    assert result.period == PERIOD
    assert {n: a.impact for n, a in result.answers.items()} == {
        n: a.impact for n, a in sample_answers(FORM, "Mora", PERIOD).items()
    }


def test_a_file_over_the_time_limit_is_refused_with_a_file_error() -> None:
    limits = dataclasses.replace(Limits(), seconds_per_file=0.0005)
    result = parse_isolated(_docx(), "Mora.docx", FORM, limits)
    assert result.unreadable
    assert "för lång tid" in result.issues[0].message
    assert all(a.impact is None and a.comment == "" for a in result.answers.values())


def test_a_file_over_the_memory_limit_is_refused_with_a_file_error() -> None:
    limits = dataclasses.replace(Limits(), memory_bytes=64 * 1024 * 1024)
    result = parse_isolated(_docx(), "Mora.docx", FORM, limits)
    assert result.unreadable
    assert "minne" in result.issues[0].message
