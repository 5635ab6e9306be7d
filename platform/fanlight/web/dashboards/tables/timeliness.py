"""Pending work now (not bound to the period) and timeliness: hours from receipt to decision
(median and 90th percentile) and the share decided within one working day against the target.

"Within one working day" is the holding area's `decided=in_time`: decided at or before the due
time the decision clock gave it on arrival (triage.deadlines). Hours to a decision are elapsed
hours, nights and weekends included: the clock's working days are what in_time measures.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import replace

from flask import current_app
from sqlalchemy import func, select

from ...models import Submission
from ...triage.queue import QueueFilter
from ..figures import Counter, Measure, Row, Share, Table
from ..scope import Scope

TARGET = "FANLIGHT_DECISION_TARGET_PERCENT"


def pending(counter: Counter, choices: object) -> Table:
    every = QueueFilter(choices=choices)  # type: ignore[arg-type]
    rows = (
        Row("Unassigned and waiting for a decision", (counter.count(replace(every, owner="unassigned", status="open"),
                                                                    "figure-unassigned"),)),
        Row("Awaiting information from the referrer", (counter.count(replace(every, status="awaiting_information"),
                                                                     "figure-awaiting-information"),)),
        Row("Decision due today", (counter.count(replace(every, due="today"), "figure-due-today"),)),
        Row("Decision overdue", (counter.count(replace(every, due="overdue"), "figure-overdue"),)),
    )
    return Table("pending", "Pending work now", ("Work", "Referrals now"), rows,
                 note="Now, whenever the referrals were received.")


def target_percent() -> int:
    return int(current_app.config.get(TARGET, 95))


def timeliness(scope: Scope) -> Table:
    heading_now, heading_before = scope.periods
    decided_now, decided_before = scope.both("figure-decided", decided="yes")
    in_time_now, in_time_before = scope.both("figure-decided-in-time", decided="in_time")
    late_now, late_before = scope.both(decided="late")
    median_now, p90_now = hours(scope.counter, decided_now.filter)
    median_before, p90_before = hours(scope.counter, decided_before.filter)
    return Table("timeliness", "Time to a decision", ("Figure", heading_now, heading_before), (
        Row("Decided", (decided_now, decided_before)),
        Row("Decided within one working day", (in_time_now, in_time_before)),
        Row("Decided after one working day", (late_now, late_before)),
        Row(f"Share decided within one working day (target {target_percent()}%)",
            (Share(in_time_now, decided_now), Share(in_time_before, decided_before))),
        Row("Hours from receipt to decision: median",
            (Measure(median_now, decided_now.filter, "hours", "figure-median-hours"),
             Measure(median_before, decided_before.filter, "hours"))),
        Row("Hours from receipt to decision: 90th percentile",
            (Measure(p90_now, decided_now.filter, "hours", "figure-p90-hours"),
             Measure(p90_before, decided_before.filter, "hours"))),
    ), note="Of the contacts received in each period that are decided. Hours are elapsed hours, nights and "
            "weekends included, each decision's counted to the tenth of an hour below it; a working day is "
            "the decision clock's.")


def hours(counter: Counter, decided: QueueFilter) -> tuple[float | None, float | None]:
    """The median and 90th percentile of hours from receipt to decision of the referrals `decided`
    lists (interpolated between the two nearest, as PostgreSQL's percentile_cont).

    A period's are read from the counts kept in step: a histogram of tenths of an hour, each
    referral's hours taken as the start of its tenth. So they are exact for times to a decision in
    whole tenths of an hour (six minutes), and otherwise under the exact figure by less than 0.1
    hour, the precision the page shows them to."""
    histogram = counter.kept.hours(decided)
    if histogram is not None:
        return histogram_percentile(histogram, 0.5), histogram_percentile(histogram, 0.9)
    where = decided.where(counter.now)
    if counter.session.get_bind().dialect.name == "postgresql":
        elapsed = func.extract("epoch", Submission.decided_at - Submission.received_at) / 3600.0
        median, p90 = counter.session.execute(select(
            func.percentile_cont(0.5).within_group(elapsed), func.percentile_cont(0.9).within_group(elapsed),
        ).select_from(Submission).where(*where)).one()
        return (None if median is None else float(median), None if p90 is None else float(p90))
    found = sorted(elapsed_hours(received, decided_at) for received, decided_at in counter.session.execute(
        select(Submission.received_at, Submission.decided_at).where(*where)) if decided_at is not None)
    return percentile(found, 0.5), percentile(found, 0.9)


def histogram_percentile(histogram: list[tuple[float, int]], fraction: float) -> float | None:
    """`percentile` of the values a histogram counts ((value, how many), in order), not listed one by one."""
    total = sum(n for _, n in histogram)
    if not total:
        return None
    rank = fraction * (total - 1)
    low, high = _nth(histogram, math.floor(rank)), _nth(histogram, math.ceil(rank))
    return low + (high - low) * (rank - math.floor(rank))


def _nth(histogram: list[tuple[float, int]], index: int) -> float:
    """The value at `index` (from 0) of the values in order."""
    for value, n in histogram:
        if index < n:
            return value
        index -= n
    return histogram[-1][0]


def elapsed_hours(received: datetime.datetime, decided: datetime.datetime) -> float:
    def utc(moment: datetime.datetime) -> datetime.datetime:
        return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)

    return (utc(decided) - utc(received)).total_seconds() / 3600.0


def percentile(ordered: list[float], fraction: float) -> float | None:
    """The `fraction` percentile of sorted values, interpolated (percentile_cont's definition)."""
    if not ordered:
        return None
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
