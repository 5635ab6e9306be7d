"""Every structured page of the workbench, used for real (issue 12: "Browser tests show each item" and
"axe stays at 0 on every workbench page").

In one change of the bundled referral form a service lead moves a question down and back up, moves a
section, adds a section with its first question, adds a question with options shown only when one of
two things is true (“is one of”, joined by “or”), removes a question, and starts a new form from a copy.
Each edit is checked on the outline and in the change's YAML. axe-core checks every page visited, the
error state of each page that can refuse (at 1024 px; the main pages at 320 px too, where nothing may
scroll sideways), and the outline as another service lead sees it: read only.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from .conftest import PASSWORD, LiveServer, _context, assert_no_axe_violations
from .test_low_code_story import CFC, Lead, _text

ASKING = "What are you asking for?"
HOW_SERIOUS = "How serious do you think the concern is?"
SECTION = "Support already in place"
SECTION_ID = "support-already-in-place"
FIRST = "What support does the family have?"
FIRST_ID = "what_support_does_the_family_have"
HOW_OFTEN = "How often does a worker see the family?"
HOW_OFTEN_ID = "how_often_does_a_worker_see_the_family"
IN_WORDS = (f"“{ASKING}” is one of “Early help” or “A child in need assessment by a social worker” "
            f"or “{HOW_SERIOUS}” is “Suspected significant harm”")
EXPRESSION = ("request_type in ['early_help', 'child_in_need_assessment'] "
              "or concern_level == 'suspected_significant_harm'")
COPY_ID, COPY_TITLE = "early-help-request", "Early help request"
_others = itertools.count(1)


class Author(Lead):
    """The service lead of the low-code story, who also reads the change's YAML and checks error pages."""

    def __init__(self, page: Any, server: LiveServer) -> None:
        super().__init__(page, server, js=True)
        self.server = server

    def errors(self, what: str, *expected: str) -> None:
        """The page refused what was sent: said in its error summary, titled "Error:", and accessible."""
        summary = _text(self.page, ".govuk-error-summary")
        for words in expected:
            assert words in summary, summary
        assert self.page.title().startswith("Error: "), self.page.title()
        assert_no_axe_violations(self.page, what)
        self.checked.append(what)

    def yaml(self, change_id: int, path: str = CFC) -> str:
        from fanlight.admin import workflow
        from fanlight.web import db
        from fanlight.web.models import Change

        with self.server.app.app_context():
            s = db.session()
            text = workflow.proposed_texts(s, s.get(Change, change_id))[path]
            s.close()
            return text

    def banner(self) -> str:
        return _text(self.page, "#flash-message")

    def press(self, name: str, role: str = "button") -> None:
        self.submit(self.page.get_by_role(role, name=name))


def _order(text: str, *ids: str) -> list[str]:
    """The ids in the order the YAML holds them."""
    return sorted(ids, key=lambda i: text.index(f"- id: {i}\n"))


def _outline_ids(page: Any, selector: str) -> list[str]:
    return [str(i) for i in page.locator(selector).evaluate_all("nodes => nodes.map(n => n.id)")]


def test_a_service_lead_makes_every_structured_edit_in_one_change(page: Any, live_server: LiveServer) -> None:
    lead = Author(page, live_server)
    lead.submit(page.get_by_role("button", name=f"Change {CFC}"))
    lead.press("Add, move or remove questions and sections", "link")
    change_id = int(re.search(r"/admin/changes/(\d+)/structure", page.url).group(1))  # type: ignore[union-attr]
    outline = page.url
    live = lead.yaml(change_id)
    lead.check("outline")

    # Move "How serious…" down below "What are you asking for?", then back up: the YAML is as it was.
    lead.press(f"Move down question “{HOW_SERIOUS}”")
    assert lead.banner().startswith(f"Moved “{HOW_SERIOUS}” down.")
    assert _outline_ids(page, "#about-this-referral .govuk-summary-list__row")[3:5] == ["request_type", "concern_level"]
    assert _order(lead.yaml(change_id), "concern_level", "request_type") == ["request_type", "concern_level"]
    lead.check("outline, a question moved down")
    lead.press(f"Move up question “{HOW_SERIOUS}”")
    assert lead.banner().startswith(f"Moved “{HOW_SERIOUS}” up.")
    assert _outline_ids(page, "#about-this-referral .govuk-summary-list__row")[3:5] == ["concern_level", "request_type"]
    assert lead.yaml(change_id) == live

    # Move the section "Other professionals involved" up, above "About you".
    lead.press("Move up section “Other professionals involved”")
    assert lead.banner().startswith("Moved “Other professionals involved” up.")
    sections = _outline_ids(page, ".fanlight-structure-section")
    assert sections.index("other-professionals") == sections.index("about-you") - 1
    assert _order(lead.yaml(change_id), "about-you", "other-professionals") == ["other-professionals", "about-you"]

    # Add a section with its first question; sent empty first.
    page.goto(outline)
    lead.press("Add a section", "link")
    lead.check("add a section")
    lead.press("Add the section")
    lead.errors("add a section, sent empty", "Enter a title for the section", "Enter the question")
    page.fill("#title", SECTION)
    page.fill("#description", "Who already works with the family.")
    page.select_option("#question-type", "textarea")
    page.fill("#question-label", FIRST)
    page.get_by_role("group", name="Must it be answered?").get_by_label("No").check()
    lead.press("Add the section")
    assert lead.banner().startswith(f"Added the section “{SECTION}” to {CFC}.")
    assert _text(page, f"#{SECTION_ID} h2").endswith(f". {SECTION}")
    assert _text(page, f"#{FIRST_ID} dt") == FIRST
    text = lead.yaml(change_id)
    assert f"  - id: {SECTION_ID}\n    title: {SECTION}\n" in text
    assert f"      - id: {FIRST_ID}\n        type: textarea\n        label: {FIRST}\n" in text

    # Add a question of another kind, with options, to the new section: its kind, then its words.
    lead.press(f"Add a question to “{SECTION}”", "link")
    lead.check("add a question: its kind")
    lead.press("Continue")
    lead.errors("add a question: its kind, none chosen", "Choose the type of question")
    page.get_by_label("One answer from a few options (radios)").check()
    lead.press("Continue")
    lead.check("add a question: radios")
    lead.press("Add the question")
    lead.errors("add a question, sent empty", "Enter the question", "Enter the options, one on each line")
    page.fill("#label", HOW_OFTEN)
    page.get_by_role("group", name="Must it be answered?").get_by_label("No").check()
    page.fill("#options", "Every week\nEvery month\nLess often")
    page.get_by_label("Only when another question has a certain answer").check()
    lead.press("Add the question")
    assert lead.banner().startswith(f"Added “{HOW_OFTEN}”. Now say when it is shown.")
    lead.check("condition builder")

    # Shown when the request is one of two kinds, or the concern is the most serious: built in words.
    page.select_option("#clause-0-field", "request_type")
    lead.press("Show the answers to choose from")
    page.select_option("#clause-0-operator", "one_of")
    page.get_by_label("Early help").check()
    page.get_by_label("A child in need assessment by a social worker").check()
    lead.press("Add another condition")
    page.select_option("#clause-1-field", "concern_level")
    lead.press("Save the condition")
    lead.errors("condition builder, an answer missing", f"Choose the answer to “{HOW_SERIOUS}”")
    page.get_by_label("Suspected significant harm").check()
    page.get_by_label("Any one of them is enough (or)").check()
    lead.press("Save the condition")
    assert lead.banner().startswith(f"“{HOW_OFTEN}” is now shown when {IN_WORDS}.")
    assert _text(page, f"#{HOW_OFTEN_ID}-shown") == f"Shown when {IN_WORDS}."
    text = lead.yaml(change_id)
    assert (f"      - id: {HOW_OFTEN_ID}\n        type: radios\n        label: {HOW_OFTEN}\n"
            f"        show_if: {EXPRESSION}\n        options:\n"
            "          - {value: 'every_week', label: 'Every week'}\n") in text
    lead.check("outline, the condition in words")
    page.goto(outline.replace("/structure?", "/structure/condition?") + f"&node={HOW_OFTEN_ID}")
    assert _text(page, "#current-condition") == f"Now it is shown when {IN_WORDS}."
    assert page.locator("#clause-0-operator").input_value() == "one_of"
    assert page.get_by_label("Any one of them is enough (or)").is_checked()
    lead.check("condition builder, the saved condition read back")

    # Guidance, and a question for each record of a list: the pages as they open.
    page.goto(outline)
    lead.press(f"Add a question to “{SECTION}”", "link")
    page.get_by_label("Guidance to read, not a question").check()
    lead.press("Continue")
    assert page.locator("#text").count() == 1 and page.locator("#label").count() == 0
    lead.check("add guidance")
    lead.press("Add the question")
    lead.errors("add guidance, sent empty", "Enter the guidance to show")
    page.goto(outline)
    lead.press("Add a question to each record of “Children”", "link")
    lead.check("add a question to a list: its kind")
    page.get_by_label("Yes or no").check()
    lead.press("Continue")
    assert "each record of" in _text(page, ".govuk-caption-l")
    lead.check("add a question to a list: yes or no")

    # Remove the section's first question: confirmed, then gone from the outline and the YAML.
    page.goto(outline)
    lead.press(f"Remove “{FIRST}”", "link")
    assert _text(page, "h1") == f"Remove “{FIRST}”?"
    assert page.locator("#readers").count() == 0
    lead.check("remove a question, confirmation")
    lead.press("Remove it")
    assert lead.banner().startswith(f"Removed “{FIRST}” from {CFC}.")
    assert page.locator(f"#{FIRST_ID}").count() == 0
    assert f"id: {FIRST_ID}" not in lead.yaml(change_id)

    # A question something still reads cannot be removed: the readers are listed, the removal refused.
    page.goto(outline.replace("/structure?", "/structure/remove?") + "&node=request_type")
    assert "request_type" in _text(page, "#readers")
    lead.check("remove a question still read, confirmation")
    lead.press("Remove it")
    lead.errors("remove a question still read, refused", "This would make the definitions invalid")
    assert "- id: request_type\n" in lead.yaml(change_id)

    # A new form from a copy: a taken id refused, then a new id and title.
    page.goto(outline)
    lead.press("Start a new form from a copy of this one", "link")
    assert page.locator("#id").input_value() == "cause-for-concern-copy"
    lead.check("a new form from a copy")
    page.fill("#title", "")
    lead.press("Start the new form")
    lead.errors("a new form from a copy, no title", "Enter the new form's title.")
    page.fill("#title", COPY_TITLE)
    page.fill("#id", "cause-for-concern")
    lead.press("Start the new form")
    lead.errors("a new form from a copy, a taken id", "There is already a definition with the id cause-for-concern")
    page.fill("#id", COPY_ID)
    lead.press("Start the new form")
    new_path = f"forms/{COPY_ID}.yaml"
    assert lead.banner().startswith(f"Started the new form “{COPY_TITLE}” as {new_path}, a copy of {CFC}.")
    assert _text(page, "p.fanlight-path") == new_path
    copy = lead.yaml(change_id, new_path)
    assert f"\nid: {COPY_ID}\nversion: 1\ntitle: {COPY_TITLE}\n" in copy
    assert f"        show_if: {EXPRESSION}\n" in copy  # the copy starts from the form as changed
    lead.check("outline of the new form")

    # Another service lead may look, not touch: no links to change anything, and still accessible.
    other = _context(page.context.browser, viewport={"width": 1024, "height": 800})
    try:
        reader = other.new_page()
        email = live_server.create_user(f"other-lead-{next(_others)}@structure.example", "Ali Lead", "service_lead")
        reader.goto(live_server.url + "/sign-in")
        reader.fill("#email", email)
        reader.fill("#password", PASSWORD)
        with reader.expect_navigation():
            reader.locator("main form button[type=submit]").first.click()
        reader.goto(outline)
        assert "Only the author can edit this change" in _text(reader, "main")
        assert _text(reader, f"#{HOW_OFTEN_ID}-shown") == f"Shown when {IN_WORDS}."
        for role, name in (("link", "Add a section"), ("button", f"Move up question “{HOW_SERIOUS}”"),
                           ("link", f"Remove “{HOW_OFTEN}”")):
            assert reader.get_by_role(role, name=name).count() == 0, name
        assert reader.get_by_role("link", name="Preview the form with this change").count() == 1
        assert reader.locator("form[action*='/structure/move']").count() == 0
        assert_no_axe_violations(reader, "outline, read only for another service lead")
    finally:
        other.close()
    assert len(lead.checked) >= 23, lead.checked
