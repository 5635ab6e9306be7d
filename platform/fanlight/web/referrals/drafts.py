"""Drafts: the only module that writes open ones (a sent draft goes with its submission: retention.py).

A save names the revision it started from; a stale revision is a conflict, never a silent
overwrite (two tabs on one draft, a phone on a bad connection sending again).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from flask import current_app
from sqlalchemy import delete as delete_rows
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from fanlight.engine import CompiledForm

from .. import clock, db
from ..access.audit import audit
from ..files import uploads
from ..models import Attachment, Draft, DraftStatus, Submission, User

DEFAULT_DRAFTS_PER_PERSON = 50


class StaleRevision(Exception):
    """The draft changed since the revision this save started from."""

    def __init__(self, current: int) -> None:
        self.current = current
        super().__init__(f"draft is at revision {current}")


class TooManyDrafts(Exception):
    """The person already has as many forms in progress as one person may have."""

    def __init__(self, most: int) -> None:
        self.most = most
        super().__init__(f"at most {most} drafts per person")


def most_drafts() -> int:
    """How many forms one person may have in progress (FANLIGHT_DRAFTS_PER_PERSON)."""
    return int(current_app.config.get("FANLIGHT_DRAFTS_PER_PERSON", DEFAULT_DRAFTS_PER_PERSON))


def open_drafts(owner: User) -> int:
    return int(db.session().scalar(select(func.count()).select_from(Draft)
                                   .where(Draft.owner_id == owner.id, Draft.status == DraftStatus.DRAFT)) or 0)


def new_draft(owner: User, compiled: CompiledForm, publication_id: int | None,
              answers: dict[str, Any] | None = None) -> Draft:
    """A new draft of `compiled` for `owner`, starting from `answers` (its pre-filled ones:
    prefill.starting_answers); TooManyDrafts when they have as many as one person may."""
    most = most_drafts()
    if open_drafts(owner) >= most:
        raise TooManyDrafts(most)
    with db.transaction() as s:
        draft = Draft(owner_id=owner.id, form_id=compiled.id, form_version=compiled.version,
                      form_hash=compiled.form.content_hash, publication_id=publication_id, answers=dict(answers or {}),
                      visited=[], revision=1)
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
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            current = s.scalar(select(Draft.revision).where(Draft.id == draft.id)) or 0
            raise StaleRevision(current)
    _saved(s, draft, answers, seen, revision + 1)
    return draft.revision


def _saved(s: Session, draft: Draft, answers: dict[str, Any], visited: list[str], revision: int) -> None:
    """The draft as the save just stored it, without reading it back (a second round trip on every
    save): what was written is known, and only the database's clock is not."""
    set_committed_value(draft, "answers", json.loads(json.dumps(answers)))  # as stored: JSON types only
    set_committed_value(draft, "visited", list(visited))
    set_committed_value(draft, "revision", revision)
    if draft in s:
        s.expire(draft, ["updated_at"])  # read from the database only if something asks


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


def mark_reminded(draft: Draft, now: datetime.datetime) -> bool:
    """Record that the owner is being reminded about this draft, if nobody has since it was last
    saved (a compare-and-set: two retention runs never both remind). The caller sends the email
    in the same transaction and commits."""
    result = db.session().execute(
        update(Draft)
        .where(Draft.id == draft.id, Draft.status == DraftStatus.DRAFT, Draft.updated_at == draft.updated_at,
               or_(Draft.reminded_at.is_(None), Draft.reminded_at < Draft.updated_at))
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def delete(draft: Draft, why: str, *, untouched_before: datetime.datetime | None = None) -> int | None:
    """Delete an open draft with its uploaded files, audited (never its answers); returns how many
    files went, or None if it is no longer an open draft (sent, already deleted, or, for the
    retention job, saved since `untouched_before`).

    The draft is claimed first (its revision moves on, so a page showing it can no longer save or
    send it), then each file is discarded (uploads.discard: its own transaction), then the row goes
    with its audit row. A deletion cut short leaves the draft claimed and as old as it was: the
    owner deleting it again, or the next retention run, finishes it.
    """
    claim = update(Draft).where(Draft.id == draft.id, Draft.status == DraftStatus.DRAFT)
    if untouched_before is not None:
        claim = claim.where(Draft.updated_at < untouched_before)
    with db.transaction() as s:
        claimed = s.execute(claim.values(revision=Draft.revision + 1).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    files = 0
    for _ in range(3):  # an upload that lands while the files are discarded is discarded on the next pass
        for attachment_id in list(s.scalars(select(Attachment.id).where(Attachment.draft_id == draft.id))):
            uploads.discard(attachment_id)
            files += 1
        try:
            with db.transaction() as s:
                gone = s.execute(delete_rows(Draft).where(Draft.id == draft.id, Draft.status == DraftStatus.DRAFT)
                                 .execution_options(synchronize_session=False))
                if gone.rowcount == 1:  # type: ignore[attr-defined]
                    audit("draft_deleted", f"draft {draft.id} of {draft.form_id} v{draft.form_version}, "
                          f"{files} file(s): {why}")
        except IntegrityError:
            continue
        if draft in s:
            s.expunge(draft)
        return files if gone.rowcount == 1 else None  # type: ignore[attr-defined]
    raise RuntimeError(f"draft {draft.id} keeps gaining files: not deleted")
