"""A professional's journeys through the portal, told as their stories (DESIGN §3, §6)."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from fanlight.web import db, extensions
from fanlight.web.definitions import registry
from fanlight.web.definitions.catalogue import Catalogue
from fanlight.web.models import Draft, Submission, SubmissionEvent
from tests.support.factories import (
    FORM,
    REFERENCE,
    answers_for,
    compiled_form,
    complete_answers,
    count,
    csrf_from,
    database,
    draft_row,
    fill_draft,
    post_section,
    revision_from,
    scenarios,
    sign_in,
    start_draft,
    submit,
    submitted_draft,
)

TYPE_OF_CONCERN = "type-of-concern"


def from_account(user: Any) -> dict[str, Any]:
    """What a new draft starts with: the referrer's details from their account (prefill: account.*)."""
    return {"referrer_name": user.name, "referrer_agency": user.agency, "secure_email": user.email}


def statuses(html: str) -> dict[str, str]:
    """The task list as {section id: status text}."""
    found = re.findall(r'id="([a-z0-9-]+)-status">(.*?)</div>', html, re.S)
    return {sid: " ".join(re.sub(r"<[^>]+>", "", body).split()) for sid, body in found}


def walk_the_form(app: Flask, client: FlaskClient, draft_id: str, answers: dict[str, Any]) -> list[str]:
    """Fill every section the form leads to with `answers`, pressing "Save and continue" on each.

    Returns the sections visited, in order; stops when the form goes to "Check your answers".
    """
    compiled = compiled_form(app)
    section_id = compiled.form.sections[0].id
    visited = []
    for _ in range(len(compiled.form.sections)):
        visited.append(section_id)
        response = post_section(client, draft_id, section_id, answers_for(compiled, section_id, answers))
        assert response.status_code == 302, (section_id, response.get_data(as_text=True)[-3000:])
        location = response.headers["Location"]
        if location == f"/drafts/{draft_id}/check":
            return visited
        section_id = location.rsplit("/", 1)[1]
    raise AssertionError(f"the form never reached check answers: {visited}")


def test_a_teacher_starts_a_cause_for_concern_and_lands_on_its_first_section(app, teacher_client, teacher):
    forms = teacher_client.get("/your-forms")
    assert forms.status_code == 200
    assert 'href="/forms/cause-for-concern"' in forms.get_data(as_text=True)

    draft_id = start_draft(teacher_client)
    page = teacher_client.get(f"/drafts/{draft_id}/sections/about-this-referral")
    assert page.status_code == 200
    assert "Is the child in immediate danger right now?" in page.get_data(as_text=True)
    draft = draft_row(app, draft_id)
    assert (draft.owner_id, draft.form_id, draft.status, draft.answers, draft.revision) == (
        teacher.id, FORM, "draft", from_account(teacher), 1)  # their details filled in (prefill: account.*)

    tasks = statuses(teacher_client.get(f"/drafts/{draft_id}").get_data(as_text=True))
    assert tasks["about-this-referral"] == "Not started"
    assert "missing" not in tasks  # no category chosen yet: its section is not listed


def test_saving_a_section_keeps_its_answers_and_marks_it_completed(app, teacher_client, teacher):
    draft_id = start_draft(teacher_client)
    response = post_section(teacher_client, draft_id, TYPE_OF_CONCERN,
                            {"categories": ["neglect"], "primary_category": "neglect"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/drafts/{draft_id}/sections/neglect"
    draft = draft_row(app, draft_id)
    assert draft.answers == {**from_account(teacher), "categories": ["neglect"], "primary_category": "neglect"}
    assert draft.visited == [TYPE_OF_CONCERN]
    tasks = statuses(teacher_client.get(f"/drafts/{draft_id}").get_data(as_text=True))
    assert tasks[TYPE_OF_CONCERN] == "Completed"
    assert tasks["neglect"] == "Not started"


def test_the_missing_episode_section_appears_when_missing_is_ticked_and_goes_when_unticked(
        app, teacher_client):
    draft_id = start_draft(teacher_client)
    tasks = statuses(teacher_client.get(f"/drafts/{draft_id}").get_data(as_text=True))
    assert "missing" not in tasks

    response = post_section(teacher_client, draft_id, TYPE_OF_CONCERN,
                            {"categories": ["missing", "neglect"], "primary_category": "missing"})
    assert response.headers["Location"] == f"/drafts/{draft_id}/sections/missing"
    task_list = teacher_client.get(f"/drafts/{draft_id}").get_data(as_text=True)
    assert statuses(task_list)["missing"] == "Not started"
    assert f'href="/drafts/{draft_id}/sections/missing"' in task_list

    post_section(teacher_client, draft_id, TYPE_OF_CONCERN, {"categories": ["neglect"], "primary_category": "neglect"})
    task_list = teacher_client.get(f"/drafts/{draft_id}").get_data(as_text=True)
    assert "missing" not in statuses(task_list)
    assert f'href="/drafts/{draft_id}/sections/missing"' not in task_list


@pytest.mark.parametrize("scenario", range(len(scenarios())), ids=lambda i: f"scenario{i}")
def test_a_teacher_fills_every_section_checks_the_answers_and_sends_the_referral(app, teacher_client, scenario):
    answers = complete_answers(scenario)
    draft_id = start_draft(teacher_client)
    visited = walk_the_form(app, teacher_client, draft_id, answers)
    assert visited[0] == "about-this-referral" and visited[-1] == "declaration"
    assert "missing" not in visited  # not a category in either scenario: never asked

    check = teacher_client.get(f"/drafts/{draft_id}/check")
    assert check.status_code == 200
    html = check.get_data(as_text=True)
    for expected in (answers["referrer_name"], answers["children"][0]["child_forename"], answers["referrer_phone"],
                     "Accept and send"):
        assert expected in html
    tasks = statuses(teacher_client.get(f"/drafts/{draft_id}").get_data(as_text=True))
    assert {tasks[s] for s in visited} == {"Completed"}

    sent = submit(teacher_client, draft_id, csrf_from(html))
    assert sent.status_code == 302
    confirmation = teacher_client.get(sent.headers["Location"])
    assert confirmation.status_code == 200
    reference = REFERENCE.search(confirmation.get_data(as_text=True))
    assert reference is not None
    with database(app) as s:
        (submission,) = s.query(Submission).all()
        assert submission.reference == reference.group(0)
        assert submission.answers == _normalised(answers)
        assert submission.evaluation["complete"] is True
        assert [e.kind for e in s.query(SubmissionEvent)] == ["received"]  # the front door has it (triage)
        assert s.get(Draft, draft_id).status == "submitted"

    # The sent form is no longer editable: its pages lead to the confirmation.
    assert teacher_client.get(f"/drafts/{draft_id}/check").headers["Location"] == sent.headers["Location"]
    forms = teacher_client.get("/your-forms").get_data(as_text=True)
    assert reference.group(0) in forms
    assert "You have no forms in progress." in forms


def _normalised(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers as stored: a date and time as posted (to the minute) and kept in UTC."""
    return {k: (v[:16] + ":00Z" if k == "phone_call_datetime" else v) for k, v in answers.items()}


def test_a_referral_with_a_required_answer_missing_cannot_be_sent(app, teacher_client):
    answers = dict(complete_answers())
    del answers["referrer_phone"]
    draft_id = start_draft(teacher_client)
    fill_draft(app, draft_id, answers)
    response = submit(teacher_client, draft_id)
    assert response.status_code == 422
    assert "You cannot submit this form yet" in response.get_data(as_text=True)
    assert count(app, Submission) == 0
    assert draft_row(app, draft_id).status == "draft"


def test_save_and_come_back_later_then_resume_from_your_forms(app, teacher_client, teacher):
    draft_id = start_draft(teacher_client)
    response = post_section(teacher_client, draft_id, "about-this-referral",
                            {"immediate_danger": False, "concern_level": "complex_needs"}, action="later")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/your-forms?saved={draft_id}"

    forms = teacher_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your answers have been saved" in forms
    assert f'href="/drafts/{draft_id}/resume"' in forms

    # Later, in a new session on another day.
    teacher_client.delete_cookie("session")
    assert teacher_client.get(f"/drafts/{draft_id}/resume").status_code == 302  # to sign in
    sign_in(teacher_client, teacher)
    resumed = teacher_client.get(f"/drafts/{draft_id}/resume")
    assert resumed.headers["Location"] == f"/drafts/{draft_id}"
    tasks = statuses(teacher_client.get(f"/drafts/{draft_id}").get_data(as_text=True))
    assert tasks["about-this-referral"] == "In progress"
    section = teacher_client.get(f"/drafts/{draft_id}/sections/about-this-referral").get_data(as_text=True)
    assert re.search(r'value="complex_needs"[^>]* checked', section)


def test_answers_to_hidden_questions_are_dropped_from_the_stored_submission(app, teacher_client):
    complete = complete_answers()
    jordan = {**complete["children"][0], "child_views_sought": True, "child_views": "Asked at 9"}  # for 12 and over
    answers = {
        **complete,
        "children": [jordan, *complete["children"][1:]],
        "not_informed_reason": "risk_of_significant_harm_to_child",  # parents were informed: hidden
        "missing_from": "home",  # 'missing' is not a category: the whole section is hidden
        "dsl_name": "Anita Shah",
        "discussed_with_dsl": False,  # so the DSL's name is hidden too
    }
    draft_id, submission_id = submitted_draft(app, teacher_client, answers)
    body = teacher_client.get(f"/submissions/{submission_id}.json").get_json()
    for hidden in ("not_informed_reason", "missing_from", "dsl_name"):
        assert hidden not in body["answers"]
    with database(app) as s:
        submission = s.get(Submission, submission_id)
        assert not {"not_informed_reason", "missing_from", "dsl_name"} & set(submission.answers)
        assert submission.answers["discussed_with_dsl"] is False
        assert not {"child_views_sought", "child_views"} & set(submission.answers["children"][0])
        assert submission.answers["children"][0]["child_forename"] == "Jordan"
        assert s.get(Draft, draft_id).answers == {}  # no second copy kept on the draft


def test_the_print_view_case_note_and_json_of_a_sent_referral(app, teacher_client):
    _, submission_id = submitted_draft(app, teacher_client)
    with database(app) as s:
        reference = s.get(Submission, submission_id).reference

    printed = teacher_client.get(f"/submissions/{submission_id}/print")
    assert printed.status_code == 200
    html = printed.get_data(as_text=True)
    assert reference in html and "Jordan" in html and "Sarah Collins" in html
    cards = re.findall(r'<h(\d) class="govuk-summary-card__title">([^<]*)</h', html)
    assert ("2", "The child or children") in cards and "Child 1:" not in html  # a card per section
    assert [t.split(",")[0] for level, t in cards if level == "3" and t.startswith("Jordan")] == ["Jordan Morgan"]

    note = teacher_client.get(f"/submissions/{submission_id}/case-note.txt")
    assert note.status_code == 200
    assert note.mimetype == "text/plain"
    text = note.get_data(as_text=True)
    assert f"Reference: {reference}" in text
    assert "Jordan" in text and "Sarah Collins" in text and "01905 123456" in text
    assert "<" not in text

    data = teacher_client.get(f"/submissions/{submission_id}.json")
    assert data.status_code == 200 and data.mimetype == "application/json"
    body = json.loads(data.get_data(as_text=True))
    assert body["reference"] == reference
    assert body["form"] == FORM and body["version"] == compiled_form(app).version
    assert body["answers"]["referrer_name"] == "Sarah Collins"
    assert body["evaluation"]["complete"] is True
    assert body["evaluation"]["threshold"]["level"] == 3


# Versions -----------------------------------------------------------------------------------------


def publish_version_two(app: Flask, folder: Path) -> Any:
    """Publish version 2 of the form through the registry, as a reviewed change does."""
    del folder  # the registry holds every version; nothing is deployed
    with app.app_context():
        s = db.session()
        texts = registry.texts_of(s, registry.live_id(s))
        path = "forms/cause-for-concern.yaml"
        texts[path] = texts[path].replace("title: About this referral\n", "title: About this referral (version 2)\n", 1)
        registry.publish_texts(s, texts, change_id=None, user_id=None, note="version 2 for a test")
        s.commit()
        catalogue: Catalogue = app.extensions[extensions.CATALOGUE]
        catalogue.refresh(s, force=True)
    return catalogue.current(FORM)


def test_a_draft_stays_pinned_to_the_form_version_and_hash_it_started_on(app, teacher_client, tmp_path):
    one = compiled_form(app)
    draft_id = start_draft(teacher_client)
    fill_draft(app, draft_id, complete_answers())
    draft = draft_row(app, draft_id)
    assert (draft.form_version, draft.form_hash) == (one.version, one.form.content_hash)

    two = publish_version_two(app, tmp_path / "definitions")
    assert two.version == 2 and two.form.content_hash != one.form.content_hash

    page = teacher_client.get(f"/drafts/{draft_id}/sections/about-this-referral").get_data(as_text=True)
    assert "About this referral (version 2)" not in page
    newer = start_draft(teacher_client)
    assert draft_row(app, newer).form_version == 2
    assert "About this referral (version 2)" in teacher_client.get(
        f"/drafts/{newer}/sections/about-this-referral").get_data(as_text=True)

    sent = submit(teacher_client, draft_id)
    assert sent.status_code == 302
    with database(app) as s:
        submission = s.query(Submission).one()
        assert (submission.form_version, submission.form_hash) == (1, one.form.content_hash)
    assert teacher_client.get(f"/submissions/{submission.id}/print").status_code == 200


def test_a_draft_on_a_withdrawn_version_says_so_instead_of_failing(app, teacher_client):
    draft_id = start_draft(teacher_client)
    with database(app) as s:
        s.get(Draft, draft_id).publication_id = 999  # a publication this server no longer has
        s.commit()
    response = teacher_client.get(f"/drafts/{draft_id}/sections/about-this-referral")
    assert response.status_code == 410
    assert "no longer available" in response.get_data(as_text=True)


def test_the_section_page_carries_the_drafts_revision(app, teacher_client):
    draft_id = start_draft(teacher_client)
    page = teacher_client.get(f"/drafts/{draft_id}/sections/{TYPE_OF_CONCERN}").get_data(as_text=True)
    assert revision_from(page) == 1
    post_section(teacher_client, draft_id, TYPE_OF_CONCERN, {"categories": ["neglect"]}, action="later")
    page = teacher_client.get(f"/drafts/{draft_id}/sections/{TYPE_OF_CONCERN}").get_data(as_text=True)
    assert revision_from(page) == 2


def test_times_on_a_sent_referral_are_utc_whatever_the_database_servers_time_zone(app, teacher_client, clock):
    """A council's PostgreSQL often runs on Europe/London time; the case note says UTC, so it must be."""
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "postgresql":
        admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{url.database}" SET timezone TO \'Asia/Tokyo\''))
        extensions.db_engine(app).dispose()  # new connections take the database's setting
    try:
        before = clock.now().replace(second=0, microsecond=0)
        _, submission_id = submitted_draft(app, teacher_client)
        after = clock.now()
        note = teacher_client.get(f"/submissions/{submission_id}/case-note.txt").get_data(as_text=True)
        stamp = re.search(r"Submitted: (.+) UTC", note)
        assert stamp is not None
        sent = datetime.datetime.strptime(stamp.group(1), "%d %B %Y %H:%M").replace(tzinfo=datetime.UTC)
        assert before <= sent <= after, (stamp.group(1), before, after)
        when = datetime.datetime.fromisoformat(teacher_client.get(f"/submissions/{submission_id}.json")
                                               .get_json()["submitted_at"])
        assert when.utcoffset() == datetime.timedelta(0)
        assert before <= when <= after
    finally:
        if url.get_backend_name() == "postgresql":
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{url.database}" RESET timezone'))
            admin.dispose()


def test_a_teacher_adds_a_second_child_and_removes_the_first(app, teacher_client):
    draft_id = start_draft(teacher_client)
    first = {"children": [{"child_forename": "Jordan", "child_surname": "Morgan", "unborn": False}]}
    added = post_section(teacher_client, draft_id, "child-details", first, action="add:children")
    assert added.status_code == 302
    # the page opens at the new child's first question
    assert added.headers["Location"] == f"/drafts/{draft_id}/sections/child-details#children-1-child_forename"
    children = draft_row(app, draft_id).answers["children"]
    assert children == [{"child_forename": "Jordan", "child_surname": "Morgan", "unborn": False}, {}]
    page = teacher_client.get(f"/drafts/{draft_id}/sections/child-details").get_data(as_text=True)
    assert 'name="children-1-child_forename"' in page and 'value="remove:children:0"' in page

    both = {"children": [children[0], {"child_forename": "Mia", "child_surname": "Morgan"}]}
    removed = post_section(teacher_client, draft_id, "child-details", both, action="remove:children:0")
    assert removed.status_code == 302
    assert [c["child_forename"] for c in draft_row(app, draft_id).answers["children"]] == ["Mia"]


def test_changing_an_answer_from_check_answers_returns_to_check_answers(app, teacher_client):
    draft_id = start_draft(teacher_client)
    fill_draft(app, draft_id, complete_answers())
    check = teacher_client.get(f"/drafts/{draft_id}/check").get_data(as_text=True)
    change = f"/drafts/{draft_id}/sections/about-you?return=check"
    assert f'href="{change}"' in check
    response = post_section(teacher_client, draft_id, "about-you",
                            {**answers_for(compiled_form(app), "about-you", complete_answers()),
                             "referrer_phone": "07700 900111"}, query="?return=check")
    assert response.headers["Location"] == f"/drafts/{draft_id}/check"
    assert "07700 900111" in teacher_client.get(f"/drafts/{draft_id}/check").get_data(as_text=True)


def test_a_section_opened_from_an_error_on_check_answers_shows_its_errors(app, teacher_client):
    draft_id = start_draft(teacher_client)
    page = teacher_client.get(f"/drafts/{draft_id}/sections/about-this-referral?check=1").get_data(as_text=True)
    assert "govuk-error-summary" in page
    assert "Tell us whether the child is in immediate danger" in page
    plain = teacher_client.get(f"/drafts/{draft_id}/sections/about-this-referral").get_data(as_text=True)
    assert "Tell us whether the child is in immediate danger" not in plain
