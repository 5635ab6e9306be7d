"""Submissions: a complete draft becomes exactly one submission.

A draft becomes at most one submission (a unique constraint), so a double click or a
replayed request can never make two; the submission is pinned to the exact definition
version (and its content hash) the draft was filled against.

A submission is a referral to the front door: it arrives `received` (its first event, from
nothing to received, in the same transaction), with the referring agency's id and CIN
referral-source code as they are at that moment, and the time a decision is due by the front
door's working calendar (triage.deadlines; none without a calendar). In the same transaction its
match keys are stored (triage.family: how other referrals about the child find it) and the
referrer's acknowledgement is queued in the mail outbox (its reference and what happens next,
never the child's details).
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fanlight.engine import Evaluation
from fanlight.engine.calendar.days import long_date

from .. import clock, db, mail
from ..definitions import agencies
from ..models import Draft, DraftStatus, ReferralStatus, Submission, SubmissionEvent, User
from ..triage import deadlines, family
from .drafts import StaleRevision

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone


@dataclass(frozen=True)
class Recipient:
    """Who is told a referral arrived: the person sending it, or (sent by another system through the
    API) the professional its answers name."""

    name: str
    email: str
    has_account: bool = True  # the email links to Your forms only for someone who can sign in


def submit(draft: Draft, owner: User, evaluation: Evaluation, recipient: Recipient | None = None,
           acknowledged: list[str] | None = None) -> Submission:
    """Turn a complete draft into its one submission (idempotent). `acknowledged`: the ids of the
    must-acknowledge warnings the referrer ticked, recorded in the stored evaluation."""
    # A draft still open has no submission: the claim below makes it one, or finds the one a
    # concurrent submit made. Only a draft already sent is looked up first (a round trip saved).
    existing = submission_for(draft.id) if draft.status != DraftStatus.DRAFT else None
    if existing is not None:
        return existing
    s = db.session()
    try:
        # Claim the draft at the revision that was evaluated. If another tab saved since, these
        # are not the latest answers: sending them would silently drop that save (StaleRevision).
        now = clock.now()
        claimed = s.execute(
            update(Draft)
            .where(Draft.id == draft.id, Draft.revision == draft.revision, Draft.status == DraftStatus.DRAFT)
            .values(status=DraftStatus.SUBMITTED, answers={},  # the submission holds the answers now: no second copy
                    revision=Draft.revision + 1, updated_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            s.rollback()
            winner = submission_for(draft.id)  # a concurrent submit of the same draft got there first
            if winner is not None:
                return winner
            raise StaleRevision(s.scalar(select(Draft.revision).where(Draft.id == draft.id)) or 0)
        agency = agencies.get(owner.agency_id)
        keys = family.keys_of(evaluation.answers)  # how other referrals about this child will find it
        submission = Submission(
            reference=_reference(), draft_id=draft.id, owner_id=owner.id, agency=owner.agency,
            agency_id=owner.agency_id or None,
            cin_referral_source=agency.referral_source_code if agency is not None else None,
            form_id=draft.form_id, form_version=draft.form_version, form_hash=draft.form_hash,
            publication_id=draft.publication_id,
            answers=evaluation.answers,  # hidden fields' answers were dropped by evaluate
            evaluation=_stored_evaluation(evaluation, acknowledged),
            status=ReferralStatus.RECEIVED, submitted_at=now, received_at=now, due_at=deadlines.due_at(now),
            re_referral=family.referred_before(s, keys, now),
        )
        # Whether it is a re-referral is known before it is written: it is counted for the dashboards
        # once, in its own flush, and not changed straight after (a second count of its rows).
        s.add(submission)
        s.flush()
        s.add(SubmissionEvent(submission_id=submission.id, actor_id=owner.id, kind="received",
                              from_status=None, to_status=ReferralStatus.RECEIVED,
                              detail={"reference": submission.reference}, at=now))
        family.record_keys(s, submission, keys)
        _acknowledge(s, submission, recipient or Recipient(owner.name, owner.email))  # only here, where the draft was claimed: a replay never sends again
        s.commit()
    except IntegrityError:
        s.rollback()  # a concurrent submit of the same draft won the race
        winner = submission_for(draft.id)
        if winner is None:
            raise
        return winner
    return submission


def _acknowledge(s: Session, submission: Submission, to: Recipient) -> None:
    """The referrer's acknowledgement, in the submission's transaction: its reference, when it
    was received and what happens next. Never the child's details: no name, no answer."""
    if not to.email:
        return
    body = render_template(
        "mail/referral_received.txt", user=to, submission=submission,
        received=_in_words(submission.received_at),
        due=_in_words(submission.due_at) if submission.due_at is not None else None,
        phone=current_app.config["FANLIGHT_FRONT_DOOR_PHONE"],
        link=mail.external_url("referrals.your_forms") if to.has_account else None)
    mail.send(to.email, f"Referral {submission.reference} received", body, s)


def _in_words(moment: datetime.datetime) -> str:
    """'3:05pm on Monday 23 November 2026', as the front door reads the time (its calendar's zone)."""
    local = deadlines.local(moment)
    return f"{local.hour % 12 or 12}:{local:%M}{'am' if local.hour < 12 else 'pm'} on {long_date(local.date())}"


def _stored_evaluation(evaluation: Evaluation, acknowledged: list[str] | None = None) -> dict[str, Any]:
    data = evaluation.to_json()
    data["infos"] = [i.to_json() for i in evaluation.infos]
    if acknowledged:  # the rule ids of the warnings the referrer ticked to say they had read them
        data["acknowledged"] = sorted(set(acknowledged))
    return data


def submission_for(draft_id: str) -> Submission | None:
    return db.session().scalar(select(Submission).where(Submission.draft_id == draft_id))


def _reference() -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"FL-{body[:4]}-{body[4:]}"
