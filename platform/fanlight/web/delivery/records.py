"""Delivery records: made with the decision, acknowledged by the case system, resent or cancelled
by an operator. Every change of state is a compare-and-set on the record's state, so a worker, an
acknowledgement and an operator acting at once cannot undo each other."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fanlight.engine.mappings import DecidedReferral, applies, mappings_for, render_payload
from fanlight.renderers import casenote

from .. import clock, db, extensions
from ..models import Delivery, DeliveryState, Submission

S = DeliveryState

class NotChanged(Exception):
    """The delivery was not in a state that allows this (it moved on since the page was drawn)."""


def schedule(referral: Submission, decision: dict[str, Any], decided_at: datetime.datetime) -> list[Delivery]:
    """In the decision's transaction (the caller commits): a record for each live mapping of the
    referral's form whose `when` holds. A mapping that cannot render still gets its record, dead,
    saying why: the decision is never lost to a mapping's fault, and an operator sees it."""
    made: list[Delivery] = []
    facts: DecidedReferral | None = None
    for compiled in mappings_for(extensions.catalogue().definitions, referral.form_id):
        mapping = compiled.mapping
        if any(d.destination == mapping.destination for d in made):
            continue
        facts = facts or decided(referral, decision, decided_at)
        record = Delivery(submission_id=referral.id, destination=mapping.destination, mapping_id=mapping.id,
                          mapping_version=mapping.version, payload={}, case_note="", next_attempt_at=decided_at,
                          state=S.PENDING, attempts=0, claimed_by="", last_error="", created_at=decided_at)
        try:
            if not applies(compiled, facts):
                continue
            record.payload = render_payload(compiled, facts)
            record.case_note = _case_note(referral)
        except Exception as error:  # noqa: BLE001 (the decision stands; the record says what went wrong)
            record.state, record.last_error = S.DEAD, f"the mapping could not be applied: {error}"[:500]
        db.session().add(record)
        made.append(record)
    return made


def decided(referral: Submission, decision: dict[str, Any], decided_at: datetime.datetime) -> DecidedReferral:
    """What a mapping may read of a decided referral: its answers (with any amendments the referrer
    sent), the decision, and the facts the front door holds."""
    from ..triage.information import amended_answers  # noqa: PLC0415 (triage imports this module)

    return DecidedReferral(
        reference=referral.reference, form_id=referral.form_id, form_version=referral.form_version,
        received_at=clock.utc(referral.received_at), decided_at=clock.utc(decided_at),
        agency_id=referral.agency_id, agency=referral.agency, referral_source=referral.cin_referral_source,
        rag=referral.rag, answers=amended_answers(referral), decision=dict(decision))


def _case_note(referral: Submission) -> str:
    from ..referrals.context import as_sent, form_of  # noqa: PLC0415

    return casenote.render(form_of(referral), referral.answers, as_sent(referral), referral.reference,
                           clock.utc(referral.submitted_at))


def of_referral(s: Session, submission_id: str) -> list[Delivery]:
    return list(s.scalars(select(Delivery).where(Delivery.submission_id == submission_id).order_by(Delivery.id)))


def acknowledge(s: Session, delivery: Delivery, external_id: str) -> bool:
    """The case system has the referral under its own id: the record is delivered, and once every
    record of the referral is, the referral is too (one transaction). True if this changed anything;
    an acknowledgement repeated with the same id changes nothing; NotChanged for another id, or for
    a record cancelled or not yet sent."""
    external_id = external_id.strip()[:200]
    if delivery.state == S.DELIVERED:
        if delivery.external_id == external_id:
            return False
        raise NotChanged(f"Delivery {delivery.key} was already acknowledged as {delivery.external_id}.")
    done = s.execute(update(Delivery).where(Delivery.id == delivery.id, Delivery.state.in_(S.sources(S.DELIVERED)))
                     .values(state=S.DELIVERED, external_id=external_id, delivered_at=clock.now(), claimed_at=None,
                             last_error="").execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        s.rollback()
        raise NotChanged(f"Delivery {delivery.key} is {S(delivery.state).label.lower()}: it cannot be acknowledged.")
    referral_delivered(s, delivery.submission_id, delivery.destination, external_id)
    s.commit()
    s.refresh(delivery)
    return True


def referral_delivered(s: Session, submission_id: str, destination: str, external_id: str) -> None:
    """Once every record of the referral is delivered (or cancelled), so is the referral (the
    caller's transaction)."""
    from ..triage import workflow  # noqa: PLC0415 (triage imports this module)

    waiting = s.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.submission_id == submission_id, Delivery.state.not_in((S.DELIVERED, S.CANCELLED))))
    if not waiting:
        workflow.delivered(s, submission_id, {"destination": destination, "external_id": external_id})


def resend(s: Session, delivery_id: int) -> None:
    """An operator sends it again from the start: due now, with a fresh count of attempts (the log
    keeps the old ones) and the same idempotency key, so a receiver that had it applies it once."""
    _set(s, delivery_id, S.PENDING, (S.SENT, S.DEAD, S.CANCELLED), attempts=0, next_attempt_at=clock.now(),
         last_error="")


def cancel(s: Session, delivery_id: int) -> None:
    """An operator stops it: no worker will try it again (unless it is resent)."""
    _set(s, delivery_id, S.CANCELLED, S.sources(S.CANCELLED), claimed_at=None)


def _set(s: Session, delivery_id: int, to: DeliveryState, sources: tuple[str, ...], **values: Any) -> None:
    done = s.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.state.in_(sources))
                     .values(state=to, **values).execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        s.rollback()
        raise NotChanged(f"This delivery cannot be {to.label.lower()} now: it has moved on.")
    s.commit()
