"""Sessions (QUALITY §3, §15): fixation, configured time limits, the timeout warning's server side,
and answers posted after a session ended being kept (JavaScript off)."""

from __future__ import annotations

import re

import pytest

from fanlight.web.models import HeldAnswers
from tests.support.factories import (
    audit_rows,
    count,
    csrf_from,
    csrf_token,
    draft_row,
    multidict,
    section_page,
    session_cookie,
    sign_in,
    signed_in_client,
    start_draft,
)


@pytest.fixture
def config(config):
    """A short idle limit, as the browser test of the timeout warning uses."""
    return {**config, "FANLIGHT_SESSION_IDLE_SECONDS": 60, "FANLIGHT_SESSION_WARNING_SECONDS": 30,
            "FANLIGHT_SESSION_ABSOLUTE_SECONDS": 600}


def test_a_cookie_planted_before_sign_in_is_not_signed_in_after_it(app, teacher):
    """Session fixation: whatever cookie the browser had before, signing in replaces it."""
    attacker = app.test_client()
    attacker.get("/sign-in")
    planted = session_cookie(attacker)
    victim = app.test_client()
    victim.set_cookie("session", planted)
    sign_in(victim, teacher)
    assert session_cookie(victim) != planted
    assert attacker.get("/your-forms").status_code == 302  # the planted cookie is still signed out


def test_the_idle_limit_is_configuration(app, teacher, clock):
    client = signed_in_client(app, teacher)
    clock.advance(59)
    assert client.get("/your-forms").status_code == 200
    clock.advance(61)
    response = client.get("/your-forms")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    page = client.get("/sign-in").get_data(as_text=True)
    assert "You were signed out because you had not done anything for 1 minute" in page


def test_the_absolute_limit_is_configuration(app, teacher, clock):
    client = signed_in_client(app, teacher)
    for _ in range(12):
        clock.advance(55)
        status = client.get("/your-forms").status_code
    assert status == 302
    assert "because you had been signed in for 10 minutes" in client.get("/sign-in").get_data(as_text=True)


def test_every_signed_in_page_carries_the_timeout_warning_with_the_configured_times(app, teacher_client):
    html = teacher_client.get("/your-forms").get_data(as_text=True)
    dialog = re.search(r"<dialog[^>]*data-fanlight-timeout[^>]*>", html)
    assert dialog is not None
    assert 'data-idle="60"' in dialog.group(0) and 'data-warning="30"' in dialog.group(0)
    assert 'data-keep-alive="/session/keep-alive"' in dialog.group(0)
    assert "/static/js/timeout-warning.mjs" in html
    assert "Stay signed in" in html
    assert "<dialog" not in app.test_client().get("/sign-in").get_data(as_text=True)


def test_staying_signed_in_restarts_the_idle_clock(app, teacher_client, clock):
    token = csrf_token(teacher_client)
    clock.advance(50)
    response = teacher_client.post("/session/keep-alive", headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 200
    assert response.get_json() == {"idle_seconds": 60, "warning_seconds": 30}
    clock.advance(50)  # 100 s after the page, 50 s after "Stay signed in"
    assert teacher_client.get("/your-forms").status_code == 200


def test_staying_signed_in_after_the_session_ended_is_a_401_not_a_redirect(app, teacher_client, clock):
    token = csrf_token(teacher_client)
    clock.advance(61)
    response = teacher_client.post("/session/keep-alive", headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 401


def test_keep_alive_needs_the_csrf_token(app, teacher_client):
    assert teacher_client.post("/session/keep-alive", headers={"Accept": "application/json"}).status_code == 400


def test_signing_out_when_the_warning_ran_out_says_why(app, teacher, teacher_client):
    response = teacher_client.post("/sign-out", data={"csrf_token": csrf_token(teacher_client), "reason": "timeout"})
    assert response.headers["Location"] == "/signed-out?reason=timeout"
    page = teacher_client.get("/signed-out?reason=timeout").get_data(as_text=True)
    assert "You have been signed out" in page and "We saved your answers" in page
    assert [(r.event, r.target) for r in audit_rows(app)][-1] == ("sign_out", "after the session timeout warning")


# Answers that arrive after the session ended (no JavaScript, so no warning) -----------------------------


def test_answers_posted_after_the_session_ended_are_saved_after_signing_in_again(app, teacher, teacher_client, clock):
    draft_id = start_draft(teacher_client)
    token, revision = section_page(teacher_client, draft_id, "about-this-referral")
    clock.advance(61)  # the person went to a meeting with the page open
    posted = {"csrf_token": token, "revision": str(revision), "_present": "immediate_danger",
              "immediate_danger": "no", "action": "continue"}
    response = teacher_client.post(f"/drafts/{draft_id}/sections/about-this-referral", data=posted)
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert "immediate_danger" not in draft_row(app, draft_id).answers  # not saved: nobody was signed in
    assert count(app, HeldAnswers) == 1
    page = teacher_client.get("/sign-in").get_data(as_text=True)
    assert "The answers you sent have not been saved yet, but they have not been lost" in page

    signed_in = sign_in(teacher_client, teacher)
    assert signed_in.headers["Location"] == "/held-answers"
    held = teacher_client.get("/held-answers").get_data(as_text=True)
    assert 'name="immediate_danger" value="no"' in held
    assert "Save my answers" in held
    # "Save my answers": a 307 to the section, where a browser sends the same form on. (The test
    # client cannot resend a body the first view has read, so the test sends it on itself.)
    saved = teacher_client.post("/held-answers", data=multidict(_form_of(held)))
    assert saved.status_code == 307 and saved.headers["Location"] == f"/drafts/{draft_id}/sections/about-this-referral"
    forwarded = teacher_client.post(saved.headers["Location"], data=multidict(_form_of(held)))
    assert forwarded.status_code == 422  # saved; "Save and continue" then lists what the section still needs
    assert draft_row(app, draft_id).answers["immediate_danger"] is False
    assert count(app, HeldAnswers) == 0
    assert teacher_client.get("/held-answers").headers["Location"] == "/your-forms"


def _form_of(html: str) -> list[tuple[str, str]]:
    form = html[html.index('action="/held-answers"'):]
    form = form[:form.index("</form>")]
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)


def test_held_answers_are_only_ever_offered_to_the_person_who_sent_them(app, teacher, teacher_client, user_factory,
                                                                        clock):
    draft_id = start_draft(teacher_client)
    token, revision = section_page(teacher_client, draft_id, "about-this-referral")
    clock.advance(61)
    teacher_client.post(f"/drafts/{draft_id}/sections/about-this-referral", data={
        "csrf_token": token, "revision": str(revision), "_present": "immediate_danger", "immediate_danger": "no"})
    assert count(app, HeldAnswers) == 1
    colleague = user_factory("professional")
    response = sign_in(teacher_client, colleague)  # someone else signs in on the shared computer
    assert response.headers["Location"] == "/your-forms"
    assert teacher_client.get("/held-answers").headers["Location"] == "/your-forms"
    assert count(app, HeldAnswers) == 0  # nobody can save them now: gone


def test_held_answers_can_be_discarded(app, teacher, teacher_client, clock):
    draft_id = start_draft(teacher_client)
    token, revision = section_page(teacher_client, draft_id, "about-this-referral")
    clock.advance(61)
    teacher_client.post(f"/drafts/{draft_id}/sections/about-this-referral", data={
        "csrf_token": token, "revision": str(revision), "_present": "immediate_danger", "immediate_danger": "no"})
    sign_in(teacher_client, teacher)
    held = teacher_client.get("/held-answers").get_data(as_text=True)
    response = teacher_client.post("/held-answers", data=multidict([*_form_of(held), ("fanlight-held", "discard")]))
    assert response.status_code == 302 and response.headers["Location"] == "/your-forms"
    assert count(app, HeldAnswers) == 0 and "immediate_danger" not in draft_row(app, draft_id).answers


def test_an_expired_session_posting_anything_else_holds_nothing(app, teacher_client, clock):
    draft_id = start_draft(teacher_client)
    page = teacher_client.get(f"/drafts/{draft_id}/check").get_data(as_text=True)
    clock.advance(61)
    response = teacher_client.post(f"/drafts/{draft_id}/submit", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    assert count(app, HeldAnswers) == 0


def test_a_forged_post_after_the_session_ended_holds_nothing(app, teacher_client, clock):
    draft_id = start_draft(teacher_client)
    clock.advance(61)
    response = teacher_client.post(f"/drafts/{draft_id}/sections/about-this-referral",
                                   data={"revision": "1", "_present": "immediate_danger", "immediate_danger": "no"})
    assert response.status_code == 400
    assert count(app, HeldAnswers) == 0
