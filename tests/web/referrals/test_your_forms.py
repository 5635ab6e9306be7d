"""Your forms tells a person's drafts apart (issue 13, item 4): each names the child or children
and the categories chosen, with progress (the task list's count) and when it was last saved; a
draft can be deleted, with its uploads, after a confirmation page."""

from __future__ import annotations

import datetime
import html as html_lib
import re
import time
from pathlib import Path
from typing import Any

import pytest

from fanlight.web import db
from fanlight.web.models import Attachment, Draft
from fanlight.web.referrals import drafts, start
from tests.support.factories import (
    complete_answers,
    count,
    csrf_from,
    csrf_token,
    signed_in_client,
    start_draft,
    submitted_draft,
    upload,
)

FIRST_THREE = ("immediate_danger", "concern_level", "request_type", "referrer_threshold_level", "discussed_with_dsl",
               "dsl_name", "checked_records", "parents_informed", "consent", "consent_scope")


def leo_and_baby() -> dict[str, Any]:
    """The first three sections answered in full: Leo Smith and an unborn baby; neglect and missing chosen."""
    complete = complete_answers()
    leo = {**complete["children"][0], "child_forename": "Leo", "child_surname": "Smith"}
    baby = {k: v for k, v in complete["children"][1].items() if k not in ("child_dob", "school_or_setting")}
    baby.update(child_forename="Unborn", child_surname="Smith", unborn=True, child_edd="2027-03-03")
    return {**{k: complete[k] for k in FIRST_THREE}, "children": [leo, baby], "categories": ["neglect", "missing"]}


AVA = {"children": [{"child_forename": "Ava", "child_surname": "Jones"}], "categories": ["domestic_abuse"]}
VISITED = ("about-this-referral", "consent-and-informing-the-family", "child-details")


def save(app, draft_id: str, answers: dict[str, Any], visited: tuple[str, ...] = (),
         at: datetime.datetime | None = None) -> None:
    """Save answers into a draft as its pages would, the sections in `visited` saved, last `at` then."""
    with app.test_request_context():
        draft = db.session().get(Draft, draft_id)
        assert draft is not None
        drafts.save_answers(draft, draft.revision, answers)
        for section_id in visited:
            drafts.save_answers(draft, draft.revision, {}, visited=section_id)
        if at is not None:
            draft.updated_at = at
            db.session().commit()
        db.session().close()


def rows(page: str) -> list[str]:
    """The text of each row of the "Forms in progress" table, tags dropped."""
    table = page.split("<caption class=\"govuk-table__caption govuk-visually-hidden\">Forms in progress</caption>")[1]
    body = table.split("</table>")[0].split("<tbody")[1].split(">", 1)[1]
    return [" ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", r)).split()) for r in body.split("</tr>")[:-1]]


def task_list_count(client, draft_id: str) -> str:
    page = client.get(f"/drafts/{draft_id}").get_data(as_text=True)
    found = re.search(r"You have completed (\d+ of \d+) sections", page)
    assert found, page[:500]
    return found.group(1)


@pytest.fixture
def two_drafts(app, teacher_client) -> tuple[str, str]:
    leo = start_draft(teacher_client)
    save(app, leo, leo_and_baby(), VISITED, at=datetime.datetime(2026, 11, 20, 15, 5, tzinfo=datetime.UTC))
    ava = start_draft(teacher_client)
    save(app, ava, AVA, at=datetime.datetime(2026, 11, 22, 9, 30, tzinfo=datetime.UTC))
    return leo, ava


def test_a_teacher_tells_two_drafts_about_different_children_apart(app, teacher_client, two_drafts):
    leo, ava = two_drafts
    page = teacher_client.get("/your-forms").get_data(as_text=True)

    newest, oldest = rows(page)  # the last saved first
    assert newest.startswith("Ava Jones")
    assert "Domestic abuse" in newest
    assert "22 November 2026 at 9:30am GMT" in newest  # the front door's time, with its zone
    assert oldest.startswith("Leo Smith and unborn baby (due 3 March 2027)")
    assert "Missing from home, care or school, Neglect" in oldest  # the live form's labels, in its order
    assert "20 November 2026 at 3:05pm GMT" in oldest
    # Progress is the task list's own count: sections not needed are not counted.
    assert f"{task_list_count(teacher_client, leo)} sections" in oldest
    assert f"{task_list_count(teacher_client, ava)} sections" in newest
    assert re.search(r"\b3 of \d+ sections", oldest), oldest  # the three sections it saved
    assert re.search(r"\b0 of \d+ sections", newest)
    # Each link names the draft: its children, its form, when it was last saved.
    assert (f'href="/drafts/{ava}/resume">Ava Jones<span class="govuk-visually-hidden">, cause for concern, last saved '
            "22 November 2026 at 9:30am GMT</span></a>") in page
    assert (f'href="/drafts/{leo}/delete">Delete<span class="govuk-visually-hidden"> cause for concern about Leo '
            "Smith and unborn baby (due 3 March 2027), last saved 20 November 2026 at 3:05pm GMT</span>") in page


def test_a_new_draft_names_no_child_yet(app, teacher_client):
    start_draft(teacher_client)
    (row,) = rows(teacher_client.get("/your-forms").get_data(as_text=True))
    assert row.startswith("No child named yet")
    assert "None chosen yet" in row


def test_summer_times_are_british_summer_time(app):
    with app.test_request_context():
        assert start.saved_at(datetime.datetime(2026, 7, 1, 11, 5, tzinfo=datetime.UTC)) == "1 July 2026 at 12:05pm BST"


@pytest.mark.parametrize(("children", "said"), [
    (None, "No child named yet"),
    ([], "No child named yet"),
    ([{}, {"child_forename": "  "}], "No child named yet"),
    ("Leo", "No child named yet"),
    ([{"child_forename": "Leo"}], "Leo"),
    ([{"unborn": True}], "Unborn baby"),
    ([{"unborn": True, "child_edd": "not a date"}], "Unborn baby"),
    ([{"child_surname": "Smith"}, {"child_forename": "Mia", "child_surname": "Smith"}], "Smith and Mia Smith"),
    ([{"child_forename": n} for n in "ABCDEF"], "A, B, C and 3 more children"),
    ([{"child_forename": n} for n in "ABCD"], "A, B, C and D"),
])
def test_children_are_named_as_far_as_the_answers_go(children, said):
    assert start.children_named(children) == said


def test_names_are_escaped(app, teacher_client):
    draft_id = start_draft(teacher_client)
    save(app, draft_id, {"children": [{"child_forename": "<script>alert(1)</script>"}]})
    page = teacher_client.get("/your-forms").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# Deleting ----------------------------------------------------------------------------------------


def test_deleting_one_of_two_asks_first_then_removes_it_and_its_uploads(app, teacher_client, two_drafts, uploads):
    leo, ava = two_drafts
    assert upload(teacher_client, leo).status_code == 302
    assert count(app, Attachment) == 1 and any(p.is_file() for p in Path(uploads).rglob("*"))

    confirmation = teacher_client.get(f"/drafts/{leo}/delete")
    assert confirmation.status_code == 200
    html = confirmation.get_data(as_text=True)
    assert "Are you sure you want to delete this draft?" in html and "(1 file)" in html
    assert "Leo Smith and unborn baby (due 3 March 2027)" in html  # says which draft it is
    response = teacher_client.post(f"/drafts/{leo}/delete", data={"csrf_token": csrf_from(html)})

    assert response.status_code == 302 and response.headers["Location"] == "/your-forms"
    page = teacher_client.get("/your-forms").get_data(as_text=True)
    assert "has been deleted" in page
    (left,) = rows(page)
    assert left.startswith("Ava Jones")
    assert count(app, Draft) == 1 and count(app, Attachment) == 0
    assert not any(p.is_file() for p in Path(uploads).rglob("*"))


def test_someone_elses_draft_cannot_be_deleted(app, user_factory, two_drafts):
    leo, _ = two_drafts
    other = signed_in_client(app, user_factory("professional"))
    assert other.get(f"/drafts/{leo}/delete").status_code == 404
    assert other.post(f"/drafts/{leo}/delete", data={"csrf_token": csrf_token(other)}).status_code == 404
    assert "Leo Smith" not in other.get("/your-forms").get_data(as_text=True)
    assert count(app, Draft) == 2


def test_deleting_needs_a_csrf_token(app, teacher_client, two_drafts):
    leo, _ = two_drafts
    assert teacher_client.post(f"/drafts/{leo}/delete").status_code == 400
    assert teacher_client.post(f"/drafts/{leo}/delete", data={"csrf_token": "forged"}).status_code == 400
    assert count(app, Draft) == 2


# Sent forms --------------------------------------------------------------------------------------


def test_a_sent_referral_can_be_started_again_from_your_forms(app, teacher_client):
    _, submission_id = submitted_draft(app, teacher_client)
    page = teacher_client.get("/your-forms").get_data(as_text=True)
    action = f'action="/submissions/{submission_id}/start-again"'
    assert action in page and "Start a new referral from this one" in page

    response = teacher_client.post(f"/submissions/{submission_id}/start-again", data={"csrf_token": csrf_from(page)})

    assert response.status_code == 303
    (row,) = rows(teacher_client.get("/your-forms").get_data(as_text=True))
    expected = start.children_named(complete_answers()["children"])
    assert row.startswith(expected) and expected != start.NO_CHILD  # the children were copied


# Cost --------------------------------------------------------------------------------------------


def test_fifty_full_drafts_cost_little_to_list(app, config, teacher, teacher_client):
    """A person may hold 50 drafts (FANLIGHT_DRAFTS_PER_PERSON): each is evaluated for its progress."""
    answers = complete_answers()
    for _ in range(50):
        save(app, start_draft(teacher_client), answers)
    teacher_client.get("/your-forms")  # warm
    started = time.perf_counter()
    page = teacher_client.get("/your-forms").get_data(as_text=True)
    took = time.perf_counter() - started
    assert len(rows(page)) == 50
    print(f"Your forms with 50 full drafts: {took * 1000:.0f} ms")
    assert took < 2.0, took
