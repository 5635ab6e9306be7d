"""The security audit trail."""

from __future__ import annotations

import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ._base import now


class AuditEvent(Base):
    """Security events (sign-in, sign-out, denials, accounts and roles): who, what, when, from where.

    Append-only: the database refuses UPDATE and DELETE on this table (triggers made by
    migration 0003). Never answer values or passwords.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    event: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str] = mapped_column(Text, default="")
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
