"""`type: number` — a JSON number (or a numeric string): `min`, `max`, `integer`."""

from __future__ import annotations

import pytest

from tests.helpers import codes, compile_yaml, form_yaml, problems_of, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: children_in_household
          type: number
          label: How many children live in the household?
          integer: true
          min: 0
          max: 20
        - id: weight_kg
          type: number
          label: The child's weight in kilograms
          min: 0.5
          max: 150
        - id: over_forty_kg
          type: yes_no
          label: Over 40 kg?
          calculate: weight_kg > 40
        """
    )
)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [(3, 3), (0, 0), (20, 20), ("3", 3), (" 4 ", 4), (3.0, 3), ("5.0", 5)],
)
def test_a_whole_number_of_children_is_accepted_as_a_number_or_numeric_text(sent, stored):
    evaluation = run(FORM, {"children_in_household": sent})

    assert codes(evaluation) == []
    assert evaluation.answers == {"children_in_household": stored}
    assert type(evaluation.answers["children_in_household"]) is int


def test_half_a_child_is_not_a_whole_number():
    for sent in (2.5, "2.5"):
        evaluation = run(FORM, {"children_in_household": sent})
        assert codes(evaluation) == [("children_in_household", "type")]
        assert "whole number" in evaluation.errors[0].message


def test_minimum_and_maximum_are_inclusive():
    assert codes(run(FORM, {"weight_kg": 0.5})) == []
    assert codes(run(FORM, {"weight_kg": 150})) == []
    assert codes(run(FORM, {"weight_kg": 0.4})) == [("weight_kg", "min")]
    assert codes(run(FORM, {"weight_kg": 150.01})) == [("weight_kg", "max")]


def test_a_negative_number_of_children_is_below_the_minimum():
    evaluation = run(FORM, {"children_in_household": -1})

    assert codes(evaluation) == [("children_in_household", "min")]
    assert "0 or more" in evaluation.errors[0].message


def test_twenty_one_children_is_above_the_maximum():
    evaluation = run(FORM, {"children_in_household": 21})

    assert codes(evaluation) == [("children_in_household", "max")]
    assert "20 or less" in evaluation.errors[0].message


def test_a_decimal_weight_is_kept_as_a_decimal():
    evaluation = run(FORM, {"weight_kg": "12.75"})

    assert evaluation.answers == {"weight_kg": 12.75}


@pytest.mark.parametrize("sent", ["three", "1e3", "3,000", "", True, False, [3], {"value": 3}, "0x10", "nan"])
def test_things_that_are_not_numbers_are_refused_or_unanswered(sent):
    evaluation = run(FORM, {"children_in_household": sent})

    if sent == "":
        assert codes(evaluation) == []  # an empty string is unanswered
    else:
        assert codes(evaluation) == [("children_in_household", "type")]
    assert evaluation.answers == {}


def test_special_float_values_are_not_numbers():
    for sent in (float("nan"), float("inf"), float("-inf")):
        assert codes(run(FORM, {"weight_kg": sent})) == [("weight_kg", "type")]


def test_an_expression_compares_a_number_given_as_text_as_a_number():
    evaluation = run(FORM, {"weight_kg": "41"})

    assert evaluation.derived == {"over_forty_kg": True}


def test_a_number_field_bound_must_itself_be_a_number():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                """
                - id: age
                  type: number
                  label: Age
                  max: eighteen
                """
            )
        }
    )

    assert len(problems) == 1
    assert " DEF002 " in problems[0]


def test_a_minimum_above_the_maximum_is_inconsistent():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                """
                - id: age
                  type: number
                  label: Age
                  min: 18
                  max: 0
                """
            )
        }
    )

    assert len(problems) == 1
    assert " DEF009 " in problems[0]
