"""Exports (issue 10, item 4): every dashboard table and every drilled list as CSV, for managers
only, each with its filters applied, one audit row naming them, no cell a spreadsheet would run as
a formula, and what the referrer wrote only when the manager asks for it."""

from __future__ import annotations

import csv
import io

import pytest

from fanlight.web.dashboards.dashboard import TABLES
from fanlight.web.dashboards.export import safe
from fanlight.web.models import AuditEvent, Submission
from tests.support.factories import audit_rows, count, database
from tests.web.triage.conftest import staff  # noqa: F401 (a fixture)
from tests.web.triage.test_holding_area import client_of

from .seeded import seed
from .support import dashboard, values


@pytest.fixture
def christmas(app, staff, clock):  # noqa: F811
    return seed(app, staff, clock)


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv" and response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_every_table_exports_as_shown_for_its_period_with_an_audit_row_each(app, christmas, staff):  # noqa: F811
    manager = client_of(app, staff.manager)
    shown = dashboard(app, period="custom", **{"from": "2026-12-24", "to": "2026-12-28"})
    for key in TABLES:
        exported = rows_of(manager.get(f"/dashboards/export/{key}.csv?period=custom&from=2026-12-24&to=2026-12-28"))
        table = shown.tables[key]
        assert exported[0] == list(table.columns)
        assert {r[0]: tuple(r[1:]) for r in exported[1:]} == {
            label: tuple(str(v) for v in row) for label, row in values(table).items()}, key
    exports = audit_rows(app, "dashboard_exported")
    assert len(exports) == len(TABLES)
    assert exports[0].actor_id == staff.manager
    assert exports[0].target == ("table pending: period=custom&from=2026-12-24&to=2026-12-28 "
                                 "(Thursday 24 December 2026 to Monday 28 December 2026)")


def test_a_drilled_list_exports_its_referrals_with_the_filters_named_in_the_audit_trail(app, christmas, staff):  # noqa: F811
    manager = client_of(app, staff.manager)
    exported = rows_of(manager.get("/dashboards/list.csv?due=overdue"))
    with database(app) as s:
        overdue = {s.get(Submission, christmas[k]).reference for k in "CH"}
    assert exported[0][:3] == ["Reference", "Received", "Decision due"] and "What the referrer wrote" not in exported[0]
    assert {r[0] for r in exported[1:]} == overdue
    week = rows_of(manager.get("/dashboards/list.csv?from=2026-12-28&to=2027-01-03&agency=demo-primary-school"))
    assert len(week) == 1 + 2  # A and D
    assert [r.target for r in audit_rows(app, "referrals_exported")] == [
        "list due=overdue", "list agency=demo-primary-school&from=2026-12-28&to=2027-01-03"]


def test_what_the_referrer_wrote_is_exported_only_when_the_manager_asks(app, christmas, staff):  # noqa: F811
    with database(app) as s:
        row = s.get(Submission, christmas["A"])
        row.answers = {**row.answers, "info_source": "The child told the class teacher on Monday."}
        row.concern_categories, row.level_referrer = " neglect ", 3
        s.commit()
    manager = client_of(app, staff.manager)
    plain = manager.get("/dashboards/list.csv?applied_level=2").get_data(as_text=True)
    assert "The child told the class teacher" not in plain
    asked = rows_of(manager.get("/dashboards/list.csv?applied_level=2&free_text=yes"))
    assert asked[0][-1] == "What the referrer wrote"
    assert "The child told the class teacher on Monday." in asked[1][-1]
    assert audit_rows(app, "referrals_exported")[-1].target == "list applied_level=2 with what the referrer wrote"


def test_no_cell_is_a_formula_a_spreadsheet_would_run(app, christmas, staff):  # noqa: F811
    assert [safe(v) for v in ("=SUM(A1)", "+1", "-1", "@cmd", "\tx", "Ann", 3, None)] == [
        "'=SUM(A1)", "'+1", "'-1", "'@cmd", "'\tx", "Ann", "3", ""]
    with database(app) as s:
        row = s.get(Submission, christmas["A"])
        row.agency = '=HYPERLINK("http://evil.example","click")'
        s.commit()
    manager = client_of(app, staff.manager)
    listed = rows_of(manager.get("/dashboards/list.csv?agency=demo-primary-school"))
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in [r[4] for r in listed[1:]]
    table = rows_of(manager.get("/dashboards/export/by-agency.csv?period=week"))
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in table for cell in r)


def test_officers_read_the_dashboards_but_only_managers_export(app, christmas, staff):  # noqa: F811
    jo = client_of(app, staff.jo)
    page = jo.get("/dashboards/?period=week").get_data(as_text=True)
    assert "Download this table (CSV)" not in page
    refused = count(app, AuditEvent, AuditEvent.event == "access_denied")
    assert jo.get("/dashboards/export/received.csv?period=week").status_code == 403
    assert jo.get("/dashboards/list.csv?due=overdue&free_text=yes").status_code == 403
    assert client_of(app, staff.teacher).get("/dashboards/list.csv").status_code == 403
    assert count(app, AuditEvent, AuditEvent.event == "access_denied") == refused + 3
    assert audit_rows(app, "referrals_exported") == [] and audit_rows(app, "dashboard_exported") == []
    manager = client_of(app, staff.manager)
    assert "Download this table (CSV)" in manager.get("/dashboards/?period=week").get_data(as_text=True)
    assert manager.get("/dashboards/export/nonsense.csv").status_code == 404
    assert manager.get("/dashboards/export/received.csv?period=custom&from=x").status_code == 400


def test_the_holding_area_offers_managers_its_list_as_csv_with_its_filters(app, christmas, staff):  # noqa: F811
    html = client_of(app, staff.manager).get("/front-door/?due=overdue&page=1").get_data(as_text=True)
    form = html.split('action="/dashboards/list.csv"')[1].split("</form>")[0]
    assert '<input type="hidden" name="due" value="overdue">' in form
    assert 'name="free_text" type="checkbox" value="yes"' in form and "Include what the referrer wrote" in form
    assert "/dashboards/list.csv" not in client_of(app, staff.jo).get("/front-door/").get_data(as_text=True)
