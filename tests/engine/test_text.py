"""`type: text` — a single line of text: trimmed, lengths (default at most 500), pattern."""

from __future__ import annotations

from tests.helpers import codes, compile_yaml, form_yaml, problems_of, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: child_forename
          type: text
          label: Child's first name
          required: true
          min_length: 2
          max_length: 20
          messages: {required: Enter the child's first name}
        - id: unique_pupil_number
          type: text
          label: Unique pupil number
          pattern: '[A-HJ-NP-RT-Z][0-9]{12}'
        - id: school_name
          type: text
          label: Name of the school
        """
    )
)


def test_a_name_typed_with_stray_spaces_is_kept_without_them():
    evaluation = run(FORM, {"child_forename": "  Jordan  "})

    assert codes(evaluation) == []
    assert evaluation.answers == {"child_forename": "Jordan"}
    assert evaluation.complete is True


def test_a_referrer_who_leaves_the_name_blank_sees_the_forms_own_message():
    evaluation = run(FORM, {})

    assert codes(evaluation) == [("child_forename", "required")]
    assert evaluation.errors[0].message == "Enter the child's first name"
    assert evaluation.complete is False


def test_an_empty_or_blank_name_counts_as_unanswered():
    for blank in ("", "   ", None):
        evaluation = run(FORM, {"child_forename": blank})
        assert codes(evaluation) == [("child_forename", "required")], blank
        assert "child_forename" not in evaluation.answers


def test_a_name_longer_than_the_form_allows_is_refused():
    evaluation = run(FORM, {"child_forename": "J" * 21})

    assert codes(evaluation) == [("child_forename", "max_length")]
    assert "20" in evaluation.errors[0].message
    assert evaluation.answers == {}


def test_a_name_of_exactly_the_maximum_length_is_accepted():
    evaluation = run(FORM, {"child_forename": "J" * 20})

    assert codes(evaluation) == []
    assert evaluation.answers == {"child_forename": "J" * 20}


def test_a_one_letter_name_is_too_short():
    evaluation = run(FORM, {"child_forename": "J"})

    assert codes(evaluation) == [("child_forename", "min_length")]
    assert "2" in evaluation.errors[0].message


def test_text_without_a_max_length_is_limited_to_500_characters():
    accepted = run(FORM, {"child_forename": "Jo", "school_name": "x" * 500})
    refused = run(FORM, {"child_forename": "Jo", "school_name": "x" * 501})

    assert codes(accepted) == []
    assert codes(refused) == [("school_name", "max_length")]
    assert "500" in refused.errors[0].message


def test_a_unique_pupil_number_in_the_right_form_is_accepted():
    evaluation = run(FORM, {"child_forename": "Jo", "unique_pupil_number": "A123456789012"})

    assert codes(evaluation) == []
    assert evaluation.answers["unique_pupil_number"] == "A123456789012"


def test_a_unique_pupil_number_must_match_the_whole_pattern_not_just_its_start():
    for wrong in ("A1234567890123", "I123456789012", "a123456789012", "A12345678901"):
        evaluation = run(FORM, {"child_forename": "Jo", "unique_pupil_number": wrong})
        assert codes(evaluation) == [("unique_pupil_number", "pattern")], wrong
        assert "unique_pupil_number" not in evaluation.answers


def test_a_number_sent_for_a_text_question_is_a_type_error():
    evaluation = run(FORM, {"child_forename": 42})

    assert codes(evaluation) == [("child_forename", "type")]
    assert "Child's first name" in evaluation.errors[0].message


def test_text_with_a_nul_character_is_refused():
    evaluation = run(FORM, {"child_forename": "Jo\x00rdan"})

    assert codes(evaluation) == [("child_forename", "type")]


def test_an_author_cannot_give_a_text_field_a_list_constraint():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                """
                - id: child_forename
                  type: text
                  label: Child's first name
                  max_items: 3
                """
            )
        }
    )

    assert len(problems) == 1
    assert " DEF007 " in problems[0]
    assert problems[0].startswith("forms/f.yaml:")
