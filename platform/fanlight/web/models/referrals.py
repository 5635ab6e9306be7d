"""Referrals: drafts, their submissions and history, and attachments."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, JSONType
from ._base import new_id, now
from .states import DraftStatus, SubmissionStatus


class Draft(Base):
    """A form in progress, pinned to the definition version it started on."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    form_id: Mapped[str] = mapped_column(String(80))
    form_version: Mapped[int] = mapped_column(Integer)
    form_hash: Mapped[str] = mapped_column(String(64))
    # The published set of definitions this draft was started on: a draft always renders
    # and validates against exactly that set, however often definitions change after.
    publication_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    visited: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Optimistic locking: every save names the revision it started from, so two tabs
    # never silently overwrite each other.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default=DraftStatus.DRAFT)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("draft_id", name="uq_submissions_draft"),)  # one draft, one submission

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    draft_id: Mapped[str] = mapped_column(ForeignKey("drafts.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    agency: Mapped[str] = mapped_column(String(200), default="")
    form_id: Mapped[str] = mapped_column(String(80))
    form_version: Mapped[int] = mapped_column(Integer)
    form_hash: Mapped[str] = mapped_column(String(64))
    publication_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType)
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(30), default=SubmissionStatus.SUBMITTED)
    submitted_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)


class SubmissionEvent(Base):
    """Append-only history of a submission: who did what, when and why."""

    __tablename__ = "submission_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_draft", "draft_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    draft_id: Mapped[str] = mapped_column(ForeignKey("drafts.id"))
    field_id: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)
