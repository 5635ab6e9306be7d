"""Helpers of the triage tests: acting as a request would, and reading what was written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask

from fanlight.web import db
from fanlight.web.models import Submission, SubmissionEvent, User
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
