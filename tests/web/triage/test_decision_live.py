"""The decision page checks the answers as the officer gives them (issue 9, item 7: "the same
evaluator, components and htmx as the professional's form"): htmx posts them to the live check,
which sends back the questions and the rules' messages as they now stand and saves nothing. With
JavaScript off the page's own post does it all (test_decisions.py)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from fanlight.web.triage import workflow
from tests.support.factories import csrf_from, snapshot
from tests.web.triage.support import Staff, acting
from tests.web.triage.test_decisions import PRESENT
from tests.web.triage.test_holding_area import client_of

APPROVAL = "No further action on a referral rated red needs a manager&#39;s approval."
MISSING = "A decision cannot be recorded without a reason, an outcome and a primary need code."


def _red_and_jos(app: Flask, referral_id: str, staff: Staff) -> str:
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
        workflow.set_rag(referral, "red", "Injuries described", user(staff.jo))
        return referral.reference


def _live(client: FlaskClient, reference: str, **answers: str) -> tuple[int, str]:
    token = csrf_from(client.get(f"/front-door/referrals/{reference}").get_data(as_text=True))
    answered = client.post(f"/front-door/referrals/{reference}/decision/live", headers={"HX-Request": "true"},
                           data={"csrf_token": token, "_present": PRESENT, **answers})
    return answered.status_code, answered.get_data(as_text=True)


def test_the_page_sends_its_answers_to_the_live_check_as_they_change(app, referral_id, staff):
    reference = _red_and_jos(app, referral_id, staff)
    page = client_of(app, staff.jo).get(f"/front-door/referrals/{reference}/decision").get_data(as_text=True)
    assert f'hx-post="/front-door/referrals/{reference}/decision/live"' in page
    assert 'hx-target="#decision-fields"' in page and '<div id="decision-fields">' in page
    assert f'action="/front-door/referrals/{reference}/decision"' in page  # JavaScript off: the page's own post


def test_choosing_no_further_action_on_a_red_referral_says_at_once_that_a_manager_must_approve_it(
        app, referral_id, staff):
    reference = _red_and_jos(app, referral_id, staff)
    jo = client_of(app, staff.jo)
    before = snapshot(app, ignore_audit=True)

    status, fragment = _live(jo, reference, outcome="nfa")
    assert status == 200 and "<html" not in fragment
    assert APPROVAL in fragment
    assert 'value="nfa" checked' in fragment  # the answer given is kept in the questions sent back
    status, fragment = _live(jo, reference, outcome="cin_s17")
    assert status == 200 and APPROVAL not in fragment
    assert snapshot(app, ignore_audit=True) == before  # a live check saves nothing


def test_errors_appear_live_only_once_the_page_has_shown_them(app, referral_id, staff):
    reference = _red_and_jos(app, referral_id, staff)
    jo = client_of(app, staff.jo)
    assert MISSING not in _live(jo, reference, outcome="early_help")[1]
    status, fragment = _live(jo, reference, outcome="early_help", show_errors="1")
    assert status == 200 and MISSING in fragment
    assert 'name="show_errors" value="1"' in fragment  # and they stay shown as the answers change


def test_only_the_owner_or_a_manager_may_use_the_live_check(app, referral_id, staff, teacher_client):
    reference = _red_and_jos(app, referral_id, staff)
    assert _live(client_of(app, staff.kim), reference, outcome="nfa")[0] == 403
    assert _live(client_of(app, staff.manager), reference, outcome="nfa")[0] == 200
    token = csrf_from(teacher_client.get("/your-forms").get_data(as_text=True))
    refused = teacher_client.post(f"/front-door/referrals/{reference}/decision/live",
                                  data={"csrf_token": token, "outcome": "nfa"})
    assert refused.status_code == 403
