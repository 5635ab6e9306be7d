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
from werkzeug.exceptions import Forbidden

from .. import db
from ..definitions import agencies
from ..models import Attachment, Change, Draft, ReferralStatus, Submission, User
from .audit import audit, denied
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


# The front door (issue 9) ----------------------------------------------------------------------
# Officers and managers (the `triage` permission) see and act on every referral of the front
# door; a professional sees only their own. A manager may also take a referral from its owner.
MANAGER = "manager"


def can_see_referral(user: User, referral: Submission) -> bool:
    return referral.owner_id == user.id or allowed(user.role, "triage")


def can_triage(user: User) -> bool:
    """Works at the front door: an officer or a manager."""
    return allowed(user.role, "triage")


def manages(user: User) -> bool:
    return can_triage(user) and user.role == MANAGER


def _open(referral: Submission) -> bool:
    return referral.status in ReferralStatus.open()


def can_claim(user: User, referral: Submission) -> bool:
    """Take an open referral nobody owns."""
    return can_triage(user) and _open(referral) and referral.assignee_id is None


def can_assign(user: User, referral: Submission, to: User) -> bool:
    """Give an open referral to a colleague at the front door: one nobody owns, or (passing it on) one's
    own; a manager may take it from anyone."""
    owned_by_another = referral.assignee_id is not None and referral.assignee_id != user.id
    return (can_triage(user) and can_triage(to) and to.active and _open(referral)
            and (not owned_by_another or manages(user)))


def can_release(user: User, referral: Submission) -> bool:
    """Give up an open referral: its owner, or a manager."""
    return (can_triage(user) and _open(referral) and referral.assignee_id is not None
            and (referral.assignee_id == user.id or manages(user)))


def can_rate(user: User, referral: Submission) -> bool:
    """Set the RAG rating of an open referral: anyone at the front door."""
    return can_triage(user) and _open(referral)


def can_move(user: User, referral: Submission, to: str) -> bool:
    """Move a referral to `to`: a move its state allows, made by someone allowed to make it.

    Only the referrer withdraws (before a decision); only its owner or a manager decides; anyone
    at the front door asks for information or records that it came, and the referrer answers it; nobody here marks a referral
    delivered (the case-system delivery does, in a later issue). Received → in triage is a claim.
    """
    if not ReferralStatus(referral.status).may_become(to):
        return False
    if to == ReferralStatus.WITHDRAWN:
        return referral.owner_id == user.id
    if to == ReferralStatus.DECIDED:
        return can_triage(user) and (referral.assignee_id == user.id or manages(user))
    if to == ReferralStatus.IN_TRIAGE and referral.status == ReferralStatus.RECEIVED:
        return can_claim(user, referral)
    if to == ReferralStatus.IN_TRIAGE:  # the information asked for came: the referrer answered, or it was recorded
        return can_triage(user) or referral.owner_id == user.id
    if to == ReferralStatus.AWAITING_INFORMATION:
        return can_triage(user)
    return False


def can_approve(user: User, referral: Submission) -> bool:
    """Approve or return a decision an officer proposed because its rules need a manager: a manager.
    (Whether the proposal still stands is the decision's to say: a stale one is a conflict, not a refusal.)"""
    return manages(user) and can_see_referral(user, referral)


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


def visible_referral(submission_id: str) -> Submission:
    """A referral the signed-in person may see (a front-door page): otherwise not found, audited."""
    return _own(Submission, submission_id, can_see_referral, "referral")


class NotAllowed(Forbidden):
    """A record rule refused an action (a 403 page): raised by a service, so every caller enforces it."""

    description = "You cannot do that to this referral."


def require(user: User, may: bool, what: str) -> None:
    """Enforce a record rule in a service (outside any one view): a refusal is audited (one row,
    committed at once: it rolls nothing else back) and raised as NotAllowed."""
    if not may:
        audit("access_denied", what, user)
        db.session().commit()
        raise NotAllowed(what)


def require_form(form_id: str) -> None:
    user = signed_in_user()
    if not can_use_form(user, form_id):
        denied(f"form {form_id} is not used by agency {user.agency_id}")
        abort(403)
