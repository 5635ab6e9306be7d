"""The definition workbench: edit, review, publish, roll back (issue 5; QUALITY §6, §7).

Every rule is tested twice where it can be broken twice: through the service layer
(fanlight.web.changes) and through direct requests to the admin routes, with the state
compared before and after. Runs on SQLite and PostgreSQL, like every web test.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from fanlight.admin.quickedit import Document
from fanlight.web import changes, db, registry
from fanlight.web.catalogue import Catalogue
from fanlight.web.models import (
    AuditEvent,
    Change,
    ChangeItem,
    DefinitionEvent,
    DefinitionVersion,
    Draft,
    Publication,
    User,
)
from fanlight.web.permissions import permission_of

from .factories import (
    FORM,
    REPO,
    audit_rows,
    complete_answers,
    count,
    csrf_from,
    database,
    draft_row,
    fill_draft,
    make_user,
    post_section,
    sign_in,
    snapshot,
    start_draft,
)
from .factories import User as Person
from .routes import ids_for, routes

CFC = "forms/cause-for-concern.yaml"
CONSENT = "consent-and-informing-the-family/consent"
OLD_WORDING = "Have you asked the family for consent to this referral?"
NEW_WORDING = "Have you asked the family whether they agree to this referral?"
# Making this optional question required fails one bundled definition test (and is otherwise valid).
FAILS_A_TEST = "about-this-referral/dsl_name"


# People and pages ---------------------------------------------------------------------------------


@pytest.fixture
def lead(app: Flask) -> Person:
    return make_user(app, "service_lead", name="Sam Lead", agency="Children's Services")


@pytest.fixture
def reviewer(app: Flask) -> Person:
    return make_user(app, "it_reviewer", name="Ira Reviewer", agency="IT")


def client_for(app: Flask, user: Person) -> FlaskClient:
    client = app.test_client()
    sign_in(client, user, next_="/admin/")
    return client


@pytest.fixture
def lead_client(app: Flask, lead: Person) -> FlaskClient:
    return client_for(app, lead)


@pytest.fixture
def reviewer_client(app: Flask, reviewer: Person) -> FlaskClient:
    return client_for(app, reviewer)


def token(client: FlaskClient, path: str = "/admin/") -> str:
    page = client.get(path)
    assert page.status_code in (200, 403), (path, page.status_code)
    return csrf_from(page.get_data(as_text=True))


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(path, data={"csrf_token": token(client), **(data or {})})


def start_change(client: FlaskClient, path: str = CFC, title: str = "Consent wording") -> int:
    response = post(client, "/admin/changes", {"path": path, "title": title})
    assert response.status_code == 302, response.status_code
    found = re.match(r"^/admin/changes/(\d+)/quick-edit\?path=", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def change_text(app: Flask, change_id: int, path: str = CFC) -> str:
    with database(app) as s:
        change = s.get(Change, change_id)
        return changes.proposed_texts(s, change)[path]


def form_of(app: Flask, change_id: int, node: str, path: str = CFC, **overrides: Any) -> dict[str, Any]:
    """What the quick edit page posts for `node` as it is now, with some answers changed."""
    target = Document.parse(change_text(app, change_id, path)).target(node)
    data: dict[str, Any] = {}
    if target.kind == "field":
        data = {"label": target.label, "hint": target.hint, "required": "yes" if target.required else "no"}
    elif target.kind == "rule":
        data = {"message": target.message}
    elif target.kind == "indicator":
        data = {"text": target.text, "level": str(target.level)}
    if not target.options_ref:
        data.update({f"option-{i}-label": o.label for i, o in enumerate(target.options)})
    data.update(overrides)
    return data


def quick_edit(client: FlaskClient, app: Flask, change_id: int, node: str, path: str = CFC, **overrides: Any) -> Any:
    url = f"/admin/changes/{change_id}/quick-edit/item?path={path}&node={node}"
    return client.post(url, data={"csrf_token": token(client, url), **form_of(app, change_id, node, path, **overrides)})


def errors_in(response: Any) -> str:
    """The error summary of a page, for an assertion's message."""
    html = response.get_data(as_text=True)
    found = re.search(r'govuk-error-summary__(?:list|body)">(.*?)</(?:ul|div)>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else f"(no error summary: {response.status_code})"


def reword_consent(client: FlaskClient, app: Flask, wording: str = NEW_WORDING) -> int:
    change_id = start_change(client)
    response = quick_edit(client, app, change_id, CONSENT, label=wording)
    assert response.status_code == 302, errors_in(response)
    return change_id


def action(client: FlaskClient, change_id: int, name: str, **data: Any) -> Any:
    return post(client, f"/admin/changes/{change_id}/{name}", data)


def state_of(app: Flask, change_id: int) -> str:
    with database(app) as s:
        change = s.get(Change, change_id)
        assert change is not None
        return change.state


def actions(app: Flask, change_id: int | None = None) -> list[str]:
    with database(app) as s:
        query = select(DefinitionEvent.action).order_by(DefinitionEvent.id)
        if change_id is not None:
            query = query.where(DefinitionEvent.change_id == change_id)
        return list(s.scalars(query))


def live_label(app: Flask, field_id: str = "consent") -> str:
    with app.app_context():
        catalogue: Catalogue = app.extensions["fanlight.catalogue"]
        catalogue.refresh(db.session(), force=True)
        compiled = catalogue.current(FORM)
        assert compiled is not None
        return next(f.label for f in compiled.form.top_fields() if f.id == field_id)


def live_id(app: Flask) -> int:
    with database(app) as s:
        found = registry.live_id(s)
        assert found is not None
        return found


def registry_rows(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """The registry's immutable tables, row by row."""
    with database(app) as s:
        return {
            "versions": [tuple(r) for r in s.execute(select(DefinitionVersion.id, DefinitionVersion.path,
                                                            DefinitionVersion.version, DefinitionVersion.content,
                                                            DefinitionVersion.content_hash).order_by(DefinitionVersion.id))],
            "publications": [(p.id, tuple(p.version_ids)) for p in s.scalars(select(Publication).order_by(Publication.id))],
        }


def in_service(app: Flask, act: Callable[[Any], Any]) -> Any:
    """Run a service-layer action in its own transaction; a refusal rolls back."""
    with database(app) as s:
        try:
            result = act(s)
        except BaseException:
            s.rollback()
            raise
        s.commit()
        return result


def person(s: Any, user: Person) -> User:
    row = s.get(User, user.id)
    assert row is not None
    return row


def service_change(app: Flask, lead: Person, edits: dict[str, str], title: str = "A change") -> int:
    """A draft change made through the service layer, with whole files as its items."""
    def make(s: Any) -> int:
        change = changes.create(s, person(s, lead), title)
        for path, text in edits.items():
            changes.save_item(s, change, person(s, lead), path, text)
        return change.id
    result: int = in_service(app, make)
    return result


def live_text(app: Flask, path: str = CFC) -> str:
    with database(app) as s:
        return registry.texts_of(s, registry.live_id(s) or 0)[path]


def reworded(app: Flask, wording: str = NEW_WORDING) -> str:
    return live_text(app).replace(f"label: {OLD_WORDING}", f"label: {wording}", 1)


def approved(app: Flask, lead: Person, reviewer: Person, edits: dict[str, str]) -> int:
    change_id = service_change(app, lead, edits)
    in_service(app, lambda s: changes.submit(s, s.get(Change, change_id), person(s, lead)))
    in_service(app, lambda s: changes.approve(s, s.get(Change, change_id), person(s, reviewer)))
    return change_id


def published(app: Flask, lead: Person, reviewer: Person, edits: dict[str, str]) -> int:
    change_id = approved(app, lead, reviewer, edits)
    result: int = in_service(app, lambda s: changes.publish(s, s.get(Change, change_id), person(s, reviewer)))
    return result


# The whole story through the pages ----------------------------------------------------------------


def test_a_reworded_question_goes_from_quick_edit_through_review_to_every_page(
        app, lead_client, reviewer_client, teacher_client):
    assert live_label(app) == OLD_WORDING
    change_id = reword_consent(lead_client, app)
    assert state_of(app, change_id) == "draft"
    assert action(lead_client, change_id, "submit").status_code == 302
    assert state_of(app, change_id) == "in_review"
    assert action(reviewer_client, change_id, "approve").status_code == 302
    assert state_of(app, change_id) == "approved"
    response = action(reviewer_client, change_id, "publish")
    assert response.status_code == 302
    assert state_of(app, change_id) == "published"
    assert "Published" in reviewer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert live_label(app) == NEW_WORDING
    draft_id = start_draft(teacher_client)
    page = teacher_client.get(f"/drafts/{draft_id}/sections/consent-and-informing-the-family").get_data(as_text=True)
    assert NEW_WORDING in page and OLD_WORDING not in page
    assert actions(app, change_id) == ["create", "edit", "submit", "approve", "publish"]


# Every state transition, and every refusal ---------------------------------------------------------


def test_every_state_transition_through_the_service_layer(app, lead, reviewer):
    edits = {CFC: reworded(app)}

    def by(user: Person, act: Callable[..., Any], change_id: int, *args: Any) -> None:
        in_service(app, lambda s: act(s, s.get(Change, change_id), person(s, user), *args))

    one = service_change(app, lead, edits)
    by(lead, changes.submit, one)
    assert state_of(app, one) == "in_review"
    by(lead, changes.return_to_draft, one)
    assert state_of(app, one) == "draft"
    by(lead, changes.submit, one)
    by(reviewer, changes.approve, one)
    assert state_of(app, one) == "approved"
    by(lead, changes.return_to_draft, one)  # approved -> draft: the approval is gone
    assert state_of(app, one) == "draft"
    with database(app) as s:
        assert s.get(Change, one).reviewer_id is None
    by(lead, changes.submit, one)
    by(reviewer, changes.approve, one)
    by(reviewer, changes.publish, one)
    assert state_of(app, one) == "published"

    for rejected_from in ("in_review", "approved"):
        other = service_change(app, lead, {CFC: reworded(app, f"Rejected from {rejected_from}?")})
        by(lead, changes.submit, other)
        if rejected_from == "approved":
            by(reviewer, changes.approve, other)
        by(reviewer, changes.reject, other, "Please say why you need this.")
        assert state_of(app, other) == "rejected"

    for withdrawn_from in ("draft", "in_review", "approved"):
        other = service_change(app, lead, {CFC: reworded(app, f"Withdrawn from {withdrawn_from}?")})
        if withdrawn_from != "draft":
            by(lead, changes.submit, other)
        if withdrawn_from == "approved":
            by(reviewer, changes.approve, other)
        by(lead, changes.withdraw, other)
        assert state_of(app, other) == "withdrawn"


# (who acts, the action, extra arguments) refused in each state the action does not apply to.
WRONG_STATE = {
    "draft": [("reviewer", changes.approve), ("reviewer", changes.publish), ("lead", changes.return_to_draft)],
    "in_review": [("lead", changes.submit), ("reviewer", changes.publish)],
    "approved": [("lead", changes.submit), ("reviewer", changes.approve)],
    "published": [("lead", changes.submit), ("reviewer", changes.approve), ("reviewer", changes.publish),
                  ("lead", changes.withdraw), ("lead", changes.return_to_draft)],
    "rejected": [("lead", changes.submit), ("reviewer", changes.approve), ("reviewer", changes.publish),
                 ("lead", changes.withdraw)],
    "withdrawn": [("lead", changes.submit), ("reviewer", changes.approve), ("reviewer", changes.publish),
                  ("lead", changes.withdraw)],
}


def _change_in(app: Flask, lead: Person, reviewer: Person, state: str) -> int:
    change_id = service_change(app, lead, {CFC: reworded(app, f"A question in state {state}?")})
    steps = {"draft": [], "in_review": ["submit"], "approved": ["submit", "approve"],
             "published": ["submit", "approve", "publish"], "rejected": ["submit", "reject"],
             "withdrawn": ["withdraw"]}[state]
    for step in steps:
        user = lead if step in ("submit", "withdraw") else reviewer
        extra = ("No.",) if step == "reject" else ()
        in_service(app, lambda s, step=step, user=user, extra=extra:
                   getattr(changes, step)(s, s.get(Change, change_id), person(s, user), *extra))
    assert state_of(app, change_id) == state
    return change_id


@pytest.mark.parametrize("state", sorted(WRONG_STATE))
def test_an_action_that_does_not_apply_to_the_changes_state_is_refused_and_changes_nothing(app, lead, reviewer, state):
    change_id = _change_in(app, lead, reviewer, state)
    before = snapshot(app)
    for who, act in WRONG_STATE[state]:
        user = lead if who == "lead" else reviewer
        with pytest.raises(changes.NotAllowed):
            in_service(app, lambda s, act=act, user=user: act(s, s.get(Change, change_id), person(s, user)))
        assert snapshot(app) == before, (state, act.__name__)
    if state != "draft":
        with pytest.raises(changes.NotAllowed, match="no longer a draft"):
            in_service(app, lambda s: changes.save_item(s, s.get(Change, change_id), person(s, lead), CFC, "x"))
    assert snapshot(app) == before


def test_the_author_can_never_approve_reject_or_publish_their_own_change(app, lead, reviewer):
    """Even when the author later becomes an IT reviewer: through the service layer and direct requests."""
    change_id = service_change(app, lead, {CFC: reworded(app)})
    in_service(app, lambda s: changes.submit(s, s.get(Change, change_id), person(s, lead)))
    with database(app) as s:
        person(s, lead).role = "it_reviewer"  # the same person, moved to IT
        s.commit()
    author = client_for(app, lead)
    before = snapshot(app, ignore_audit=True)
    for act, args in ((changes.approve, ()), (changes.reject, ("Mine.",)), (changes.publish, ())):
        with pytest.raises(changes.Forbidden, match="your own change"):
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
    in_service(app, lambda s: changes.submit(s, s.get(Change, change_id), person(s, other_lead)))
    with pytest.raises(changes.Forbidden, match="role cannot approve"):
        in_service(app, lambda s: changes.approve(s, s.get(Change, change_id), person(s, lead)))
    before = snapshot(app, ignore_audit=True)
    assert action(lead_client, change_id, "approve").status_code == 403
    in_service(app, lambda s: setattr(s.get(Change, change_id), "state", "approved"))  # as if approved
    before = snapshot(app, ignore_audit=True)
    with pytest.raises(changes.Forbidden, match="role cannot publish"):
        in_service(app, lambda s: changes.publish(s, s.get(Change, change_id), person(s, lead)))
    assert action(lead_client, change_id, "publish").status_code == 403
    assert action(lead_client, change_id, "reject", reason="No").status_code == 403
    assert post(lead_client, "/admin/publications/1/rollback").status_code == 403
    assert snapshot(app, ignore_audit=True) == before


def test_an_it_reviewer_cannot_create_or_edit_a_change(app, lead, reviewer, reviewer_client):
    with pytest.raises(changes.Forbidden):
        in_service(app, lambda s: changes.create(s, person(s, reviewer), "Mine"))
    with pytest.raises(changes.Forbidden):
        in_service(app, lambda s: changes.import_folder(s, person(s, reviewer), {CFC: reworded(app)}, "Mine"))
    change_id = service_change(app, lead, {CFC: reworded(app)})
    with pytest.raises(changes.Forbidden):
        in_service(app, lambda s: changes.save_item(s, s.get(Change, change_id), person(s, reviewer), CFC, "x"))
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
        if not route.endpoint.startswith("admin."):
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
             if endpoint.startswith("admin.")}
    assert set(found.values()) <= {"workbench", "edit_definitions", "review_definitions"}, found
    assert found["admin.approve"] == found["admin.publish"] == found["admin.rollback"] == "review_definitions"
    assert found["admin.new_change"] == found["admin.edit"] == found["admin.quick_edit"] == "edit_definitions"


# One event per action ------------------------------------------------------------------------------


def test_every_definition_action_writes_exactly_one_event(app, lead, reviewer, lead_client, reviewer_client, tmp_path):
    def one_more(expected: str, act: Callable[[], Any]) -> None:
        before = actions(app)
        act()
        after = actions(app)
        assert after[: len(before)] == before and after[len(before):] == [expected], (expected, after[len(before):])

    change_id = start_change(lead_client)  # create
    assert actions(app) == ["create"]
    one_more("edit", lambda: quick_edit(lead_client, app, change_id, CONSENT, label=NEW_WORDING))
    one_more("edit", lambda: lead_client.post(f"/admin/changes/{change_id}/edit", data={
        "csrf_token": token(lead_client), "path": CFC, "text": change_text(app, change_id) + "\n# a comment\n"}))
    one_more("comment", lambda: action(lead_client, change_id, "comment", body="Chase-up calls."))
    one_more("submit", lambda: action(lead_client, change_id, "submit"))
    one_more("comment", lambda: action(reviewer_client, change_id, "comment", body="Looks fine."))
    one_more("approve", lambda: action(reviewer_client, change_id, "approve"))
    one_more("publish", lambda: action(reviewer_client, change_id, "publish"))
    one_more("rollback", lambda: post(reviewer_client, "/admin/publications/1/rollback"))

    rejected = start_change(lead_client, title="To be rejected")
    quick_edit(lead_client, app, rejected, CONSENT, label="Rejected wording?")
    action(lead_client, rejected, "submit")
    one_more("reject", lambda: action(reviewer_client, rejected, "reject", reason="Not this way."))
    withdrawn = start_change(lead_client, title="To be withdrawn")
    one_more("withdraw", lambda: action(lead_client, withdrawn, "withdraw"))
    returned = start_change(lead_client, title="To be returned")
    quick_edit(lead_client, app, returned, CONSENT, label="Returned wording?")
    action(lead_client, returned, "submit")
    one_more("return_to_draft", lambda: action(lead_client, returned, "return"))

    folder = tmp_path / "import"
    (folder / "forms").mkdir(parents=True)
    (folder / "forms" / "cause-for-concern.yaml").write_text(reworded(app, "Imported wording?"))
    one_more("import", lambda: in_service(app, lambda s: changes.import_folder(
        s, person(s, lead), registry.folder_texts(folder), "Import")))

    # Refused actions write no event.
    before = actions(app)
    action(lead_client, change_id, "approve")
    action(reviewer_client, change_id, "publish")
    action(reviewer_client, withdrawn, "approve")
    post(reviewer_client, f"/admin/publications/{live_id(app)}/rollback")
    assert actions(app) == before
    # Each is recorded with who did it.
    with database(app) as s:
        events = list(s.scalars(select(DefinitionEvent)))
        assert all(e.actor_id in (lead.id, reviewer.id) for e in events)
        assert {e.actor_id for e in events if e.action in ("approve", "publish", "rollback", "reject")} == {reviewer.id}


def test_the_history_pages_list_every_action_with_who_did_it(app, lead_client, reviewer_client):
    change_id = reword_consent(lead_client, app)
    action(lead_client, change_id, "submit")
    action(reviewer_client, change_id, "approve")
    action(reviewer_client, change_id, "publish")
    page = reviewer_client.get(f"/admin/definitions/{CFC}").get_data(as_text=True)
    for line in ("create by Sam Lead", "edit by Sam Lead", "submit by Sam Lead", "approve by Ira Reviewer",
                 "publish by Ira Reviewer"):
        assert line in page, line
    assert re.search(r'id="live-version">2<', page)
    history = reviewer_client.get("/admin/history").get_data(as_text=True)
    assert history.count("Ira Reviewer") >= 2 and "Sam Lead" in history


# Published versions are immutable ------------------------------------------------------------------


def test_many_publishes_leave_every_published_version_exactly_as_it_was(app, lead, reviewer):
    """QUALITY §6: 0 hash drift. Each version's hash is its content's, and neither ever changes."""
    seen: dict[int, tuple[str, str]] = {}
    paths = [CFC, "rules/consent-rules.yaml", "thresholds/levels-of-need.yaml"]
    for n in range(8):
        path = paths[n % len(paths)]
        published(app, lead, reviewer, {path: live_text(app, path) + f"\n# publish {n}\n"})
        with database(app) as s:
            for v in s.scalars(select(DefinitionVersion)):
                assert v.content_hash == hashlib.sha256(v.content.encode("utf-8")).hexdigest(), v.path
                assert seen.setdefault(v.id, (v.content, v.content_hash)) == (v.content, v.content_hash), v.path
    with database(app) as s:
        numbers = sorted(v.version for v in s.scalars(select(DefinitionVersion).where(DefinitionVersion.path == CFC)))
        assert numbers == [1, 2, 3, 4]
        assert count(app, Publication) == 9


def test_the_registry_refuses_to_change_or_delete_a_published_version_or_publication(app):
    with database(app) as s:
        version = s.scalars(select(DefinitionVersion)).first()
        version.content = "changed"
        with pytest.raises(registry.Immutable):
            s.flush()
        s.rollback()
        s.delete(s.get(Publication, 1))
        with pytest.raises(registry.Immutable):
            s.flush()
        s.rollback()
    assert count(app, Publication) == 1


def test_publishing_the_same_change_again_fails(app, lead, reviewer, reviewer_client):
    change_id = approved(app, lead, reviewer, {CFC: reworded(app)})
    in_service(app, lambda s: changes.publish(s, s.get(Change, change_id), person(s, reviewer)))
    before = registry_rows(app)
    with pytest.raises(changes.NotAllowed, match="already been published"):
        in_service(app, lambda s: changes.publish(s, s.get(Change, change_id), person(s, reviewer)))
    response = action(reviewer_client, change_id, "publish")
    assert response.status_code == 302
    assert "already been published" in reviewer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert registry_rows(app) == before


def test_publishing_is_atomic_across_the_files_of_a_change(app, lead, reviewer, monkeypatch):
    """A failure after the first new version is written leaves no version and no publication."""
    rules = "rules/consent-rules.yaml"
    change_id = approved(app, lead, reviewer, {
        CFC: reworded(app), rules: live_text(app, rules) + "\n# a second file\n",
        "thresholds/levels-of-need.yaml": live_text(app, "thresholds/levels-of-need.yaml") + "\n# a third\n"})
    before = registry_rows(app)
    written: list[str] = []
    real = registry.with_version

    def fail_on_the_second(text: str, version: int) -> str:
        written.append(text)
        if len(written) == 2:
            raise RuntimeError("the database went away mid-publish")
        return real(text, version)

    monkeypatch.setattr(registry, "with_version", fail_on_the_second)
    with pytest.raises(RuntimeError, match="mid-publish"):
        in_service(app, lambda s: changes.publish(s, s.get(Change, change_id), person(s, reviewer)))
    assert len(written) == 2  # the first file's version had been written (flushed) when it failed
    assert registry_rows(app) == before
    assert state_of(app, change_id) == "approved"
    assert "publish" not in actions(app, change_id)
    assert live_label(app) == OLD_WORDING
    monkeypatch.setattr(registry, "with_version", real)
    in_service(app, lambda s: changes.publish(s, s.get(Change, change_id), person(s, reviewer)))
    assert live_label(app) == NEW_WORDING


def test_two_reviewers_publishing_at_the_same_moment_both_reach_the_live_set(app, lead, reviewer, user_factory,
                                                                            monkeypatch):
    """Without the publish lock, the second publication would be built on the live set both began
    from, and silently drop the first one's file."""
    second_reviewer = user_factory("it_reviewer")
    rules = "rules/consent-rules.yaml"
    first = approved(app, lead, reviewer, {CFC: reworded(app)})
    second = approved(app, lead, second_reviewer, {rules: live_text(app, rules) + "\n# the second change\n"})
    first_inside, second_started = threading.Event(), threading.Event()
    real = registry.publish_texts

    def slow_for_the_first(s: Any, texts: dict[str, str], **kwargs: Any) -> Any:
        if kwargs.get("change_id") == first:
            first_inside.set()
            assert second_started.wait(10)
            threading.Event().wait(0.4)  # the second is now waiting for the lock (or racing without it)
        return real(s, texts, **kwargs)

    monkeypatch.setattr(registry, "publish_texts", slow_for_the_first)
    errors: list[BaseException] = []

    def run(change_id: int, user: Person, wait_for: threading.Event | None) -> None:
        try:
            if wait_for is not None:
                assert wait_for.wait(10)
                second_started.set()
            with app.app_context():
                in_service(app, lambda s: changes.publish(s, s.get(Change, change_id), person(s, user)))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(first, reviewer, None)),
               threading.Thread(target=run, args=(second, second_reviewer, first_inside))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert live_text(app).count(NEW_WORDING) == 1
    assert "# the second change" in live_text(app, rules)


# Rollback -------------------------------------------------------------------------------------------


def test_rollback_republishes_the_previous_versions_as_a_new_change_and_restores_the_wording(
        app, lead, reviewer, reviewer_client):
    published(app, lead, reviewer, {CFC: reworded(app)})
    assert live_label(app) == NEW_WORDING
    before = registry_rows(app)
    response = post(reviewer_client, "/admin/publications/1/rollback")
    assert response.status_code == 302
    assert "Rolled back" in reviewer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert live_label(app) == OLD_WORDING
    after = registry_rows(app)
    assert after["versions"] == before["versions"], "a rollback writes no new version: it republishes the old ones"
    assert after["publications"][-1] == (3, before["publications"][0][1])
    with database(app) as s:
        rollback = s.scalars(select(Change).where(Change.publication_id == 3)).one()
        assert rollback.state == "published" and rollback.title == "Roll back to publication 1"
        assert [i.path for i in s.scalars(select(ChangeItem).where(ChangeItem.change_id == rollback.id))] == [CFC]
        assert list(s.scalars(select(DefinitionEvent.action).where(DefinitionEvent.change_id == rollback.id))) == ["rollback"]
    page = reviewer_client.get(f"/admin/definitions/{CFC}").get_data(as_text=True)
    assert re.search(r'id="live-version">1<', page)
    # Rolling back to what is live is refused; so is a publication that does not exist.
    for target in (3, 99):
        with pytest.raises(changes.NotAllowed):
            in_service(app, lambda s, target=target: changes.rollback(s, person(s, reviewer), target))
    assert registry_rows(app) == after


# Drafts begun before a publish ---------------------------------------------------------------------


def test_a_draft_begun_before_a_publish_stays_pinned_still_validates_and_carries_forward(
        app, lead, reviewer, teacher_client):
    draft_id = start_draft(teacher_client)
    fill_draft(app, draft_id, complete_answers())
    post_section(teacher_client, draft_id, "type-of-concern", {"categories": ["neglect"]}, action="later")
    old = draft_row(app, draft_id)
    # The new version: the consent question reworded, a new question added, one question removed.
    text = reworded(app)
    text = text.replace("      - id: consent_scope\n", (
        "      - id: consent_recorded_where\n        type: text\n        label: Where is the consent recorded?\n"
        "        max_length: 200\n      - id: consent_scope\n"), 1)
    text = re.sub(r"      - id: relationship_to_child\n(?:        .*\n)+", "", text, count=1)
    published(app, lead, reviewer, {CFC: text})

    section = teacher_client.get(f"/drafts/{draft_id}/sections/consent-and-informing-the-family")
    assert section.status_code == 200
    html = section.get_data(as_text=True)
    assert OLD_WORDING in html and NEW_WORDING not in html and "Where is the consent recorded?" not in html
    # It still validates on its version: leaving a required question of that version empty is an error.
    response = post_section(teacher_client, draft_id, "about-this-referral", {"immediate_danger": None},
                            action="continue")
    assert response.status_code == 422
    assert draft_row(app, draft_id).form_version == old.form_version == 1

    page = teacher_client.get(f"/drafts/{draft_id}").get_data(as_text=True)
    assert "This form has been updated since you started it." in page and "carry-forward" in page
    held = draft_row(app, draft_id)
    response = teacher_client.post(f"/drafts/{draft_id}/carry-forward", data={
        "csrf_token": csrf_from(page), "revision": str(held.revision)})
    assert response.status_code == 302
    moved = draft_row(app, draft_id)
    assert moved.form_version == 2 and moved.publication_id == live_id(app)
    assert "relationship_to_child" in held.answers and "relationship_to_child" not in moved.answers
    assert moved.answers == {k: v for k, v in held.answers.items() if k != "relationship_to_child"}
    assert moved.answers["categories"] == ["neglect"] and moved.answers["consent"] == old.answers["consent"]
    after = teacher_client.get(f"/drafts/{draft_id}").get_data(as_text=True)
    assert "Where is the consent recorded?" in after
    assert NEW_WORDING in teacher_client.get(
        f"/drafts/{draft_id}/sections/consent-and-informing-the-family").get_data(as_text=True)


# The stale base ---------------------------------------------------------------------------------------


def test_two_changes_editing_one_file_the_second_to_publish_is_refused(app, lead, reviewer, reviewer_client):
    first = approved(app, lead, reviewer, {CFC: reworded(app, "First wording?")})
    second = approved(app, lead, reviewer, {CFC: reworded(app, "Second wording?")})
    in_service(app, lambda s: changes.publish(s, s.get(Change, first), person(s, reviewer)))
    before = registry_rows(app)
    with pytest.raises(changes.NotAllowed, match="another change published forms/cause-for-concern.yaml"):
        in_service(app, lambda s: changes.publish(s, s.get(Change, second), person(s, reviewer)))
    page = reviewer_client.get(f"/admin/changes/{second}").get_data(as_text=True)
    assert "cannot be published" in page
    response = action(reviewer_client, second, "publish")
    assert "another change published" in reviewer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert registry_rows(app) == before and state_of(app, second) == "approved"
    assert live_label(app) == "First wording?"


def test_changes_to_different_files_publish_one_after_the_other(app, lead, reviewer):
    rules = "rules/consent-rules.yaml"
    first = approved(app, lead, reviewer, {CFC: reworded(app)})
    second = approved(app, lead, reviewer, {rules: live_text(app, rules) + "\n# second\n"})
    for change_id in (first, second):
        in_service(app, lambda s, change_id=change_id: changes.publish(s, s.get(Change, change_id), person(s, reviewer)))
    assert NEW_WORDING in live_text(app) and "# second" in live_text(app, rules)


# Checks and definition tests ---------------------------------------------------------------------------


def test_the_definition_tests_run_on_every_save_and_publishing_is_refused_while_one_fails(
        app, lead_client, reviewer_client, lead, reviewer):
    change_id = start_change(lead_client)
    response = quick_edit(lead_client, app, change_id, FAILS_A_TEST, required="yes")
    assert response.status_code == 302
    page = lead_client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r"Definition tests: \d+ passed, 1 failed", page)
    assert re.search(r'id="tests-failed">1<', page)
    edit_page = lead_client.get(f"/admin/changes/{change_id}/edit?path={CFC}").get_data(as_text=True)
    assert re.search(r'id="tests-failed">1<', edit_page) and "FAIL" in edit_page
    action(lead_client, change_id, "submit")  # a failing test does not stop review: the reviewer sees it
    action(reviewer_client, change_id, "approve")
    page = reviewer_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    assert "Definition tests that fail with this change: 1." in page and "Publishing will be refused" in page
    before = registry_rows(app)
    response = action(reviewer_client, change_id, "publish")
    assert "1 definition test(s) fail" in reviewer_client.get(response.headers["Location"]).get_data(as_text=True)
    with pytest.raises(changes.NotAllowed, match="1 definition test"):
        in_service(app, lambda s: changes.publish(s, s.get(Change, change_id), person(s, reviewer)))
    assert registry_rows(app) == before and state_of(app, change_id) == "approved"


def test_publishing_is_refused_while_the_definitions_have_problems(app, lead, reviewer, reviewer_client):
    broken = live_text(app).replace("show_if: consent.given == true", "show_if: consent.givn == true", 1)
    change_id = service_change(app, lead, {CFC: broken})
    with pytest.raises(changes.NotAllowed, match="problem"):
        in_service(app, lambda s: changes.submit(s, s.get(Change, change_id), person(s, lead)))
    in_service(app, lambda s: setattr(s.get(Change, change_id), "state", "approved"))  # as if it slipped through
    before = registry_rows(app)
    response = action(reviewer_client, change_id, "publish")
    assert "problem(s)" in reviewer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert registry_rows(app) == before


def test_the_yaml_editor_shows_problems_with_line_numbers_as_you_type(app, lead_client):
    change_id = start_change(lead_client)
    url = f"/admin/changes/{change_id}/edit?path={CFC}"
    page = lead_client.get(url).get_data(as_text=True)
    assert f'hx-post="/admin/changes/{change_id}/validate"' in page and 'hx-trigger="input' in page
    text = live_text(app)
    broken = text.replace("show_if: consent.given == true", "show_if: consent.givn == true", 1)
    line = broken.splitlines().index("        show_if: consent.givn == true") + 1
    fragment = lead_client.post(f"/admin/changes/{change_id}/validate", data={"path": CFC, "text": broken},
                                headers={"X-CSRFToken": token(lead_client, url), "HX-Request": "true"})
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and f"Line {line}, column" in html and f'data-line="{line}"' in html
    clean = lead_client.post(f"/admin/changes/{change_id}/validate", data={"path": CFC, "text": text},
                             headers={"X-CSRFToken": token(lead_client, url), "HX-Request": "true"})
    assert "No problems" in clean.get_data(as_text=True)
    assert count(app, ChangeItem) == 0  # validating saves nothing
    saved = lead_client.post(f"/admin/changes/{change_id}/edit",
                             data={"csrf_token": token(lead_client, url), "path": CFC, "text": broken})
    assert saved.status_code == 302
    after = lead_client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "1 problem(s)" in after and f"Line {line}, column" in after  # kept, with its problem shown
    assert change_text(app, change_id) == broken


# The structured quick edit -----------------------------------------------------------------------------


def test_the_quick_edit_writes_back_only_the_changed_line_keeping_comments_and_order(app, lead_client):
    change_id = reword_consent(lead_client, app)
    before, after = live_text(app).splitlines(), change_text(app, change_id).splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [(f"        label: {OLD_WORDING}", f"        label: {NEW_WORDING}")]


def test_the_quick_edit_changes_hint_required_and_options_in_place(app, lead_client):
    change_id = start_change(lead_client)
    response = quick_edit(lead_client, app, change_id, "about-this-referral/referrer_threshold_level",
                          hint="", required="no", **{"option-0-label": "Level 1: universal services", "option-3-remove": "yes",
                                                      "new-0-value": "not_sure", "new-0-label": "I'm not sure: ask"})
    assert response.status_code == 302, errors_in(response)
    text = change_text(app, change_id)
    block = text[text.index("      - id: referrer_threshold_level"):text.index("      - id: phoned_front_door")]
    assert block == (
        "      - id: referrer_threshold_level\n"
        "        type: radios\n"
        "        label: Which level of need do you think the child is at?\n"
        "        options:\n"
        "          - {value: 'level_1', label: 'Level 1: universal services'}\n"
        "          - {value: 'level_2', label: 'Level 2 – Additional needs'}\n"
        "          - {value: 'level_3', label: 'Level 3 – Complex needs'}\n"
        "          - {value: 'not_sure', label: 'I''m not sure: ask'}\n")
    assert text.count("\n  # ----") == live_text(app).count("\n  # ----")
    page = lead_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    for kind in ("hint_changed", "required_changed", "option_label_changed", "options_removed", "options_added"):
        assert f'<code class="fanlight-diff-kind">{kind}</code>' in page, kind
    # A comment after the last question of a section stays where it was when that question changes.
    response = quick_edit(lead_client, app, change_id, "consent-and-informing-the-family/consent_scope",
                          required="yes", hint="")
    assert response.status_code == 302, errors_in(response)
    text = change_text(app, change_id)
    assert ("        show_if: consent.given == true\n        required: true\n        max_length: 2000\n\n"
            "  # -----") in text


def test_the_quick_edit_changes_a_rules_message_and_an_indicators_text_and_level(app, lead_client):
    rules, thresholds = "rules/consent-rules.yaml", "thresholds/levels-of-need.yaml"
    change_id = start_change(lead_client, path=rules)
    response = quick_edit(lead_client, app, change_id, "rules/consent-given-but-family-not-told", path=rules,
                          message="Check both answers: consent was given but the family was not told.")
    assert response.status_code == 302
    assert ('    message: "Check both answers: consent was given but the family was not told."\n'
            in change_text(app, change_id, rules))
    response = quick_edit(lead_client, app, change_id, "indicators/cd2-attendance-slipping", path=thresholds,
                          text="Attendance is slipping.", level="3")
    assert response.status_code == 302, errors_in(response)
    text = change_text(app, change_id, thresholds)
    assert ("  - id: cd2-attendance-slipping\n    level: 3\n    domain: child_development\n"
            "    text: Attendance is slipping.\n") in text
    page = lead_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    assert "indicator_level_changed" in page and "message_changed" in page


def test_the_quick_edit_refuses_invalid_answers_with_an_error_summary_and_saves_nothing(app, lead_client):
    change_id = start_change(lead_client)
    before = snapshot(app, ignore_audit=True)
    cases = [
        ({"label": "  "}, "#label", "Enter the question"),
        ({"required": ""}, "#required", "Select whether the question must be answered"),
        ({"new-0-value": "no way", "new-0-label": "No way"}, "#new-0-value", "can only contain letters"),
        ({"new-0-value": "early_help", "new-0-label": "Again"}, "#new-0-value", "already an option"),
        ({"new-1-value": "later"}, "#new-1-label", "Enter a label for the new option"),
        ({"option-0-label": ""}, "#option-0-label", "or remove it"),
        ({}, "#label", "You have not changed anything"),
    ]
    for overrides, anchor, message in cases:
        response = quick_edit(lead_client, app, change_id, "about-this-referral/request_type", **overrides)
        assert response.status_code == 422, overrides
        html = response.get_data(as_text=True)
        assert 'class="govuk-error-summary"' in html and f'href="{anchor}"' in html and message in html, overrides
        assert "<title>Error: " in html
    # Removing an option an expression reads makes the definitions invalid: refused, with the problem.
    response = quick_edit(lead_client, app, change_id, "about-this-referral/request_type", **{"option-0-remove": "yes"})
    assert response.status_code == 422
    assert "This would make the definitions invalid" in response.get_data(as_text=True)
    assert snapshot(app, ignore_audit=True) == before


def test_a_quick_edit_value_that_yaml_1_1_would_read_as_a_boolean_is_quoted(app, lead_client):
    change_id = start_change(lead_client)
    response = quick_edit(lead_client, app, change_id, "about-this-referral/concern_level",
                          **{"new-0-value": "no", "new-0-label": "No"})
    assert response.status_code == 302
    assert "          - {value: 'no', label: 'No'}\n" in change_text(app, change_id)
    response = quick_edit(lead_client, app, change_id, CONSENT, label="yes")
    assert response.status_code == 302
    assert '        label: "yes"\n' in change_text(app, change_id)


def test_the_quick_edit_lists_the_questions_rules_and_indicators_of_a_file(app, lead_client):
    change_id = start_change(lead_client)
    page = lead_client.get(f"/admin/changes/{change_id}/quick-edit?path={CFC}").get_data(as_text=True)
    assert OLD_WORDING in page and "Telling the family and consent" in page
    assert f"node={CONSENT}".replace("/", "%2F") in page or f"node={CONSENT}" in page
    page = lead_client.get(f"/admin/changes/{change_id}/quick-edit?path=rules/consent-rules.yaml").get_data(as_text=True)
    assert "rules/consent-needed-for-early-help" in page
    page = lead_client.get(f"/admin/changes/{change_id}/quick-edit?path=options/not-informed-reasons.yaml").get_data(as_text=True)
    assert "node=options" in page
    assert lead_client.get(f"/admin/changes/{change_id}/quick-edit?path=forms/nothing.yaml").status_code == 404
    assert lead_client.get(f"/admin/changes/{change_id}/quick-edit/item?path={CFC}&node=nowhere/nothing").status_code == 404


# Review: the semantic diff and impact -------------------------------------------------------------------


def test_the_change_page_shows_label_changed_no_expression_affected_and_the_drafts_on_the_old_version(
        app, lead_client, reviewer_client, teacher_client):
    for _ in range(2):
        start_draft(teacher_client)
    submitted = start_draft(teacher_client)
    with database(app) as s:
        s.get(Draft, submitted).status = "submitted"  # a sent referral is not a draft in progress
        s.commit()
    change_id = reword_consent(lead_client, app)
    action(lead_client, change_id, "submit")
    page = reviewer_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    rows = re.findall(r'<tr class="govuk-table__row fanlight-diff-row">(.*?)</tr>', page, re.S)
    assert len(rows) == 1, rows
    assert '<code class="fanlight-diff-kind">label_changed</code>' in rows[0]
    assert f'<code class="fanlight-diff-path">{CONSENT}</code>' in rows[0]
    assert "Have you asked the family for consent to this referral?" in rows[0]
    assert "Expressions that read a changed field: 0." in page
    drafts = re.search(r'<p class="govuk-body" id="impact-drafts">(.*?)</p>', page, re.S)
    assert drafts, page
    assert " ".join(drafts.group(1).split()).startswith(
        "Drafts in progress on the forms changed: 2 on cause-for-concern version 1."), drafts.group(1)


def test_impact_lists_the_expressions_that_read_a_field_whose_values_change(app, lead, lead_client, reviewer_client):
    change_id = start_change(lead_client)
    response = quick_edit(lead_client, app, change_id, "consent-and-informing-the-family/parents_informed",
                          required="no")
    assert response.status_code == 302
    page = reviewer_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    assert "required_changed" in page
    found = re.search(r"Expressions that read a changed field: (\d+)\.", page)
    assert found and int(found.group(1)) >= 3  # show_if of two questions and the consent rules read it
    assert "parents_informed == false" in page


# Import and export ----------------------------------------------------------------------------------------


def _cli(app: Flask, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "FANLIGHT_DEFINITIONS": str(REPO / "definitions"),
           "FANLIGHT_INSTANCE": app.instance_path, "SECRET_KEY": "cli-test", "FANLIGHT_DEMO_ACCOUNTS": "0"}
    return subprocess.run([str(Path(sys.executable).parent / "fanlight"), *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=120, check=False)


def test_export_then_import_round_trips_through_review(app, lead, reviewer, tmp_path):
    exported = tmp_path / "exported"
    result = _cli(app, "definitions", "export", str(exported))
    assert result.returncode == 0, result.stderr
    with database(app) as s:
        assert registry.folder_texts(exported) == registry.texts_of(s, registry.live_id(s) or 0)
    result = _cli(app, "definitions", "import", str(exported), "--author", lead.email)
    assert result.returncode == 0 and "nothing to import" in result.stdout, result.stdout + result.stderr

    target = exported / "forms" / "cause-for-concern.yaml"
    target.write_text(target.read_text().replace(OLD_WORDING, NEW_WORDING))
    result = _cli(app, "definitions", "import", str(exported), "--author", lead.email, "--title", "From git")
    assert result.returncode == 0, result.stderr
    assert "is in review (1 file(s), 0 problem(s))" in result.stdout
    with database(app) as s:
        change = s.scalars(select(Change).where(Change.title == "From git")).one()
        assert [i.path for i in s.scalars(select(ChangeItem).where(ChangeItem.change_id == change.id))] == [CFC]
        change_id = change.id
    assert actions(app, change_id) == ["import"]
    in_service(app, lambda s: changes.approve(s, s.get(Change, change_id), person(s, reviewer)))
    in_service(app, lambda s: changes.publish(s, s.get(Change, change_id), person(s, reviewer)))

    again = tmp_path / "again"
    assert _cli(app, "definitions", "export", str(again)).returncode == 0
    assert (again / CFC).read_text() == target.read_text().replace("version: 1\n", "version: 2\n", 1)
    assert registry.folder_texts(again).keys() == registry.folder_texts(exported).keys()

    broken = tmp_path / "broken"
    (broken / "forms").mkdir(parents=True)
    (broken / "forms" / "cause-for-concern.yaml").write_text(target.read_text().replace("type: consent", "type: nonsense"))
    result = _cli(app, "definitions", "import", str(broken), "--author", lead.email, "--title", "Broken")
    assert result.returncode == 1 and "is draft" in result.stdout and "forms/cause-for-concern.yaml:" in result.stderr
    assert _cli(app, "definitions", "import", str(broken), "--author", "nobody@example.org").returncode == 2


def test_import_refuses_unsafe_file_names(app, lead):
    with pytest.raises(changes.NotAllowed, match="cannot be imported"):
        in_service(app, lambda s: changes.import_folder(s, person(s, lead), {"../escape.yaml": "kind: form\n"}, "x"))
    assert count(app, Change) == 0


# Several workers on one database ---------------------------------------------------------------------------


def test_workers_starting_together_on_a_new_database_publish_the_bundled_set_once(app):
    from .conftest import clean

    clean(app.config["DATABASE_URL"])  # the app fixture has published it: start again from nothing
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        try:
            with app.app_context():
                barrier.wait(10)
                registry.ensure_bundled(db.session(), REPO / "definitions")
                db.session().close()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert count(app, Publication) == 1
    assert count(app, DefinitionVersion) == len(registry.folder_texts(REPO / "definitions"))


def test_a_publication_that_cannot_be_served_is_not_compiled_again_and_again(app, monkeypatch):
    catalogue: Catalogue = app.extensions["fanlight.catalogue"]
    with app.app_context():
        s = db.session()
        texts = registry.texts_of(s, 1)
        texts[CFC] = texts[CFC].replace("type: consent", "type: nonsense", 1)
        registry.publish_texts(s, texts, change_id=None, user_id=None, note="broken by hand")
        s.commit()
        loads: list[int] = []
        real = registry.texts_of
        monkeypatch.setattr(registry, "texts_of", lambda s, pid: loads.append(pid) or real(s, pid))
        for _ in range(3):
            catalogue.refresh(s, force=True)
        assert catalogue.live == 1 and loads.count(2) == 1


def test_refused_workflow_requests_by_role_are_each_audited_once(app, lead, lead_client):
    change_id = service_change(app, lead, {CFC: reworded(app)})
    before = len(audit_rows(app))
    action(lead_client, change_id, "approve")
    rows = audit_rows(app)[before:]
    assert [r.event for r in rows] == ["access_denied"]
    assert isinstance(rows[0], AuditEvent) and str(change_id) in rows[0].target


def test_every_submission_still_renders_on_its_own_version_after_publishes_and_a_rollback(
        app, lead, reviewer, teacher_client):
    from .factories import submitted_draft

    _, before = submitted_draft(app, teacher_client)
    published(app, lead, reviewer, {CFC: reworded(app)})
    _, after = submitted_draft(app, teacher_client)
    in_service(app, lambda s: changes.rollback(s, person(s, reviewer), 1))
    for submission_id, wording, other in ((before, OLD_WORDING, NEW_WORDING), (after, NEW_WORDING, OLD_WORDING)):
        for view in ("print", "case-note.txt"):
            response = teacher_client.get(f"/submissions/{submission_id}/{view}")
            assert response.status_code == 200, (view, response.status_code)
            page = response.get_data(as_text=True)
            assert wording in page and other not in page, (submission_id, view)


def test_a_published_change_keeps_showing_what_it_published_after_later_publications(
        app, lead, reviewer, reviewer_client):
    first = approved(app, lead, reviewer, {CFC: reworded(app)})
    in_service(app, lambda s: changes.publish(s, s.get(Change, first), person(s, reviewer)))
    rules = "rules/consent-rules.yaml"
    published(app, lead, reviewer, {rules: live_text(app, rules) + "\n# a later change\n"})
    in_service(app, lambda s: changes.rollback(s, person(s, reviewer), 1))
    page = reviewer_client.get(f"/admin/changes/{first}").get_data(as_text=True)
    rows = re.findall(r'<tr class="govuk-table__row fanlight-diff-row">(.*?)</tr>', page, re.S)
    assert len(rows) == 1 and "label_changed" in rows[0] and NEW_WORDING in rows[0]
    assert "Since this change began" not in page  # a published change is never stale
