"""Who may do what (DESIGN §7, QUALITY §10, §11): fail closed, deny without leaking, log every denial."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from fanlight.web.access.permissions import BY_TOKEN, PUBLIC, ROLES, permission_of, requires
from fanlight.web.models import Attachment, AuditEvent
from tests.support.factories import (
    audit_rows,
    count,
    csrf_from,
    csrf_token,
    own_records,
    post_multipart,
    sign_in,
    signed_in_client,
    snapshot,
    start_draft,
)
from tests.support.routes import PUBLIC_ENDPOINTS, STATE_CHANGING, body_for, routes

PERMISSIONS = set().union(*ROLES.values())


@pytest.fixture
def victim(app, user_factory) -> dict[str, Any]:
    """A GP's own records, which nobody else may see or touch."""
    gp = user_factory("professional", agency="Demo Surgery")
    return own_records(app, signed_in_client(app, gp))


@pytest.fixture
def intruder(app, user_factory):
    """A teacher at another agency, signed in, with a draft of their own."""
    client = signed_in_client(app, user_factory("professional", agency="Another School"))
    start_draft(client)
    return client


def access_denied(app: Flask) -> int:
    return count(app, AuditEvent, AuditEvent.event == "access_denied")


def test_every_endpoint_declares_a_permission_or_is_on_the_reviewed_public_allowlist(app):
    undeclared, unreviewed, unknown = [], [], []
    for endpoint, view in app.view_functions.items():
        permission = permission_of(view)
        if endpoint in PUBLIC_ENDPOINTS:
            assert permission == PUBLIC or endpoint == "static", f"{endpoint} is on the allowlist but not @public"
        elif permission is None:
            undeclared.append(endpoint)
        elif permission == PUBLIC:
            unreviewed.append(endpoint)
        elif permission == BY_TOKEN:
            if not endpoint.startswith("api."):
                unknown.append((endpoint, permission))  # only the API authenticates by token
        elif permission not in PERMISSIONS:
            unknown.append((endpoint, permission))
    assert not undeclared, f"endpoints with no @requires or @public: {undeclared}"
    assert not unreviewed, f"@public endpoints missing from the reviewed allowlist in tests/support/routes.py: {unreviewed}"
    assert not unknown, f"endpoints requiring a permission no role has: {unknown}"
    assert set(PUBLIC_ENDPOINTS) <= set(app.view_functions), "the allowlist names endpoints that no longer exist"


def test_an_endpoint_that_forgets_to_declare_a_permission_is_refused_to_everyone(app, teacher):
    @app.route("/forgot-to-declare")
    def forgot() -> str:
        return "secret"

    @app.route("/declared")
    @requires("refer")
    def declared() -> str:
        return "fine"

    client = app.test_client()
    sign_in(client, teacher)
    response = client.get("/forgot-to-declare")
    assert response.status_code == 403
    assert "secret" not in response.get_data(as_text=True)
    assert access_denied(app) == 1
    assert client.get("/declared").get_data(as_text=True) == "fine"


# Signed out ----------------------------------------------------------------------------------------


def test_every_private_page_sends_a_signed_out_visitor_to_sign_in(app, victim):
    client = app.test_client()
    checked = 0
    for route in routes(app, {"GET"}):
        if route.public:
            continue
        url = route.url(app, victim)
        response = client.get(url)
        assert response.status_code == 302, (str(route), response.status_code)
        assert response.headers["Location"].startswith("/sign-in?next="), str(route)
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 401, str(route)
        checked += 1
    assert checked >= 10


def test_every_private_action_refuses_a_signed_out_visitor_and_changes_nothing(app, victim):
    client = app.test_client()
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))  # a valid token of a signed-out session
    before = snapshot(app)
    for route in routes(app, STATE_CHANGING):
        if route.public:
            continue
        response = post_multipart(client, route.url(app, victim), body_for(route, token, 2))
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in"), str(route)
        htmx = post_multipart(client, route.url(app, victim), body_for(route, token, 2), {"HX-Request": "true"})
        assert htmx.status_code == 401, str(route)
    assert snapshot(app) == before


def test_the_public_pages_work_signed_out(app):
    client = app.test_client()
    assert client.get("/sign-in").status_code == 200
    assert client.get("/signed-out").status_code == 200
    assert client.get("/guidance/").status_code == 302
    assert client.get("/guidance/levels-of-need").status_code == 200
    assert client.get("/guidance/levels-of-need/level-3").status_code == 200
    with client.get("/static/vendor/fanlight.css") as stylesheet:
        assert stylesheet.status_code == 200


# Someone else's records ------------------------------------------------------------------------------


def test_someone_elses_records_are_not_found_through_any_route_and_each_attempt_is_logged(
        app, victim, intruder):
    token = csrf_token(intruder)
    before = snapshot(app, ignore_audit=True)
    checked = []
    for route in routes(app):
        if not route.private_records:
            continue
        denied = access_denied(app)
        url = route.url(app, victim)
        if route.method == "GET":
            response = intruder.get(url)
        else:
            response = post_multipart(intruder, url, body_for(route, token, 2))
        assert response.status_code == 404, (str(route), response.status_code)
        html = response.get_data(as_text=True)
        for private in (victim["draft_id"], victim["submission_id"], victim["attachment_id"], "Jordan"):
            assert private not in html, (str(route), private)
        assert access_denied(app) == denied + 1, f"{route}: expected exactly one access_denied audit row"
        checked.append(str(route))
    assert snapshot(app, ignore_audit=True) == before
    assert len(checked) >= 12, checked


def test_removing_someone_elses_attachment_from_your_own_draft_leaves_it_alone(app, victim, user_factory, uploads):
    intruder = signed_in_client(app, user_factory("professional"))
    own = start_draft(intruder)
    page = intruder.get(f"/drafts/{own}/sections/documents").get_data(as_text=True)
    files = sorted(p.name for p in uploads.iterdir())
    response = intruder.post(f"/drafts/{own}/files/attachments/{victim['attachment_id']}/remove",
                             data={"csrf_token": csrf_from(page), "revision": "1"})
    assert response.status_code in (302, 404)
    assert count(app, Attachment, Attachment.id == victim["attachment_id"]) == 1
    assert sorted(p.name for p in uploads.iterdir()) == files


def test_a_record_id_that_never_existed_is_not_found_and_not_logged_as_a_denial(app, teacher_client):
    for path in ("/drafts/" + "0" * 32, "/submissions/" + "0" * 32, "/attachments/" + "0" * 32):
        assert teacher_client.get(path).status_code == 404
    assert access_denied(app) == 0


# The wrong role ------------------------------------------------------------------------------------


WITHOUT_REFER = sorted(r for r, permissions in ROLES.items() if "refer" not in permissions)


@pytest.mark.parametrize("role", WITHOUT_REFER)
def test_a_role_without_the_refer_permission_is_refused_the_referral_pages_with_one_audit_row(
        app, user_factory, role):
    client = signed_in_client(app, user_factory(role))
    response = client.get("/your-forms")
    assert response.status_code == 403
    assert "You cannot see this page" in response.get_data(as_text=True)
    (row,) = audit_rows(app, "access_denied")
    assert row.target == "GET /your-forms"
    assert row.actor_email.startswith(role.replace("_", "-"))


@pytest.mark.parametrize("role", WITHOUT_REFER)
def test_a_role_without_the_refer_permission_cannot_start_read_or_change_a_referral(app, user_factory, victim, role):
    client = signed_in_client(app, user_factory(role))
    token = csrf_from(client.get("/your-forms").get_data(as_text=True))  # the 403 page still has sign-out
    before = snapshot(app, ignore_audit=True)
    checked = []
    for route in routes(app):
        if permission_of(app.view_functions[route.endpoint]) != "refer":
            continue
        denied = access_denied(app)
        url = route.url(app, victim)
        if route.method == "GET":
            response = client.get(url)
        else:
            response = post_multipart(client, url, body_for(route, token, 2))
        assert response.status_code == 403, (str(route), response.status_code)
        assert access_denied(app) == denied + 1, str(route)
        checked.append(str(route))
    assert len(checked) >= 14, checked
    assert snapshot(app, ignore_audit=True) == before
