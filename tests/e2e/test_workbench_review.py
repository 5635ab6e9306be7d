"""Reviewing a change in Chromium (issue 12, items 4 and 8).

A service lead rewords the "What is the concern about?" question and adds a page to the form. The
IT reviewer sees the semantic diff (a `label_changed`, and the new page as one `section_added`:
its question comes with it), every rule, indicator and condition that reads the reworded question
(to check they still fit the new words), and the drafts in progress on the live version apart
from those on an older one. The preview opens at the first page with a changed question, each
changed question tagged "Changed", in words a screen reader reads too. axe-core checks each page,
the change page on a 320 CSS-pixel screen too.

The server is this module's own (a fresh database), because the story publishes a version first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ASSETS, PASSWORD, REPO, LiveServer, _context, _serve, assert_no_axe_violations

FORM = "cause-for-concern"
CFC = "forms/cause-for-concern.yaml"
TEACHER = "teacher@demo-school.example"
LEAD, REVIEWER = "review-lead@council.example", "review-it@council.example"
OLD_LABEL = "label: What is the concern about?\n"
NEW_WORDING = "What are you worried about?"
NEW_PAGE = ("  - id: declaration\n", "  - id: anything-else\n    title: Anything else\n    fields:\n"
            "      - {id: anything_else, type: textarea, label: Is there anything else we should know?}\n"
            "  - id: declaration\n")
CONSENT = ("label: Have you asked the family for consent to this referral?\n",
           "label: Have you asked the family whether they agree to this referral?\n")


@pytest.fixture(scope="module")
def review_server(_env: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not ASSETS.exists():
        pytest.fail("the stylesheet is not built: run scripts/build-assets first", pytrace=False)
    yield from _serve(tmp_path_factory.mktemp("review"), REPO / "definitions")


def _in_service(server: LiveServer, act: Callable[[Any], Any]) -> Any:
    from fanlight.web import db

    with server.app.app_context():
        s = db.session()
        result = act(s)
        s.commit()
        s.close()
        return result


def _user(s: Any, email: str) -> Any:
    from sqlalchemy import select

    from fanlight.web.models import User

    return s.scalar(select(User).where(User.email == email))


def _start_drafts(server: LiveServer, count: int) -> int:
    """`count` of the teacher's referrals begun on the live version; returns that version."""
    from fanlight.web import extensions
    from fanlight.web.definitions import registry
    from fanlight.web.referrals import drafts

    def start(s: Any) -> int:
        catalogue = extensions.catalogue(server.app)
        catalogue.refresh(s, force=True)
        compiled = catalogue.current(FORM)
        for _ in range(count):
            drafts.new_draft(_user(s, TEACHER), compiled, registry.live_id(s))
        return int(compiled.version)

    found: int = _in_service(server, start)
    return found


def _change(server: LiveServer, *edits: tuple[str, str], publish: bool = False) -> int:
    """A change of the form, submitted for review (and approved and published, if asked)."""
    from fanlight.admin import workflow
    from fanlight.web.definitions import registry

    def make(s: Any) -> int:
        lead, reviewer = _user(s, LEAD), _user(s, REVIEWER)
        text = registry.texts_of(s, registry.live_id(s) or 0)[CFC]
        for old, new in edits:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        change = workflow.create(s, lead, "Clearer concern question", "Referrers ask what it means.")
        workflow.save_item(s, change, lead, CFC, text)
        workflow.submit(s, change, lead)
        if publish:
            workflow.approve(s, change, reviewer)
            workflow.publish(s, change, reviewer)
        return int(change.id)

    found: int = _in_service(server, make)
    return found


class Reviewer:
    """The IT reviewer signed in, in a browser context of its own; its pages must raise no JavaScript error."""

    def __init__(self, browser: Any, server: LiveServer, **viewport: int) -> None:
        self.context = _context(browser, viewport=viewport or {"width": 1024, "height": 800})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(server.url + "/sign-in")
        self.page.fill("#email", REVIEWER)
        self.page.fill("#password", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("main form button[type=submit]")
        assert self.page.url.endswith("/admin/"), self.page.url

    def text(self, selector: str) -> str:
        return " ".join(str(self.page.locator(selector).inner_text()).split())

    def close(self) -> None:
        self.context.close()
        assert not self.errors, f"JavaScript errors: {self.errors}"


@pytest.fixture(scope="module")
def story(review_server: LiveServer) -> dict[str, int]:
    """Two drafts on version 1; a published version 2; one draft on it; then the change in review."""
    review_server.create_user(LEAD, "Sam Lead", "service_lead")
    review_server.create_user(REVIEWER, "Ira Reviewer", "it_reviewer")
    older = _start_drafts(review_server, 2)
    _change(review_server, CONSENT, publish=True)
    live = _start_drafts(review_server, 1)
    assert live == older + 1
    change_id = _change(review_server, (OLD_LABEL, f"label: {NEW_WORDING}\n"), NEW_PAGE)
    return {"change": change_id, "live": live, "older": older}


def test_the_reviewer_sees_what_reads_the_changed_question_and_the_drafts_on_each_version(
        browser: Any, review_server: LiveServer, story: dict[str, int]) -> None:
    reviewer = Reviewer(browser, review_server)
    page = reviewer.page
    page.goto(f"{review_server.url}/admin/changes/{story['change']}")
    # The new page is one section_added: its question is not listed again as field_added.
    kinds = [" ".join(t.split()) for t in page.locator("tr.fanlight-diff-row .fanlight-diff-kind").all_inner_texts()]
    paths = [" ".join(t.split()) for t in page.locator("tr.fanlight-diff-row .fanlight-diff-path").all_inner_texts()]
    assert list(zip(kinds, paths, strict=True)) == [("label_changed", "type-of-concern/categories"),
                                                    ("section_added", "anything-else")]
    # A rewording: nothing reads the words, but the reviewer checks the rules and conditions still fit them.
    readers = page.locator("#impact-references tr.fanlight-reference-row")
    what = {" ".join(t.split()) for t in page.locator("#impact-references .fanlight-reference-kind").all_inner_texts()}
    assert what == {"Rule", "Indicator", "Condition"}, what
    assert reviewer.text("#impact-expressions") == f"Expressions that read a changed field: {readers.count()}."
    assert "categories" in reviewer.text("#impact-references")
    assert reviewer.text(f"#drafts-{FORM}") == (
        f"{FORM}: 1 on the live version (version {story['live']}); on older versions: 2 on version {story['older']}.")
    assert_no_axe_violations(page, "change in review, with what reads the changed question")
    reviewer.close()


def test_the_change_page_and_its_preview_read_at_320_pixels(browser: Any, review_server: LiveServer, story: dict[str, int]) -> None:
    reviewer = Reviewer(browser, review_server, width=320, height=640)
    reviewer.page.goto(f"{review_server.url}/admin/changes/{story['change']}")
    assert reviewer.page.locator("#impact-references").count() == 1
    assert_no_axe_violations(reviewer.page, "change in review, 320 px")
    with reviewer.page.expect_navigation():
        reviewer.page.get_by_role("link", name=f"Preview {FORM} with this change").click()
    assert reviewer.page.locator("#changed-categories .govuk-tag").is_visible()
    assert_no_axe_violations(reviewer.page, "preview at the changed question, 320 px")
    reviewer.close()


def test_the_preview_opens_at_the_first_changed_question_marked_as_changed(
        browser: Any, review_server: LiveServer, story: dict[str, int]) -> None:
    reviewer = Reviewer(browser, review_server)
    page = reviewer.page
    page.goto(f"{review_server.url}/admin/changes/{story['change']}")
    with page.expect_navigation():
        page.get_by_role("link", name=f"Preview {FORM} with this change").click()
    assert page.url.endswith(f"/preview/{FORM}#page-type-of-concern"), page.url
    # Opened at that page: its heading is at the top of the window, not somewhere below.
    top = page.evaluate("() => document.getElementById('page-type-of-concern').getBoundingClientRect().top")
    assert -5 < top < 200, top  # (a heading's margin may round it just above)
    tag = page.locator("#changed-categories .govuk-tag")
    assert tag.is_visible()
    # Seen as "Changed"; heard as what changed, from the visually hidden words a screen reader reads.
    assert re.sub(r"\s+", " ", str(tag.text_content())) == f"Changed in this change: {NEW_WORDING}"
    assert page.locator("#changed-categories .govuk-tag .govuk-visually-hidden").count() == 1
    assert NEW_WORDING in reviewer.text("#changed-categories")
    assert page.locator("#changed-anything_else .govuk-tag").count() == 1  # the added page's question too
    assert page.locator(".fanlight-changed-question").count() == 2
    assert_no_axe_violations(page, "preview at the changed question")
    reviewer.close()
