"""The counts kept in step (`dashboard_counts`, dashboards/daily.py) are the referrals' own: after
every kind of write (a referral sent, decided, asked about, its decision changed, its facts edited,
deleted) they equal the counts written again from the referrals, the period's figures are read from
them, and each still equals the length of the holding-area list it links to."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import event, select, text, update

from fanlight.web import db
from fanlight.web.dashboards import daily, kept
from fanlight.web.dashboards.tables import timeliness
from fanlight.web.models import DailyCount, Submission
from fanlight.web.referrals import retention
from fanlight.web.triage import decisions, information, workflow
from tests.support.factories import database, submitted_draft
from tests.web.delivery.conftest import EARLY_HELP, decide  # noqa: F401 (a fixture)
from tests.web.triage.conftest import staff  # noqa: F401 (a fixture)
from tests.web.triage.support import acting
from tests.web.triage.test_holding_area import client_of

from .seeded import at, seed
from .support import dashboard
from .test_drill_down import listed


def stored(app) -> dict[tuple, int]:
    with app.app_context():
        return {(r.span, r.day, r.dimension, r.first, r.second): r.n
                for r in db.session().scalars(select(DailyCount)) if r.n}


def rebuilt(app) -> dict[tuple, int]:
    """What `rebuild` writes from the referrals, in a transaction rolled back after."""
    with app.app_context():
        s = db.session()
        daily.rebuild(s.connection())
        found = {(r.span, r.day, r.dimension, r.first, r.second): r.n for r in s.scalars(select(DailyCount)) if r.n}
        s.rollback()
        return found


def assert_in_step(app) -> None:
    assert stored(app) == rebuilt(app)


def assert_every_figure_is_its_list(app, **period: str) -> None:
    for cell in dashboard(app, **period).cells():
        assert len(listed(app, cell.args())[1]) == cell.count, cell.args()


@pytest.fixture
def christmas(app, staff, clock):  # noqa: F811
    return seed(app, staff, clock)


def test_the_seeded_referrals_counts_are_kept_in_step_and_read_for_every_period_figure(app, christmas):
    assert_in_step(app)
    counts = stored(app)
    assert counts[("day", datetime.date(2026, 12, 28), "all", "", "")] == 2  # A and B
    assert counts[("month", datetime.date(2026, 12, 1), "category", "neglect", "")] == 6  # A B D F H I
    assert counts[("month", datetime.date(2026, 12, 1), "escalation", "county-police", "under")] == 1  # G: 2 < 3
    # A referral with both levels known adds one to each of its indicators' rows: D (none applied) to none.
    assert counts[("month", datetime.date(2026, 12, 1), "indicator-escalation", "cd3-missing-episode", "under")] == 1
    assert counts[("month", datetime.date(2026, 12, 1), "indicator-escalation", "cd3-missing-episode", "over")] == 1
    assert counts[("month", datetime.date(2026, 12, 1), "indicator-escalation", "pc3-erratic-care", "agreed")] == 1
    assert counts[("quarter", datetime.date(2026, 10, 1), "all", "", "")] == 9
    assert counts[("year", datetime.date(2026, 4, 1), "asked", "demo-primary-school", "yes")] == 1  # D
    shown = dashboard(app, period="month")
    with app.test_request_context():
        reader = kept.Kept(db.session())
        for key, table in shown.tables.items():
            for cell in table.cells():
                answer = reader.count(cell.filter)
                assert (answer is None) == (key == "pending"), f"{key} {cell.args()}"  # pending work: counted
                assert answer is None or answer == cell.count


def test_a_page_reads_each_period_once_whatever_its_tables(app, christmas):
    statements: list[str] = []
    with app.app_context():
        engine = db.session().get_bind()

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        dashboard(app, period="year")
    finally:
        event.remove(engine, "before_cursor_execute", note)
    counted = [s for s in statements if "dashboard_counts" in s]
    # Whether the counts are whole, then each period's sums, and each period's received day by day
    # (the buckets over time).
    assert len(counted) == 5
    assert sum("FROM submissions" in s for s in statements) <= 8  # the choices and the pending work


def test_decisions_requests_and_new_referrals_keep_the_counts_in_step(app, decide, staff, teacher_client, clock):  # noqa: F811
    early = decide()
    assert_in_step(app)
    decide({**EARLY_HELP, "outcome": "cin_s17", "level_applied": "3"})
    waiting = submitted_draft(app, teacher_client)[1]
    with acting(app, waiting) as (referral, user):
        workflow.claim(referral, user(staff.jo))
        with app.test_request_context():
            information.ask(referral, user(staff.jo), "Which school does the child attend?")
    assert_in_step(app)
    with app.test_request_context():  # the decision changed (a correction): written again as decisions.py writes it
        referral = db.session().get(Submission, early)
        decisions._follows(referral, {"outcome": "nfa", "level_applied": "1"}, clock.now())
        db.session().commit()
    assert_in_step(app)
    today = clock.now().date().isoformat()
    assert_every_figure_is_its_list(app, period="custom", **{"from": today, "to": today})


def test_edits_and_deletions_of_the_facts_keep_the_counts_in_step(app, christmas):
    with database(app) as s:
        moved = s.get(Submission, christmas["A"])
        moved.received_at = at(2, 9, month=12)  # another day, another month's same row
        moved.outcome, moved.level_applied, moved.decided_at = "cin_s17", 4, at(30, 11)  # re-decided, late
        s.get(Submission, christmas["C"]).concern_categories = " neglect other "
        # Evaluated again (its indicators follow the evaluation): out of two indicators' rows, into another's.
        s.get(Submission, christmas["B"]).evaluation = {"threshold": {"level": 3, "matched": ["cd4-fgm"]}}
        s.commit()
        s.execute(update(Submission).where(Submission.id == christmas["E"]).values(
            decided_at=None, outcome=None, level_applied=None, information_requested=False))
        s.execute(update(Submission).where(Submission.id == christmas["B"]).values(status="delivered"))  # not a fact
        s.commit()
        retention._delete_submission(s.get(Submission, christmas["I"]), "past the council's period")  # as retention does
    assert_in_step(app)
    for period in ({"period": "week"}, {"period": "month"}, {"period": "year"}):
        assert_every_figure_is_its_list(app, **period)


def test_a_rolled_back_change_leaves_the_counts_as_they_were(app, christmas):
    before = stored(app)
    with database(app) as s:
        s.get(Submission, christmas["A"]).outcome = "nfa"
        s.flush()
        s.rollback()
    assert stored(app) == before


def test_the_median_and_90th_percentile_from_the_histogram():
    histogram = [(2.0, 1), (3.0, 1), (22.0, 1), (25.0, 1), (50.0, 1), (114.0, 1)]
    hours = [value for value, n in histogram for _ in range(n)]
    for fraction in (0.5, 0.9):
        assert timeliness.histogram_percentile(histogram, fraction) == timeliness.percentile(hours, fraction)
    assert timeliness.histogram_percentile([(3.0, 4), (5.5, 1)], 0.9) == pytest.approx(4.5)  # 3 + 0.6 of 2.5
    assert timeliness.histogram_percentile([], 0.5) is None
    # A time to a decision is taken as the start of its tenth of an hour: under by less than 0.1 hour.
    received = at(1, 9)
    assert daily.hours_bucket(received, received + datetime.timedelta(hours=3)) == 30
    assert daily.hours_bucket(received, received + datetime.timedelta(hours=3, minutes=11)) == 31


def test_a_count_reads_the_dimension_that_counts_every_referral_it_asks_about():
    assert kept.dimension_for(set()) == "all"
    assert kept.dimension_for({"agency"}) == "asked"  # every referral has asked yes or no; not all have both levels
    assert kept.dimension_for({"agency", "escalation"}) == "escalation"
    assert kept.dimension_for({"escalation"}) == "escalation"  # a referral counts once, not once an indicator
    assert kept.dimension_for({"indicator", "escalation"}) == "indicator-escalation"
    assert kept.dimension_for({"indicator"}) is None  # only the referrals with both levels known are kept by indicator
    assert kept.dimension_for({"outcome"}) == "outcome"
    assert kept.dimension_for({"category", "agency"}) is None  # not kept: the filter counts itself


def test_a_figures_link_is_the_address_url_for_writes(app):
    from flask import url_for

    from fanlight.web.dashboards.figures import holding_area_href

    with app.test_request_context():
        for args in ({}, {"from": "2026-10-01", "to": "2026-12-31", "agency": "demo-primary-school"},
                     {"q": "a b/c:d&e=f", "source": "2A"}, {"agency": "é%+"}):
            assert holding_area_href(args) == url_for("triage.holding_area", **args)


# How the page's template wrote each value before `figures.value_html` did: the same markup.
MACRO = """{% macro value_of(v, row, column) -%}
{% if v is string %}{{ v }}
{%- elif v.kind == 'count' %}<a class="govuk-link" {% if v.id %}id="{{ v.id }}" {% endif %}href="{{ url_for('triage.holding_area', **v.args()) }}">{{ v.text }}<span class="govuk-visually-hidden"> referrals: {{ row.label }}, {{ column }}</span></a>
{%- elif v.kind == 'measure' %}<a class="govuk-link" {% if v.id %}id="{{ v.id }}" {% endif %}href="{{ url_for('triage.holding_area', **v.args()) }}">{{ v.text }}<span class="govuk-visually-hidden">: {{ row.label }}, {{ column }} (the decided referrals it is measured over)</span></a>
{%- else %}{{ v.text }}{% endif %}
{%- endmacro %}{{ value_of(v, row, column) }}"""


def test_every_value_is_written_as_the_templates_macro_wrote_it(app, christmas):
    from fanlight.web.dashboards.figures import value_html

    shown = dashboard(app, period="month")
    with app.test_request_context():
        macro = app.jinja_env.from_string(MACRO)
        for table in shown.tables.values():
            for row in table.rows:
                for column, value in zip(table.columns[1:], row.values, strict=True):
                    written = value_html(value, row.label, column)
                    assert written == macro.render(v=value, row=row, column=column), (table.key, row.label, column)


def test_a_flush_that_fails_leaves_nothing_behind_for_the_next(app, christmas):
    from sqlalchemy.exc import IntegrityError

    before = stored(app)
    with database(app) as s:
        referral = s.get(Submission, christmas["A"])
        referral.outcome = "nfa"
        referral.reference = s.get(Submission, christmas["B"]).reference  # unique: the flush fails
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()
    assert stored(app) == before
    with database(app) as s:
        s.get(Submission, christmas["C"]).outcome = "nfa"  # the next transaction's change, counted alone
        s.commit()
    assert_in_step(app)



def test_counts_are_added_by_one_statement_whatever_the_number_of_rows(app):
    """However many rows a write adds to, they are changed by the same statement run for each row:
    compiled once and kept, not a new VALUES list to compile for each number of rows (which cost a
    submit 18 ms of CPU)."""
    from collections import Counter as Tally

    from fanlight.web import extensions

    sent: list[str] = []

    def seen(_conn, _cursor, sql, _parameters, _context, _executemany):
        if "dashboard_counts" in sql:
            sent.append(" ".join(sql.split()))

    def keys(n: int) -> Tally:
        return Tally({("day", datetime.date(2026, 11, 30), "category", f"c{i}", ""): 1 for i in range(n)})

    engine = extensions.db_engine(app)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        with app.app_context(), db.transaction() as s:
            daily.add(s.connection(), keys(3))
            daily.add(s.connection(), keys(5))
    finally:
        event.remove(engine, "before_cursor_execute", seen)

    assert len(set(sent)) == 1, set(sent)
    with app.app_context():
        counted = {r.first: r.n for r in db.session().scalars(select(DailyCount).where(DailyCount.dimension == "category"))}
    assert counted == {"c0": 2, "c1": 2, "c2": 2, "c3": 1, "c4": 1}


def test_any_value_a_definition_may_give_fits_its_count_row(app):
    """An option value (a category) may be 100 characters: its row takes it, on either database,
    so a referral ticking it is never refused for its count."""
    import json
    from collections import Counter as Tally
    from pathlib import Path

    from fanlight.engine.definitions import schema

    schemas = Path(schema.__file__).parent / "schemas"
    longest = max(json.loads((schemas / f"{kind}.schema.json").read_text())["$defs"]["option"]["properties"]["value"]
                  ["maxLength"] for kind in ("form", "options"))
    assert DailyCount.__table__.c.first.type.length >= longest >= 100
    value = "x" * longest
    with app.app_context(), db.transaction() as s:
        daily.add(s.connection(), Tally({("day", datetime.date(2026, 11, 30), "category", value, ""): 1}))
    assert stored(app)[("day", datetime.date(2026, 11, 30), "category", value, "")] == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite writes one at a time anyway
def test_a_rebuild_holds_writers_off_the_counts_until_it_commits(app):
    """A referral counted while a rebuild reads the referrals waits for it, rather than being lost."""
    from collections import Counter as Tally

    from sqlalchemy.exc import OperationalError

    from fanlight.web import extensions

    engine = extensions.db_engine(app)
    key = ("day", datetime.date(2026, 11, 30), "category", "neglect", "")
    with engine.connect() as rebuilding, engine.connect() as writing:
        with app.app_context():
            daily.rebuild(rebuilding, daily.in_zone("Europe/London"))  # open, not yet committed
        writing.execute(text("SET lock_timeout = '200ms'"))
        with pytest.raises(OperationalError, match="lock timeout"):
            daily.add(writing, Tally({key: 1}))
        writing.rollback()
        rebuilding.commit()
        daily.add(writing, Tally({key: 1}))
        writing.commit()


@pytest.fixture
def counting_fails(monkeypatch):
    """The counts' one write fails in the database (as a deadlock, or any bug in it, would)."""
    broken = text("INSERT INTO no_such_counts (n) VALUES (:n)")
    monkeypatch.setattr(daily, "_upsert", lambda _dialect: broken)


def test_a_referral_is_sent_and_decided_when_its_count_fails_and_the_dashboards_count_from_the_referrals(
        app, decide, teacher_client, counting_fails, clock, monkeypatch, caplog):  # noqa: F811
    decided = decide()  # sent, claimed and decided: each write's count fails
    sent = submitted_draft(app, teacher_client)[1]
    with app.app_context():
        s = db.session()
        assert s.get(Submission, decided).outcome == "early_help"
        assert s.get(Submission, sent) is not None
        assert daily.stale_since(s.connection()) == datetime.datetime.now(datetime.UTC).date()
    assert "could not be kept in step" in caplog.text
    monkeypatch.undo()  # counting works again; the counts still miss what it could not count
    today = clock.now().date().isoformat()
    period = {"period": "custom", "from": today, "to": today}
    shown = dashboard(app, **period)
    assert shown.stale_since is not None
    with app.test_request_context():
        reader = kept.Kept(db.session())
        assert all(reader.count(cell.filter) is None for cell in shown.cells())  # none read from the counts
    assert shown.tables["received"].rows[0].values[0].count == 2
    assert_every_figure_is_its_list(app, **period)
    with app.app_context(), db.transaction() as s:
        daily.rebuild(s.connection())
    with app.app_context():
        assert daily.stale_since(db.session().connection()) is None
    assert dashboard(app, **period).stale_since is None
    assert_in_step(app)
    assert_every_figure_is_its_list(app, **period)


def test_a_manager_is_told_when_the_counts_missed_a_change(app, christmas, staff):  # noqa: F811
    manager_client = client_of(app, staff.manager)
    with app.app_context(), db.transaction() as s:
        daily.mark_stale(s.connection())
    page = manager_client.get("/dashboards/?period=month").get_data(as_text=True)
    assert 'id="counts-stale"' in page and "fanlight dashboards rebuild-counts" in page
    with app.app_context(), db.transaction() as s:
        daily.rebuild(s.connection())
    assert 'id="counts-stale"' not in manager_client.get("/dashboards/?period=month").get_data(as_text=True)
