"""The task list reads true (issue 13, item 3): it lists the sections the answers so far need (a
category's section once the category is chosen), a section whose every question is answered is
completed, and "You have completed X of Y sections" counts what it lists."""

from __future__ import annotations

import re

from fanlight.web import db
from fanlight.web.models import Draft
from fanlight.web.referrals import drafts
from tests.support.factories import answers_for, compiled_form, complete_answers, post_section, start_draft
from tests.web.referrals.test_journeys import TYPE_OF_CONCERN, statuses


def progress(html: str) -> tuple[int, int]:
    found = re.search(r"You have completed (\d+) of (\d+) sections", html)
    assert found is not None
    return int(found[1]), int(found[2])


def test_before_any_category_is_chosen_no_category_section_is_listed_and_the_count_agrees(app, teacher_client):
    draft_id = start_draft(teacher_client)
    html = teacher_client.get(f"/drafts/{draft_id}").get_data(as_text=True)
    tasks = statuses(html)
    assert "Not needed" not in html
    assert not {"neglect", "missing", "domestic-abuse"} & set(tasks)
    assert progress(html) == (0, len(tasks))


def test_a_chosen_category_brings_its_section_and_the_count_follows(app, teacher_client):
    draft_id = start_draft(teacher_client)
    before = progress(teacher_client.get(f"/drafts/{draft_id}").get_data(as_text=True))
    post_section(teacher_client, draft_id, TYPE_OF_CONCERN, {"categories": ["neglect"], "primary_category": "neglect"})
    html = teacher_client.get(f"/drafts/{draft_id}").get_data(as_text=True)
    assert statuses(html)["neglect"] == "Not started"
    assert progress(html) == (before[0] + 1, before[1] + 1)  # its own section completed, and one more listed


def test_a_section_whose_every_question_is_answered_is_completed_without_being_saved_from_its_page(
        app, teacher_client):
    draft_id = start_draft(teacher_client)
    about_you = answers_for(compiled_form(app), "about-you", complete_answers())
    with app.test_request_context():
        draft = db.session().get(Draft, draft_id)
        drafts.save_answers(draft, draft.revision, dict(about_you))  # not visited: answered another way
        db.session().close()
    tasks = statuses(teacher_client.get(f"/drafts/{draft_id}").get_data(as_text=True))
    assert tasks["about-you"] == "Completed"


def test_a_section_answered_in_part_is_in_progress(app, teacher_client):
    draft_id = start_draft(teacher_client)
    with app.test_request_context():
        draft = db.session().get(Draft, draft_id)
        drafts.save_answers(draft, draft.revision, {"referrer_role": "Class teacher"})
        db.session().close()
    tasks = statuses(teacher_client.get(f"/drafts/{draft_id}").get_data(as_text=True))
    assert tasks["about-you"] == "In progress"
