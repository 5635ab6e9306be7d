"""People and what signing in keeps about them."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, JSONType
from ._base import new_id, now


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40), default="professional")
    agency: Mapped[str] = mapped_column(String(200), default="")  # the agency's name, as shown
    # The id of the agency definition (definitions/agencies/*.yaml) this person belongs to;
    # empty for accounts made by an administrator for council staff.
    agency_id: Mapped[str] = mapped_column(String(80), default="", server_default="")
    # A work phone number the person gives on their account page: their referrals start with it.
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # Rotated at every sign-in and sign-out: a cookie carrying an old nonce is signed out.
    session_nonce: Mapped[str] = mapped_column(String(64), default="")
    # Set when the person followed the link sent to their address; nobody signs in before.
    email_verified_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)

    @property
    def verified(self) -> bool:
        return self.email_verified_at is not None


class AccountToken(Base):
    """One emailed link (verify an address, reset a password): expires, and works once.

    The link carries a signed token naming this row; the row makes it single-use.
    """

    __tablename__ = "account_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # "verify" or "reset"
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SignInThrottle(Base):
    """Failed sign-ins for one email address (whether or not an account has it): slowed, then locked."""

    __tablename__ = "sign_in_throttles"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    next_attempt_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    locked_until: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class HeldAnswers(Base):
    """A section's answers that arrived after their session ended (JavaScript off), kept so
    that signing in again saves them: the person confirms, and they are posted as before."""

    __tablename__ = "held_answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    fields: Mapped[list[Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
