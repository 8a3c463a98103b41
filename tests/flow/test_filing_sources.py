"""Where a value was read from enters the store under the same text rule as the comment."""

from __future__ import annotations

from flow.filing import screen_text_of
from parsers.form import default_form
from parsers.result import Answer, Source


def test_a_source_passes_the_text_rule_and_stays_with_its_answer() -> None:
    answers = {1: Answer(3, "Lugnt.", Source("blad \"Svar\u202e\"", "Påverkan: 3\x07"), Source("sida 1", "Lugnt.")),
               7: Answer(None, "Inget.")}
    screened, issues = screen_text_of(answers, default_form())
    assert screened[1].impact_source == Source("blad \"Svar\"", "Påverkan: 3\ufffd")
    assert screened[1].comment_source == Source("sida 1", "Lugnt.")
    assert screened[7].comment_source is None and screened[7] == answers[7]
    assert issues == ()  # the comments themselves were clean: nothing to tell the municipality
