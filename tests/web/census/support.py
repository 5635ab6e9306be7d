"""A seeded census year with known answers (issue 10, item 5): referrals either side of the year's
start at local midnight, decided no further action, for assessment and for a strategy discussion, one
about two children (and a brother listed for information), one missing its codes, one undecided, one
resolved at the front door with early help."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from flask import Flask

from fanlight.web import db
from fanlight.web.models import Delivery, Draft, ReferralStatus, Submission, SubmissionEvent
from fanlight.web.referrals import submissions
from fanlight.web.triage import decisions, workflow
from tests.web.triage.support import Staff, acting

UTC = datetime.UTC


def upn(la: str, serial: str) -> str:
    """A valid UPN: the check letter, then the LA's three digits, the serial (8 digits) and a digit."""
    body = la + serial
    total = sum(int(body[i - 1]) * (i + 1) for i in range(1, 13)) % 23
    return "ABCDEFGHJKLMNPQRTUVWXYZ"[total] + body


def child(forename: str, *, dob: str | None = None, edd: str | None = None, sex: str | None = "female",
          upn_: str | None = None, subject: bool = True, ethnicity: str = "white_british",
          disability: tuple[str, ...] = ("none",)) -> dict[str, Any]:
    """One child of cause-for-concern's `children` repeat, with the answers the census reads."""
    answers: dict[str, Any] = {"child_forename": forename, "child_surname": "Census", "unborn": edd is not None,
                               "ethnicity": ethnicity, "disability": list(disability), "subject_of_concern": subject}
    for key, value in (("child_dob", dob), ("child_edd", edd), ("sex", sex), ("upn", upn_)):
        if value is not None:
            answers[key] = value
    return answers


def received(app: Flask, referrer: int, at: datetime.datetime, *children: dict[str, Any],
             source: str | None = "2A") -> str:
    """A referral received at `at` (UTC) about `children`, its census source of referral `source`."""
    with app.app_context():
        s = db.session()
        draft = Draft(owner_id=referrer, form_id="cause-for-concern", form_version=1, form_hash="0" * 64,
                      status="submitted")
        s.add(draft)
        s.flush()
        referral = Submission(reference=submissions._reference(), draft_id=draft.id, owner_id=referrer,
                              form_id=draft.form_id, form_version=1, form_hash=draft.form_hash,
                              answers={"children": list(children)}, evaluation={}, status=ReferralStatus.RECEIVED,
                              submitted_at=at, received_at=at, cin_referral_source=source)
        s.add(referral)
        s.flush()
        s.add(SubmissionEvent(submission_id=referral.id, actor_id=referrer, kind="received",
                              to_status=ReferralStatus.RECEIVED, at=at))
        s.commit()
        return referral.id


def decide(app: Flask, staff: Staff, referral_id: str, outcome: str, primary_need: str | None) -> None:
    """Jo claims the referral and records the decision through the decision form's rules; without a
    primary need (which today's rules require), as a decision an earlier decision form allowed."""
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
        with app.test_request_context():
            if primary_need is None:
                workflow.move(referral, ReferralStatus.DECIDED, user(staff.jo), "Recorded before the rule",
                              detail={"decision": {"outcome": outcome, "level_applied": "3", "reasons": "Old form",
                                                   "cin_referral_source": referral.cin_referral_source}})
                return
            evaluation = decisions.decide(referral, {"outcome": outcome, "level_applied": "3",
                                                     "primary_need": primary_need, "reasons": "Seen in triage",
                                                     "reason_for_referrer": "Thank you"}, user(staff.jo))
            assert evaluation.complete and not evaluation.errors, evaluation.errors


def acknowledged(app: Flask, referral_id: str, case_id: str) -> None:
    """The case system acknowledged the referral's delivery, and said its id for it."""
    with app.app_context():
        s = db.session()
        rows = list(s.query(Delivery).filter_by(submission_id=referral_id))
        if not rows:
            rows = [Delivery(submission_id=referral_id, destination="case-system", mapping_id="case-system-referral",
                             mapping_version=1, payload={}, case_note="", claimed_by="")]
            s.add(rows[0])
        for row in rows:
            row.external_id = case_id
        s.commit()


def reference_of(app: Flask, referral_id: str) -> str:
    with app.app_context():
        found = db.session().get(Submission, referral_id)
        assert found is not None
        return found.reference


@dataclass(frozen=True)
class Seeded:
    """The seeded referrals' ids, by what each is for."""

    before: str  # 23:30 BST on 31 March 2026: the 2025-26 census
    boundary: str  # 00:30 BST on 1 April 2026 (23:30 UTC on 31 March): the 2026-27 census
    nfa: str  # no further action; the case system's id CMS-000123
    two: str  # a strategy discussion about two children, a brother listed for information only
    missing: str  # an assessment, with no source of referral and no primary need
    undecided: str  # not decided yet; its child's date of birth not given
    early_help: str  # early help: a contact resolved at the front door

    def ref(self, app: Flask, name: str) -> str:
        return reference_of(app, getattr(self, name))


BOUNDARY_UPN = upn("938", "123456781")
TWO_UPN = upn("938", "765432101")


def seed(app: Flask, staff: Staff) -> Seeded:
    t = staff.teacher
    before = received(app, t, datetime.datetime(2026, 3, 31, 22, 30, tzinfo=UTC),
                      child("Ava", dob="2016-05-01", upn_=upn("938", "111111111")))
    boundary = received(app, t, datetime.datetime(2026, 3, 31, 23, 30, tzinfo=UTC),
                        child("Ben", dob="2015-06-01", sex="male", upn_=BOUNDARY_UPN, disability=("learning", "autism")))
    nfa = received(app, t, datetime.datetime(2026, 6, 10, 10, 0, tzinfo=UTC), child("Cara", dob="2019-02-03"),
                   source="3A")
    two = received(app, t, datetime.datetime(2026, 7, 1, 9, 0, tzinfo=UTC),
                   child("Dan", dob="2012-09-09", sex="male", upn_=TWO_UPN, ethnicity="black_african"),
                   child("Unborn", edd="2027-03-20", sex="female"),
                   child("Eli", dob="2010-01-01", sex="male", subject=False))
    missing = received(app, t, datetime.datetime(2026, 8, 1, 12, 0, tzinfo=UTC), child("Fay", dob="2023-03-03"),
                       source=None)
    undecided = received(app, t, datetime.datetime(2026, 11, 20, 15, 0, tzinfo=UTC), child("Gus", sex="male"))
    early_help = received(app, t, datetime.datetime(2026, 9, 1, 9, 0, tzinfo=UTC), child("Hal", dob="2014-01-01"))
    decide(app, staff, before, "cin_s17", "N1")
    decide(app, staff, boundary, "cin_s17", "N1")
    decide(app, staff, nfa, "nfa", "N9")
    acknowledged(app, nfa, "CMS-000123")
    decide(app, staff, two, "strategy_s47", "N1")
    decide(app, staff, missing, "cin_s17", None)
    decide(app, staff, early_help, "early_help", "N4")
    return Seeded(before, boundary, nfa, two, missing, undecided, early_help)
