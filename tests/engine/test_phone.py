"""`type: phone` — a UK phone number: 10 or 11 digits, `+44` accepted."""

from __future__ import annotations

import pytest

from tests.helpers import codes, compile_yaml, form_yaml, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: referrer_phone
          type: phone
          label: Your phone number
          required: true
        """
    )
)


@pytest.mark.parametrize(
    "number",
    [
        "020 7946 0958",
        "02079460958",
        "07700 900123",
        "+44 7700 900123",
        "+447700900123",
        "+44 (0)20 7946 0958",
        "+44 20 7946 0958",
        "(020) 7946-0958",
        "01632 960 001",
        "0161 496 0000",
    ],
)
def test_a_social_worker_can_give_a_uk_number_in_any_usual_form(number):
    evaluation = run(FORM, {"referrer_phone": number})

    assert codes(evaluation) == []
    assert evaluation.answers == {"referrer_phone": number}


def test_the_number_is_kept_as_written_apart_from_surrounding_spaces():
    evaluation = run(FORM, {"referrer_phone": "  +44 7700 900123 "})

    assert evaluation.answers == {"referrer_phone": "+44 7700 900123"}


@pytest.mark.parametrize(
    "number",
    [
        "12345",
        "7700 900123",  # no leading 0
        "077009001234",  # 12 digits
        "0770090",  # too short
        "+33 1 23 45 67 89",  # France
        "0770O 900123",  # a letter O, not a zero
        "call the office",
    ],
)
def test_a_number_that_is_not_a_uk_phone_number_is_refused(number):
    evaluation = run(FORM, {"referrer_phone": number})

    assert codes(evaluation) == [("referrer_phone", "pattern")]
    assert "UK phone number" in evaluation.errors[0].message
    assert evaluation.answers == {}


def test_a_phone_number_sent_as_a_json_number_is_a_type_error():
    assert codes(run(FORM, {"referrer_phone": 7700900123})) == [("referrer_phone", "type")]


def test_no_phone_number_when_one_is_required():
    assert codes(run(FORM, {})) == [("referrer_phone", "required")]
