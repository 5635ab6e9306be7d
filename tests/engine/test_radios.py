"""`type: radios` — the chosen option's `value`, one of the options (inline or shared)."""

from __future__ import annotations

import pytest

from tests.helpers import codes, compile_yaml, form_yaml, problems_of, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: request_type
          type: radios
          label: What are you asking for?
          required: true
          options:
            - {value: 'early_help', label: 'Early help'}
            - {value: 'child_in_need_assessment', label: 'A child in need assessment'}
            - {value: 'child_protection', label: 'A child protection response', hint: 'Section 47.'}
        - id: relationship
          type: radios
          label: Your relationship to the child
          options: relationships
        - id: child_protection_note
          type: content
          show_if: request_type == 'child_protection'
          text: Phone the Front Door now.
        """
    ),
    **{
        "options/relationships.yaml": """\
            kind: options
            id: relationships
            version: 1
            title: Relationships
            options:
              - {value: 'teacher', label: Teacher}
              - {value: 'gp', label: GP}
            """
    },
)


@pytest.mark.parametrize("value", ["early_help", "child_in_need_assessment", "child_protection"])
def test_each_option_is_accepted(value):
    evaluation = run(FORM, {"request_type": value})

    assert codes(evaluation) == []
    assert evaluation.answers == {"request_type": value}


def test_a_value_that_is_not_an_option_is_refused():
    evaluation = run(FORM, {"request_type": "section_47"})

    assert codes(evaluation) == [("request_type", "option")]
    assert evaluation.errors[0].message == "Select one of the listed options for “What are you asking for?”"
    assert evaluation.answers == {}


def test_the_label_is_not_the_value():
    assert codes(run(FORM, {"request_type": "Early help"})) == [("request_type", "option")]


def test_values_are_case_sensitive_and_not_trimmed():
    assert codes(run(FORM, {"request_type": "Early_Help"})) == [("request_type", "option")]
    assert codes(run(FORM, {"request_type": "early_help "})) == [("request_type", "option")]


@pytest.mark.parametrize("sent", [1, True, ["early_help"], {"value": "early_help"}])
def test_a_radios_answer_that_is_not_text_is_a_type_error(sent):
    assert codes(run(FORM, {"request_type": sent})) == [("request_type", "type")]


def test_a_shared_option_list_supplies_the_options():
    assert codes(run(FORM, {"request_type": "early_help", "relationship": "gp"})) == []
    assert codes(run(FORM, {"request_type": "early_help", "relationship": "neighbour"})) == [("relationship", "option")]
    assert [o.value for o in FORM.form.sections[0].fields[1].options] == ["teacher", "gp"]


def test_choosing_child_protection_shows_the_guidance():
    evaluation = run(FORM, {"request_type": "child_protection"})

    assert evaluation.visible_fields == ["request_type", "relationship", "child_protection_note"]


def test_an_unquoted_no_as_an_option_value_is_a_yaml_surprise():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                """
                - id: answer
                  type: radios
                  label: Answer
                  options:
                    - {value: yes, label: Yes}
                """
            )
        }
    )

    assert any(" YAML003 " in p for p in problems), problems


def test_an_option_listed_twice_is_a_duplicate_id():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                """
                - id: answer
                  type: radios
                  label: Answer
                  options:
                    - {value: 'a', label: A}
                    - {value: 'a', label: Also A}
                """
            )
        }
    )

    assert len(problems) == 1
    assert " REF001 " in problems[0]


def test_radios_without_options_are_refused():
    problems = problems_of({"forms/f.yaml": form_yaml("- {id: answer, type: radios, label: Answer}")})

    assert len(problems) == 1
    assert " DEF001 " in problems[0]
