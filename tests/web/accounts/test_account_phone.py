"""A person gives their work phone number once, on their account page, and every referral they start
begins with it (issue 13, item 6: `prefill: account.phone`)."""

from __future__ import annotations

from fanlight.web.models import User
from tests.support.factories import audit_rows, csrf_token, database, draft_row, start_draft


def phone_of(app, user_id: int) -> str:
    with database(app) as s:
        found = s.get(User, user_id)
        assert found is not None
        return found.phone


def test_a_teacher_saves_their_phone_number_and_their_next_referral_starts_with_it(app, teacher, teacher_client):
    token = csrf_token(teacher_client, "/account")
    response = teacher_client.post("/account/phone", data={"csrf_token": token, "phone": " 01632  960 001 "})
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    assert phone_of(app, teacher.id) == "01632 960 001"
    assert "Your phone number is saved" in teacher_client.get("/account").get_data(as_text=True)
    assert [r.event for r in audit_rows(app, "phone_changed")] == ["phone_changed"]
    draft_id = start_draft(teacher_client)
    assert draft_row(app, draft_id).answers["referrer_phone"] == "01632 960 001"


def test_without_a_phone_number_the_question_starts_empty(app, teacher_client):
    draft_id = start_draft(teacher_client)
    assert "referrer_phone" not in draft_row(app, draft_id).answers


def test_a_phone_number_that_is_not_one_is_refused_with_the_reason_and_nothing_saved(app, teacher, teacher_client):
    token = csrf_token(teacher_client, "/account")
    response = teacher_client.post("/account/phone", data={"csrf_token": token, "phone": "call me <b>maybe</b>"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Error: Your account" in page and "Enter a phone number using digits" in page
    assert phone_of(app, teacher.id) == ""


def test_saving_a_phone_number_needs_the_pages_own_token(app, teacher, teacher_client):
    response = teacher_client.post("/account/phone", data={"phone": "01632 960 001"})
    assert response.status_code == 400
    assert phone_of(app, teacher.id) == ""
