"""Requests for more information: the front door asks a referrer, who answers in the portal."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, JSONType
from ._base import new_id, now


class InformationRequest(Base):
    """What an officer asked a referrer, and (once answered) the reply and any amended sections.

    The referral's own answers are never changed: an amendment is kept here, section by section,
    beside them, so the front door sees what was sent first and what was changed after. While the
    request is open the referrer's amendments are saved here as they go; answering closes it
    (`answered_at`) and moves the referral back to triage, flagged "information received", with
    its `information_received` event, in one transaction (triage/information.py).
    """

    __tablename__ = "information_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)
    question: Mapped[str] = mapped_column(Text)
    # The templated request it started from (definitions/options/information-requests.yaml), if any.
    template: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # The sections of the referral the referrer may amend, by id (none: a reply only).
    sections: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # {section id: {field id: answer}}: what the referrer changed, section by section.
    amendments: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    reply: Mapped[str] = mapped_column(Text, default="", server_default="")
    answered_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
