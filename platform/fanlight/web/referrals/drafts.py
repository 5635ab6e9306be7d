"""Drafts and submissions: the only module that writes them.

Two rules make referrals safe to save from a phone on a bad connection:
- a save names the revision it started from; a stale revision is a conflict, never a
  silent overwrite (two tabs on one draft);
- a draft becomes at most one submission (a unique constraint), so a double click or a
  replayed request can never make two.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from fanlight.engine import CompiledForm, Evaluation

from . import db
from .models import Draft, Submission, SubmissionEvent, User

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone


class Conflict(Exception):
    """The draft changed since the revision this save started from."""

    def __init__(self, current: int) -> None:
        self.current = current
        super().__init__(f"draft is at revision {current}")


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def new_draft(owner: User, compiled: CompiledForm, publication_id: int | None) -> Draft:
    with db.transaction() as s:
        draft = Draft(owner_id=owner.id, form_id=compiled.id, form_version=compiled.version,
                      form_hash=compiled.form.content_hash, publication_id=publication_id, answers={}, visited=[],
                      revision=1)
        s.add(draft)
    return draft


def get_draft(draft_id: str) -> Draft | None:
    if not isinstance(draft_id, str) or len(draft_id) != 32:
        return None
    return db.session().get(Draft, draft_id)


def save_answers(draft: Draft, revision: int, changes: dict[str, Any], *, visited: str | None = None) -> int:
    """Apply `changes` to the draft's answers if it is still at `revision`; returns the new revision."""
    answers = {**draft.answers, **changes}
    seen = list(draft.visited)
    if visited and visited not in seen:
        seen.append(visited)
    with db.transaction() as s:
        result = s.execute(
            update(Draft)
            .where(Draft.id == draft.id, Draft.revision == revision, Draft.status == "draft")
            .values(answers=answers, visited=seen, revision=Draft.revision + 1, updated_at=now())
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            current = s.scalar(select(Draft.revision).where(Draft.id == draft.id)) or 0
            raise Conflict(current)
    s.refresh(draft)
    return draft.revision


def carry_forward(draft: Draft, revision: int, older: CompiledForm, newer: CompiledForm, publication_id: int) -> list[str]:
    """Move a draft to a newer version of its form, keeping the answers whose fields still exist.

    Returns the labels of the questions that are new in that version.
    """
    fields = {f.id: f for f in newer.form.top_fields()}
    kept: dict[str, Any] = {}
    for field_id, value in draft.answers.items():
        f = fields.get(field_id)
        if f is None:
            continue
        if f.type == "repeat" and isinstance(value, list):
            sub_ids = {sub.id for sub in f.fields}
            kept[field_id] = [{k: v for k, v in i.items() if k in sub_ids} for i in value if isinstance(i, dict)]
        else:
            kept[field_id] = value
    old_ids = {f.id for f in older.form.top_fields()}
    new_labels = [f.label for f in newer.form.top_fields() if f.answerable and f.id not in old_ids]
    with db.transaction() as s:
        result = s.execute(
            update(Draft)
            .where(Draft.id == draft.id, Draft.revision == revision, Draft.status == "draft")
            .values(answers=kept, form_version=newer.version, form_hash=newer.form.content_hash,
                    publication_id=publication_id, revision=Draft.revision + 1, updated_at=now())
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(s.scalar(select(Draft.revision).where(Draft.id == draft.id)) or 0)
    s.refresh(draft)
    return new_labels


def submit(draft: Draft, owner: User, evaluation: Evaluation) -> Submission:
    """Turn a complete draft into its one submission (idempotent)."""
    existing = submission_for(draft.id)
    if existing is not None:
        return existing
    s = db.session()
    try:
        # Claim the draft at the revision that was evaluated. If another tab saved since, these
        # are not the latest answers: sending them would silently drop that save (Conflict).
        claimed = s.execute(
            update(Draft)
            .where(Draft.id == draft.id, Draft.revision == draft.revision, Draft.status == "draft")
            .values(status="submitted", answers={},  # the submission holds the answers now: no second copy
                    revision=Draft.revision + 1, updated_at=now())
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            s.rollback()
            winner = submission_for(draft.id)  # a concurrent submit of the same draft got there first
            if winner is not None:
                return winner
            raise Conflict(s.scalar(select(Draft.revision).where(Draft.id == draft.id)) or 0)
        submission = Submission(
            reference=_reference(), draft_id=draft.id, owner_id=owner.id, agency=owner.agency,
            form_id=draft.form_id, form_version=draft.form_version, form_hash=draft.form_hash,
            publication_id=draft.publication_id,
            answers=evaluation.answers,  # hidden fields' answers were dropped by evaluate
            evaluation=_stored_evaluation(evaluation),
        )
        s.add(submission)
        s.flush()
        s.add(SubmissionEvent(submission_id=submission.id, actor_id=owner.id, kind="submitted",
                              detail={"reference": submission.reference}))
        s.commit()
    except IntegrityError:
        s.rollback()  # a concurrent submit of the same draft won the race
        winner = submission_for(draft.id)
        if winner is None:
            raise
        return winner
    return submission


def _stored_evaluation(evaluation: Evaluation) -> dict[str, Any]:
    data = evaluation.to_json()
    data["infos"] = [i.to_json() for i in evaluation.infos]
    return data


def submission_for(draft_id: str) -> Submission | None:
    return db.session().scalar(select(Submission).where(Submission.draft_id == draft_id))


def get_submission(submission_id: str) -> Submission | None:
    if not isinstance(submission_id, str) or len(submission_id) != 32:
        return None
    return db.session().get(Submission, submission_id)


def _reference() -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"FL-{body[:4]}-{body[4:]}"


@dataclass(frozen=True)
class Item:
    kind: str  # "draft" or "submission"
    id: str
    form_id: str
    title: str
    status: str
    when: datetime.datetime
    reference: str | None = None


def forms_of(owner: User) -> tuple[list[Draft], list[Submission]]:
    s = db.session()
    drafts = list(s.scalars(select(Draft).where(Draft.owner_id == owner.id, Draft.status == "draft")
                            .order_by(Draft.updated_at.desc()).limit(200)))
    submissions = list(s.scalars(select(Submission).where(Submission.owner_id == owner.id)
                                 .order_by(Submission.submitted_at.desc()).limit(200)))
    return drafts, submissions
