"""What the front door decided about the contacts of the period, and where they went (conversion):
children's social care (section 17 or 47), early help, advice, no further action, transferred."""

from __future__ import annotations

from dataclasses import replace

from ...models import Submission
from ...triage.queue import CONVERSIONS
from ..figures import Row, Share, Table, cell_or_zero
from ..scope import Scope

CONVERSION_LABELS = {"social_care": "Children's social care (section 17 assessment or section 47 strategy)",
                     "early_help": "Early help", "advice": "Information, advice or signposting",
                     "nfa": "No further action", "transferred": "Another local authority or agency"}


def outcomes(scope: Scope) -> Table:
    now = scope.counter.by(scope.now, Submission.outcome, "outcome")
    before = scope.counter.by(scope.before, Submission.outcome, "outcome")
    rows = [Row(label, (cell_or_zero(now, value, scope.now, "outcome"),
                        cell_or_zero(before, value, scope.before, "outcome")))
            for value, label in scope.choices.outcomes]
    rows.append(Row("Not decided yet", scope.both(decided="no")))
    return Table("outcomes", "Decisions on the contacts received", ("Outcome", *scope.periods), tuple(rows),
                 note="Counted by when the contact was received, whenever it was decided.")


def conversion(scope: Scope) -> Table:
    decided_now, decided_before = scope.both(decided="yes")
    rows = []
    for key in CONVERSIONS:
        now = scope.counter.count(replace(scope.now, conversion=key), f"figure-conversion-{key.replace('_', '-')}")
        before = scope.counter.count(replace(scope.before, conversion=key))
        rows.append(Row(CONVERSION_LABELS[key], (now, Share(now, decided_now), before, Share(before, decided_before))))
    rows.append(Row("Decided", (decided_now, "100%" if decided_now.count else "No referrals",
                                decided_before, "100%" if decided_before.count else "No referrals")))
    heading_now, heading_before = scope.periods
    return Table("conversion", "Where the decided contacts went", (
        "Went to", heading_now, "Share of decided", heading_before, "Share of decided, previous period"), tuple(rows))
