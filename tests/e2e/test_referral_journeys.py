"""A professional refers a concern about a child, from signing in to the reference number."""

from __future__ import annotations

import re
from typing import Any

from .answers import missing_child_referral
from .conftest import LiveServer
from .driver import REFERENCE, Referrer

FORM = "cause-for-concern"
MISSING_SECTION = "Missing from home, care or school"


def section_list(page: Any) -> list[str]:
    """The titles in the page's list of sections (the aside on a section page)."""
    items: list[str] = page.locator("#section-nav li").all_inner_texts()
    return [item.split(" – ")[0].strip() for item in items]


def task_statuses(page: Any) -> dict[str, str]:
    """Section title -> status, from the task list."""
    items = page.locator(".govuk-task-list__item")
    return {
        items.nth(i).locator(".govuk-task-list__name-and-hint").inner_text().strip():
        items.nth(i).locator(".govuk-task-list__status").inner_text().strip()
        for i in range(items.count())
    }


def test_a_teacher_refers_a_missing_child_and_gets_a_reference(page: Any, live_server: LiveServer, new_user: Any) -> None:
    answers = missing_child_referral()
    teacher = Referrer(page, live_server.url)
    teacher.sign_in(new_user())
    teacher.start()

    teacher.complete(FORM, answers, until="type-of-concern")
    assert MISSING_SECTION not in section_list(page)
    # Ticking "missing" adds the section to the list straight away, without sending the page...
    page.locator("input[name=categories][value=missing]").check()
    teacher.settle()
    assert MISSING_SECTION in section_list(page)
    assert teacher.where()[1] == "type-of-concern"
    # ...and unticking it takes it away again.
    page.locator("input[name=categories][value=missing]").uncheck()
    teacher.settle()
    assert MISSING_SECTION not in section_list(page)

    teacher.complete(FORM, answers)
    assert page.locator("h2", has_text=MISSING_SECTION).count() == 1  # its answers are on check answers
    assert "WM-2611-0042" in page.locator("main").inner_text()
    reference = teacher.send()
    assert page.title().startswith("Form sent")
    assert REFERENCE.match(reference)


def test_a_teacher_refers_a_missing_child_with_javascript_off(no_js_page: Any, live_server: LiveServer, new_user: Any) -> None:
    page = no_js_page
    answers = missing_child_referral()
    teacher = Referrer(page, live_server.url, js=False)
    teacher.sign_in(new_user())
    draft_id = teacher.start()

    teacher.complete(FORM, answers, until="type-of-concern")
    page.locator("input[name=categories][value=missing]").check()
    assert MISSING_SECTION not in section_list(page)  # nothing changes until the page is sent
    page.select_option("#primary_category", "missing")
    teacher.save_and_continue()
    # "Save and continue" goes on to the section that ticking "missing" added.
    assert teacher.where()[1] == "missing"
    assert MISSING_SECTION in section_list(page)

    teacher.complete(FORM, answers)
    page.goto(f"{live_server.url}/drafts/{draft_id}")
    assert page.locator(".govuk-task-list a", has_text=MISSING_SECTION).count() == 1
    page.goto(f"{live_server.url}/drafts/{draft_id}/check")
    reference = teacher.send()
    assert REFERENCE.match(reference)


def test_a_teacher_saves_a_draft_signs_out_and_finishes_it_later(page: Any, live_server: LiveServer, new_user: Any) -> None:
    answers = missing_child_referral()
    email = new_user()
    teacher = Referrer(page, live_server.url)
    teacher.sign_in(email)
    teacher.start()
    teacher.complete(FORM, answers, until="household")
    teacher.answer_section(FORM, answers)
    teacher.press("button[name=action][value=later]")
    page.wait_for_url("**/your-forms?saved=*")
    assert "Your answers have been saved" in page.locator(".govuk-notification-banner").inner_text()
    teacher.sign_out()
    assert page.locator("h1").inner_text() == "You have signed out"

    teacher.sign_in(email)
    drafts = page.locator("table", has=page.locator("caption", has_text="Forms in progress"))
    # The draft is named by its child (its Delete link is named "Delete ... about Jordan Morgan").
    drafts.get_by_role("link", name=re.compile(r"^Jordan Morgan\s*, cause for concern, last saved ")).click()
    page.wait_for_url("**/drafts/*")
    statuses = task_statuses(page)
    assert statuses["The child or children"] == "Completed"
    # Saved for later with every question answered: completed (the task list says what the answers are).
    assert statuses["Parents, carers and other important people"] == "Completed"
    assert statuses["About you"] == "In progress"  # pre-filled from the teacher's account, not yet seen
    # The answers typed before signing out are still there.
    page.locator(".govuk-task-list a", has_text="Parents, carers").click()
    assert page.locator("#household_members-0-member_name").input_value() == answers["household_members"][0]["member_name"]
    page.locator("a.govuk-back-link").click()
    page.locator(".govuk-task-list a", has_text="About you").click()
    teacher.complete(FORM, answers)
    reference = teacher.send()
    page.locator("a", has_text="Back to your forms").click()
    submitted = page.locator("table", has=page.locator("caption", has_text="Submitted forms"))
    assert reference in submitted.inner_text()
    assert "You have no forms in progress" in page.locator("main").inner_text()
