"""A professional deletes a draft of their own from Your forms (issue 11, item 8), and one person's
forms in progress are capped (item 3): the cap asks them to send or delete one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from fanlight.web import db
from fanlight.web.config import default_config
from fanlight.web.models import Attachment, AuditEvent, Draft, Submission
from tests.support.factories import (
    audit_rows,
    complete_answers,
    count,
    csrf_from,
    csrf_token,
    database,
    draft_row,
    fill_draft,
    post_section,
    signed_in_client,
    start_draft,
    submit,
    submitted_draft,
    upload,
)


def stored(app, uploads: Path) -> list[str]:
    """Every attachment the store holds: files in the upload folder, rows of attachment_contents."""
    names = [p.name for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []
    table = db.Base.metadata.tables.get("attachment_contents")
    if table is not None:
        with database(app) as s:
            names += list(s.scalars(select(table.c.stored_name)))
    return names


def confirmation(client, draft_id: str):
    return client.get(f"/drafts/{draft_id}/delete")


def delete(client, draft_id: str, token: str | None = None):
    if token is None:
        page = confirmation(client, draft_id)
        assert page.status_code == 200, page.status_code
        token = csrf_from(page.get_data(as_text=True))
    return client.post(f"/drafts/{draft_id}/delete", data={"csrf_token": token})


@pytest.fixture
def draft_with_a_file(app, teacher_client) -> str:
    draft_id = start_draft(teacher_client)
    assert upload(teacher_client, draft_id).status_code == 302
    assert post_section(teacher_client, draft_id, "type-of-concern", {"categories": ["neglect"]},
                        action="later").status_code == 302
    return draft_id


# The owner ---------------------------------------------------------------------------------------


def test_your_forms_has_a_delete_link_for_each_draft_leading_to_a_confirmation_page(
        app, teacher_client, draft_with_a_file):
    forms = teacher_client.get("/your-forms").get_data(as_text=True)
    assert f'href="/drafts/{draft_with_a_file}/delete"' in forms
    assert re.search(r'>Delete<span class="govuk-visually-hidden"> cause for concern with no child named yet, '
                     r"last saved ", forms)

    page = confirmation(teacher_client, draft_with_a_file)

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Are you sure you want to delete this draft?</h1>' in html
    assert "its uploaded files are deleted too (1 file)" in html
    assert 'class="govuk-button govuk-button--warning"' in html and "Yes, delete this draft" in html
    assert f'action="/drafts/{draft_with_a_file}/delete"' in html and 'name="csrf_token"' in html
    assert 'href="/your-forms">No, keep it</a>' in html
    assert draft_row(app, draft_with_a_file).status == "draft"  # looking changes nothing


def test_the_owner_deletes_a_draft_and_its_files_go_too(app, teacher, teacher_client, draft_with_a_file, uploads):
    assert len(stored(app, uploads)) == 1

    response = delete(teacher_client, draft_with_a_file)

    assert response.status_code == 302 and response.headers["Location"] == "/your-forms"
    page = teacher_client.get("/your-forms").get_data(as_text=True)
    assert "govuk-notification-banner--success" in page
    assert "Your cause for concern form has been deleted, with any files you uploaded to it." in page
    assert "You have no forms in progress." in page
    assert count(app, Draft) == 0 and count(app, Attachment) == 0
    assert stored(app, uploads) == []
    (row,) = audit_rows(app, "draft_deleted")
    assert row.actor_id == teacher.id
    assert row.target == (f"draft {draft_with_a_file} of cause-for-concern v1, 1 file(s): deleted by its owner")
    assert "neglect" not in row.target  # never an answer
    assert teacher_client.get(f"/drafts/{draft_with_a_file}").status_code == 404
    assert teacher_client.get("/your-forms").get_data(as_text=True).count("govuk-notification-banner") == 0


def test_a_tab_still_showing_a_deleted_draft_cannot_save_into_it(app, teacher_client, draft_with_a_file):
    page = teacher_client.get(f"/drafts/{draft_with_a_file}/sections/type-of-concern").get_data(as_text=True)
    token = csrf_from(page)
    assert delete(teacher_client, draft_with_a_file).status_code == 302

    response = teacher_client.post(f"/drafts/{draft_with_a_file}/sections/type-of-concern",
                                   data={"csrf_token": token, "revision": "3", "action": "continue"})

    assert response.status_code == 404
    assert count(app, Draft) == 0


def test_deleting_needs_the_pages_csrf_token(app, teacher_client, draft_with_a_file):
    response = delete(teacher_client, draft_with_a_file, token="not-the-token")

    assert response.status_code == 400
    assert draft_row(app, draft_with_a_file).status == "draft" and count(app, Attachment) == 1


# Not the owner, not a draft ----------------------------------------------------------------------


def test_another_person_cannot_see_or_delete_someone_elses_draft(app, user_factory, draft_with_a_file, uploads):
    intruder = signed_in_client(app, user_factory("professional"))
    denied = count(app, AuditEvent, AuditEvent.event == "access_denied")

    assert confirmation(intruder, draft_with_a_file).status_code == 404
    response = delete(intruder, draft_with_a_file, token=csrf_token(intruder))

    assert response.status_code == 404
    assert count(app, AuditEvent, AuditEvent.event == "access_denied") == denied + 2
    assert draft_row(app, draft_with_a_file).status == "draft"
    assert count(app, Attachment) == 1 and len(stored(app, uploads)) == 1
    assert audit_rows(app, "draft_deleted") == []


def test_a_sent_form_cannot_be_deleted(app, teacher_client):
    draft_id, submission_id = submitted_draft(app, teacher_client)
    assert f"/drafts/{draft_id}/delete" not in teacher_client.get("/your-forms").get_data(as_text=True)

    assert confirmation(teacher_client, draft_id).status_code == 409
    response = delete(teacher_client, draft_id, token=csrf_token(teacher_client))

    assert response.status_code == 409
    assert "A form you have sent cannot be deleted" in response.get_data(as_text=True)
    assert count(app, Submission) == 1 and draft_row(app, draft_id).status == "submitted"
    assert teacher_client.get(f"/submissions/{submission_id}").status_code == 200


def test_a_draft_sent_after_the_confirmation_page_was_shown_is_not_deleted(app, teacher_client):
    draft_id = start_draft(teacher_client)
    token = csrf_from(confirmation(teacher_client, draft_id).get_data(as_text=True))
    fill_draft(app, draft_id, complete_answers())
    assert submit(teacher_client, draft_id).status_code == 302

    assert delete(teacher_client, draft_id, token=token).status_code == 409
    assert count(app, Submission) == 1


# At most FANLIGHT_DRAFTS_PER_PERSON forms in progress ----------------------------------------------


def test_one_person_may_have_50_forms_in_progress_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("FANLIGHT_DRAFTS_PER_PERSON", raising=False)
    monkeypatch.setenv("FANLIGHT_SECRET_KEY", "x")
    assert default_config(str(tmp_path))["FANLIGHT_DRAFTS_PER_PERSON"] == 50


@pytest.fixture
def at_most_two(config):
    config["FANLIGHT_DRAFTS_PER_PERSON"] = 2


def test_starting_one_more_form_than_the_cap_asks_to_send_or_delete_one(at_most_two, app, teacher_client):
    first = start_draft(teacher_client)
    start_draft(teacher_client, "request-for-information")
    assert "You have 2 forms in progress, the most one person can have" in teacher_client.get(
        "/your-forms").get_data(as_text=True)

    token = csrf_token(teacher_client, "/forms/cause-for-concern")
    response = teacher_client.post("/forms/cause-for-concern/drafts", data={"csrf_token": token})

    assert response.status_code == 302 and response.headers["Location"] == "/your-forms"
    page = teacher_client.get("/your-forms").get_data(as_text=True)
    assert 'class="govuk-notification-banner"' in page
    assert ("You have 2 forms in progress, the most one person can have. Send or delete one of them, then start "
            "a new form.") in page
    assert count(app, Draft) == 2

    assert delete(teacher_client, first).status_code == 302
    start_draft(teacher_client)
    assert count(app, Draft) == 2


def test_the_cap_counts_only_forms_in_progress_and_only_your_own(at_most_two, app, teacher_client, user_factory):
    submitted_draft(app, teacher_client)
    start_draft(teacher_client)
    start_draft(signed_in_client(app, user_factory("professional")))

    start_draft(teacher_client)  # a sent form and someone else's draft do not count

    assert count(app, Draft, Draft.status == "draft") == 3
