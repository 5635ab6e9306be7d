"""`type: repeat` — a list of items keyed by sub-field id; each item checked; item counts.

Inside a repeat a bare name means the item's own field first, then the form's top-level field.
"""

from __future__ import annotations

from tests.helpers import codes, compile_yaml, form_yaml, problems_of, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: unborn
          type: yes_no
          label: Is this referral only about an unborn baby?
        - id: school_holidays
          type: yes_no
          label: Is it the school holidays?
        - id: children
          type: repeat
          label: The children
          item_label: child
          required: true
          max_items: 3
          fields:
            - {id: name, type: text, label: Name, required: true}
            - {id: unborn, type: yes_no, label: 'Unborn?', required: true}
            - id: dob
              type: date
              label: Date of birth
              show_if: unborn == false
              required: true
              max: today
            - id: age
              type: number
              label: Age
              show_if: unborn == false
              calculate: $age(dob)
            - id: school
              type: text
              label: School or setting
              show_if: unborn == false and school_holidays != true
              required_if: age >= 5
        - id: household_members
          type: repeat
          label: Adults in the household
          item_label: household member
          min_items: 2
          fields:
            - {id: member_name, type: text, label: Name}
        """
    )
)

JORDAN = {"name": "Jordan", "unborn": False, "dob": "2018-04-02", "school": "Greenfield Primary"}
BABY = {"name": "Baby Morgan", "unborn": True}
ADULTS = [{"member_name": "Sam"}, {"member_name": "Alex"}]


def test_a_referral_about_two_children_is_complete_and_each_childs_age_is_worked_out():
    evaluation = run(
        FORM,
        {
            "children": [JORDAN, {**JORDAN, "name": "Kai", "dob": "2024-01-10", "school": ""}],
            "household_members": ADULTS,
        },
    )

    assert codes(evaluation) == []
    assert evaluation.derived == {"children[0].age": 8, "children[1].age": 2}
    assert evaluation.answers["children"] == [JORDAN, {"name": "Kai", "unborn": False, "dob": "2024-01-10"}]


def test_a_show_if_inside_an_item_reads_that_items_own_answer_before_the_top_level_one():
    # The top-level `unborn` says yes; the item's own `unborn` says no: the item wins.
    evaluation = run(FORM, {"unborn": True, "children": [JORDAN], "household_members": ADULTS})

    assert "children[0].dob" in evaluation.visible_fields
    assert evaluation.answers["children"][0]["dob"] == "2018-04-02"


def test_a_bare_name_that_is_not_an_item_field_resolves_to_the_top_level_field():
    evaluation = run(FORM, {"school_holidays": True, "children": [JORDAN], "household_members": ADULTS})

    assert "children[0].school" not in evaluation.visible_fields
    assert "school" not in evaluation.answers["children"][0]


def test_an_unborn_baby_is_not_asked_for_a_date_of_birth_and_one_given_is_dropped():
    evaluation = run(FORM, {"children": [{**BABY, "dob": "2020-01-01"}], "household_members": ADULTS})

    assert codes(evaluation) == []
    assert evaluation.answers["children"] == [{"name": "Baby Morgan", "unborn": True}]
    assert evaluation.visible_fields == [
        "unborn",
        "school_holidays",
        "children",
        "children[0].name",
        "children[0].unborn",
        "household_members",
        "household_members[0].member_name",
        "household_members[1].member_name",
    ]


def test_errors_inside_items_name_the_item_by_its_index():
    evaluation = run(FORM, {"children": [JORDAN, {"unborn": False, "dob": "2030-01-01"}], "household_members": ADULTS})

    assert codes(evaluation) == [("children[1].name", "required"), ("children[1].dob", "max")]


def test_required_if_inside_an_item_reads_the_items_calculated_age():
    evaluation = run(FORM, {"children": [{**JORDAN, "school": None}], "household_members": ADULTS})

    assert codes(evaluation) == [("children[0].school", "required")]


def test_visible_fields_list_every_items_paths_after_the_repeat_in_form_order():
    evaluation = run(FORM, {"children": [BABY, JORDAN], "household_members": ADULTS})

    assert evaluation.visible_fields == [
        "unborn",
        "school_holidays",
        "children",
        "children[0].name",
        "children[0].unborn",
        "children[1].name",
        "children[1].unborn",
        "children[1].dob",
        "children[1].age",
        "children[1].school",
        "household_members",
        "household_members[0].member_name",
        "household_members[1].member_name",
    ]


def test_a_required_repeat_with_no_items_asks_for_an_item_by_its_name():
    evaluation = run(FORM, {"children": [], "household_members": ADULTS})

    assert codes(evaluation) == [("children", "required")]
    assert evaluation.errors[0].message == "Add at least one child"


def test_more_items_than_the_maximum_is_an_error_and_only_the_maximum_are_kept():
    evaluation = run(FORM, {"children": [BABY, BABY, BABY, BABY], "household_members": ADULTS})

    assert codes(evaluation) == [("children", "max_items")]
    assert len(evaluation.answers["children"]) == 3


def test_fewer_items_than_the_minimum_is_an_error():
    evaluation = run(FORM, {"children": [BABY], "household_members": [{"member_name": "Sam"}]})

    assert codes(evaluation) == [("household_members", "min_items")]
    assert "2" in evaluation.errors[0].message


def test_a_minimum_of_items_means_an_empty_list_is_not_enough():
    evaluation = run(FORM, {"children": [BABY]})

    assert codes(evaluation) == [("household_members", "min_items")]


def test_an_item_that_is_not_an_object_is_a_type_error_at_its_index():
    evaluation = run(FORM, {"children": [BABY, "Jordan"], "household_members": ADULTS})

    assert ("children[1]", "type") in codes(evaluation)
    assert all(field.startswith("children[1]") for field, _ in codes(evaluation))
    assert evaluation.complete is False


def test_a_repeat_answer_that_is_not_a_list_is_a_type_error():
    evaluation = run(FORM, {"children": {"name": "Jordan"}, "household_members": ADULTS})

    assert codes(evaluation) == [("children", "type")]
    assert "children" not in evaluation.answers


def test_expressions_read_items_by_index_and_count_them():
    form = compile_yaml(
        form_yaml(
            """
            - id: household_members
              type: repeat
              label: Household
              fields:
                - {id: member_name, type: text, label: Name}
            - id: first_member
              type: text
              label: First member
              calculate: household_members[0].member_name
            - id: members
              type: number
              label: How many
              calculate: household_members.length
            - id: third_member_named
              type: yes_no
              label: Third named?
              calculate: household_members[2].member_name != null
            """
        )
    )

    evaluation = run(form, {"household_members": ADULTS})

    assert evaluation.derived == {"first_member": "Sam", "members": 2, "third_member_named": False}


def test_sub_field_ids_are_unique_within_their_repeat():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                """
                - id: children
                  type: repeat
                  label: Children
                  fields:
                    - {id: name, type: text, label: Name}
                    - {id: name, type: text, label: Also name}
                """
            )
        }
    )

    assert len(problems) == 1
    assert " REF001 " in problems[0]


def test_a_repeat_cannot_contain_a_repeat():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                """
                - id: children
                  type: repeat
                  label: Children
                  fields:
                    - id: siblings
                      type: repeat
                      label: Siblings
                      fields:
                        - {id: name, type: text, label: Name}
                """
            )
        }
    )

    assert len(problems) == 1
    assert " DEF007 " in problems[0]


def test_a_top_level_expression_cannot_read_a_sub_field_by_its_bare_name():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                """
                - id: children
                  type: repeat
                  label: Children
                  fields:
                    - {id: name, type: text, label: Name}
                - {id: note, type: text, label: Note, show_if: "name == 'Jordan'"}
                """
            )
        }
    )

    assert len(problems) == 1
    assert " EXP002 " in problems[0]
