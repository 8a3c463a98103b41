"""Reading impact values: the examples from the form's life, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.form import default_form
from parsers.impact import ImpactStatus, read_impact

SCALE = default_form().scale
LEVELS = {1: "Normalt", 2: "Avvikande", 3: "Oroande", 4: "Allvarligt", 5: "Kritiskt"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3), ("3 (Oroande)", 3), ("3 - Oroande", 3), ("4 – Allvarligt", 4), ("Oroande", 3),
        ("oroande (3)", 3), ("3/5", 3), ("3 av 5", 3), ("3.", 3), ("1-5: 4", 4), ("(1-5): 2", 2),
        ("1 - 5: 5", 5), (": 2", 2), ("Allvarlig", 4), ("kritisk", 5), ("normalt", 1), ("tre", 3),
        ("☐1 ☐2 ☒3 ☐4 ☐5", 3), ("1 [ ] 2 [X] 3 [ ] 4 [ ] 5 [ ]", 2), ("1☐ 2☐ 3☐ 4☒ 5☐", 4),
        ("☐ Normalt ☒ Avvikande ☐ Oroande ☐ Allvarligt ☐ Kritiskt", 2), ("2.0", 2), ("Kritiskt läge", 5),
    ],
)
def test_clear_values_are_read_without_doubt(text: str, value: int) -> None:
    reading = read_impact(text, SCALE)
    assert (reading.value, reading.status) == (value, ImpactStatus.OK)


@pytest.mark.parametrize("text", ["", "1-5", "1 – 5", "(1-5)", "Välj ett objekt.", "-", "?", "☐1 ☐2 ☐3 ☐4 ☐5"])
def test_untouched_or_empty_is_blank(text: str) -> None:
    reading = read_impact(text, SCALE)
    assert reading.value is None
    assert reading.status is ImpactStatus.BLANK


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("7", ImpactStatus.INVALID), ("0", ImpactStatus.INVALID), ("2,5", ImpactStatus.INVALID),
        ("hög", ImpactStatus.INVALID), ("låg", ImpactStatus.INVALID), ("medel", ImpactStatus.INVALID),
        ("3-4", ImpactStatus.AMBIGUOUS), ("3 eller 4", ImpactStatus.AMBIGUOUS), ("3/4", ImpactStatus.AMBIGUOUS),
        ("☒1 ☐2 ☒3 ☐4 ☐5", ImpactStatus.AMBIGUOUS), ("2 (Allvarligt)", ImpactStatus.CONTRADICTION),
    ],
)
def test_invalid_values_are_null_and_say_why(text: str, status: ImpactStatus) -> None:
    reading = read_impact(text, SCALE)
    assert reading.value is None
    assert reading.status is status
    assert reading.message  # a reason the coordinator can read


@pytest.mark.parametrize(("text", "value"), [("Orande", 3), ("Alvarligt", 4), ("ca 3", 3), ("ungefär 2", 2)])
def test_unsure_values_are_kept_and_flagged(text: str, value: int) -> None:
    reading = read_impact(text, SCALE)
    assert (reading.value, reading.status) == (value, ImpactStatus.UNCERTAIN)
    assert "kontrollera" in reading.message


def test_text_after_a_clear_value_is_returned_as_rest() -> None:
    reading = read_impact("3 Flera inbrott i centrum", SCALE)
    assert (reading.value, reading.rest) == (3, "Flera inbrott i centrum")


@given(st.integers(min_value=1, max_value=5), st.sampled_from(["", " ", ".", " (x)", " - x"]),
       st.sampled_from(["", "1-5: ", "1 - 5: ", ": ", "(1-5) "]))
def test_any_scale_value_with_template_noise_reads_back(value: int, suffix: str, prefix: str) -> None:
    text = f"{prefix}{value}{suffix.replace('x', LEVELS[value])}"
    reading = read_impact(text, SCALE)
    assert reading.value == value
    assert reading.status is ImpactStatus.OK


@given(st.integers().filter(lambda n: not 1 <= n <= 5))
def test_numbers_off_the_scale_are_never_accepted(number: int) -> None:
    reading = read_impact(str(number), SCALE)
    assert reading.value is None
    assert reading.status in (ImpactStatus.INVALID, ImpactStatus.BLANK, ImpactStatus.AMBIGUOUS)


@given(st.text(max_size=40))
def test_never_raises_and_value_is_on_the_scale_or_flagged(text: str) -> None:
    reading = read_impact(text, SCALE)
    if reading.value is not None:
        assert 1 <= reading.value <= 5
        assert reading.status in (ImpactStatus.OK, ImpactStatus.UNCERTAIN)
    else:
        assert reading.status is not ImpactStatus.OK


@given(st.integers(1, 5), st.integers(1, 5))
def test_number_and_word_that_disagree_are_refused(number: int, word_value: int) -> None:
    reading = read_impact(f"{number} ({LEVELS[word_value]})", SCALE)
    if number == word_value:
        assert reading.value == number
    else:
        assert reading.value is None
        assert reading.status is ImpactStatus.CONTRADICTION


@pytest.mark.parametrize(
    ("text", "value"),
    [("(1 = Normalt … 5 = Kritiskt): 3", 3), ("1=Normalt, 2=Avvikande, 3=Oroande, 4=Allvarligt, 5=Kritiskt: 4", 4),
     ("(1=normalt, 5=kritiskt) 2", 2)],
)
def test_a_printed_legend_of_the_scale_is_not_the_answer(text: str, value: int) -> None:
    assert read_impact(text, SCALE).value == value


def test_a_legend_alone_is_blank() -> None:
    assert read_impact("(1=Normalt, 5=Kritiskt)", SCALE).status is ImpactStatus.BLANK


@pytest.mark.parametrize("text", ["Normalt/Avvikande", "Avvikande, nästan oroande", "1 2 3 4 5"])
def test_several_levels_are_ambiguous(text: str) -> None:
    reading = read_impact(text, SCALE)
    assert reading.value is None
    assert reading.status is ImpactStatus.AMBIGUOUS


def test_the_range_label_before_a_box_row_is_not_the_first_box() -> None:
    """ "Påverkan 1-5: ☐ 1 ☐ 2 ☐ 3 ☒ 4 ☐ 5": each box is labelled by the value after it."""
    from parsers.form import default_form

    scale = default_form().scale
    assert read_impact("1-5: ☐ 1  ☐ 2  ☐ 3  ☒ 4  ☐ 5", scale).value == 4
    assert read_impact("(1-5) ☐ Normalt ☒ Avvikande ☐ Oroande ☐ Allvarligt ☐ Kritiskt", scale).value == 2


def test_wingdings_boxes_that_lost_their_font_are_read() -> None:
    """A Word check box in Wingdings, converted to .odt: U+F0A8 empty, U+F0FD ticked."""
    from parsers.form import default_form

    assert read_impact("\uf0a8 1 \uf0a8 2 \uf0fd 3 \uf0a8 4 \uf0a8 5", default_form().scale).value == 3
