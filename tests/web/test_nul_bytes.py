"""A NUL byte is a 400, never a 500 (issue 11, item 5).

PostgreSQL cannot hold a NUL in text or JSONB: a NUL that reaches a query or a saved record
failed the request with a 500, and in several places the error page failed too. One check in
fanlight.web.security refuses a NUL anywhere a request carries text (form values and names,
query arguments, uploaded file names, JSON), before any view, guard or CSRF check reads it;
a NUL in the path names no page (404). Every route is walked, signed in as someone who may
use it, on SQLite and PostgreSQL: each answer is the error page with every security header,
and nothing in the database changes.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from fanlight.web.access.permissions import PUBLIC, permission_of
from tests.admin.workbench_helpers import start_change
from tests.support.factories import (
    Upload,
    csrf_token,
    draft_row,
    multidict,
    own_records,
    post_multipart,
    signed_in_client,
    snapshot,
)
from tests.support.routes import routes

NUL = "\x00"
# Who walks each route: someone whose role may use it (the request must reach the view).
WALKER = {"refer": "professional", "account": "professional", "triage": "manager", "dashboards": "manager",
          "export": "manager", "workbench": "service_lead",
          "edit_definitions": "service_lead", "review_definitions": "it_reviewer", "manage_users": "administrator",
          PUBLIC: "nobody"}
TOKEN_PAGE = {"professional": "/your-forms", "manager": "/front-door/", "service_lead": "/admin/", "it_reviewer": "/admin/",
              "administrator": "/admin/users/", "nobody": "/sign-in"}
# Every name a view of the app reads from a form or a query string, each with a NUL in it.
QUERY = "&".join(f"{name}=a%00b" for name in (
    "q", "role", "status", "page", "next", "reason", "path", "node", "return", "check", "saved", "token",
    "rag", "category", "agency", "owner", "due", "sort", "period", "from", "to", "outcome", "source",
    "referrer_level", "suggested_level", "applied_level", "decided", "asked", "re_referral", "conversion",
    "escalation", "free_text"))


def poisoned(token: str, revision: int) -> list[tuple[str, str]]:
    """A form a person could send, with a NUL in each text (each would otherwise reach a query or a record)."""
    return [
        ("csrf_token", token), ("revision", str(revision)),
        ("email", f"nobody{NUL}@test-agency.example"), ("password", f"correct horse battery{NUL}staple"),
        ("new_password", f"correct horse battery{NUL}staple"), ("confirm_password", f"correct horse battery{NUL}staple"),
        ("current_password", f"x{NUL}"), ("name", f"Sam{NUL} Teacher"), ("organisation", f"School{NUL}"),
        ("title", f"A change{NUL}"), ("path", f"forms/cause-for-concern.yaml{NUL}"), ("node", f"x{NUL}"),
        ("text", f"kind: form{NUL}\n"), ("comment", f"Looks good{NUL}"), ("reason", f"because{NUL}"),
        ("label", f"Label{NUL}"), ("hint", f"Hint{NUL}"), ("role", f"professional{NUL}"),
        ("_present", "dsl_name"), ("dsl_name", f"Anita{NUL} Shah"), ("_present", "spoke_to"),
        ("spoke_to", f"Said{NUL}"), ("action", "later"),
    ]


@pytest.fixture
def walkers(app: Flask, teacher_client: FlaskClient, user_factory: Any) -> dict[str, FlaskClient]:
    clients = {"professional": teacher_client, "nobody": app.test_client()}
    for role in ("manager", "service_lead", "it_reviewer", "administrator"):
        clients[role] = signed_in_client(app, user_factory(role))
    return clients


@pytest.fixture
def ids(app: Flask, walkers: dict[str, FlaskClient], user_factory: Any) -> dict[str, Any]:
    """Real records for every URL argument: a draft with a file and a sent referral (the
    professional's), a change to a definition (the service lead's), and an account."""
    found = own_records(app, walkers["professional"])
    found["change_id"] = start_change(walkers["service_lead"])
    found["user_id"] = user_factory("professional", agency="Demo Surgery").id  # whose account the administrator walks
    return found


def refused_safely(response: TestResponse, status: int = 400) -> str | None:
    """Why this answer is wrong, or None: the status, the error page, and every security header."""
    html = response.get_data(as_text=True)
    headers = response.headers
    problems = [
        response.status_code != status and f"status {response.status_code}",
        "Something in the request was not right" not in html and status == 400 and "not the error page",
        "frame-ancestors 'none'" not in headers.get("Content-Security-Policy", "") and "no CSP",
        headers.get("X-Content-Type-Options") != "nosniff" and "no nosniff",
        headers.get("X-Frame-Options") != "DENY" and "no X-Frame-Options",
        "no-store" not in headers.get("Cache-Control", "") and "no Cache-Control: no-store",
    ]
    wrong = [p for p in problems if p]
    return ", ".join(wrong) if wrong else None


def walk(app: Flask, walkers: dict[str, FlaskClient], ids: dict[str, Any], methods: set[str]) -> list[tuple[str, Any]]:
    """Each route of these methods, asked with a NUL by someone who may use it: (route, response)."""
    tokens = {role: csrf_token(client, TOKEN_PAGE[role]) for role, client in walkers.items()}
    answers = []
    for route in routes(app, methods):
        if route.endpoint == "static":
            continue
        who = WALKER[permission_of(app.view_functions[route.endpoint]) or PUBLIC]
        client = walkers[who]
        url = route.url(app, ids)
        if route.method == "GET":
            response = client.get(f"{url}?{QUERY}")
        else:
            revision = draft_row(app, ids["draft_id"]).revision
            response = client.post(url, data=multidict(poisoned(tokens[who], revision)))
        answers.append((f"{route} as {who}", response))
    return answers


def test_a_nul_in_a_form_value_is_refused_with_400_on_every_post_route(app, walkers, ids):
    before = snapshot(app)
    answers = walk(app, walkers, ids, {"POST"})
    wrong = {route: why for route, response in answers if (why := refused_safely(response))}
    assert not wrong, "\n".join(f"{k}: {v}" for k, v in wrong.items())
    assert len(answers) >= 30, [route for route, _ in answers]
    assert snapshot(app) == before, "a request with a NUL changed the database"


def test_a_nul_in_a_query_argument_is_refused_with_400_on_every_get_route(app, walkers, ids):
    before = snapshot(app)
    answers = walk(app, walkers, ids, {"GET"})
    wrong = {route: why for route, response in answers if (why := refused_safely(response))}
    assert not wrong, "\n".join(f"{k}: {v}" for k, v in wrong.items())
    assert len(answers) >= 25, [route for route, _ in answers]
    assert snapshot(app) == before


def test_registration_with_a_nul_is_refused_before_anything_is_stored(app):
    """The unauthenticated case of the issue: the first page of registration, as anybody."""
    client = app.test_client()
    token = csrf_token(client, "/register")
    before = snapshot(app)
    response = client.post("/register", data={"csrf_token": token, "email": f"new{NUL}@test-agency.example"})
    assert refused_safely(response) is None, refused_safely(response)
    assert snapshot(app) == before


def test_a_nul_in_a_form_field_name_is_refused(app, teacher_client, ids):
    draft_id = ids["draft_id"]
    response = teacher_client.post(f"/drafts/{draft_id}/sections/about-this-referral", data={
        "csrf_token": csrf_token(teacher_client), "revision": str(draft_row(app, draft_id).revision),
        "_present": f"dsl_name{NUL}", f"dsl_name{NUL}": "x", "action": "later"})
    assert refused_safely(response) is None, refused_safely(response)


def test_a_nul_in_an_uploaded_file_name_is_refused_and_nothing_is_stored(app, teacher_client, ids, uploads):
    draft_id = ids["draft_id"]
    before, files = snapshot(app), sorted(p.name for p in uploads.iterdir())
    response = post_multipart(teacher_client, f"/drafts/{draft_id}/files/attachments", [
        ("csrf_token", csrf_token(teacher_client)), ("revision", str(draft_row(app, draft_id).revision)),
        ("attachments", Upload(b"%PDF-1.4\n%%EOF\n", f"report{NUL}.pdf", "application/pdf"))])
    assert refused_safely(response) is None, refused_safely(response)
    assert snapshot(app) == before and sorted(p.name for p in uploads.iterdir()) == files


def test_a_nul_in_the_path_names_no_page(app, walkers, ids):
    """A NUL in a URL argument (a record id, a definition's path) never reaches a query or the
    audit trail (a refused request is audited with its path): 404, before anything else."""
    before = snapshot(app)
    asked = [
        (walkers["professional"], f"/drafts/{ids['draft_id']}%00"),
        (walkers["professional"], "/submissions/%00.json"),
        (walkers["professional"], "/attachments/a%00b"),
        (walkers["professional"], "/admin/definitions/forms%00/x.yaml"),  # refused to this role: audited
        (walkers["administrator"], "/admin/definitions/forms%00/x.yaml"),
        (walkers["service_lead"], "/admin/definitions/forms/cause-for-concern.yaml%00"),
        (walkers["nobody"], "/reset-password/a%00b"),
        (walkers["nobody"], "/confirm-email/a%00b"),
    ]
    wrong = {path: why for client, path in asked if (why := refused_safely(client.get(path), 404))}
    assert not wrong, "\n".join(f"{k}: {v}" for k, v in wrong.items())
    assert snapshot(app) == before


def test_json_with_a_nul_is_refused_before_the_view_reads_it(app):
    """The API to come reads JSON: a NUL (or a lone surrogate, which no database encoding holds)
    in any string, key or value, at any depth, is refused before a view sees it."""
    from sqlalchemy import literal, select

    from fanlight.web import db
    from fanlight.web.access.permissions import public

    @public
    def echo() -> str:
        body = app.json.dumps(__import__("flask").request.get_json())
        return str(db.session().scalar(select(literal(body))))

    app.add_url_rule("/test-echo", "test_echo", echo, methods=["POST"])
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    client = app.test_client()
    assert client.post("/test-echo", json={"a": ["fine"]}).status_code == 200  # the control
    for body in ({"a": [{"b": f"x{NUL}"}]}, {f"k{NUL}": 1}, '{"a": "\\ud800"}', "[" * 100_000 + "]" * 100_000):
        kwargs: dict[str, Any] = ({"json": body} if not isinstance(body, str)
                                  else {"data": body, "content_type": "application/json"})
        response = client.post("/test-echo", **kwargs)
        assert refused_safely(response) is None, (str(body)[:40], refused_safely(response))


def test_other_control_characters_in_answers_are_stripped_and_saved(app, teacher_client, ids):
    """Only a NUL is refused: a bell or a vertical tab pasted from a word processor is dropped from
    an answer (fanlight.renderers.html_form.clean_text) and the rest is saved."""
    draft_id = ids["draft_id"]
    token = csrf_token(teacher_client)
    response = teacher_client.post(f"/drafts/{draft_id}/sections/about-this-referral", data={
        "csrf_token": token, "revision": str(draft_row(app, draft_id).revision),
        "_present": "dsl_name", "dsl_name": "Anita\x07 \x0bShah\x1b", "action": "later"})
    assert response.status_code == 302
    assert draft_row(app, draft_id).answers["dsl_name"] == "Anita Shah"
