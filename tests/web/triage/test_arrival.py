"""A referral arrives at the front door: received, with where it came from and when a decision is due."""

from __future__ import annotations

import datetime

from fanlight.web.models import ReferralStatus
from tests.support.factories import make_user, signed_in_client, submitted_draft
from tests.web.triage.support import events, row

UTC = datetime.UTC


def test_a_teachers_referral_arrives_received_with_its_agency_id_and_cin_code(app, referral_id, staff):
    referral = row(app, referral_id)

    assert referral.status == ReferralStatus.RECEIVED
    assert (referral.agency_id, referral.cin_referral_source) == ("demo-primary-school", "2A")  # SCHOOLS
    assert referral.agency == "Demo Primary School"  # its name, as before
    assert referral.received_at == referral.submitted_at
    assert (referral.assignee_id, referral.rag) == (None, None)
    (event,) = events(app, referral_id)
    assert (event.kind, event.from_status, event.to_status) == ("received", None, "received")
    assert (event.actor_id, event.at) == (staff.teacher, referral.submitted_at)


def test_a_decision_is_due_one_working_day_after_it_arrives_by_the_front_doors_calendar(app, referral_id):
    referral = row(app, referral_id)
    # Sent on Sunday 22 November 2026, outside working hours: due at closing time on Monday.
    assert referral.received_at.astimezone(UTC).date() == datetime.date(2026, 11, 22)
    assert referral.due_at is not None
    assert referral.due_at.astimezone(UTC) == datetime.datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def test_a_referral_from_someone_with_no_agency_records_none_rather_than_a_guess(app, staff):
    council = make_user(app, "professional", name="Council Worker", agency="")
    _, referral_id = submitted_draft(app, signed_in_client(app, council))
    referral = row(app, referral_id)
    assert (referral.status, referral.agency_id, referral.cin_referral_source) == ("received", None, None)



def test_a_web_process_loads_the_bank_holidays_as_it_starts_not_when_the_first_referral_is_sent(config, clock):
    """Loading them took a third of a second: the first referral sent through each worker waited for it."""
    from fanlight.engine.calendar import days
    from fanlight.web import create_app, extensions

    days.bank_holidays.cache_clear()
    application = create_app(config, clock_=clock)
    try:
        assert days.bank_holidays.cache_info().currsize >= 1
    finally:
        extensions.db_engine(application).dispose()
