"""A professional who uses only the keyboard: no mouse, no touch (WCAG 2.1.1, 2.4.3, 2.4.7)."""

from __future__ import annotations

from typing import Any

from .answers import missing_child_referral
from .conftest import LiveServer
from .driver import REFERENCE, Referrer, assert_focus_visible, focus_matches, focused, tab_to

FORM = "cause-for-concern"


def test_a_teacher_refers_a_missing_child_using_only_the_keyboard(page: Any, live_server: LiveServer, new_user: Any) -> None:
    answers = missing_child_referral()
    teacher = Referrer(page, live_server.url, mode="keyboard")
    page.goto(live_server.url + "/sign-in")
    # The first Tab reaches the skip link, and it is visible when it has the focus.
    page.keyboard.press("Tab")
    assert focus_matches(page, "a.govuk-skip-link")
    assert_focus_visible(page)
    teacher.sign_in(new_user())
    teacher.start()

    # "Save and continue" with nothing answered: the error summary takes the focus...
    teacher.save_and_continue()
    assert page.title().startswith("Error: ")
    assert focus_matches(page, ".govuk-error-summary"), f"the focus is on {focused(page)}"
    assert_focus_visible(page)
    # ...and its first link takes the focus to the first answer it is about.
    page.keyboard.press("Tab")
    assert focus_matches(page, ".govuk-error-summary__list a")
    page.keyboard.press("Enter")
    assert focus_matches(page, "#immediate_danger"), f"the focus is on {focused(page)}"

    # Answering a question changes the page (htmx) but not where the keyboard is.
    teacher.choose_radio("immediate_danger", "no")
    teacher.choose_radio("discussed_with_dsl", "yes")
    teacher.settle()
    assert focus_matches(page, "input[name=discussed_with_dsl][value=yes]"), f"the focus moved to {focused(page)}"
    assert page.locator("#dsl_name").count() == 1  # the question the answer asked for appeared
    page.keyboard.press("Tab")
    assert focus_matches(page, "#dsl_name"), f"Tab went to {focused(page)}, not to the new question"

    teacher.complete(FORM, answers, until="child-details")
    teacher.answer_section(FORM, answers)
    # Enter in a text box means "Save and continue", not the list's "Add another child".
    tab_to(page, "#children-0-gp")
    page.keyboard.press("Enter")
    page.wait_for_url("**/sections/household")
    assert page.locator("#household_members").count() == 1

    teacher.complete(FORM, answers)
    reference = teacher.send()
    assert REFERENCE.match(reference)
    teacher.sign_out()
