"""Who may see or change a record (fanlight.web.access.policies): each rule on its own, and its refusal audited."""

from __future__ import annotations

import pytest

from fanlight.web.access import policies
from fanlight.web.models import Attachment, AuditEvent, Draft, Submission, User
from tests.support.factories import audit_rows, own_records, signed_in_client


def _user(user_id: int, agency_id: str = "") -> User:
    return User(id=user_id, email=f"p{user_id}@x.example", name="P", role="professional", agency_id=agency_id)


def test_a_draft_a_submission_and_a_file_are_their_owners_alone():
    owner, other = _user(1), _user(2)
    assert policies.can_use_draft(owner, Draft(owner_id=1))
    assert not policies.can_use_draft(other, Draft(owner_id=1))
    assert policies.can_see_submission(owner, Submission(owner_id=1))
    assert not policies.can_see_submission(other, Submission(owner_id=1))
    assert policies.can_download(owner, Attachment(owner_id=1))
    assert not policies.can_download(other, Attachment(owner_id=1))


def test_staff_use_only_the_forms_their_agency_lists_and_council_staff_use_every_form(app):
    with app.app_context():
        assert policies.can_use_form(_user(1, "demo-primary-school"), "cause-for-concern")
        assert not policies.can_use_form(_user(1, "demo-primary-school"), "no-such-form")
        assert policies.can_use_form(_user(1, ""), "request-for-information")
        assert not policies.can_use_form(_user(1, "an-agency-no-longer-approved"), "cause-for-concern")


@pytest.mark.parametrize("kind", ["draft_id", "submission_id", "attachment_id"])
def test_somebody_elses_record_is_not_found_and_the_attempt_is_audited_once(app, teacher_client, user_factory, kind):
    ids = own_records(app, teacher_client)
    intruder = signed_in_client(app, user_factory("professional", agency="Test Agency"))
    path = {"draft_id": f"/drafts/{ids['draft_id']}", "submission_id": f"/submissions/{ids['submission_id']}",
            "attachment_id": f"/attachments/{ids['attachment_id']}"}[kind]
    before = len(audit_rows(app, "access_denied"))
    assert intruder.get(path).status_code == 404
    denials = audit_rows(app, "access_denied")[before:]
    assert len(denials) == 1 and ids[kind] in denials[0].target
    assert isinstance(denials[0], AuditEvent)


def _change(author_id: int):
    from fanlight.web.models import Change

    return Change(author_id=author_id, title="A change")


@pytest.mark.parametrize(("role", "author", "edit", "review", "comment"), [
    ("service_lead", True, True, False, True),
    ("service_lead", False, False, False, False),
    ("it_reviewer", True, False, False, True),  # never their own: no self-approval
    ("it_reviewer", False, False, True, True),
    ("professional", True, False, False, True),
])
def test_who_may_edit_review_or_comment_on_a_definition_change(role, author, edit, review, comment):
    user = User(id=7, email="x@x.example", name="X", role=role)
    change = _change(7 if author else 8)
    assert policies.can_edit_change(user, change) is edit
    assert policies.can_review_change(user, change) is review
    assert policies.can_comment_on_change(user, change) is comment
