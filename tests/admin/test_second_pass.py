"""The workbench, second pass (issue 12, items 2, 5, 6 and 7): a change says why, rollback is a
reviewed act, history that can be read, and messages written for people."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from fanlight.admin import workflow
from fanlight.web.models import Change, DefinitionEvent, Publication
from tests.admin.workbench_helpers import (
    CFC,
    CONSENT,
    NEW_WORDING,
    OLD_WORDING,
    action,
    errors_in,
    in_service,
    live_label,
    person,
    post,
    published,
    quick_edit,
    reworded,
    start_change,
    state_of,
    token,
)
from tests.support.factories import database, make_user

REASON = "The wording generates chase-up calls."
RULES = "rules/consent-rules.yaml"


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


# 2. A change says why ---------------------------------------------------------------------------------


def test_a_change_cannot_go_to_review_without_a_reason_and_its_title_and_reason_show_everywhere(
        app, lead, lead_client, reviewer_client):
    change_id = start_change(lead_client, title="", reason="")
    assert quick_edit(lead_client, app, change_id, CONSENT, label=NEW_WORDING).status_code == 302
    page = lead_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    # The title is prefilled with what the change does; the author can change it.
    title = re.search(r'<input[^>]*id="title"[^>]*value="([^"]*)"', page)
    assert title and "consent" in title.group(1), page[:200]
    refused = action(lead_client, change_id, "submit", title="Consent wording", reason="")
    assert refused.status_code == 422
    assert "Say why this change is needed" in errors_in(refused)
    assert 'id="reason-error"' in refused.get_data(as_text=True)
    assert state_of(app, change_id) == "draft"
    with pytest.raises(workflow.NotAllowed, match="why"):
        in_service(app, lambda s: workflow.submit(s, s.get(Change, change_id), person(s, lead)))
    sent = action(lead_client, change_id, "submit", title="Clearer consent question", reason=REASON)
    assert sent.status_code == 302, errors_in(sent)
    assert state_of(app, change_id) == "in_review"
    review = _text(reviewer_client.get(f"/admin/changes/{change_id}"))
    assert "Clearer consent question" in review and REASON in review
    listing = _text(reviewer_client.get("/admin/"))
    assert "Clearer consent question" in listing and REASON in listing
    history = _text(reviewer_client.get("/admin/history"))
    assert "Clearer consent question" in history and REASON in history


def test_the_title_and_reason_are_asked_for_on_the_quick_edit_and_the_yaml_editor(app, lead_client):
    change_id = start_change(lead_client)
    for url in (f"/admin/changes/{change_id}/quick-edit?path={CFC}", f"/admin/changes/{change_id}/edit?path={CFC}"):
        page = lead_client.get(url).get_data(as_text=True)
        assert 'name="title"' in page and 'name="reason"' in page, url
    saved = post(lead_client, f"/admin/changes/{change_id}/about",
                 {"title": "Clearer consent question", "reason": REASON, "next": f"/admin/changes/{change_id}/edit?path={CFC}"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/edit?path={CFC}")
    with database(app) as s:
        change = s.get(Change, change_id)
        assert (change.title, change.description) == ("Clearer consent question", REASON)
    empty = post(lead_client, f"/admin/changes/{change_id}/about", {"title": " ", "reason": REASON})
    assert empty.status_code == 422 and "Enter a title for the change" in errors_in(empty)
    # An address elsewhere is never followed.
    away = post(lead_client, f"/admin/changes/{change_id}/about", {"title": "T", "reason": REASON, "next": "https://evil.example/"})
    assert away.headers["Location"].endswith(f"/admin/changes/{change_id}")


# 5. Rollback is a reviewed act ------------------------------------------------------------------------


def test_rollback_is_confirmed_on_a_page_with_its_diff_and_a_reason_and_recorded_like_a_publication(
        app, lead, reviewer, reviewer_client):
    published(app, lead, reviewer, {CFC: reworded(app)})
    page = reviewer_client.get("/admin/publications/1/rollback")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<code class="fanlight-diff-kind">label_changed</code>' in html
    assert NEW_WORDING in html and OLD_WORDING in html and 'name="reason"' in html
    refused = post(reviewer_client, "/admin/publications/1/rollback", {"reason": ""})
    assert refused.status_code == 422 and "Say why" in errors_in(refused)
    assert live_label(app) == NEW_WORDING
    done = post(reviewer_client, "/admin/publications/1/rollback", {"reason": "Calls doubled overnight."})
    assert done.status_code == 302
    assert live_label(app) == OLD_WORDING
    with database(app) as s:
        newest = s.scalars(select(Publication).order_by(Publication.id.desc())).first()
        assert newest.published_by == reviewer.id
        change = s.get(Change, newest.change_id)
        assert change.description == "Calls doubled overnight."
        event = s.scalars(select(DefinitionEvent).where(DefinitionEvent.action == "rollback")).one()
        assert event.detail["reason"] == "Calls doubled overnight."
    index = _text(reviewer_client.get("/admin/"))
    assert f"Publication {newest.id}" in index and "Ira Reviewer" in index and "Calls doubled overnight." in index
    history = _text(reviewer_client.get("/admin/history"))
    assert "Calls doubled overnight." in history and f"Publication {newest.id}" in history


def test_with_the_setting_a_rollback_is_a_change_that_another_reviewer_publishes(
        app, lead, reviewer, reviewer_client):
    app.config["FANLIGHT_ROLLBACK_NEEDS_SECOND_PERSON"] = True
    published(app, lead, reviewer, {CFC: reworded(app)})
    requested = post(reviewer_client, "/admin/publications/1/rollback", {"reason": "Calls doubled overnight."})
    assert requested.status_code == 302
    assert live_label(app) == NEW_WORDING  # nothing is live until a second person publishes it
    change_id = int(re.search(r"/admin/changes/(\d+)", requested.headers["Location"]).group(1))  # type: ignore[union-attr]
    assert state_of(app, change_id) == "in_review"
    with pytest.raises(workflow.Forbidden):
        in_service(app, lambda s: workflow.approve(s, s.get(Change, change_id), person(s, reviewer)))
    other = make_user(app, "it_reviewer", name="Olu Other", agency="IT")
    in_service(app, lambda s: workflow.approve(s, s.get(Change, change_id), person(s, other)))
    publication = in_service(app, lambda s: workflow.publish(s, s.get(Change, change_id), person(s, other)))
    assert live_label(app) == OLD_WORDING
    with database(app) as s:
        first, new = s.get(Publication, 1), s.get(Publication, publication)
        assert new.version_ids == first.version_ids  # the very versions of publication 1
        assert new.published_by == other.id


# 6. History that can be read ----------------------------------------------------------------------------


def test_the_history_gives_times_with_their_zone_what_each_edit_changed_and_names_publications(
        app, lead, reviewer, lead_client, reviewer_client):
    change_id = start_change(lead_client)
    assert quick_edit(lead_client, app, change_id, CONSENT, label=NEW_WORDING).status_code == 302
    history = _text(reviewer_client.get("/admin/history"))
    assert re.search(r"\d{1,2} \w+ 20\d\d at \d{1,2}:\d\d(am|pm) (GMT|BST)", history), history[:500]
    assert "changed the label of consent" in history
    with database(app) as s:
        edit = s.scalars(select(DefinitionEvent).where(DefinitionEvent.action == "edit")).one()
        assert edit.detail["summary"] == ["changed the label of consent"]
    change_page = _text(lead_client.get(f"/admin/changes/{change_id}"))
    assert "changed the label of consent" in change_page
    number = published(app, lead, reviewer, {CFC: reworded(app, "Another wording?")})
    history = _text(reviewer_client.get("/admin/history"))
    assert f"Publication {number}" in history
    definition = _text(reviewer_client.get(f"/admin/definitions/{CFC}"))
    assert f"version 2 of {CFC}" in definition and f"Publication {number}" in definition
    assert re.search(r"at \d{1,2}:\d\d(am|pm) (GMT|BST)", definition)


# 7. Messages written for people -------------------------------------------------------------------------


def test_a_severity_without_a_message_is_worded_for_people(app, lead_client):
    change_id = start_change(lead_client, path=RULES)
    url = f"/admin/changes/{change_id}/edit?path={RULES}"
    text = lead_client.get(url).get_data(as_text=True)
    with database(app) as s:
        from fanlight.web.definitions import registry
        live = registry.texts_of(s, registry.live_id(s) or 0)[RULES]
    start = live.index("  - id: consent-needed-for-early-help")
    end = live.index("  - id: consent-refused-not-child-protection")
    broken = live[:start] + ("  - id: consent-needed-for-early-help\n"
                             "    when: consent.sought == false\n    severity: error\n\n") + live[end:]
    fragment = lead_client.post(f"/admin/changes/{change_id}/validate", data={"path": RULES, "text": broken},
                                headers={"X-CSRFToken": token(lead_client, url), "HX-Request": "true"})
    words = _text(fragment)
    assert "a rule with a severity needs a message" in words, words
    assert "is a dependency of" not in words
    assert text  # the editor page itself showed


def test_the_saved_message_quotes_the_new_wording(app, lead_client):
    change_id = start_change(lead_client)
    response = quick_edit(lead_client, app, change_id, CONSENT, label=NEW_WORDING)
    page = _text(lead_client.get(response.headers["Location"]))
    assert f"Saved “{NEW_WORDING}”" in page and f"Saved “{OLD_WORDING}”" not in page


def test_the_checks_never_say_all_pass_beside_a_problem(app, lead_client):
    change_id = start_change(lead_client)
    url = f"/admin/changes/{change_id}/edit?path={CFC}"
    page = lead_client.get(url).get_data(as_text=True)
    with database(app) as s:
        from fanlight.web.definitions import registry
        live = registry.texts_of(s, registry.live_id(s) or 0)[CFC]
    broken = live.replace("show_if: consent.given == true", "show_if: consent.givn == true", 1)
    fragment = lead_client.post(f"/admin/changes/{change_id}/validate", data={"path": CFC, "text": broken},
                                headers={"X-CSRFToken": token(lead_client, url), "HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "1 problem" in _text(fragment)
    # The page's checks summary is replaced with one that agrees with the problem being shown.
    assert 'id="checks-summary"' in html and 'hx-swap-oob' in html and "All checks pass" not in html
    assert "All checks pass" in page  # before the typing, the saved change does pass
    saved = post(lead_client, f"/admin/changes/{change_id}/edit", {"path": CFC, "text": broken})
    after = _text(lead_client.get(saved.headers["Location"]))
    assert "All checks pass" not in after and "1 problem" in after and "problem(s)" not in after
