"""The decision clock: when the front door owes a decision on a referral received at a moment.

The rule is the engine's (fanlight.engine.calendar: one working day, in the working days and
hours of the calendar definition `front-door`); this module only finds that calendar among the
live definitions. Without one (a council that has not defined it yet) nothing is due: `None`.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo

from flask import Flask

from fanlight.engine.calendar import CalendarError, Due
from fanlight.engine.calendar import due_at as engine_due_at
from fanlight.engine.calendar.days import at, zone
from fanlight.engine.definitions import model as m

from .. import clock, extensions

log = logging.getLogger(__name__)
FRONT_DOOR = "front-door"  # the calendar definition's id (definitions/calendar/front-door.yaml)
UTC = zoneinfo.ZoneInfo("UTC")


def calendar() -> m.Calendar | None:
    """The front door's working calendar in the live definitions, if there is one."""
    found: m.Calendar | None = extensions.catalogue().definitions.calendars.get(FRONT_DOOR)
    return found


def due(received_at: datetime.datetime) -> Due | None:
    """When a decision on a referral received at `received_at` is due, with the days skipped and why."""
    cal = calendar()
    if cal is None:
        return None
    try:
        return engine_due_at(cal, received_at)
    except CalendarError:
        log.warning("no decision due time for a referral received at %s", received_at.isoformat(), exc_info=True)
        return None


def due_at(received_at: datetime.datetime) -> datetime.datetime | None:
    """The due time alone, in UTC (as every time is stored)."""
    found = due(received_at)
    return found.due_at.astimezone(datetime.UTC) if found is not None else None


def start_of_day(day: datetime.date) -> datetime.datetime:
    """The moment a day begins at the front door (midnight in its calendar's time zone; UTC without
    one), in UTC: the bounds of "received on" a day, a week, a census year."""
    cal = calendar()
    return at(day, datetime.time(0), zone(cal) if cal is not None else UTC).astimezone(datetime.UTC)


def local(moment: datetime.datetime) -> datetime.datetime:
    """A stored time (UTC) as the front door reads it: in its calendar's time zone (UTC without one)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)
    cal = calendar()
    return aware.astimezone(zone(cal)) if cal is not None else aware.astimezone(datetime.UTC)


def warm_up(app: Flask) -> None:
    """Work out one due time when a web process starts: the first referral sent through a worker
    otherwise waited for the bank-holiday tables to load (about a third of a second)."""
    with app.app_context():
        due(clock.now())
