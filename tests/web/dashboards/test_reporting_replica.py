"""The dashboards read from a reporting replica when FANLIGHT_REPORTING_DATABASE_URL names one
(issue 10, item 6), and from the primary when it is unset; the holding area always reads the primary.

The "replica" here is a database of its own with the schema and no referrals: the dashboards
count nothing from it while the primary holds the seeded Christmas, so they are seen to read it.
"""

from __future__ import annotations

import pytest

from fanlight.web import extensions, migrate
from tests.web.triage.conftest import staff  # noqa: F401 (a fixture)
from tests.web.triage.test_holding_area import client_of, listed

from .seeded import seed
from .support import dashboard, values


@pytest.fixture
def empty_replica(config, tmp_path):
    url = f"sqlite:///{tmp_path / 'replica.sqlite'}"
    migrate.upgrade(url)
    config["FANLIGHT_REPORTING_DATABASE_URL"] = url
    return url


def test_with_a_reporting_database_the_dashboards_read_it_and_the_holding_area_the_primary(
        empty_replica, app, staff, clock):  # noqa: F811
    seed(app, staff, clock)
    try:
        engine = extensions.reporting_engine(app)
        assert engine is not None and str(engine.url) == empty_replica
        shown = dashboard(app, period="week")
        assert values(shown.tables["received"]) == {"Contacts received": (0, 0)}
        assert values(shown.tables["pending"])["Decision overdue"] == (0,)
        manager = client_of(app, staff.manager)
        html = manager.get("/dashboards/?period=week").get_data(as_text=True)
        assert "read from the reporting copy of the database" in html
        assert len(listed(manager, "?from=2026-12-28&to=2027-01-03")) == 5  # the list is the primary's
    finally:
        extensions.reporting_engine(app).dispose()


def test_without_one_the_dashboards_read_the_primary(app, staff, clock):  # noqa: F811
    seed(app, staff, clock)
    assert extensions.reporting_engine(app) is None
    assert values(dashboard(app, period="week").tables["received"]) == {"Contacts received": (5, 3)}
