"""The page's fast paths write what the slow ones wrote: each table's rows as the template's loop
wrote them, each figure's link as url_for writes it, a narrowed filter as dataclasses.replace makes
it, and the cycle collector left as it was found."""

from __future__ import annotations

import dataclasses
import datetime
import gc

import pytest
from flask import url_for

from fanlight.web.dashboards import page, rows
from fanlight.web.dashboards.figures import Cell, QueryShape, Row, Table, narrowed, query_of
from fanlight.web.triage.queue import QueueFilter
from tests.web.triage.conftest import staff  # noqa: F401 (a fixture)

from .seeded import seed
from .support import dashboard
from .test_counts_kept import MACRO


@pytest.fixture
def christmas(app, staff, clock):  # noqa: F811
    return seed(app, staff, clock)


# The template's loop that rows.rows_html replaces, as it was (with the macro each value was written by).
LOOP = MACRO.split("{{ value_of(")[0] + """<tbody>
  {% for row in t.rows %}
  <tr class="govuk-table__row" role="row">
    <th scope="row" class="govuk-table__header" role="rowheader">{{ row.label }}</th>
    {% for v in row.values %}<td class="govuk-table__cell" role="cell" data-label="{{ t.columns[loop.index] }}">{{ value_of(v, row, t.columns[loop.index]) }}</td>{% endfor %}
  </tr>
  {% else %}
  <tr class="govuk-table__row" role="row"><td class="govuk-table__cell" role="cell" colspan="{{ t.columns|length }}">No referrals in this period.</td></tr>
  {% endfor %}
  </tbody>"""
NEW = "<tbody>\n{{ dashboard_rows(t) }}  </tbody>"

HOSTILE = '<b>"Sons" & O\'Brien</b>'
WEEK = QueueFilter(received_from=datetime.date(2026, 11, 23), received_to=datetime.date(2026, 11, 29))


@pytest.mark.parametrize("period", ["month", "quarter", "year", "week"])
def test_every_tables_rows_are_written_as_the_templates_loop_wrote_them(app, christmas, period):
    shown = dashboard(app, period=period)
    with app.test_request_context():
        old, new = app.jinja_env.from_string(LOOP), app.jinja_env.from_string(NEW)
        for table in shown.tables.values():
            assert new.render(t=table) == old.render(t=table), table.key


def test_hostile_labels_headings_ids_and_an_empty_table_are_written_as_the_loop_wrote_them(app):
    cell = Cell(3, narrowed(WEEK, {"agency": HOSTILE}), id=HOSTILE)
    shaped = Cell(4, cell.filter, query=QueryShape(WEEK, ("agency",)).of((HOSTILE,)))
    tables = (Table("t", HOSTILE, ("Agency", HOSTILE, "Plain"), (Row(HOSTILE, (cell, shaped)), Row("Words", (HOSTILE, "")))),
              Table("empty", "Nothing", ("A", "B", "C"), ()))
    with app.test_request_context():
        old, new = app.jinja_env.from_string(LOOP), app.jinja_env.from_string(NEW)
        for table in tables:
            assert new.render(t=table) == old.render(t=table), table.key
        assert "&lt;b&gt;" in rows.rows_html(tables[0]) and "<b>" not in rows.rows_html(tables[0])


def test_every_figures_link_written_with_its_breakdown_is_the_address_url_for_writes(app, christmas):
    shown = dashboard(app, period="quarter")
    with app.test_request_context():
        shaped = [cell for cell in shown.cells() if cell.query is not None]
        assert shaped  # the breakdowns' figures take the fast path
        for cell in shown.cells():
            assert cell.href == url_for("triage.holding_area", **cell.args())


@pytest.mark.parametrize("value", ["school", "2A", "a b", "é%+&=", "O'Brien", "x/y:z?@", "none", "received", "1"])
def test_a_query_shaped_once_is_the_filters_own_query_for_any_value(value):
    for names in (*((name,) for name in sorted(QueryShape.AS_WRITTEN)), ("outcome", "level_applied"),
                  ("level_applied", "agency")):
        values = tuple(value for _ in names)
        for chosen in (WEEK, dataclasses.replace(WEEK, asked="yes", search="a & b"), QueueFilter()):
            expected = query_of(narrowed(chosen, dict(zip(names, values, strict=True))).args())
            assert QueryShape(chosen, names).of(values) == expected


def test_a_query_is_not_shaped_for_an_empty_value_or_a_field_that_is_not_a_string():
    assert QueryShape(WEEK, ("agency",)).of(("",)) is None
    assert QueryShape(WEEK, ("received_from",)).of(("2026-11-23",)) is None
    for name in ("sort", "page", "search", "user_id", "received_to"):  # not written as they are
        assert QueryShape(WEEK, (name,)).of(("received",)) is None


def test_a_narrowed_filter_is_the_one_replace_makes():
    for changes in ({"agency": "school"}, {"level_referrer": "3", "level_applied": "none"}, {}):
        found = narrowed(WEEK, changes)
        assert found == dataclasses.replace(WEEK, **changes) and found.args() == WEEK.args(**changes)
        assert found.choices is WEEK.choices
    assert WEEK.agency is None  # the original is left as it was
    with pytest.raises(TypeError):
        narrowed(WEEK, {"agencey": "school"})


def test_the_cycle_collector_is_paused_for_a_page_and_left_as_it_was_found():
    assert gc.isenabled()
    with page.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with page.collector_paused():
            pass
        assert not gc.isenabled()  # someone else's choice, kept
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), page.collector_paused():
        raise RuntimeError("a page that fails")
    assert gc.isenabled()


def test_overlapping_pages_keep_the_collector_off_until_the_last_is_done_then_on():
    """Two requests' pages on two threads of one process: the first in turns it off, the last out on
    (each request deciding for itself let one that began while another had it off leave it off)."""
    first, second = page.collector_paused(), page.collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second page is still being drawn
    second.__exit__(None, None, None)
    assert gc.isenabled()


@pytest.mark.parametrize("value", ["school", "a b", "é%+&=<>\"'", "O'Brien", "x/y:z?@!$()*,;~"])
def test_a_shaped_query_is_escaped_as_markupsafe_escapes_it(value):
    from markupsafe import escape

    query = QueryShape(WEEK, ("agency",)).of((value,))
    assert query is not None
    assert rows._query_attribute(query) == str(escape(query))
