"""Threshold calibration: the level of need the referrer chose, the one Fanlight's thresholds
suggested, and the one the front door applied, as agreement matrices; and which agencies, and
which threshold indicators, come with a referrer's level higher or lower than the front door
applies (the evidence for rewording a question or an indicator).

A referral's indicators are those its answers matched when it was sent (its
`threshold_indicators`); a referral matching several is counted in each of their rows.
"""

from __future__ import annotations

from dataclasses import replace

from ...models import Submission
from ...triage.queue import LEVELS, UNRATED
from ..figures import Cell, Row, Share, Table, narrowed
from ..scope import Scope
from .demand import NO_AGENCY

LEVEL_NAMES = {"1": "Level 1", "2": "Level 2", "3": "Level 3", "4": "Level 4"}
KEYS = (*LEVELS, UNRATED)


def _matrix(scope: Scope, key: str, caption: str, first: str, column: object, field: str, none_label: str) -> Table:
    found = scope.counter.pairs(scope.now, (column, Submission.level_applied), (field, "level_applied"))
    rows = []
    for chosen in KEYS:
        values = tuple(found.get((chosen, applied))
                       or Cell(0, narrowed(scope.now, {field: chosen, "level_applied": applied})) for applied in KEYS)
        rows.append(Row(LEVEL_NAMES.get(chosen, none_label), values))
    columns = (f"{first} (rows) by level applied (columns)",
               *(f"Applied: {LEVEL_NAMES[level]}" for level in LEVELS), "No level applied yet")
    return Table(key, caption, columns, tuple(rows),
                 note="The diagonal is agreement. This period only: each cell lists its referrals.")


def referrer_matrix(scope: Scope) -> Table:
    return _matrix(scope, "referrer-applied", "Level the referrer chose against the level the front door applied",
                   "Referrer's level", Submission.level_referrer, "level_referrer", "Referrer chose none")


def suggested_matrix(scope: Scope) -> Table:
    return _matrix(scope, "suggested-applied", "Level Fanlight suggested against the level the front door applied",
                   "Suggested level", Submission.level_suggested, "level_suggested", "No level suggested")


def escalation_by_agency(scope: Scope) -> Table:
    """For each agency, of its referrals with both levels known: how many the referrer put higher
    than the front door did (over-escalated) and lower (under-escalated)."""
    labels = dict(scope.choices.agencies)
    counted = {how: scope.counter.by(replace(scope.now, escalation=how), Submission.agency_id, "agency")
               for how in ("compared", "over", "under")}
    rows = []
    for agency in sorted(counted["compared"], key=lambda k: (k == UNRATED, (labels.get(k) or k).lower())):
        compared = counted["compared"][agency]
        over = counted["over"].get(agency) or Cell(0, replace(compared.filter, escalation="over"))
        under = counted["under"].get(agency) or Cell(0, replace(compared.filter, escalation="under"))
        rows.append(Row(NO_AGENCY if agency == UNRATED else labels.get(agency, agency),
                        (compared, over, Share(over, compared), under, Share(under, compared))))
    return Table("escalation", "Referring agencies' levels against the levels applied",
                 ("Referring agency", "Decided with both levels known", "Referrer's level higher",
                  "Share higher", "Referrer's level lower", "Share lower"), tuple(rows),
                 note="This period's decided contacts on which the referrer chose a level.")


ESCALATION_COLUMNS = (("over", "Referrer's level above the one applied"), ("agreed", "Agreed"), ("under", "Below"))


def escalation_by_indicator(scope: Scope) -> Table:
    """For each threshold indicator of the live form, in the thresholds' order, of this period's
    referrals that matched it with both levels known: how many the referrer put above the level
    applied, at it, and below it. Indicators no such referral matched are left out."""
    counted = {how: scope.counter.each(replace(scope.now, escalation=how), "indicator",
                                       tuple(value for value, _ in scope.choices.indicators))
               for how, _ in ESCALATION_COLUMNS}
    rows = []
    for value, text in scope.choices.indicators:
        cells = tuple(counted[how][value] for how, _ in ESCALATION_COLUMNS)
        if any(cell.count for cell in cells):
            rows.append(Row(text, cells))
    return Table("indicator-escalation", "Threshold indicators matched: referrers' levels against the levels applied",
                 ("Threshold indicator", *(words for _, words in ESCALATION_COLUMNS)), tuple(rows),
                 note="This period's decided contacts on which the referrer chose a level, by each threshold "
                      "indicator their answers matched: a contact matching several is in several rows. "
                      "Indicators no such contact matched are left out.")
