"""Migration 0013 fills the dashboards' facts of referrals stored before it: the levels from the
answers and evaluation, the decision from its event, the request for more information, and the
re-referral from the match keys; migration 0015 counts them (`dashboard_counts`); migration 0016
fills the threshold indicators each matched from its stored evaluation, and counts them too."""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from fanlight.web import clock, migrate
from fanlight.web.models import DailyCount, Submission
from tests.support.web import insert_row

FIRST = datetime.datetime(2026, 1, 10, 9, 0, tzinfo=datetime.UTC)


def a_referral(engine, number: int, received: datetime.datetime, answers: dict, evaluation: dict) -> str:
    draft, submission = f"{number:032d}", f"{number + 100:032d}"
    insert_row(engine, "drafts", id=draft, owner_id=1, form_id="cause-for-concern", form_version=1, form_hash="c" * 64,
               answers={}, visited=[], revision=2, status="submitted", created_at=received, updated_at=received)
    insert_row(engine, "submissions", id=submission, reference=f"FL-TEST-{number:04d}", draft_id=draft, owner_id=1,
               agency="", form_id="cause-for-concern", form_version=1, form_hash="c" * 64, answers=answers,
               evaluation=evaluation, status="received", submitted_at=received, received_at=received,
               child_names="", concern_categories="")
    insert_row(engine, "referral_match_keys", submission_id=submission, kind="nhs", key="k" * 64)
    return submission


def test_upgrading_fills_the_dashboards_facts_of_earlier_referrals(empty_url):
    migrate.upgrade(empty_url, "0012")
    engine = create_engine(empty_url, poolclass=NullPool)
    try:
        insert_row(engine, "users", id=1, email="u1@x.example", name="Sam Teacher", role="professional", agency="",
                   agency_id="", password_hash="x", active=True, session_nonce="", created_at=FIRST)
        first = a_referral(engine, 1, FIRST, {"referrer_threshold_level": "level_2"}, {"threshold": {"level": 3}})
        again = a_referral(engine, 2, FIRST + datetime.timedelta(days=300), {}, {"threshold": None})
        late = a_referral(engine, 3, FIRST + datetime.timedelta(days=300 + 366), {}, {})
        insert_row(engine, "submission_events", submission_id=first, actor_id=1, kind="decided",
                   from_status="in_triage", to_status="decided", reason="",
                   detail={"decision": {"outcome": "early_help", "level_applied": "2"}},
                   at=FIRST + datetime.timedelta(hours=20))
        insert_row(engine, "information_requests", id="r" * 32, submission_id=again, asked_by_id=1, asked_at=FIRST,
                   question="Which school?", sections=[], amendments={}, reply="")
        migrate.upgrade(empty_url)
        with Session(engine) as s:
            rows = {r.id: r for r in s.scalars(select(Submission))}
        assert (rows[first].level_referrer, rows[first].level_suggested) == (2, 3)
        assert (rows[first].outcome, rows[first].level_applied) == ("early_help", 2)
        assert clock.utc(rows[first].decided_at) == FIRST + datetime.timedelta(hours=20)
        assert (rows[again].level_referrer, rows[again].level_suggested, rows[again].decided_at) == (None, None, None)
        assert [rows[i].information_requested for i in (first, again, late)] == [False, True, False]
        # The same child: again within 12 months of the first; the third more than 12 months after the second.
        assert [rows[i].re_referral for i in (first, again, late)] == [False, True, False]
    finally:
        engine.dispose()


def test_upgrading_counts_earlier_referrals_on_their_front_door_day(empty_url):
    """Migration 0015 writes the dashboards' counts of the referrals already stored: each on its day in
    the time zone of the front door's published calendar (UTC here: none is published)."""
    migrate.upgrade(empty_url, "0014")
    engine = create_engine(empty_url, poolclass=NullPool)
    try:
        insert_row(engine, "users", id=1, email="u1@x.example", name="Sam Teacher", role="professional", agency="",
                   agency_id="", password_hash="x", active=True, session_nonce="", created_at=FIRST)
        first = a_referral(engine, 1, FIRST, {}, {})
        a_referral(engine, 2, FIRST + datetime.timedelta(hours=16), {}, {})  # 01:00 the next day
        with engine.begin() as connection:
            connection.execute(update(Submission).where(Submission.id == first).values(
                outcome="nfa", decided_at=FIRST + datetime.timedelta(hours=3), concern_categories=" neglect "))
        migrate.upgrade(empty_url)
        with Session(engine) as s:
            counts = {(r.span, r.day.isoformat(), r.dimension, r.first): r.n for r in s.scalars(select(DailyCount))}
        assert counts[("day", "2026-01-10", "all", "")] == 1
        assert counts[("day", "2026-01-11", "all", "")] == 1
        assert counts[("month", "2026-01-01", "all", "")] == 2
        assert counts[("quarter", "2026-01-01", "all", "")] == counts[("year", "2025-04-01", "all", "")] == 2
        assert counts[("month", "2026-01-01", "outcome", "nfa")] == 1
        assert counts[("month", "2026-01-01", "category", "neglect")] == 1
        assert counts[("day", "2026-01-10", "hours", "30")] == 1  # three hours: thirty tenths
    finally:
        engine.dispose()


def test_upgrading_fills_the_threshold_indicators_of_earlier_referrals_and_counts_them(empty_url):
    migrate.upgrade(empty_url, "0015")
    engine = create_engine(empty_url, poolclass=NullPool)
    try:
        insert_row(engine, "users", id=1, email="u1@x.example", name="Sam Teacher", role="professional", agency="",
                   agency_id="", password_hash="x", active=True, session_nonce="", created_at=FIRST)
        over = a_referral(engine, 1, FIRST, {}, {"threshold": {"level": 3, "matched": ["cd3-missing-episode",
                                                                                          "pc3-erratic-care"]}})
        unmatched = a_referral(engine, 2, FIRST, {}, {"threshold": {"level": None, "matched": []}})
        unevaluated = a_referral(engine, 3, FIRST, {}, {"threshold": None})
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE submissions SET level_referrer = 3, level_applied = 2 WHERE id = :id"),
                               {"id": over})
        migrate.upgrade(empty_url)
        with Session(engine) as s:
            rows = {r.id: r.threshold_indicators for r in s.scalars(select(Submission))}
            counts = {(r.span, r.dimension, r.first, r.second): r.n for r in s.scalars(select(DailyCount))}
        assert rows == {over: " cd3-missing-episode pc3-erratic-care ", unmatched: "", unevaluated: ""}
        assert counts[("month", "indicator-escalation", "cd3-missing-episode", "over")] == 1
        assert counts[("year", "indicator-escalation", "pc3-erratic-care", "over")] == 1
        assert counts[("day", "all", "", "")] == 3
        migrate.downgrade(empty_url, "0015")  # the counts again, without the indicators
        with Session(engine) as s:
            dimensions = set(s.scalars(select(DailyCount.dimension)))
        assert "indicator-escalation" not in dimensions and "escalation" in dimensions
    finally:
        engine.dispose()
