"""/census/readiness: the referrals of a year missing a census code, each linked to its referral, and
how many children's records are ready; for managers and officers, never for a referrer."""

from __future__ import annotations

import re

from tests.support.factories import make_user, signed_in_client
from tests.web.census.support import Seeded


def listed(html: str) -> list[str]:
    """The references the page lists, each with the link it gives."""
    table = html.split("Referrals missing a census code</h2>", 1)[1]
    return re.findall(r'href="/front-door/referrals/([A-Z0-9-]+)"', table)


def test_a_manager_sees_exactly_the_referrals_missing_a_code_each_linked_to_the_referral(app, seeded: Seeded):
    manager = signed_in_client(app, make_user(app, "manager"))
    page = manager.get("/census/readiness?year=2026-27")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert listed(html) == [seeded.ref(app, "missing"), seeded.ref(app, "undecided")]
    for gap in ("no source of referral (ReferralSource)", "no primary need (PrimaryNeedCode)", "no decision yet",
                "Child 1: no date of birth (PersonBirthDate)"):
        assert gap in html
    assert re.search(r'id="census-ready">\s*4 of 5\s*<', html)
    assert re.search(r'id="census-missing">\s*2\s*<', html)
    assert '<option value="2026-27" selected>' in html
    assert 'href="/census/readiness">Census readiness</a>' in html  # the managers' navigation


def test_the_year_is_chosen_by_the_select(app, seeded: Seeded):
    manager = signed_in_client(app, make_user(app, "manager"))
    html = manager.get("/census/readiness?year=2025-26").get_data(as_text=True)
    assert listed(html) == [] and "No referral of 2025-26 is missing a census code." in html
    assert re.search(r'id="census-ready">\s*1 of 1\s*<', html)
    assert manager.get("/census/readiness?year=not-a-year").status_code == 200  # the current year instead


def test_an_officer_may_read_it_and_a_referrer_may_not(app, seeded: Seeded, teacher_client):
    officer = signed_in_client(app, make_user(app, "front_door_officer"))
    page = officer.get("/census/readiness")
    assert page.status_code == 200
    assert 'href="/census/readiness">Census readiness</a>' in page.get_data(as_text=True)  # officers read it too
    assert teacher_client.get("/census/readiness").status_code == 403
    for role in ("service_lead", "it_reviewer", "administrator"):
        assert signed_in_client(app, make_user(app, role)).get("/census/readiness").status_code == 403
