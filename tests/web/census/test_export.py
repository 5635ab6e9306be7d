"""The census export on a seeded year with known answers: which referrals count, the XML's children
and items exactly, and what the CIN validator says of them (issue 10, item 5)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from flask import Flask

from fanlight.web.census import export, gather, validation
from fanlight.web.census.items import Standing
from fanlight.web.census.year import CensusYear
from tests.web.census.support import BOUNDARY_UPN, TWO_UPN, Seeded

YEAR = CensusYear.parse("2026-27")


def children_of(path: Path) -> list[dict[str, Any]]:
    """Each Child of the written file: its items by element name, in the file's order."""
    root = ET.parse(path).getroot()  # noqa: S314 (the test's own file)
    found = []
    for child in root.findall("Children/Child"):
        items: dict[str, Any] = {}
        for block in ("ChildIdentifiers", "ChildCharacteristics", "CINdetails"):
            element = child.find(block)
            assert element is not None
            items[block] = [(e.tag, e.text) for e in element if e.tag != "Disabilities"]
        items["Disabilities"] = [e.text for e in child.findall("ChildCharacteristics/Disabilities/Disability")]
        found.append(items)
    return found


def written(app: Flask, tmp_path: Path, year: CensusYear = YEAR) -> export.Export:
    with app.app_context():
        return export.export(year, tmp_path / "cin.xml", "938")


def test_the_census_has_exactly_the_referred_children_with_their_items(app, seeded: Seeded, tmp_path):
    done = written(app, tmp_path)
    boundary, two, missing = (seeded.ref(app, n).replace("-", "") for n in ("boundary", "two", "missing"))
    assert children_of(tmp_path / "cin.xml") == [
        {  # received 00:30 BST on 1 April 2026: the year's first day
            "ChildIdentifiers": [("LAchildID", f"{boundary}C1"), ("UPN", BOUNDARY_UPN),
                                 ("PersonBirthDate", "2015-06-01"), ("Sex", "M")],
            "ChildCharacteristics": [("Ethnicity", "WBRI")],
            "CINdetails": [("CINreferralDate", "2026-04-01"), ("ReferralSource", "2A"), ("PrimaryNeedCode", "N1"),
                           ("ReferralNFA", "false")],
            "Disabilities": ["LD", "AUT"],
        },
        {  # no further action: the case system's id, and UN7 for the UPN it has not got
            "ChildIdentifiers": [("LAchildID", "CMS000123"), ("UPNunknown", "UN7"), ("PersonBirthDate", "2019-02-03"),
                                 ("Sex", "F")],
            "ChildCharacteristics": [("Ethnicity", "WBRI")],
            "CINdetails": [("CINreferralDate", "2026-06-10"), ("ReferralSource", "3A"), ("PrimaryNeedCode", "N9"),
                           ("ReferralNFA", "true")],
            "Disabilities": ["NONE"],
        },
        {  # two children (their brother, listed for information only, is not in the census)
            "ChildIdentifiers": [("LAchildID", f"{two}C1"), ("UPN", TWO_UPN), ("PersonBirthDate", "2012-09-09"),
                                 ("Sex", "M")],
            "ChildCharacteristics": [("Ethnicity", "BAFR")],
            "CINdetails": [("CINreferralDate", "2026-07-01"), ("ReferralSource", "2A"), ("PrimaryNeedCode", "N1"),
                           ("ReferralNFA", "false")],
            "Disabilities": ["NONE"],
        },
        {  # unborn: the expected date, Sex U and UN6
            "ChildIdentifiers": [("LAchildID", f"{two}C2"), ("UPNunknown", "UN6"),
                                 ("ExpectedPersonBirthDate", "2027-03-20"), ("Sex", "U")],
            "ChildCharacteristics": [("Ethnicity", "WBRI")],
            "CINdetails": [("CINreferralDate", "2026-07-01"), ("ReferralSource", "2A"), ("PrimaryNeedCode", "N1"),
                           ("ReferralNFA", "false")],
            "Disabilities": ["NONE"],
        },
        {  # no source of referral, no primary need: left out, for the validator to report
            "ChildIdentifiers": [("LAchildID", f"{missing}C1"), ("UPNunknown", "UN1"),
                                 ("PersonBirthDate", "2023-03-03"), ("Sex", "F")],
            "ChildCharacteristics": [("Ethnicity", "WBRI")],
            "CINdetails": [("CINreferralDate", "2026-08-01"), ("ReferralNFA", "false")],
            "Disabilities": ["NONE"],
        },
    ]
    census = done.census
    assert [census.count(s) for s in Standing] == [4, 1, 1, 0]  # referrals, undecided, early help, withdrawn
    assert census.ready_children == 4


def test_the_header_names_the_collection_year_its_reference_date_and_the_council(app, seeded, tmp_path):
    written(app, tmp_path)
    root = ET.parse(tmp_path / "cin.xml").getroot()  # noqa: S314
    assert root.tag == "Message" and [e.tag for e in root] == ["Header", "Children"]
    assert [(e.tag, e.text) for e in root.find("Header/CollectionDetails")] == [
        ("Collection", "CIN"), ("Year", "2027"), ("ReferenceDate", "2027-03-31")]
    source = {e.tag: e.text for e in root.find("Header/Source")}
    assert source["LEA"] == "938" and source["SourceLevel"] == "L" and source["SoftwareCode"] == "Fanlight"


def test_the_validator_passes_the_complete_children_and_reports_the_missing_codes(app, seeded, tmp_path):
    done = written(app, tmp_path)
    missing = seeded.ref(app, "missing").replace("-", "") + "C1"
    assert done.result.ruleset == "cin2026_27" and not done.result.ruleset_note
    assert done.result.rules == validation.RULES
    assert [(p.rule, p.la_child_id, p.items) for p in done.result.problems] == [
        ("8610", missing, "PrimaryNeedCode, ReferralNFA"),
        ("8866", missing, "CINreferralDate, ReferralSource"),
    ]
    assert done.missing == [f"{seeded.ref(app, 'missing')}: no source of referral (ReferralSource)",
                            f"{seeded.ref(app, 'missing')}: no primary need (PrimaryNeedCode), needed for a referral "
                            "with further action",
                            f"{seeded.ref(app, 'undecided')}: no decision yet",
                            f"{seeded.ref(app, 'undecided')}: Child 1: no date of birth (PersonBirthDate)"]
    assert done.exit_code == 1


def test_a_referral_at_half_past_eleven_on_31_march_is_in_the_year_before(app, seeded, tmp_path):
    done = written(app, tmp_path, CensusYear.parse("2025-26"))
    assert [r.reference for r in done.census.counted] == [seeded.ref(app, "before")]
    assert [c.referral_date for c in done.census.children] == [datetime.date(2026, 3, 31)]
    assert done.result.problems == () and done.exit_code == 0
    with app.app_context():
        start, end = gather.bounds(YEAR)
    assert (start, end) == (datetime.datetime(2026, 3, 31, 23, 0, tzinfo=datetime.UTC),
                            datetime.datetime(2027, 3, 31, 23, 0, tzinfo=datetime.UTC))


def test_a_year_with_nothing_received_writes_an_empty_census_that_passes(app, staff, tmp_path):
    done = written(app, tmp_path, CensusYear.parse("2024-25"))
    assert children_of(tmp_path / "cin.xml") == []
    assert done.result.problems == () and done.missing == [] and done.exit_code == 0
    assert "2886Q" not in done.result.rules  # a percentage of no children is not run


def test_without_an_la_code_the_census_is_written_and_the_code_is_missing(app, staff, tmp_path):
    with app.app_context():
        done = export.export(CensusYear.parse("2024-25"), tmp_path / "cin.xml", None)
    assert done.missing[0].startswith("the council's LA code") and done.exit_code == 1
