"""Who may see or change a record: one function per rule, each with its own tests.

The `can_*` functions are pure answers. The `own_*` and `require_*` functions enforce them
for a request: a refusal is audited (one row) and answered without saying anything about the
record (a 404 for somebody else's draft, submission or file: its existence is not disclosed).
Role checks per route are the permissions table's; these are the checks per record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort

from .. import db
from ..definitions import agencies
from ..models import Attachment, Change, Draft, Submission, User
from .audit import denied
from .guard import signed_in_user
from .permissions import allowed

ID_LENGTH = 32  # uuid4().hex: anything else is no record of ours
R = TypeVar("R", Draft, Submission, Attachment)


def can_use_draft(user: User, draft: Draft) -> bool:
    return draft.owner_id == user.id


def can_see_submission(user: User, submission: Submission) -> bool:
    return submission.owner_id == user.id


def can_download(user: User, attachment: Attachment) -> bool:
    return attachment.owner_id == user.id


def can_use_form(user: User, form_id: str) -> bool:
    """A person may start a form their agency lists (people with no agency: every form)."""
    return agencies.uses_form(user, form_id)


def can_edit_change(user: User, change: Change) -> bool:
    """A definition change is edited, submitted, withdrawn or returned to draft by its author alone."""
    return allowed(user.role, "edit_definitions") and change.author_id == user.id


def can_review_change(user: User, change: Change) -> bool:
    """An IT reviewer approves, rejects or publishes a change, never their own (no self-approval)."""
    return allowed(user.role, "review_definitions") and change.author_id != user.id


def can_comment_on_change(user: User, change: Change) -> bool:
    return change.author_id == user.id or allowed(user.role, "review_definitions")


def _record(model: type[R], record_id: str) -> R | None:
    if not isinstance(record_id, str) or len(record_id) != ID_LENGTH:
        return None
    return db.session().get(model, record_id)


def _own(model: type[R], record_id: str, may: Callable[[User, R], bool], what: str) -> R:
    record = _record(model, record_id)
    if record is None:
        abort(404)
    if not may(signed_in_user(), record):
        denied(f"{what} {record_id}")  # someone else's: say nothing about it, but record the attempt
        abort(404)
    return record


def own_draft(draft_id: str) -> Draft:
    return _own(Draft, draft_id, can_use_draft, "draft")


def own_submission(submission_id: str) -> Submission:
    return _own(Submission, submission_id, can_see_submission, "submission")


def own_attachment(attachment_id: str) -> Attachment:
    return _own(Attachment, attachment_id, can_download, "attachment")


def require_form(form_id: str) -> None:
    user = signed_in_user()
    if not can_use_form(user, form_id):
        denied(f"form {form_id} is not used by agency {user.agency_id}")
        abort(403)
