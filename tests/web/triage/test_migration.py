"""Migration 0007 on a database with referrals sent before the front door (issue 9, items 2 and 10).

A database at 0006 holding two sent referrals, one from a teacher whose agency the live
definitions know and one from council staff with no agency, is upgraded: both are received at
the moment they were sent, the teacher's with its agency id and CIN code, each with a `received`
event, and the event table is append-only from then on. Runs on SQLite and on a new PostgreSQL
database of its own.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from fanlight.web import migrate
from fanlight.web.models import Submission, SubmissionEvent
from fanlight.web.triage import history
from tests.support.web import insert_row

SENT = datetime.datetime(2026, 11, 20, 14, 30, tzinfo=datetime.UTC)
AGENCY = """kind: agency
id: demo-primary-school
version: 1
title: Demo Primary School
agency_type: school
email_domains: [demo-school.example]
forms: [cause-for-concern]
"""
AGENCY_TYPES = """kind: options
id: agency-types
version: 1
title: Agency types
options:
  - {value: 'school', label: 'School', code: '2A'}
  - {value: 'police', label: 'Police', code: '6'}
"""


def sent_before_the_front_door(engine: Engine) -> None:
    """Two referrals as the code before 0007 wrote them, and the live definitions of the time."""
    insert_row(engine, "definition_versions", id=1, kind="agency", definition_id="demo-primary-school", version=1,
            path="agencies/demo-primary-school.yaml", content=AGENCY, content_hash="a" * 64, created_at=SENT)
    insert_row(engine, "definition_versions", id=2, kind="options", definition_id="agency-types", version=1,
            path="options/agency-types.yaml", content=AGENCY_TYPES, content_hash="b" * 64, created_at=SENT)
    insert_row(engine, "publications", id=1, version_ids=[1, 2], published_at=SENT, note="")
    for user_id, name, agency_id in ((1, "Sam Teacher", "demo-primary-school"), (2, "Council Worker", "")):
        insert_row(engine, "users", id=user_id, email=f"u{user_id}@x.example", name=name, role="professional",
                agency="", agency_id=agency_id, password_hash="x", active=True, session_nonce="", created_at=SENT)
        draft, submission = f"{user_id:032d}", f"{user_id + 10:032d}"
        insert_row(engine, "drafts", id=draft, owner_id=user_id, form_id="cause-for-concern", form_version=1,
                form_hash="c" * 64, answers={}, visited=[], revision=2, status="submitted", created_at=SENT,
                updated_at=SENT)
        insert_row(engine, "submissions", id=submission, reference=f"FL-TEST-000{user_id}", draft_id=draft,
                owner_id=user_id, agency="", form_id="cause-for-concern", form_version=1, form_hash="c" * 64,
                answers={}, evaluation={}, status="submitted", submitted_at=SENT + datetime.timedelta(minutes=user_id))
    insert_row(engine, "submission_events", submission_id=f"{11:032d}", actor_id=1, kind="submitted",
            detail={"reference": "FL-TEST-0001"}, at=SENT)  # the second has no event at all


def test_upgrading_marks_earlier_referrals_received_with_their_agency_and_a_received_event(empty_url):
    migrate.upgrade(empty_url, "0006")
    engine = create_engine(empty_url, poolclass=NullPool)
    try:
        sent_before_the_front_door(engine)
        migrate.upgrade(empty_url)

        with Session(engine) as s:
            teachers, councils = s.scalars(select(Submission).order_by(Submission.owner_id)).all()
            assert (teachers.status, teachers.agency_id, teachers.cin_referral_source) == (
                "received", "demo-primary-school", "2A")
            assert (councils.status, councils.agency_id, councils.cin_referral_source) == ("received", None, None)
            for referral in (teachers, councils):
                assert referral.received_at == referral.submitted_at
                assert (referral.due_at, referral.assignee_id, referral.rag) == (None, None, None)
                found = s.scalars(select(SubmissionEvent).where(SubmissionEvent.submission_id == referral.id)
                                  .order_by(SubmissionEvent.id)).all()
                received = found[-1]
                assert (received.kind, received.from_status, received.to_status) == ("received", None, "received")
                assert (received.actor_id, received.at) == (referral.owner_id, referral.submitted_at)
                assert history.rebuild(found) == history.State.of(referral)
            assert [e.kind for e in s.scalars(select(SubmissionEvent).order_by(SubmissionEvent.id))] == [
                "submitted", "received", "received"]

        with engine.connect() as connection, pytest.raises(DatabaseError, match="append-only"):
            connection.execute(text("DELETE FROM submission_events"))

        migrate.upgrade(empty_url)  # again: nothing to do
        with Session(engine) as s:
            assert len(s.scalars(select(SubmissionEvent)).all()) == 3
    finally:
        engine.dispose()


def test_downgrading_goes_back_to_one_state_and_up_again_writes_no_second_received_event(empty_url):
    migrate.upgrade(empty_url, "0006")
    engine = create_engine(empty_url, poolclass=NullPool)
    try:
        sent_before_the_front_door(engine)
        migrate.upgrade(empty_url)
        migrate.downgrade(empty_url, "0006")
        with engine.connect() as connection:
            assert set(connection.execute(text("SELECT status FROM submissions")).scalars()) == {"submitted"}
            connection.execute(text("DELETE FROM submission_events WHERE kind = 'submitted'"))  # no triggers at 0006
            connection.commit()
        migrate.upgrade(empty_url)
        with Session(engine) as s:
            assert [e.kind for e in s.scalars(select(SubmissionEvent))] == ["received", "received"]
    finally:
        engine.dispose()


def _table_of(difference: Any) -> str:
    """The table an autogenerate difference is about (a modification comes as a list of them)."""
    first = difference[0] if isinstance(difference, list) else difference
    for part in first[1:]:
        name = getattr(part, "name", None) if not isinstance(part, str) else None
        table = getattr(part, "table", None)
        if table is not None and getattr(table, "name", None):
            return str(table.name)
        if name and hasattr(part, "columns"):
            return str(name)
    return str(first[2]) if len(first) > 2 and isinstance(first[2], str) else ""


def test_the_migrated_front_door_and_mail_tables_are_what_the_models_declare(empty_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from fanlight.web.db import Base

    migrate.upgrade(empty_url)
    engine = create_engine(empty_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    ours = {"submissions", "submission_events", "retention_grants", "mail_outbox"}  # mail: 0017's wait
    assert [d for d in differences if _table_of(d) in ours] == []
