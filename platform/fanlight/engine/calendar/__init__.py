"""The one-working-day decision clock: a calendar definition's working days, and due times in them.

Pure: no web framework or database. See due.py for the rule, days.py for what a working day is.
"""

from .days import CalendarError, is_working_day, why_not_working
from .due import Due, Skipped, due_at
from .queue import is_due_today, is_overdue, working_time_between, working_time_left

__all__ = [
    "CalendarError",
    "Due",
    "Skipped",
    "due_at",
    "is_due_today",
    "is_overdue",
    "is_working_day",
    "why_not_working",
    "working_time_between",
    "working_time_left",
]
