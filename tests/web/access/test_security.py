"""Security headers on every kind of response, sessions, sign-in and its audit (QUALITY §14, §15, §17)."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from fanlight.web import extensions
from fanlight.web.models import AuditEvent, User
from fanlight.web.referrals import journey
from tests.support.factories import (
    audit_rows,
    count,
    csrf_from,
    csrf_token,
    database,
    make_user,
    own_records,
    post_section,
    session_cookie,
    sign_in,
    snapshot,
    start_draft,
)

ONE_YEAR = 365 * 24 * 60 * 60
CANARY_PASSWORD = "canary-Pa55word-7f3a9c"


# Headers ----------------------------------------------------------------------------------------------


def check_headers(response: TestResponse, *, private: bool = True) -> None:
    headers = response.headers
    csp = {d.split()[0]: d.split()[1:] for d in headers["Content-Security-Policy"].split("; ")}
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert "'unsafe-inline'" not in csp.get("default-src", [])
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] in ("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin")
    hsts = re.search(r"max-age=(\d+)", headers["Strict-Transport-Security"])
    assert hsts is not None and int(hsts.group(1)) >= ONE_YEAR
    if private:
        assert "no-store" in headers.get("Cache-Control", ""), headers.get("Cache-Control")


def _responses(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[TestResponse, bool]]:
    """One response of every kind the app gives: (response, whether it is a private page)."""
    records = own_records(app, client)
    draft, submission, attachment = records["draft_id"], records["submission_id"], records["attachment_id"]
    token = csrf_token(client)
    anonymous = app.test_client()
    got: dict[str, tuple[TestResponse, bool]] = {
        "page": (client.get("/your-forms"), True),
        "section page": (client.get(f"/drafts/{draft}/sections/about-this-referral"), True),
        "redirect": (client.get("/"), True),
        "signed-out redirect": (anonymous.get("/your-forms"), True),
        "sign-in page": (anonymous.get("/sign-in"), True),
        "signed-out htmx 401": (anonymous.get("/your-forms", headers={"HX-Request": "true"}), True),
        "public guidance": (anonymous.get("/guidance/levels-of-need"), False),
        # the same page carries a signed-in person's CSRF token: never kept by a shared computer
        "guidance while signed in": (client.get("/guidance/levels-of-need"), True),
        "static file": (anonymous.get("/static/vendor/fanlight.css"), False),
        "htmx fragment": (post_section(client, draft, "about-this-referral", {"immediate_danger": False},
                                       live=True), True),
        "json": (client.get(f"/submissions/{submission}.json"), True),
        "text": (client.get(f"/submissions/{submission}/case-note.txt"), True),
        "download": (client.get(f"/attachments/{attachment}"), True),
        "400 csrf": (client.post(f"/drafts/{draft}/submit"), True),
        "404": (client.get("/no-such-page"), True),
        "405": (client.get(f"/drafts/{draft}/submit"), True),
        "409": (post_section(client, draft, "about-this-referral", {}, revision=1), True),
        "413": (client.post(f"/drafts/{draft}/sections/your-concern",
                            data={"csrf_token": token, "x": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}), True),
        "422": (post_section(client, draft, "about-this-referral", {"concern_level": "nonsense"}), True),
    }
    monkeypatch.setattr(journey, "statuses", _explode)
    got["500"] = (client.get(f"/drafts/{draft}"), True)
    return got


def _explode(*_: Any) -> Any:
    raise RuntimeError("a bug")


def test_every_kind_of_response_carries_the_security_headers(app, teacher_client, monkeypatch):
    responses = _responses(app, teacher_client, monkeypatch)
    statuses = {name: r.status_code for name, (r, _) in responses.items()}
    assert statuses["400 csrf"] == 400 and statuses["404"] == 404 and statuses["405"] == 405
    assert statuses["409"] == 409 and statuses["413"] == 413 and statuses["422"] == 422 and statuses["500"] == 500
    assert statuses["signed-out htmx 401"] == 401
    for name, (response, private) in responses.items():
        try:
            check_headers(response, private=private)
        except (AssertionError, KeyError) as error:
            raise AssertionError(f"{name} ({response.status_code}): {error!r}") from error
        finally:
            response.close()


def test_an_unexpected_error_shows_no_stack_trace(app, teacher_client, monkeypatch):
    draft_id = start_draft(teacher_client)
    monkeypatch.setattr(journey, "statuses", _explode)
    response = teacher_client.get(f"/drafts/{draft_id}")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Traceback" not in html and "RuntimeError" not in html and "a bug" not in html
    assert "What you had already saved has not been lost" in html


def test_the_session_cookie_is_httponly_and_samesite(app, teacher):
    client = app.test_client()
    response = sign_in(client, teacher)
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_in_production_the_session_cookie_is_secure_and_host_only(config, tmp_path, monkeypatch):
    """QUALITY §14: Secure, HttpOnly, SameSite, and the __Host- prefix in production."""
    from tests.support.web import make_app as create_app

    monkeypatch.setenv("FANLIGHT_ENV", "production")
    monkeypatch.setenv("FANLIGHT_INSTANCE", str(tmp_path / "production"))
    del config["SESSION_COOKIE_SECURE"]
    from tests.support.web import clean

    clean(config["DATABASE_URL"])
    # Production shares its rate limits between workers (it refuses to start otherwise).
    app = create_app({**config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
                      "RATELIMIT_KEY_PREFIX": f"fanlight-test-{tmp_path.name}"})
    try:
        user = make_user(app)
        client = app.test_client()
        https = "https://localhost"
        page = client.get("/sign-in", base_url=https)
        response = client.post("/sign-in", base_url=https, data={
            "email": user.email, "password": user.password, "csrf_token": csrf_from(page.get_data(as_text=True))},
            headers={"Referer": "https://localhost/sign-in"})
        assert response.status_code == 302
        cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie")
        assert cookie.startswith("__Host-")
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
        assert "Domain=" not in cookie
        assert client.get("/your-forms", base_url=https).status_code == 200
    finally:
        extensions.db_engine(app).dispose()


# Sessions -----------------------------------------------------------------------------------------------


def test_signing_in_starts_a_new_session(app, teacher):
    client = app.test_client()
    anonymous_token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    before = session_cookie(client)
    sign_in(client, teacher)
    after = session_cookie(client)
    assert before and after and before != after
    # Nothing of the signed-out session is carried over: not even its CSRF token.
    response = client.post("/sign-out", data={"csrf_token": anonymous_token})
    assert response.status_code == 400
    assert client.get("/your-forms").status_code == 200


def _sign_in_cookie(client: FlaskClient, user: Any, **choices: str) -> str:
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"email": user.email, "password": user.password,
                                             "csrf_token": csrf_from(page.get_data(as_text=True)), **choices})
    assert response.status_code == 302
    return next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))


def test_on_a_shared_computer_the_session_ends_when_the_browser_closes(app, teacher):
    """Item 9: by default the cookie has no expiry, so closing the browser signs the person out."""
    page = app.test_client().get("/sign-in").get_data(as_text=True)
    assert "Keep me signed in on this device" in page and "shared computer" in page
    cookie = _sign_in_cookie(app.test_client(), teacher)
    assert "Expires=" not in cookie and "Max-Age=" not in cookie


def test_a_person_may_choose_to_stay_signed_in_on_their_own_device(app, teacher, clock):
    client = app.test_client()
    cookie = _sign_in_cookie(client, teacher, remember="y")
    assert "Expires=" in cookie
    clock.advance(31 * 60)  # the idle limit holds whatever was chosen
    assert client.get("/your-forms").status_code == 302


def test_each_sign_in_gets_a_different_session(app, teacher):
    first, second = app.test_client(), app.test_client()
    sign_in(first, teacher)
    sign_in(second, teacher)
    assert session_cookie(first) != session_cookie(second)


def test_after_sign_out_the_old_cookie_works_no_more(app, teacher):
    client = app.test_client()
    sign_in(client, teacher)
    old = session_cookie(client)
    assert old is not None
    response = client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/signed-out"
    assert client.get("/your-forms").status_code == 302

    replay = app.test_client()
    replay.set_cookie("session", old)
    response = replay.get("/your-forms")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    assert replay.get("/your-forms", headers={"HX-Request": "true"}).status_code == 401


def test_a_session_idle_for_thirty_minutes_ends(app, teacher, clock):
    client = app.test_client()
    sign_in(client, teacher)
    clock.advance(29 * 60)
    assert client.get("/your-forms").status_code == 200  # being active keeps it alive
    clock.advance(29 * 60)
    assert client.get("/your-forms").status_code == 200
    clock.advance(31 * 60)
    assert client.get("/your-forms").status_code == 302


def test_a_session_ends_after_twelve_hours_however_active(app, teacher, clock):
    client = app.test_client()
    sign_in(client, teacher)
    for _ in range(12 * 3):
        clock.advance(20 * 60)
        status = client.get("/your-forms").status_code
    assert status == 302




def test_a_deactivated_account_is_signed_out_at_its_next_request(app, teacher, teacher_client):
    with database(app) as s:
        s.get(User, teacher.id).active = False
        s.commit()
    assert teacher_client.get("/your-forms").status_code == 302
    client = app.test_client()
    assert sign_in(client, teacher, password=teacher.password).status_code == 401


# Sign-in and its audit -----------------------------------------------------------------------------------


def test_a_failed_sign_in_writes_one_audit_row_and_never_the_password(app, caplog):
    caplog.set_level(logging.DEBUG)
    user = make_user(app, password="the-real-password-123")
    client = app.test_client()
    before = len(audit_rows(app))
    response = sign_in(client, user, password=CANARY_PASSWORD)
    assert response.status_code == 401
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
    assert CANARY_PASSWORD not in response.get_data(as_text=True)
    rows = audit_rows(app)
    assert len(rows) == before + 1
    assert (rows[-1].event, rows[-1].actor_email) == ("sign_in_failed", user.email)

    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post("/sign-in", data={"email": "Nobody-Here@Test-Agency.example", "password": CANARY_PASSWORD,
                                              "csrf_token": csrf_from(page)})
    assert response.status_code == 401
    failed = audit_rows(app, "sign_in_failed")
    assert len(failed) == 2 and failed[-1].actor_email == "nobody-here@test-agency.example"

    dump = repr(snapshot(app))
    assert CANARY_PASSWORD not in dump
    assert CANARY_PASSWORD not in caplog.text


def test_a_successful_sign_in_and_sign_out_write_one_audit_row_each(app, teacher):
    client = app.test_client()
    sign_in(client, teacher)
    assert [r.event for r in audit_rows(app)] == ["sign_in"]
    client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    assert [(r.event, r.actor_id) for r in audit_rows(app)] == [("sign_in", teacher.id), ("sign_out", teacher.id)]


@pytest.mark.parametrize("email", ["not-an-email", "", "a@b", "x" * 300 + "@example.org", "nul\x00@example.org",
                                   "teacher@example.org\x00", "ünïcødé@exämple.org"])
def test_a_malformed_email_address_is_a_message_not_a_crash(app, email):
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post("/sign-in", data={"email": email, "password": "whatever", "csrf_token": csrf_from(page)})
    expected = (400,) if "\x00" in email else (401, 422)  # a NUL is refused before any view reads it (test_nul_bytes)
    assert response.status_code in expected, response.status_code
    assert count(app, AuditEvent, AuditEvent.event == "sign_in") == 0


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example/", "/\\/evil.example", "\\\\evil.example",
    "/\t/evil.example", "/%09/evil.example", "javascript:alert(1)", "/\r\n/evil.example",
])
def test_signing_in_never_redirects_off_the_site(app, teacher, target):
    client = app.test_client()
    response = sign_in(client, teacher, next_=quote(target, safe=""))
    location = response.headers["Location"]
    # Read the address as a browser does (WHATWG URL): tabs and newlines dropped, \ taken as /.
    as_browser = urljoin("https://fanlight.example/sign-in",
                         location.replace("\t", "").replace("\r", "").replace("\n", "").replace("\\", "/"))
    assert urlsplit(as_browser).netloc == "fanlight.example", location
    assert urlsplit(as_browser).scheme == "https", location


def test_signing_in_returns_to_the_page_asked_for(app, teacher):
    client = app.test_client()
    draft_page = "/your-forms?saved=1"
    asked = client.get(draft_page)
    assert asked.headers["Location"].startswith("/sign-in?next=")

    response = sign_in(client, teacher, next_=quote(draft_page, safe=""))
    assert response.headers["Location"] == draft_page


def test_an_htmx_request_after_the_session_ended_says_so(app, teacher, teacher_client):
    draft_id = start_draft(teacher_client)
    teacher_client.post("/sign-out", data={"csrf_token": csrf_token(teacher_client)})
    token = csrf_from(teacher_client.get("/sign-in").get_data(as_text=True))
    response = teacher_client.post(f"/drafts/{draft_id}/sections/about-this-referral/live",
                                   data={"revision": "1"}, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert "signed out" in html and "Sign in again" in html
