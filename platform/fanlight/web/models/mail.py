"""The transactional outbox of email."""

from __future__ import annotations

import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ._base import now
from .states import MailStatus


class OutboxMessage(Base):
    """Every email Fanlight sends, written in the same transaction as the change that causes it.

    Without FANLIGHT_SMTP_URL the outbox is where mail stays (`fanlight mail outbox`); with it,
    messages are sent after the transaction commits, and a sent message's body is blanked
    (it may hold a live link). A message that failed is tried again at `next_attempt_at`, after
    a growing wait; one failed with no next attempt has been given up (mail.py).
    """

    __tablename__ = "mail_outbox"
    # The senders' question: what is pending, or failed and due (migration 0017).
    __table_args__ = (Index("ix_mail_outbox_due", "status", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=MailStatus.OUTBOX)  # see MailStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When a sender claimed it (status SENDING): a claim older than mail.CLAIM_TIMEOUT has died.
    claimed_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # When a FAILED message is tried next; None on a FAILED message: given up (its attempts ran out).
    next_attempt_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sent_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")
