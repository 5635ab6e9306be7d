"""Referral quality: how many of each agency's contacts needed the front door to ask the referrer
for more information; and re-referrals, children referred again within 12 months."""

from __future__ import annotations

from dataclasses import replace

from ...models import Submission
from ...triage.queue import UNRATED
from ..figures import Cell, Row, Share, Table
from ..scope import Scope
from .demand import NO_AGENCY


def asked_by_agency(scope: Scope) -> Table:
    labels = dict(scope.choices.agencies)
    every = scope.counter.by(scope.now, Submission.agency_id, "agency")
    asked = scope.counter.by(replace(scope.now, asked="yes"), Submission.agency_id, "agency")
    rows = []
    for agency in sorted(every, key=lambda k: (k == UNRATED, (labels.get(k) or k).lower())):
        part = asked.get(agency) or Cell(0, replace(every[agency].filter, asked="yes"))
        rows.append(Row(NO_AGENCY if agency == UNRATED else labels.get(agency, agency),
                        (every[agency], part, Share(part, every[agency]))))
    total = scope.counter.count(scope.now)
    all_asked = scope.counter.count(replace(scope.now, asked="yes"), "figure-asked")
    rows.append(Row("All agencies", (total, all_asked, Share(all_asked, total))))
    return Table("asked", "Contacts that needed a request for more information, by referring agency",
                 ("Referring agency", "Contacts received", "Asked for more information", "Share asked"), tuple(rows))


def re_referrals(scope: Scope) -> Table:
    total_now, total_before = scope.both()
    again_now, again_before = scope.both("figure-re-referrals", re_referral="yes")
    heading_now, heading_before = scope.periods
    return Table("re-referrals", "Re-referrals: a child on the contact was referred in the 12 months before",
                 ("Figure", heading_now, heading_before),
                 (Row("Contacts received", (total_now, total_before)),
                  Row("Re-referrals", (again_now, again_before)),
                  Row("Share that are re-referrals", (Share(again_now, total_now), Share(again_before, total_before)))))
