"""The API tests' helpers: a client made as `fanlight api-clients create` makes one, and requests
sent with its token."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from fanlight.web.api import clients
from tests.support.factories import complete_answers

FORM = "cause-for-concern"
REFERRER = "pc.reid@demo-police.example"


def api_client(app: Flask, name: str = "County Police PNC", agency: str = "county-police",
               scopes: list[str] | None = None) -> str:
    """A new API client's token."""
    with app.app_context():
        return clients.create(name, agency, scopes).token


def police_referral() -> dict[str, Any]:
    """Complete cause-for-concern answers, as a police officer's system would send them."""
    return {**complete_answers(), "secure_email": REFERRER, "referrer_name": "PC Sam Reid",
            "agency_type": "police", "referrer_agency": "County Police"}


class Api:
    """Requests to /api/v1 with a token, as another system makes them."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client, self.token = client, token

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra}

    def get(self, path: str) -> TestResponse:
        return self.client.get(f"/api/v1{path}", headers=self.headers())

    def post(self, path: str, body: Any, key: str | None = None) -> TestResponse:
        extra = {"Idempotency-Key": key} if key is not None else {}
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers(**extra))
