"""Who has a referral: claimed, assigned to a named colleague, released (issue 9, item 3)."""

from __future__ import annotations

import pytest

from fanlight.web.access.policies import NotAllowed
from fanlight.web.models import ReferralStatus
from fanlight.web.triage import workflow
from tests.support.factories import audit_rows, snapshot
from tests.web.triage.support import acting, events, row


def test_an_officer_claims_a_referral_and_its_triage_starts(app, referral_id, staff):
    with acting(app, referral_id) as (referral, user):
        event = workflow.claim(referral, user(staff.jo))
        assert (referral.status, referral.assignee_id) == ("in_triage", staff.jo)  # the object holds what was written

    assert (row(app, referral_id).status, row(app, referral_id).assignee_id) == (ReferralStatus.IN_TRIAGE, staff.jo)
    claimed = events(app, referral_id)[-1]
    assert claimed.id == event.id
    assert (claimed.kind, claimed.actor_id, claimed.from_status, claimed.to_status) == (
        "claimed", staff.jo, "received", "in_triage")
    assert claimed.detail == {"assignee_id": staff.jo, "previous_assignee_id": None}


def test_a_second_officer_cannot_steal_it_and_is_told_who_has_it(app, referral_id, staff, clock):
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
    before = snapshot(app)

    with acting(app, referral_id) as (referral, user), pytest.raises(workflow.Taken) as taken:
        workflow.claim(referral, user(staff.kim))

    assert taken.value.winner == "Jo Officer"
    assert taken.value.message.startswith("Jo Officer claimed this at ")
    assert taken.value.code == 409
    assert snapshot(app) == before  # nothing written

    with acting(app, referral_id) as (referral, user), pytest.raises(workflow.Taken):
        workflow.assign(referral, user(staff.kim), user(staff.kim))  # nor by assigning it to herself
    assert snapshot(app) == before


def test_an_officer_who_saw_it_unclaimed_loses_the_race_and_is_told_who_won(app, referral_id, staff):
    """The second officer's page was drawn before the first claimed it: the compare-and-set refuses."""
    with acting(app, referral_id) as (seen_by_kim, user):
        kim = user(staff.kim)
        with acting(app, referral_id) as (referral, other):
            workflow.claim(referral, other(staff.jo))
        assert seen_by_kim.assignee_id is None  # as her page showed it
        with pytest.raises(workflow.Taken) as taken:
            workflow.claim(seen_by_kim, kim)
    assert taken.value.message.startswith("Jo Officer claimed this at ")
    assert row(app, referral_id).assignee_id == staff.jo
    assert [e.kind for e in events(app, referral_id)] == ["received", "claimed"]


def test_a_manager_reassigns_it_with_a_reason(app, referral_id, staff):
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
    with acting(app, referral_id) as (referral, user), pytest.raises(workflow.ReasonRequired):
        workflow.assign(referral, user(staff.kim), user(staff.manager))  # taking it from Jo needs a reason

    with acting(app, referral_id) as (referral, user):
        workflow.assign(referral, user(staff.kim), user(staff.manager), "Jo is on leave from today")

    assert row(app, referral_id).assignee_id == staff.kim
    assigned = events(app, referral_id)[-1]
    assert (assigned.kind, assigned.actor_id, assigned.reason) == ("assigned", staff.manager, "Jo is on leave from today")
    assert assigned.detail == {"assignee_id": staff.kim, "previous_assignee_id": staff.jo}
    assert (assigned.from_status, assigned.to_status) == (None, None)  # it was in triage already


def test_an_officer_passes_their_own_referral_to_a_colleague_but_not_someone_elses(app, referral_id, staff):
    with acting(app, referral_id) as (referral, user):
        workflow.assign(referral, user(staff.jo), user(staff.manager))  # unclaimed: assigned to Jo, triage starts
    assert (row(app, referral_id).status, row(app, referral_id).assignee_id) == ("in_triage", staff.jo)
    with acting(app, referral_id) as (referral, user):
        workflow.assign(referral, user(staff.kim), user(staff.jo), "Kim knows the family")
    assert row(app, referral_id).assignee_id == staff.kim
    with acting(app, referral_id) as (referral, user), pytest.raises(workflow.Taken) as taken:
        workflow.assign(referral, user(staff.jo), user(staff.jo))
    assert taken.value.message.startswith("Jo Officer assigned this to Kim Officer at ")


def test_a_referral_is_given_only_to_someone_at_the_front_door(app, referral_id, staff):
    with acting(app, referral_id) as (referral, user), pytest.raises(NotAllowed):
        workflow.assign(referral, user(staff.stranger), user(staff.manager))
    assert row(app, referral_id).assignee_id is None


def test_its_owner_or_a_manager_releases_it_and_anyone_may_then_claim_it(app, referral_id, staff):
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
    denials = len(audit_rows(app, "access_denied"))
    with acting(app, referral_id) as (referral, user), pytest.raises(NotAllowed):
        workflow.release(referral, user(staff.kim))
    assert len(audit_rows(app, "access_denied")) == denials + 1  # a refusal is audited

    with acting(app, referral_id) as (referral, user):
        workflow.release(referral, user(staff.jo), "Off sick")
    assert (row(app, referral_id).status, row(app, referral_id).assignee_id) == ("in_triage", None)
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.kim))
        workflow.release(referral, user(staff.manager))
    assert [e.kind for e in events(app, referral_id)] == ["received", "claimed", "released", "claimed", "released"]


def test_a_professional_cannot_claim_or_rate_a_referral_not_even_their_own(app, referral_id, staff):
    before = snapshot(app, ignore_audit=True)
    for who in (staff.teacher, staff.stranger):
        with acting(app, referral_id) as (referral, user):
            with pytest.raises(NotAllowed):
                workflow.claim(referral, user(who))
            with pytest.raises(NotAllowed):
                workflow.set_rag(referral, "red", "Looks urgent", user(who))
    assert snapshot(app, ignore_audit=True) == before
