"""Factories and helpers for the web tests: people, signed-in clients, drafts and posted sections.

    user = make_user(app, "professional")          # an account (fanlight.web.accounts.service.create_user)
    sign_in(client, user)                          # a real POST /sign-in with the page's CSRF token
    draft_id = start_draft(client)                 # "Start now" on the cause-for-concern form
    post_section(client, draft_id, "type-of-concern", {"categories": ["neglect"], ...})

Answers are written in the engine's one JSON shape (as in definitions/tests/*.yaml) and
turned into the fields a browser would post for them (`html_form.encode`), so posting a
section exercises the same parsing (fanlight.renderers.html_form) as a person's browser does.
"""

from __future__ import annotations

import copy
import datetime
import functools
import io
import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from fanlight.engine import CompiledForm
from fanlight.engine.definitions import model as m
from fanlight.renderers import html_form
from fanlight.web import db, extensions
from fanlight.web.accounts.service import create_user
from fanlight.web.models import AuditEvent, Draft

REPO = Path(__file__).resolve().parents[2]
DEFINITIONS = REPO / "definitions"
FORM = "cause-for-concern"
PASSWORD = "correct horse battery staple 2026"
# Every table the models declare, children before parents (for emptying them between tests).
TABLES = [t.name for t in reversed(db.Base.metadata.sorted_tables)]
REFERENCE = re.compile(r"FL-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}")

# The day the bundled scenarios are written for (their `today:`); the web tests evaluate on it.
TODAY = datetime.date(2026, 11, 22)

_numbers = itertools.count(1)


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: str
    agency: str
    name: str
    password: str = PASSWORD


def make_user(app: Flask, role: str = "professional", *, email: str | None = None, name: str = "Test Person",
              agency: str = "Test Agency", password: str = PASSWORD, active: bool = True) -> User:
    email = email or f"{role.replace('_', '-')}-{next(_numbers)}@test-agency.example"
    with app.app_context():
        row = create_user(email, name, role, password, agency)
        row.active = active
        db.session().commit()
        return User(row.id, row.email, role, agency, name, password)


# Database -------------------------------------------------------------------------------------------


@contextmanager
def database(app: Flask) -> Iterator[Session]:
    """A session on the app's database, outside any request (closed afterwards)."""
    with app.app_context():
        s = db.session()
        try:
            yield s
        finally:
            s.close()  # ends the transaction; loaded objects stay readable


def count(app: Flask, model: type[Any], *where: Any) -> int:
    with database(app) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def audit_rows(app: Flask, event: str | None = None) -> list[AuditEvent]:
    with database(app) as s:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if event is not None:
            query = query.where(AuditEvent.event == event)
        return list(s.scalars(query))


def draft_row(app: Flask, draft_id: str) -> Draft:
    with database(app) as s:
        draft = s.get(Draft, draft_id)
        assert draft is not None, f"no draft {draft_id}"
        s.expunge(draft)
        return draft


def snapshot(app: Flask, *, ignore_audit: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as comparable tuples: proves a request changed nothing."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    with database(app) as s:
        for table in db.Base.metadata.sorted_tables:
            if ignore_audit and table.name == AuditEvent.__tablename__:
                continue
            rows = s.execute(select(*table.columns).order_by(*table.primary_key.columns)).all()
            result[table.name] = [tuple(repr(v) for v in row) for row in rows]
    return result


# Pages and tokens ---------------------------------------------------------------------------------


_TOKEN = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(r'value="([^"]+)"')
_REVISION = re.compile(r'name="revision" value="(\d+)"')


def csrf_from(html: str) -> str:
    tag = _TOKEN.search(html)
    assert tag is not None, "no csrf_token field on the page"
    value = _VALUE.search(tag.group(0))
    assert value is not None
    return value.group(1)


def csrf_token(client: FlaskClient, path: str = "/your-forms") -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return csrf_from(response.get_data(as_text=True))


def revision_from(html: str) -> int:
    found = _REVISION.search(html)
    assert found is not None, "no revision field on the page"
    return int(found.group(1))


def sign_in(client: FlaskClient, user: User, *, password: str | None = None, next_: str | None = None) -> TestResponse:
    page = client.get("/sign-in")
    assert page.status_code == 200
    path = "/sign-in" + (f"?next={next_}" if next_ else "")
    response = client.post(path, data={"email": user.email, "password": password or user.password,
                                       "csrf_token": csrf_from(page.get_data(as_text=True))})
    if password is None:
        assert response.status_code == 302, f"sign-in failed: {response.status_code}"
    return response


def signed_in_client(app: Flask, user: User) -> FlaskClient:
    c = app.test_client()
    sign_in(c, user)
    return c


def session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie is not None else None


# Drafts and sections ------------------------------------------------------------------------------


def compiled_form(app: Flask, form_id: str = FORM) -> CompiledForm:
    compiled = app.extensions[extensions.CATALOGUE].current(form_id)
    assert compiled is not None
    return compiled


def section_of(compiled: CompiledForm, section_id: str) -> m.Section:
    return next(s for s in compiled.form.sections if s.id == section_id)


def start_draft(client: FlaskClient, form_id: str = FORM) -> str:
    token = csrf_token(client, f"/forms/{form_id}")
    response = client.post(f"/forms/{form_id}/drafts", data={"csrf_token": token})
    assert response.status_code == 302, response.status_code
    match = re.match(r"^/drafts/([0-9a-f]{32})/sections/", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def section_page(client: FlaskClient, draft_id: str, section_id: str) -> tuple[str, int]:
    """(csrf token, revision) from the section page, as a browser holds them."""
    response = client.get(f"/drafts/{draft_id}/sections/{section_id}")
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    return csrf_from(html), revision_from(html)


def post_section(client: FlaskClient, draft_id: str, section_id: str, answers: dict[str, Any], *,
                 app: Flask | None = None, action: str = "continue", revision: int | None = None,
                 token: str | None = None, extra: list[tuple[str, str]] | None = None, live: bool = False,
                 query: str = "") -> TestResponse:
    """Post a section as a browser would: the page's token and revision, `_present` markers, fields."""
    page_token, page_revision = section_page(client, draft_id, section_id)
    form = compiled_form(app or client.application, FORM)
    fields = html_form.encode(section_of(form, section_id).fields, answers)
    data = [("csrf_token", token or page_token),
            ("revision", str(page_revision if revision is None else revision)), *fields, *(extra or [])]
    if not live:
        data.append(("action", action))
    path = f"/drafts/{draft_id}/sections/{section_id}" + ("/live" if live else "") + query
    headers = {"HX-Request": "true"} if live else {}
    return client.post(path, data=multidict(data), headers=headers)


def multidict(pairs: list[tuple[str, Any]]) -> MultiDict[str, Any]:
    return MultiDict(pairs)


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart post."""

    data: bytes
    filename: str
    content_type: str = "application/octet-stream"


def post_multipart(client: FlaskClient, path: str, pairs: list[tuple[str, str | Upload]],
                   headers: dict[str, str] | None = None) -> TestResponse:
    """A multipart/form-data post, encoded in memory.

    (The test client spools a large multipart body to a temporary file, which it does not
    close when the app refuses the request before reading it all: a ResourceWarning.)
    """
    values = multidict([
        (name, FileStorage(io.BytesIO(v.data), filename=v.filename, content_type=v.content_type)
         if isinstance(v, Upload) else v) for name, v in pairs])
    boundary, body = encode_multipart(values)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}",
                       headers=headers or {})


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def upload(client: FlaskClient, draft_id: str, *, field_id: str = "attachments", section_id: str = "documents",
           data: bytes = PDF, filename: str = "chronology.pdf", content_type: str = "application/pdf",
           revision: int | None = None, token: str | None = None,
           fields: list[tuple[str, str]] | None = None) -> TestResponse:
    """Press "Upload file" on a section: the form's formaction, multipart, with the section's fields."""
    page_token, page_revision = section_page(client, draft_id, section_id)
    pairs: list[tuple[str, str | Upload]] = [
        ("csrf_token", token or page_token), ("revision", str(page_revision if revision is None else revision)),
        *(fields or []), (field_id, Upload(data, filename, content_type))]
    return post_multipart(client, f"/drafts/{draft_id}/files/{field_id}", pairs)


# The bundled scenarios ----------------------------------------------------------------------------


def scenarios(file: str = "cause-for-concern-complete.yaml") -> dict[str, dict[str, Any]]:
    # A copy of the parsed file: a test may change what it is given. (Parsing it costs ~0.2 s, and
    # every submitted referral in the suite starts from it.)
    return copy.deepcopy(_parsed_scenarios(file, (DEFINITIONS / "tests" / file).read_text(encoding="utf-8")))


@functools.lru_cache(maxsize=8)
def _parsed_scenarios(file: str, text: str) -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(text)  # keyed by the text too: an edited file is parsed again
    return {s["name"]: s for s in data["scenarios"]}


def complete_answers(index: int = 0) -> dict[str, Any]:
    """The answers of one of the complete, submittable scenarios."""
    scenario: dict[str, Any] = list(scenarios().values())[index]
    answers: dict[str, Any] = scenario["answers"]
    return answers


def answers_for(compiled: CompiledForm, section_id: str, answers: dict[str, Any]) -> dict[str, Any]:
    ids = {f.id for f in section_of(compiled, section_id).fields}
    return {k: v for k, v in answers.items() if k in ids}


def fill_draft(app: Flask, draft_id: str, answers: dict[str, Any]) -> None:
    """Write answers straight through fanlight.web.referrals.drafts.save_answers, all sections visited."""
    from fanlight.web.referrals import drafts

    with app.test_request_context():
        draft = db.session().get(Draft, draft_id)
        assert draft is not None
        compiled = compiled_form(app, draft.form_id)
        drafts.save_answers(draft, draft.revision, dict(answers))
        for section in compiled.form.sections:
            drafts.save_answers(draft, draft.revision, {}, visited=section.id)
        db.session().close()


def submit(client: FlaskClient, draft_id: str, token: str | None = None) -> TestResponse:
    if token is None:
        page = client.get(f"/drafts/{draft_id}/check")
        assert page.status_code == 200, page.status_code
        token = csrf_from(page.get_data(as_text=True))
    return client.post(f"/drafts/{draft_id}/submit", data={"csrf_token": token})


def submitted_draft(app: Flask, client: FlaskClient, answers: dict[str, Any] | None = None) -> tuple[str, str]:
    """A complete draft, submitted: (draft id, submission id)."""
    draft_id = start_draft(client)
    fill_draft(app, draft_id, answers or complete_answers())
    response = submit(client, draft_id)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.match(r"^/submissions/([0-9a-f]{32})$", response.headers["Location"])
    assert match, response.headers["Location"]
    return draft_id, match.group(1)


def own_records(app: Flask, client: FlaskClient) -> dict[str, Any]:
    """The signed-in person's records: a draft holding one uploaded PDF, and a sent referral.

    Returned as the URL arguments of tests/support/routes.py (draft_id, attachment_id, submission_id...).
    """
    from tests.support.routes import ids_for

    draft_id = start_draft(client)
    response = upload(client, draft_id)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    attachment_id = draft_row(app, draft_id).answers["attachments"][0]["id"]
    _, submission_id = submitted_draft(app, client)
    return ids_for(draft_id, submission_id, attachment_id)
