"""What Fanlight stores. Answers are JSON in the engine's one answer shape."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, JSONType


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def new_id() -> str:
    return uuid.uuid4().hex  # unguessable: ids appear in URLs


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40), default="professional")
    agency: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # Rotated at every sign-in and sign-out: a cookie carrying an old nonce is signed out.
    session_nonce: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now)


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
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now)


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
    status: Mapped[str] = mapped_column(String(30), default="submitted")
    submitted_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)


class SubmissionEvent(Base):
    """Append-only history of a submission: who did what, when and why."""

    __tablename__ = "submission_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now)


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
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class AuditEvent(Base):
    """Security events (sign-in, sign-out, denials): append-only, no answer values."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    event: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(Text, default="")
    remote_addr: Mapped[str] = mapped_column(String(64), default="")


# The definition registry -------------------------------------------------------------------


class DefinitionVersion(Base):
    """One version of one definition file. Immutable once published (content and hash)."""

    __tablename__ = "definition_versions"
    __table_args__ = (UniqueConstraint("kind", "definition_id", "version", name="uq_definition_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    definition_id: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(255))  # where it lives in a definitions folder
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"), nullable=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Publication(Base):
    """A published set of definitions. The newest is live; every worker follows it."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_ids: Mapped[list[int]] = mapped_column(JSONType)
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"), nullable=True)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    published_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    note: Mapped[str] = mapped_column(String(200), default="")


class Change(Base):
    """New versions of one or more definitions, on their way through review."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    # Publications point at their change; these two point back as plain numbers, so the two
    # tables do not depend on each other when they are created.
    base_publication_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    publication_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ChangeItem(Base):
    """The proposed text of one definition file within a change."""

    __tablename__ = "change_items"
    __table_args__ = (UniqueConstraint("change_id", "path", name="uq_change_item_path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id"), index=True)
    path: Mapped[str] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)  # empty text: the definition is removed


class ChangeComment(Base):
    __tablename__ = "change_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class DefinitionEvent(Base):
    """Append-only history of every definition action: who did what, and when."""

    __tablename__ = "definition_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(30))
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"), nullable=True, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
