"""Administrators manage users and roles in the browser; each role lands on a page it may use."""

from __future__ import annotations

import pytest

from fanlight.web.access.permissions import ROLES
from fanlight.web.models import User
from tests.support.factories import audit_rows, csrf_from, database, sign_in, signed_in_client

LANDING = {
    "professional": "/your-forms",
    "front_door_officer": "/front-door/",  # the holding area (issue 9)
    "manager": "/front-door/",
    "service_lead": "/admin/",
    "it_reviewer": "/admin/",
    "administrator": "/admin/users/",
}


@pytest.fixture
def admin(user_factory):
    return user_factory("administrator", name="Ada Admin")


@pytest.fixture
def admin_client(app, admin):
    return signed_in_client(app, admin)


def post_form(client, page: str, action: str, data: dict[str, str] | None = None):
    html = client.get(page).get_data(as_text=True)
    return client.post(action, data={"csrf_token": csrf_from(html), **(data or {})})


def role_of(app, user_id: int) -> tuple[str, bool]:
    with database(app) as s:
        user = s.get(User, user_id)
        return user.role, user.active


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_lands_on_a_page_it_may_use(app, user_factory, role):
    assert set(LANDING) == set(ROLES)
    client = app.test_client()
    response = sign_in(client, user_factory(role))
    assert response.headers["Location"] == LANDING[role]
    assert client.get(LANDING[role]).status_code == 200
    assert client.get("/").headers["Location"] == LANDING[role]
    assert client.get("/account").status_code == 200
    assert not audit_rows(app, "access_denied")


def test_the_administrator_finds_people_by_name_email_organisation_role_and_status(app, admin_client, user_factory):
    user_factory("professional", name="Priya Shah", email="priya@demo-surgery.example", agency="Demo Surgery")
    user_factory("front_door_officer", name="Tom Officer", agency="Family Front Door")
    user_factory("professional", name="Old Account", active=False)
    page = admin_client.get("/admin/users/").get_data(as_text=True)
    assert "Priya Shah" in page and "Tom Officer" in page and "4 users" in page
    for query, expect, absent in [
        ("q=priya", "Priya Shah", "Tom Officer"), ("q=DEMO-SURGERY", "Priya Shah", "Tom Officer"),
        ("q=family+front", "Tom Officer", "Priya Shah"), ("role=front_door_officer", "Tom Officer", "Priya Shah"),
        ("status=deactivated", "Old Account", "Priya Shah"), ("q=%25", "0 users found", "Priya Shah"),
    ]:
        html = admin_client.get(f"/admin/users/?{query}").get_data(as_text=True)
        assert expect in html and absent not in html, query


def test_changing_a_role_is_audited_and_takes_effect_at_once(app, admin, admin_client, user_factory):
    person = user_factory("professional", name="Priya Shah")
    their_client = signed_in_client(app, person)
    assert their_client.get("/your-forms").status_code == 200
    page = f"/admin/users/{person.id}"
    response = post_form(admin_client, page, f"{page}/role", {"role": "it_reviewer"})
    assert response.status_code == 302 and response.headers["Location"] == page
    assert "Priya Shah is now: IT reviewer" in admin_client.get(page).get_data(as_text=True)
    assert role_of(app, person.id) == ("it_reviewer", True)
    assert their_client.get("/your-forms").status_code == 403  # no more referral pages
    (row,) = audit_rows(app, "role_changed")
    assert (row.actor_id, row.target) == (admin.id, f"user {person.id} ({person.email}): professional -> it_reviewer")
    # The same role again changes nothing and records nothing.
    post_form(admin_client, page, f"{page}/role", {"role": "it_reviewer"})
    assert len(audit_rows(app, "role_changed")) == 1


def test_an_unknown_role_is_refused(app, admin_client, user_factory):
    person = user_factory("professional")
    page = f"/admin/users/{person.id}"
    response = post_form(admin_client, page, f"{page}/role", {"role": "superuser"})
    assert response.status_code == 422 and "Select a role" in response.get_data(as_text=True)
    assert role_of(app, person.id) == ("professional", True)


def test_an_administrator_cannot_remove_their_own_administrator_role_or_deactivate_themselves(app, admin, admin_client):
    page = f"/admin/users/{admin.id}"
    response = post_form(admin_client, page, f"{page}/role", {"role": "professional"})
    assert response.status_code == 422
    assert "You cannot remove your own administrator role" in response.get_data(as_text=True)
    response = post_form(admin_client, page, f"{page}/deactivate")
    assert response.status_code == 422 and "You cannot deactivate your own account" in response.get_data(as_text=True)
    assert role_of(app, admin.id) == ("administrator", True)
    assert not audit_rows(app, "role_changed") and not audit_rows(app, "user_deactivated")


def test_another_administrator_can_change_an_administrators_role(app, admin, user_factory):
    other = signed_in_client(app, user_factory("administrator"))
    page = f"/admin/users/{admin.id}"
    assert post_form(other, page, f"{page}/role", {"role": "manager"}).status_code == 302
    assert role_of(app, admin.id) == ("manager", True)


def test_deactivating_signs_out_at_once_and_reactivating_lets_them_back(app, admin_client, user_factory):
    person = user_factory("professional", name="Priya Shah")
    their_client = signed_in_client(app, person)
    page = f"/admin/users/{person.id}"
    assert post_form(admin_client, page, f"{page}/deactivate").status_code == 302
    assert role_of(app, person.id) == ("professional", False)
    assert their_client.get("/your-forms").status_code == 302
    assert sign_in(app.test_client(), person, password=person.password).status_code == 401
    assert "Deactivated" in admin_client.get(page).get_data(as_text=True)
    assert post_form(admin_client, page, f"{page}/reactivate").status_code == 302
    assert role_of(app, person.id) == ("professional", True)
    sign_in(app.test_client(), person)
    assert [r.event for r in audit_rows(app) if r.event.startswith("user_")] == ["user_deactivated", "user_reactivated"]


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"administrator"}))
def test_only_administrators_manage_users_and_each_refusal_is_one_audit_row(app, user_factory, role):
    person = user_factory("professional")
    client = signed_in_client(app, user_factory(role))
    token = csrf_from(client.get("/account").get_data(as_text=True))
    tries = [("GET", "/admin/users/", {}), ("GET", f"/admin/users/{person.id}", {}),
             ("POST", f"/admin/users/{person.id}/role", {"role": "administrator"}),
             ("POST", f"/admin/users/{person.id}/deactivate", {}), ("POST", f"/admin/users/{person.id}/reactivate", {})]
    for method, path, data in tries:
        before = len(audit_rows(app, "access_denied"))
        response = client.open(path, method=method, data={"csrf_token": token, **data})
        assert response.status_code == 403, (method, path)
        assert len(audit_rows(app, "access_denied")) == before + 1
    assert role_of(app, person.id) == ("professional", True)


def test_an_unknown_user_is_not_found(app, admin_client):
    assert admin_client.get("/admin/users/999999").status_code == 404
