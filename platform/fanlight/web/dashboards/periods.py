"""The period a dashboard shows, the one before it, and its buckets over time: pure date arithmetic.

Days are the front door's local days (triage.deadlines.start_of_day), both ends inclusive, the same `from`
and `to` the holding area reads, so a figure's period and its list's are one.

- today; this week (Monday to Sunday); this month; this quarter and this year of the council's
  year, 1 April to 31 March (quarters April-June, July-September, October-December, January-March);
  custom (a first and a last day).
- The previous period: yesterday, last week, last month, last quarter, last year, or, for a custom
  period, the same number of days just before it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from fanlight.engine.calendar.days import long_date

from ..triage.queue import MAX_PERIOD_DAYS

KINDS = {"today": "Today", "week": "This week", "month": "This month", "quarter": "This quarter",
         "year": "This year (1 April to 31 March)", "custom": "Custom dates"}
DEFAULT = "week"
FIRST_YEAR, LAST_YEAR = 2006, 2100  # the holding area reads days in 2000-2100; a previous period reaches 5 years back
YEAR_STARTS = 4  # April: the council's (and the CIN census's) year
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Bucket:
    label: str
    start: datetime.date
    end: datetime.date


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def words(self) -> str:
        if self.start == self.end:
            return long_date(self.start)
        return f"{long_date(self.start)} to {long_date(self.end)}"

    def previous(self) -> Period:
        if self.kind == "month":
            end = self.start - ONE_DAY
            return Period(self.kind, end.replace(day=1), end)
        if self.kind == "quarter":
            return _quarter(self.start - ONE_DAY, self.kind)
        if self.kind == "year":
            return _year(self.start - ONE_DAY, self.kind)
        return Period(self.kind, self.start - datetime.timedelta(days=self.days), self.start - ONE_DAY)

    def buckets(self) -> list[Bucket]:
        """Days for a period of up to a month, weeks (Monday to Sunday, cut at its ends) up to six
        months, months beyond."""
        if self.days <= 31:
            return [Bucket(_day_label(d), d, d) for d in _days(self.start, self.end)]
        found: list[Bucket] = []
        start = self.start
        while start <= self.end:
            if self.days <= 190:
                end = min(self.end, start + datetime.timedelta(days=6 - start.weekday()))
                label = f"Week of {start.day} {start:%b %Y}"
            else:
                end = min(self.end, _month_end(start))
                label = f"{start:%B %Y}"
            found.append(Bucket(label, start, end))
            start = end + ONE_DAY
        return found

    def args(self) -> dict[str, str]:
        """The dashboard's query string for this period."""
        if self.kind == "custom":
            return {"period": "custom", "from": self.start.isoformat(), "to": self.end.isoformat()}
        return {"period": self.kind}


class PeriodError(ValueError):
    """A custom period that is not one: each problem by the field it is about (GOV.UK error summary)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def period_of(kind: str, today: datetime.date) -> Period:
    """One of the named periods that contain `today`."""
    if kind == "today":
        return Period(kind, today, today)
    if kind == "week":
        start = today - datetime.timedelta(days=today.weekday())
        return Period(kind, start, start + datetime.timedelta(days=6))
    if kind == "month":
        return Period(kind, today.replace(day=1), _month_end(today))
    if kind == "quarter":
        return _quarter(today, kind)
    if kind == "year":
        return _year(today, kind)
    raise ValueError(kind)


def from_args(args: Mapping[str, str], today: datetime.date) -> Period:
    """The period a query string asks for: a named one (this week unless it says), or a custom one
    with a first and a last day (`from`, `to`: YYYY-MM-DD, as an `<input type=date>` sends them).
    Raises PeriodError for a custom period that is not one, never anything else."""
    kind = args.get("period", "").strip()
    if kind not in KINDS:
        kind = DEFAULT
    if kind != "custom":
        return period_of(kind, today)
    start = _date(args.get("from"), "from", "first")
    end = _date(args.get("to"), "to", "last")
    problems = {**start[1], **end[1]}
    if not problems and start[0] and end[0]:
        if end[0] < start[0]:
            problems["to"] = "The last day must be the same as or after the first day"
        elif (end[0] - start[0]).days > MAX_PERIOD_DAYS:
            problems["to"] = "The period must be 5 years or shorter"
    if problems or start[0] is None or end[0] is None:
        raise PeriodError(problems)
    return Period("custom", start[0], end[0])


def _date(value: str | None, field: str, which: str) -> tuple[datetime.date | None, dict[str, str]]:
    text = (value or "").strip()
    if not text:
        return None, {field: f"Enter the {which} day of the period"}
    try:
        day = datetime.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        return None, {field: f"The {which} day must be a real date, for example 2026-11-23"}
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return None, {field: f"The {which} day must be in {FIRST_YEAR} or later, and before {LAST_YEAR + 1}"}
    return day, {}


def _quarter(day: datetime.date, kind: str) -> Period:
    first_month = ((day.month - YEAR_STARTS) % 12) // 3 * 3 + YEAR_STARTS
    year = day.year if first_month <= day.month else day.year - 1
    if first_month > 12:
        first_month -= 12
        year += 1
    start = datetime.date(year, first_month, 1)
    end_month = start.replace(day=28) + datetime.timedelta(days=62)  # into the third month
    return Period(kind, start, _month_end(end_month))


def _year(day: datetime.date, kind: str) -> Period:
    first = day.year if day.month >= YEAR_STARTS else day.year - 1
    return Period(kind, datetime.date(first, YEAR_STARTS, 1), datetime.date(first + 1, YEAR_STARTS, 1) - ONE_DAY)


def _month_end(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - ONE_DAY


def _days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]


def _day_label(day: datetime.date) -> str:
    return f"{day:%a} {day.day} {day:%b}"
