"""A referrer withdraws a referral before the front door decides (issue 9, item 2), saying why."""

from __future__ import annotations

from flask.testing import FlaskClient

from fanlight.web.models import ReferralStatus
from fanlight.web.triage import workflow
from tests.support.factories import csrf_from
from tests.web.triage.support import Staff, acting, events, row
from tests.web.triage.test_holding_area import client_of

REASON = "Sent twice by mistake: the other referral, sent a minute earlier, is the one to act on."


def withdraw(client: FlaskClient, referral_id: str, reason: str) -> object:
    page = client.get(f"/submissions/{referral_id}/withdraw")
    assert page.status_code == 200, page.status_code
    return client.post(f"/submissions/{referral_id}/withdraw",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True)), "reason": reason})


def test_a_teacher_withdraws_a_referral_sent_twice_and_the_front_door_sees_why(
        app, referral_id, staff: Staff, teacher_client: FlaskClient):
    assert "Withdraw this referral" in teacher_client.get(f"/submissions/{referral_id}").get_data(as_text=True)
    response = withdraw(teacher_client, referral_id, REASON)
    assert response.status_code == 303
    assert row(app, referral_id).status == ReferralStatus.WITHDRAWN
    event = events(app, referral_id)[-1]
    assert (event.kind, event.actor_id, event.from_status, event.to_status, event.reason) == (
        "withdrawn", staff.teacher, "received", "withdrawn", REASON)
    page = client_of(app, staff.jo).get(f"/front-door/referrals/{row(app, referral_id).reference}").get_data(as_text=True)
    assert "withdrew this" in page and REASON in page
    after = teacher_client.get(f"/submissions/{referral_id}").get_data(as_text=True)
    assert "You withdrew it" in after and "Withdraw this referral" not in after


def test_a_withdrawal_needs_a_reason_and_a_decided_referral_cannot_be_withdrawn(
        app, referral_id, staff: Staff, teacher_client: FlaskClient):
    refused = withdraw(teacher_client, referral_id, "   ")
    assert refused.status_code == 422
    assert "Say why you are withdrawing this referral" in refused.get_data(as_text=True)
    assert row(app, referral_id).status == ReferralStatus.RECEIVED

    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
    with acting(app, referral_id) as (referral, user):
        workflow.move(referral, ReferralStatus.DECIDED, user(staff.jo), "Early help")
    assert teacher_client.get(f"/submissions/{referral_id}/withdraw").status_code == 303
    assert row(app, referral_id).status == ReferralStatus.DECIDED


def test_only_the_referrer_withdraws(app, referral_id, staff: Staff):
    stranger = client_of(app, staff.stranger)
    assert stranger.get(f"/submissions/{referral_id}/withdraw").status_code == 404
    assert row(app, referral_id).status == ReferralStatus.RECEIVED
