"""The dashboard's periods: which days each one is, the one before it, and its buckets over time."""

from __future__ import annotations

import datetime

import pytest

from fanlight.web.dashboards.periods import Period, PeriodError, from_args, period_of


def d(year: int, month: int, day: int) -> datetime.date:
    return datetime.date(year, month, day)


WEDNESDAY = d(2026, 12, 30)


@pytest.mark.parametrize(("kind", "today", "period", "previous"), [
    ("today", WEDNESDAY, (d(2026, 12, 30), d(2026, 12, 30)), (d(2026, 12, 29), d(2026, 12, 29))),
    ("week", WEDNESDAY, (d(2026, 12, 28), d(2027, 1, 3)), (d(2026, 12, 21), d(2026, 12, 27))),
    ("week", d(2026, 11, 29), (d(2026, 11, 23), d(2026, 11, 29)), (d(2026, 11, 16), d(2026, 11, 22))),  # a Sunday
    ("month", WEDNESDAY, (d(2026, 12, 1), d(2026, 12, 31)), (d(2026, 11, 1), d(2026, 11, 30))),
    ("month", d(2027, 3, 15), (d(2027, 3, 1), d(2027, 3, 31)), (d(2027, 2, 1), d(2027, 2, 28))),
    # The council's quarters: April-June, July-September, October-December, January-March.
    ("quarter", WEDNESDAY, (d(2026, 10, 1), d(2026, 12, 31)), (d(2026, 7, 1), d(2026, 9, 30))),
    ("quarter", d(2027, 2, 1), (d(2027, 1, 1), d(2027, 3, 31)), (d(2026, 10, 1), d(2026, 12, 31))),
    ("quarter", d(2026, 4, 1), (d(2026, 4, 1), d(2026, 6, 30)), (d(2026, 1, 1), d(2026, 3, 31))),
    ("quarter", d(2026, 9, 30), (d(2026, 7, 1), d(2026, 9, 30)), (d(2026, 4, 1), d(2026, 6, 30))),
    # The council's year: 1 April to 31 March.
    ("year", WEDNESDAY, (d(2026, 4, 1), d(2027, 3, 31)), (d(2025, 4, 1), d(2026, 3, 31))),
    ("year", d(2027, 3, 31), (d(2026, 4, 1), d(2027, 3, 31)), (d(2025, 4, 1), d(2026, 3, 31))),
    ("year", d(2027, 4, 1), (d(2027, 4, 1), d(2028, 3, 31)), (d(2026, 4, 1), d(2027, 3, 31))),
])
def test_each_period_and_the_one_before_it(kind, today, period, previous):
    found = period_of(kind, today)
    assert (found.start, found.end) == period
    assert (found.previous().start, found.previous().end) == previous


def test_a_custom_period_is_its_days_and_the_one_before_is_as_many_days_just_before():
    found = from_args({"period": "custom", "from": "2026-12-24", "to": "2026-12-28"}, WEDNESDAY)
    assert (found.start, found.end, found.days) == (d(2026, 12, 24), d(2026, 12, 28), 5)
    assert (found.previous().start, found.previous().end) == (d(2026, 12, 19), d(2026, 12, 23))
    assert found.args() == {"period": "custom", "from": "2026-12-24", "to": "2026-12-28"}


@pytest.mark.parametrize(("args", "problems"), [
    ({"period": "custom"}, {"from": "Enter the first day of the period", "to": "Enter the last day of the period"}),
    ({"period": "custom", "from": "2026-02-30", "to": "2026-03-01"},
     {"from": "The first day must be a real date, for example 2026-11-23"}),
    ({"period": "custom", "from": "<script>", "to": "2026-03-01"},
     {"from": "The first day must be a real date, for example 2026-11-23"}),
    ({"period": "custom", "from": "2026-03-02", "to": "2026-03-01"},
     {"to": "The last day must be the same as or after the first day"}),
    ({"period": "custom", "from": "2010-01-01", "to": "2026-03-01"}, {"to": "The period must be 5 years or shorter"}),
    ({"period": "custom", "from": "1999-01-01", "to": "1999-03-01"},
     {"from": "The first day must be in 2006 or later, and before 2101",
      "to": "The last day must be in 2006 or later, and before 2101"}),
])
def test_a_custom_period_that_is_not_one_says_what_is_wrong_with_each_day(args, problems):
    with pytest.raises(PeriodError) as raised:
        from_args(args, WEDNESDAY)
    assert raised.value.problems == problems


def test_anything_else_is_this_week():
    assert from_args({}, WEDNESDAY) == from_args({"period": "nonsense"}, WEDNESDAY) == period_of("week", WEDNESDAY)


def test_a_period_is_counted_by_day_up_to_a_month_by_week_up_to_six_months_and_by_month_beyond():
    assert [b.label for b in period_of("week", WEDNESDAY).buckets()][:2] == ["Mon 28 Dec", "Tue 29 Dec"]
    assert len(period_of("month", WEDNESDAY).buckets()) == 31
    weeks = period_of("quarter", WEDNESDAY).buckets()  # 1 October 2026 is a Thursday: its week is cut
    assert (weeks[0].start, weeks[0].end) == (d(2026, 10, 1), d(2026, 10, 4))
    assert (weeks[-1].start, weeks[-1].end) == (d(2026, 12, 28), d(2026, 12, 31))
    assert sum((b.end - b.start).days + 1 for b in weeks) == 92
    months = period_of("year", WEDNESDAY).buckets()
    assert [b.label for b in months][:2] == ["April 2026", "May 2026"] and len(months) == 12
    assert Period("custom", d(2026, 1, 1), d(2026, 1, 1)).buckets()[0].label == "Thu 1 Jan"
