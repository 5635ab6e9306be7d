"""An evaluation says until when the clock alone could not change it (`steady_until`, `holds_at`):
what lets a page reuse the evaluation of unchanged answers, and never one the clock has overtaken."""

from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from fanlight.engine import evaluate
from tests.helpers import compile_yaml, form_yaml

UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
MIDNIGHT = datetime.datetime(2026, 11, 23, tzinfo=UTC)
SECOND = datetime.timedelta(seconds=1)

FORM = compile_yaml(
    form_yaml(
        """
        - {id: note, type: text, label: Note}
        - {id: phoned_at, type: datetime, label: When did you phone?, max: now}
        - {id: meeting_at, type: datetime, label: When is the meeting?, min: now}
        - {id: seen_on, type: date, label: Last seen, max: today}
        - {id: child_dob, type: date, label: Date of birth}
        - {id: child_age, type: number, label: Age, calculate: $age(child_dob)}
        """
    )
)
# An expression reading `$now` reads it whatever the answers: a form with one never holds beyond now.
READS_NOW = compile_yaml(
    form_yaml(
        """
        - {id: last_seen, type: datetime, label: Last seen at}
        - {id: over_a_day, type: yes_no, label: Missing a day?, calculate: last_seen < $now - t'P1D'}
        """
    )
)


def steady_until(answers: dict[str, str]) -> datetime.datetime | None:
    evaluation = evaluate(FORM, answers, now=NOW)
    assert evaluation.at == NOW
    return evaluation.steady_until


def test_answers_that_never_meet_the_clock_hold_for_ever():
    evaluation = evaluate(FORM, {"note": "Seen at the school gate"}, now=NOW)

    assert evaluation.steady_until is None
    assert evaluation.holds_at(NOW + datetime.timedelta(days=400))
    assert not evaluation.holds_at(NOW - SECOND)  # a clock set back (a test's) is not trusted


def test_a_call_in_the_past_passes_max_now_for_ever():
    assert steady_until({"phoned_at": "2026-11-22T10:00"}) is None


def test_a_call_still_to_come_is_refused_with_a_message_naming_now_so_it_holds_no_longer_than_now():
    assert steady_until({"phoned_at": "2026-11-22T16:00"}) == NOW


def test_a_meeting_still_to_come_passes_min_now_until_just_after_it():
    until = steady_until({"meeting_at": "2026-11-22T16:00"})

    assert until == datetime.datetime(2026, 11, 22, 16, 0, 0, 1, tzinfo=UTC)
    assert evaluate(FORM, {"meeting_at": "2026-11-22T16:00"}, now=until - datetime.timedelta(microseconds=1)).complete
    assert not evaluate(FORM, {"meeting_at": "2026-11-22T16:00"}, now=until).complete


def test_a_day_checked_against_today_and_an_age_hold_until_midnight():
    assert steady_until({"seen_on": "2026-11-20"}) == MIDNIGHT
    assert steady_until({"child_dob": "2018-11-23"}) == MIDNIGHT
    assert evaluate(FORM, {"child_dob": "2018-11-23"}, now=MIDNIGHT - SECOND).derived["child_age"] == 7
    assert evaluate(FORM, {"child_dob": "2018-11-23"}, now=MIDNIGHT).derived["child_age"] == 8


def test_an_expression_reading_now_holds_only_at_that_moment():
    evaluation = evaluate(READS_NOW, {"last_seen": "2026-11-20T09:00"}, now=NOW)

    assert evaluation.steady_until == NOW
    assert not evaluation.holds_at(NOW)


MOMENTS = st.integers(min_value=-3 * 86400, max_value=3 * 86400).map(lambda s: NOW + datetime.timedelta(seconds=s))
STAMPS = MOMENTS.map(lambda m: m.strftime("%Y-%m-%dT%H:%M:%S"))
DAYS = MOMENTS.map(lambda m: m.date().isoformat())


@settings(max_examples=200, deadline=None)
@given(
    answers=st.fixed_dictionaries(
        {},
        optional={"phoned_at": STAMPS, "meeting_at": STAMPS, "seen_on": DAYS, "child_dob": DAYS,
                  "note": st.text(max_size=5)},
    ),
    later=st.integers(min_value=0, max_value=3 * 86400),
)
def test_whenever_an_evaluation_says_it_holds_evaluating_again_finds_exactly_the_same(answers, later):
    first = evaluate(FORM, answers, now=NOW)
    moment = NOW + datetime.timedelta(seconds=later)
    if first.holds_at(moment):
        again = evaluate(FORM, answers, now=moment)
        assert again.to_json() == first.to_json()
        assert again.answers == first.answers


def test_a_meeting_at_the_end_of_the_calendar_is_judged_without_overflowing():
    """`min: now` notes the moment just after the answer: the very last one has none."""
    evaluation = evaluate(FORM, {"meeting_at": "9999-12-31T23:59:59.999999"}, now=NOW)

    assert evaluation.complete and evaluation.steady_until is None


def test_random_is_refused_in_an_expression_since_an_evaluation_must_be_reproducible():
    from tests.helpers import problems_of

    problems = problems_of({"forms/f.yaml": form_yaml(
        "- {id: lucky, type: yes_no, label: Lucky?, calculate: $random() > 0.5}")})

    assert any("'$random'" in str(p) and "same result for the same answers" in str(p) for p in problems), problems
