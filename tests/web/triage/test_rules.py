"""The record rules of the front door (access.policies), on their own, and the fold on its own."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from fanlight.web.access import policies
from fanlight.web.models import ReferralStatus, Submission, User
from fanlight.web.triage import history

S = ReferralStatus
JO, KIM, MANAGER, REFERRER, OTHER = 1, 2, 3, 4, 5
ROLES = {JO: "front_door_officer", KIM: "front_door_officer", MANAGER: "manager", REFERRER: "professional",
         OTHER: "professional"}


def person(user_id: int, role: str | None = None) -> User:
    return User(id=user_id, email=f"u{user_id}@x.example", name=f"U{user_id}", role=role or ROLES[user_id], active=True)


def referral(status: S = S.IN_TRIAGE, assignee: int | None = None) -> Submission:
    return Submission(owner_id=REFERRER, status=status, assignee_id=assignee)


def test_officers_and_managers_see_every_referral_a_professional_only_their_own():
    assert policies.can_see_referral(person(JO), referral())
    assert policies.can_see_referral(person(MANAGER), referral())
    assert policies.can_see_referral(person(REFERRER), referral())
    assert not policies.can_see_referral(person(OTHER), referral())
    for role in ("service_lead", "it_reviewer", "administrator"):
        assert not policies.can_see_referral(person(9, role), referral())


@pytest.mark.parametrize(("who", "assignee", "may"), [
    (JO, None, True), (JO, KIM, False), (MANAGER, KIM, False), (REFERRER, None, False),
])
def test_a_referral_is_claimed_only_when_nobody_has_it(who, assignee, may):
    assert policies.can_claim(person(who), referral(assignee=assignee)) is may
    assert not policies.can_claim(person(who), referral(S.DECIDED))


@pytest.mark.parametrize(("by", "assignee", "to", "may"), [
    (JO, None, KIM, True),       # unclaimed: to a colleague
    (JO, JO, KIM, True),         # passing on one's own
    (JO, KIM, JO, False),        # not taking a colleague's
    (MANAGER, KIM, JO, True),    # a manager may
    (JO, None, REFERRER, False),  # only to someone at the front door
    (REFERRER, None, JO, False),
])
def test_who_may_give_a_referral_to_whom(by, assignee, to, may):
    assert policies.can_assign(person(by), referral(assignee=assignee), person(to)) is may


def test_nobody_is_given_a_referral_once_their_account_is_closed():
    closed = person(KIM)
    closed.active = False
    assert not policies.can_assign(person(MANAGER), referral(), closed)


@pytest.mark.parametrize(("by", "may"), [(JO, True), (KIM, False), (MANAGER, True), (REFERRER, False)])
def test_its_owner_or_a_manager_releases_it(by, may):
    assert policies.can_release(person(by), referral(assignee=JO)) is may


@pytest.mark.parametrize(("by", "to", "status", "assignee", "may"), [
    (JO, S.DECIDED, S.IN_TRIAGE, JO, True),
    (KIM, S.DECIDED, S.IN_TRIAGE, JO, False),  # only the owner decides
    (MANAGER, S.DECIDED, S.IN_TRIAGE, JO, True),  # or a manager
    (MANAGER, S.DECIDED, S.AWAITING_INFORMATION, JO, False),  # a move its state does not allow
    (KIM, S.AWAITING_INFORMATION, S.IN_TRIAGE, JO, True),  # anyone at the front door asks
    (KIM, S.IN_TRIAGE, S.AWAITING_INFORMATION, JO, True),
    (REFERRER, S.WITHDRAWN, S.RECEIVED, None, True),
    (REFERRER, S.WITHDRAWN, S.AWAITING_INFORMATION, JO, True),
    (REFERRER, S.WITHDRAWN, S.DECIDED, JO, False),  # not after a decision
    (MANAGER, S.WITHDRAWN, S.IN_TRIAGE, JO, False),  # only the referrer withdraws
    (OTHER, S.WITHDRAWN, S.RECEIVED, None, False),
    (MANAGER, S.DELIVERED, S.DECIDED, JO, False),  # the case system's delivery does (a later issue)
    (JO, S.IN_TRIAGE, S.RECEIVED, None, True),  # starting triage is claiming
    (JO, S.IN_TRIAGE, S.RECEIVED, KIM, False),
])
def test_who_may_move_a_referral_where(by, to, status, assignee, may):
    assert policies.can_move(person(by), referral(status, assignee), to) is may


def event(kind: str, from_status: str | None = None, to_status: str | None = None, **detail: object) -> SimpleNamespace:
    return SimpleNamespace(kind=kind, from_status=from_status, to_status=to_status, detail=detail)


def test_the_fold_follows_the_events():
    state = history.rebuild([
        event("received", None, "received"),
        event("submitted"),  # written before the front door: changes nothing
        event("claimed", "received", "in_triage", assignee_id=JO),
        event("rag_set", rag="red", previous_rag=None),
        event("assigned", assignee_id=KIM, previous_assignee_id=JO),
        event("attachment_downloaded", attachment="a"),
        event("information_requested", "in_triage", "awaiting_information"),
        event("released", assignee_id=None, previous_assignee_id=KIM),
    ])
    assert state == history.State("awaiting_information", None, "red")
    assert history.rebuild([]) == history.State()


@pytest.mark.parametrize("events", [
    [event("claimed", "received", "in_triage", assignee_id=JO)],  # never received
    [event("received", None, "received"), event("decided", "in_triage", "decided")],  # from the wrong state
    [event("received", None, "received"), event("decided", "received", "decided")],  # a move not allowed
    [event("received", None, "received"), event("received", None, "received")],
])
def test_a_history_no_actions_could_have_written_is_refused(events):
    with pytest.raises(history.BrokenHistory):
        history.rebuild(events)
