"""Saving as you go (htmx) on a slow or failing connection: answers are never lost, never
falsely reported as changed elsewhere, and the page stays usable."""

from __future__ import annotations

from typing import Any

from .conftest import LiveServer
from .driver import Referrer

# A slow connection: the server gets each request the page makes with fetch() (htmx 4 uses
# fetch) straight away, but its answer takes a while to come back.
SLOW_FETCH = """(() => { const real = window.fetch;
  window.fetch = (...args) => real(...args).then((response) =>
    new Promise((resolve) => setTimeout(() => resolve(response), window.__fetchDelay || 0))) })()"""


def start_section(page: Any, server: LiveServer, user: str, section: str) -> tuple[Referrer, str]:
    person = Referrer(page, server.url)
    person.sign_in(user)
    draft_id = person.start()
    page.goto(f"{server.url}/drafts/{draft_id}/sections/{section}")
    return person, draft_id


def test_questions_that_appear_as_answers_change_are_ready_to_use(page: Any, live_server: LiveServer, new_user: Any) -> None:
    person, _ = start_section(page, live_server, new_user(), "about-this-referral")
    assert page.locator("#phoned_front_door").count() == 0
    page.locator("#immediate_danger").check()
    person.settle()
    # The question the answer asked for appeared, with its GOV.UK component started...
    radios = page.locator("#phoned_front_door-group .govuk-radios")
    assert radios.get_attribute("data-govuk-radios-init") is not None
    # ...and components already on the page kept theirs through the morph.
    assert page.locator("#immediate_danger-group .govuk-radios").get_attribute("data-govuk-radios-init") is not None
    assert "Call 999 now" in page.locator("#section-fields").inner_text()
    assert page.locator("#save-status").inner_text().startswith("Saved at")
    page.locator("#phoned_front_door").check()
    person.settle()
    assert page.locator("#phone_call_datetime").count() == 1
    page.locator("#immediate_danger-no").check()
    page.locator("input[name=concern_level][value=additional_needs]").check()
    person.settle()
    assert page.locator("#phoned_front_door").count() == 0  # and went away when no longer asked


def test_an_answer_typed_while_a_save_is_on_its_way_is_kept(page: Any, live_server: LiveServer, new_user: Any) -> None:
    page.add_init_script(SLOW_FETCH)
    person, draft_id = start_section(page, live_server, new_user(), "about-you")
    page.evaluate("() => { window.__fetchDelay = 1000 }")
    page.fill("#referrer_name", "Sarah Collins")
    page.locator("#referrer_name").blur()
    page.wait_for_selector("form[data-fanlight-busy]")
    # The first save is still on its way: keep typing.
    page.fill("#referrer_role", "Class teacher")
    page.locator("#referrer_role").blur()
    person.settle()
    assert page.locator("#referrer_role").input_value() == "Class teacher"
    assert page.locator("#conflict").inner_text().strip() == "", "a false 'changed in another tab' message"
    page.goto(f"{live_server.url}/drafts/{draft_id}/sections/about-you")
    assert page.locator("#referrer_name").input_value() == "Sarah Collins"
    assert page.locator("#referrer_role").input_value() == "Class teacher"


def test_save_and_continue_straight_after_an_answer_waits_for_the_save_on_its_way(
        page: Any, live_server: LiveServer, new_user: Any) -> None:
    page.add_init_script(SLOW_FETCH)
    person, draft_id = start_section(page, live_server, new_user(), "declaration")
    page.evaluate("() => { window.__fetchDelay = 800 }")
    page.locator("#accuracy_confirmed").check()
    page.wait_for_selector("form[data-fanlight-busy]")
    page.locator("button[name=action][value=continue]:not([tabindex='-1'])").click()
    page.wait_for_url("**/check")  # not the section again, with "changed in another tab"
    page.goto(f"{live_server.url}/drafts/{draft_id}")
    statuses = page.locator(".govuk-task-list__item", has_text="Declaration").inner_text()
    assert "Completed" in statuses


def answer_with(status: int, body: str) -> Any:
    return lambda route: route.fulfill(status=status, body=body, content_type="text/html")


def test_a_live_save_that_fails_leaves_the_answers_on_the_page(page: Any, live_server: LiveServer, new_user: Any) -> None:
    person, _ = start_section(page, live_server, new_user(), "about-this-referral")
    fragment = ('<div class="govuk-error-summary" role="alert"><h2 class="govuk-error-summary__title">'
                'Sorry, there is a problem with the service</h2></div>')
    for status in (500, 401):
        page.route("**/live", answer_with(status, fragment))
        page.locator("#immediate_danger-no").check()
        person.settle()
        assert page.locator("#section-fields input[name=immediate_danger]").count() == 2, f"{status}: the questions went"
        assert "problem with the service" in page.locator("#conflict").inner_text()
        page.unroute("**/live")
        page.locator("#immediate_danger").check()
        person.settle()
    # No connection at all: the page says the answers are not saved yet.
    page.route("**/live", lambda route: route.abort())
    page.locator("#immediate_danger-no").check()
    page.wait_for_function("() => document.querySelector('#save-status').textContent.includes('not saved')")
    page.unroute("**/live")
    person.save_and_continue()
    assert page.title().startswith("Error: ")  # the page itself still works: it lists what is missing
