"""Contacts received: in all, over time, by referring agency, by agency type (the CIN census's
source of referral) and by category of concern, each beside the period before."""

from __future__ import annotations

from dataclasses import replace

from ...models import Submission
from ...triage.queue import UNRATED
from ..figures import Cell, Row, Table, cell_or_zero
from ..scope import Scope

NO_AGENCY = "No agency (council staff, or an agency no longer approved)"
NO_SOURCE = "No source code recorded"


def received(scope: Scope) -> Table:
    now, before = scope.both("figure-received")
    return Table("received", "Contacts received", ("Figure", *scope.periods), (Row("Contacts received", (now, before)),))


def over_time(scope: Scope) -> Table:
    rows = []
    for bucket in scope.period.buckets():
        chosen = replace(scope.now, received_from=bucket.start, received_to=bucket.end)
        rows.append(Row(bucket.label, (scope.counter.count(chosen),)))
    return Table("received-over-time", "Contacts received over time", ("Received", "Contacts"), tuple(rows))


def _two_periods(scope: Scope, key: str, caption: str, heading: str, column: object, field: str,
                 labels: dict[str, str], none_label: str) -> Table:
    now = scope.counter.by(scope.now, column, field)
    before = scope.counter.by(scope.before, column, field)
    keys = sorted(set(now) | set(before), key=lambda k: (k == UNRATED, (labels.get(k) or k).lower()))
    rows = tuple(Row(none_label if k == UNRATED else labels.get(k, k),
                     (cell_or_zero(now, k, scope.now, field), cell_or_zero(before, k, scope.before, field)))
                 for k in keys)
    return Table(key, caption, (heading, *scope.periods), rows)


def by_agency(scope: Scope) -> Table:
    return _two_periods(scope, "by-agency", "Contacts received by referring agency", "Referring agency",
                        Submission.agency_id, "agency", dict(scope.choices.agencies), NO_AGENCY)


def by_source(scope: Scope) -> Table:
    return _two_periods(scope, "by-source", "Contacts received by agency type (CIN census source of referral)",
                        "Source of referral", Submission.cin_referral_source, "source", dict(scope.choices.sources),
                        NO_SOURCE)


def by_category(scope: Scope) -> Table:
    """One count for each category (a referral may have several: the rows add up to more than the total)."""
    rows = []
    for value, label in scope.choices.categories:
        now: Cell
        now, before = scope.both(category=value)
        if now.count or before.count:
            rows.append(Row(label, (now, before)))
    return Table("by-category", "Contacts received by category of concern", ("Category of concern", *scope.periods),
                 tuple(rows), note="A referral may give several categories: the rows can add up to more than the "
                                   "contacts received. Categories with no referral in either period are left out.")
