"""A dashboard: its sections, each a few tables (and charts of them), counted for one period.

Every table is built by one function of a Scope (the period, the one before, the counter), named
in TABLES by the key its export uses; SECTIONS arranges them on the page.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from .. import clock
from ..triage import deadlines, queue
from . import periods, reporting
from .figures import Cell, Counter, Measure, Table
from .periods import Period
from .scope import Scope
from .tables import calibration, demand, outcomes, quality, timeliness

Builder = Callable[[Scope], Table]

TABLES: dict[str, Builder] = {
    "pending": lambda scope: timeliness.pending(scope.counter, scope.choices),
    "received": demand.received,
    "received-over-time": demand.over_time,
    "by-agency": demand.by_agency,
    "by-source": demand.by_source,
    "by-category": demand.by_category,
    "outcomes": outcomes.outcomes,
    "conversion": outcomes.conversion,
    "referrer-applied": calibration.referrer_matrix,
    "suggested-applied": calibration.suggested_matrix,
    "escalation": calibration.escalation_by_agency,
    "indicator-escalation": calibration.escalation_by_indicator,
    "asked": quality.asked_by_agency,
    "timeliness": timeliness.timeliness,
    "re-referrals": quality.re_referrals,
}


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    tables: tuple[str, ...]
    charts: tuple[str, ...] = ()  # the tables drawn as a chart too (each table stays the alternative)


SECTIONS = (
    Section("pending", "Pending work now", ("pending",)),
    Section("demand", "Contacts received", ("received", "received-over-time", "by-agency", "by-source", "by-category"),
            charts=("received-over-time", "by-agency", "by-source")),
    Section("outcomes", "Outcomes and conversion", ("outcomes", "conversion"), charts=("outcomes",)),
    Section("calibration", "Threshold calibration", ("referrer-applied", "suggested-applied", "escalation",
                                                         "indicator-escalation")),
    Section("quality", "Referral quality", ("asked",)),
    Section("timeliness", "Timeliness", ("timeliness",)),
    Section("re-referrals", "Re-referrals", ("re-referrals",)),
)


@dataclass(frozen=True)
class Dashboard:
    period: Period
    previous: Period
    tables: dict[str, Table]
    now: datetime.datetime
    stale_since: datetime.date | None = None  # the counts kept in step missed a change that day

    def cells(self) -> Iterator[Cell]:
        for table in self.tables.values():
            yield from table.cells()

    def measures(self) -> Iterator[Measure]:
        for table in self.tables.values():
            for row in table.rows:
                yield from (v for v in row.values if isinstance(v, Measure))


def today(now: datetime.datetime) -> datetime.date:
    return deadlines.local(now).date()


def scope_for(period: Period, now: datetime.datetime) -> Scope:
    return Scope(period, period.previous(), queue.choices_for(), Counter(reporting.session(), now))


def build(args: Mapping[str, str], only: tuple[str, ...] | None = None) -> Dashboard:
    """The dashboard a query string asks for (raises periods.PeriodError for a custom period that is not one)."""
    now = clock.now()
    period = periods.from_args(args, today(now))
    scope = scope_for(period, now)
    keys = only if only is not None else tuple(TABLES)
    return Dashboard(period, scope.previous, {key: TABLES[key](scope) for key in keys}, now,
                     scope.counter.kept.stale_since)
