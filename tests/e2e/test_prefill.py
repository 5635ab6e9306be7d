"""Pre-filled, not re-typed: a teacher finds their own details filled in, and refers the same
child again starting from the earlier referral (the children and household, not the concern)."""

from __future__ import annotations

from typing import Any

from .answers import missing_child_referral
from .conftest import LiveServer, assert_no_axe_violations
from .driver import REFERENCE, SECTION_URL, Referrer

FORM = "cause-for-concern"
ABOUT_YOU = ("referrer_name", "referrer_role", "referrer_agency", "agency_type", "referrer_phone", "secure_email",
             "relationship_to_child", "info_first_hand", "info_source")


def value(page: Any, selector: str) -> str:
    found: str = page.locator(selector).input_value()
    return found


def test_a_teacher_finds_their_details_filled_in_and_refers_the_same_child_again(
        page: Any, live_server: LiveServer, new_user: Any) -> None:
    email = new_user()
    teacher = Referrer(page, live_server.url)
    teacher.sign_in(email)
    draft_id = teacher.start()

    # Their name, email and school come from their account, and can be changed like any answer.
    page.goto(f"{live_server.url}/drafts/{draft_id}/sections/about-you")
    assert value(page, "#referrer_name") == "Test Teacher"
    assert value(page, "#secure_email") == email
    assert value(page, "#referrer_agency") == "Demo Primary School"
    assert value(page, "#agency_type") == "school"
    assert value(page, "#referrer_phone") == ""  # accounts hold no phone number
    answers = missing_child_referral()
    teacher.type_into("#referrer_name", "Test Teacher-Jones")
    teacher.answer_section(FORM, {k: v for k, v in answers.items() if k in ABOUT_YOU and k != "referrer_name"})
    teacher.save_and_continue()
    assert teacher.where()[1] != "about-you", teacher.errors()

    # The rest is stored (typing it is the journeys' job), then checked and sent.
    rest = {k: v for k, v in answers.items() if k not in ABOUT_YOU}
    live_server.store_answers(draft_id, rest, visited=live_server.form_sections(FORM))
    page.goto(f"{live_server.url}/drafts/{draft_id}/check")
    assert "Test Teacher-Jones" in page.locator("main").inner_text()
    reference = teacher.send()
    assert REFERENCE.match(reference)

    # The confirmation offers a new referral from this one, and says what it copies.
    button = page.locator("#start-again")
    assert button.inner_text().strip() == "Start a new referral from this one"
    main = page.locator("main").inner_text()
    assert "Children" in main and "People in the child's life" in main
    assert_no_axe_violations(page, "confirmation, with Start a new referral from this one")

    teacher.press("#start-again")
    page.wait_for_url("**/drafts/*")
    new_id = page.url.rstrip("/").rsplit("/", 1)[1]
    assert new_id != draft_id
    assert_no_axe_violations(page, "the task list of a referral started from an earlier one")

    page.goto(f"{live_server.url}/drafts/{new_id}/sections/child-details")
    assert SECTION_URL.search(page.url)
    assert value(page, "#children-0-child_forename") == answers["children"][0]["child_forename"]
    assert value(page, "#children-0-child_surname") == answers["children"][0]["child_surname"]
    page.goto(f"{live_server.url}/drafts/{new_id}/sections/household")
    assert value(page, "#household_members-0-member_name") == answers["household_members"][0]["member_name"]
    page.goto(f"{live_server.url}/drafts/{new_id}/sections/about-you")
    assert value(page, "#referrer_name") == "Test Teacher"  # from the account again, not the earlier form
    page.goto(f"{live_server.url}/drafts/{new_id}/sections/your-concern")
    assert value(page, "#concern_description") == ""  # the concern is never copied
    page.goto(f"{live_server.url}/drafts/{new_id}/sections/type-of-concern")
    assert page.locator("input[name=categories]:checked").count() == 0


def test_with_javascript_off_the_details_are_filled_in_and_a_referral_starts_from_an_earlier_one(
        no_js_page: Any, live_server: LiveServer, new_user: Any) -> None:
    page = no_js_page
    email = new_user()
    teacher = Referrer(page, live_server.url, js=False)
    teacher.sign_in(email)
    draft_id = teacher.start()
    page.goto(f"{live_server.url}/drafts/{draft_id}/sections/about-you")
    assert (value(page, "#referrer_name"), value(page, "#secure_email")) == ("Test Teacher", email)

    answers = missing_child_referral()
    live_server.store_answers(draft_id, answers, visited=live_server.form_sections(FORM))
    page.goto(f"{live_server.url}/drafts/{draft_id}/check")
    teacher.send()
    teacher.press("#start-again")
    page.wait_for_url("**/drafts/*")
    new_id = page.url.rstrip("/").rsplit("/", 1)[1]
    page.goto(f"{live_server.url}/drafts/{new_id}/sections/child-details")
    assert value(page, "#children-0-child_forename") == answers["children"][0]["child_forename"]
    page.goto(f"{live_server.url}/drafts/{new_id}/sections/your-concern")
    assert value(page, "#concern_description") == ""
