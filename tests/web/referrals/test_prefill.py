"""Pre-filled, not re-typed: a referrer's details come from their account, and a new referral
can start from an earlier one (the children, household and professionals, never the concern)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from fanlight.web import db, extensions
from fanlight.web.accounts.service import create_user
from fanlight.web.definitions import registry
from fanlight.web.definitions.catalogue import Catalogue
from fanlight.web.models import Draft
from tests.support.factories import (
    FORM,
    PASSWORD,
    User,
    complete_answers,
    csrf_from,
    database,
    draft_row,
    post_section,
    sign_in,
    start_draft,
    submitted_draft,
)

EARLIER_FIELDS = ("children", "household_members", "professionals")


def value_of(html: str, name: str) -> str | None:
    """The value an <input name=...> shows, or the option a <select> has selected."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    if tag:
        found = re.search(r'\bvalue="([^"]*)"', tag.group(0))
        return found.group(1) if found else None
    select = re.search(rf'<select[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    if select:
        chosen = re.search(r'<option value="([^"]*)"[^>]*\bselected\b', select.group(1))
        return chosen.group(1) if chosen else None
    return None


def section_page(client: Any, draft_id: str, section_id: str) -> tuple[str, int]:
    response = client.get(f"/drafts/{draft_id}/sections/{section_id}")
    return response.get_data(as_text=True), response.status_code


def school_teacher(app: Flask, email: str = "r.patel@demo-school.example") -> User:
    """A teacher at Demo Primary School (its definition: agency type 'school')."""
    with app.app_context():
        row = create_user(email, "Ruth Patel", "professional", PASSWORD, "Demo Primary School",
                          agency_id="demo-primary-school")
        db.session().commit()
        return User(row.id, row.email, "professional", row.agency, row.name, PASSWORD)


def start_again(client: Any, submission_id: str) -> Any:
    page = client.get(f"/submissions/{submission_id}")
    assert page.status_code == 200
    return client.post(f"/submissions/{submission_id}/start-again", data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def test_a_teacher_starts_a_referral_and_finds_their_details_filled_in_and_editable(app):
    teacher = school_teacher(app)
    client = app.test_client()
    sign_in(client, teacher)
    start = client.get(f"/forms/{FORM}").get_data(as_text=True)
    assert "are filled in from your account" in start

    draft_id = start_draft(client)

    assert draft_row(app, draft_id).answers == {
        "referrer_name": "Ruth Patel", "referrer_agency": "Demo Primary School", "agency_type": "school",
        "secure_email": "r.patel@demo-school.example",
    }
    html, status = section_page(client, draft_id, "about-you")
    assert status == 200
    assert value_of(html, "referrer_name") == "Ruth Patel"
    assert value_of(html, "secure_email") == "r.patel@demo-school.example"
    assert value_of(html, "referrer_agency") == "Demo Primary School"
    assert value_of(html, "agency_type") == "school"
    assert value_of(html, "referrer_phone") in (None, "")  # accounts hold no phone number

    # Editable like any answer: the person's own words replace what was filled in.
    response = post_section(client, draft_id, "about-you", {
        "referrer_name": "Ruth Patel-Jones", "referrer_role": "Designated safeguarding lead",
        "referrer_agency": "Demo Primary School (infants)", "agency_type": "school",
        "referrer_phone": "01905 765432", "secure_email": "dsl@demo-school.example",
        "relationship_to_child": "Class teacher", "info_first_hand": True,
    })
    assert response.status_code == 302
    answers = draft_row(app, draft_id).answers
    assert (answers["referrer_name"], answers["referrer_agency"], answers["secure_email"]) == (
        "Ruth Patel-Jones", "Demo Primary School (infants)", "dsl@demo-school.example")


def test_council_staff_with_no_agency_get_their_name_and_email_only(app, teacher_client, teacher):
    draft_id = start_draft(teacher_client)

    assert draft_row(app, draft_id).answers == {
        "referrer_name": "Sam Teacher", "referrer_agency": "Demo Primary School", "secure_email": teacher.email,
    }


def test_a_new_referral_from_an_earlier_one_copies_the_child_and_household_never_the_concern(app):
    teacher = school_teacher(app)
    client = app.test_client()
    sign_in(client, teacher)
    sent = complete_answers()
    _, submission_id = submitted_draft(app, client, sent)

    page = client.get(f"/submissions/{submission_id}").get_data(as_text=True)
    assert "Start a new referral from this one" in page
    assert f'action="/submissions/{submission_id}/start-again"' in page

    response = start_again(client, submission_id)

    assert response.status_code == 303
    new_id = re.match(r"^/drafts/([0-9a-f]{32})$", response.headers["Location"]).group(1)
    draft = draft_row(app, new_id)
    assert (draft.status, draft.form_id, draft.revision, draft.visited) == ("draft", FORM, 1, [])
    for field_id in EARLIER_FIELDS:
        assert draft.answers[field_id] == sent[field_id]
    for concern in ("concern_description", "categories", "primary_category", "consent", "accuracy_confirmed",
                    "impact_on_child", "immediate_danger", "referrer_phone", "referrer_role"):
        assert concern not in draft.answers
    assert draft.answers["referrer_name"] == "Ruth Patel"  # the account's, as for any new draft
    assert set(draft.answers) == {*EARLIER_FIELDS, "referrer_name", "referrer_agency", "agency_type", "secure_email"}

    html, status = section_page(client, new_id, "child-details")
    assert status == 200 and "Jordan" in html and "Mia" in html
    html, _ = section_page(client, new_id, "household")
    assert "Kelly Morgan" in html
    html, _ = section_page(client, new_id, "your-concern")
    assert sent["concern_description"][:40] not in html


def test_starting_again_needs_the_csrf_token(app, teacher_client):
    _, submission_id = submitted_draft(app, teacher_client)
    with database(app) as s:
        before = s.query(Draft).count()

    assert teacher_client.post(f"/submissions/{submission_id}/start-again").status_code == 400
    assert teacher_client.get(f"/submissions/{submission_id}/start-again").status_code == 405
    with database(app) as s:
        assert s.query(Draft).count() == before


def test_another_persons_referral_cannot_be_started_again_nor_is_it_said_to_exist(app, teacher_client):
    _, submission_id = submitted_draft(app, teacher_client)
    other = app.test_client()
    sign_in(other, school_teacher(app, "someone.else@demo-school.example"))
    token = csrf_from(other.get("/your-forms").get_data(as_text=True))
    with database(app) as s:
        before = s.query(Draft).count()

    assert other.post(f"/submissions/{submission_id}/start-again", data={"csrf_token": token}).status_code == 404
    assert other.post(f"/submissions/{'0' * 32}/start-again", data={"csrf_token": token}).status_code == 404
    with database(app) as s:
        assert s.query(Draft).count() == before


def publish(app: Flask, change: Any) -> Any:
    with app.app_context():
        s = db.session()
        texts = registry.texts_of(s, registry.live_id(s))
        path = "forms/cause-for-concern.yaml"
        texts[path] = change(texts[path])
        registry.publish_texts(s, texts, change_id=None, user_id=None, note="a newer version for a test")
        s.commit()
        catalogue: Catalogue = app.extensions[extensions.CATALOGUE]
        catalogue.refresh(s, force=True)
    return catalogue.current(FORM)


def version_two(text: str) -> str:
    """The GP question is gone, 'male' is no longer an option for sex, professionals are not copied."""
    gp = re.search(r"\n          - id: gp\n(?:            .*\n)+", text)
    assert gp is not None
    text = text.replace(gp.group(0), "\n", 1)
    male = "              - {value: 'male', label: 'Male'}\n"
    assert male in text
    text = text.replace(male, "", 1)
    marked = "        label: Other professionals working with the child or family\n        prefill: earlier_referral\n"
    assert marked in text
    return text.replace(marked, "        label: Other professionals working with the child or family\n", 1)


def test_a_question_gone_from_the_live_version_or_an_answer_it_refuses_is_skipped(app, teacher_client):
    sent = complete_answers()
    _, submission_id = submitted_draft(app, teacher_client, sent)
    two = publish(app, version_two)
    assert two.version == 2

    response = start_again(teacher_client, submission_id)

    assert response.status_code == 303
    draft = draft_row(app, response.headers["Location"].rsplit("/", 1)[1])
    assert draft.form_version == 2
    jordan, mia = draft.answers["children"]
    assert "gp" not in jordan and "gp" not in mia  # the question is gone
    assert "sex" not in jordan  # 'male' is no longer an option: the person answers again
    assert mia["sex"] == "female"
    assert {k: v for k, v in jordan.items()} == {
        k: v for k, v in sent["children"][0].items() if k not in ("gp", "sex")}
    assert draft.answers["household_members"] == sent["household_members"]
    assert "professionals" not in draft.answers  # version 2 no longer copies them
    html, status = section_page(teacher_client, draft.id, "child-details")
    assert status == 200 and "Jordan" in html


def test_the_button_is_not_offered_when_the_live_form_copies_nothing(app, teacher_client):
    _, submission_id = submitted_draft(app, teacher_client)
    publish(app, lambda text: text.replace("        prefill: earlier_referral\n", "").replace(
        "        prefill: earlier_referral   # \"Start a new referral from this one\" copies the children\n", ""))

    page = teacher_client.get(f"/submissions/{submission_id}").get_data(as_text=True)

    assert "Start a new referral from this one" not in page
