"""What was sent stays as it was sent, and a conflict never leads to a blind overwrite."""

from __future__ import annotations

import datetime
import re

from fanlight.web.models import Submission
from tests.support.factories import (
    csrf_from,
    database,
    post_section,
    revision_from,
    start_draft,
    submitted_draft,
)

TYPE_OF_CONCERN = "type-of-concern"


def test_a_printed_referral_shows_the_childs_age_on_the_day_it_was_sent(app, teacher_client):
    _, submission_id = submitted_draft(app, teacher_client)  # Jordan, born 14 March 2017
    with database(app) as s:
        s.get(Submission, submission_id).submitted_at = datetime.datetime(2019, 6, 1, 9, 30, tzinfo=datetime.UTC)
        s.commit()
    page = teacher_client.get(f"/submissions/{submission_id}/print").get_data(as_text=True)
    assert re.findall(r">Jordan Morgan, (\d+)</h3>", page) == ["2"]  # his card: 2 on 1 June 2019, not today's 9
    jordan = page.split(">Jordan Morgan, 2</h3>", 1)[1].split('<div class="govuk-summary-card">', 1)[0]
    ages = re.findall(r"age[^<]*</dt>\s*<dd[^>]*>\s*(\d+)", jordan, flags=re.IGNORECASE)
    assert ages == ["2"], ages


def test_after_a_two_tab_conflict_the_page_shows_the_saved_answers_not_the_unsaved_ones(app, teacher_client):
    draft_id = start_draft(teacher_client)
    first_tab = teacher_client.get(f"/drafts/{draft_id}/sections/{TYPE_OF_CONCERN}").get_data(as_text=True)
    stale_revision = revision_from(first_tab)
    saved = post_section(teacher_client, draft_id, TYPE_OF_CONCERN, {"categories": ["neglect"]}, action="later")
    assert saved.status_code == 302

    conflict = post_section(teacher_client, draft_id, TYPE_OF_CONCERN, {"categories": ["missing"]}, action="later",
                            revision=stale_revision, token=csrf_from(first_tab))
    page = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    assert "changed in another tab or window" in page
    assert revision_from(page) == stale_revision + 1  # the saved revision, shown with the saved answers
    assert re.search(r'value="neglect"\s+checked', page) or re.search(r'value="neglect"[^>]*checked', page)
    assert not re.search(r'value="missing"[^>]*checked', page)


def test_after_add_another_child_the_page_opens_at_the_new_childs_first_question(app, teacher_client):
    draft_id = start_draft(teacher_client)
    first = post_section(teacher_client, draft_id, "child-details", {}, action="add:children")
    assert first.status_code == 302 and first.headers["Location"].endswith("#children-0-child_forename")
    second = post_section(teacher_client, draft_id, "child-details", {"children": [{"child_forename": "Jordan"}]},
                          action="add:children")
    assert second.headers["Location"].endswith("#children-1-child_forename")
    removed = post_section(teacher_client, draft_id, "child-details", {"children": [{}, {}]},
                           action="remove:children:1")
    assert removed.headers["Location"].endswith("#children")


def test_once_errors_are_shown_live_updates_keep_them_up_to_date(app, teacher_client):
    draft_id = start_draft(teacher_client)
    failed = post_section(teacher_client, draft_id, TYPE_OF_CONCERN, {}, action="continue")
    assert failed.status_code == 422
    assert 'name="show_errors" value="1"' in failed.get_data(as_text=True)

    still_wrong = post_section(teacher_client, draft_id, TYPE_OF_CONCERN, {"categories": ["neglect"]}, live=True,
                               extra=[("show_errors", "1")])
    fragment = still_wrong.get_data(as_text=True)
    assert still_wrong.status_code == 200
    assert "govuk-error-message" in fragment and 'name="show_errors" value="1"' in fragment  # the main concern is still missing

    quiet = post_section(teacher_client, draft_id, TYPE_OF_CONCERN, {"categories": ["neglect"]}, live=True)
    assert "govuk-error-message" not in quiet.get_data(as_text=True)  # before a failed save, typing shows no errors
