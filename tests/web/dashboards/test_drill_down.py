"""Every figure drills down to exactly the referrals it counts (issue 10, item 2).

Walked, not listed: every count of every table of the dashboard, for every kind of period, is
compared with what the holding area lists for its link's arguments (the filter parsed back from
them, as the holding area parses its query string); every median and percentile is recomputed
from the referrals its link lists; and on the page itself every number that links to the
holding area is followed, and the holding area's own total read.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from fanlight.web import clock, db
from fanlight.web.dashboards.figures import Measure
from fanlight.web.dashboards.tables import timeliness
from fanlight.web.models import Submission
from fanlight.web.triage import queue
from tests.web.triage.conftest import staff  # noqa: F401 (a fixture)
from tests.web.triage.test_holding_area import client_of

from .seeded import seed
from .support import dashboard

PERIODS = ({"period": "today"}, {"period": "week"}, {"period": "month"}, {"period": "quarter"}, {"period": "year"},
           {"period": "custom", "from": "2026-12-24", "to": "2026-12-28"})
FIGURE_LINK = re.compile(r'<a class="govuk-link" (?:id="([^"]+)" )?href="(/front-door/\?[^"]*)">([\d,.]+)(?: hours)?<span')
TOTAL = re.compile(r"of (?:more than )?([\d,]+) referrals?|No referrals match")


@pytest.fixture
def christmas(app, staff, clock):  # noqa: F811
    return seed(app, staff, clock)


def listed(app, args: dict[str, str]) -> tuple[queue.QueueFilter, list[Submission]]:
    with app.test_request_context():
        chosen = queue.QueueFilter.from_args(args, None, queue.choices_for())
        return chosen, list(db.session().scalars(chosen.query(clock.now())))


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: p["period"])
def test_every_count_is_exactly_the_list_its_link_opens(app, christmas, period):
    shown = dashboard(app, **period)
    cells = list(shown.cells())
    assert len(cells) > 60  # every table, every row
    nonzero = 0
    for cell in cells:
        chosen, found = listed(app, cell.args())
        assert chosen == cell.filter, f"{cell.args()}: the link does not say the filter it counted"
        assert len(found) == cell.count, f"{cell.args()}: counted {cell.count}, the holding area lists {len(found)}"
        nonzero += cell.count > 0
    assert nonzero > 20


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: p["period"])
def test_every_median_and_percentile_is_of_the_decided_referrals_its_link_lists(app, christmas, period):
    shown = dashboard(app, **period)
    measured = [(row.label, v) for table in shown.tables.values() for row in table.rows for v in row.values
                if isinstance(v, Measure)]
    assert len(measured) == 4 and len(list(shown.measures())) == 4
    for label, measure in measured:
        chosen, found = listed(app, measure.args())
        assert chosen.decided == "yes" and chosen.received_from is not None
        hours = sorted(timeliness.elapsed_hours(r.received_at, r.decided_at) for r in found)
        wanted = timeliness.percentile(hours, 0.5 if label.endswith("median") else 0.9)
        assert (measure.value is None) if wanted is None else measure.value == pytest.approx(wanted), label


def test_every_number_on_the_page_links_to_a_holding_area_that_lists_that_many(app, christmas, staff):  # noqa: F811
    manager = client_of(app, staff.manager)
    page = manager.get("/dashboards/?period=week")
    assert page.status_code == 200
    links = FIGURE_LINK.findall(page.get_data(as_text=True))
    assert len(links) > 100
    ids = {element_id for element_id, _, _ in links if element_id}
    assert {"figure-overdue", "figure-due-today", "figure-unassigned", "figure-awaiting-information",
            "figure-received", "figure-received-previous", "figure-decided-in-time", "figure-re-referrals",
            "figure-median-hours", "figure-p90-hours", "figure-asked"} <= ids
    for element_id, href, text in links:
        if text.endswith(".0") or "." in text:
            continue  # a measure (hours): its list is checked above
        landed = manager.get(html.unescape(href))
        assert landed.status_code == 200
        total = TOTAL.search(landed.get_data(as_text=True))
        assert total is not None
        shown = int((total.group(1) or "0").replace(",", ""))
        assert shown == int(text.replace(",", "")), f"{element_id or href}: {text} on the dashboard, {shown} listed"


def test_overdue_lands_on_exactly_the_overdue_referrals(app, christmas, staff):  # noqa: F811
    manager = client_of(app, staff.manager)
    page = manager.get("/dashboards/").get_data(as_text=True)
    href = re.search(r'id="figure-overdue" href="([^"]+)"', page).group(1)
    assert dict(parse_qsl(urlsplit(html.unescape(href)).query)) == {"due": "overdue"}
    listed_page = manager.get(html.unescape(href)).get_data(as_text=True)
    with app.app_context():
        references = {db.session().get(Submission, christmas[k]).reference for k in "CH"}
    assert set(re.findall(r'href="/front-door/referrals/(FL-[^"]+)"', listed_page)) == references
