"""Every state machine Fanlight keeps, as an enum with its allowed moves in one place.

The values are the strings stored in the database (the columns stay strings, so no
migration is needed); code and templates use the enum members, never bare strings.
"""

from __future__ import annotations

from enum import StrEnum


class _States(StrEnum):
    @classmethod
    def moves(cls) -> dict[str, frozenset[str]]:
        raise NotImplementedError

    def may_become(self, to: str) -> bool:
        return str(to) in self.moves().get(self.value, frozenset())

    @classmethod
    def sources(cls, to: str) -> tuple[str, ...]:
        """Every state that may become `to`: the WHERE of a compare-and-set move."""
        return tuple(sorted(state for state, targets in cls.moves().items() if str(to) in targets))

    @property
    def label(self) -> str:
        """How the state reads on a page."""
        return self.value.replace("_", " ").capitalize()


class DraftStatus(_States):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # sent: its answers now live in its one submission

    @classmethod
    def moves(cls) -> dict[str, frozenset[str]]:
        return {cls.DRAFT: frozenset({cls.SUBMITTED})}


class ReferralStatus(_States):
    """A referral (a submission) at the front door (DESIGN §9, docs/architecture.md).

    received ─claim─▶ in_triage ─ask─▶ awaiting_information ─answer─▶ in_triage ─decide─▶ decided
    (─▶ delivered, once the case system has it); the referrer may withdraw it before a decision.
    Every move is a compare-and-set in fanlight.web.triage.workflow, with its event.
    """

    RECEIVED = "received"
    IN_TRIAGE = "in_triage"
    AWAITING_INFORMATION = "awaiting_information"
    DECIDED = "decided"
    DELIVERED = "delivered"
    WITHDRAWN = "withdrawn"

    @classmethod
    def moves(cls) -> dict[str, frozenset[str]]:
        return {
            cls.RECEIVED: frozenset({cls.IN_TRIAGE, cls.WITHDRAWN}),
            cls.IN_TRIAGE: frozenset({cls.AWAITING_INFORMATION, cls.DECIDED, cls.WITHDRAWN}),
            cls.AWAITING_INFORMATION: frozenset({cls.IN_TRIAGE, cls.WITHDRAWN}),
            cls.DECIDED: frozenset({cls.DELIVERED}),
        }

    @classmethod
    def open(cls) -> tuple[ReferralStatus, ...]:
        """States in which the front door still owes a decision: it may be claimed, rated, withdrawn."""
        return (cls.RECEIVED, cls.IN_TRIAGE, cls.AWAITING_INFORMATION)


class Rag(StrEnum):
    """The front door's priority for a referral (red, amber, green): set by an officer, with a reason,
    over the referrer's and Fanlight's suggestions. Not a state machine: any rating may follow any."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ChangeState(_States):
    """A definition change on its way through review (DESIGN §5)."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PUBLISHED = "published"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @classmethod
    def moves(cls) -> dict[str, frozenset[str]]:
        return {
            cls.DRAFT: frozenset({cls.IN_REVIEW, cls.WITHDRAWN}),
            cls.IN_REVIEW: frozenset({cls.APPROVED, cls.REJECTED, cls.DRAFT, cls.WITHDRAWN}),
            cls.APPROVED: frozenset({cls.PUBLISHED, cls.REJECTED, cls.DRAFT, cls.WITHDRAWN}),
        }

    @classmethod
    def open(cls) -> tuple[ChangeState, ...]:
        """States from which a change can still move: it is not yet closed."""
        return (cls.DRAFT, cls.IN_REVIEW, cls.APPROVED)


class MailStatus(_States):
    """A message in the outbox.

    OUTBOX: kept, not sent (no SMTP configured). PENDING: waiting to be sent. SENDING: claimed
    by one sender; a claim older than the claim timeout counts as failed (the sender died), so
    no message is stranded. SENT and FAILED as they say; a FAILED message is tried again until
    its attempts run out.
    """

    OUTBOX = "outbox"
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    @classmethod
    def moves(cls) -> dict[str, frozenset[str]]:
        return {
            cls.PENDING: frozenset({cls.SENDING}),
            cls.FAILED: frozenset({cls.SENDING}),
            cls.SENDING: frozenset({cls.SENT, cls.FAILED}),
        }



class DeliveryState(_States):
    """A decided referral on its way to one destination (web/delivery).

    PENDING: due at its next attempt time (a first try, or a retry after a passing failure).
    SENDING: claimed by one worker; a claim older than the lease is a worker that died, and the
    record is due again. SENT: the destination took it and will acknowledge it later (a drop folder,
    or a 202). DELIVERED: the case system acknowledged it and gave its own id. DEAD: a permanent
    error, or its attempts ran out; an operator may resend it. CANCELLED by an operator.
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    DEAD = "dead"
    CANCELLED = "cancelled"

    @classmethod
    def moves(cls) -> dict[str, frozenset[str]]:
        return {
            cls.PENDING: frozenset({cls.SENDING, cls.CANCELLED}),
            cls.SENDING: frozenset({cls.PENDING, cls.SENT, cls.DELIVERED, cls.DEAD}),
            cls.SENT: frozenset({cls.DELIVERED, cls.PENDING, cls.CANCELLED}),
            cls.DEAD: frozenset({cls.PENDING, cls.CANCELLED}),
            cls.CANCELLED: frozenset({cls.PENDING}),
        }
