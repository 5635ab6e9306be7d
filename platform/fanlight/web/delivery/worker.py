"""`fanlight worker`: deliver decided referrals, and send the mail outbox.

The delivery records are the job queue: each is written in its decision's transaction, so a
decision and its deliveries are committed together or not at all. Any number of workers, on any
number of machines, share them. A worker claims one due record with a compare-and-set of its state
(on PostgreSQL after `SELECT ... FOR UPDATE SKIP LOCKED`, so workers pass over each other's rows
instead of queueing on them), records the attempt, delivers, and records the outcome only while its
claim still stands. A worker killed mid-delivery leaves a claim that expires after the lease; the
record is then due again and the attempt is logged as abandoned. Delivery is at least once: the
receiver sees the same idempotency key on every attempt of a record, and applies it once.

Backoff: a passing failure waits BACKOFF x 2^(attempt-1) seconds (capped, with jitter, or what a
429 or 503's Retry-After said), and the worker leaves that destination alone for the rest of its
pass; a permanent failure stops the record at once (dead); so does the last allowed attempt.
"""

from __future__ import annotations

import datetime
import os
import signal
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import clock, extensions, mail
from ..config import destination_variable, find_destination
from ..models import Delivery, DeliveryAttempt, DeliveryState
from . import adapters, records
from .adapters import Outcome, Result

S = DeliveryState


@dataclass
class Pass:
    """What one pass over the due records did."""

    delivered: int = 0
    accepted: int = 0
    retrying: int = 0
    dead: int = 0
    acknowledged: int = 0
    mail_sent: int = 0
    resting: set[str] = field(default_factory=set)  # destinations left alone after a passing failure

    @property
    def attempts(self) -> int:
        return self.delivered + self.accepted + self.retrying + self.dead


def name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


def run(*, once: bool = False, poll: float = 2.0, stop: threading.Event | None = None) -> Pass:
    """Work until stopped (SIGTERM or SIGINT finish the delivery in hand first), or, with `once`,
    until nothing is due. Returns the totals."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    total = Pass()
    while not stop.is_set():
        done = work_once(stop=stop)
        for attribute in ("delivered", "accepted", "retrying", "dead", "acknowledged", "mail_sent"):
            setattr(total, attribute, getattr(total, attribute) + getattr(done, attribute))
        if once:
            break
        if not done.attempts:
            stop.wait(poll)
    return total


def work_once(*, stop: threading.Event | None = None, limit: int = 1000) -> Pass:
    """One pass: let go of dead claims, collect folder acknowledgements, deliver what is due, send mail."""
    done = Pass()
    worker = name()
    config = current_app.config
    with Session(extensions.db_engine(), expire_on_commit=False) as s:
        release_expired(s, config)
        done.acknowledged = collect_acknowledgements(s, config)
        reachable = _reachable(s, config)
        for _ in range(limit):
            if stop is not None and stop.is_set():
                break
            claimed = claim(s, worker, reachable - done.resting)
            if claimed is None:
                break
            _attempt(s, claimed, config, done)
    if config.get("FANLIGHT_SMTP_URL"):
        sent, _failed = mail.deliver_pending()
        done.mail_sent = sent
    return done


def _reachable(s: Session, config: Any) -> set[str]:
    """The destinations waiting records name that have an address (a record for one nobody
    configured waits, and the deliveries page says why)."""
    named = set(s.scalars(select(Delivery.destination).where(Delivery.state == S.PENDING).distinct()))
    s.rollback()
    return {n for n in named if find_destination(n, config) is not None}


@dataclass(frozen=True)
class Claim:
    """A record a worker holds, with what it sends."""

    delivery_id: int
    at: datetime.datetime
    attempt_id: int
    number: int
    key: str = ""
    submission_id: str = ""
    destination: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    case_note: str = ""


def claim(s: Session, worker: str, among: Iterable[str]) -> Claim | None:
    """Take the oldest due record for one of these destinations, or None if none is due: one
    transaction (find, claim, open its attempt), read in the order of the (state, next_attempt_at,
    id) index, so a backlog costs no sort."""
    among = sorted(among)
    if not among:
        return None
    now = clock.now()
    for _ in range(20):  # lost races: another worker took the one we saw
        candidate = s.scalar(select(Delivery.id).where(Delivery.state == S.PENDING, Delivery.next_attempt_at <= now,
                                                        Delivery.destination.in_(among))
                             .order_by(Delivery.next_attempt_at, Delivery.id).limit(1)
                             .with_for_update(skip_locked=True))
        if candidate is None:
            s.rollback()
            return None
        took = s.execute(update(Delivery).where(Delivery.id == candidate, Delivery.state == S.PENDING)
                         .values(state=S.SENDING, claimed_at=now, claimed_by=worker, attempts=Delivery.attempts + 1)
                         .returning(Delivery.attempts, Delivery.key, Delivery.submission_id, Delivery.destination,
                                    Delivery.payload, Delivery.case_note)
                         .execution_options(synchronize_session=False)).one_or_none()
        if took is None:
            s.rollback()
            continue
        attempt = DeliveryAttempt(delivery_id=candidate, number=took.attempts, worker=worker, started_at=now,
                                  outcome="sending", error="")
        s.add(attempt)
        s.flush()  # its id, before the commit expires it
        taken = Claim(candidate, now, attempt.id, took.attempts, took.key, took.submission_id, took.destination,
                      took.payload or {}, took.case_note or "")
        s.commit()
        return taken
    return None


def _attempt(s: Session, taken: Claim, config: Any, done: Pass) -> None:
    """Deliver a claimed record, with no transaction open while the destination answers."""
    destination = find_destination(taken.destination, config)
    if destination is None:
        outcome = Outcome(Result.TRANSIENT, error=f"{destination_variable(taken.destination)} is not set")
    else:
        outcome = adapters.deliver(destination, taken.key, taken.payload, taken.case_note,
                                   float(config["FANLIGHT_DELIVERY_TIMEOUT_SECONDS"]))
    finish(s, taken, outcome, config, done)


def finish(s: Session, taken: Claim, outcome: Outcome, config: Any, done: Pass) -> None:
    """Record the outcome, only while the claim is still ours (a slower worker whose lease ran out
    must not overwrite what the worker that took the record over did). A delivery acknowledged
    there and then moves its referral in the same transaction."""
    values: dict[str, Any] = {"claimed_at": None, "last_error": outcome.error}
    if outcome.result == Result.DELIVERED:
        values.update(state=S.DELIVERED, external_id=outcome.external_id, delivered_at=clock.now())
    elif outcome.result == Result.ACCEPTED:
        values.update(state=S.SENT)
    elif outcome.result == Result.PERMANENT or taken.number >= int(config["FANLIGHT_DELIVERY_ATTEMPTS"]):
        values.update(state=S.DEAD)
    else:
        values.update(state=S.PENDING, next_attempt_at=clock.now() + _backoff(taken.number, outcome, config))
    s.execute(update(DeliveryAttempt).where(DeliveryAttempt.id == taken.attempt_id)
              .values(outcome=outcome.result.value, status_code=outcome.status_code, error=outcome.error,
                      finished_at=clock.now()))
    still_ours = s.execute(update(Delivery).where(Delivery.id == taken.delivery_id, Delivery.state == S.SENDING,
                                                  Delivery.claimed_at == taken.at)
                           .values(**values).execution_options(synchronize_session=False))
    if still_ours.rowcount == 1 and outcome.result == Result.DELIVERED:  # type: ignore[attr-defined]
        records.referral_delivered(s, taken.submission_id, taken.destination, str(outcome.external_id))
    s.commit()
    if still_ours.rowcount == 1:  # type: ignore[attr-defined]
        _count(outcome, values["state"], taken.destination, done)


def _count(outcome: Outcome, state: str, destination: str, done: Pass) -> None:
    if outcome.result == Result.DELIVERED:
        done.delivered += 1
    elif outcome.result == Result.ACCEPTED:
        done.accepted += 1
    elif state == S.DEAD:
        done.dead += 1
    else:
        done.retrying += 1
        done.resting.add(destination)


def _backoff(number: int, outcome: Outcome, config: Any) -> datetime.timedelta:
    cap = float(config["FANLIGHT_DELIVERY_MAX_BACKOFF_SECONDS"])
    if outcome.retry_after is not None:
        return datetime.timedelta(seconds=min(outcome.retry_after, cap))
    return clock.backoff(number, float(config["FANLIGHT_DELIVERY_BACKOFF_SECONDS"]), cap)


def release_expired(s: Session, config: Any) -> int:
    """Records held past the lease (their worker died): due again, or dead if that was the last
    allowed attempt; their open attempts are logged as abandoned. Returns how many it released.

    Only a record this release actually let go of (its claim still the expired one) has its open
    attempts closed, and only those begun under that claim or before: another worker may have
    released the record and claimed it again since the expired claims were read, and that worker's
    live attempt is not abandoned."""
    lease = datetime.timedelta(seconds=float(config["FANLIGHT_DELIVERY_LEASE_SECONDS"]))
    cutoff = clock.now() - lease
    stale = list(s.execute(select(Delivery.id, Delivery.claimed_at, Delivery.attempts)
                           .where(Delivery.state == S.SENDING, Delivery.claimed_at < cutoff)))
    released = 0
    for delivery_id, claimed_at, attempts in stale:
        last = attempts >= int(config["FANLIGHT_DELIVERY_ATTEMPTS"])
        let_go = s.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.state == S.SENDING,
                                                  Delivery.claimed_at == claimed_at)
                           .values(state=S.DEAD if last else S.PENDING, claimed_at=None, next_attempt_at=clock.now(),
                                   last_error="the worker stopped before it finished")
                           .execution_options(synchronize_session=False))
        if let_go.rowcount != 1:  # type: ignore[attr-defined]
            continue  # somebody else released it (and may hold it again): its attempts are theirs
        released += 1
        s.execute(update(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id,
                                                DeliveryAttempt.finished_at.is_(None),
                                                DeliveryAttempt.started_at <= claimed_at)
                  .values(outcome=Result.ABANDONED.value, finished_at=clock.now(),
                          error="the worker stopped before it finished"))
    s.commit()
    return released


def collect_acknowledgements(s: Session, config: Any) -> int:
    """Folder drops the importer has acknowledged (KEY.ack): delivered, with the case system's id.
    Only records sent to folders are read, and only what finding their files needs."""
    sent_to = set(s.scalars(select(Delivery.destination).where(Delivery.state == S.SENT).distinct()))
    folders = [n for n in sent_to if (d := find_destination(n, config)) is not None and not d.is_http]
    count = 0
    if folders:
        waiting = list(s.execute(select(Delivery.id, Delivery.key, Delivery.destination)
                                 .where(Delivery.state == S.SENT, Delivery.destination.in_(folders))
                                 .order_by(Delivery.id)))
        for delivery_id, key, name in waiting:
            destination = find_destination(name, config)
            external_id = adapters.acknowledgement(destination, key) if destination is not None else None
            delivery = s.get(Delivery, delivery_id) if external_id is not None else None
            if delivery is None or external_id is None:
                continue
            try:
                if records.acknowledge(s, delivery, external_id):
                    count += 1
            except records.NotChanged:
                s.rollback()
    s.rollback()
    return count
