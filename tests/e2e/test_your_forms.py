"""Drafts you can tell apart (issue 13, item 4): a teacher with two drafts about different children
sees each named by its children and categories, with progress and when it was last saved, and
deletes one (with the file uploaded to it) after a confirmation page; with JavaScript on and off,
no axe violations, nothing scrolling sideways at 320 px."""

from __future__ import annotations

import re
from typing import Any

from fanlight.web import extensions

from .answers import missing_child_referral
from .conftest import LiveServer, assert_no_axe_violations
from .driver import Referrer
from .tour import PNG

FORM = "cause-for-concern"
FIRST_THREE = ("about-this-referral", "consent-and-informing-the-family", "child-details")
SAVED = re.compile(r"\d{1,2} [A-Z][a-z]+ \d{4} at \d{1,2}:\d\d[ap]m (GMT|BST|UTC)")


def section_fields(server: LiveServer, *section_ids: str) -> set[str]:
    compiled = server.app.extensions[extensions.CATALOGUE].current(FORM)
    return {f.id for s in compiled.form.sections if s.id in section_ids for f in s.fields}


def attachments_of(server: LiveServer, draft_id: str) -> int:
    from sqlalchemy import func, select

    from fanlight.web import db
    from fanlight.web.models import Attachment

    with server.app.app_context():
        return int(db.session().scalar(select(func.count()).select_from(Attachment)
                                       .where(Attachment.draft_id == draft_id)) or 0)


def two_drafts(page: Any, server: LiveServer) -> tuple[str, str]:
    """Leo Smith and an unborn baby (three sections done; neglect and missing), then Ava Jones."""
    complete = missing_child_referral(people=2)
    leo = {**complete["children"][0], "child_forename": "Leo", "child_surname": "Smith"}
    baby = {k: v for k, v in complete["children"][1].items() if k not in ("child_dob", "school_or_setting")}
    baby.update(child_forename="Unborn", child_surname="Smith", unborn=True, child_edd="2099-03-03")
    first = {k: v for k, v in complete.items() if k in section_fields(server, *FIRST_THREE)}
    ids = []
    for answers, visited in (({**first, "children": [leo, baby], "categories": ["neglect", "missing"]}, FIRST_THREE),
                             ({"children": [{"child_forename": "Ava", "child_surname": "Jones"}],
                               "categories": ["domestic_abuse"]}, ())):
        page.goto(f"{server.url}/forms/{FORM}")
        with page.expect_navigation():
            page.locator("button.govuk-button--start").click()
        draft_id = Referrer(page, server.url).where()[0]
        server.store_answers(draft_id, answers, visited=list(visited))
        ids.append(draft_id)
    return ids[0], ids[1]


def rows(page: Any) -> list[str]:
    table = page.locator("table", has=page.locator("caption", has_text="Forms in progress"))
    return [" ".join(t.split()) for t in table.locator("tbody tr").all_inner_texts()]


def tells_them_apart_and_deletes_one(page: Any, server: LiveServer, email: str, *, js: bool) -> None:
    teacher = Referrer(page, server.url, js=js)

    def axe(where: str) -> None:  # axe needs JavaScript: the same pages are checked with it on
        if js:
            assert_no_axe_violations(page, where)

    teacher.sign_in(email)
    leo, ava = two_drafts(page, server)
    page.goto(f"{server.url}/drafts/{leo}/sections/documents")
    page.set_input_files("#attachments", files=[{"name": "chronology.png", "mimeType": "image/png", "buffer": PNG}])
    with page.expect_navigation():
        page.locator("button", has_text="Upload file").click()
    assert page.locator(".fanlight-files").count() == 1, "the upload did not work"
    page.goto(f"{server.url}/drafts/{leo}")
    done = re.search(r"You have completed (\d+ of \d+) sections", page.locator("main").inner_text())
    assert done and done.group(1).startswith("4 of "), done  # three sections, and the one the file went into

    page.goto(f"{server.url}/your-forms")
    newest, oldest = rows(page)  # the upload saved Leo's last
    assert oldest.startswith("Ava Jones") and "Domestic abuse" in oldest and "0 of " in oldest
    assert newest.startswith("Leo Smith and unborn baby (due 3 March 2099)")
    assert "Missing from home, care or school, Neglect" in newest
    assert f"{done.group(1)} sections" in newest  # the task list's count
    assert SAVED.search(newest) and SAVED.search(oldest)
    axe("your forms with two drafts")

    page.get_by_role("link", name=re.compile(r"^Delete cause for concern about Leo Smith")).click()
    page.wait_for_url(f"**/drafts/{leo}/delete")
    main = page.locator("main").inner_text()
    assert "Are you sure you want to delete this draft?" in main and "(1 file)" in main
    assert "Leo Smith and unborn baby" in main
    axe("delete a draft")
    with page.expect_navigation():
        page.get_by_role("button", name="Yes, delete this draft").click()

    assert page.url.endswith("/your-forms")
    assert "has been deleted, with any files you uploaded to it" in page.locator(".govuk-notification-banner").inner_text()
    (left,) = rows(page)
    assert left.startswith("Ava Jones")
    axe("your forms after deleting a draft")
    page.get_by_role("link", name=re.compile(r"^Ava Jones\s*, cause for concern, last saved ")).click()
    page.wait_for_url(f"**/drafts/{ava}**")
    assert attachments_of(server, leo) == 0


def test_a_teacher_tells_two_drafts_apart_and_deletes_one(page: Any, live_server: LiveServer, new_user: Any) -> None:
    tells_them_apart_and_deletes_one(page, live_server, new_user(), js=True)


def test_a_teacher_deletes_a_draft_with_javascript_off(no_js_page: Any, live_server: LiveServer, new_user: Any) -> None:
    tells_them_apart_and_deletes_one(no_js_page, live_server, new_user(), js=False)


def test_your_forms_fits_a_320px_screen(narrow_context: Any, live_server: LiveServer, new_user: Any) -> None:
    page = narrow_context.new_page()
    Referrer(page, live_server.url).sign_in(new_user())
    two_drafts(page, live_server)
    page.goto(f"{live_server.url}/your-forms")
    assert len(rows(page)) == 2
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    assert_no_axe_violations(page, "your forms at 320px")
