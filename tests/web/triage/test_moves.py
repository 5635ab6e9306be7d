"""A referral's states and their moves (issue 9, item 2): only the moves its state machine allows,
made by the people allowed to make them; a refusal writes nothing."""

from __future__ import annotations

import pytest

from fanlight.web.access.policies import NotAllowed
from fanlight.web.models import ReferralStatus
from fanlight.web.triage import workflow
from tests.support.factories import snapshot
from tests.web.triage.support import acting, events, row

S = ReferralStatus


def test_a_referral_moves_only_as_the_front_door_works():
    assert S.sources(S.IN_TRIAGE) == (S.AWAITING_INFORMATION, S.RECEIVED)
    assert S.sources(S.DECIDED) == (S.IN_TRIAGE,)  # never decided while waiting for information
    assert set(S.sources(S.WITHDRAWN)) == set(S.open())
    assert S.sources(S.DELIVERED) == (S.DECIDED,)
    for closed in (S.DELIVERED, S.WITHDRAWN):
        assert not any(closed.may_become(to) for to in S)
    assert not S.DECIDED.may_become(S.WITHDRAWN)  # not after a decision
    assert [s.label for s in S.open()] == ["Received", "In triage", "Awaiting information"]


def test_an_officer_asks_for_information_records_it_came_and_the_owner_decides(app, referral_id, staff):
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
        workflow.ask_for_information(referral, user(staff.jo), "Ask the school for the attendance record")
        workflow.information_received(referral, user(staff.kim), "Attendance record came by email")
        workflow.decide(referral, user(staff.jo), "Early help assessment")

    assert row(app, referral_id).status == S.DECIDED
    moves = [(e.kind, e.actor_id, e.from_status, e.to_status, e.reason) for e in events(app, referral_id)]
    assert moves == [
        ("received", staff.teacher, None, "received", ""),
        ("claimed", staff.jo, "received", "in_triage", ""),
        ("information_requested", staff.jo, "in_triage", "awaiting_information", "Ask the school for the attendance record"),
        ("information_received", staff.kim, "awaiting_information", "in_triage", "Attendance record came by email"),
        ("decided", staff.jo, "in_triage", "decided", "Early help assessment"),
    ]


def test_only_the_owner_or_a_manager_decides(app, referral_id, staff):
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
    before = snapshot(app, ignore_audit=True)
    with acting(app, referral_id) as (referral, user), pytest.raises(NotAllowed):
        workflow.decide(referral, user(staff.kim), "Not mine to decide")
    assert snapshot(app, ignore_audit=True) == before
    with acting(app, referral_id) as (referral, user):
        workflow.decide(referral, user(staff.manager), "Strategy discussion")
    assert row(app, referral_id).status == S.DECIDED


def test_a_referrer_withdraws_before_a_decision_but_not_after(app, referral_id, staff, teacher_client):
    with acting(app, referral_id) as (referral, user):
        workflow.withdraw(referral, user(staff.teacher), "Sent to the wrong council")
    assert row(app, referral_id).status == S.WITHDRAWN
    withdrawn = events(app, referral_id)[-1]
    assert (withdrawn.kind, withdrawn.actor_id, withdrawn.from_status, withdrawn.reason) == (
        "withdrawn", staff.teacher, "received", "Sent to the wrong council")

    from tests.support.factories import submitted_draft

    _, decided_id = submitted_draft(app, teacher_client)
    with acting(app, decided_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
        workflow.decide(referral, user(staff.jo), "Information and advice")
    before = snapshot(app)
    with acting(app, decided_id) as (referral, user), pytest.raises(workflow.IllegalMove) as refused:
        workflow.withdraw(referral, user(staff.teacher), "Too late")
    assert "It is decided: it cannot be withdrawn." in refused.value.message
    assert snapshot(app) == before


def test_only_the_referrer_withdraws_their_referral(app, referral_id, staff):
    before = snapshot(app, ignore_audit=True)
    for who in (staff.stranger, staff.jo, staff.manager):
        with acting(app, referral_id) as (referral, user), pytest.raises(NotAllowed):
            workflow.withdraw(referral, user(who), "Not theirs")
    assert snapshot(app, ignore_audit=True) == before


@pytest.mark.parametrize(("to", "why"), [
    (S.DECIDED, "It is received: it cannot be decided."),  # nobody has triaged it
    (S.AWAITING_INFORMATION, "It is received: it cannot be awaiting information."),
    (S.DELIVERED, "It is received: it cannot be delivered."),
    (S.RECEIVED, "It is received: it cannot be received."),
])
def test_an_illegal_move_is_refused_and_nothing_is_written(app, referral_id, staff, to, why):
    before = snapshot(app)
    with acting(app, referral_id) as (referral, user), pytest.raises(workflow.IllegalMove) as refused:
        workflow.move(referral, to, user(staff.manager), "Trying")
    assert refused.value.code == 409 and why in refused.value.message
    assert snapshot(app) == before


def test_a_decided_referral_is_not_delivered_by_anyone_here(app, referral_id, staff):
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
        workflow.decide(referral, user(staff.jo), "Assessment")
        with pytest.raises(NotAllowed):
            workflow.move(referral, S.DELIVERED, user(staff.manager))  # the case-system delivery does (later)


def test_starting_triage_is_claiming_it(app, referral_id, staff):
    with acting(app, referral_id) as (referral, user):
        workflow.move(referral, S.IN_TRIAGE, user(staff.kim))
    assert (row(app, referral_id).status, row(app, referral_id).assignee_id) == (S.IN_TRIAGE, staff.kim)
    assert events(app, referral_id)[-1].kind == "claimed"


def test_a_move_made_on_an_out_of_date_page_is_refused_naming_what_happened(app, referral_id, staff):
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
    with acting(app, referral_id) as (seen_by_jo, user):
        jo = user(staff.jo)
        with acting(app, referral_id) as (referral, other):
            workflow.withdraw(referral, other(staff.teacher), "Family moved away")
        with pytest.raises(workflow.Taken) as taken:
            workflow.decide(seen_by_jo, jo, "No further action")
    assert taken.value.message.startswith("Sam Teacher withdrew this at ")
    assert row(app, referral_id).status == S.WITHDRAWN
