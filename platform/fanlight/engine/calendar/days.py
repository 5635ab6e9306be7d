"""Which days the front door works, and why a day is not one.

A day is not a working day when its weekday is not one of the calendar's `working_days`,
when it is a bank holiday of the calendar's region, or when the council has closed for it.
Bank holidays come from the `holidays` library (maintained, offline), never from a list
written by hand: upgrading that package is how a newly announced bank holiday arrives.
"""

from __future__ import annotations

import datetime
import zoneinfo
from functools import cache

from ..definitions import model as m

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_OBSERVED = " (observed)"  # how the library names a substitute day: "Boxing Day (observed)"


class CalendarError(ValueError):
    """A time the clock cannot work with: one without a UTC offset, or past the years it knows."""


def zone(calendar: m.Calendar) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(calendar.timezone)  # ZoneInfo caches one object per name


def at(day: datetime.date, wall: datetime.time, tz: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The instant at local time `wall` on `day`. A time the clocks skip (going forward) is moved
    on by the gap (01:30 becomes 02:30 BST); a time they repeat is its first occurrence."""
    local = datetime.datetime.combine(day, wall.replace(fold=0), tzinfo=tz)
    return local.astimezone(datetime.UTC).astimezone(tz)


def why_not_working(calendar: m.Calendar, day: datetime.date) -> str | None:
    """Why `day` is not a working day, or None if it is one.

    The reasons, in this order and joined by "; ": the weekday's name when the front door does
    not work on that weekday ("Saturday"); each bank holiday's name from the `holidays`
    library, a substitute day written "Boxing Day, substitute day"; "Council closure: " and the
    calendar's reason. So Saturday 26 December 2026 is "Saturday; Boxing Day".
    """
    reasons: list[str] = []
    if day.weekday() not in calendar.working_days:
        reasons.append(WEEKDAY_NAMES[day.weekday()])
    reasons.extend(bank_holidays(calendar.bank_holidays, day.year).get(day, ()))
    if day in calendar.closures:
        reasons.append(f"Council closure: {calendar.closures[day]}")
    return "; ".join(reasons) or None


def is_working_day(calendar: m.Calendar, day: datetime.date) -> bool:
    return why_not_working(calendar, day) is None


def long_date(day: datetime.date) -> str:
    """'Monday 28 December 2026' (whatever the machine's locale)."""
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def long_time(moment: datetime.datetime) -> str:
    """'30 November 2026 at 3:05pm GMT': an aware time as a person reads it, in its own time zone,
    named (whatever the machine's locale)."""
    hour = moment.hour % 12 or 12
    return (f"{moment.day} {MONTH_NAMES[moment.month - 1]} {moment.year} at {hour}:{moment:%M}"
            f"{'am' if moment.hour < 12 else 'pm'} {moment.tzname()}")


@cache
def bank_holidays(region: str, year: int) -> dict[datetime.date, tuple[str, ...]]:
    """{date: its bank holidays' names} for one region's year, named as `why_not_working` says."""
    import holidays  # noqa: PLC0415 (a quarter of a second: only the clock pays it, not every command)

    table = holidays.country_holidays("GB", subdiv=m.BANK_HOLIDAY_REGIONS[region], years=year, expand=False)
    if not table.start_year <= year <= table.end_year:
        raise CalendarError(
            f"bank holidays are known for the years {table.start_year} to {table.end_year}, not {year}"
        )
    return {day: tuple(_name(n) for n in table.get_list(day)) for day in sorted(table)}


def _name(name: str) -> str:
    return f"{name.removesuffix(_OBSERVED)}, substitute day" if name.endswith(_OBSERVED) else name
