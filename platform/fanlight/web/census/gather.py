"""The referrals of a census year, read from the database as `items.ReferralFacts`.

A referral belongs to the census year its receipt falls in, on the front door's local calendar (the
time zone of its working calendar, triage.deadlines): one received at 00:30 on 1 April (BST) is in
the new year, though it is still 31 March in UTC. Its decision is its newest `decided` event's; the
case system's id is its delivery's `external_id`, once the case system acknowledged it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator

from sqlalchemy import select

from .. import db, extensions
from ..models import Delivery, Submission, SubmissionEvent
from ..triage import deadlines
from . import items
from .year import CensusYear

DECIDED_EVENT = "decided"
_CHUNK = 500  # ids per IN (...) list


def bounds(year: CensusYear) -> tuple[datetime.datetime, datetime.datetime]:
    """The year's first and first-after moments (UTC): local midnight of 1 April, and of the next."""
    return deadlines.start_of_day(year.first_day), deadlines.start_of_day(year.last_day + datetime.timedelta(days=1))


def lookups() -> items.Lookups:
    """The census codes of the live option lists (ethnicity, disabilities)."""
    lists = extensions.catalogue().definitions.option_lists

    def codes_of(list_id: str) -> dict[str, str]:
        found = lists.get(list_id)
        return {o.value: o.code for o in (found.options if found is not None else ()) if o.code}

    return items.Lookups(ethnicity=codes_of("ethnicity"), disability=codes_of("disabilities"))


def facts(year: CensusYear) -> list[items.ReferralFacts]:
    """Every referral received in the year, oldest first."""
    start, end = bounds(year)
    s = db.session()
    rows = list(s.scalars(select(Submission).where(Submission.received_at >= start, Submission.received_at < end)
                          .order_by(Submission.received_at, Submission.id)))
    ids = [r.id for r in rows if r.status in items.DECIDED]
    decisions: dict[str, dict[str, object] | None] = {}
    for chunk in _chunks(ids):
        for event in s.scalars(select(SubmissionEvent).where(SubmissionEvent.submission_id.in_(chunk),
                                                             SubmissionEvent.kind == DECIDED_EVENT)
                               .order_by(SubmissionEvent.id)):
            decided = event.detail.get("decision") if isinstance(event.detail, dict) else None
            decisions[event.submission_id] = decided if isinstance(decided, dict) and decided else None
    case_ids: dict[str, str] = {}
    for chunk in _chunks(ids):
        for submission_id, external_id in s.execute(
                select(Delivery.submission_id, Delivery.external_id)
                .where(Delivery.submission_id.in_(chunk), Delivery.external_id.is_not(None))
                .order_by(Delivery.id.desc())):
            if external_id:
                case_ids[submission_id] = external_id  # the first delivery's, when there are several
    return [items.ReferralFacts(
        submission_id=r.id, reference=r.reference, received_on=deadlines.local(r.received_at).date(),
        status=r.status, decision=decisions.get(r.id), referral_source=r.cin_referral_source,
        answers=r.answers if isinstance(r.answers, dict) else {}, case_id=case_ids.get(r.id)) for r in rows]


def census(year: CensusYear) -> items.Census:
    return items.census_of(year, facts(year), lookups())


def _chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    for i in ids:
        chunk.append(i)
        if len(chunk) == _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
