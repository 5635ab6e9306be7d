"""The census's rule and mapping, as pure functions: which decisions make a CIN referral, ReferralNFA,
LAchildID, the reasons for a missing UPN, and the code lists against the domain notes."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml

from fanlight.web.census import codes
from fanlight.web.census.items import (
    CSC_REFERRAL_OUTCOMES,
    Lookups,
    ReferralFacts,
    Standing,
    census_referral,
    counts_as_cin_referral,
    la_child_id,
    referral_nfa,
)
from fanlight.web.census.year import CensusYear, NotACensusYear
from tests.web.census.support import child

DEFINITIONS = Path(__file__).resolve().parents[3] / "definitions"
LOOKUPS = Lookups({"white_british": "WBRI", "bogus": "XXXX"}, {"none": "NONE", "learning": "LD", "not_known": ""})
OUTCOMES = ["nfa", "information_advice", "signpost_universal", "early_help", "cin_s17", "strategy_s47", "transferred"]


def facts(outcome: str | None, *children: dict, status: str = "decided", **more) -> ReferralFacts:
    decision = None if outcome is None else {"outcome": outcome, "primary_need": "N1", "cin_referral_source": "2A"}
    return ReferralFacts(**{"submission_id": "s1", "reference": "FL-ABCD-EFGH", "received_on": datetime.date(2026, 9, 1),
                            "status": status, "decision": decision, "referral_source": "2A",
                            "answers": {"children": list(children) or [child("A", dob="2015-01-01")]}, **more})


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_a_referral_counts_when_children_s_social_care_acts_or_decides_no_further_action(outcome):
    counts = outcome in ("nfa", "cin_s17", "strategy_s47")
    assert counts_as_cin_referral("decided", {"outcome": outcome}) is counts
    assert counts_as_cin_referral("delivered", {"outcome": outcome}) is counts
    assert census_referral(facts(outcome), LOOKUPS).standing == (Standing.REFERRAL if counts else Standing.NOT_A_REFERRAL)
    assert referral_nfa({"outcome": outcome}) is (outcome == "nfa")
    assert set(CSC_REFERRAL_OUTCOMES) <= set(OUTCOMES)


def test_undecided_and_withdrawn_referrals_are_not_counted():
    waiting = census_referral(facts(None, status="in_triage"), LOOKUPS)
    assert waiting.standing == Standing.AWAITING_DECISION and waiting.children == ()
    assert [str(g) for g in waiting.gaps] == ["no decision yet"]
    withdrawn = census_referral(facts(None, status="withdrawn"), LOOKUPS)
    assert withdrawn.standing == Standing.WITHDRAWN and withdrawn.gaps == ()


def test_la_child_id_is_the_case_system_s_id_for_one_child_else_numbered():
    assert la_child_id(facts("cin_s17", case_id="CMS-77/1"), 1, 1) == "CMS771"
    assert la_child_id(facts("cin_s17", case_id="CMS-77/1"), 2, 2) == "CMS771C2"
    assert la_child_id(facts("cin_s17"), 3, 3) == "FLABCDEFGHC3"


def test_brothers_and_sisters_listed_for_information_only_are_not_in_the_census():
    found = census_referral(facts("cin_s17", child("A", dob="2015-01-01", subject=False),
                                  child("B", dob="2016-01-01")), LOOKUPS)
    assert [c.position for c in found.children] == [2]


def test_codes_that_are_not_census_codes_are_gaps_not_written():
    found = census_referral(facts("cin_s17", child("A", dob="2015-01-01", ethnicity="bogus", sex="other",
                                                   disability=("not_known",))), LOOKUPS)
    assert [str(g) for g in found.gaps] == ["Child 1: no sex recorded (Sex)", "Child 1: no ethnicity code (Ethnicity)",
                                            "Child 1: no disability code (Disability)"]
    (record,) = found.children
    assert (record.sex, record.ethnicity, record.disabilities) == (None, None, ())


@pytest.mark.parametrize(("dob", "reason"), [("2021-08-31", None), ("2021-09-01", "UN1"), ("2025-01-01", "UN1")])
def test_un1_only_for_a_child_not_yet_of_school_age(dob, reason):
    (record,) = census_referral(facts("cin_s17", child("A", dob=dob)), LOOKUPS).children
    assert record.upn_unknown == reason


def test_census_years():
    year = CensusYear.parse("2026-27")
    assert (year.first_day, year.last_day, year.collection_year) == (
        datetime.date(2026, 4, 1), datetime.date(2027, 3, 31), "2027")
    assert CensusYear.of(datetime.date(2027, 3, 31)) == year == CensusYear.of(datetime.date(2026, 4, 1))
    assert CensusYear.parse("2099-00").label == "2099-00"
    for bad in ("2026", "2026-2027", "2026-28", "2023-24", " ", "２０２６-２７"):
        with pytest.raises(NotACensusYear):
            CensusYear.parse(bad)


def test_the_census_code_lists_agree_with_the_bundled_definitions():
    """codes.py holds the DfE lists (transcribed from the census XSDs); the bundled option lists the
    forms use must give no code the census would reject."""
    primary_needs = yaml.safe_load((DEFINITIONS / "options" / "cin-primary-need.yaml").read_text(encoding="utf-8"))
    assert {str(o["code"]) for o in primary_needs["options"]} == codes.PRIMARY_NEEDS
    agency_types = yaml.safe_load((DEFINITIONS / "options" / "agency-types.yaml").read_text(encoding="utf-8"))
    used = {str(o["code"]) for o in agency_types["options"] if o.get("code")}
    assert used and used <= codes.REFERRAL_SOURCES
