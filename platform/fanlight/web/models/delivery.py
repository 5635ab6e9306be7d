"""Delivery of decided referrals to the council's case system: a record per referral and destination,
and every attempt made to deliver it."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, JSONType
from ._base import new_id, now
from .states import DeliveryState


class Delivery(Base):
    """One decided referral on its way to one destination (a case system, a drop folder).

    Written in the same transaction as the decision, with the payload its mapping rendered then, so
    what is sent is what was decided, however often it is tried. The record is also the job: the
    workers (`fanlight worker`) claim due records, one worker per record at a time, and record each
    attempt. `key` is the idempotency key the receiver sees on every attempt of this record.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("submission_id", "destination"),
        # The workers' question: which records are due, oldest first (in the claim's order: no sort).
        Index("ix_deliveries_due", "state", "next_attempt_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: f"fanlight-{new_id()}")
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    destination: Mapped[str] = mapped_column(String(80))
    mapping_id: Mapped[str] = mapped_column(String(80))
    mapping_version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    case_note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)
    # While SENDING: when the worker claimed it (a claim older than the lease is a worker that died).
    claimed_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    claimed_by: Mapped[str] = mapped_column(String(100), default="")
    last_error: Mapped[str] = mapped_column(String(500), default="")
    # The case system's own id for the referral, once it has acknowledged it.
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)
    delivered_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DeliveryAttempt(Base):
    """One try at a delivery: who tried, when, and what came back."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)
    finished_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[str] = mapped_column(String(20))  # see delivery.Outcome
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str] = mapped_column(String(500), default="")
