"""A referral's history: its events in order, each in words, and its state rebuilt from them.

The state kept on the row (status, owner, rating) is a cache of its events: `rebuild` folds the
events into a `State` (OpenCRVS's getStatusFromActions), and a test rebuilds every referral after
random actions and compares. The fold checks the history as it goes: each move starts from the
state the one before left, and is a move the state machine allows (BrokenHistory otherwise).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from sqlalchemy import select

from fanlight.engine.calendar.days import long_date

from .. import clock, db
from ..models import ReferralStatus, Submission, SubmissionEvent, User
from . import deadlines

# Kinds of event (a move of state is named for the move: workflow.MOVES).
RECEIVED = "received"
CLAIMED = "claimed"
ASSIGNED = "assigned"
RELEASED = "released"
RAG_SET = "rag_set"
OWNERSHIP = (CLAIMED, ASSIGNED, RELEASED)  # each carries the new owner in detail["assignee_id"]


class Event(Protocol):
    """What the fold reads of an event (a SubmissionEvent, or anything shaped like one)."""

    @property
    def kind(self) -> str: ...
    @property
    def from_status(self) -> str | None: ...
    @property
    def to_status(self) -> str | None: ...
    @property
    def detail(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class State:
    """What a referral's events say it is now."""

    status: str | None = None
    assignee_id: int | None = None
    rag: str | None = None

    @classmethod
    def of(cls, referral: Submission) -> State:
        """The state the row keeps (to compare with the one rebuilt)."""
        return cls(referral.status, referral.assignee_id, referral.rag)


class BrokenHistory(ValueError):
    """Events that no sequence of allowed actions could have written."""


def apply(state: State, event: Event) -> State:
    """One step of the fold. Events that change none of the three (the sent form's `submitted`,
    written before the front door, or a file downloaded) leave the state as it was."""
    if event.to_status is not None:
        if event.from_status != state.status:
            raise BrokenHistory(f"{event.kind}: moves from {event.from_status}, but the referral was {state.status}")
        allowed = (event.to_status == ReferralStatus.RECEIVED if state.status is None
                   else ReferralStatus(state.status).may_become(event.to_status))
        if not allowed:
            raise BrokenHistory(f"{event.kind}: {state.status} cannot become {event.to_status}")
        state = replace(state, status=event.to_status)
    if event.kind in OWNERSHIP:
        state = replace(state, assignee_id=event.detail["assignee_id"])
    elif event.kind == RAG_SET:
        state = replace(state, rag=event.detail["rag"])
    return state


def rebuild(events: Iterable[Event]) -> State:
    """A referral's state from its events, oldest first."""
    return functools.reduce(apply, events, State())


def events_of(submission_id: str) -> list[SubmissionEvent]:
    """A referral's events, oldest first (the order they were written)."""
    return list(db.session().scalars(
        select(SubmissionEvent).where(SubmissionEvent.submission_id == submission_id).order_by(SubmissionEvent.id)))


def names(ids: Iterable[int | None]) -> dict[int, str]:
    """{user id: name} for the people events name."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {user_id: name for user_id, name in db.session().execute(select(User.id, User.name)
                                                                    .where(User.id.in_(wanted)))}


def people_in(events: Iterable[SubmissionEvent]) -> dict[int, str]:
    """{user id: name} of everyone these events name: who acted, and who was given the referral."""
    found: set[int | None] = set()
    for e in events:
        found |= {e.actor_id, e.detail.get("assignee_id"), e.detail.get("previous_assignee_id")}
    return names(found)


_WORDS: dict[str, Callable[[str, str, Mapping[str, Any]], str]] = {
    RECEIVED: lambda who, _to, _d: f"{who} sent this",
    "submitted": lambda who, _to, _d: f"{who} sent this",  # written before the front door (migration 0007)
    CLAIMED: lambda who, _to, _d: f"{who} claimed this",
    ASSIGNED: lambda who, to, _d: f"{who} assigned this to {to}",
    RELEASED: lambda who, _to, _d: f"{who} released this",
    RAG_SET: lambda who, _to, d: f"{who} rated this {d.get('rag', '')}",
    "information_requested": lambda who, _to, _d: f"{who} asked for more information",
    "information_received": lambda who, _to, d: (f"{who} answered the request for more information{_amended(d)}"
                                                 if d.get("answered") else
                                                 f"{who} recorded that the information asked for arrived"),
    "decision_proposed": lambda who, _to, _d: f"{who} proposed a decision for a manager to approve",
    "decision_returned": lambda who, _to, _d: f"{who} returned the proposed decision",
    "decided": lambda who, _to, d: f"{who} approved the decision" if d.get("approved") else f"{who} decided this",
    "withdrawn": lambda who, _to, _d: f"{who} withdrew this",
    "delivered": lambda _who, _to, d: "The case system received this" + (
        f" (its reference {d['external_id']})" if d.get("external_id") else ""),
    "attachment_downloaded": lambda who, _to, d: f"{who} downloaded {d.get('name') or 'a file'}",
}


def _amended(detail: Mapping[str, Any]) -> str:
    sections = detail.get("amended_sections") or []
    return f", and amended {len(sections)} section{'s' if len(sections) != 1 else ''}" if sections else ""


def describe(event: SubmissionEvent, people: Mapping[int, str]) -> str:
    """What happened, in words: "Jo Officer claimed this"."""
    who = people.get(event.actor_id, "Someone") if event.actor_id is not None else "Fanlight"
    to = people.get(event.detail.get("assignee_id") or 0, "someone")
    words = _WORDS.get(event.kind)
    return words(who, to, event.detail) if words else f"{who}: {event.kind.replace('_', ' ')}"


def when(moment: datetime.datetime) -> str:
    """'at 10:02' today, 'at 10:02 on Monday 23 November 2026' another day (the front door's time)."""
    local = deadlines.local(moment)
    today = deadlines.local(clock.now()).date()
    return f"at {local:%H:%M}" + ("" if local.date() == today else f" on {long_date(local.date())}")


def latest(submission_id: str, *kinds: str, moves: bool = False) -> SubmissionEvent | None:
    """The newest event of a referral of one of `kinds` (or, with `moves`, that moved its state)."""
    query = select(SubmissionEvent).where(SubmissionEvent.submission_id == submission_id)
    if moves:
        query = query.where(SubmissionEvent.to_status.is_not(None))
    elif kinds:
        query = query.where(SubmissionEvent.kind.in_(kinds))
    found: SubmissionEvent | None = db.session().scalar(query.order_by(SubmissionEvent.id.desc()).limit(1))
    return found


# What the referrer sees of a referral's history (Your forms): what was done about it, never who at
# the front door did it, its rating, its owner or who read its files.
_FOR_REFERRER: dict[str, Callable[[Mapping[str, Any]], str]] = {
    RECEIVED: lambda _d: "You sent it, and the Family Front Door received it",
    "submitted": lambda _d: "You sent it",
    CLAIMED: lambda _d: "The Family Front Door started looking at it",
    "information_requested": lambda _d: "The Family Front Door asked you for more information",
    "information_received": lambda d: (f"You answered the request for more information{_amended(d)}" if d.get("answered")
                                       else "The Family Front Door recorded the information it asked for"),
    "decided": lambda _d: "The Family Front Door made its decision",
    "withdrawn": lambda _d: "You withdrew it",
}


def for_referrer(events: Iterable[SubmissionEvent], outcome: Callable[[str], str] | None = None,
                 ) -> list[tuple[str, str]]:
    """(what happened, when, in words) for the referrer, oldest first."""
    return [(said, when(at)) for said, at in referrer_steps(events, outcome)]


def referrer_steps(events: Iterable[SubmissionEvent], outcome: Callable[[str], str] | None = None,
                   ) -> list[tuple[str, datetime.datetime]]:
    """(what happened, when) for the referrer, oldest first; a decision says its outcome in words."""
    shown: list[tuple[str, datetime.datetime]] = []
    started = False
    for e in events:
        words = _FOR_REFERRER.get(e.kind)
        if words is None or (e.kind == CLAIMED and started):
            continue
        started = started or e.kind == CLAIMED
        said = words(e.detail)
        decided = (e.detail.get("decision") or {}).get("outcome") if e.kind == "decided" else None
        if decided and outcome is not None:
            said += f": {outcome(str(decided)).lower()}"
        shown.append((said, clock.utc(e.at)))
    return shown


def time_waiting(events: Iterable[SubmissionEvent], now: datetime.datetime) -> datetime.timedelta:
    """How long, in all, the referral has waited for information from the referrer. The decision
    clock does not stop for it (Working Together: one working day from receipt), so it is shown
    beside the clock, not taken off it."""
    total, since = datetime.timedelta(0), None
    for e in events:
        if e.to_status == ReferralStatus.AWAITING_INFORMATION:
            since = clock.utc(e.at)
        elif since is not None and e.to_status is not None:
            total, since = total + (clock.utc(e.at) - since), None
    if since is not None:
        total += clock.utc(now) - since
    return total


def duration(length: datetime.timedelta) -> str:
    """'1 day 2 hours', '3 hours 5 minutes', 'less than a minute'."""
    minutes = int(length.total_seconds() // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    parts = [(days, "day"), (hours, "hour")] if days else [(hours, "hour"), (mins, "minute")]
    said = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n]
    return " ".join(said) or "less than a minute"
