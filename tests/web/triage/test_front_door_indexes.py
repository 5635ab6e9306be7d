"""Migration 0010: the holding area's indexes, and the children's names and categories it reads (issue 9, the benchmark).

After an upgrade the indexes are there, on SQLite and on PostgreSQL; on PostgreSQL the queue's
own SQL can use them (the RAG order is an expression: PostgreSQL uses an index on an expression
only for exactly that expression); the search finds a child by part of a name, in any case, on
any child of the referral; and the upgrade fills `child_names` and `concern_categories` for
referrals sent before it.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from fanlight.web import clock, db, extensions, migrate
from fanlight.web.models import Submission
from fanlight.web.triage import queue
from tests.support.factories import database
from tests.support.web import insert_row
from tests.web.triage.support import Staff, row
from tests.web.triage.test_holding_area import client_of, copies, listed

SENT = datetime.datetime(2026, 11, 20, 14, 30, tzinfo=datetime.UTC)
INDEXES = {"ix_submissions_received", "ix_submissions_due", "ix_submissions_rag_rank",
           "ix_submissions_status_received", "ix_submissions_agency_received", "ix_submissions_assignee_received",
           "ix_submissions_concern_categories", "ix_submissions_child_names", "ix_submissions_reference_prefix",
           "ix_submissions_status_rag_rank", "ix_submissions_assignee_rag_rank", "ix_submissions_agency_rag_rank"}


@pytest.fixture
def jo(app: Flask, staff: Staff) -> FlaskClient:
    return client_of(app, staff.jo)


def _sent_before_0010(engine: Engine, number: int, answers: dict[str, Any]) -> str:
    if number == 1:
        insert_row(engine, "users", id=1, email="u1@x.example", name="Sam Teacher", role="professional", agency="",
                agency_id="", password_hash="x", active=True, session_nonce="", created_at=SENT)
    draft, submission = f"{number:032d}", f"{number + 100:032d}"
    insert_row(engine, "drafts", id=draft, owner_id=1, form_id="cause-for-concern", form_version=1, form_hash="c" * 64,
            answers={}, visited=[], revision=2, status="submitted", created_at=SENT, updated_at=SENT)
    insert_row(engine, "submissions", id=submission, reference=f"FL-TEST-{number:04d}", draft_id=draft, owner_id=1,
            agency="", form_id="cause-for-concern", form_version=1, form_hash="c" * 64, answers=answers,
            evaluation={}, status="received", submitted_at=SENT, received_at=SENT)
    return submission


def test_the_upgrade_makes_the_indexes_and_fills_child_names_for_earlier_referrals(empty_url):
    migrate.upgrade(empty_url, "0009")
    engine = create_engine(empty_url, poolclass=NullPool)
    try:
        two = _sent_before_0010(engine, 1, {"children": [
            {"child_forename": " Jordan ", "child_surname": "MORGAN"}, {"child_forename": "Mia", "child_surname": "Morgan"}]})
        none = _sent_before_0010(engine, 2, {"concern_level": "acute", "categories": ["neglect", "other"]})
        odd = _sent_before_0010(engine, 3, {"children": [{"child_forename": "Zoë  Ann"}, "not a child", {"unborn": True}]})
        migrate.upgrade(empty_url)

        with engine.connect() as connection:
            names = {i: (n, c) for i, n, c in connection.execute(text(
                "SELECT id, child_names, concern_categories FROM submissions"))}
        assert names == {two: ("jordan morgan\nmia morgan", ""), none: ("", " neglect other "), odd: ("zoë ann", "")}
        assert INDEXES <= _index_names(engine)
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                made = dict(connection.execute(text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'submissions'")).all())
            assert "USING gin (child_names gin_trgm_ops)" in made["ix_submissions_child_names"]
            assert "USING gin (concern_categories gin_trgm_ops)" in made["ix_submissions_concern_categories"]
            assert "(reference varchar_pattern_ops)" in made["ix_submissions_reference_prefix"]
            assert "CASE rag" in made["ix_submissions_rag_rank"]

        migrate.downgrade(empty_url, "0009")
        assert "child_names" not in {c["name"] for c in inspect(engine).get_columns("submissions")}
        assert not INDEXES & _index_names(engine)
        migrate.upgrade(empty_url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT child_names FROM submissions WHERE id = :id"),
                                      {"id": two}).scalar() == "jordan morgan\nmia morgan"
    finally:
        engine.dispose()


def _index_names(engine: Engine) -> set[str]:
    """The indexes on submissions (read from the catalogue: SQLAlchemy's reflection skips, with a
    warning, SQLite's indexes on expressions)."""
    sql = ("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'submissions'"
           if engine.dialect.name == "sqlite" else "SELECT indexname FROM pg_indexes WHERE tablename = 'submissions'")
    with engine.connect() as connection:
        return set(connection.execute(text(sql)).scalars())


def test_a_referral_sent_through_the_pages_keeps_its_childrens_names(app, referral_id):
    sent = row(app, referral_id)
    assert sent.child_names == Submission.names_of(sent.answers)
    assert "jordan morgan" in sent.child_names.split("\n")
    assert sent.concern_categories == Submission.categories_of(sent.answers) != ""


def test_the_search_finds_a_child_by_part_of_a_name_in_any_case_on_any_child(app, staff, jo, referral_id):
    mine = row(app, referral_id).reference
    answers = row(app, referral_id).answers
    ella, both = copies(app, referral_id, 2, answers={**answers, "children": [
        {"child_forename": "Ella", "child_surname": "Bright"}]})
    with database(app) as s:  # the second copy: two children, the one like Ella last
        found = s.get(Submission, _id_of(app, both))
        assert found is not None
        found.answers = {**answers, "children": [{"child_forename": "Ava", "child_surname": "Stone"},
                                                 {"child_forename": "Ellie-May", "child_surname": "Brightwell"}]}
        s.commit()
    assert sorted(listed(jo, "?q=ell")) == sorted([ella, both])  # part of a forename, on any child
    assert sorted(listed(jo, "?q=BRIG")) == sorted([ella, both])  # any case
    assert listed(jo, "?q=ellie-may") == [both]
    assert listed(jo, "?q=stone+brightwell") == [both]  # every word, each on any child
    assert listed(jo, "?q=mia") == [mine]  # Mia Morgan, the second child of the first
    assert listed(jo, "?q=ella+morgan") == []
    assert listed(jo, "?q=_") == [] and listed(jo, "?q=%25") == []  # LIKE's wildcards are characters here


def test_the_page_says_when_there_are_more_referrals_than_it_counts(app, staff, jo, referral_id, monkeypatch):
    copies(app, referral_id, 4)
    monkeypatch.setattr(queue, "COUNT_LIMIT", 3)
    page = jo.get("/front-door/").get_data(as_text=True)
    assert "Showing 1 to 3 of more than 3 referrals" in page
    assert listed(jo, "?page=2") == listed(jo, "?page=1")  # only the first COUNT_LIMIT are paged: one page
    monkeypatch.setattr(queue, "COUNT_LIMIT", 5)
    assert "Showing 1 to 5 of 5 referrals" in jo.get("/front-door/").get_data(as_text=True)


@pytest.mark.parametrize(("args", "index"), [
    ({}, "ix_submissions_received"),
    ({"sort": "due"}, "ix_submissions_due"),
    ({"sort": "rag"}, "ix_submissions_rag_rank"),
    ({"category": "neglect"}, "ix_submissions_concern_categories"),
    ({"q": "FL-AB"}, "ix_submissions_reference_prefix"),
    ({"q": "jordan"}, "ix_submissions_child_names"),
    ({"status": "received"}, "ix_submissions_status"),
    ({"status": "received", "sort": "rag"}, "ix_submissions_status_rag_rank"),
    ({"owner": "mine", "sort": "rag"}, "ix_submissions_assignee_rag_rank"),
    ({"agency": "demo-primary-school", "sort": "rag"}, "ix_submissions_agency_rag_rank"),
    ({"agency": "demo-primary-school"}, "ix_submissions_agency_received"),
])
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # the GIN and expression indexes are PostgreSQL's
def test_on_postgresql_the_queues_own_sql_can_use_its_index(app, staff, referral_id, args, index):
    assert extensions.db_engine(app).dialect.name == "postgresql"
    with app.test_request_context():
        choices = queue.Choices(categories=(("neglect", "Neglect"),), agencies=(("demo-primary-school", "Demo"),))
        chosen = queue.QueueFilter.from_args(args, staff.jo, choices)
        statement = chosen.query(clock.now()).limit(queue.PAGE_SIZE)
        compiled = statement.compile(dialect=extensions.db_engine(app).dialect)
        connection = db.session().connection()
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a handful of rows: show what it can use
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params))
        db.session().rollback()
    assert index in plan, plan


def _id_of(app: Flask, reference: str) -> str:
    with database(app) as s:
        found = s.scalar(text("SELECT id FROM submissions WHERE reference = :r").bindparams(r=reference))
        assert found is not None
        return str(found)
