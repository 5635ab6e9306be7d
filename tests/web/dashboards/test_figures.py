"""Every figure of the dashboard for the week of 28 December 2026 (and the week before), on the
seeded Christmas (seeded.py), against the answers worked out by hand from its table."""

from __future__ import annotations

import datetime

import pytest

from fanlight.web.dashboards.figures import Cell
from fanlight.web.models import Submission
from tests.support.factories import database
from tests.web.triage.conftest import staff  # noqa: F401 (a fixture)

from .seeded import at, seed
from .support import dashboard, values

NOW_WEEK = "This period (Monday 28 December 2026 to Sunday 3 January 2027)"


@pytest.fixture
def christmas(app, staff, clock):  # noqa: F811
    return seed(app, staff, clock)


def test_the_decision_clock_skips_christmas_the_weekend_and_boxing_days_substitute(app, christmas):
    with database(app) as s:
        due = {letter: s.get(Submission, christmas[letter]).due_at for letter in "ACDEGH"}
    utc = {k: v if v.tzinfo else v.replace(tzinfo=datetime.UTC) for k, v in due.items()}
    assert utc["G"] == at(29, 16)  # Thursday 24th 16:00: an hour that day, seven on Tuesday 29th
    assert utc["H"] == at(29, 17)  # a Saturday: the clock starts on Tuesday 29th (28th a bank holiday)
    assert utc["A"] == at(29, 17)  # received on the bank holiday itself
    assert utc["C"] == at(30, 9, 30)
    assert utc["D"] == at(30, 14)
    assert utc["E"] == at(30, 17)  # before the front door opened: due by its close


def test_contacts_received_this_week_beside_last_week_by_agency_source_and_category(app, christmas):
    shown = dashboard(app, period="week")
    assert (shown.period.start, shown.period.end) == (datetime.date(2026, 12, 28), datetime.date(2027, 1, 3))
    assert (shown.previous.start, shown.previous.end) == (datetime.date(2026, 12, 21), datetime.date(2026, 12, 27))
    assert shown.tables["received"].columns[1] == NOW_WEEK
    assert values(shown.tables["received"]) == {"Contacts received": (5, 3)}
    over_time = values(shown.tables["received-over-time"])
    assert list(over_time.values()) == [(2,), (2,), (1,), (0,), (0,), (0,), (0,)]
    assert list(over_time)[0] == "Mon 28 Dec"
    assert values(shown.tables["by-agency"]) == {
        "County Police": (1, 1), "Demo Primary School": (2, 2), "Demo Surgery": (1, 0),
        "No agency (council staff, or an agency no longer approved)": (1, 0)}
    by_source = values(shown.tables["by-source"])
    assert by_source["No source code recorded"] == (1, 0)  # C: a missing code is a row of its own
    assert {k.split(":")[0]: v for k, v in by_source.items() if ":" in k} == {"2A": (2, 2), "3A": (1, 0), "6": (1, 1)}
    assert values(shown.tables["by-category"]) == {"Neglect": (3, 2), "Domestic abuse": (1, 1),
                                                   "Emotional abuse": (1, 0)}


def test_outcomes_and_where_the_decided_contacts_went(app, christmas):
    shown = dashboard(app, period="week")
    outcomes = values(shown.tables["outcomes"])
    assert outcomes["Early help"] == (1, 0) and outcomes["Strategy discussion (section 47)"] == (1, 1)
    assert outcomes["No further action"] == (1, 0) and outcomes["Child in need assessment (section 17)"] == (0, 1)
    assert outcomes["Not decided yet"] == (2, 1)
    conversion = values(shown.tables["conversion"])
    assert conversion["Children's social care (section 17 assessment or section 47 strategy)"] == (1, "33%", 2, "100%")
    assert conversion["Early help"] == (1, "33%", 0, "0%")
    assert conversion["Information, advice or signposting"] == (0, "0%", 0, "0%")
    assert conversion["No further action"] == (1, "33%", 0, "0%")
    assert conversion["Decided"] == (3, "100%", 2, "100%")


def test_threshold_calibration_matrices_and_which_agencies_over_escalate(app, christmas):
    shown = dashboard(app, period="week")
    referrer = values(shown.tables["referrer-applied"])  # columns: applied 1, 2, 3, 4, none
    assert referrer == {"Level 1": (0, 0, 0, 0, 0), "Level 2": (1, 0, 0, 0, 1), "Level 3": (0, 1, 0, 0, 0),
                        "Level 4": (0, 0, 0, 1, 0), "Referrer chose none": (0, 0, 0, 0, 1)}
    suggested = values(shown.tables["suggested-applied"])
    assert suggested == {"Level 1": (1, 0, 0, 0, 0), "Level 2": (0, 0, 0, 0, 2), "Level 3": (0, 1, 0, 1, 0),
                         "Level 4": (0, 0, 0, 0, 0), "No level suggested": (0, 0, 0, 0, 0)}
    escalation = values(shown.tables["escalation"])  # both known, higher, share, lower, share
    assert escalation == {"County Police": (1, 0, "0%", 0, "0%"), "Demo Primary School": (1, 1, "100%", 0, "0%"),
                          "Demo Surgery": (1, 1, "100%", 0, "0%")}


EMERGING_BEHAVIOUR = "Emerging behaviour difficulties at home, in school or in the community."
MISSING = "The child has gone missing from home, care or school without explanation."
SEXUAL_ABUSE = "Disclosure or suspicion of sexual abuse."
ERRATIC_CARE = "Food, supervision and warmth are erratic and this is affecting the child."


def test_which_threshold_indicators_come_with_a_referrers_level_above_or_below_the_one_applied(app, christmas):
    """Columns: the referrer's level above the one applied, agreed, below; rows in the thresholds'
    order. This week: A (above; missing, erratic care), B (agreed; missing, sexual abuse), E (above;
    emerging behaviour); C has no referrer's level and D no level applied. The month adds F
    (agreed; erratic care) and G (below; missing)."""
    week = dashboard(app, period="week").tables["indicator-escalation"]
    assert week.columns == ("Threshold indicator", "Referrer's level above the one applied", "Agreed", "Below")
    assert list(values(week).items()) == [(EMERGING_BEHAVIOUR, (1, 0, 0)), (MISSING, (1, 1, 0)),
                                          (SEXUAL_ABUSE, (0, 1, 0)), (ERRATIC_CARE, (1, 0, 0))]
    month = dashboard(app, period="month").tables["indicator-escalation"]
    assert list(values(month).items()) == [(EMERGING_BEHAVIOUR, (1, 0, 0)), (MISSING, (1, 1, 1)),
                                           (SEXUAL_ABUSE, (0, 1, 0)), (ERRATIC_CARE, (1, 1, 0))]
    below = month.rows[1].values[2]
    assert isinstance(below, Cell)
    assert below.args() == {"indicator": "cd3-missing-episode", "from": "2026-12-01", "to": "2026-12-31",
                            "escalation": "under"}


def test_referral_quality_timeliness_re_referrals_and_pending_work(app, christmas):
    shown = dashboard(app, period="week")
    assert values(shown.tables["asked"]) == {
        "County Police": (1, 0, "0%"), "Demo Primary School": (2, 1, "50%"), "Demo Surgery": (1, 1, "100%"),
        "No agency (council staff, or an agency no longer approved)": (1, 0, "0%"), "All agencies": (5, 2, "40%")}
    timeliness = values(shown.tables["timeliness"])
    assert timeliness["Decided"] == (3, 2)
    assert timeliness["Decided within one working day"] == (2, 1)  # A and E; G (before)
    assert timeliness["Decided after one working day"] == (1, 1)  # B; F
    assert timeliness["Share decided within one working day (target 95%)"] == ("67%", "50%")
    # Hours 3, 25 and 46 (E, A, B); 50 and 114 (F, G): percentiles interpolated between the nearest two.
    assert timeliness["Hours from receipt to decision: median"] == ("25.0 hours", "82.0 hours")
    assert timeliness["Hours from receipt to decision: 90th percentile"] == ("41.8 hours", "107.6 hours")
    re_referrals = values(shown.tables["re-referrals"])
    assert re_referrals["Re-referrals"] == (1, 0) and re_referrals["Share that are re-referrals"] == ("20%", "0%")
    # Now, whatever the period: C waits unassigned and is overdue since 09:30; D waits for its referrer
    # and is due at 14:00; H has been overdue since Tuesday.
    assert values(shown.tables["pending"]) == {
        "Unassigned and waiting for a decision": (1,), "Awaiting information from the referrer": (1,),
        "Decision due today": (2,), "Decision overdue": (2,)}


def test_the_month_quarter_and_council_year_hold_all_of_december(app, christmas):
    for kind, start, end, count in (("today", (2026, 12, 30), (2026, 12, 30), 1),
                                    ("month", (2026, 12, 1), (2026, 12, 31), 9),
                                    ("quarter", (2026, 10, 1), (2026, 12, 31), 9),
                                    ("year", (2026, 4, 1), (2027, 3, 31), 9)):
        shown = dashboard(app, period=kind)
        assert (shown.period.start, shown.period.end) == (datetime.date(*start), datetime.date(*end)), kind
        assert values(shown.tables["received"])["Contacts received"][0] == count, kind
    custom = dashboard(app, period="custom", **{"from": "2026-12-24", "to": "2026-12-28"})
    assert values(custom.tables["received"]) == {"Contacts received": (4, 1)}  # G, H, A, B; F on the 21st
    assert (custom.previous.start, custom.previous.end) == (datetime.date(2026, 12, 19), datetime.date(2026, 12, 23))
