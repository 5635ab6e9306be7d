"""Messages written for people (issue 12, item 7), in Chromium: a rule given a severity but no message
is a problem the YAML editor words for a service lead, never as the JSON Schema says it
("'message' is a dependency of 'severity'"), both while typing and once saved.
"""

from __future__ import annotations

import re
from typing import Any

from .conftest import LiveServer, assert_no_axe_violations
from .test_low_code_story import Lead, _text

RULES = "rules/consent-rules.yaml"
RULE = "  - id: consent-needed-for-early-help\n"
NEXT = "  - id: consent-refused-not-child-protection\n"
PLAIN = "a rule with a severity needs a message"
SCHEMA = "is a dependency of"


def test_a_rule_with_a_severity_but_no_message_is_worded_for_people(page: Any, live_server: LiveServer) -> None:
    lead = Lead(page, live_server, js=True)
    lead.submit(page.get_by_role("button", name=f"Change {RULES}"))
    change_id = re.search(r"/admin/changes/(\d+)/", page.url).group(1)  # type: ignore[union-attr]
    page.goto(f"{live_server.url}/admin/changes/{change_id}/edit?path={RULES}")
    text = page.locator("#text").input_value()
    start, end = text.index(RULE), text.index(NEXT)
    assert "message:" in text[start:end]
    broken = text[:start] + RULE + "    when: consent.sought == false\n    severity: error\n\n" + text[end:]

    # While typing: the problem appears above the editor, in words a service lead can act on.
    page.locator("#text").fill(broken)
    page.wait_for_selector("#problems .govuk-error-summary")
    problems = _text(page, "#problems")
    assert PLAIN in problems and SCHEMA not in problems, problems
    assert SCHEMA not in page.content()
    assert_no_axe_violations(page, "YAML editor, a rule without a message")

    # Saved anyway (work is kept): the page says the same, and still not the schema's words.
    lead.submit(page.get_by_role("button", name="Save", exact=True))
    problems = _text(page, "#problems")
    assert PLAIN in problems and SCHEMA not in problems, problems
    assert SCHEMA not in page.content()
    lead.check("YAML editor, saved with a rule without a message")
