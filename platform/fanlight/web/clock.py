"""The one time source of the web runtime.

Every reading of "now" and "today" in the web layer (sessions, sign-in lockout, emailed
links, drafts, the definition workflow, evaluation's `today`, stored timestamps) goes
through the app's clock, so a test moves time by moving one clock instead of patching
modules, and triage's working-day deadlines can be tested at all.

The app holds its clock in `app.extensions` (see extensions.py); `now()` here reads the
current app's clock, or the system's outside an app (a command before its app exists).
"""

from __future__ import annotations

import datetime
import random
import threading
import time

from flask import current_app, has_app_context

UTC = datetime.UTC


class Clock:
    """The system's clock, in UTC."""

    def now(self) -> datetime.datetime:
        return datetime.datetime.now(UTC)

    def today(self) -> datetime.date:
        """Today's date for evaluation: UTC, as the definition language says."""
        return self.now().date()

    def timestamp(self) -> float:
        return self.now().timestamp()


class SettableClock(Clock):
    """A clock that starts at a chosen moment and then runs on with real time, and that can
    be moved forward: tests keep the ordering of real time while being independent of the day
    they run on."""

    def __init__(self, start: datetime.datetime) -> None:
        self._lock = threading.Lock()
        self._start = start.astimezone(UTC) if start.tzinfo else start.replace(tzinfo=UTC)
        self._started = time.monotonic()
        self._offset = 0.0

    def now(self) -> datetime.datetime:
        with self._lock:
            elapsed = time.monotonic() - self._started + self._offset
        return self._start + datetime.timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def set(self, moment: datetime.datetime) -> None:
        with self._lock:
            self._start = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
            self._started = time.monotonic()
            self._offset = 0.0


SYSTEM = Clock()
KEY = "fanlight.clock"


def current() -> Clock:
    """The current app's clock (the system's outside an app context)."""
    if has_app_context():
        found: Clock = current_app.extensions.get(KEY, SYSTEM)
        return found
    return SYSTEM


def now() -> datetime.datetime:
    return current().now()


def today() -> datetime.date:
    return current().today()


def utc(moment: datetime.datetime) -> datetime.datetime:
    """A stored time as an aware UTC time (SQLite gives back naive UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def duration(seconds: int) -> str:
    """24 hours, 30 minutes, 1 minute, 45 seconds: how long, in words."""
    if seconds >= 2 * 3600 and seconds % 3600 == 0:
        return f"{seconds // 3600} hours"
    if seconds == 3600:
        return "1 hour"
    if seconds >= 60:
        count = -(-seconds // 60)
        return f"{count} minute{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def backoff(attempt: int, first: float, most: float) -> datetime.timedelta:
    """How long to wait after the `attempt`-th failure before trying again (deliveries, mail): the
    first wait, doubled after each failure, at most `most`, and between half and all of that (jitter:
    what failed together is not all tried again at the same moment)."""
    wait = first * 2 ** min(max(attempt, 1) - 1, 30)
    return datetime.timedelta(seconds=min(wait, most) * random.uniform(0.5, 1.0))  # noqa: S311 (jitter, not secrecy)
