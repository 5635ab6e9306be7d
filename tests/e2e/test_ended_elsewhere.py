"""Issue 13, item 2, in a real browser: signing in on a second device ends the first session; the
next save there is held (not "Your request could not be checked"), and after signing in again the
person saves it and is back on the page they were on, with what they typed. JavaScript on (the
autosave is refused first, and the page says so with a link back) and off.

Runs on the shared live server (its default session limits): nothing here waits for a clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .conftest import PASSWORD, LiveServer, _context, assert_no_axe_violations
from .driver import Referrer


def _answers(server: LiveServer, draft_id: str) -> dict[str, Any]:
    from fanlight.web import db
    from fanlight.web.models import Draft

    with server.app.app_context():
        draft = db.session().get(Draft, draft_id)
        assert draft is not None
        answers = dict(draft.answers)
        db.session().close()
    return answers


@pytest.mark.parametrize("js", [False, True])
def test_a_save_after_signing_in_on_another_device_is_kept_and_restored(
        browser: Any, live_server: LiveServer, new_user: Callable[..., str], js: bool) -> None:
    email = new_user()
    desk = _context(browser, viewport={"width": 1024, "height": 800}, java_script_enabled=js)
    laptop = _context(browser, viewport={"width": 1024, "height": 800})
    try:
        page = desk.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        person = Referrer(page, live_server.url, js=js)
        person.sign_in(email)
        draft_id = person.start()
        section_url = page.url

        Referrer(laptop.new_page(), live_server.url).sign_in(email)  # the desk's session ends

        page.locator("input[name=immediate_danger][value=no]").check()
        page.locator("input[name=discussed_with_dsl][value=no]").check()
        if js:
            # The autosave is refused (401): the page says so, with a way back to this page.
            banner = page.locator("#conflict")
            banner.get_by_text("You have been signed out").wait_for()
            link = banner.get_by_role("link", name="Sign in again")
            assert link.get_attribute("href") == "/sign-in?next=" + section_url.removeprefix(live_server.url)
        page.get_by_role("button", name="Save and continue").click()
        page.wait_for_url("**/sign-in")
        main = page.locator("main").inner_text()
        assert "could not be checked" not in main
        assert "because you signed in or out somewhere else" in main
        assert "have not been lost: sign in again to save them" in main
        if js:
            assert_no_axe_violations(page, "sign in, answers held after signing in elsewhere")

        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/held-answers")
        page.get_by_role("button", name="Save my answers").click()
        # "Save and continue", as the person had asked: the section still needs answers, so it is
        # the same page, with what they typed, saved.
        page.wait_for_url(section_url)
        assert page.locator("input[name=immediate_danger][value=no]").is_checked()
        assert page.locator("input[name=discussed_with_dsl][value=no]").is_checked()
        answers = _answers(live_server, draft_id)
        assert answers["immediate_danger"] is False and answers["discussed_with_dsl"] is False
        assert not errors, errors
    finally:
        desk.close()
        laptop.close()
