"""Administrators make and revoke API clients in the browser (issue 14, item 1): the token is shown
once, on the page that made it; the system's account never appears among the users."""

from __future__ import annotations

import re

from fanlight.web.api import clients
from fanlight.web.models import ApiClient
from tests.admin.test_users import post_form
from tests.support.factories import audit_rows, database, signed_in_client
from tests.web.api.support import Api

PAGE = "/admin/api-clients/"


def test_an_administrator_adds_a_police_system_sees_its_token_once_and_revokes_it(app, client, user_factory):
    admin = signed_in_client(app, user_factory("administrator", name="Ada Admin"))
    made = post_form(admin, PAGE, PAGE, {"name": "County Police PNC", "agency": "county-police", "scopes": "submit"})
    assert made.status_code == 201
    token = re.search(r'id="token">(fl_[^<]+)<', made.get_data(as_text=True)).group(1)
    with database(app) as s:
        stored = s.query(ApiClient).one()
        assert (stored.name, stored.agency_id, stored.scopes) == ("County Police PNC", "county-police", ["submit"])
        assert stored.token_hash == clients.digest(token)
    assert token not in admin.get(PAGE).get_data(as_text=True)  # never shown again
    assert "County Police PNC" not in admin.get("/admin/users/?q=County").get_data(as_text=True)
    assert Api(client, token).get("/forms").status_code == 200

    revoked = post_form(admin, PAGE, f"{PAGE}{stored.id}/revoke")
    assert revoked.status_code == 303
    assert Api(client, token).get("/forms").status_code == 401
    assert [r.event for r in audit_rows(app) if r.event.startswith("api_client")] == [
        "api_client_created", "api_client_revoked"]


def test_a_client_needs_a_scope_and_an_approved_agency_and_only_administrators_make_them(app, user_factory):
    admin = signed_in_client(app, user_factory("administrator"))
    refused = post_form(admin, PAGE, PAGE, {"name": "X", "agency": "county-police"})
    assert refused.status_code == 422 and "Choose what the client may do" in refused.get_data(as_text=True)
    unknown = post_form(admin, PAGE, PAGE, {"name": "X", "agency": "nowhere", "scopes": "status"})
    assert unknown.status_code == 422 and "No approved agency" in unknown.get_data(as_text=True)
    officer = signed_in_client(app, user_factory("front_door_officer"))
    assert officer.get(PAGE).status_code == 403
