"""A decision that needs a manager's approval (issue 9, item 7): the decision rules say no further
action on a referral rated red is a manager's call. An officer's such decision is a proposal (an
event that changes nothing); a manager approves it (the referral is decided, the referrer told) or
returns it with a reason the officer sees. Answering a proposal that no longer stands is a 409."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fanlight.web.access.policies import NotAllowed
from fanlight.web.errors import Conflict
from fanlight.web.models import ReferralStatus
from fanlight.web.triage import decisions, workflow
from tests.support.factories import csrf_from, make_user, snapshot
from tests.support.mailbox import outbox
from tests.web.triage.support import Staff, acting, events, row
from tests.web.triage.test_decisions import PRESENT
from tests.web.triage.test_holding_area import client_of

NFA = {"outcome": "nfa", "level_applied": "1", "primary_need": "N9",
       "reasons": "Bruise explained by a fall in the playground; the school nurse saw it happen.",
       "reason_for_referrer": "The Family Front Door will take no further action. Thank you for telling us."}
DECIDED_SUBJECT = "the Family Front Door's decision"
PROPOSAL = re.compile(r'name="proposal" value="(\d+)"')


def _red_and_jos(app: Flask, referral_id: str, staff: Staff) -> str:
    """Jo has claimed the referral and rated it red: the reference."""
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
        workflow.set_rag(referral, "red", "Injuries described", user(staff.jo))
        return referral.reference


def _propose_on_the_page(client: FlaskClient, reference: str, answers: dict[str, str] | None = None) -> str:
    """The officer records no further action on the decision page: the page it leads to."""
    token = csrf_from(client.get(f"/front-door/referrals/{reference}/decision").get_data(as_text=True))
    sent = client.post(f"/front-door/referrals/{reference}/decision",
                       data={"csrf_token": token, "_present": PRESENT, **(answers or NFA)})
    assert sent.status_code == 303, sent.status_code
    return client.get(sent.location).get_data(as_text=True)


def _answer(client: FlaskClient, reference: str, action: str, **form: str) -> tuple[int, str]:
    """A manager presses Approve or Return on the referral page (the proposal as the page showed it)."""
    page = client.get(f"/front-door/referrals/{reference}").get_data(as_text=True)
    shown = PROPOSAL.search(page)
    data = {"csrf_token": csrf_from(page), "proposal": shown.group(1) if shown else "1", **form}
    done = client.post(f"/front-door/referrals/{reference}/decision/{action}", data=data)
    return done.status_code, client.get(done.location).get_data(as_text=True) if done.status_code == 303 else ""


def _outcome_emails(app: Flask, to: str) -> list[str]:
    return [m.body for m in outbox(app, to) if DECIDED_SUBJECT in m.subject]


def test_an_officers_no_further_action_on_a_red_referral_waits_for_a_manager_who_approves_it(
        app, referral_id, staff, teacher):
    reference = _red_and_jos(app, referral_id, staff)
    jo = client_of(app, staff.jo)

    page = _propose_on_the_page(jo, reference)
    assert "was sent to a manager for approval" in page
    assert "Decision waiting for a manager's approval" in page and ">Approve<" not in page
    assert row(app, referral_id).status == ReferralStatus.IN_TRIAGE
    proposal = events(app, referral_id)[-1]
    assert (proposal.kind, proposal.actor_id, proposal.reason) == ("decision_proposed", staff.jo, NFA["reasons"])
    assert (proposal.from_status, proposal.to_status) == (None, None)
    assert proposal.detail["decision"]["outcome"] == "nfa"
    assert proposal.detail["derived"] == {"needs_manager_approval": True}
    assert _outcome_emails(app, teacher.email) == []  # the referrer hears nothing until it is approved

    ann = client_of(app, staff.manager)
    seen = ann.get(f"/front-door/referrals/{reference}").get_data(as_text=True)
    for words in ("No further action", "Level 1: Universal", NFA["reasons"], "Jo Officer", ">Approve<", ">Return<"):
        assert words in seen, words
    status, page = _answer(ann, reference, "approve")
    assert status == 303
    assert "You approved the decision" in page and "Ann Manager approved the decision" in page

    decided = events(app, referral_id)[-1]
    assert row(app, referral_id).status == ReferralStatus.DECIDED
    assert (decided.kind, decided.actor_id, decided.reason, decided.to_status) == (
        "decided", staff.manager, NFA["reasons"], ReferralStatus.DECIDED)
    assert decided.detail == {"decision": proposal.detail["decision"], "derived": {"needs_manager_approval": True},
                              "approved": True, "proposed_by": staff.jo, "proposal_event_id": proposal.id}
    [email] = _outcome_emails(app, teacher.email)
    assert "Outcome: No further action" in email and NFA["reason_for_referrer"] in email
    assert NFA["reasons"] not in email


def test_a_manager_returns_the_proposal_with_a_reason_and_the_officer_sees_why(app, referral_id, staff, teacher):
    reference = _red_and_jos(app, referral_id, staff)
    jo, ann = client_of(app, staff.jo), client_of(app, staff.manager)
    _propose_on_the_page(jo, reference)
    written = len(events(app, referral_id))

    status, page = _answer(ann, reference, "return", reason="  ")
    assert status == 303 and "Say why you are returning the proposed decision." in page
    assert len(events(app, referral_id)) == written

    why = "Red for a reason: speak to the school nurse before closing this."
    status, _ = _answer(ann, reference, "return", reason=why)
    assert status == 303
    returned = events(app, referral_id)[-1]
    assert (returned.kind, returned.actor_id, returned.reason) == ("decision_returned", staff.manager, why)
    assert returned.detail["proposal_event_id"] == events(app, referral_id)[-2].id
    assert row(app, referral_id).status == ReferralStatus.IN_TRIAGE
    assert _outcome_emails(app, teacher.email) == []

    officer_sees = jo.get(f"/front-door/referrals/{reference}").get_data(as_text=True)
    assert "Proposed decision returned" in officer_sees and why in officer_sees
    assert "Ann Manager returned the proposed decision" in officer_sees  # the timeline
    with acting(app, referral_id) as (referral, _):
        assert decisions.pending(referral) is None


def test_an_officer_cannot_approve_or_return_a_proposal(app, referral_id, staff):
    reference = _red_and_jos(app, referral_id, staff)
    jo, kim = client_of(app, staff.jo), client_of(app, staff.kim)
    _propose_on_the_page(jo, reference)
    proposal = events(app, referral_id)[-1].id
    before = snapshot(app, ignore_audit=True)
    for officer in (jo, kim):
        token = csrf_from(officer.get(f"/front-door/referrals/{reference}").get_data(as_text=True))
        for action, form in (("approve", {}), ("return", {"reason": "I would rather"})):
            refused = officer.post(f"/front-door/referrals/{reference}/decision/{action}",
                                   data={"csrf_token": token, "proposal": str(proposal), **form})
            assert refused.status_code == 403, (action, refused.status_code)
    assert snapshot(app, ignore_audit=True) == before


def test_approving_a_proposal_that_was_returned_is_a_conflict_and_nothing_is_saved(app, referral_id, staff, teacher):
    reference = _red_and_jos(app, referral_id, staff)
    jo, ann = client_of(app, staff.jo), client_of(app, staff.manager)
    _propose_on_the_page(jo, reference)
    stale = ann.get(f"/front-door/referrals/{reference}").get_data(as_text=True)  # a second tab, before the return
    assert _answer(ann, reference, "return", reason="Speak to the nurse first.")[0] == 303
    before = snapshot(app, ignore_audit=True)

    refused = ann.post(f"/front-door/referrals/{reference}/decision/approve",
                       data={"csrf_token": csrf_from(stale), "proposal": PROPOSAL.search(stale).group(1)})
    assert refused.status_code == 409
    assert "This proposed decision has changed" in refused.get_data(as_text=True)
    assert snapshot(app, ignore_audit=True) == before
    assert _outcome_emails(app, teacher.email) == []


def test_approving_an_older_proposal_or_one_whose_referral_moved_on_is_a_conflict(app, referral_id, staff):
    reference = _red_and_jos(app, referral_id, staff)
    jo = client_of(app, staff.jo)
    _propose_on_the_page(jo, reference)
    first = events(app, referral_id)[-1].id
    _propose_on_the_page(jo, reference, {**NFA, "reasons": "On reflection: the nurse saw the fall."})
    with acting(app, referral_id) as (referral, user), app.test_request_context(), pytest.raises(decisions.StaleProposal):
        decisions.approve(referral, first, user(staff.manager))

    with acting(app, referral_id) as (referral, user):
        newest = decisions.pending(referral)
        assert newest is not None and newest.id != first
        workflow.ask_for_information(referral, user(staff.jo), "Ask the school what the nurse saw")
    before = snapshot(app, ignore_audit=True)
    with acting(app, referral_id) as (referral, user), app.test_request_context(), pytest.raises(decisions.StaleProposal):
        decisions.approve(referral, newest.id, user(staff.manager))
    assert snapshot(app, ignore_audit=True) == before
    assert row(app, referral_id).status == ReferralStatus.AWAITING_INFORMATION


def test_a_proposal_is_only_made_in_triage_and_by_its_owner_or_a_manager(app, referral_id, staff):
    with acting(app, referral_id) as (referral, user), pytest.raises(workflow.IllegalMove):
        decisions.propose(referral, decisions.check(referral, NFA), user(staff.jo))  # received: nobody has it yet
    _red_and_jos(app, referral_id, staff)
    with acting(app, referral_id) as (referral, user), pytest.raises(NotAllowed):
        decisions.propose(referral, decisions.check(referral, NFA), user(staff.kim))
    assert [e.kind for e in events(app, referral_id)][-1] == "rag_set"  # nothing was proposed


def test_a_proposal_waits_until_it_is_returned_and_a_new_one_waits_again(app, referral_id, staff):
    _red_and_jos(app, referral_id, staff)
    with acting(app, referral_id) as (referral, user), app.test_request_context():
        assert decisions.pending(referral) is None
        decisions.decide(referral, dict(NFA), user(staff.jo))
        first = decisions.pending(referral)
        assert first is not None and first.kind == "decision_proposed"
        decisions.return_to_officer(referral, first.id, "Not yet", user(staff.manager))
        assert decisions.pending(referral) is None
        decisions.decide(referral, dict(NFA), user(staff.jo))
        second = decisions.pending(referral)
        assert second is not None and second.id > first.id


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_managers_approving_and_returning_at_the_same_moment_exactly_one_is_kept(app, referral_id, staff):
    """The return changes no state, so only the row lock taken before the proposal is read keeps an
    approval and a return from both being written."""
    _red_and_jos(app, referral_id, staff)
    with acting(app, referral_id) as (referral, user), app.test_request_context():
        decisions.decide(referral, dict(NFA), user(staff.jo))
    proposal = events(app, referral_id)[-1].id
    bo = make_user(app, "manager", name="Bo Manager").id
    start = threading.Barrier(2)

    def answer(manager: int, approving: bool) -> str:
        with acting(app, referral_id) as (referral, user), app.test_request_context():
            person = user(manager)
            start.wait(timeout=30)
            try:
                if approving:
                    decisions.approve(referral, proposal, person)
                else:
                    decisions.return_to_officer(referral, proposal, "Not yet", person)
            except Conflict:
                return "refused"
            return "kept"

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(answer, [staff.manager, bo], [True, False]))
    answers = [e.kind for e in events(app, referral_id) if e.kind in ("decided", "decision_returned")]
    assert sorted(results) == ["kept", "refused"] and len(answers) == 1, (results, answers)
    decided = answers == ["decided"]
    assert row(app, referral_id).status == (ReferralStatus.DECIDED if decided else ReferralStatus.IN_TRIAGE)
