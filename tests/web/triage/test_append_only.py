"""A referral's events are append-only in the database itself (issue 9, item 2), as the audit trail is:
UPDATE and DELETE are refused, whoever sends them, except a DELETE under a retention grant (the
retention job's, in its own transaction)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DatabaseError

from fanlight.web.models import RetentionGrant, SubmissionEvent
from tests.support.factories import count, database
from tests.web.triage.support import events


@pytest.mark.parametrize("statement", [
    "UPDATE submission_events SET reason = 'rewritten'",
    "UPDATE submission_events SET to_status = 'decided' WHERE kind = 'received'",
    "DELETE FROM submission_events",
    "DELETE FROM submission_events WHERE id = (SELECT MAX(id) FROM submission_events)",
])
def test_the_event_table_refuses_update_and_delete(app, referral_id, statement):
    before = [(e.id, e.kind, e.to_status, e.reason) for e in events(app, referral_id)]
    with database(app) as s, pytest.raises(DatabaseError, match="append-only"):
        s.execute(text(statement))
        s.commit()
    assert [(e.id, e.kind, e.to_status, e.reason) for e in events(app, referral_id)] == before


def test_the_orm_cannot_change_or_delete_an_event_either(app, referral_id):
    for statement in (update(SubmissionEvent).values(reason="rewritten"), delete(SubmissionEvent)):
        with database(app) as s, pytest.raises(DatabaseError, match="append-only"):
            s.execute(statement)
            s.commit()
    with database(app) as s, pytest.raises(DatabaseError, match="append-only"):
        s.delete(s.get(SubmissionEvent, events(app, referral_id)[0].id))
        s.commit()
    assert count(app, SubmissionEvent) == 1


def test_truncating_the_event_table_is_refused_on_postgresql(app, referral_id):
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        return  # SQLite has no TRUNCATE; DELETE is refused above
    with database(app) as s, pytest.raises(DatabaseError, match="append-only"):
        s.execute(text("TRUNCATE submission_events"))
        s.commit()
    assert count(app, SubmissionEvent) == 1


def test_a_retention_grant_lets_one_submissions_events_be_deleted_and_no_other(app, referral_id, teacher_client):
    from tests.support.factories import submitted_draft

    _, other_id = submitted_draft(app, teacher_client)
    with database(app) as s:
        s.add(RetentionGrant(submission_id=referral_id))
        s.flush()
        with pytest.raises(DatabaseError, match="append-only"):  # all of them: the other has no grant
            s.execute(text("DELETE FROM submission_events"))
    with database(app) as s:
        s.add(RetentionGrant(submission_id=referral_id))
        s.flush()
        s.execute(delete(SubmissionEvent).where(SubmissionEvent.submission_id == referral_id))
        s.execute(delete(RetentionGrant))
        s.commit()
        with pytest.raises(DatabaseError, match="append-only"):  # the grant is gone, and with it the leave
            s.execute(update(SubmissionEvent).values(reason="rewritten"))
    assert events(app, referral_id) == [] and len(events(app, other_id)) == 1


def test_a_retention_grant_never_lets_an_event_be_changed(app, referral_id):
    with database(app) as s:
        s.add(RetentionGrant(submission_id=referral_id))
        s.flush()
        with pytest.raises(DatabaseError, match="append-only"):
            s.execute(update(SubmissionEvent).values(reason="rewritten"))


def test_the_retention_job_deletes_a_triaged_referral_with_its_whole_history_and_leaves_no_grant(
        app, referral_id, staff, clock):
    from fanlight.web.models import Rag, Submission
    from fanlight.web.referrals import retention
    from fanlight.web.triage import workflow
    from tests.support.factories import audit_rows
    from tests.web.triage.support import acting

    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
        workflow.set_rag(referral, Rag.GREEN, "Universal services", user(staff.jo))
        workflow.decide(referral, user(staff.jo), "Information and advice")
    clock.advance((2557 + 1) * 24 * 60 * 60)  # past cause-for-concern's seven years

    with app.app_context():
        assert retention.run().deleted_submissions == 1

    assert count(app, Submission) == 0 and count(app, SubmissionEvent) == 0
    assert count(app, RetentionGrant) == 0  # the grant went with the deletion
    (deleted,) = audit_rows(app, "submission_deleted")
    assert referral_id in deleted.target and "4 event(s)" in deleted.target
