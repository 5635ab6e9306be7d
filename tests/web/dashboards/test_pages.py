"""/dashboards/ as people use it: who may read it, the period form with JavaScript off (a plain GET
form), a custom period's errors in the GOV.UK pattern (never a 500), and charts that are pictures of
the tables beside them, with hostile agency names drawn as text."""

from __future__ import annotations

import base64
import re
from xml.etree import ElementTree

import pytest

from fanlight.web.models import AuditEvent, Submission
from tests.support.factories import count, database
from tests.web.triage.conftest import staff  # noqa: F401 (a fixture)
from tests.web.triage.test_holding_area import client_of

from .seeded import seed

HOSTILE = '<script>alert("agency")</script> & "Sons"'
CHART = re.compile(r'<img class="fanlight-chart" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)">')


@pytest.fixture
def christmas(app, staff, clock):  # noqa: F811
    return seed(app, staff, clock)


def test_managers_and_officers_read_the_dashboards_and_the_navigation_links_them(app, staff):  # noqa: F811
    for who in (staff.manager, staff.jo):
        page = client_of(app, who).get("/front-door/")
        assert '<a class="govuk-service-navigation__link" href="/dashboards/">Dashboards</a>' in page.get_data(as_text=True)
        assert client_of(app, who).get("/dashboards/").status_code == 200


def test_a_referrer_is_refused_the_dashboards_and_the_refusal_is_audited(app, staff):  # noqa: F811
    teacher = client_of(app, staff.teacher)
    assert "/dashboards/" not in teacher.get("/your-forms").get_data(as_text=True)
    before = count(app, AuditEvent, AuditEvent.event == "access_denied")
    assert teacher.get("/dashboards/?period=year").status_code == 403
    assert count(app, AuditEvent, AuditEvent.event == "access_denied") == before + 1
    assert app.test_client().get("/dashboards/").status_code in (302, 401)  # nobody signed in: to sign in


def test_the_period_form_is_a_plain_get_form_and_each_period_is_a_link_away(app, christmas, staff):  # noqa: F811
    html = client_of(app, staff.manager).get("/dashboards/?period=quarter").get_data(as_text=True)
    assert '<form method="get" action="/dashboards/"' in html
    assert 'id="period-quarter" name="period" type="radio" value="quarter" checked' in html
    assert 'name="from" type="date"' in html and 'name="to" type="date"' in html
    assert "1 October 2026 to Thursday 31 December 2026" in html
    assert "The year is the council's, 1 April to 31 March" in html
    assert "<script" not in html.split('<main')[1].split("</main>")[0]  # nothing on the page needs a script


def test_a_custom_period_that_is_not_one_is_a_gov_uk_error_not_a_500(app, staff):  # noqa: F811
    manager = client_of(app, staff.manager)
    page = manager.get("/dashboards/?period=custom&from=2026-12-31&to=2026-12-01")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<title>Error: Dashboards" in html
    assert '<a href="#period-to">The last day must be the same as or after the first day</a>' in html
    assert 'aria-describedby="period-to-hint period-to-error"' in html
    assert 'value="2026-12-31"' in html  # what was entered stays
    for nonsense in ("from=9999-99-99&to=2026-01-01", "from=" + "9" * 5000, "from=2026-01-01&to=2026-01-01T00"):
        assert manager.get(f"/dashboards/?period=custom&{nonsense}").status_code == 200
    assert manager.get("/dashboards/?period=custom&from=%00&to=x").status_code == 400  # every page's NUL refusal


def test_each_chart_is_an_image_of_a_table_that_holds_every_number(app, christmas, staff):  # noqa: F811
    html = client_of(app, staff.manager).get("/dashboards/?period=week").get_data(as_text=True)
    charts = CHART.findall(html)
    assert len(charts) == 4
    for data, alt in charts:
        assert alt.startswith("Bar chart: ") and alt.endswith("The table that follows holds every number it shows.")
        caption = alt.removeprefix("Bar chart: ").split(". The table")[0]
        assert f'<caption class="govuk-table__caption govuk-table__caption--s">{caption}</caption>' in html
        svg = ElementTree.fromstring(base64.b64decode(data))  # noqa: S314 (our own output)
        assert svg.find("{http://www.w3.org/2000/svg}title").text == caption


def test_a_hostile_agency_name_is_text_in_the_tables_and_the_charts(app, christmas, staff):  # noqa: F811
    with database(app) as s:
        row = s.get(Submission, christmas["A"])
        row.agency, row.agency_id = HOSTILE, "hostile-agency"
        s.commit()
    html = client_of(app, staff.manager).get("/dashboards/?period=week").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;agency&#34;)&lt;/script&gt; &amp; &#34;Sons&#34;" in html
    drawn = [ElementTree.fromstring(base64.b64decode(data)) for data, _ in CHART.findall(html)]  # noqa: S314
    for svg in drawn:
        assert not [e for e in svg.iter() if e.tag.endswith("script") or e.tag.endswith("foreignObject")]
        assert not [name for e in svg.iter() for name in e.attrib if name.lower().startswith("on")]
    texts = [e.text or "" for svg in drawn for e in svg.iter()]
    assert any(t.startswith('<script>alert("agency")') for t in texts)  # the name, as text (shortened)
