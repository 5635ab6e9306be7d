"""Every state-changing request without a valid CSRF token is refused, and changes nothing (QUALITY §12)."""

from __future__ import annotations

import pytest

from tests.support.factories import csrf_from, csrf_token, own_records, post_multipart, signed_in_client, snapshot
from tests.support.routes import STATE_CHANGING, body_for, routes


@pytest.fixture
def records(app, teacher_client):
    return own_records(app, teacher_client)


def test_every_state_changing_route_refuses_a_request_without_a_valid_csrf_token(
        app, teacher_client, records, user_factory):
    other_token = csrf_token(signed_in_client(app, user_factory("professional")))
    attempts: list[tuple[str, str | None, dict[str, str]]] = [
        ("no token", None, {}),
        ("an empty token", "", {}),
        ("a made-up token", "IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAi.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb", {}),
        ("another session's token", other_token, {}),
        ("another session's token in the htmx header", None, {"X-CSRFToken": other_token, "HX-Request": "true"}),
    ]
    before = snapshot(app)
    checked = []
    for route in routes(app, STATE_CHANGING):
        url = route.url(app, records)
        for what, token, headers in attempts:
            response = post_multipart(teacher_client, url, body_for(route, token, 2), headers)
            assert response.status_code == 400, (str(route), what, response.status_code)
            assert "Nothing has been changed" in response.get_data(as_text=True), (str(route), what)
        checked.append(str(route))
    assert snapshot(app) == before, "a request without a valid CSRF token changed the database"
    assert teacher_client.get("/your-forms").status_code == 200  # still signed in: sign-out was refused too
    assert len(checked) >= 8, checked


def test_the_same_requests_with_the_pages_token_are_let_through(app, teacher_client, records):
    """The control for the walker above: its requests are real ones, refused only for the token."""
    token = csrf_token(teacher_client)
    for route in routes(app, STATE_CHANGING):
        if route.endpoint == "auth.sign_out":
            continue
        response = post_multipart(teacher_client, route.url(app, records), body_for(route, token, 2))
        assert response.status_code != 400 and response.status_code < 500, (str(route), response.status_code)


def test_a_csrf_failure_for_htmx_is_a_fragment(app, teacher_client, records):
    response = teacher_client.post(f"/drafts/{records['draft_id']}/sections/documents/live",
                                   data={"revision": "2"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<html" not in html and "Nothing has been changed" in html


def test_sign_out_without_a_token_does_not_sign_out(app, teacher_client):
    assert teacher_client.post("/sign-out").status_code == 400
    assert teacher_client.get("/your-forms").status_code == 200


def test_sign_in_without_a_token_is_refused(app, teacher):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": teacher.email, "password": teacher.password})
    assert response.status_code == 400
    assert client.get("/your-forms").status_code == 302
    page = client.get("/sign-in").get_data(as_text=True)
    assert client.post("/sign-in", data={"email": teacher.email, "password": teacher.password,
                                         "csrf_token": csrf_from(page)}).status_code == 302
