"""`type: date` — `"YYYY-MM-DD"`, a real date; `min`/`max` as dates or `today`."""

from __future__ import annotations

import datetime

import pytest

from tests.helpers import TODAY, codes, compile_yaml, form_yaml, problems_of, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: child_dob
          type: date
          label: Date of birth
          min: '2000-01-01'
          max: today
        - id: expected_delivery
          type: date
          label: Expected date of delivery
          min: today
        - id: incident_date
          type: date
          label: Date of the incident
        """
    )
)


def test_a_date_of_birth_in_the_past_is_accepted_and_stored_as_iso_text():
    evaluation = run(FORM, {"child_dob": " 2015-03-09 "})

    assert codes(evaluation) == []
    assert evaluation.answers == {"child_dob": "2015-03-09"}


def test_a_date_of_birth_of_today_is_accepted_because_bounds_are_inclusive():
    assert codes(run(FORM, {"child_dob": TODAY.isoformat()})) == []


def test_a_date_of_birth_tomorrow_is_refused():
    tomorrow = TODAY + datetime.timedelta(days=1)

    evaluation = run(FORM, {"child_dob": tomorrow.isoformat()})

    assert codes(evaluation) == [("child_dob", "max")]
    assert TODAY.isoformat() in evaluation.errors[0].message


def test_today_is_the_evaluation_date_not_the_wall_clock():
    answer = {"child_dob": "2030-06-01"}

    assert codes(run(FORM, answer, today=datetime.date(2030, 6, 1))) == []
    assert codes(run(FORM, answer, today=datetime.date(2030, 5, 31))) == [("child_dob", "max")]


def test_a_date_before_the_fixed_minimum_is_refused():
    evaluation = run(FORM, {"child_dob": "1999-12-31"})

    assert codes(evaluation) == [("child_dob", "min")]
    assert "2000-01-01" in evaluation.errors[0].message


def test_an_expected_date_of_delivery_in_the_past_is_refused():
    yesterday = TODAY - datetime.timedelta(days=1)

    assert codes(run(FORM, {"expected_delivery": yesterday.isoformat()})) == [("expected_delivery", "min")]
    assert codes(run(FORM, {"expected_delivery": TODAY.isoformat()})) == []


@pytest.mark.parametrize(
    "sent",
    [
        "2026-02-30",
        "2025-02-29",
        "2026-13-01",
        "22/11/2026",
        "2026-11-22T10:00",
        "22 November 2026",
        "20261122",
        "2026-1-5",
        20261122,
        True,
        ["2026-11-22"],
    ],
)
def test_something_that_is_not_a_real_date_is_a_type_error(sent):
    evaluation = run(FORM, {"incident_date": sent})

    assert codes(evaluation) == [("incident_date", "type")]
    assert evaluation.answers == {}


def test_a_leap_day_in_a_leap_year_is_a_real_date():
    assert run(FORM, {"incident_date": "2024-02-29"}).answers == {"incident_date": "2024-02-29"}


def test_an_expression_sees_a_date_as_a_real_date():
    form = compile_yaml(
        form_yaml(
            """
            - {id: child_dob, type: date, label: Date of birth}
            - id: under_one
              type: yes_no
              label: Under one?
              calculate: child_dob > $today - t'P365D'
            """
        )
    )

    assert run(form, {"child_dob": "2026-06-01"}).derived == {"under_one": True}
    assert run(form, {"child_dob": "2020-06-01"}).derived == {"under_one": False}


@pytest.mark.parametrize("bound", ["tomorrow", "2026-02-30", "22/11/2026", "now"])
def test_a_date_bound_must_be_an_iso_date_or_today(bound):
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                f"""
                - id: child_dob
                  type: date
                  label: Date of birth
                  max: '{bound}'
                """
            )
        }
    )

    assert len(problems) == 1
    assert " DEF004 " in problems[0]


def test_a_date_range_that_ends_before_it_starts_is_inconsistent():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                """
                - id: child_dob
                  type: date
                  label: Date of birth
                  min: '2020-01-01'
                  max: '2010-01-01'
                """
            )
        }
    )

    assert len(problems) == 1
    assert " DEF009 " in problems[0]
