"""The one-working-day decision clock: when a decision on a contact is due.

Working Together 2023 asks for a decision on next steps within one working day of receipt.
Received during working hours (from the opening time, inclusive, to the closing time,
exclusive, on a working day), it is due at the same local time on the next working day;
received at any other time, at the closing time of the first working day whose opening time
comes after receipt. The clock never pauses: waiting for information does not stop it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from ..definitions import model as m
from .days import CalendarError, at, long_date, why_not_working, zone

MAX_DAYS_CLOSED = 400  # the longest run of days without a working day the clock looks through


@dataclass(frozen=True, slots=True)
class Skipped:
    """A day between receipt and the due time that was not a working day, and why."""

    date: datetime.date
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"date": self.date.isoformat(), "reason": self.reason}

    def line(self) -> str:
        """'Monday 28 December 2026: Boxing Day, substitute day'."""
        return f"{long_date(self.date)}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Due:
    """When a decision is due; both times in the calendar's time zone."""

    received_at: datetime.datetime
    due_at: datetime.datetime
    skipped: tuple[Skipped, ...]
    in_hours: bool  # received during working hours (so due at the same time of day)
    calendar: m.Calendar

    def to_json(self) -> dict[str, Any]:
        """The `fanlight calendar due --json` object: exactly these three keys."""
        return {
            "received_at": self.received_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "skipped": [s.to_json() for s in self.skipped],
        }

    def explanation(self) -> list[str]:
        """Why it is due then, in words: the rule that applied, then each day skipped."""
        cal = self.calendar
        received = f"received {long_date(self.received_at.date())} {self.received_at:%H:%M} ({cal.timezone})"
        hours = f"{cal.opens:%H:%M} to {cal.closes:%H:%M}"
        if self.in_hours:
            rule = f"{received}, during working hours ({hours}): due at the same time on the next working day"
        else:
            rule = (
                f"{received}, outside working hours ({hours}): due at closing time on the first working day "
                "that opens after it"
            )
        return [rule, *(f"skipped {s.line()}" for s in self.skipped), f"due {long_date(self.due_at.date())} "
                f"{self.due_at:%H:%M}"]


def due_at(calendar: m.Calendar, received_at: datetime.datetime) -> Due:
    """When a decision on a contact received at `received_at` (any UTC offset) is due.

    Raises CalendarError for a time without a UTC offset, or one past the years the
    bank-holiday library knows.
    """
    if received_at.utcoffset() is None:
        raise CalendarError("a receipt time needs a UTC offset (e.g. 2026-12-24T15:00:00+00:00)")
    tz = zone(calendar)
    try:
        local = received_at.astimezone(tz)
        day, wall = local.date(), local.time()
        in_hours = why_not_working(calendar, day) is None and calendar.opens <= wall < calendar.closes
        if in_hours:
            due_day = _working_day_from(calendar, day + datetime.timedelta(days=1))
            due = at(due_day, wall, tz)
        else:
            first = day if at(day, calendar.opens, tz) > local else day + datetime.timedelta(days=1)
            due_day = _working_day_from(calendar, first)
            due = at(due_day, calendar.closes, tz)
    except OverflowError:
        raise CalendarError(f"{received_at.isoformat()} is outside the dates the clock can count in") from None
    return Due(local, due, _skipped(calendar, day, due_day), in_hours, calendar)


def _working_day_from(calendar: m.Calendar, day: datetime.date) -> datetime.date:
    """The first working day on or after `day`."""
    for _ in range(MAX_DAYS_CLOSED):
        if why_not_working(calendar, day) is None:
            return day
        day += datetime.timedelta(days=1)
    raise CalendarError(f"calendar '{calendar.id}' has no working day in the {MAX_DAYS_CLOSED} days to {day}")


def _skipped(calendar: m.Calendar, first: datetime.date, due_day: datetime.date) -> tuple[Skipped, ...]:
    """Every day that is not a working day from the day of receipt up to the due day."""
    found: list[Skipped] = []
    day = first
    while day < due_day:
        reason = why_not_working(calendar, day)
        if reason is not None:
            found.append(Skipped(day, reason))
        day += datetime.timedelta(days=1)
    return tuple(found)
