"""Referrals: drafts, their submissions and history, and attachments (and, when kept in the database, their bytes)."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from ..db import Base, JSONType
from ._base import new_id, now
from .states import DraftStatus, ReferralStatus


class Draft(Base):
    """A form in progress, pinned to the definition version it started on."""

    __tablename__ = "drafts"
    # The retention job's question: open drafts last saved before a moment (referrals/retention.py).
    __table_args__ = (Index("ix_drafts_status_updated", "status", "updated_at"),)

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
    # When its owner was last reminded that it will be deleted: once each time it is left untouched.
    reminded_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Submission(Base):
    """A referral: a complete draft, sent, and its way through the front door.

    `owner_id` is the referrer; `assignee_id` the front-door officer who owns it now. Its status,
    assignee and rating are kept in step with its events (fanlight.web.triage.workflow, which
    alone changes them) and can be rebuilt from them (triage.history.rebuild).
    """

    __tablename__ = "submissions"
    # The holding area's "RAG rating, red first" order (red 3 ... not rated 0, read backwards): SQL
    # shared by the queue (triage/queue.py) and the index that serves it, which PostgreSQL uses only
    # for exactly the same expression. Laid out as PostgreSQL prints it back, so that Alembic's
    # compare of models and migrations finds it unchanged.
    RAG_RANK: ClassVar[str] = ("(\nCASE rag\n    WHEN 'red' THEN 3\n    WHEN 'amber' THEN 2\n    WHEN 'green' THEN 1\n"
                               "    ELSE 0\nEND)")
    __table_args__ = (
        UniqueConstraint("draft_id", name="uq_submissions_draft"),  # one draft, one submission
        # The holding area's questions: open referrals by due time, someone's referrals, the reds.
        Index("ix_submissions_status_due", "status", "due_at"),
        Index("ix_submissions_assignee_status", "assignee_id", "status"),
        Index("ix_submissions_rag_status", "rag", "status"),
        # Migration 0010: the holding area's first page under each sort (read backwards: newest
        # first; due soonest; the reds first, then newest), each with the filters that narrow it
        # most; a category and a child's name (trigram indexes on PostgreSQL; ordinary ones,
        # unused by LIKE, on SQLite); a reference by its beginning (LIKE 'FL-AB%' on PostgreSQL
        # needs the pattern operators unless the database's collation is "C").
        Index("ix_submissions_received", "received_at", "id"),
        Index("ix_submissions_due", "due_at", "id"),
        Index("ix_submissions_rag_rank", text(RAG_RANK), "received_at", "id"),
        # ... and reds first within a status, an owner or an agency: the unrated are nearly all
        # received and unassigned, and an agency sends few of the million, so read from the reds
        # down the one above would pass most referrals first.
        Index("ix_submissions_status_rag_rank", "status", text(RAG_RANK), "received_at", "id"),
        Index("ix_submissions_assignee_rag_rank", "assignee_id", text(RAG_RANK), "received_at", "id"),
        Index("ix_submissions_agency_rag_rank", "agency_id", text(RAG_RANK), "received_at", "id"),
        Index("ix_submissions_status_received", "status", "received_at"),
        Index("ix_submissions_agency_received", "agency_id", "received_at"),
        Index("ix_submissions_assignee_received", "assignee_id", "received_at"),
        Index("ix_submissions_concern_categories", "concern_categories", postgresql_using="gin",
              postgresql_ops={"concern_categories": "gin_trgm_ops"}),
        Index("ix_submissions_threshold_indicators", "threshold_indicators", postgresql_using="gin",
              postgresql_ops={"threshold_indicators": "gin_trgm_ops"}),
        Index("ix_submissions_reference_prefix", "reference", postgresql_ops={"reference": "varchar_pattern_ops"}),
        Index("ix_submissions_child_names", "child_names", postgresql_using="gin",
              postgresql_ops={"child_names": "gin_trgm_ops"}),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    draft_id: Mapped[str] = mapped_column(ForeignKey("drafts.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    agency: Mapped[str] = mapped_column(String(200), default="")  # the referring agency's name, as it was
    # The referring agency's definition id, and its DfE CIN census ReferralSource code (from its
    # agency type, definitions/options/agency-types.yaml), as they were when it was sent; None for
    # a referrer with no agency (council staff) or an agency no longer approved.
    agency_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    cin_referral_source: Mapped[str | None] = mapped_column(String(4), nullable=True)
    form_id: Mapped[str] = mapped_column(String(80))
    form_version: Mapped[int] = mapped_column(Integer)
    form_hash: Mapped[str] = mapped_column(String(64))
    publication_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType)
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(30), default=ReferralStatus.RECEIVED)
    submitted_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    # When the front door received it (its decision clock starts here), and when a decision is
    # due by the front door's working calendar (None where no calendar was defined).
    received_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)
    due_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    rag: Mapped[str | None] = mapped_column(String(10), nullable=True)  # Rag; None until an officer rates it
    # When the referrer last answered a request for more information (the queue's "information
    # received" flag, while the referral is in triage); cleared when the front door asks again.
    information_received_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Every child's name on the referral, forename then surname, case folded, one child a line
    # ("jordan morgan\nmia morgan"), and its categories of concern between spaces (" neglect
    # other "): what the holding area's search and category filter read, short columns kept in the
    # row (the answers are compressed out of line: reading them costs ~0.1 ms a referral). Set
    # whenever `answers` is (`_names_follow_answers`); migration 0010 filled them for older rows.
    child_names: Mapped[str] = mapped_column(Text, default="", server_default="")
    concern_categories: Mapped[str] = mapped_column(Text, default="", server_default="")
    # What the dashboards count (issue 10), kept in the row so a figure and the holding-area list
    # behind it are one filter over one table (triage/queue.py), each set in the transaction of
    # what it records: the level the referrer chose (1-4; `referrer_threshold_level`) and the one
    # Fanlight suggested, with the answers; whether a child on it was referred in the 12 months
    # before (its match keys, triage/family.py) when it arrived; that the front door asked for
    # more information, with the request; and the decision: when, its outcome and level applied.
    # Migration 0013 filled them for older rows.
    level_referrer: Mapped[int | None] = mapped_column(Integer, nullable=True)
    level_suggested: Mapped[int | None] = mapped_column(Integer, nullable=True)
    re_referral: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    information_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    decided_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(40), nullable=True)
    level_applied: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The threshold indicators its answers matched when it was sent, between spaces like its
    # categories (" cd3-missing-episode pc3-erratic-care "), set with the evaluation: which
    # indicators referrers over- or under-escalate. Migration 0016 filled it for older rows.
    threshold_indicators: Mapped[str] = mapped_column(Text, default="", server_default="")

    @staticmethod
    def names_of(answers: Any) -> str:
        """The `child_names` of these answers (the `children` repeat of cause-for-concern)."""
        children = answers.get("children") if isinstance(answers, dict) else None
        names = []
        for child in children if isinstance(children, list) else []:
            parts = [child.get(p) for p in ("child_forename", "child_surname")] if isinstance(child, dict) else []
            name = " ".join(" ".join(p for p in parts if isinstance(p, str)).split()).casefold()
            if name:
                names.append(name)
        return "\n".join(names)

    @staticmethod
    def categories_of(answers: Any) -> str:
        """The `concern_categories` of these answers (the `categories` checkboxes' option values)."""
        chosen = answers.get("categories") if isinstance(answers, dict) else None
        values = [v for v in chosen if isinstance(v, str)] if isinstance(chosen, list) else []
        return f" {' '.join(values)} " if values else ""

    @staticmethod
    def referrer_level_of(answers: Any) -> int | None:
        """The level of need the referrer chose (`referrer_threshold_level`: "level_3" is 3)."""
        chosen = answers.get(REFERRER_LEVEL) if isinstance(answers, dict) else None
        return level_number(chosen.removeprefix("level_")) if isinstance(chosen, str) else None

    @staticmethod
    def suggested_level_of(evaluation: Any) -> int | None:
        """The level Fanlight's thresholds suggested, as the stored evaluation says."""
        threshold = evaluation.get("threshold") if isinstance(evaluation, dict) else None
        return level_number(threshold.get("level")) if isinstance(threshold, dict) else None

    @staticmethod
    def indicators_of(evaluation: Any) -> str:
        """The `threshold_indicators` of a stored evaluation (its threshold's `matched` ids)."""
        threshold = evaluation.get("threshold") if isinstance(evaluation, dict) else None
        matched = threshold.get("matched") if isinstance(threshold, dict) else None
        if not isinstance(matched, list):
            return ""
        # An indicator's id is one word (the thresholds' schema): only a word is found between spaces.
        ids = [i for i in matched if isinstance(i, str) and i.split() == [i]]
        return f" {' '.join(ids)} " if ids else ""

    @validates("answers")
    def _names_follow_answers(self, _key: str, answers: Any) -> Any:
        self.child_names = self.names_of(answers)
        self.concern_categories = self.categories_of(answers)
        self.level_referrer = self.referrer_level_of(answers)
        return answers

    @validates("evaluation")
    def _threshold_follows_evaluation(self, _key: str, evaluation: Any) -> Any:
        self.level_suggested = self.suggested_level_of(evaluation)
        self.threshold_indicators = self.indicators_of(evaluation)
        return evaluation


REFERRER_LEVEL = "referrer_threshold_level"  # cause-for-concern's "Which level of need do you think..."
LEVELS = (1, 2, 3, 4)


def level_number(value: Any) -> int | None:
    """A level of need, 1 to 4, from "3" or 3; None for anything else."""
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return int(text) if text.isdigit() and int(text) in LEVELS else None


class SubmissionEvent(Base):
    """Append-only history of a referral: who did what, when, from which state to which, and why.

    A move of state has `from_status`/`to_status` (None → received when it arrives); other
    actions (claimed, assigned, released, rag_set, ...) keep what changed in `detail`. The
    database refuses UPDATE and DELETE on this table (triggers made by migration 0007), except a
    DELETE by the retention job under a retention grant.
    """

    __tablename__ = "submission_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(30), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(30), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)


class RetentionGrant(Base):
    """Leave for the retention job, and it alone, to delete one submission's events.

    The events' triggers refuse a DELETE unless a grant names the submission. The job inserts
    the grant, deletes, and deletes the grant in one transaction (referrals/retention.py), with
    its audit row: outside that transaction this table is always empty.
    """

    __tablename__ = "retention_grants"

    submission_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    granted_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)


class ReferralMatchKey(Base):
    """One way a referral can be found by another about the same child or household (triage/family.py).

    `key` is the SHA-256 of its kind and a normalised value (an NHS number; a forename, surname
    and date of birth; a surname and postcode): no readable personal data. Written with the
    submission, deleted with it by the retention job.
    """

    __tablename__ = "referral_match_keys"
    __table_args__ = (Index("ix_referral_match_keys_kind_key", "kind", "key"),)

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)


class Attachment(Base):
    """A file on a draft: what it is (its sniffed type), never where its bytes are (files/storage.py)."""

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


class AttachmentContent(Base):
    """An attachment's bytes, when FANLIGHT_ATTACHMENT_STORAGE=database: written in the same
    transaction as its Attachment row, and deleted with it (ON DELETE CASCADE), so every server
    sharing the database reads them and none is ever left without its row."""

    __tablename__ = "attachment_contents"

    stored_name: Mapped[str] = mapped_column(
        String(64), ForeignKey("attachments.stored_name", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
