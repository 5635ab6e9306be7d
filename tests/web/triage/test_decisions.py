"""The front door's decision (issue 9, item 7, and the outcome email of item 9): a Fanlight form,
front-door-decision.yaml, whose rules say what a decision needs; a complete one moves the referral to
decided with its answers on the event, and tells the referrer the outcome in plain words."""

from __future__ import annotations

import pytest

from fanlight.web.access.policies import NotAllowed
from fanlight.web.models import ReferralStatus
from fanlight.web.triage import decisions, workflow
from tests.support.factories import csrf_from, make_user, signed_in_client, snapshot
from tests.support.mailbox import outbox
from tests.web.triage.support import acting, events, row
from tests.web.triage.test_acknowledgement import child_details
from tests.web.triage.test_holding_area import client_of

PRESENT = ["outcome", "level_applied", "reasons", "reason_for_referrer", "primary_need"]  # what the page renders
CIN = {"outcome": "cin_s17", "level_applied": "3", "primary_need": "N1",
       "reasons": "Repeated concerns from school about neglect; the family agree to an assessment.",
       "reason_for_referrer": "A social worker will assess the family's needs and may contact you."}


def test_the_owner_decides_a_child_in_need_assessment_and_the_referrer_is_told_in_plain_words(
        app, referral_id, staff, teacher):
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
        with app.test_request_context():  # as the page does: the email's links need one
            evaluation = decisions.decide(referral, dict(CIN), user(staff.jo))
    assert evaluation.complete and not evaluation.errors

    decided = row(app, referral_id)
    assert decided.status == ReferralStatus.DECIDED
    event = events(app, referral_id)[-1]
    assert (event.kind, event.actor_id, event.reason) == ("decided", staff.jo, CIN["reasons"])
    assert event.detail["decision"]["outcome"] == "cin_s17"
    assert event.detail["decision"]["primary_need"] == "N1"
    assert event.detail["decision"]["cin_referral_source"] == "2A"  # from the school, not typed in

    message = outbox(app, teacher.email)[-1]
    assert message.subject == f"Referral {decided.reference}: the Family Front Door's decision"
    assert "Outcome: Child in need assessment (section 17)" in message.body
    assert CIN["reason_for_referrer"] in message.body
    assert "/guidance/levels-of-need/level-3" in message.body
    assert not [d for d in child_details(decided.answers) if d in message.body]
    assert CIN["reasons"] not in message.body  # the officer's reasons stay on the record


def test_a_decision_without_a_reason_is_refused_by_the_yaml_rule_and_nothing_is_saved(app, referral_id, staff):
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
    before = snapshot(app, ignore_audit=True)
    with acting(app, referral_id) as (referral, user):
        evaluation = decisions.decide(referral, {**CIN, "reasons": ""}, user(staff.jo))
    messages = {(e.field, e.code): e.message for e in evaluation.errors}
    assert messages[("reasons", "cannot-close-without-reason-outcome-code")] == (
        "A decision cannot be recorded without a reason, an outcome and a primary need code.")
    assert snapshot(app, ignore_audit=True) == before
    assert row(app, referral_id).status == ReferralStatus.IN_TRIAGE


def test_an_officer_who_does_not_own_it_cannot_decide(app, referral_id, staff):
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
    before = snapshot(app, ignore_audit=True)
    with acting(app, referral_id) as (referral, user), pytest.raises(NotAllowed):
        decisions.decide(referral, dict(CIN), user(staff.kim))
    assert snapshot(app, ignore_audit=True) == before


def test_no_further_action_on_a_red_referral_is_a_managers_decision(app, referral_id, staff):
    """An officer's is only proposed (test_approval.py: a manager approves or returns it); a manager's is recorded."""
    nfa = {**CIN, "outcome": "nfa", "level_applied": "1", "primary_need": "N9"}
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
        workflow.set_rag(referral, "red", "Injuries described", user(staff.jo))
    with acting(app, referral_id) as (referral, user), app.test_request_context():
        decisions.decide(referral, nfa, user(staff.jo))
    assert row(app, referral_id).status == ReferralStatus.IN_TRIAGE
    assert events(app, referral_id)[-1].kind == "decision_proposed"
    with acting(app, referral_id) as (referral, user), app.test_request_context():
        decisions.decide(referral, nfa, user(staff.manager))
    assert row(app, referral_id).status == ReferralStatus.DECIDED
    decided = events(app, referral_id)[-1]
    assert decided.detail["derived"] == {"needs_manager_approval": True} and "approved" not in decided.detail


@pytest.mark.parametrize("agency", ["Demo Primary School", None])
def test_the_decision_form_is_never_offered_to_referrers_nor_started_as_a_draft(app, agency):
    person = make_user(app, "professional", name="Sam Referrer", agency=agency or "Test Agency")
    if agency is None:
        from tests.web.triage.support import in_agency  # agency-less council staff may use every form
        in_agency(app, person.id, "")
    client = signed_in_client(app, person)
    page = client.get("/your-forms").get_data(as_text=True)
    assert "/forms/front-door-decision" not in page
    assert client.get("/forms/front-door-decision").status_code == 404
    token = csrf_from(page)
    refused = client.post("/forms/front-door-decision/drafts", data={"csrf_token": token})
    assert refused.status_code == 404


# The page ---------------------------------------------------------------------------------------


def _claimed_by_jo(app, referral_id, staff) -> str:
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
        return referral.reference


def test_the_owner_records_the_decision_on_its_page_and_goes_back_to_the_referral_with_a_banner(
        app, referral_id, staff, teacher):
    reference = _claimed_by_jo(app, referral_id, staff)
    jo = client_of(app, staff.jo)
    page = jo.get(f"/front-door/referrals/{reference}")
    assert f'href="/front-door/referrals/{reference}/decision"' in page.get_data(as_text=True)
    form = jo.get(f"/front-door/referrals/{reference}/decision")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert "Child in need assessment (section 17)" in html and 'name="cin_referral_source"' not in html

    done = jo.post(f"/front-door/referrals/{reference}/decision", data={"csrf_token": csrf_from(html), "_present": PRESENT, **CIN})
    assert done.status_code == 303 and done.location.endswith(f"/front-door/referrals/{reference}")
    assert "You recorded the decision" in jo.get(done.location).get_data(as_text=True)
    assert row(app, referral_id).status == ReferralStatus.DECIDED
    assert "Outcome: Child in need assessment (section 17)" in outbox(app, teacher.email)[-1].body


def test_the_page_shows_the_yaml_rules_message_when_the_reason_is_missing(app, referral_id, staff):
    reference = _claimed_by_jo(app, referral_id, staff)
    jo = client_of(app, staff.jo)
    token = csrf_from(jo.get(f"/front-door/referrals/{reference}/decision").get_data(as_text=True))
    refused = jo.post(f"/front-door/referrals/{reference}/decision",
                      data={"csrf_token": token, "_present": PRESENT, **CIN, "reasons": ""})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "govuk-error-summary" in html
    assert "A decision cannot be recorded without a reason, an outcome and a primary need code." in html
    assert row(app, referral_id).status == ReferralStatus.IN_TRIAGE


def test_an_officer_who_does_not_own_it_gets_a_403_on_the_page(app, referral_id, staff):
    reference = _claimed_by_jo(app, referral_id, staff)
    kim = client_of(app, staff.kim)
    assert kim.get(f"/front-door/referrals/{reference}/decision").status_code == 403
    token = csrf_from(kim.get(f"/front-door/referrals/{reference}").get_data(as_text=True))
    assert kim.post(f"/front-door/referrals/{reference}/decision",
                    data={"csrf_token": token, "_present": PRESENT, **CIN}).status_code == 403
    assert row(app, referral_id).status == ReferralStatus.IN_TRIAGE


def test_of_two_deciding_at_once_one_wins_and_the_other_sends_no_email(app, referral_id, staff, teacher):
    _claimed_by_jo(app, referral_id, staff)
    with acting(app, referral_id) as (stale, user), app.test_request_context():
        manager = user(staff.manager)
        assert stale.status == ReferralStatus.IN_TRIAGE  # as the manager's page showed it
        with acting(app, referral_id) as (referral, other), app.test_request_context():
            decisions.decide(referral, dict(CIN), other(staff.jo))
        sent = len(outbox(app, teacher.email))
        with pytest.raises(workflow.Taken, match="Jo Officer decided this"):
            decisions.decide(stale, {**CIN, "outcome": "early_help"}, manager)
    assert len(outbox(app, teacher.email)) == sent
    assert events(app, referral_id)[-1].detail["decision"]["outcome"] == "cin_s17"
