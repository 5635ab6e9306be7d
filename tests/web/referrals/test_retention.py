"""Retention (QUALITY 18): the job leaves 0 expired rows or files.

Drafts follow their form's `retention:` periods (request-for-information: a reminder at 21
days, deletion at 28; cause-for-concern: a reminder at 7, deletion at 28, sent forms kept 7
years), measured on the app's clock, which the tests move.
"""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, update

from fanlight import console
from fanlight.web import clock as clock_module
from fanlight.web import db, mail
from fanlight.web.models import Attachment, AuditEvent, Draft, Submission, SubmissionEvent, User
from fanlight.web.referrals import drafts, retention
from tests.support.factories import (
    DEFINITIONS,
    audit_rows,
    complete_answers,
    count,
    database,
    draft_row,
    fill_draft,
    sign_in,
    snapshot,
    start_draft,
    submit,
    upload,
)

DAY = 24 * 60 * 60
RFI = "request-for-information"
SEVEN_YEARS = 2557  # cause-for-concern's period for sent forms


def stored(app, uploads: Path) -> list[str]:
    """Every attachment the store holds, wherever it keeps them: files in the upload folder, rows
    of attachment_contents (the database store)."""
    names = [p.name for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []
    table = db.Base.metadata.tables.get("attachment_contents")
    if table is not None:
        with database(app) as s:
            names += list(s.scalars(select(table.c.stored_name)))
    return sorted(names)


def stored_name(app, attachment_id: str) -> str:
    with database(app) as s:
        record = s.get(Attachment, attachment_id)
        assert record is not None
        return record.stored_name


def run(app, *, dry_run: bool = False) -> retention.RetentionReport:
    with app.app_context():
        return retention.run(dry_run=dry_run)


def reminders(app, to: str) -> list[mail.OutboxMessage]:
    with database(app) as s:
        return [m for m in mail.outbox(s, to) if "has not been sent" in m.subject]


def draft_with_a_file(app, client) -> tuple[str, str]:
    """A cause-for-concern draft holding one uploaded PDF: (draft id, the attachment's id)."""
    draft_id = start_draft(client)
    assert upload(client, draft_id).status_code == 302
    return draft_id, draft_row(app, draft_id).answers["attachments"][0]["id"]


def submitted_with_a_file(app, client) -> tuple[str, str, str]:
    """A complete cause-for-concern with one file, sent: (draft id, submission id, attachment id)."""
    draft_id, attachment_id = draft_with_a_file(app, client)
    fill_draft(app, draft_id, {**complete_answers(), "attachments": draft_row(app, draft_id).answers["attachments"]})
    response = submit(client, draft_id)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return draft_id, response.headers["Location"].rsplit("/", 1)[1], attachment_id


def later(clock, client, user, seconds: float) -> None:
    """Time passes; the person signs in again (their session ended long ago)."""
    clock.advance(seconds)
    sign_in(client, user)


def expired_drafts(app, now: datetime.datetime, days: int = 28) -> int:
    return count(app, Draft, Draft.status == "draft", Draft.updated_at < now - datetime.timedelta(days=days))


# Reminders ---------------------------------------------------------------------------------------


def test_a_draft_untouched_for_21_days_gets_one_reminder_with_a_link_to_it(app, clock, teacher, teacher_client):
    draft_id = start_draft(teacher_client, RFI)
    clock.advance(20 * DAY)
    assert run(app).reminded == 0

    clock.advance(DAY + 60)
    report = run(app)

    assert report.reminded == 1 and report.deleted_drafts == 0
    (message,) = reminders(app, teacher.email)
    assert message.subject == "Your request for information form has not been sent"
    assert f"/drafts/{draft_id}/resume" in message.body
    assert "it will be deleted, with any files you uploaded to it" in message.body
    assert "28 days" in message.body
    assert draft_row(app, draft_id).reminded_at is not None
    assert run(app).reminded == 0  # the next day's run: still one reminder
    clock.advance(DAY)
    assert run(app).reminded == 0
    assert len(reminders(app, teacher.email)) == 1


def test_the_reminder_link_opens_the_draft(app, clock, teacher, teacher_client):
    draft_id = start_draft(teacher_client, RFI)
    later(clock, teacher_client, teacher, 21 * DAY + 60)
    run(app)

    (message,) = reminders(app, teacher.email)
    link = next(word for word in message.body.split() if "/resume" in word)
    assert link.startswith("http://127.0.0.1:5000/")  # no FANLIGHT_BASE_URL: the development server
    path = link.split("://", 1)[1].split("/", 1)[1]

    response = teacher_client.get("/" + path)
    assert response.status_code == 302 and response.headers["Location"] == f"/drafts/{draft_id}"


def test_reminder_links_start_with_the_base_url(app, clock, teacher, teacher_client):
    app.config["FANLIGHT_BASE_URL"] = "https://referrals.council.example/"
    draft_id = start_draft(teacher_client, RFI)
    clock.advance(21 * DAY + 60)
    run(app)

    (message,) = reminders(app, teacher.email)
    assert f"https://referrals.council.example/drafts/{draft_id}/resume\n" in message.body


def test_outside_development_without_a_base_url_the_job_changes_nothing_and_says_why(app, clock, teacher_client):
    app.config["FANLIGHT_ENV"] = "production"
    draft_with_a_file(app, teacher_client)
    start_draft(teacher_client, RFI)
    clock.advance(28 * DAY + 60)
    before = snapshot(app)

    with pytest.raises(retention.RetentionNotConfigured, match="FANLIGHT_BASE_URL is not set"):
        run(app)
    assert snapshot(app) == before


def test_a_draft_saved_after_its_reminder_is_reminded_again_only_when_left_again(app, clock, teacher, teacher_client):
    draft_id = start_draft(teacher_client, RFI)
    clock.advance(21 * DAY + 60)
    assert run(app).reminded == 1
    fill_draft(app, draft_id, {})  # the owner comes back and saves it
    clock.advance(20 * DAY)
    assert run(app).reminded == 0

    clock.advance(DAY + 60)
    assert run(app).reminded == 1
    assert len(reminders(app, teacher.email)) == 2


def test_a_deactivated_owner_is_not_emailed(app, clock, teacher, teacher_client):
    start_draft(teacher_client, RFI)
    with database(app) as s:
        s.execute(update(User).values(active=False))
        s.commit()
    clock.advance(21 * DAY + 60)

    assert run(app).reminded == 0
    assert reminders(app, teacher.email) == []


# Deleting drafts ---------------------------------------------------------------------------------


def test_a_draft_untouched_for_28_days_is_deleted_with_its_files_and_the_job_leaves_0_expired_rows_or_files(
        app, clock, teacher, teacher_client, uploads):
    old_id, old_file = draft_with_a_file(app, teacher_client)
    old_rfi = start_draft(teacher_client, RFI)
    old_stored = stored_name(app, old_file)
    later(clock, teacher_client, teacher, 10 * DAY)
    recent_id, recent_file = draft_with_a_file(app, teacher_client)
    recent_stored = stored_name(app, recent_file)
    assert stored(app, uploads) == sorted([old_stored, recent_stored])
    clock.advance(18 * DAY + 60)  # the first two are 28 days old; the recent one 18
    audited = count(app, AuditEvent)

    report = run(app)

    assert (report.deleted_drafts, report.deleted_files) == (2, 1)
    with database(app) as s:
        assert list(s.scalars(select(Draft.id))) == [recent_id]
        assert list(s.scalars(select(Attachment.id))) == [recent_file]
    assert stored(app, uploads) == [recent_stored]
    assert expired_drafts(app, clock.now()) == 0
    rows = audit_rows(app, "draft_deleted")
    assert len(rows) == 2 and count(app, AuditEvent) == audited + 2
    assert {row.target.split()[1] for row in rows} == {old_id, old_rfi}
    assert all(row.actor_id is None and "past the 28 days" in row.target for row in rows)
    assert "1 file(s)" in next(row.target for row in rows if old_id in row.target)


def test_a_recent_draft_is_untouched(app, clock, teacher_client, uploads):
    draft_with_a_file(app, teacher_client)
    start_draft(teacher_client, RFI)
    clock.advance(6 * DAY)  # before cause-for-concern's first reminder (7 days)
    before, files = snapshot(app), stored(app, uploads)

    report = run(app)

    assert (report.reminded, report.deleted_drafts, report.deleted_submissions, report.deleted_files) == (0, 0, 0, 0)
    assert snapshot(app) == before
    assert stored(app, uploads) == files


def test_a_draft_saved_since_the_job_found_it_is_kept(app, clock, teacher_client):
    """The deletion is a compare-and-set on the draft's last save: a save in between wins."""
    draft_id = start_draft(teacher_client)
    clock.advance(28 * DAY + 60)
    with app.app_context():
        draft = db.session().get(Draft, draft_id)
        fill_draft(app, draft_id, {})
        assert drafts.delete(draft, "test", untouched_before=clock.now() - datetime.timedelta(days=28)) is None
    assert draft_row(app, draft_id).status == "draft"


# Deleting submissions ----------------------------------------------------------------------------


def test_a_submission_past_the_councils_period_is_deleted_with_its_events_draft_and_files(
        app, clock, teacher, teacher_client, uploads):
    draft_id, submission_id, attachment_id = submitted_with_a_file(app, teacher_client)
    assert count(app, SubmissionEvent) == 1 and len(stored(app, uploads)) == 1
    clock.advance((SEVEN_YEARS - 1) * DAY)
    assert run(app).deleted_submissions == 0
    assert count(app, Submission) == 1
    audited = count(app, AuditEvent)

    clock.advance(DAY + 60)
    report = run(app)

    assert (report.deleted_submissions, report.deleted_files) == (1, 1)
    for model in (Submission, SubmissionEvent, Draft, Attachment):
        assert count(app, model) == 0, model.__tablename__
    assert stored(app, uploads) == []
    (row,) = audit_rows(app, "submission_deleted")
    assert submission_id in row.target and "1 event(s), 1 file(s)" in row.target
    assert count(app, AuditEvent) == audited + 1  # the audit trail is never deleted
    sign_in(teacher_client, teacher)
    assert teacher_client.get(f"/submissions/{submission_id}").status_code == 404
    assert attachment_id not in teacher_client.get("/your-forms").get_data(as_text=True)


@pytest.fixture
def no_period_for_sent_forms(config, tmp_path):
    """The bundled definitions, with cause-for-concern setting no period for sent forms."""
    folder = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS, folder)
    form = folder / "forms" / "cause-for-concern.yaml"
    text = form.read_text(encoding="utf-8")
    assert text.count("  submissions: {delete_after_days: 2557}\n") == 1
    form.write_text(text.replace("  submissions: {delete_after_days: 2557}\n", ""), encoding="utf-8")
    config["DEFINITIONS_PATH"] = str(folder)


def test_a_submission_of_a_form_that_sets_no_period_for_sent_forms_is_kept(
        no_period_for_sent_forms, app, clock, teacher_client):
    submitted_with_a_file(app, teacher_client)
    clock.advance(100 * 365 * DAY)

    report = run(app)

    assert (report.deleted_submissions, report.deleted_drafts, report.deleted_files) == (0, 0, 0)
    assert count(app, Submission) == 1 and count(app, Attachment) == 1


# Dry run and the command -------------------------------------------------------------------------


def expired_everything(app, clock, client, user) -> None:
    """One of each: a draft to delete (with a file), a draft to remind, a submission to delete."""
    submitted_with_a_file(app, client)
    later(clock, client, user, SEVEN_YEARS * DAY)
    draft_with_a_file(app, client)
    later(clock, client, user, 10 * DAY)
    start_draft(client, RFI)
    clock.advance(21 * DAY + 60)


def test_a_dry_run_counts_what_a_run_does_and_changes_nothing(app, clock, teacher, teacher_client, uploads):
    expired_everything(app, clock, teacher_client, teacher)
    before, files = snapshot(app), stored(app, uploads)

    dry = run(app, dry_run=True)

    assert snapshot(app) == before and stored(app, uploads) == files
    assert (dry.reminded, dry.deleted_drafts, dry.deleted_submissions, dry.deleted_files) == (1, 1, 1, 2)
    done = run(app)
    assert (done.reminded, done.deleted_drafts, done.deleted_submissions, done.deleted_files) == (1, 1, 1, 2)
    assert stored(app, uploads) == []


@pytest.fixture
def command_env(app, clock, monkeypatch):
    """`fanlight retention run` against the test's database, on the test's clock."""
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("FANLIGHT_DEFINITIONS", app.config["DEFINITIONS_PATH"])
    monkeypatch.setenv("FANLIGHT_UPLOADS", app.config["UPLOAD_FOLDER"])
    monkeypatch.setenv("FANLIGHT_SECRET_KEY", "console-test")
    monkeypatch.setattr(clock_module, "SYSTEM", clock)


def test_the_command_prints_the_counts_and_a_dry_run_changes_nothing(
        app, clock, teacher, teacher_client, uploads, command_env, capsys):
    expired_everything(app, clock, teacher_client, teacher)
    before = snapshot(app)

    assert console.main(["retention", "run", "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "dry run, nothing changed", "drafts to remind: 1", "drafts would be deleted: 1",
        "submissions would be deleted: 1", "files would be deleted: 2"]
    assert snapshot(app) == before

    assert console.main(["retention", "run"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "drafts reminded: 1", "drafts deleted: 1", "submissions deleted: 1", "files deleted: 2"]
    assert stored(app, uploads) == [] and count(app, Submission) == 0
    assert {row.remote_addr for row in audit_rows(app, "draft_deleted")} == {"command line"}

    assert console.main(["retention", "run"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "drafts reminded: 0", "drafts deleted: 0", "submissions deleted: 0", "files deleted: 0"]
