"""The holding area refreshes its table every minute with htmx (issue 9, item 1), under the filters
the page was opened with. The refresh is the page's own doing, not the officer's: it does not keep
an unattended session alive (the idle limit still signs them out)."""

from __future__ import annotations

from typing import Any

import pytest

from fanlight.web.triage import workflow
from tests.web.triage.support import acting
from tests.web.triage.test_holding_area import client_of

POLL = {"HX-Request": "true", "Fanlight-Background": "1"}  # what the page's hx-get sends


@pytest.fixture
def config(config: dict[str, Any]) -> dict[str, Any]:
    """A one-minute idle limit, as tests/web/accounts/test_sessions.py uses."""
    return {**config, "FANLIGHT_SESSION_IDLE_SECONDS": 60, "FANLIGHT_SESSION_WARNING_SECONDS": 30}


def test_the_table_asks_for_itself_again_every_minute_with_the_same_filters(app, staff, referral_id):
    page = client_of(app, staff.jo).get("/front-door/?rag=none&sort=due").get_data(as_text=True)
    assert ('<div id="holding-table" hx-get="/front-door/?rag=none&amp;sort=due" hx-trigger="every 60s"'
            in page)
    assert "hx-headers='{\"Fanlight-Background\": \"1\"}'" in page


def test_the_refresh_gets_the_table_alone_with_what_changed_since(app, staff, referral_id):
    jo = client_of(app, staff.jo)
    first = jo.get("/front-door/?owner=unassigned", headers=POLL).get_data(as_text=True)
    with acting(app, referral_id) as (referral, user):
        reference = referral.reference
        workflow.claim(referral, user(staff.kim))
    assert "<html" not in first and 'id="filter-q"' not in first  # no page, no filter form: the region alone
    assert reference in first and "Showing 1 to 1 of 1 referral" in first
    again = jo.get("/front-door/?owner=unassigned", headers=POLL).get_data(as_text=True)
    assert reference not in again and "No referrals match" in again


def test_an_idle_officer_is_signed_out_even_though_the_holding_area_keeps_refreshing(app, staff, clock):
    jo = client_of(app, staff.jo)
    clock.advance(40)
    assert jo.get("/front-door/", headers=POLL).status_code == 200
    clock.advance(40)  # 80 s since the officer last did anything, 40 s since the last refresh
    assert jo.get("/front-door/", headers=POLL).status_code == 401
    signed_out = jo.get("/front-door/")
    assert signed_out.status_code == 302 and signed_out.headers["Location"].startswith("/sign-in")


def test_what_the_officer_does_still_keeps_the_session_alive(app, staff, clock):
    jo = client_of(app, staff.jo)
    clock.advance(40)
    assert jo.get("/front-door/").status_code == 200
    clock.advance(40)
    assert jo.get("/front-door/", headers=POLL).status_code == 200
