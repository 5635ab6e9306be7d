"""`type: select` — like radios (a drop-down for long lists): one of the options."""

from __future__ import annotations

from tests.helpers import codes, compile_yaml, form_yaml, problems_of, run

AGENCY_TYPES = """\
    kind: options
    id: agency-types
    version: 1
    title: Agency types
    options:
      - {value: 'school', label: School, code: 2A}
      - {value: 'gp', label: GP, code: 3A}
      - {value: 'police', label: Police, code: 5A}
    """

FORM = compile_yaml(
    form_yaml(
        """
        - id: agency_type
          type: select
          label: Which kind of agency do you work for?
          required: true
          options: agency-types
        - id: school_name
          type: text
          label: Which school?
          show_if: agency_type == 'school'
          required: true
        """
    ),
    **{"options/agency-types.yaml": AGENCY_TYPES},
)


def test_a_teacher_chooses_school_from_the_shared_list():
    evaluation = run(FORM, {"agency_type": "school", "school_name": "Greenfield Primary"})

    assert codes(evaluation) == []
    assert evaluation.answers == {"agency_type": "school", "school_name": "Greenfield Primary"}


def test_an_agency_type_not_on_the_list_is_refused():
    evaluation = run(FORM, {"agency_type": "nursery"})

    assert codes(evaluation) == [("agency_type", "option")]
    assert evaluation.visible_fields == ["agency_type"]


def test_no_choice_when_one_is_required():
    evaluation = run(FORM, {"agency_type": ""})

    assert codes(evaluation) == [("agency_type", "required")]
    assert evaluation.errors[0].message == "Select an answer to “Which kind of agency do you work for?”"


def test_a_list_of_choices_is_a_type_error_for_a_single_choice():
    assert codes(run(FORM, {"agency_type": ["school", "gp"]})) == [("agency_type", "type")]


def test_the_shared_list_keeps_its_codes():
    (field, _) = FORM.form.sections[0].fields
    assert [(o.value, o.code) for o in field.options] == [("school", "2A"), ("gp", "3A"), ("police", "5A")]


def test_a_select_naming_a_list_that_does_not_exist_is_reported():
    problems = problems_of(
        {"forms/f.yaml": form_yaml("- {id: agency_type, type: select, label: A, options: agency-typs}")}
    )

    assert len(problems) == 1
    assert " REF004 " in problems[0]
    assert "agency-typs" in problems[0]


def test_comparing_a_select_with_a_value_that_is_not_an_option_is_caught_when_loading():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                """
                - {id: agency_type, type: select, label: Agency, options: agency-types}
                - {id: school_name, type: text, label: School, show_if: "agency_type == 'schol'"}
                """
            ),
            "options/agency-types.yaml": AGENCY_TYPES,
        }
    )

    assert len(problems) == 1
    assert " EXP005 " in problems[0]
    assert "'schol'" in problems[0]
