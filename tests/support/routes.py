"""Walking app.url_map: every route, with its URL filled in from real records (QUALITY §10–12)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask
from werkzeug.routing import Rule

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}

# The reviewed public allowlist: what anyone may use without signing in, and why.
PUBLIC_ENDPOINTS = {
    "static": "stylesheets, scripts and images; no data",
    "auth.sign_in": "the way in",
    "auth.sign_out": "must work for a session that has already expired",
    "auth.signed_out": "the page after signing out",
    "guidance.index": "threshold guidance is published for every professional and the public",
    "guidance.thresholds": "threshold guidance",
    "guidance.level": "threshold guidance",
    "accounts.register": "creating an account: only for an approved agency's email domain",
    "accounts.register_details": "creating an account, its second page (the address is kept in the session)",
    "accounts.check_email": "after creating an account: says where the link went",
    "accounts.verify": "the emailed link that confirms an address: signed, expiring, single use; a button, not the link, uses it",
    "accounts.forgot_password": "asking for a reset link: the same answer whether or not the address has an account",
    "accounts.reset_password": "the emailed reset link: signed, expiring, single use",
    "api.openapi": "the API's description (OpenAPI 3.1): what it accepts and answers, nobody's data",
}
# The API (/api/v1) authenticates each request by its bearer token, sets no cookie and reads no
# session, so the session walkers (CSRF, roles, NUL bytes) do not walk it: schemathesis does
# (tests/web/api/test_openapi.py), and tests/web/api its tokens, scopes and agencies.
API = "api."

# What the walker puts in each URL argument. A new route with a new argument fails the walker
# until it is taught what a real value is.
ARGUMENTS = {"form_id", "draft_id", "section_id", "field_id", "attachment_id", "submission_id", "thresholds_id",
             "level", "filename", "change_id", "publication_id", "path", "user_id", "token", "asset", "reference",
             "client_id", "delivery_id", "table"}
PRIVATE_RECORDS = {"draft_id", "submission_id", "attachment_id"}
# The front door's routes (a referral by its reference) are refused by role to anyone without
# `triage` (a 403, audited, before any record is looked at): not a professional's own records.
FRONT_DOOR = "/front-door/"


@dataclass(frozen=True)
class Route:
    rule: Rule
    method: str

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint

    @property
    def public(self) -> bool:
        return self.endpoint in PUBLIC_ENDPOINTS

    @property
    def private_records(self) -> set[str]:
        """The professional's own records this route shows (each refused to anyone else with a 404)."""
        if self.rule.rule.startswith(FRONT_DOOR):
            return set()
        return set(self.rule.arguments) & PRIVATE_RECORDS

    def url(self, app: Flask, ids: dict[str, Any]) -> str:
        unknown = set(self.rule.arguments) - ARGUMENTS
        assert not unknown, f"{self.rule.rule}: the route walker does not know what to put in {sorted(unknown)}"
        values = {arg: ids[arg] for arg in self.rule.arguments}
        path: str = app.url_map.bind("localhost").build(self.endpoint, values, method=self.method)
        return path

    def __str__(self) -> str:
        return f"{self.method} {self.rule.rule}"


def routes(app: Flask, methods: set[str] | None = None) -> Iterator[Route]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint.startswith(API):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if methods is None or method in methods:
                yield Route(rule, method)


def ids_for(draft_id: str, submission_id: str, attachment_id: str, **more: Any) -> dict[str, Any]:
    return {
        "form_id": "cause-for-concern", "draft_id": draft_id, "section_id": "documents",
        "field_id": "attachments", "attachment_id": attachment_id, "submission_id": submission_id,
        "thresholds_id": "levels-of-need", "level": 3, "filename": "vendor/fanlight.css",
        # the workbench: the bundled definitions are publication 1; change 1 is whatever exists
        "change_id": 1, "publication_id": 1, "path": "forms/cause-for-concern.yaml", "asset": "workbench.css",
        # user management: account 1 is whoever was made first; an emailed link that is not one
        "user_id": 1, "token": "not-a-real-token", "client_id": 1,  # an API client: the first, if any
        "delivery_id": 1,  # a delivery to the case system: the first, if any
        "table": "received",  # a dashboard's table (its CSV export)
        # a referral at the front door: one that does not exist unless the caller names a real one
        "reference": "FL-2222-2222", **more,
    }


def body_for(route: Route, token: str | None, revision: int) -> list[tuple[str, Any]]:
    """A multipart body that would change something if the request were let through."""
    from tests.support.factories import PDF, Upload

    pairs: list[tuple[str, Any]] = [
        ("revision", str(revision)), ("_present", "categories"), ("categories", "neglect"),
        ("_present", "spoke_to"), ("spoke_to", "Changed by a forged request"), ("action", "later"),
        ("email", "nobody@test-agency.example"), ("password", "x"),
    ]
    if "field_id" in route.rule.arguments:
        pairs.append(("attachments", Upload(PDF, "forged.pdf", "application/pdf")))
    if token is not None:
        pairs.insert(0, ("csrf_token", token))
    return pairs
