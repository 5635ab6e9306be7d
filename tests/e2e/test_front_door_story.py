"""The front door's story, in Chromium (issue 9): a teacher refers; an officer finds the referral in
the holding area, claims it, rates it red and asks for more information, with JavaScript off; a second
officer cannot take it; the teacher answers in the portal and amends a section; the officer decides
"child in need assessment" with reasons; the teacher has all three emails, and the timeline shows
every step with its time. Every page of the front door's is checked with axe on the way."""

from __future__ import annotations

import re
from typing import Any

from tests.support.mailbox import outbox

from .answers import missing_child_referral
from .conftest import PASSWORD, LiveServer, assert_no_axe_violations
from .driver import Referrer

FORM = "cause-for-concern"
QUESTION = "Does Jordan's mother know about this referral, and has she agreed to it?"
TIME = re.compile(r"at \d\d:\d\d")


def signed_in(context: Any, server: LiveServer, email: str) -> Any:
    page = context.new_page()
    page.goto(server.url + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    return page


def press(page: Any, text: str, where: str = "main button", *, axe: bool = True) -> None:
    """Click, wait for the page it leads to, and check that page with axe. (With JavaScript off axe
    cannot run: the page tours, test_accessibility.py, check the front door's pages with it on.)"""
    with page.expect_navigation():
        page.locator(where, has_text=text).first.click()
    if axe:
        assert_no_axe_violations(page)


def banner(page: Any) -> str:
    text: str = page.locator(".govuk-notification-banner").first.inner_text()
    return text


def test_a_referral_goes_through_the_front_door_and_the_teacher_is_kept_informed(
        page: Any, no_js_context: Any, browser: Any, live_server: LiveServer, new_user: Any) -> None:
    # A teacher refers (JavaScript on).
    email = new_user()
    teacher = Referrer(page, live_server.url)
    teacher.sign_in(email)
    teacher.start()
    teacher.complete(FORM, missing_child_referral())
    reference = teacher.send()

    # An officer finds it in the holding area, with JavaScript off.
    jo_email = live_server.create_user(f"jo-{email}", name="Jo Officer", role="front_door_officer")
    kim_email = live_server.create_user(f"kim-{email}", name="Kim Officer", role="front_door_officer")
    jo = signed_in(no_js_context, live_server, jo_email)
    assert jo.url.endswith("/front-door/")
    jo.goto(f"{live_server.url}/front-door/?q={reference}")
    rows = jo.locator("main table tbody tr")
    assert rows.count() == 1 and reference in rows.first.inner_text()
    press(jo, reference, "main table a", axe=False)
    referral_url = jo.url

    # A second officer has the page open too; Jo claims first, and Kim's claim is refused, saying who.
    other = browser.new_context(java_script_enabled=False, locale="en-GB", timezone_id="Europe/London")
    try:
        kim = signed_in(other, live_server, kim_email)
        kim.goto(referral_url)
        press(jo, "Claim", axe=False)
        assert f"You claimed {reference}" in banner(jo)
        press(kim, "Claim", axe=False)
        assert re.search(r"Jo Officer claimed this at \d\d:\d\d", banner(kim)), banner(kim)
        assert kim.locator("main button", has_text="Claim").count() == 0
    finally:
        other.close()

    # Jo rates it red, and asks the teacher for more information, letting them amend one section.
    jo.locator("#rag").check()  # the first rating: red
    jo.fill("#reason", "Missing overnight twice this term, with older boys")
    press(jo, "Save rating", axe=False)
    assert f"You rated {reference} red" in banner(jo)
    jo.fill("#question", QUESTION)
    jo.locator("input[name=sections][value=about-this-referral]").check()
    press(jo, "Send the request", axe=False)
    assert "They have been emailed" in banner(jo)
    assert "Awaiting information" in jo.locator("main").inner_text()

    # The teacher is emailed a link, sees the request on Your forms and answers it there.
    requested = outbox(live_server.app, email)[-1]
    assert requested.subject == f"Referral {reference}: the Family Front Door needs more information"
    assert QUESTION not in requested.body
    page.goto(live_server.url + "/your-forms")
    press(page, "Answer the request for more information", "main a")
    assert QUESTION in page.locator("main").inner_text()
    press(page, "Change", "main .govuk-summary-list a")
    page.locator("input[name=concern_level][value=additional_needs]").check()
    press(page, "Save changes", "main button.govuk-button")
    assert "Changed" in page.locator("main .govuk-summary-list").inner_text()
    page.fill("#reply", "His mother knows and agrees; she would welcome help.")
    press(page, "Send your answer")
    assert "Your answer has been sent" in banner(page)
    assert "You answered the request for more information, and amended 1 section" in page.locator("main").inner_text()

    # Back at the front door it is flagged; Jo decides on a child in need assessment, with reasons.
    jo.goto(referral_url)
    main = jo.locator("main").inner_text()
    assert "In triage: information received" in main and "His mother knows and agrees" in main
    assert "Additional needs" in main  # the amendment, shown beside what was sent
    press(jo, "Record the decision", "main a", axe=False)
    jo.locator("input[name=outcome][value=cin_s17]").check()
    jo.locator("input[name=level_applied][value='3']").check()
    jo.fill("#reasons", "Repeated missing episodes with older boys: risk of exploitation to assess.")
    jo.fill("#reason_for_referrer", "A social worker will assess Jordan's needs and will contact you.")
    jo.select_option("#primary_need", "N1")
    press(jo, "Record the decision", axe=False)
    assert f"You recorded the decision on {reference}" in banner(jo)

    # The timeline shows every step, each with its time.
    steps = jo.locator("main ol[reversed] li").all_inner_texts()
    expected = ["sent this", "Jo Officer claimed this", "Jo Officer rated this red",
                "Jo Officer asked for more information", "answered the request for more information",
                "Jo Officer decided this"]
    for words in expected:
        found = [s for s in steps if words in s]
        assert found, f"{words!r} is not in the timeline: {steps}"
        assert TIME.search(found[0]), f"{words!r} has no time: {found[0]}"

    # The teacher has the acknowledgement, the request and the outcome.
    subjects = [m.subject for m in outbox(live_server.app, email)]
    assert subjects == [f"Referral {reference} received",
                        f"Referral {reference}: the Family Front Door needs more information",
                        f"Referral {reference}: the Family Front Door's decision"]
    assert "Child in need assessment (section 17)" in outbox(live_server.app, email)[-1].body
