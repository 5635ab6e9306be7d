"""`type: nhs_number` — ten digits with a valid modulus-11 check digit, stored without spaces."""

from __future__ import annotations

import pytest

from tests.helpers import codes, compile_yaml, form_yaml, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: nhs_number
          type: nhs_number
          label: The child's NHS number
        """
    )
)


def test_a_health_visitor_who_gives_a_real_nhs_number_with_spaces_has_it_stored_as_ten_digits():
    evaluation = run(FORM, {"nhs_number": "943 476 5919"})

    assert codes(evaluation) == []
    assert evaluation.answers == {"nhs_number": "9434765919"}


@pytest.mark.parametrize("typed", ["9434765919", "943-476-5919", " 943 476 5919 ", "4010232137"])
def test_valid_nhs_numbers_are_accepted_however_they_are_spaced(typed):
    evaluation = run(FORM, {"nhs_number": typed})

    assert codes(evaluation) == []
    assert evaluation.answers["nhs_number"] == typed.strip().replace(" ", "").replace("-", "")


def test_a_teacher_who_gives_a_made_up_nhs_number_is_told_it_is_wrong():
    evaluation = run(FORM, {"nhs_number": "9434765918"})

    assert codes(evaluation) == [("nhs_number", "pattern")]
    assert "NHS number" in evaluation.errors[0].message
    assert evaluation.answers == {}


@pytest.mark.parametrize(
    "typed",
    [
        "943476591",  # nine digits
        "94347659190",  # eleven digits
        "943 476 591X",
        "0000000001",  # wrong check digit
        "1000000010",  # the check digit would be 10: never a valid number
    ],
)
def test_numbers_of_the_wrong_length_or_check_digit_are_refused(typed):
    assert codes(run(FORM, {"nhs_number": typed})) == [("nhs_number", "pattern")]


def test_an_nhs_number_sent_as_a_json_number_is_a_type_error():
    assert codes(run(FORM, {"nhs_number": 9434765919})) == [("nhs_number", "type")]


def test_an_nhs_number_written_in_other_script_digits_is_not_stored_as_such():
    # "٩٤٣٤٧٦٥٩١٩" is 9434765919 in Arabic-Indic digits. The answer must be "a string of
    # 10 digits" that other systems can match: either refuse it or store ASCII digits.
    evaluation = run(FORM, {"nhs_number": "٩٤٣٤٧٦٥٩١٩"})

    stored = evaluation.answers.get("nhs_number")
    if stored is None:
        assert codes(evaluation) == [("nhs_number", "pattern")]
    else:
        assert stored == "9434765919"
