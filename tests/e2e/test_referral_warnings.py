"""Issue 13, items 1 and 5 in Chromium: a one-line description is warned about after saving (with
JavaScript and without), listed on check answers, and must be acknowledged before sending; check
answers is one summary card per section and per child, fits 320 px and passes axe."""

from __future__ import annotations

import os
from typing import Any

from .answers import missing_child_referral
from .conftest import LiveServer, assert_no_axe_violations, screenshot
from .driver import REFERENCE, Referrer

FORM = "cause-for-concern"
ONE_LINE = "Jordan came to school hungry again today, saying there is no food at home."  # 74 characters
THIN = "Your description is short."
TICK = "#acknowledge-thin-concern-description"


def _stored(live_server: LiveServer, draft_id: str) -> list[dict[str, Any]]:
    """The stored evaluations of what this draft became (the server is shared by the session's tests)."""
    from fanlight.web import db
    from fanlight.web.models import Submission

    with live_server.app.app_context():
        return [s.evaluation for s in db.session().query(Submission).filter_by(draft_id=draft_id).all()]


def _one_line_referral(page: Any, live_server: LiveServer, new_user: Any, *, js: bool) -> Referrer:
    """Up to check answers, with a one-line description: warned on saving its section, and once more
    the section is left with "Save and continue" pressed again."""
    answers = {**missing_child_referral(), "concern_description": ONE_LINE}
    teacher = Referrer(page, live_server.url, js=js)
    teacher.sign_in(new_user())
    teacher.start()
    teacher.complete(FORM, answers, until="your-concern")
    teacher.answer_section(FORM, answers)
    beside = page.locator("#section-fields .fanlight-rule-message", has_text=THIN)
    assert beside.count() == (1 if js else 0)  # while typing: only the live page can say it

    teacher.save_and_continue()
    assert teacher.where()[1] == "your-concern"  # stays, once, to say it: saved, not an error
    assert page.locator(".govuk-error-summary").count() == 0
    banner = page.locator("#warnings")
    assert THIN in banner.inner_text()
    assert banner.locator("a", has_text=THIN).get_attribute("href") == "#concern_description"
    assert beside.count() == 1
    if os.environ.get("FANLIGHT_E2E_SCREENSHOTS"):
        screenshot(page, f"section-warned-{'js' if js else 'no-js'}")
    if js:  # axe runs in the page: without JavaScript it cannot (the same page is checked with it on)
        assert_no_axe_violations(page, "a section saved with a warning")

    teacher.save_and_continue()
    assert teacher.where()[1] != "your-concern"
    teacher.complete(FORM, answers)
    assert page.url.endswith("/check")
    return teacher


def _acknowledge_and_send(page: Any, live_server: LiveServer, teacher: Referrer) -> None:
    draft_id = page.url.split("/drafts/", 1)[1].split("/", 1)[0]
    axe = assert_no_axe_violations if teacher.js else (lambda *_: None)
    listed = page.locator("#to-check")
    assert THIN in listed.inner_text()
    link = listed.locator("a", has_text="What has happened, or what has changed")
    assert link.get_attribute("href").endswith("/sections/your-concern?return=check#concern_description")
    assert page.locator(TICK).is_visible()
    axe(page, "check answers with a warning to acknowledge")

    with page.expect_navigation():
        teacher.press("form button:has-text('Accept and send')")
    assert page.title().startswith("Error: ")
    assert any("Confirm you have read" in e for e in teacher.errors()), teacher.errors()
    assert _stored(live_server, draft_id) == []  # nothing was sent
    axe(page, "check answers, sent without the tick")
    if os.environ.get("FANLIGHT_E2E_SCREENSHOTS"):
        screenshot(page, f"check-answers-unticked-{'js' if teacher.js else 'no-js'}")

    page.locator(TICK).check()
    with page.expect_navigation():
        teacher.press("form button:has-text('Accept and send')")
    assert REFERENCE.match(page.locator("#reference").inner_text().strip())
    [evaluation] = _stored(live_server, draft_id)
    assert evaluation["acknowledged"] == ["thin-concern-description"]


def test_a_one_line_referral_is_warned_about_and_sent_only_once_acknowledged(
        page: Any, live_server: LiveServer, new_user: Any) -> None:
    teacher = _one_line_referral(page, live_server, new_user, js=True)
    _acknowledge_and_send(page, live_server, teacher)


def test_a_one_line_referral_with_javascript_off(no_js_page: Any, live_server: LiveServer, new_user: Any) -> None:
    teacher = _one_line_referral(no_js_page, live_server, new_user, js=False)
    _acknowledge_and_send(no_js_page, live_server, teacher)


def test_check_answers_is_a_card_per_section_and_per_child_and_fits_320px(
        narrow_context: Any, live_server: LiveServer, new_user: Any) -> None:
    page = narrow_context.new_page()
    teacher = Referrer(page, live_server.url)
    teacher.sign_in(new_user())
    draft_id = teacher.start()
    answers = missing_child_referral(people=2)
    answers["children"][0].update(child_forename="Leo", child_surname="Smith")
    live_server.store_answers(draft_id, answers, visited=live_server.form_sections(FORM))
    page.goto(f"{live_server.url}/drafts/{draft_id}/check")

    titles = [t.strip() for t in page.locator(".govuk-summary-card__title").all_inner_texts()]
    assert "The child or children" in titles and "Your concern" in titles
    children = [t for t in titles if t.startswith(("Leo Smith, ", "Mia Morgan, "))]
    assert len(children) == 2, titles
    assert "Child 1:" not in page.locator("main").inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    assert_no_axe_violations(page, "check answers as summary cards, 320px")
    if os.environ.get("FANLIGHT_E2E_SCREENSHOTS"):
        screenshot(page, "320-check-answers-cards")
