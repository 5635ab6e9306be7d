"""Every action on a referral at the front door, and nothing else changes its state.

    claim(referral, officer)                  take one nobody owns (a received one starts its triage)
    assign(referral, to, by, reason)          give it to a colleague (a manager may take it from its owner)
    release(referral, by)                     give it up (its owner, or a manager)
    set_rag(referral, rag, reason, by)        rate it red, amber or green, with a reason
    move(referral, to, by, reason)            ask_for_information, information_received, decide, withdraw
    note(referral, by, kind, may, reason)     a step of triage that changes no state (a decision proposed)

Each action, on the referral as the person acting saw it:

1. checks who may (access.policies: a refusal is audited and raised as NotAllowed, a 403) and what
   its state allows (models.states.ReferralStatus: IllegalMove, a 409);
2. changes the row with a compare-and-set UPDATE whose WHERE is what they saw (its state, its
   owner, its rating), so of two people acting at once exactly one wins; the other's transaction
   is rolled back and they are told who won and when (Taken, a 409: "Jo Officer claimed this at
   10:02");
3. writes its event (who, when, from → to, why) in the same transaction, and commits.

It returns the event, and the referral passed in holds what was written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.orm.attributes import set_committed_value

from .. import clock, db, errors
from ..access import policies
from ..models import Rag, ReferralStatus, Submission, SubmissionEvent, User
from . import history

S = ReferralStatus
# The name of each move's event (a withdrawal is "withdrawn" from any open state; received →
# in_triage is a claim, whose event is "claimed").
MOVES: dict[tuple[str, str], str] = {
    (S.IN_TRIAGE, S.AWAITING_INFORMATION): "information_requested",
    (S.AWAITING_INFORMATION, S.IN_TRIAGE): "information_received",
    (S.IN_TRIAGE, S.DECIDED): "decided",
    (S.DECIDED, S.DELIVERED): "delivered",
    **{(state, S.WITHDRAWN): "withdrawn" for state in S.open()},
}


class IllegalMove(errors.Conflict):
    """The referral's state does not allow this (it was decided, withdrawn, ...): nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__("This referral cannot do that now", f"{message} Nothing was changed.")


class Taken(errors.Conflict):
    """Somebody else got there first (or has it): nothing was written. `winner` is their name,
    `event` what they did."""

    def __init__(self, message: str, winner: str | None = None, event: SubmissionEvent | None = None) -> None:
        super().__init__("Someone else has already done this", f"{message}. Nothing you sent was saved.")
        self.winner, self.event = winner, event


class ReasonRequired(ValueError):
    """This action needs a reason (a rating, a referral taken from its owner): the page asks for one."""


# The actions ------------------------------------------------------------------------------------


def claim(referral: Submission, officer: User, reason: str = "") -> SubmissionEvent:
    _may_see(officer, referral)
    policies.require(officer, policies.can_triage(officer), f"referral {referral.id}: claim")
    _must_be_open(referral)
    if referral.assignee_id is not None:
        raise _taken(referral)  # somebody has it: say who
    return _take(referral, officer, officer, history.CLAIMED, reason, Submission.assignee_id.is_(None))


def assign(referral: Submission, to: User, by: User, reason: str = "") -> SubmissionEvent:
    _may_see(by, referral)
    policies.require(by, policies.can_triage(by), f"referral {referral.id}: assign")
    _must_be_open(referral)
    if referral.assignee_id == to.id:
        raise IllegalMove(f"It is already {to.name}'s.")
    taking = referral.assignee_id is not None and referral.assignee_id != by.id
    if taking and not policies.manages(by):
        raise _taken(referral)
    policies.require(by, policies.can_assign(by, referral, to), f"referral {referral.id}: assign to user {to.id}")
    if taking and not reason.strip():
        raise ReasonRequired("Say why you are taking this referral from its owner.")
    return _take(referral, to, by, history.ASSIGNED, reason, _is(Submission.assignee_id, referral.assignee_id))


def release(referral: Submission, by: User, reason: str = "") -> SubmissionEvent:
    _may_see(by, referral)
    policies.require(by, policies.can_triage(by), f"referral {referral.id}: release")
    _must_be_open(referral)
    if referral.assignee_id is None:
        raise IllegalMove("Nobody has this referral.")
    policies.require(by, policies.can_release(by, referral), f"referral {referral.id}: release")
    return _write(referral, by, history.RELEASED, reason,
                  where=[Submission.status == referral.status, Submission.assignee_id == referral.assignee_id],
                  values={"assignee_id": None},
                  detail={"assignee_id": None, "previous_assignee_id": referral.assignee_id})


def set_rag(referral: Submission, rag: Rag | str, reason: str, by: User) -> SubmissionEvent:
    rating = Rag(rag)  # ValueError for anything but red, amber or green
    _may_see(by, referral)
    policies.require(by, policies.can_triage(by), f"referral {referral.id}: rate")
    _must_be_open(referral)
    if not reason.strip():
        raise ReasonRequired("Say why you rate this referral so.")
    return _write(referral, by, history.RAG_SET, reason,
                  where=[Submission.status.in_(S.open()), _is(Submission.rag, referral.rag)],
                  values={"rag": rating.value}, detail={"rag": rating.value, "previous_rag": referral.rag})


def move(referral: Submission, to: ReferralStatus | str, by: User, reason: str = "",
         detail: dict[str, Any] | None = None, then: Callable[[SubmissionEvent], object] | None = None,
         ) -> SubmissionEvent:
    """Move a referral to another state, as its state machine and the record rules allow (what the
    move decided, such as a decision's answers, is kept in its event's `detail`). `then(event)` adds
    what follows from the move (a decision's deliveries) to its transaction, once the move has won."""
    target, current = S(to), S(referral.status)
    _may_see(by, referral)
    if not current.may_become(target):
        raise IllegalMove(f"It is {current.label.lower()}: it cannot be {target.label.lower()}.")
    if (current, target) == (S.RECEIVED, S.IN_TRIAGE):
        return claim(referral, by, reason)  # starting its triage is taking it
    policies.require(by, policies.can_move(by, referral, target), f"referral {referral.id}: {current} to {target}")
    where = [Submission.status == current]
    if target == S.DECIDED and not policies.manages(by):
        where.append(Submission.assignee_id == by.id)  # still its owner when it is decided
    return _write(referral, by, MOVES[(current, target)], reason, where=where, values={"status": target.value},
                  to_status=target, detail=detail, then=then)


def delivered(s: Session, submission_id: str, detail: dict[str, Any]) -> bool:
    """The case system has every delivery of a decided referral: Fanlight moves it to delivered, in
    the caller's transaction (the acknowledgement's). False if it was not decided (already moved)."""
    done = s.execute(update(Submission).where(Submission.id == submission_id, Submission.status == S.DECIDED)
                     .values(status=S.DELIVERED.value).execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    s.add(SubmissionEvent(submission_id=submission_id, actor_id=None, kind=MOVES[(S.DECIDED, S.DELIVERED)],
                          from_status=S.DECIDED.value, to_status=S.DELIVERED.value, detail=detail, at=clock.now()))
    return True


def ask_for_information(referral: Submission, by: User, reason: str = "") -> SubmissionEvent:
    return move(referral, S.AWAITING_INFORMATION, by, reason)


def information_received(referral: Submission, by: User, reason: str = "") -> SubmissionEvent:
    return move(referral, S.IN_TRIAGE, by, reason)


def decide(referral: Submission, by: User, reason: str = "") -> SubmissionEvent:
    return move(referral, S.DECIDED, by, reason)


def withdraw(referral: Submission, by: User, reason: str = "") -> SubmissionEvent:
    return move(referral, S.WITHDRAWN, by, reason)


def note(referral: Submission, by: User, kind: str, may: bool, reason: str = "",
         detail: dict[str, Any] | None = None) -> SubmissionEvent:
    """Record a step of a referral's triage that changes none of its state (a decision proposed for a
    manager's approval, or returned): only while it is in triage, by someone `may` allows (the
    caller's policy). The compare-and-set rewrites the state as seen (status and owner), so the step
    is refused if either changed since, and on PostgreSQL it waits for any move already under way."""
    _may_see(by, referral)
    if referral.status != S.IN_TRIAGE:
        raise IllegalMove(f"It is {S(referral.status).label.lower()}, not in triage.")
    policies.require(by, may, f"referral {referral.id}: {kind}")
    return _write(referral, by, kind, reason,
                  where=[Submission.status == S.IN_TRIAGE, _is(Submission.assignee_id, referral.assignee_id)],
                  values={"status": S.IN_TRIAGE.value}, detail=detail)


# How each is done --------------------------------------------------------------------------------


def _may_see(user: User, referral: Submission) -> None:
    policies.require(user, policies.can_see_referral(user, referral), f"referral {referral.id}")


def _must_be_open(referral: Submission) -> None:
    if referral.status not in S.open():
        raise IllegalMove(f"It is {S(referral.status).label.lower()}.")


def _is(column: InstrumentedAttribute[Any], value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _take(referral: Submission, to: User, by: User, kind: str, reason: str,
          unchanged_owner: ColumnElement[bool]) -> SubmissionEvent:
    """Give a referral an owner; one just received starts its triage with it."""
    values: dict[str, Any] = {"assignee_id": to.id}
    starts = referral.status == S.RECEIVED
    if starts:
        values["status"] = S.IN_TRIAGE.value
    return _write(referral, by, kind, reason, where=[Submission.status == referral.status, unchanged_owner],
                  values=values, to_status=S.IN_TRIAGE if starts else None,
                  detail={"assignee_id": to.id, "previous_assignee_id": referral.assignee_id})


def _write(referral: Submission, by: User, kind: str, reason: str, *, where: list[ColumnElement[bool]],
           values: dict[str, Any], to_status: S | None = None, detail: dict[str, Any] | None = None,
           then: Callable[[SubmissionEvent], object] | None = None) -> SubmissionEvent:
    """The compare-and-set, its event and what follows from it (`then`), in one transaction."""
    s = db.session()
    seen = history.State.of(referral)
    try:
        done = s.execute(update(Submission).where(Submission.id == referral.id, *where).values(**values)
                         .execution_options(synchronize_session=False))
        won = done.rowcount == 1  # type: ignore[attr-defined]
        if won:
            event = SubmissionEvent(submission_id=referral.id, actor_id=by.id, kind=kind,
                                    from_status=seen.status if to_status is not None else None,
                                    to_status=to_status.value if to_status is not None else None,
                                    reason=reason.strip(), detail=detail or {}, at=clock.now())
            s.add(event)
            if then is not None:
                then(event)
            s.commit()
    except BaseException:
        s.rollback()
        raise
    if not won:
        s.rollback()
        raise _lost(referral.id, seen)
    for name, value in values.items():
        set_committed_value(referral, name, value)
    return event


def _lost(submission_id: str, seen: history.State) -> IllegalMove | Taken:
    """Why a compare-and-set found the referral changed: the newest event that changed what was seen."""
    s = db.session()
    row = s.execute(select(Submission.status, Submission.assignee_id, Submission.rag)
                    .where(Submission.id == submission_id)).one_or_none()
    if row is None:
        return IllegalMove("This referral is no longer kept.")
    now = history.State(*row)
    if now.status != seen.status:
        event = history.latest(submission_id, moves=True)
    elif now.assignee_id != seen.assignee_id:
        event = history.latest(submission_id, *history.OWNERSHIP)
    elif now.rag != seen.rag:
        event = history.latest(submission_id, history.RAG_SET)
    else:
        event = history.latest(submission_id)
    return _told(event)


def _taken(referral: Submission) -> Taken:
    """The referral has an owner who is not the person acting: who, and since when."""
    return _told(history.latest(referral.id, *history.OWNERSHIP))


def _told(event: SubmissionEvent | None) -> Taken:
    if event is None:
        return Taken("Someone else changed this referral")
    people = history.people_in([event])
    winner = people.get(event.actor_id) if event.actor_id is not None else None
    return Taken(f"{history.describe(event, people)} {history.when(event.at)}", winner, event)
