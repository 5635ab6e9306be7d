"""Other systems' access: API clients (police, health, probation case systems) and their requests."""

from __future__ import annotations

import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, JSONType
from ._base import now


class ApiClient(Base):
    """A system that submits referrals through /api/v1, bound to one agency.

    Its token is shown once, when it is made, and kept only as a SHA-256 hash (a token is 256
    random bits: a slow password hash adds nothing, and every API request checks one). Its
    referrals are sent as its own account (`user_id`), which can never sign in to the pages.
    """

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    agency_id: Mapped[str] = mapped_column(String(80))
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_used_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ApiIdempotencyKey(Base):
    """A client's Idempotency-Key and the request it came with: a replay of the same request gets the
    same answer (the referral its draft became); the same key with another body is refused. Written
    in the same transaction as the referral, and kept after it (see `draft_id`)."""

    __tablename__ = "api_idempotency_keys"

    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    # The draft that became the referral; None once retention has deleted the referral (a replay is
    # then told it is gone, a 410, and never makes it again).
    draft_id: Mapped[str | None] = mapped_column(ForeignKey("drafts.id"), nullable=True, index=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)


