"""The task list reads true in Chromium (issue 13, item 3), with JavaScript on and off: before any
category is chosen no category section is listed, choosing one brings its section, and "You have
completed X of Y sections" counts what is listed."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .answers import missing_child_referral
from .conftest import LiveServer
from .driver import Referrer
from .test_referral_journeys import MISSING_SECTION, task_statuses

FORM = "cause-for-concern"


def progress(page: Any) -> tuple[int, int]:
    found = re.search(r"You have completed (\d+) of (\d+) sections", page.locator("main").inner_text())
    assert found is not None
    return int(found[1]), int(found[2])


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_the_task_list_lists_what_the_answers_need_and_counts_it(
        page: Any, no_js_page: Any, live_server: LiveServer, new_user: Any, javascript: bool) -> None:
    browser_page = page if javascript else no_js_page
    teacher = Referrer(browser_page, live_server.url, js=javascript)
    teacher.sign_in(new_user())
    draft_id = teacher.start()
    browser_page.goto(f"{live_server.url}/drafts/{draft_id}")
    before = task_statuses(browser_page)
    assert MISSING_SECTION not in before and "Not needed" not in browser_page.locator("main").inner_text()
    assert progress(browser_page) == (sum(s == "Completed" for s in before.values()), len(before))

    browser_page.goto(f"{live_server.url}/drafts/{draft_id}/sections/about-this-referral")
    teacher.complete(FORM, missing_child_referral(), until="missing")  # "missing" ticked, its section next
    browser_page.goto(f"{live_server.url}/drafts/{draft_id}")
    after = task_statuses(browser_page)
    assert after[MISSING_SECTION] == "Not started"  # the chosen category's section, once chosen
    assert progress(browser_page) == (sum(s == "Completed" for s in after.values()), len(after))
    assert len(after) > len(before)
