"""Issue 13, item 2: no answer is lost when a session ends for any reason. A session ended by a
sign-in on another device, a sign-out elsewhere or a new password keeps what it posts, as an idle
timeout does, for the same person to save after signing in again on the same browser; a forged
post never holds anything; after signing in, a person comes back to the page they were on."""

from __future__ import annotations

import dataclasses
import re

import pytest

from fanlight.web import db
from fanlight.web.accounts import service
from fanlight.web.models import HeldAnswers, User
from fanlight.web.security import same_site_path
from tests.support.factories import (
    count,
    csrf_token,
    draft_row,
    multidict,
    section_page,
    sign_in,
    signed_in_client,
    start_draft,
)

SECTION = "about-this-referral"


def _posted(token: str, revision: int, **extra: str) -> dict[str, str]:
    return {"csrf_token": token, "revision": str(revision), "_present": "immediate_danger",
            "immediate_danger": "no", "action": "continue", **extra}


def _held_form(html: str) -> list[tuple[str, str]]:
    form = html[html.index('action="/held-answers"'):]
    form = form[:form.index("</form>")]
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)


def _restore(app, client, teacher, draft_id: str) -> None:
    """Sign in again on the same browser and save the held answers, as the person would."""
    signed_in = sign_in(client, teacher)
    assert signed_in.headers["Location"] == "/held-answers"
    held = client.get("/held-answers").get_data(as_text=True)
    assert 'name="immediate_danger" value="no"' in held
    saved = client.post("/held-answers", data=multidict(_held_form(held)))
    assert saved.status_code == 307 and saved.headers["Location"] == f"/drafts/{draft_id}/sections/{SECTION}"
    forwarded = client.post(saved.headers["Location"], data=multidict(_held_form(held)))
    assert forwarded.status_code in (302, 422), forwarded.status_code
    assert draft_row(app, draft_id).answers["immediate_danger"] is False
    assert count(app, HeldAnswers) == 0


def _page_open(client) -> tuple[str, str, int]:
    draft_id = start_draft(client)
    token, revision = section_page(client, draft_id, SECTION)
    return draft_id, token, revision


def test_a_save_after_signing_in_on_another_device_is_held_and_restored(app, teacher, teacher_client):
    draft_id, token, revision = _page_open(teacher_client)
    signed_in_client(app, teacher)  # the same person, on their laptop: the first session ends
    response = teacher_client.post(f"/drafts/{draft_id}/sections/{SECTION}", data=_posted(token, revision))
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert "immediate_danger" not in draft_row(app, draft_id).answers and count(app, HeldAnswers) == 1
    page = teacher_client.get("/sign-in").get_data(as_text=True)
    assert "because you signed in or out somewhere else" in page
    assert "The answers you sent have not been saved yet, but they have not been lost" in page
    _restore(app, teacher_client, teacher, draft_id)


def test_a_save_after_signing_out_elsewhere_is_held_and_restored(app, teacher, teacher_client):
    """Signing out in another window of the same session (a copy of its cookie) ends every copy."""
    draft_id, token, revision = _page_open(teacher_client)
    window = app.test_client()
    window.set_cookie("session", teacher_client.get_cookie("session").value)
    assert window.post("/sign-out", data={"csrf_token": csrf_token(window)}).status_code == 302
    response = teacher_client.post(f"/drafts/{draft_id}/sections/{SECTION}", data=_posted(token, revision))
    assert response.headers["Location"] == "/sign-in" and count(app, HeldAnswers) == 1
    _restore(app, teacher_client, teacher, draft_id)


def test_a_save_after_the_password_changed_elsewhere_is_held_and_restored(app, teacher, teacher_client):
    draft_id, token, revision = _page_open(teacher_client)
    with app.app_context():
        user = db.session().get(User, teacher.id)
        service.set_password(user, "a brand new long passphrase 7")
        db.session().commit()
    response = teacher_client.post(f"/drafts/{draft_id}/sections/{SECTION}", data=_posted(token, revision))
    assert response.headers["Location"] == "/sign-in" and count(app, HeldAnswers) == 1
    _restore(app, teacher_client, dataclasses.replace(teacher, password="a brand new long passphrase 7"), draft_id)


def test_the_save_after_an_autosave_was_refused_is_held_not_refused_as_unchecked(app, teacher, teacher_client):
    """JavaScript on: the autosave is the first request after the session ended (a 401 the page
    shows); the person's "Save and continue" then still passes the CSRF check, and is held."""
    draft_id, token, revision = _page_open(teacher_client)
    signed_in_client(app, teacher)
    live = teacher_client.post(f"/drafts/{draft_id}/sections/{SECTION}/live", data=_posted(token, revision),
                               headers={"HX-Request": "true", "HX-Current-URL": f"http://localhost/drafts/{draft_id}/sections/{SECTION}"})
    assert live.status_code == 401
    fragment = live.get_data(as_text=True)
    assert f'href="/sign-in?next=/drafts/{draft_id}/sections/{SECTION}"' in fragment
    response = teacher_client.post(f"/drafts/{draft_id}/sections/{SECTION}", data=_posted(token, revision))
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert count(app, HeldAnswers) == 1
    _restore(app, teacher_client, teacher, draft_id)


def test_a_page_opened_before_signing_in_again_in_another_tab_still_saves(app, teacher, teacher_client):
    """The rotated token: the person signs in again in a second tab, then saves in the first."""
    draft_id, token, revision = _page_open(teacher_client)
    signed_in_client(app, teacher)
    assert teacher_client.get("/your-forms").status_code == 302  # another tab: ended, sign in again
    sign_in(teacher_client, teacher)
    response = teacher_client.post(f"/drafts/{draft_id}/sections/{SECTION}", data=_posted(token, revision))
    assert response.status_code in (302, 422), response.status_code
    assert draft_row(app, draft_id).answers["immediate_danger"] is False


def test_after_signing_in_again_a_person_returns_to_the_page_they_were_on(app, teacher, teacher_client):
    draft_id, _, _ = _page_open(teacher_client)
    signed_in_client(app, teacher)
    response = teacher_client.get(f"/drafts/{draft_id}/sections/{SECTION}")
    assert response.headers["Location"] == f"/sign-in?next=/drafts/{draft_id}/sections/{SECTION}"
    page = teacher_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "because you signed in or out somewhere else" in page
    signed_in = sign_in(teacher_client, teacher, next_=f"/drafts/{draft_id}/sections/{SECTION}")
    assert signed_in.headers["Location"] == f"/drafts/{draft_id}/sections/{SECTION}"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example/", "/%5Cevil.example",
                                    "/%2F/evil.example", "\\\\evil.example", "/ok\r\nLocation: //evil.example",
                                    "javascript:alert(1)", "http:/evil.example", ""])
def test_next_is_only_ever_a_path_on_this_site(target):
    assert same_site_path(target) is None
    assert same_site_path("/drafts/abc/sections/x?return=check") == "/drafts/abc/sections/x?return=check"


def test_next_never_leaves_the_service(app, teacher):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example/", "/%5Cevil.example",
                   "\\\\evil.example", "javascript:alert(1)"):
        client = app.test_client()
        response = sign_in(client, teacher, next_=target)
        assert response.headers["Location"] == "/your-forms", (target, response.headers["Location"])


def test_a_forged_post_into_an_ended_session_holds_nothing(app, teacher, teacher_client):
    draft_id, _, revision = _page_open(teacher_client)
    signed_in_client(app, teacher)
    # A page elsewhere posts into this browser's ended session: no token, or a token of its own.
    for token in (None, "forged", csrf_token(app.test_client(), "/sign-in")):
        data = _posted(token or "", revision)
        if token is None:
            del data["csrf_token"]
        response = teacher_client.post(f"/drafts/{draft_id}/sections/{SECTION}", data=data)
        assert response.status_code == 400, token
    assert count(app, HeldAnswers) == 0 and "immediate_danger" not in draft_row(app, draft_id).answers
    assert "could not be checked" in response.get_data(as_text=True)


def test_answers_held_in_an_ended_session_never_reach_another_persons_draft(app, teacher, teacher_client,
                                                                              user_factory):
    """A colleague's ended session posting to the teacher's draft: held for the colleague only, and
    saving them is refused by the draft's own check (it is not theirs)."""
    draft_id = start_draft(teacher_client)
    colleague = user_factory("professional")
    other = signed_in_client(app, colleague)
    token = csrf_token(other)
    signed_in_client(app, colleague)  # the colleague's first session ends
    other.post(f"/drafts/{draft_id}/sections/{SECTION}", data=_posted(token, 1))
    held = count(app, HeldAnswers)
    assert held <= 1
    sign_in(other, colleague)
    page = other.get("/held-answers")
    if page.status_code == 200:
        saved = other.post("/held-answers", data=multidict(_held_form(page.get_data(as_text=True))))
        forwarded = other.post(saved.headers["Location"], data=multidict(_held_form(page.get_data(as_text=True))))
        assert forwarded.status_code in (403, 404)
    assert "immediate_danger" not in draft_row(app, draft_id).answers
    # and the teacher is never offered them
    sign_in(teacher_client, teacher)
    assert teacher_client.get("/held-answers").status_code == 302


def test_an_ended_session_holds_one_set_of_answers_per_browser(app, teacher, teacher_client):
    draft_id, token, revision = _page_open(teacher_client)
    signed_in_client(app, teacher)
    for _ in range(5):
        teacher_client.post(f"/drafts/{draft_id}/sections/{SECTION}", data=_posted(token, revision))
    assert count(app, HeldAnswers) == 1


def test_a_deactivated_account_holds_nothing(app, teacher, teacher_client):
    draft_id, token, revision = _page_open(teacher_client)
    with app.app_context():
        db.session().get(User, teacher.id).active = False
        db.session().commit()
    response = teacher_client.post(f"/drafts/{draft_id}/sections/{SECTION}", data=_posted(token, revision))
    assert response.status_code in (302, 400)
    assert count(app, HeldAnswers) == 0
