"""Retention: records are kept as long as their form's definition says, and no longer.

`run(now)` is what `fanlight retention run` does (daily, from cron or a systemd timer). Each
draft and submission follows the `retention:` periods of the form version it was filled against
(docs/definition-language.md, "Retention"):

- an open draft not saved for `drafts.remind_after_days`: its owner is emailed once (through the
  mail outbox, with a link to it), and again only if it is saved and then left again;
- an open draft not saved for `drafts.delete_after_days`: deleted with its uploaded files;
- a submission sent more than `submissions.delete_after_days` ago (only where the council has
  set a period): deleted with its history, its match keys, its draft and their files.

Each deletion writes one audit row (what, of which form, why; never an answer). The audit
trail itself is append-only (database triggers) and is never deleted. A referral's events are
append-only too, except to this job: it deletes them under a retention grant (a row naming the
submission, inserted and deleted again in the deletion's own transaction; migration 0007). No request is needed:
the service runs in an app context, on the app's clock.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from sqlalchemy import ColumnElement, func, insert, or_, select, update
from sqlalchemy import delete as delete_rows
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session, defer

from fanlight.engine.definitions import model as m

from .. import clock, db, extensions, mail
from ..access.audit import audit
from ..files import uploads
from ..models import Attachment, Draft, DraftStatus, ReferralMatchKey, RetentionGrant, Submission, SubmissionEvent, User
from ..models.api import ApiIdempotencyKey
from ..models.delivery import Delivery, DeliveryAttempt
from ..models.information import InformationRequest
from . import drafts

log = logging.getLogger(__name__)
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"  # what `fanlight serve` listens on
# Deleting and reminding never reads a draft's answers: they are not loaded.
_NO_ANSWERS = defer(Draft.answers, raiseload=True)


class RetentionNotConfigured(RuntimeError):
    """The job cannot do its work as configured (said before anything changes)."""


@dataclass
class RetentionReport:
    """What one run did (or, in a dry run, would do)."""

    reminded: int = 0
    deleted_drafts: int = 0
    deleted_submissions: int = 0
    deleted_files: int = 0
    # Submissions whose form version can no longer be read: their period is unknown, so they are kept.
    kept_unknown_period: int = 0
    # Records that could not be deleted (logged with the reason); the next run tries them again.
    failed: int = 0
    dry_run: bool = False

    def lines(self) -> list[str]:
        would = "would be " if self.dry_run else ""
        found = [
            f"drafts {'to remind' if self.dry_run else 'reminded'}: {self.reminded}",
            f"drafts {would}deleted: {self.deleted_drafts}",
            f"submissions {would}deleted: {self.deleted_submissions}",
            f"files {would}deleted: {self.deleted_files}",
        ]
        if self.kept_unknown_period:
            found.append(f"submissions kept, their form version cannot be read: {self.kept_unknown_period}")
        if self.failed:
            found.append(f"could not be deleted (see the log; tried again next run): {self.failed}")
        return found


@dataclass
class _Pin:
    """A form version records are pinned to (catalogue.Pinned)."""

    form_id: str
    form_version: int
    publication_id: int | None

    def where(self, model: type[Draft] | type[Submission]) -> list[ColumnElement[bool]]:
        return [model.form_id == self.form_id, model.form_version == self.form_version,
                _equals(model.publication_id, self.publication_id)]


def _equals(column: InstrumentedAttribute[Any], value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def run(now: datetime.datetime | None = None, *, dry_run: bool = False) -> RetentionReport:
    """Remind and delete as every record's form version says; returns the counts."""
    now = now or clock.now()
    report = RetentionReport(dry_run=dry_run)
    base_url()  # a reminder without a link is no use: say so before anything changes
    s = db.session()
    for pin in _pins(s, Draft, Draft.status == DraftStatus.DRAFT):
        _drafts(pin, _retention(s, pin) or m.Retention(), now, report)  # a form gone: the default periods
    for pin in _pins(s, Submission):
        retention = _retention(s, pin)
        if retention is None:
            report.kept_unknown_period += _count(s, Submission, *pin.where(Submission))
            log.warning("submissions of %s v%s (publication %s) are kept: that form version cannot be read",
                        pin.form_id, pin.form_version, pin.publication_id)
        elif retention.submission_delete_after_days is not None:
            _submissions(pin, retention.submission_delete_after_days, now, report)
    s.commit()  # end the reading transaction
    return report


def _pins(s: Session, model: type[Draft] | type[Submission], *where: ColumnElement[bool]) -> list[_Pin]:
    rows = s.execute(select(model.form_id, model.form_version, model.publication_id).where(*where).distinct())
    return [_Pin(*row) for row in rows]


def _retention(s: Session, pin: _Pin) -> m.Retention | None:
    compiled = extensions.catalogue().form_for(s, pin)
    return compiled.form.retention if compiled is not None else None


def _count(s: Session, model: type[Any], *where: ColumnElement[bool]) -> int:
    return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


# Drafts ----------------------------------------------------------------------------------------


def _drafts(pin: _Pin, retention: m.Retention, now: datetime.datetime, report: RetentionReport) -> None:
    s = db.session()
    delete_before = now - datetime.timedelta(days=retention.draft_delete_after_days)
    remind_before = now - datetime.timedelta(days=retention.draft_remind_after_days)
    open_ = [*pin.where(Draft), Draft.status == DraftStatus.DRAFT]
    expired = list(s.scalars(select(Draft).options(_NO_ANSWERS).where(*open_, Draft.updated_at < delete_before)
                             .order_by(Draft.updated_at)))
    for draft in expired:
        if report.dry_run:
            report.deleted_drafts += 1
            report.deleted_files += _count(s, Attachment, Attachment.draft_id == draft.id)
            continue
        files = drafts.delete(draft, f"not saved since {clock.utc(draft.updated_at):%Y-%m-%d}, past the "
                              f"{retention.draft_delete_after_days} days of {pin.form_id} v{pin.form_version}",
                              untouched_before=delete_before)
        if files is not None:  # else saved or sent since it was found: kept
            report.deleted_drafts += 1
            report.deleted_files += files
    due = s.execute(
        select(Draft, User).options(_NO_ANSWERS).join(User, User.id == Draft.owner_id)
        .where(*open_, Draft.updated_at < remind_before, Draft.updated_at >= delete_before, User.active.is_(True),
               or_(Draft.reminded_at.is_(None), Draft.reminded_at < Draft.updated_at))
        .order_by(Draft.updated_at)
    ).all()
    for draft, owner in due:
        if report.dry_run:
            report.reminded += 1
        elif _remind(draft, owner, retention, now):
            report.reminded += 1


def _remind(draft: Draft, owner: User, retention: m.Retention, now: datetime.datetime) -> bool:
    """Email the owner once about a draft that will be deleted (the email and the mark in one transaction)."""
    with db.transaction() as s:
        if not drafts.mark_reminded(draft, now):
            return False  # saved, sent or reminded since it was found
        compiled = extensions.catalogue().form_for(s, draft)
        title = compiled.form.title if compiled is not None else draft.form_id
        days = retention.draft_delete_after_days
        body = render_template("mail/draft_reminder.txt", user=owner, draft=draft, title=title, days=days,
                               link=external_url("referrals.resume", draft_id=draft.id),
                               deleted_at=clock.utc(draft.updated_at) + datetime.timedelta(days=days))
        mail.send(owner.email, f"Your {title.lower()} form has not been sent", body, s)
    return True


def base_url() -> str:
    """Where links in emails sent outside any request start: FANLIGHT_BASE_URL, as for
    mail.external_url; in development without one, the development server's address."""
    base = current_app.config.get("FANLIGHT_BASE_URL")
    if not base:
        if current_app.config.get("FANLIGHT_ENV", "development") != "development":
            raise RetentionNotConfigured("FANLIGHT_BASE_URL is not set: reminder emails could not link to the drafts")
        base = DEVELOPMENT_BASE_URL
    return str(base).rstrip("/")


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for an email sent outside any request (a command)."""
    path: str = current_app.url_map.bind("localhost").build(endpoint, values)
    return base_url() + path


# Submissions -----------------------------------------------------------------------------------


def _submissions(pin: _Pin, days: int, now: datetime.datetime, report: RetentionReport) -> None:
    s = db.session()
    delete_before = now - datetime.timedelta(days=days)
    expired = list(s.scalars(select(Submission).where(*pin.where(Submission), Submission.submitted_at < delete_before)
                             .order_by(Submission.submitted_at)))
    for submission in expired:
        if report.dry_run:
            report.deleted_submissions += 1
            report.deleted_files += _count(s, Attachment, Attachment.draft_id == submission.draft_id)
            continue
        why = f"sent {clock.utc(submission.submitted_at):%Y-%m-%d}, past the {days} days of {pin.form_id} v{pin.form_version}"
        try:
            files = _delete_submission(submission, why)
        except IntegrityError:  # something else now refers to it: keep it, say so, carry on with the rest
            log.exception("submission %s could not be deleted", submission.id)
            report.failed += 1
            continue
        report.deleted_submissions += 1
        report.deleted_files += files


def _delete_submission(submission: Submission, why: str) -> int:
    """A submission with its history, its draft and their files, audited (never the answers).

    The files go first (each in its own transaction), then the rows together: a run cut short
    leaves the submission as old as it was, and the next run finishes it.
    """
    s = db.session()
    files = list(s.scalars(select(Attachment.id).where(Attachment.draft_id == submission.draft_id)))
    for attachment_id in files:
        uploads.discard(attachment_id)
    with db.transaction() as s:
        # The events' triggers refuse a DELETE unless a grant names the submission: granted,
        # deleted, and the grant gone again, all in this one transaction.
        s.execute(insert(RetentionGrant).values(submission_id=submission.id, granted_at=clock.now()))
        events = s.execute(delete_rows(SubmissionEvent).where(SubmissionEvent.submission_id == submission.id)
                           .execution_options(synchronize_session=False))
        s.execute(delete_rows(RetentionGrant).where(RetentionGrant.submission_id == submission.id)
                  .execution_options(synchronize_session=False))
        s.execute(delete_rows(ReferralMatchKey).where(ReferralMatchKey.submission_id == submission.id)
                  .execution_options(synchronize_session=False))  # how other referrals found it (triage.family)
        s.execute(delete_rows(InformationRequest).where(InformationRequest.submission_id == submission.id)
                  .execution_options(synchronize_session=False))  # what the front door asked, and the answers
        deliveries = select(Delivery.id).where(Delivery.submission_id == submission.id).scalar_subquery()
        s.execute(delete_rows(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(deliveries))
                  .execution_options(synchronize_session=False))
        s.execute(delete_rows(Delivery).where(Delivery.submission_id == submission.id)
                  .execution_options(synchronize_session=False))  # the payloads sent to the case system
        s.execute(update(ApiIdempotencyKey).where(ApiIdempotencyKey.draft_id == submission.draft_id)
                  .values(draft_id=None)  # the key stays: a client's late replay is told it is gone (410)
                  .execution_options(synchronize_session=False))
        s.execute(delete_rows(Submission).where(Submission.id == submission.id)
                  .execution_options(synchronize_session=False))
        s.execute(delete_rows(Draft).where(Draft.id == submission.draft_id, Draft.status == DraftStatus.SUBMITTED)
                  .execution_options(synchronize_session=False))
        history = events.rowcount  # type: ignore[attr-defined]
        audit("submission_deleted", f"submission {submission.id} ({submission.reference}) of {submission.form_id} "
              f"v{submission.form_version}, {history} event(s), {len(files)} file(s): {why}")
    s.expunge(submission)
    return len(files)
