"""A front door's Christmas, with known answers: nine referrals around 25-28 December 2026 (a
Friday bank holiday, a weekend, and Monday 28th, Boxing Day's substitute bank holiday), seen on
Wednesday 30 December 2026 at noon (GMT: local time is UTC). Each figure the dashboards show for
this week and the one before is worked out by hand in `tests/web/dashboards/test_figures.py`.

Rows are written as the front door leaves them (`referral_about`: the row, its received event and
its match keys, so a child's second referral is a re-referral), then given their facts: agency,
source code, categories, levels, decision. Due times come from the decision clock itself
(`deadlines.due_at`), and test_figures checks them against the hand-worked ones.

    ref  received (local)    agency          source  categories               levels r/s/a  outcome       decided          asked  status
    A    Mon 28 Dec 10:00    school          2A      neglect                  3/3/2         early_help    Tue 29 11:00     -      decided
    B    Mon 28 Dec 11:00    police          6       neglect domestic_abuse   4/3/4         strategy_s47  Wed 30 09:00     -      decided
    C    Tue 29 Dec 09:30    (council staff) -       -                        -/2/-         -             -                -      received, unassigned
    D    Tue 29 Dec 14:00    school          2A      neglect                  2/2/-         -             -                yes    awaiting information (Mia again: re-referral)
    E    Wed 30 Dec 08:00    surgery         3A      emotional_abuse          2/1/1         nfa           Wed 30 11:00     yes    decided
    F    Mon 21 Dec 10:00    school          2A      neglect                  3/3/3         cin_s17       Wed 23 12:00     -      decided (Mia)
    G    Thu 24 Dec 16:00    police          6       domestic_abuse           2/3/3         strategy_s47  Tue 29 10:00     yes    decided
    H    Sat 26 Dec 12:00    school          2A      neglect                  3/4/-         -             -                -      in triage
    I    Tue  1 Dec 10:00    surgery         3A      neglect                  1/1/1         nfa           Tue  1 12:00     -      decided

The threshold indicators their answers matched (the referrer's level against the one applied):
A cd3-missing-episode and pc3-erratic-care (above); B cd3-missing-episode and cd4-sexual-abuse
(agreed); C cd2-emerging-behaviour (no referrer's level); D cd3-missing-episode (none applied);
E cd2-emerging-behaviour (above); F pc3-erratic-care (agreed); G cd3-missing-episode (below).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from flask import Flask

from fanlight.web.clock import SettableClock
from fanlight.web.models import Submission
from fanlight.web.triage import deadlines
from tests.support.factories import database
from tests.web.triage.support import Staff, child, referral_about

NOW = datetime.datetime(2026, 12, 30, 12, 0, tzinfo=datetime.UTC)
AGENCIES = {"school": ("demo-primary-school", "Demo Primary School", "2A"),
            "police": ("county-police", "County Police", "6"),
            "surgery": ("demo-surgery", "Demo Surgery", "3A"),
            "staff": (None, "", None)}


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Seeded:
    ids: dict[str, str]  # letter: submission id

    def __getitem__(self, letter: str) -> str:
        return self.ids[letter]


def _facts(staff: Staff) -> dict[str, dict[str, Any]]:
    return {
        "A": dict(received=at(28, 10), agency="school", categories="neglect", levels=(3, 3, 2), outcome="early_help",
                  decided=at(29, 11), owner=staff.jo, status="decided",
                  indicators="cd3-missing-episode pc3-erratic-care"),
        "B": dict(received=at(28, 11), agency="police", categories="neglect domestic_abuse", levels=(4, 3, 4),
                  outcome="strategy_s47", decided=at(30, 9), owner=staff.jo, status="decided",
                  indicators="cd3-missing-episode cd4-sexual-abuse"),
        "C": dict(received=at(29, 9, 30), agency="staff", categories="", levels=(None, 2, None), status="received",
                  indicators="cd2-emerging-behaviour"),
        "D": dict(received=at(29, 14), agency="school", categories="neglect", levels=(2, 2, None), asked=True,
                  owner=staff.jo, status="awaiting_information", indicators="cd3-missing-episode"),
        "E": dict(received=at(30, 8), agency="surgery", categories="emotional_abuse", levels=(2, 1, 1), outcome="nfa",
                  decided=at(30, 11), asked=True, owner=staff.kim, status="decided",
                  indicators="cd2-emerging-behaviour"),
        "F": dict(received=at(21, 10), agency="school", categories="neglect", levels=(3, 3, 3), outcome="cin_s17",
                  decided=at(23, 12), owner=staff.jo, status="decided", indicators="pc3-erratic-care"),
        "G": dict(received=at(24, 16), agency="police", categories="domestic_abuse", levels=(2, 3, 3),
                  outcome="strategy_s47", decided=at(29, 10), asked=True, owner=staff.kim, status="decided",
                  indicators="cd3-missing-episode"),
        "H": dict(received=at(26, 12), agency="school", categories="neglect", levels=(3, 4, None), owner=staff.kim,
                  status="in_triage"),
        "I": dict(received=at(1, 10), agency="surgery", categories="neglect", levels=(1, 1, 1), outcome="nfa",
                  decided=at(1, 12), owner=staff.jo, status="decided"),
    }


def seed(app: Flask, staff: Staff, clock: SettableClock) -> Seeded:
    """The nine referrals, in the order they arrived (so Mia's second is a re-referral); the clock
    is then Wednesday 30 December 2026, noon."""
    facts = _facts(staff)
    mia = child("Mia", "Stone", "2019-03-04", nhs="9434765919")
    ids: dict[str, str] = {}
    for letter in sorted(facts, key=lambda k: facts[k]["received"]):
        about = mia if letter in ("D", "F") else child(f"Child{letter}", f"Family{letter}", "2015-06-01")
        clock.set(facts[letter]["received"])
        ids[letter] = referral_about(app, staff.teacher, about)
    clock.set(NOW)
    with app.app_context():
        due = {letter: deadlines.due_at(f["received"]) for letter, f in facts.items()}
    with database(app) as s:
        for letter, f in facts.items():
            row = s.get(Submission, ids[letter])
            assert row is not None
            agency_id, agency, source = AGENCIES[f["agency"]]
            referrer, suggested, applied = f["levels"]
            row.received_at = row.submitted_at = f["received"]
            row.due_at = due[letter]
            row.agency_id, row.agency, row.cin_referral_source = agency_id, agency, source
            row.concern_categories = f" {f['categories']} " if f["categories"] else ""
            row.threshold_indicators = f" {f['indicators']} " if f.get("indicators") else ""
            row.level_referrer, row.level_suggested, row.level_applied = referrer, suggested, applied
            row.outcome, row.decided_at = f.get("outcome"), f.get("decided")
            row.information_requested = bool(f.get("asked"))
            row.assignee_id = f.get("owner")
            row.status = f["status"]
        s.commit()
    return Seeded(ids)
