"""One injectable clock (fanlight.web.clock): the app reads time only from it."""

from __future__ import annotations

import datetime

from fanlight.web import clock as clock_module
from fanlight.web.referrals.context import evaluate_now
from tests.support.factories import compiled_form, draft_row, signed_in_client, start_draft


def test_a_settable_clock_runs_on_from_where_it_was_set_and_moves_forward_when_told():
    start = datetime.datetime(2027, 3, 26, 16, 0, tzinfo=datetime.UTC)
    c = clock_module.SettableClock(start)
    assert start <= c.now() < start + datetime.timedelta(seconds=5)
    c.advance(3 * 86400)
    assert c.today() == datetime.date(2027, 3, 29)
    c.set(datetime.datetime(2030, 1, 1))
    assert c.now().tzinfo is not None and c.today() == datetime.date(2030, 1, 1)


def test_durations_read_as_words():
    assert [clock_module.duration(s) for s in (45, 60, 61, 1800, 3600, 86400)] == [
        "45 seconds", "1 minute", "2 minutes", "30 minutes", "1 hour", "24 hours"]


def test_evaluation_takes_today_from_the_apps_clock(app, clock):
    compiled = compiled_form(app)
    answers = {"children": [{"child_forename": "Jo", "child_surname": "M", "unborn": False,
                             "child_dob": "2016-06-01"}]}
    with app.app_context():
        assert clock_module.today() == clock.today()
        now = evaluate_now(compiled, answers).derived["children[0].child_age"]
        clock.advance(366 * 86400)
        later = evaluate_now(compiled, answers).derived["children[0].child_age"]
    assert (now, later) == (10, 11)


def test_stored_times_come_from_the_apps_clock(app, teacher, clock):
    clock.set(datetime.datetime(2031, 5, 6, 7, 8, tzinfo=datetime.UTC))
    draft = draft_row(app, start_draft(signed_in_client(app, teacher)))
    assert clock_module.utc(draft.created_at).date() == datetime.date(2031, 5, 6)


def test_a_time_earlier_today_is_not_in_the_future_whatever_the_hour(app, clock):
    """`max: now` is the app clock's moment, not noon on its day: a call made at 15:00 can be
    reported at 15:30 (it was refused as later than 12:00)."""
    compiled = compiled_form(app)
    clock.set(datetime.datetime(2026, 11, 22, 15, 30, tzinfo=datetime.UTC))
    with app.app_context():
        phoned = {"immediate_danger": True, "phoned_front_door": True}  # the question is asked only then
        at_three = evaluate_now(compiled, {**phoned, "phone_call_datetime": "2026-11-22T15:00"})
        at_four = evaluate_now(compiled, {**phoned, "phone_call_datetime": "2026-11-22T16:00"})
    assert not [e for e in at_three.errors if e.field == "phone_call_datetime"]
    assert [e.code for e in at_four.errors if e.field == "phone_call_datetime"] == ["max"]
