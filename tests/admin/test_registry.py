"""The definition registry under the workbench: published versions never change, drafts stay
pinned to their version, and workers share one database."""

from __future__ import annotations

import hashlib
import re
import threading

import pytest
from sqlalchemy import select

from fanlight.admin import workflow
from fanlight.web import db, extensions
from fanlight.web.definitions import registry
from fanlight.web.definitions.catalogue import Catalogue
from fanlight.web.models import DefinitionVersion, Publication
from tests.admin.workbench_helpers import (
    CFC,
    NEW_WORDING,
    OLD_WORDING,
    in_service,
    live_id,
    live_text,
    person,
    published,
    reworded,
)
from tests.support.factories import (
    REPO,
    complete_answers,
    count,
    csrf_from,
    database,
    draft_row,
    fill_draft,
    post_section,
    start_draft,
)

# Published versions are immutable ------------------------------------------------------------------


def test_many_publishes_leave_every_published_version_exactly_as_it_was(app, lead, reviewer):
    """QUALITY §6: 0 hash drift. Each version's hash is its content's, and neither ever workflow."""
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
    catalogue: Catalogue = extensions.catalogue(app)
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


def test_every_submission_still_renders_on_its_own_version_after_publishes_and_a_rollback(
        app, lead, reviewer, teacher_client):
    from tests.support.factories import submitted_draft

    _, before = submitted_draft(app, teacher_client)
    published(app, lead, reviewer, {CFC: reworded(app)})
    _, after = submitted_draft(app, teacher_client)
    in_service(app, lambda s: workflow.rollback(s, person(s, reviewer), 1, "Calls doubled."))
    for submission_id, wording, other in ((before, OLD_WORDING, NEW_WORDING), (after, NEW_WORDING, OLD_WORDING)):
        for view in ("print", "case-note.txt"):
            response = teacher_client.get(f"/submissions/{submission_id}/{view}")
            assert response.status_code == 200, (view, response.status_code)
            page = response.get_data(as_text=True)
            assert wording in page and other not in page, (submission_id, view)
