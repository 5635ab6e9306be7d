"""`type: checkboxes` — a list of option values: each one of the options; item counts."""

from __future__ import annotations

import pytest

from tests.helpers import codes, compile_yaml, form_yaml, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: categories
          type: checkboxes
          label: What are you worried about?
          required: true
          min_items: 1
          max_items: 3
          options:
            - {value: 'neglect', label: Neglect}
            - {value: 'physical_abuse', label: Physical abuse}
            - {value: 'emotional_abuse', label: Emotional abuse}
            - {value: 'missing', label: Missing from home or care}
        - id: other_languages
          type: checkboxes
          label: Other languages spoken at home
          min_items: 2
          options:
            - {value: 'welsh', label: Welsh}
            - {value: 'polish', label: Polish}
            - {value: 'urdu', label: Urdu}
        - id: missing_episodes
          type: number
          label: How many times has the child gone missing?
          show_if: "'missing' in categories"
        - id: many_concerns
          type: yes_no
          label: More than one concern?
          calculate: categories.length > 1
        """
    )
)


def test_a_referrer_ticks_two_concerns_and_they_are_stored_in_order():
    evaluation = run(FORM, {"categories": ["physical_abuse", "neglect"]})

    assert codes(evaluation) == []
    assert evaluation.answers == {"categories": ["physical_abuse", "neglect"]}
    assert evaluation.derived == {"many_concerns": True}


def test_a_value_that_is_not_an_option_is_refused():
    evaluation = run(FORM, {"categories": ["neglect", "radicalisation"]})

    assert codes(evaluation) == [("categories", "option")]
    assert evaluation.answers == {}


def test_ticking_a_box_twice_counts_once():
    evaluation = run(FORM, {"categories": ["neglect", "neglect"]})

    assert evaluation.answers == {"categories": ["neglect"]}
    assert evaluation.derived == {"many_concerns": False}


def test_more_than_the_maximum_is_refused():
    evaluation = run(FORM, {"categories": ["neglect", "physical_abuse", "emotional_abuse", "missing"]})

    assert codes(evaluation) == [("categories", "max_items")]
    assert "3" in evaluation.errors[0].message


def test_fewer_than_the_minimum_is_refused_once_the_question_is_answered():
    evaluation = run(FORM, {"categories": ["neglect"], "other_languages": ["welsh"]})

    assert codes(evaluation) == [("other_languages", "min_items")]
    assert "2" in evaluation.errors[0].message


def test_an_optional_question_left_empty_has_no_minimum():
    evaluation = run(FORM, {"categories": ["neglect"], "other_languages": []})

    assert codes(evaluation) == []
    assert "other_languages" not in evaluation.answers


def test_an_empty_list_is_unanswered():
    evaluation = run(FORM, {"categories": []})

    assert codes(evaluation) == [("categories", "required")]
    assert evaluation.errors[0].message == "Select at least one option for “What are you worried about?”"


def test_a_single_value_sent_as_text_is_read_as_a_list_of_one():
    evaluation = run(FORM, {"categories": "neglect"})

    assert codes(evaluation) == []
    assert evaluation.answers == {"categories": ["neglect"]}


@pytest.mark.parametrize("sent", [1, True, {"neglect": True}, ["neglect", 2], [None]])
def test_anything_but_a_list_of_values_is_a_type_error(sent):
    assert codes(run(FORM, {"categories": sent})) == [("categories", "type")]


def test_membership_in_the_chosen_values_shows_a_follow_up_question():
    shown = run(FORM, {"categories": ["missing"]})
    hidden = run(FORM, {"categories": ["neglect"]})
    unanswered = run(FORM, {})

    assert "missing_episodes" in shown.visible_fields
    assert "missing_episodes" not in hidden.visible_fields
    assert "missing_episodes" not in unanswered.visible_fields
