"""What the queue shows beside a due time: overdue, due today, and working time left.

The clock never pauses: time spent waiting for information is shown beside it (with
`working_time_between`), never taken off it.
"""

from __future__ import annotations

import datetime

from ..definitions import model as m
from .days import at, why_not_working, zone


def is_overdue(due_at: datetime.datetime, now: datetime.datetime) -> bool:
    """Past its due time (a decision made at the due time itself is on time)."""
    return now > due_at


def is_due_today(calendar: m.Calendar, due_at: datetime.datetime, now: datetime.datetime) -> bool:
    """Due later today, in the calendar's time zone (and not yet overdue)."""
    tz = zone(calendar)
    return not is_overdue(due_at, now) and due_at.astimezone(tz).date() == now.astimezone(tz).date()


def working_time_between(
    calendar: m.Calendar, start: datetime.datetime, end: datetime.datetime
) -> datetime.timedelta:
    """The working hours of working days from `start` to `end`; negative when `end` is earlier."""
    if end < start:
        return -working_time_between(calendar, end, start)
    tz = zone(calendar)
    total = datetime.timedelta(0)
    day, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    while day <= last:
        if why_not_working(calendar, day) is None:
            overlap = min(end, at(day, calendar.closes, tz)) - max(start, at(day, calendar.opens, tz))
            total += max(overlap, datetime.timedelta(0))
        day += datetime.timedelta(days=1)
    return total


def working_time_left(calendar: m.Calendar, due_at: datetime.datetime, now: datetime.datetime) -> datetime.timedelta:
    """Working time from `now` until the due time; once overdue, negative (by how much working time)."""
    return working_time_between(calendar, now, due_at)
