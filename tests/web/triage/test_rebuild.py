"""The state kept on each referral's row is its events folded (issue 9, item 2): after any sequence of
actions, refused or not, by anyone, on pages fresh or out of date, every referral rebuilt from its
events equals its row."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from fanlight.web import clock, db
from fanlight.web.access.policies import NotAllowed
from fanlight.web.models import Draft, Rag, ReferralStatus, Submission, SubmissionEvent
from fanlight.web.referrals import submissions
from fanlight.web.triage import history, workflow
from tests.web.triage.support import Staff, acting

PEOPLE = ("jo", "kim", "manager", "teacher", "stranger", "jo", "kim")  # the officers most often
REFUSALS = (workflow.IllegalMove, workflow.Taken, workflow.ReasonRequired, NotAllowed)
REFERRALS = 3

step = st.fixed_dictionaries({
    "action": st.sampled_from(["claim", "assign", "release", "rag", "ask", "answer", "decide", "withdraw", "move"]),
    "referral": st.integers(0, REFERRALS - 1),
    "by": st.sampled_from(PEOPLE),
    "to": st.sampled_from(PEOPLE),
    "rag": st.sampled_from(list(Rag)),
    "reason": st.sampled_from(["", "Because", "Because"]),
    "status": st.sampled_from(list(ReferralStatus)),
})
# A step may be done on a page drawn before another step was done (an out-of-date page).
steps = st.lists(st.tuples(step, st.none() | step), min_size=5, max_size=30)


def new_referral(app: Flask, referrer: int) -> str:
    """A referral as submissions.submit leaves one (without filling in a form: this test does hundreds)."""
    with app.app_context():
        s = db.session()
        draft = Draft(owner_id=referrer, form_id="cause-for-concern", form_version=1, form_hash="0" * 64,
                      status="submitted")
        s.add(draft)
        s.flush()
        now = clock.now()
        referral = Submission(reference=submissions._reference(), draft_id=draft.id, owner_id=referrer,
                              form_id=draft.form_id, form_version=1, form_hash=draft.form_hash, answers={},
                              evaluation={}, status=ReferralStatus.RECEIVED, submitted_at=now, received_at=now)
        s.add(referral)
        s.flush()
        s.add(SubmissionEvent(submission_id=referral.id, actor_id=referrer, kind="received",
                              to_status=ReferralStatus.RECEIVED, at=now))
        s.commit()
        return referral.id


def do(app: Flask, staff: Staff, ids: list[str], one: dict[str, Any], before: dict[str, Any] | None) -> None:
    with acting(app, ids[one["referral"]]) as (referral, user):
        if before is not None:
            do(app, staff, ids, before, None)  # done by someone else while this page was open
        by = user(getattr(staff, one["by"]))
        to = user(getattr(staff, one["to"]))
        try:
            match one["action"]:
                case "claim":
                    workflow.claim(referral, by)
                case "assign":
                    workflow.assign(referral, to, by, one["reason"])
                case "release":
                    workflow.release(referral, by, one["reason"])
                case "rag":
                    workflow.set_rag(referral, one["rag"], one["reason"], by)
                case "ask":
                    workflow.ask_for_information(referral, by, one["reason"])
                case "answer":
                    workflow.information_received(referral, by, one["reason"])
                case "decide":
                    workflow.decide(referral, by, one["reason"])
                case "withdraw":
                    workflow.withdraw(referral, by, one["reason"])
                case _:  # any state at all, mostly refused
                    workflow.move(referral, one["status"], by, one["reason"])
        except REFUSALS:
            pass


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(story=steps)
def test_every_referral_rebuilt_from_its_events_equals_its_row(app, staff, story):
    ids = [new_referral(app, staff.teacher) for _ in range(REFERRALS)]
    for one, interleaved in story:
        do(app, staff, ids, one, interleaved)

    with app.app_context():
        for referral in db.session().scalars(select(Submission)):
            assert history.rebuild(history.events_of(referral.id)) == history.State.of(referral), referral.id
