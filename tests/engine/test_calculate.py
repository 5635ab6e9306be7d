"""`calculate`: derived, read-only fields. Values appear under `derived`; they are not answers."""

from __future__ import annotations

from tests.helpers import codes, compile_yaml, form_yaml, problems_of, run

FORM = compile_yaml(
    form_yaml(
        """
        - {id: child_forename, type: text, label: First name}
        - {id: child_surname, type: text, label: Surname}
        - {id: child_dob, type: date, label: Date of birth}
        - id: child_full_name
          type: text
          label: Full name
          calculate: child_forename + ' ' + child_surname
        - id: child_age
          type: number
          label: Age
          calculate: $age(child_dob)
        - id: is_teenager
          type: yes_no
          label: Teenager?
          calculate: child_age >= 13 and child_age <= 19
        - id: review_date
          type: date
          label: Review by
          calculate: $today + t'P28D'
        - id: young_person_views
          type: textarea
          label: What does the young person say?
          show_if: is_teenager == true
          required: true
        """
    )
)


def test_calculated_values_appear_under_derived_with_their_json_types():
    evaluation = run(
        FORM,
        {
            "child_forename": "Jordan",
            "child_surname": "Morgan",
            "child_dob": "2012-05-01",
            "young_person_views": "I want to stay with my nan.",
        },
    )

    assert evaluation.derived == {
        "child_full_name": "Jordan Morgan",
        "child_age": 14,
        "is_teenager": True,
        "review_date": "2026-12-20",
    }
    assert codes(evaluation) == []


def test_calculated_values_are_not_answers():
    evaluation = run(FORM, {"child_forename": "Jordan", "child_surname": "Morgan"})

    assert evaluation.answers == {"child_forename": "Jordan", "child_surname": "Morgan"}


def test_an_answer_sent_for_a_calculated_field_is_ignored():
    evaluation = run(FORM, {"child_dob": "2020-01-01", "child_age": 15, "child_full_name": "Someone Else"})

    assert evaluation.derived["child_age"] == 6
    assert "child_full_name" not in evaluation.derived  # null + ' ' + null is null
    assert "child_age" not in evaluation.answers


def test_a_calculation_over_unanswered_fields_is_absent_from_derived():
    evaluation = run(FORM, {})

    assert "child_age" not in evaluation.derived
    assert evaluation.derived["is_teenager"] is False  # ordering on null is false


def test_a_later_condition_reads_a_calculated_value():
    teenager = run(FORM, {"child_dob": "2012-05-01"})
    child = run(FORM, {"child_dob": "2019-05-01"})

    assert codes(teenager) == [("young_person_views", "required")]
    assert "young_person_views" not in child.visible_fields


def test_calculations_run_in_dependency_order_not_form_order():
    form = compile_yaml(
        form_yaml(
            """
            - {id: doubled, type: number, label: Doubled, calculate: base_plus_one * 2}
            - {id: base_plus_one, type: number, label: Plus one, calculate: base + 1}
            - {id: base, type: number, label: Base}
            """
        )
    )

    assert run(form, {"base": 4}).derived == {"doubled": 10, "base_plus_one": 5}


def test_a_hidden_calculated_field_has_no_value():
    form = compile_yaml(
        form_yaml(
            """
            - {id: show, type: yes_no, label: Show}
            - {id: n, type: number, label: N, show_if: show == true, calculate: "1 + 1"}
            - {id: m, type: number, label: M, calculate: n + 1}
            """
        )
    )

    assert run(form, {"show": True}).derived == {"n": 2, "m": 3}
    assert run(form, {"show": False}).derived == {}


def test_a_calculation_giving_the_wrong_type_is_caught_when_loading():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                "- {id: a, type: number, label: A}\n- {id: b, type: text, label: B, calculate: a + 1}"
            )
        }
    )

    assert len(problems) == 1
    assert " EXP003 " in problems[0]


def test_calculations_that_depend_on_each_other_are_a_cycle():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                """
                - {id: a, type: number, label: A, calculate: b + 1}
                - {id: b, type: number, label: B, calculate: a + 1}
                """
            )
        }
    )

    assert problems == ["forms/f.yaml:9:52: EXP004 show_if/calculate cycle: a -> b -> a"]


def test_a_calculation_that_reads_itself_is_a_cycle():
    problems = problems_of({"forms/f.yaml": form_yaml("- {id: a, type: number, label: A, calculate: a + 1}")})

    assert problems == ["forms/f.yaml:9:52: EXP004 show_if/calculate cycle: a -> a"]


def test_only_some_types_can_be_calculated():
    for kind in ("radios", "checkboxes", "datetime", "file", "consent"):
        extra = ", options: [{value: 'x', label: X}]" if kind in ("radios", "checkboxes") else ""
        problems = problems_of(
            {"forms/f.yaml": form_yaml(f"- {{id: a, type: {kind}, label: A, calculate: 'null'{extra}}}")}
        )
        assert len(problems) == 1, (kind, problems)
        assert " DEF007 " in problems[0], kind
