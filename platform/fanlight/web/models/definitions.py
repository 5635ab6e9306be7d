"""The definition registry and the changes on their way to it."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, JSONType
from ._base import now
from .states import ChangeState


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
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)


class Publication(Base):
    """A published set of definitions. The newest is live; every worker follows it."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_ids: Mapped[list[int]] = mapped_column(JSONType)
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"), nullable=True)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    published_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)
    note: Mapped[str] = mapped_column(String(200), default="")


class Change(Base):
    """New versions of one or more definitions, on their way through review."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(20), default=ChangeState.DRAFT, index=True)
    # Publications point at their change; these two point back as plain numbers, so the two
    # tables do not depend on each other when they are created.
    base_publication_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    publication_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)


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
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)


class DefinitionEvent(Base):
    """Append-only history of every definition action: who did what, and when."""

    __tablename__ = "definition_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(30))
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"), nullable=True, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
