"""People, pages and service-layer steps shared by the workbench tests (tests/admin/)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from fanlight.admin import workflow
from fanlight.admin.quickedit import Document
from fanlight.web import db, extensions
from fanlight.web.definitions import registry
from fanlight.web.definitions.catalogue import Catalogue
from fanlight.web.models import Change, DefinitionEvent, DefinitionVersion, Publication, User
from tests.support.factories import FORM, csrf_from, database, sign_in
from tests.support.factories import User as Person

CFC = "forms/cause-for-concern.yaml"
CONSENT = "consent-and-informing-the-family/consent"
OLD_WORDING = "Have you asked the family for consent to this referral?"
NEW_WORDING = "Have you asked the family whether they agree to this referral?"
# Making this optional question required fails one bundled definition test (and is otherwise valid).
FAILS_A_TEST = "about-this-referral/dsl_name"


def client_for(app: Flask, user: Person) -> FlaskClient:
    client = app.test_client()
    sign_in(client, user, next_="/admin/")
    return client


# People and pages ---------------------------------------------------------------------------------


def token(client: FlaskClient, path: str = "/admin/") -> str:
    page = client.get(path)
    assert page.status_code in (200, 403), (path, page.status_code)
    return csrf_from(page.get_data(as_text=True))


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(path, data={"csrf_token": token(client), **(data or {})})


def start_change(client: FlaskClient, path: str = CFC, title: str = "Consent wording",
                 reason: str = "The wording generates chase-up calls.") -> int:
    response = post(client, "/admin/changes", {"path": path, "title": title, "reason": reason})
    assert response.status_code == 302, response.status_code
    found = re.match(r"^/admin/changes/(\d+)/quick-edit\?path=", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def change_text(app: Flask, change_id: int, path: str = CFC) -> str:
    with database(app) as s:
        change = s.get(Change, change_id)
        return workflow.proposed_texts(s, change)[path]


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
    """A workflow action from the change page; sending for review gives the title and a reason, as the page asks."""
    if name == "submit" and not data:
        with database(client.application) as s:
            change = s.get(Change, change_id)
            data = {"title": change.title if change else "A change", "reason": (change.description if change else "")
                    or "The wording generates chase-up calls."}
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


def follow_publications(app: Flask) -> Catalogue:
    """The app's catalogue, made to serve the newest publication now rather than at its next poll."""
    with app.app_context():
        catalogue: Catalogue = extensions.catalogue(app)
        catalogue.refresh(db.session(), force=True)
        return catalogue


def live_label(app: Flask, field_id: str = "consent") -> str:
    compiled = follow_publications(app).current(FORM)
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


def service_change(app: Flask, lead: Person, edits: dict[str, str], title: str = "A change",
                   reason: str = "A test needs it.") -> int:
    """A draft change made through the service layer, with whole files as its items, and a reason."""
    def make(s: Any) -> int:
        change = workflow.create(s, person(s, lead), title, reason)
        for path, text in edits.items():
            workflow.save_item(s, change, person(s, lead), path, text)
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
    in_service(app, lambda s: workflow.submit(s, s.get(Change, change_id), person(s, lead)))
    in_service(app, lambda s: workflow.approve(s, s.get(Change, change_id), person(s, reviewer)))
    return change_id


def published(app: Flask, lead: Person, reviewer: Person, edits: dict[str, str]) -> int:
    change_id = approved(app, lead, reviewer, edits)
    result: int = in_service(app, lambda s: workflow.publish(s, s.get(Change, change_id), person(s, reviewer)))
    # Workers poll for publications every quarter second; a publish takes less when its checks are
    # cached, so the next request could still be served the set before.
    follow_publications(app)
    return result
