"""The workbench in Chromium (issue 12, items 1 and 3).

Typing is never lost: a service lead types into the YAML editor, a problem appears, and the next
keys typed still land in the YAML (GOV.UK's error summary would take the focus as it starts); a
screen reader hears how many problems there are, politely, from the editor's status region.

Find what to change by what it is: the service lead searches the live definitions for a question's
wording, chooses it, lands on its quick edit and changes it. axe-core checks every page visited,
and the search on a 320 CSS-pixel screen too.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import PASSWORD, LiveServer, assert_no_axe_violations

CFC = "forms/cause-for-concern.yaml"
OLD_WORDING = "Have you asked the family for consent to this referral?"
NEW_WORDING = "Have you asked the family whether they agree to this referral?"
_leads = itertools.count(1)


class Lead:
    """A service lead signed in to the workbench, whose pages must raise no JavaScript error."""

    def __init__(self, context: Any, server: LiveServer) -> None:
        self.server = server
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        email = server.create_user(f"search-lead-{next(_leads)}@council.example", "Sam Lead", "service_lead")
        self.page.goto(server.url + "/sign-in")
        self.page.fill("#email", email)
        self.page.fill("#password", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("main form button[type=submit]")
        assert self.page.url.endswith("/admin/"), self.page.url

    def check(self, what: str) -> None:
        assert_no_axe_violations(self.page, what)

    def text(self, selector: str) -> str:
        return " ".join(str(self.page.locator(selector).inner_text()).split())


@pytest.fixture
def lead(context: Any, live_server: LiveServer) -> Iterator[Lead]:
    found = Lead(context, live_server)
    yield found
    assert not found.errors, f"JavaScript errors: {found.errors}"


def test_typing_goes_on_in_the_yaml_when_a_problem_appears(lead: Lead) -> None:
    page = lead.page
    lead.check("workbench home, with the search")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Change {CFC}").click()
    change_id = re.search(r"/admin/changes/(\d+)/", page.url).group(1)  # type: ignore[union-attr]
    page.goto(f"{lead.server.url}/admin/changes/{change_id}/edit?path={CFC}")
    lead.check("YAML editor")
    area = page.locator("#text")
    area.press("Control+End")
    area.press_sequentially("\nrulesets: [no-such-ruleset]", delay=5)
    # The problem has arrived and GOV.UK Frontend has started its summary (which is when it would take the focus).
    page.wait_for_selector("#problems .govuk-error-summary[data-govuk-error-summary-init]")
    assert page.evaluate("() => document.activeElement.id") == "text"
    page.keyboard.type("\n# typed after the problem appeared")  # the keyboard, wherever the focus is now
    assert area.input_value().endswith("rulesets: [no-such-ruleset]\n# typed after the problem appeared")
    # Said politely, by the status region: the summary is no alert while typing.
    page.wait_for_function("() => document.getElementById('problems-status').textContent !== ''")
    assert re.fullmatch(r"\d+ problems? in the YAML", lead.text("#problems-status"))
    assert page.locator("#problems-status").get_attribute("role") == "status"
    assert page.locator("#problems [role=alert]").count() == 0
    lead.check("YAML editor, a problem found while typing")
    # Typed away again, the problem goes, and the status region says so.
    for _ in "\nrulesets: [no-such-ruleset]\n# typed after the problem appeared":
        page.keyboard.press("Backspace")
    page.wait_for_function("() => document.getElementById('problems-status').textContent === 'No problems in the YAML'")
    assert "No problems" in lead.text("#problems") and page.evaluate("() => document.activeElement.id") == "text"


def test_a_question_found_by_its_wording_is_changed_in_its_quick_edit(lead: Lead) -> None:
    page = lead.page
    with page.expect_navigation():
        page.get_by_role("link", name="Find what to change").click()
    lead.check("search, empty")
    page.fill("#q", "family CONSENT asked")
    with page.expect_navigation():
        page.get_by_role("button", name="Search", exact=True).click()
    assert re.match(r"\d+ results? for ‘family CONSENT asked’", lead.text("#results"))
    result = page.get_by_role("button", name=OLD_WORDING)
    assert result.locator("mark").all_inner_texts() == ["asked", "family", "consent"]
    lead.check("search, results")
    with page.expect_navigation():
        result.click()
    assert "/quick-edit/item?" in page.url
    assert page.locator("#label").input_value() == OLD_WORDING
    lead.check("quick edit, landed on from the search")
    page.fill("#label", NEW_WORDING)
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert lead.text("#flash-message").startswith(f"Saved “{NEW_WORDING}”")


def test_the_search_reflows_on_a_320px_screen(narrow_context: Any, live_server: LiveServer) -> None:
    lead = Lead(narrow_context, live_server)
    lead.page.goto(live_server.url + "/admin/search?q=consent")
    assert lead.page.evaluate("() => document.documentElement.scrollWidth") <= 320
    lead.check("search, results, 320 px")
    long = lead.page.goto(live_server.url + "/admin/search?q=" + "x" * 201)
    assert long is not None and long.status == 422
    assert lead.page.evaluate("() => document.activeElement.classList.contains('govuk-error-summary')")
    lead.check("search, too long, 320 px")
    assert not lead.errors, lead.errors


def test_the_search_works_without_javascript(no_js_context: Any, live_server: LiveServer) -> None:
    """A GET form and a button per result: nothing needs a script (axe needs one, so it checks the pages above)."""
    lead = Lead(no_js_context, live_server)
    page = lead.page
    page.fill("#q", "consent asked family")
    with page.expect_navigation():
        page.locator("main form[role=search] button").click()
    with page.expect_navigation():
        page.get_by_role("button", name=OLD_WORDING).click()
    assert "/quick-edit/item?" in page.url and page.locator("#label").input_value() == OLD_WORDING
