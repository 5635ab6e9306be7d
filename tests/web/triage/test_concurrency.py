"""Officers acting at the same moment (issue 9, item 3): exactly one wins, the others are told who did.

Real threads, each with its own app context and database connection, released together by a
barrier; the compare-and-set in the database decides (on PostgreSQL, the second UPDATE waits for
the first's row lock, then finds the row no longer unclaimed).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from fanlight.web.models import SubmissionEvent
from fanlight.web.triage import workflow
from tests.support.factories import count, make_user
from tests.web.triage.support import acting, events, row

ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@ON_POSTGRESQL
def test_two_officers_claim_at_the_same_moment_exactly_one_wins_and_the_other_is_told_who(
        app, referral_id, staff):
    start = threading.Barrier(2)

    def claim(officer: int) -> str:
        with acting(app, referral_id) as (referral, user):
            person = user(officer)
            start.wait(timeout=30)
            try:
                workflow.claim(referral, person)
            except workflow.Taken as lost:
                return lost.message
            return "won"

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(claim, [staff.jo, staff.kim]))

    assert sorted(results)[-1] == "won" and results.count("won") == 1, results
    winner = row(app, referral_id).assignee_id
    assert winner in (staff.jo, staff.kim)
    name = "Jo Officer" if winner == staff.jo else "Kim Officer"
    (told,) = [r for r in results if r != "won"]
    assert told.startswith(f"{name} claimed this at "), told
    assert [e.kind for e in events(app, referral_id)] == ["received", "claimed"]


@ON_POSTGRESQL
def test_eight_officers_claim_at_once_exactly_one_event_is_written(app, referral_id, staff):
    officers = [staff.jo, staff.kim] + [make_user(app, "front_door_officer", name=f"Officer {n}").id for n in range(6)]
    start = threading.Barrier(len(officers))

    def claim(officer: int) -> bool:
        with acting(app, referral_id) as (referral, user):
            person = user(officer)
            start.wait(timeout=30)
            try:
                workflow.claim(referral, person)
            except workflow.Taken:
                return False
            return True

    with ThreadPoolExecutor(len(officers)) as pool:
        won = list(pool.map(claim, officers))

    assert won.count(True) == 1
    assert row(app, referral_id).assignee_id == officers[won.index(True)]
    assert count(app, SubmissionEvent, SubmissionEvent.kind == "claimed") == 1


@ON_POSTGRESQL
def test_a_manager_reassigning_while_the_owner_decides_one_of_them_wins_never_both(app, referral_id, staff):
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
    start = threading.Barrier(2)

    def decide() -> str:
        with acting(app, referral_id) as (referral, user):
            jo = user(staff.jo)
            start.wait(timeout=30)
            try:
                workflow.decide(referral, jo, "No further action")
            except workflow.Taken:
                return "lost"
            return "decided"

    def reassign() -> str:
        with acting(app, referral_id) as (referral, user):
            kim, manager = user(staff.kim), user(staff.manager)
            start.wait(timeout=30)
            try:
                workflow.assign(referral, kim, manager, "Kim knows the family")
            except (workflow.Taken, workflow.IllegalMove):
                return "lost"
            return "assigned"

    with ThreadPoolExecutor(2) as pool:
        results = [f.result() for f in [pool.submit(decide), pool.submit(reassign)]]

    final = row(app, referral_id)
    kinds = [e.kind for e in events(app, referral_id)]
    if results[0] == "decided":  # decided first: it is no longer open, so it is not reassigned
        assert results == ["decided", "lost"]
        assert (final.status, final.assignee_id) == ("decided", staff.jo)
        assert kinds[-1] == "decided" and "assigned" not in kinds
    else:  # reassigned first: Jo no longer owns it, so her decision is refused
        assert results == ["lost", "assigned"]
        assert (final.status, final.assignee_id) == ("in_triage", staff.kim)
        assert "decided" not in kinds
