"""Who may do what on the workbench: roles, authorship, and every route's declared permission."""

from __future__ import annotations

import pytest

from fanlight.admin import workflow
from fanlight.web.access.permissions import permission_of
from fanlight.web.models import Change
from tests.admin.workbench_helpers import (
    CFC,
    CONSENT,
    action,
    client_for,
    in_service,
    person,
    post,
    quick_edit,
    reword_consent,
    reworded,
    service_change,
    state_of,
    token,
)
from tests.support.factories import audit_rows, csrf_from, database, snapshot
from tests.support.routes import ids_for, routes


def test_the_author_can_never_approve_reject_or_publish_their_own_change(app, lead, reviewer):
    """Even when the author later becomes an IT reviewer: through the service layer and direct requests."""
    change_id = service_change(app, lead, {CFC: reworded(app)})
    in_service(app, lambda s: workflow.submit(s, s.get(Change, change_id), person(s, lead)))
    with database(app) as s:
        person(s, lead).role = "it_reviewer"  # the same person, moved to IT
        s.commit()
    author = client_for(app, lead)
    before = snapshot(app, ignore_audit=True)
    for act, args in ((workflow.approve, ()), (workflow.reject, ("Mine.",)), (workflow.publish, ())):
        with pytest.raises(workflow.Forbidden, match="your own change"):
            in_service(app, lambda s, act=act, args=args: act(s, s.get(Change, change_id), person(s, lead), *args))
    page = author.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    assert ">Approve<" not in page and ">Publish<" not in page and "Reason for rejecting" not in page
    denied = len(audit_rows(app, "access_denied"))
    for name, data in (("approve", {}), ("reject", {"reason": "Mine."}), ("publish", {})):
        response = action(author, change_id, name, **data)
        assert response.status_code == 403, name
        assert "your own change" in response.get_data(as_text=True)
    assert snapshot(app, ignore_audit=True) == before
    assert state_of(app, change_id) == "in_review"
    assert len(audit_rows(app, "access_denied")) == denied + 3


def test_signed_in_as_the_author_a_service_lead_has_no_approve_button_and_a_direct_post_is_refused(
        app, lead_client, reviewer_client):
    change_id = reword_consent(lead_client, app)
    action(lead_client, change_id, "submit")
    page = lead_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    assert ">Approve<" not in page and ">Publish<" not in page
    before = snapshot(app, ignore_audit=True)
    for name in ("approve", "reject", "publish"):
        assert action(lead_client, change_id, name, reason="x").status_code == 403, name
    assert snapshot(app, ignore_audit=True) == before
    action(reviewer_client, change_id, "approve")
    before = snapshot(app, ignore_audit=True)
    assert action(lead_client, change_id, "publish").status_code == 403
    assert snapshot(app, ignore_audit=True) == before
    assert state_of(app, change_id) == "approved"


def test_a_service_lead_cannot_approve_or_publish_anyones_change(app, lead, lead_client, user_factory):
    other_lead = user_factory("service_lead")
    change_id = service_change(app, other_lead, {CFC: reworded(app)})
    in_service(app, lambda s: workflow.submit(s, s.get(Change, change_id), person(s, other_lead)))
    with pytest.raises(workflow.Forbidden, match="role cannot approve"):
        in_service(app, lambda s: workflow.approve(s, s.get(Change, change_id), person(s, lead)))
    before = snapshot(app, ignore_audit=True)
    assert action(lead_client, change_id, "approve").status_code == 403
    in_service(app, lambda s: setattr(s.get(Change, change_id), "state", "approved"))  # as if approved
    before = snapshot(app, ignore_audit=True)
    with pytest.raises(workflow.Forbidden, match="role cannot publish"):
        in_service(app, lambda s: workflow.publish(s, s.get(Change, change_id), person(s, lead)))
    assert action(lead_client, change_id, "publish").status_code == 403
    assert action(lead_client, change_id, "reject", reason="No").status_code == 403
    assert post(lead_client, "/admin/publications/1/rollback").status_code == 403
    assert snapshot(app, ignore_audit=True) == before


def test_an_it_reviewer_cannot_create_or_edit_a_change(app, lead, reviewer, reviewer_client):
    with pytest.raises(workflow.Forbidden):
        in_service(app, lambda s: workflow.create(s, person(s, reviewer), "Mine"))
    with pytest.raises(workflow.Forbidden):
        in_service(app, lambda s: workflow.import_folder(s, person(s, reviewer), {CFC: reworded(app)}, "Mine"))
    change_id = service_change(app, lead, {CFC: reworded(app)})
    with pytest.raises(workflow.Forbidden):
        in_service(app, lambda s: workflow.save_item(s, s.get(Change, change_id), person(s, reviewer), CFC, "x"))
    before = snapshot(app, ignore_audit=True)
    t = token(reviewer_client)
    edit_urls = [f"/admin/changes/{change_id}/edit?path={CFC}", f"/admin/changes/{change_id}/quick-edit?path={CFC}",
                 f"/admin/changes/{change_id}/quick-edit/item?path={CFC}&node={CONSENT}"]
    for url in edit_urls:
        assert reviewer_client.get(url).status_code == 403, url
        if "quick-edit?" not in url:  # the list of what can be quick-edited is only ever read
            assert reviewer_client.post(url, data={"csrf_token": t, "text": "x", "label": "x"}).status_code == 403, url
    for url in ("/admin/changes", f"/admin/changes/{change_id}/submit", f"/admin/changes/{change_id}/withdraw",
                f"/admin/changes/{change_id}/return", f"/admin/changes/{change_id}/validate"):
        assert reviewer_client.post(url, data={"csrf_token": t, "path": CFC, "title": "x"}).status_code == 403, url
    assert snapshot(app, ignore_audit=True) == before
    assert reviewer_client.get(f"/admin/changes/{change_id}").status_code == 200  # reviewing is theirs


def test_a_service_lead_cannot_edit_submit_or_withdraw_another_leads_change(app, lead, user_factory):
    other = user_factory("service_lead")
    other_client = client_for(app, other)
    change_id = service_change(app, lead, {CFC: reworded(app)})
    before = snapshot(app, ignore_audit=True)
    response = quick_edit(other_client, app, change_id, CONSENT, label="Not yours")
    assert response.status_code == 403
    assert other_client.post(f"/admin/changes/{change_id}/edit", data={
        "csrf_token": token(other_client), "path": CFC, "text": "kind: form\n"}).status_code == 403
    for name in ("submit", "withdraw"):
        assert action(other_client, change_id, name).status_code == 403, name
    assert snapshot(app, ignore_audit=True) == before


ADMIN_ROLES_WITHOUT_WORKBENCH = ["professional", "front_door_officer", "manager", "administrator"]


@pytest.mark.parametrize("role", ADMIN_ROLES_WITHOUT_WORKBENCH)
def test_every_admin_route_is_refused_to_a_role_without_the_workbench(app, lead, user_factory, role):
    change_id = service_change(app, lead, {CFC: reworded(app)})
    client = client_for(app, user_factory(role))
    t = csrf_from(client.get("/admin/").get_data(as_text=True))  # the 403 page still carries a token
    ids = ids_for("0" * 32, "0" * 32, "0" * 32, change_id=change_id)
    before = snapshot(app, ignore_audit=True)
    checked = []
    for route in routes(app):
        if not route.endpoint.startswith("workbench."):
            continue
        denied = len(audit_rows(app, "access_denied"))
        url = route.url(app, ids) + f"?path={CFC}&node={CONSENT}"
        if route.method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": t, "path": CFC, "text": "x", "title": "x",
                                              "body": "x", "reason": "x", "label": "x", "required": "no"})
        assert response.status_code == 403, (str(route), response.status_code)
        assert len(audit_rows(app, "access_denied")) == denied + 1, str(route)
        checked.append(str(route))
    assert snapshot(app, ignore_audit=True) == before
    assert len(checked) >= 18, checked


def test_every_admin_route_declares_the_workbench_permission_or_a_narrower_one(app):
    found = {endpoint: permission_of(view) for endpoint, view in app.view_functions.items()
             if endpoint.startswith("workbench.")}
    assert set(found.values()) <= {"workbench", "edit_definitions", "review_definitions"}, found
    assert found["workbench.approve"] == found["workbench.publish"] == found["workbench.rollback"] == "review_definitions"
    assert found["workbench.new_change"] == found["workbench.edit"] == found["workbench.quick_edit"] == "edit_definitions"
