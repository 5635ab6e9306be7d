"""`required`, `required_if`; an empty string, blank text or empty list counts as unanswered."""

from __future__ import annotations

import pytest

from tests.helpers import codes, compile_yaml, form_yaml, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: referrer_name
          type: text
          label: Your name
          required: true
        - id: parents_informed
          type: yes_no
          label: Have you told the parents?
          required: true
        - id: not_informed_detail
          type: textarea
          label: Why have you not told them?
          required_if: parents_informed == false
        - id: categories
          type: checkboxes
          label: Categories
          required: true
          options:
            - {value: 'neglect', label: Neglect}
        - id: optional_note
          type: text
          label: Anything else?
          required: false
        - id: age
          type: number
          label: Age
          required_if: categories.length > 5
        """
    )
)

COMPLETE = {"referrer_name": "Ms Patel", "parents_informed": True, "categories": ["neglect"]}


def test_a_complete_referral_has_no_errors():
    evaluation = run(FORM, COMPLETE)

    assert codes(evaluation) == []
    assert evaluation.complete is True


def test_every_unanswered_required_question_is_reported_in_form_order():
    evaluation = run(FORM, {})

    assert codes(evaluation) == [
        ("referrer_name", "required"),
        ("parents_informed", "required"),
        ("categories", "required"),
    ]
    assert evaluation.errors[0].message == "Enter an answer to “Your name”"


@pytest.mark.parametrize("blank", ["", "   ", "\n\t", None, [], {}])
def test_an_empty_answer_counts_as_unanswered(blank):
    evaluation = run(FORM, {**COMPLETE, "referrer_name": blank})

    assert codes(evaluation) == [("referrer_name", "required")]


def test_required_if_applies_only_when_its_condition_holds():
    told = run(FORM, COMPLETE)
    not_told = run(FORM, {**COMPLETE, "parents_informed": False})
    explained = run(FORM, {**COMPLETE, "parents_informed": False, "not_informed_detail": "Risk to the child."})

    assert codes(told) == []
    assert codes(not_told) == [("not_informed_detail", "required")]
    assert codes(explained) == []


def test_required_if_on_an_unanswered_question_is_not_triggered():
    # parents_informed is unanswered: `parents_informed == false` is false, so only the required error shows.
    evaluation = run(FORM, {"referrer_name": "Ms Patel", "categories": ["neglect"]})

    assert codes(evaluation) == [("parents_informed", "required")]


def test_required_if_with_an_ordering_test_on_null_is_false_not_an_error():
    evaluation = run(FORM, {**COMPLETE, "categories": []})

    assert codes(evaluation) == [("categories", "required")]


def test_an_invalid_answer_is_reported_once_as_invalid_not_also_as_missing():
    evaluation = run(FORM, {**COMPLETE, "referrer_name": 12})

    assert codes(evaluation) == [("referrer_name", "type")]


def test_required_false_is_the_same_as_leaving_it_out():
    assert codes(run(FORM, COMPLETE)) == []
    assert "optional_note" not in run(FORM, COMPLETE).answers


def test_a_calculated_field_is_never_required():
    form = compile_yaml(
        form_yaml(
            """
            - {id: dob, type: date, label: Date of birth}
            - {id: age, type: number, label: Age, calculate: $age(dob), required: true}
            """
        )
    )

    assert codes(run(form, {})) == []


def test_required_if_can_read_a_field_later_in_the_form():
    form = compile_yaml(
        form_yaml(
            """
            - {id: school, type: text, label: School, required_if: child_age >= 5}
            - {id: child_age, type: number, label: Age}
            """
        )
    )

    assert codes(run(form, {"child_age": 7})) == [("school", "required")]
    assert codes(run(form, {"child_age": 3})) == []


def test_required_if_must_be_a_condition():
    from tests.helpers import problems_of

    problems = problems_of({"forms/f.yaml": form_yaml("- {id: age, type: number, label: Age, required_if: age + 1}")})

    assert len(problems) == 1
    assert " EXP003 " in problems[0]


@pytest.mark.parametrize(("label", "shown"), [
    ("Date of birth (dd_mm_yyyy)", "Date of birth (dd_mm_yyyy)"),
    ("Number of children aged > 5", "Number of children aged > 5"),
    ("Hours * days worked", "Hours * days worked"),
    ("Has the child been *seen* today?", "Has the child been seen today?"),
    ("Read the [threshold guidance](https://example.org/t) first", "Read the threshold guidance first"),
])
def test_an_error_message_names_the_question_as_the_page_shows_it(label, shown):
    """Stars, underscores and `>` in a label reach the message unless they are Markdown marks."""
    form = compile_yaml(form_yaml(f"""
        - id: q
          type: text
          label: {label!r}
          required: true
        """))
    [error] = run(form, {}).errors
    assert error.message == f"Enter an answer to “{shown}”"
