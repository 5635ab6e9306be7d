"""Warnings from rulesets in the referral journey (issue 13, item 1): shown after saving a section
(with JavaScript and without), listed on check answers with links to their questions, and a
warning the ruleset marks `acknowledge: true` ticked before the referral can be sent."""

from __future__ import annotations

import re

from fanlight.web.models import Draft, Submission
from tests.support.factories import (
    answers_for,
    compiled_form,
    complete_answers,
    count,
    csrf_from,
    database,
    draft_row,
    fill_draft,
    post_section,
    start_draft,
    submit,
)

YOUR_CONCERN = "your-concern"
ONE_LINE = "Jordan came to school hungry again today, saying there is no food at home."  # 74 characters
THIN = "Your description is short."
DSL = "Talk to your designated safeguarding lead"
TICK = "thin-concern-description"


def test_the_one_line_is_74_characters():
    assert len(ONE_LINE) == 74


def _concern(app, answers=None):
    return answers_for(compiled_form(app), YOUR_CONCERN, {**complete_answers(), **(answers or {})})


def test_a_one_line_description_saved_without_javascript_shows_the_warning_after_saving(app, teacher_client):
    draft_id = start_draft(teacher_client)

    saved = post_section(teacher_client, draft_id, YOUR_CONCERN, _concern(app, {"concern_description": ONE_LINE}))

    page = saved.get_data(as_text=True)
    assert saved.status_code == 200  # saved, and said here, beside the question: not an error
    assert draft_row(app, draft_id).answers["concern_description"] == ONE_LINE
    banner = re.search(r'<div class="govuk-notification-banner"[^>]*id="warnings".*?</ul>', page, re.S)
    assert banner, page[:3000]
    assert THIN in banner.group(0) and 'href="#concern_description"' in banner.group(0)
    assert THIN in page.split('id="section-fields"', 1)[1]  # and beside the answers
    assert '<input type="hidden" name="warned" value="thin-concern-description@concern_description">' in page
    assert "govuk-error-summary" not in page

    again = post_section(teacher_client, draft_id, YOUR_CONCERN, _concern(app, {"concern_description": ONE_LINE}),
                         extra=[("warned", "thin-concern-description@concern_description")])
    assert again.status_code == 302  # "Save and continue" again, with nothing new to say, carries on
    assert "/sections/" in again.headers["Location"] or "/check" in again.headers["Location"]


def test_a_long_enough_description_goes_straight_on(app, teacher_client):
    draft_id = start_draft(teacher_client)
    saved = post_section(teacher_client, draft_id, YOUR_CONCERN, _concern(app))
    assert saved.status_code == 302


def test_a_new_warning_after_one_was_shown_is_shown_too(app, teacher_client):
    draft_id = start_draft(teacher_client)
    saved = post_section(teacher_client, draft_id, YOUR_CONCERN,
                         _concern(app, {"concern_description": ONE_LINE, "impact_on_child": "He is tired all day."}),
                         extra=[("warned", "thin-concern-description@concern_description")])
    assert saved.status_code == 200
    assert "Say more about how the concern is affecting the child" in saved.get_data(as_text=True)


def test_with_javascript_the_warning_shows_while_typing(app, teacher_client):
    draft_id = start_draft(teacher_client)
    live = post_section(teacher_client, draft_id, YOUR_CONCERN, _concern(app, {"concern_description": ONE_LINE}),
                        live=True)
    assert live.status_code == 200
    assert THIN in live.get_data(as_text=True)


def _short_draft(app, client, **changes):
    draft_id = start_draft(client)
    fill_draft(app, draft_id, {**complete_answers(), "concern_description": ONE_LINE, **changes})
    return draft_id


def test_check_answers_lists_the_warnings_with_links_to_their_questions(app, teacher_client):
    draft_id = _short_draft(app, teacher_client)

    page = teacher_client.get(f"/drafts/{draft_id}/check").get_data(as_text=True)

    listed = re.search(r'id="to-check".*?</ul>', page, re.S)
    assert listed, page[:3000]
    assert THIN in listed.group(0)
    assert f'href="/drafts/{draft_id}/sections/{YOUR_CONCERN}?return=check#concern_description"' in listed.group(0)
    assert "What has happened, or what has changed, that makes you worried now?" in listed.group(0)
    assert re.search(r'<input[^>]*id="acknowledge-thin-concern-description"[^>]*name="acknowledge"[^>]*'
                     r'value="thin-concern-description"', page)
    assert "I have read this and want to send the referral with this description" in page


def test_sending_without_the_tick_is_refused_and_nothing_is_sent(app, teacher_client):
    draft_id = _short_draft(app, teacher_client)

    refused = submit(teacher_client, draft_id)

    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert summary and 'href="#acknowledge-thin-concern-description"' in summary.group(0), page[:3000]
    assert "<title>Error: " in page
    assert 'class="govuk-form-group govuk-form-group--error"' in page and 'id="acknowledge-error"' in page
    assert count(app, Submission) == 0
    assert draft_row(app, draft_id).status == "draft"


def test_sending_with_the_tick_sends_it_and_records_the_acknowledgement(app, teacher_client):
    draft_id = _short_draft(app, teacher_client)
    token = csrf_from(teacher_client.get(f"/drafts/{draft_id}/check").get_data(as_text=True))

    sent = teacher_client.post(f"/drafts/{draft_id}/submit", data={"csrf_token": token, "acknowledge": TICK})

    assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]
    with database(app) as s:
        submission = s.query(Submission).one()
        assert submission.evaluation["acknowledged"] == [TICK]
        assert [w["code"] for w in submission.evaluation["warnings"]] == [TICK]
        assert s.get(Draft, draft_id).status == "submitted"


def test_a_tick_for_something_else_is_not_the_tick(app, teacher_client):
    draft_id = _short_draft(app, teacher_client)
    token = csrf_from(teacher_client.get(f"/drafts/{draft_id}/check").get_data(as_text=True))
    refused = teacher_client.post(f"/drafts/{draft_id}/submit", data={"csrf_token": token, "acknowledge": "other"})
    assert refused.status_code == 422 and count(app, Submission) == 0


def test_a_warning_without_acknowledge_needs_no_tick(app, teacher_client):
    draft_id = start_draft(teacher_client)
    fill_draft(app, draft_id, {**complete_answers(), "discussed_with_dsl": False})

    page = teacher_client.get(f"/drafts/{draft_id}/check").get_data(as_text=True)
    assert DSL in page and 'name="acknowledge"' not in page

    sent = submit(teacher_client, draft_id)
    assert sent.status_code == 302
    with database(app) as s:
        evaluation = s.query(Submission).one().evaluation
        assert "acknowledged" not in evaluation
        assert [w["code"] for w in evaluation["warnings"]] == ["safeguarding-lead-not-consulted"]
