"""Reading the mail outbox in the tests, and walking the account pages as a browser does."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from fanlight.web import mail
from fanlight.web.models import OutboxMessage
from tests.support.factories import csrf_from, database

LINK = re.compile(r"https?://\S+")


def outbox(app: Flask, to: str | None = None) -> list[OutboxMessage]:
    with database(app) as s:
        messages = mail.outbox(s, to)
        for message in messages:
            s.expunge(message)
        return messages


def link_in(message: OutboxMessage, contains: str = "") -> str:
    """The path of the (first) link in a message whose path contains `contains`."""
    for found in LINK.findall(message.body):
        parts = urlsplit(found)
        if contains in parts.path:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"no link with {contains!r} in:\n{message.body}")


def post_page(client: FlaskClient, path: str, data: dict[str, str] | None = None, *,
              page: str | None = None, **kwargs: object) -> TestResponse:
    """GET the page (for its CSRF token), then POST the form to it."""
    got = client.get(page or path)
    assert got.status_code == 200, (page or path, got.status_code)
    return client.post(path, data={"csrf_token": csrf_from(got.get_data(as_text=True)), **(data or {})}, **kwargs)


def register(client: FlaskClient, email: str, *, name: str = "Dr Rowan Hale", password: str = "river lantern orchard 42",
             agency: str | None = None) -> TestResponse:
    """Both pages of "Create an account"; returns the second page's response."""
    first = post_page(client, "/register", {"email": email})
    assert first.status_code == 302, first.get_data(as_text=True)[:3000]
    assert first.headers["Location"] == "/register/your-details"
    data = {"name": name, "password": password, "confirm": password}
    if agency:
        data["agency"] = agency
    return post_page(client, "/register/your-details", data)


def verify(client: FlaskClient, path: str) -> TestResponse:
    return post_page(client, path)
