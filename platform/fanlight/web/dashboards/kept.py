"""A filter's count read from the counts kept in step (`dashboard_counts`, dashboards/daily.py),
when they can answer it: the filter is a whole number of days received (a period, as every table
counts) narrowed only by facts one dimension of the counts holds. Anything else (pending work:
a status, an owner, a due time) is not answered here, and the Counter counts the filter itself.

A period is read as the fewest rows that cover it (a council's year as one year's rows, a quarter
as one quarter's, a week as seven days'): one statement a period, whatever the table; a period's
counts of every received referral by day are read once more (the buckets over time). The answer is the filter's count exactly: the tests hold
every figure to the length of the holding-area list it links to, on seeded referrals and after
decisions change.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..models import DailyCount
from ..triage.queue import CONVERSIONS, QueueFilter
from . import daily, periods

# Each dimension's values, as the filter's fields they stand for (dashboards/daily.py writes them).
FIELDS_OF: dict[str, tuple[str, ...]] = {
    "all": (), "source": ("source",), "category": ("category",), "outcome": ("outcome",),
    "decided": ("decided",), "re_referral": ("re_referral",), "asked": ("agency", "asked"),
    "escalation": ("agency", "escalation"), "referrer-applied": ("level_referrer", "level_applied"),
    "suggested-applied": ("level_suggested", "level_applied"), "indicator-escalation": ("indicator", "escalation")}
COUNTED = ("agency", "source", "category", "outcome", "decided", "re_referral", "asked", "escalation",
           "level_referrer", "level_suggested", "level_applied", "indicator")
# The dimensions that count only the referrals with both levels known: each only for a filter on
# the agreement of levels (and a referral with several indicators is in several of the second's rows).
NEEDS = {"escalation": {"escalation"}, "indicator-escalation": {"indicator", "escalation"}}
NOT_KEPT = ("status", "rag", "owner", "due", "search")  # the filter counts these itself
ONE_OF = {("decided", "yes"): ("in_time", "late", "undue"), ("escalation", "compared"): ("agreed", "over", "under"),
          **{("conversion", key): outcomes for key, outcomes in CONVERSIONS.items()}}
ONE_DAY = datetime.timedelta(days=1)

Entry = tuple[str, str, int]  # first, second, n


@dataclass(frozen=True)
class Wanted:
    """What a filter asks of the counts: its period, and each field's value (conversion: the outcome's)."""

    start: datetime.date
    end: datetime.date
    values: tuple[tuple[str, str], ...]  # (field, value); "conversion" stands for outcome

    @property
    def fields(self) -> set[str]:
        return {"outcome" if name == "conversion" else name for name, _ in self.values}


def wanted(chosen: QueueFilter) -> Wanted | None:
    """The filter as the counts hold it, or None if they cannot answer it."""
    if chosen.received_from is None or chosen.received_to is None:
        return None
    if any(getattr(chosen, name) for name in NOT_KEPT):
        return None
    values = tuple((name, str(getattr(chosen, name))) for name in (*COUNTED, "conversion") if getattr(chosen, name))
    return Wanted(chosen.received_from, chosen.received_to, values)


def matches(values: tuple[tuple[str, str], ...], stored: dict[str, str]) -> bool:
    for name, value in values:
        found = stored["outcome" if name == "conversion" else name]
        if found not in ONE_OF.get((name, value), (value,)):
            return False
    return True


def dimension_for(fields: set[str]) -> str | None:
    """The dimension with the fewest values that holds all these fields (and all those it NEEDS)."""
    holding = [name for name, held in FIELDS_OF.items() if fields <= set(held) and NEEDS.get(name, set()) <= fields]
    return min(holding, key=lambda name: len(FIELDS_OF[name])) if holding else None


class Kept:
    """The counts kept in step, read for the periods a dashboard asks about (each once)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._stale: tuple[datetime.date | None] | None = None
        self._periods: dict[tuple[datetime.date, datetime.date], dict[str, list[Entry]]] = {}
        self._days: list[tuple[datetime.date, datetime.date, dict[datetime.date, int]]] = []
        self._named: dict[tuple[datetime.date, datetime.date, str], list[tuple[dict[str, str], int]]] = {}

    def count(self, chosen: QueueFilter) -> int | None:
        found = self.by(chosen, ())
        return None if found is None else sum(found.values())

    def by(self, chosen: QueueFilter, fields: tuple[str, ...]) -> dict[tuple[str, ...], int] | None:
        """The filter's count for each value of `fields` (none: one count), or None if not kept."""
        asked = wanted(chosen)
        if asked is None or self.stale_since is not None:
            return None
        if not asked.values and not fields:
            return {(): self._received(asked.start, asked.end)}
        dimension = dimension_for(asked.fields | set(fields))
        if dimension is None:
            return None
        found: dict[tuple[str, ...], int] = {}
        for stored, n in self._entries(asked, dimension):
            # A page asks this about 100 times, a few of them over 600-900 agencies' rows: the
            # match skipped when nothing narrows, the key made without a generator.
            if not asked.values or matches(asked.values, stored):
                key = tuple(map(stored.__getitem__, fields))
                found[key] = found.get(key, 0) + n
        return {key: n for key, n in found.items() if n}

    def hours(self, chosen: QueueFilter) -> list[tuple[float, int]] | None:
        """Of the decided referrals of a period: (hours, how many) by tenth of an hour, in order."""
        asked = wanted(chosen)
        if asked is None or asked.values != (("decided", "yes"),) or self.stale_since is not None:
            return None
        buckets = [(int(first), n) for first, _, n in self._period(asked.start, asked.end).get("hours", []) if n]
        return [(bucket / daily.BUCKETS_AN_HOUR, n) for bucket, n in sorted(buckets)]

    @property
    def stale_since(self) -> datetime.date | None:
        """The day the counts first missed a change (dashboards/daily.py, `count_safely`): until
        they are rebuilt, every figure is counted from the referrals instead (read once)."""
        if self._stale is None:
            self._stale = (daily.stale_since(self.session.connection()),)
        return self._stale[0]

    def _entries(self, asked: Wanted, dimension: str) -> list[tuple[dict[str, str], int]]:
        """The dimension's sums over the period, each with its values by the filter's field names
        (made once: a page asks of the same dimension many times, an agency or a category at a time)."""
        key = (asked.start, asked.end, dimension)
        if key not in self._named:
            names = FIELDS_OF[dimension]
            self._named[key] = [(dict(zip(names, (first, second)[: len(names)], strict=True)), n)
                                for first, second, n in self._period(asked.start, asked.end).get(dimension, [])]
        return self._named[key]

    def _period(self, start: datetime.date, end: datetime.date) -> dict[str, list[Entry]]:
        if (start, end) not in self._periods:
            found: dict[str, list[Entry]] = {}
            totals = select(DailyCount.dimension, DailyCount.first, DailyCount.second, func.sum(DailyCount.n)).where(
                covering(start, end)).group_by(DailyCount.dimension, DailyCount.first, DailyCount.second)
            for dimension, first, second, n in self.session.execute(totals):
                found.setdefault(dimension, []).append((first, second, int(n)))
            self._periods[(start, end)] = found
        return self._periods[(start, end)]

    def _received(self, start: datetime.date, end: datetime.date) -> int:
        """Every referral received in the days: from a period's day-by-day counts already read, or
        read now (the buckets over time fall inside their period, read first)."""
        for first, last, by_day in self._days:
            if first <= start and end <= last:
                return sum(n for day, n in by_day.items() if start <= day <= end)
        by_day = {day: int(n) for day, n in self.session.execute(
            select(DailyCount.day, DailyCount.n).where(DailyCount.span == "day", DailyCount.dimension == "all",
                                                       DailyCount.day.between(start, end)))}
        self._days.append((start, end, by_day))
        return sum(by_day.values())


def covering(start: datetime.date, end: datetime.date) -> Any:
    """The rows that together count the days from `start` to `end` once: each day in the longest
    span (year, quarter, month, day) that starts on it and ends within them. A council's year is
    one year's rows, a quarter one quarter's, a week seven days'."""
    runs: list[tuple[str, datetime.date, datetime.date]] = []  # (span, first start, last start)
    day = start
    while day <= end:
        span, last = _longest(day, end)
        if runs and runs[-1][0] == span:
            runs[-1] = (span, runs[-1][1], day)
        else:
            runs.append((span, day, day))
        day = last + ONE_DAY
    return or_(*(and_(DailyCount.span == span, DailyCount.day.between(first, final)) for span, first, final in runs))


def _longest(day: datetime.date, end: datetime.date) -> tuple[str, datetime.date]:
    """The longest span that starts on `day` and ends by `end`, and its last day."""
    for span in reversed(daily.SPANS[1:]):
        if daily.span_start(span, day) == day:
            last = _span_end(span, day)
            if last <= end:
                return span, last
    return "day", day


def _span_end(span: str, start: datetime.date) -> datetime.date:
    if span == "month":
        return (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - ONE_DAY
    return periods.period_of(span, start).end
