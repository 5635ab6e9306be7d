"""Low-code, not only YAML (issue 12): a service lead adds a "which kind of help is needed" question to
the referral form, shown only when early help is asked for, previews it and sends it for review,
without touching YAML.

The story runs in Chromium with JavaScript on and again with it off (every structured page is a plain
form: POST, redirect, GET). axe-core checks every page visited, at 1024 and at 320 CSS pixels, where
the page must not scroll sideways either.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from .conftest import PASSWORD, LiveServer, assert_no_axe_violations

CFC = "forms/cause-for-concern.yaml"
SECTION = "About this referral"
HELP = "Which kind of help is needed?"
HELP_ID = "which_kind_of_help_is_needed"
OPTIONS = ["Family support worker", "Parenting programme", "Help with housing"]
IN_WORDS = "Shown when “What are you asking for?” is “Early help”."
TITLE = "Ask which kind of early help is needed"
REASON = "The early help team phones every referrer to ask which help the family needs."
_leads = itertools.count(1)


def _text(page: Any, selector: str) -> str:
    return " ".join(str(page.locator(selector).first.inner_text()).split())


class Lead:
    """The service lead in the browser; `check` runs axe at 1024 and 320 px wide on the page as it is
    (axe needs JavaScript: without it, the page is checked for scrolling sideways only)."""

    def __init__(self, page: Any, server: LiveServer, js: bool) -> None:
        self.page, self.base, self.js = page, server.url, js
        self.checked: list[str] = []
        email = server.create_user(f"lead-{next(_leads)}@low-code.example", name="Sam Lead", role="service_lead")
        page.goto(self.base + "/sign-in")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        self.submit(page.locator("main form button[type=submit]").first)

    def submit(self, locator: Any) -> None:
        with self.page.expect_navigation():
            locator.click()

    def check(self, what: str) -> None:
        if self.js:
            assert_no_axe_violations(self.page, f"{what} (1024 px)")
        self.page.set_viewport_size({"width": 320, "height": 640})
        try:
            width = self.page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 320, f"{what}: {width} px wide on a 320 px screen"
            if self.js:
                assert_no_axe_violations(self.page, f"{what} (320 px)")
        finally:
            self.page.set_viewport_size({"width": 1024, "height": 800})
        self.checked.append(what)


@pytest.fixture(params=["with JavaScript", "without JavaScript"])
def lead_page(request: pytest.FixtureRequest, browser: Any) -> Any:
    from .conftest import _context

    ctx = _context(browser, viewport={"width": 1024, "height": 800},
                   java_script_enabled=request.param == "with JavaScript")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, request.param == "with JavaScript"
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_a_service_lead_adds_a_conditional_question_previews_it_and_sends_it_for_review(
        lead_page: Any, live_server: LiveServer) -> None:
    page, js = lead_page
    lead = Lead(page, live_server, js)
    assert page.url.endswith("/admin/")
    lead.check("workbench")

    # From the form's quick edit to its sections and questions.
    lead.submit(page.get_by_role("button", name=f"Change {CFC}"))
    lead.submit(page.get_by_role("link", name="Add, move or remove questions and sections"))
    assert _text(page, "h1") == "Sections and questions"
    change_id = int(re.search(r"/admin/changes/(\d+)/structure", page.url).group(1))  # type: ignore[union-attr]
    lead.check("structure: the outline")

    # Add the question: first its kind, then what it asks and its options.
    lead.submit(page.get_by_role("link", name=f"Add a question to “{SECTION}”"))
    lead.submit(page.get_by_role("button", name="Continue"))
    assert "Choose the type of question" in _text(page, ".govuk-error-summary")
    lead.check("structure: the kind of question, not chosen")
    page.get_by_label("Any number of options (tick boxes)").check()
    lead.submit(page.get_by_role("button", name="Continue"))
    lead.check("structure: a new question")
    page.fill("#label", HELP)
    page.fill("#hint", "Tick everything the family has asked for.")
    # Not required: a required one would make the bundled "complete" early-help scenario incomplete.
    page.get_by_role("group", name="Must it be answered?").get_by_label("No").check()
    page.fill("#options", "\n".join(OPTIONS))
    page.select_option("#after", "request_type")
    page.get_by_label("Only when another question has a certain answer").check()
    lead.submit(page.get_by_role("button", name="Add the question"))
    assert _text(page, "#flash-message").startswith(f"Added “{HELP}”. Now say when it is shown.")
    assert _text(page, "h1") == f"When is “{HELP}” shown?"
    lead.check("structure: the condition builder")

    # The condition, built from words: the question, "is", the answer.
    page.select_option("#clause-0-field", "request_type")
    lead.submit(page.get_by_role("button", name="Save the condition"))
    assert "Choose the answer to “What are you asking for?”" in _text(page, ".govuk-error-summary")
    assert page.title().startswith("Error: ")
    lead.check("structure: the condition builder, without an answer")
    page.get_by_label("Early help").check()
    page.select_option("#clause-0-operator", "is")
    lead.submit(page.get_by_role("button", name="Save the condition"))
    banner = _text(page, "#flash-message")
    assert banner.startswith(f"“{HELP}” is now shown when “What are you asking for?” is “Early help”.")
    assert re.search(r"Definition tests: \d+ passed, 0 failed", banner), banner
    assert _text(page, f"#{HELP_ID}-shown") == IN_WORDS
    lead.check("structure: the outline, with the condition in words")

    # The other structured pages, as the outline links to them (checked, then left without saving).
    outline = page.url
    for link, what in ((f"Remove “{HELP}”", "remove a question, confirmation"), ("Add a section", "add a section"),
                       ("Start a new form from a copy of this one", "a new form from a copy")):
        lead.submit(page.get_by_role("link", name=link))
        lead.check(f"structure: {what}")
        page.goto(outline)

    # The preview: the question appears only once early help is asked for.
    lead.submit(page.get_by_role("link", name="Preview the form with this change"))
    assert _text(page, "#preview-section") == SECTION
    assert HELP not in page.content()
    lead.check("structure: preview")
    page.locator("input[name=request_type][value=early_help]").check()
    lead.submit(page.get_by_role("button", name="Update the preview"))
    assert page.get_by_text(HELP).count() >= 1
    for option in OPTIONS:
        assert page.get_by_label(option).count() == 1
    lead.check("structure: preview, early help asked for")
    page.locator("input[name=request_type][value=child_protection]").check()
    lead.submit(page.get_by_role("button", name="Update the preview"))
    assert HELP not in page.content()

    # Send it for review, saying what the change is and why.
    page.goto(f"{lead.base}/admin/changes/{change_id}")
    assert "field_added" in page.content()
    lead.check("the change, draft")
    page.fill("#title", TITLE)
    page.fill("#reason", REASON)
    lead.submit(page.get_by_role("button", name="Submit for review"))
    assert _text(page, "#change-state") == "In review"
    lead.check("the change, in review")

    # The YAML in the change holds the question and its expression, every comment kept.
    text, live = _texts(live_server, change_id)
    assert (f"      - id: {HELP_ID}\n        type: checkboxes\n        label: {HELP}\n"
            "        hint: Tick everything the family has asked for.\n"
            "        show_if: request_type == 'early_help'\n        options:\n"
            "          - {value: 'family_support_worker', label: 'Family support worker'}\n") in text
    assert _comments(text) == _comments(live)
    assert len(lead.checked) >= 13


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.lstrip().startswith("#")]


def _texts(server: LiveServer, change_id: int) -> tuple[str, str]:
    """The form's text in the change, and live."""
    from fanlight.admin import workflow
    from fanlight.web import db
    from fanlight.web.definitions import registry
    from fanlight.web.models import Change

    with server.app.app_context():
        s = db.session()
        change = s.get(Change, change_id)
        assert change is not None
        found = workflow.proposed_texts(s, change)[CFC], registry.texts_of(s, registry.live_id(s) or 0)[CFC]
        s.close()
        return found
