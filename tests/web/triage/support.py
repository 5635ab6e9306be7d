"""Helpers of the triage tests: acting as a request would, and reading what was written."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask

from fanlight.web import clock, db
from fanlight.web.models import Draft, ReferralStatus, Submission, SubmissionEvent, User
from fanlight.web.referrals import submissions
from fanlight.web.triage import family
from tests.support.factories import database

SCHOOL = "demo-primary-school"  # agency type `school`: CIN referral source 2A


@dataclass(frozen=True)
class Staff:
    """User ids: two officers, a manager, the referrer (a teacher) and another professional."""

    jo: int
    kim: int
    manager: int
    teacher: int
    stranger: int


def in_agency(app: Flask, user_id: int, agency_id: str = SCHOOL) -> None:
    with database(app) as s:
        found = s.get(User, user_id)
        assert found is not None
        found.agency_id = agency_id
        s.commit()


@contextmanager
def acting(app: Flask, submission_id: str) -> Iterator[tuple[Submission, Callable[[int], User]]]:
    """As a request would: its own app context and session, the referral as it is now, and people
    by id (`user(staff.jo)`), for the action to be done by."""
    with app.app_context():
        s = db.session()
        referral = s.get(Submission, submission_id)
        assert referral is not None

        def user(user_id: int) -> User:
            found = s.get(User, user_id)
            assert found is not None
            return found

        yield referral, user


def row(app: Flask, submission_id: str) -> Submission:
    with database(app) as s:
        found = s.get(Submission, submission_id)
        assert found is not None
        s.expunge(found)
        return found


def events(app: Flask, submission_id: str) -> list[SubmissionEvent]:
    with database(app) as s:
        found = list(s.query(SubmissionEvent).filter_by(submission_id=submission_id).order_by(SubmissionEvent.id))
        for e in found:
            s.expunge(e)
        return found


# Family context --------------------------------------------------------------------------------


def child(forename: str, surname: str, dob: str | None = None, *, nhs: str | None = None,
          postcode: str | None = None) -> dict[str, Any]:
    """One child of cause-for-concern's `children` repeat: the answers family context reads."""
    answers: dict[str, Any] = {"child_forename": forename, "child_surname": surname, "unborn": dob is None}
    if dob is not None:
        answers["child_dob"] = dob
    if nhs is not None:
        answers["nhs_number"] = nhs
    if postcode is not None:
        answers["child_postcode"] = postcode
    return answers


def referral_about(app: Flask, referrer: int, *children: dict[str, Any], status: str = ReferralStatus.RECEIVED,
                   days_ago: int = 0) -> str:
    """A referral about `children` as submissions.submit leaves one (its row, its received event and
    its match keys), without filling in a form, received `days_ago`; in `status` as its row says."""
    with app.app_context():
        s = db.session()
        draft = Draft(owner_id=referrer, form_id="cause-for-concern", form_version=1, form_hash="0" * 64,
                      status="submitted")
        s.add(draft)
        s.flush()
        at = clock.now() - datetime.timedelta(days=days_ago)
        answers = {"children": list(children)}
        keys = family.keys_of(answers)
        referral = Submission(reference=submissions._reference(), draft_id=draft.id, owner_id=referrer,
                              form_id=draft.form_id, form_version=1, form_hash=draft.form_hash,
                              answers=answers, evaluation={}, status=status,
                              submitted_at=at, received_at=at, re_referral=family.referred_before(s, keys, at))
        s.add(referral)
        s.flush()
        s.add(SubmissionEvent(submission_id=referral.id, actor_id=referrer, kind="received",
                              to_status=ReferralStatus.RECEIVED, at=at))
        family.record_keys(s, referral, keys)
        s.commit()
        return referral.id


def family_of(app: Flask, submission_id: str) -> list[family.Match]:
    """What the referral page shows as the referral's family context."""
    with acting(app, submission_id) as (referral, _):
        return family.family_context(referral)
