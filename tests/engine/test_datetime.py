"""`type: datetime` — ISO 8601 (no zone = UTC), stored in UTC; `min`/`max` as ISO or `now`."""

from __future__ import annotations

import datetime

import pytest

from fanlight.engine import evaluate
from tests.helpers import codes, compile_yaml, form_yaml, problems_of, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: phone_call_datetime
          type: datetime
          label: When did you phone?
          max: now
        - id: last_seen
          type: datetime
          label: When was the child last seen?
          min: '2026-01-01T00:00:00Z'
        """
    )
)
NOW = datetime.datetime(2026, 11, 22, 15, 30, tzinfo=datetime.UTC)


def test_a_time_without_a_zone_is_taken_as_utc():
    evaluation = evaluate(FORM, {"phone_call_datetime": "2026-11-22T10:00"}, now=NOW)

    assert codes(evaluation) == []
    assert evaluation.answers == {"phone_call_datetime": "2026-11-22T10:00:00Z"}


def test_a_time_with_a_zone_is_stored_in_utc():
    evaluation = evaluate(FORM, {"phone_call_datetime": "2026-07-01 10:00+01:00"}, now=NOW)

    assert codes(evaluation) == []
    assert evaluation.answers == {"phone_call_datetime": "2026-07-01T09:00:00Z"}


def test_a_call_in_the_future_is_refused():
    evaluation = evaluate(FORM, {"phone_call_datetime": "2026-11-22T15:31:00Z"}, now=NOW)

    assert codes(evaluation) == [("phone_call_datetime", "max")]


def test_a_call_right_now_is_accepted():
    assert codes(evaluate(FORM, {"phone_call_datetime": "2026-11-22T15:30:00Z"}, now=NOW)) == []


def test_a_later_call_in_a_zone_east_of_utc_can_still_be_in_the_past():
    # 16:00 in Paris in November is 15:00 UTC: before NOW.
    assert codes(evaluate(FORM, {"phone_call_datetime": "2026-11-22T16:00:00+01:00"}, now=NOW)) == []


def test_with_only_today_pinned_now_is_midday_utc_that_day():
    assert codes(run(FORM, {"phone_call_datetime": "2026-11-22T11:59"})) == []
    assert codes(run(FORM, {"phone_call_datetime": "2026-11-22T12:01"})) == [("phone_call_datetime", "max")]


def test_a_time_before_the_fixed_minimum_is_refused():
    evaluation = evaluate(FORM, {"last_seen": "2025-12-31T23:59:59Z"}, now=NOW)

    assert codes(evaluation) == [("last_seen", "min")]
    assert "2026-01-01" in evaluation.errors[0].message


@pytest.mark.parametrize(
    "sent",
    [
        "2026-11-22",
        "2026-11-22T25:00",
        "2026-02-30T10:00",
        "22/11/2026 10:00",
        "yesterday",
        1763800000,
        "2026-11-22T10:00:00+99:00",
    ],
)
def test_something_that_is_not_a_date_and_time_is_a_type_error(sent):
    evaluation = evaluate(FORM, {"last_seen": sent}, now=NOW)

    assert codes(evaluation) == [("last_seen", "type")]
    assert evaluation.answers == {}


@pytest.mark.parametrize("sent", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:00"])
def test_a_time_whose_utc_equivalent_is_outside_the_calendar_is_an_error_not_a_crash(sent):
    form = compile_yaml(form_yaml("- {id: last_seen, type: datetime, label: Last seen}"))

    evaluation = evaluate(form, {"last_seen": sent}, now=NOW)

    assert [field for field, _ in codes(evaluation)] == ["last_seen"]
    assert evaluation.answers == {}


def test_an_expression_sees_a_datetime_as_a_moment():
    form = compile_yaml(
        form_yaml(
            """
            - {id: last_seen, type: datetime, label: Last seen}
            - id: missing_over_a_day
              type: yes_no
              label: Missing for more than a day?
              calculate: last_seen < $now - t'P1D'
            """
        )
    )

    assert evaluate(form, {"last_seen": "2026-11-20T09:00"}, now=NOW).derived == {"missing_over_a_day": True}
    assert evaluate(form, {"last_seen": "2026-11-22T09:00"}, now=NOW).derived == {"missing_over_a_day": False}


@pytest.mark.parametrize("bound", ["today", "tomorrow", "2026-11-22T25:00", "22/11/2026 10:00"])
def test_a_datetime_bound_must_be_an_iso_date_and_time_or_now(bound):
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                f"""
                - id: last_seen
                  type: datetime
                  label: Last seen
                  max: '{bound}'
                """
            )
        }
    )

    assert len(problems) == 1
    assert " DEF004 " in problems[0]


def test_a_datetime_range_that_ends_before_it_starts_is_inconsistent():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                """
                - id: last_seen
                  type: datetime
                  label: Last seen
                  min: '2026-01-02T00:00'
                  max: '2026-01-01T00:00'
                """
            )
        }
    )

    assert len(problems) == 1
    assert " DEF009 " in problems[0]
