"""`type: yes_no` — `true` / `false`. `false` is an answer, not an empty one."""

from __future__ import annotations

import pytest

from tests.helpers import codes, compile_yaml, form_yaml, problems_of, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: immediate_danger
          type: yes_no
          label: Is the child in immediate danger?
          required: true
        - id: phoned_front_door
          type: yes_no
          label: Have you phoned the Front Door?
          show_if: immediate_danger == true
          required: true
        """
    )
)


def test_no_is_a_real_answer_to_a_required_question():
    evaluation = run(FORM, {"immediate_danger": False})

    assert codes(evaluation) == []
    assert evaluation.answers == {"immediate_danger": False}
    assert evaluation.complete is True


def test_yes_opens_the_follow_up_question():
    evaluation = run(FORM, {"immediate_danger": True})

    assert evaluation.visible_fields == ["immediate_danger", "phoned_front_door"]
    assert codes(evaluation) == [("phoned_front_door", "required")]
    assert evaluation.errors[0].message == "Select yes or no for “Have you phoned the Front Door?”"


@pytest.mark.parametrize(("sent", "stored"), [("yes", True), ("No", False), (" true ", True), ("FALSE", False)])
def test_yes_and_no_written_as_words_are_read_as_booleans(sent, stored):
    evaluation = run(FORM, {"immediate_danger": sent})

    assert evaluation.answers["immediate_danger"] is stored


@pytest.mark.parametrize("sent", ["maybe", "y", 1, 0, [True], {"answer": True}])
def test_anything_else_is_a_type_error(sent):
    evaluation = run(FORM, {"immediate_danger": sent})

    assert codes(evaluation) == [("immediate_danger", "type")]
    assert evaluation.answers == {}


def test_an_unanswered_yes_no_question_is_required():
    evaluation = run(FORM, {})

    assert codes(evaluation) == [("immediate_danger", "required")]
    assert evaluation.visible_fields == ["immediate_danger"]


def test_an_author_who_writes_yes_instead_of_true_is_told_to_write_true():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                """
                - id: immediate_danger
                  type: yes_no
                  label: Is the child in immediate danger?
                  required: yes
                """
            )
        }
    )

    assert len(problems) == 1
    assert " YAML003 " in problems[0]
    assert "true/false" in problems[0]
