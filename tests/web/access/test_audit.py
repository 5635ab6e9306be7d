"""The audit trail (QUALITY §17): append-only in the database itself, one row per security event,
and no password or answer value in any log, audit row or email."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DatabaseError

from fanlight.web.models import AuditEvent
from tests.support.factories import (
    audit_rows,
    csrf_from,
    csrf_token,
    database,
    post_section,
    sign_in,
    signed_in_client,
    snapshot,
    start_draft,
)
from tests.support.mailbox import link_in, outbox, post_page, register, verify

CANARY_PASSWORD = "canary-Pa55word-quartz-91"  # noqa: S105
CANARY_ANSWER = "canary-answer-7f3a9c-heron"


def _one_row(app) -> None:
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    client.post("/sign-in", data={"email": "x@test-agency.example", "password": "wrong", "csrf_token": csrf_from(page)})
    assert len(audit_rows(app)) == 1


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET event = 'nothing happened'",
    "UPDATE audit_events SET actor_email = '' WHERE id = (SELECT MIN(id) FROM audit_events)",
    "DELETE FROM audit_events",
    "DELETE FROM audit_events WHERE id = (SELECT MIN(id) FROM audit_events)",
])
def test_the_database_refuses_to_change_or_delete_audit_rows(app, statement):
    _one_row(app)
    before = audit_rows(app)
    with database(app) as s, pytest.raises(DatabaseError, match="append-only"):
        s.execute(text(statement))
        s.commit()
    after = audit_rows(app)
    assert [(r.id, r.event, r.actor_email) for r in after] == [(r.id, r.event, r.actor_email) for r in before]


def test_the_orm_cannot_change_or_delete_audit_rows_either(app):
    _one_row(app)
    for statement in (update(AuditEvent).values(target="rewritten"), delete(AuditEvent)):
        with database(app) as s, pytest.raises(DatabaseError, match="append-only"):
            s.execute(statement)
            s.commit()
    with database(app) as s, pytest.raises(DatabaseError, match="append-only"):
        row = s.get(AuditEvent, audit_rows(app)[0].id)
        s.delete(row)
        s.commit()
    assert len(audit_rows(app)) == 1 and audit_rows(app)[0].target == "x@test-agency.example"


def test_truncating_the_audit_table_is_refused_on_postgresql(app):
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        assert app.config["DATABASE_URL"].startswith("sqlite")  # SQLite has no TRUNCATE; DELETE is refused above
        return
    _one_row(app)
    with database(app) as s, pytest.raises(DatabaseError, match="append-only"):
        s.execute(text("TRUNCATE audit_events"))
        s.commit()
    assert len(audit_rows(app)) == 1


def test_new_audit_rows_can_still_be_written(app):
    _one_row(app)
    _one_row_more = app.test_client()
    page = _one_row_more.get("/sign-in").get_data(as_text=True)
    _one_row_more.post("/sign-in", data={"email": "y@test-agency.example", "password": "x", "csrf_token": csrf_from(page)})
    assert [r.event for r in audit_rows(app)] == ["sign_in_failed", "sign_in_failed"]


def test_each_security_event_writes_exactly_one_audit_row(app, user_factory):
    """Each step's new audit rows, exactly: who, what and from where."""
    teacher = user_factory("professional")
    admin = user_factory("administrator")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.44"  # from where: every row records it

    def step(expected: list[str]) -> list[AuditEvent]:
        rows = audit_rows(app)[step.seen:]
        step.seen += len(rows)
        assert [r.event for r in rows] == expected
        assert all(r.remote_addr == "192.0.2.44" and r.at is not None for r in rows)
        return rows

    step.seen = 0  # type: ignore[attr-defined]

    step([])  # nothing yet
    sign_in(client, teacher, password="wrong password")
    (row,) = step(["sign_in_failed"])
    assert row.actor_email == teacher.email and row.actor_id is None
    sign_in(client, teacher)
    (row,) = step(["sign_in"])
    assert row.actor_id == teacher.id
    client.get("/admin/users/")
    (row,) = step(["access_denied"])
    assert (row.actor_id, row.target) == (teacher.id, "GET /admin/users/")
    client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    step(["sign_out"])

    register(client, "new.person@demo-school.example")
    step(["registration"])
    verify(client, link_in(outbox(app, "new.person@demo-school.example")[0], "/confirm-email/"))
    step(["email_verified"])
    post_page(client, "/register", {"email": "someone@elsewhere.example"})
    step(["registration_refused"])
    post_page(client, "/forgot-password", {"email": teacher.email})
    step(["password_reset_requested"])
    post_page(client, link_in(outbox(app, teacher.email)[-1], "/reset-password/"),
              {"password": "copper kettle meadow 9", "confirm": "copper kettle meadow 9"})
    step(["password_reset_completed"])

    sign_in(client, admin)
    step(["sign_in"])
    post_page(client, f"/admin/users/{teacher.id}/role", {"role": "manager"}, page=f"/admin/users/{teacher.id}")
    (row,) = step(["role_changed"])
    assert row.actor_id == admin.id and "professional -> manager" in row.target
    post_page(client, f"/admin/users/{teacher.id}/deactivate", page=f"/admin/users/{teacher.id}")
    step(["user_deactivated"])
    post_page(client, f"/admin/users/{teacher.id}/reactivate", page=f"/admin/users/{teacher.id}")
    step(["user_reactivated"])


def test_no_password_or_answer_value_appears_in_any_log_audit_row_or_email(app, user_factory, caplog):
    caplog.set_level(logging.DEBUG)
    person = user_factory("professional", password=CANARY_PASSWORD)
    client = app.test_client()
    sign_in(client, person, password=CANARY_PASSWORD + "-wrong")  # a failed sign-in with a near-canary
    sign_in(client, person)
    draft_id = start_draft(client)
    post_section(client, draft_id, "about-this-referral", {"spoke_to": CANARY_ANSWER}, live=True)
    post_section(client, draft_id, "about-this-referral", {"spoke_to": CANARY_ANSWER})
    other = signed_in_client(app, user_factory("professional"))
    other.get(f"/drafts/{draft_id}/sections/about-this-referral")  # a denial, logged
    register(app.test_client(), "canary.person@demo-school.example", password=CANARY_PASSWORD + "-2")
    post_page(app.test_client(), "/forgot-password", {"email": person.email})

    audit = repr([(r.actor_email, r.event, r.target, r.remote_addr) for r in audit_rows(app)])
    mail = repr([(m.to_address, m.subject, m.body) for m in outbox(app)])
    for canary in (CANARY_PASSWORD, CANARY_ANSWER):
        assert canary not in audit
        assert canary not in mail
        assert canary not in caplog.text
    assert "access_denied" in audit and "sign_in_failed" in audit
    dump = repr(snapshot(app))
    assert CANARY_PASSWORD not in dump  # not even in the users table: only its argon2id hash
