"""Signal rules: configuration, levels, Swedish words with inflections, withheld answers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flow.settings import SignalRule
from flow.signals import (
    EXCERPT_CHARS,
    excerpt_around,
    find_words,
    match_signals,
    rules_from_config,
)
from lagesbild.samples import _COMMENTS as SAMPLE_COMMENTS
from parsers.result import Answer

ANDT = {"name": "ANDT", "to": ["andt@lansstyrelsen.example"], "question": 5, "min_level": 4,
        "words": ["narkotikahandel", "langning"]}
TRAFFICKING = {"name": "Människohandel och prostitution", "to": ["mhp@lansstyrelsen.example"],
               "words": ["prostitution", "människohandel", "sexköp"]}
RULES = rules_from_config([ANDT, TRAFFICKING])


def calm(**changes: Answer) -> dict[int, Answer]:
    answers = {n: Answer(1 if n < 7 else None, "Lugnt under månaden.") for n in range(1, 8)}
    answers.update({int(k[1:]): v for k, v in changes.items()})
    return answers


def fired(answers: dict[int, Answer], withheld: frozenset[int] = frozenset()) -> list[tuple[str, int]]:
    return [(m.rule.name, m.question) for m in match_signals(answers, RULES, withheld)]


# --------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------


def test_rules_from_config() -> None:
    andt, trafficking = RULES
    assert andt == SignalRule("ANDT", ("andt@lansstyrelsen.example",), 5, 4, ("narkotikahandel", "langning"))
    assert trafficking.question is None and trafficking.min_level is None
    assert rules_from_config([]) == ()
    only_level = rules_from_config([{"name": "Kritiskt", "to": "kris@l.example", "min_level": 5}])
    assert only_level[0].to == ("kris@l.example",) and only_level[0].question is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"name": "x"}, r"\[\[signals\]\]: must be a list"),
        (["x"], r"#1: must be a table"),
        ([{**ANDT, "mail": "x"}], r"#1: unknown key 'mail'"),
        ([{**ANDT, "name": " "}], r"#1 name: missing"),
        ([{k: v for k, v in ANDT.items() if k != "to"}], r"#1 \(ANDT\) to: must be a list"),
        ([{**ANDT, "to": []}], r"\(ANDT\) to: must be a list"),
        ([{**ANDT, "to": ["inte en adress"]}], r"\(ANDT\) to: 'inte en adress' is not an e-mail"),
        ([{**ANDT, "question": "5"}], r"\(ANDT\) question: must be a whole number"),
        ([{**ANDT, "min_level": 0}], r"\(ANDT\) min_level: must be a whole number from 1"),
        ([{**ANDT, "min_level": True}], r"min_level: must be a whole number"),
        ([{**ANDT, "words": "narkotika"}], r"\(ANDT\) words: must be a list"),
        ([{**ANDT, "words": ["ok", ""]}], r"words: must be a list of non-empty"),
        ([{"name": "x", "to": ["a@b.se"], "question": 5}], r"\(x\) min_level: missing"),
        ([{"name": "x", "to": ["a@b.se"]}], r"\(x\) words: the rule needs 'words' or 'min_level'"),
        ([ANDT, ANDT], r"name: 'ANDT' is used by more than one rule"),
    ],
)
def test_rule_configuration_errors_name_the_key(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rules_from_config(value)


def test_rules_are_checked_against_the_form_when_it_is_given() -> None:
    with pytest.raises(ValueError, match=r"question: the form has no question 9"):
        rules_from_config([{**ANDT, "question": 9}], questions=range(1, 8), levels=range(1, 6))
    with pytest.raises(ValueError, match=r"min_level: must be one of 1, 2, 3, 4, 5, got 6"):
        rules_from_config([{**ANDT, "min_level": 6}], questions=range(1, 8), levels=range(1, 6))


# --------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------


def test_level_rule_fires_at_and_above_the_minimum_on_its_question_only() -> None:
    assert fired(calm(q5=Answer(3, "Cannabis bland unga."))) == []
    assert fired(calm(q5=Answer(4, "Cannabis bland unga."))) == [("ANDT", 5)]
    assert fired(calm(q5=Answer(5, "Cannabis bland unga."))) == [("ANDT", 5)]
    assert fired(calm(q2=Answer(5, "Grov misshandel."))) == [], "another question's level is not ANDT's"
    [match] = match_signals(calm(q5=Answer(4, "Cannabis bland unga.")), RULES)
    assert match.reason == "Fråga 5 har påverkan 4 (regeln gäller från påverkan 4)."
    assert match.excerpt == "Cannabis bland unga."


def test_min_level_without_question_means_any_question() -> None:
    rules = rules_from_config([{"name": "Kritiskt", "to": ["kris@l.example"], "min_level": 5}])
    assert [m.question for m in match_signals(calm(q3=Answer(5, "x"), q6=Answer(5, "y")), rules)] == [3]
    assert match_signals(calm(q3=Answer(5, "x"), q6=Answer(5, "y")), rules)[0].also == (6,)


@pytest.mark.parametrize(
    "comment",
    [
        "Signaler om narkotikahandel vid en pizzeria.",
        "Narkotikahandeln har flyttat till stationen.",
        "NARKOTIKAHANDELNS omfattning är oklar.",
        "Ökad langning av alkohol inför skolavslutningen.",
        "Langningen sker via sociala medier.",
        "Polisen misstänker prostitution på ett hotell.",
        "Gatuprostitution? Nej, men prostitutionen flyttar till nätet.",
        "Misstänkt människohandel med arbetskraft.",
        "Misstankar om manniskohandel (utan prickar).",
        "MÄNNISKOHANDELSBROTT har anmälts.",
        "Sexköp i anslutning till en lägenhet.",
        "Fler anmälningar om sexköp\noch koppleri.",
        "Sexköpare har gripits.",  # a compound that starts with the word
    ],
)
def test_words_match_swedish_inflections_case_and_accents(comment: str) -> None:
    assert fired(calm(q6=Answer(2, comment))), comment


@pytest.mark.parametrize(
    "comment",
    [
        "Narkotikan beslagtogs.",  # "narkotika" is not "narkotikahandel"
        "Handel med narkotika",  # the words in another order are not the word
        "Kvinnohandel",  # not listed
        "Antiprostitutionsarbete",  # the word must start a word
        "Försäljning av alkohol till minderåriga.",
    ],
)
def test_words_must_start_a_word_and_match_whole(comment: str) -> None:
    assert fired(calm(q6=Answer(2, comment))) == [], comment


def test_word_match_reason_and_excerpt_around_the_word() -> None:
    long = ("Lugnt i centrum under större delen av månaden. " * 12 + "Polisen har dock signaler om "
            "narkotikahandel vid resecentrum sena kvällar. " + "Skolorna rapporterar inget särskilt. " * 10)
    [match] = match_signals(calm(q1=Answer(2, long)), RULES)
    assert (match.rule.name, match.question) == ("ANDT", 1)
    assert match.reason == "Kommentaren till fråga 1 nämner ”narkotikahandel”."
    assert "narkotikahandel vid resecentrum" in match.excerpt
    assert len(match.excerpt) <= EXCERPT_CHARS
    assert match.excerpt.startswith("…") and match.excerpt.endswith("…")


def test_one_match_per_rule_naming_the_other_questions() -> None:
    answers = calm(q1=Answer(2, "Narkotikahandel vid torget."), q5=Answer(4, "Cannabis."),
                   q6=Answer(1, "Sexköp har anmälts. Misstänkt människohandel."))
    matches = match_signals(answers, RULES)
    assert [(m.rule.name, m.question, m.also) for m in matches] == [
        ("ANDT", 5, (1,)), ("Människohandel och prostitution", 6, ())]
    assert matches[0].reason == "Fråga 5 har påverkan 4 (regeln gäller från påverkan 4); även fråga 1."
    assert matches[1].reason == "Kommentaren till fråga 6 nämner ”sexköp”, ”människohandel”."  # as written


def test_level_and_word_on_the_same_question_give_both_reasons() -> None:
    [match] = match_signals(calm(q5=Answer(4, "Ökad langning till minderåriga.")), RULES)
    assert match.reason == ("Fråga 5 har påverkan 4 (regeln gäller från påverkan 4); "
                            "kommentaren till fråga 5 nämner ”langning”.")


def test_withheld_answers_never_fire() -> None:
    answers = calm(q5=Answer(5, "Narkotikahandel."), q6=Answer(1, "Prostitution."))
    assert fired(answers, frozenset({5, 6})) == []
    assert fired(answers, frozenset({6})) == [("ANDT", 5)]
    assert fired(answers, frozenset({5})) == [("Människohandel och prostitution", 6)]


def test_an_unanswered_question_does_not_fire_a_level_rule() -> None:
    assert fired(calm(q5=Answer(None, ""))) == []


def test_phrases_of_several_words() -> None:
    rules = rules_from_config([{"name": "Sex", "to": ["a@b.se"], "words": ["köp av sexuell tjänst"]}])
    assert match_signals(calm(q6=Answer(1, "Anmälan om köp av\nsexuell  tjänst.")), rules)
    assert not match_signals(calm(q6=Answer(1, "köp av tjänst")), rules)


def test_find_words_reports_the_whole_inflected_word() -> None:
    text = "Om Narkotikahandeln och människohandel."
    assert [(w, text[s:e]) for w, s, e in find_words(text, ["människohandel", "narkotikahandel"])] == [
        ("narkotikahandel", "Narkotikahandeln"), ("människohandel", "människohandel")]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([s for pool in SAMPLE_COMMENTS.values() for s in pool if s]), min_size=7,
                max_size=7), st.lists(st.integers(1, 3), min_size=6, max_size=6))
def test_calm_sample_comments_fire_only_on_their_words(comments: list[str], levels: list[int]) -> None:
    answers = {n: Answer(levels[n - 1] if n < 7 else None, comments[n - 1]) for n in range(1, 8)}
    expected = any(find_words(c, ["narkotikahandel", "langning"]) for c in comments)
    assert bool(fired(answers)) == expected


def test_excerpt_around_short_text_is_the_text_on_one_line() -> None:
    assert excerpt_around("Rad ett.\nRad  två.") == "Rad ett. Rad två."
    text = "ord " * 200
    cut = excerpt_around(text, 0)
    assert len(cut) <= EXCERPT_CHARS and cut.endswith("…") and not cut.startswith("…")
