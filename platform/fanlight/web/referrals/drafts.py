"""Drafts: the only module that writes them.

A save names the revision it started from; a stale revision is a conflict, never a silent
overwrite (two tabs on one draft, a phone on a bad connection sending again).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from fanlight.engine import CompiledForm

from .. import clock, db
from ..models import Draft, DraftStatus, Submission, User


class StaleRevision(Exception):
    """The draft changed since the revision this save started from."""

    def __init__(self, current: int) -> None:
        self.current = current
        super().__init__(f"draft is at revision {current}")


def new_draft(owner: User, compiled: CompiledForm, publication_id: int | None) -> Draft:
    with db.transaction() as s:
        draft = Draft(owner_id=owner.id, form_id=compiled.id, form_version=compiled.version,
                      form_hash=compiled.form.content_hash, publication_id=publication_id, answers={}, visited=[],
                      revision=1)
        s.add(draft)
    return draft


def save_answers(draft: Draft, revision: int, changes: dict[str, Any], *, visited: str | None = None) -> int:
    """Apply `changes` to the draft's answers if it is still at `revision`; returns the new revision."""
    answers = {**draft.answers, **changes}
    seen = list(draft.visited)
    if visited and visited not in seen:
        seen.append(visited)
    with db.transaction() as s:
        result = s.execute(
            update(Draft)
            .where(Draft.id == draft.id, Draft.revision == revision, Draft.status == DraftStatus.DRAFT)
            .values(answers=answers, visited=seen, revision=Draft.revision + 1, updated_at=clock.now())
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            current = s.scalar(select(Draft.revision).where(Draft.id == draft.id)) or 0
            raise StaleRevision(current)
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
            .where(Draft.id == draft.id, Draft.revision == revision, Draft.status == DraftStatus.DRAFT)
            .values(answers=kept, form_version=newer.version, form_hash=newer.form.content_hash,
                    publication_id=publication_id, revision=Draft.revision + 1, updated_at=clock.now())
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleRevision(s.scalar(select(Draft.revision).where(Draft.id == draft.id)) or 0)
    s.refresh(draft)
    return new_labels


def forms_of(owner: User) -> tuple[list[Draft], list[Submission]]:
    s = db.session()
    drafts = list(s.scalars(select(Draft).where(Draft.owner_id == owner.id, Draft.status == DraftStatus.DRAFT)
                            .order_by(Draft.updated_at.desc()).limit(200)))
    submissions = list(s.scalars(select(Submission).where(Submission.owner_id == owner.id)
                                 .order_by(Submission.submitted_at.desc()).limit(200)))
    return drafts, submissions
