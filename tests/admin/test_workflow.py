"""The definition-change workflow: every state transition and refusal, publishing, rollback,
the stale base, and the checks that gate publishing.

Every rule is tested twice where it can be broken twice: through the service layer
(fanlight.admin.workflow) and through direct requests to the workbench routes, with the state
compared before and after. Runs on SQLite and PostgreSQL, like every web test.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from fanlight.admin import workflow
from fanlight.web.definitions import registry
from fanlight.web.models import Change, ChangeItem, DefinitionEvent
from tests.admin.workbench_helpers import (
    CFC,
    FAILS_A_TEST,
    NEW_WORDING,
    OLD_WORDING,
    action,
    actions,
    approved,
    in_service,
    live_label,
    live_text,
    person,
    post,
    published,
    quick_edit,
    registry_rows,
    reword_consent,
    reworded,
    service_change,
    start_change,
    state_of,
)
from tests.support.factories import User as Person
from tests.support.factories import database, snapshot, start_draft

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
    by(lead, workflow.submit, one)
    assert state_of(app, one) == "in_review"
    by(lead, workflow.return_to_draft, one)
    assert state_of(app, one) == "draft"
    by(lead, workflow.submit, one)
    by(reviewer, workflow.approve, one)
    assert state_of(app, one) == "approved"
    by(lead, workflow.return_to_draft, one)  # approved -> draft: the approval is gone
    assert state_of(app, one) == "draft"
    with database(app) as s:
        assert s.get(Change, one).reviewer_id is None
    by(lead, workflow.submit, one)
    by(reviewer, workflow.approve, one)
    by(reviewer, workflow.publish, one)
    assert state_of(app, one) == "published"

    for rejected_from in ("in_review", "approved"):
        other = service_change(app, lead, {CFC: reworded(app, f"Rejected from {rejected_from}?")})
        by(lead, workflow.submit, other)
        if rejected_from == "approved":
            by(reviewer, workflow.approve, other)
        by(reviewer, workflow.reject, other, "Please say why you need this.")
        assert state_of(app, other) == "rejected"

    for withdrawn_from in ("draft", "in_review", "approved"):
        other = service_change(app, lead, {CFC: reworded(app, f"Withdrawn from {withdrawn_from}?")})
        if withdrawn_from != "draft":
            by(lead, workflow.submit, other)
        if withdrawn_from == "approved":
            by(reviewer, workflow.approve, other)
        by(lead, workflow.withdraw, other)
        assert state_of(app, other) == "withdrawn"


# (who acts, the action, extra arguments) refused in each state the action does not apply to.
WRONG_STATE = {
    "draft": [("reviewer", workflow.approve), ("reviewer", workflow.publish), ("lead", workflow.return_to_draft)],
    "in_review": [("lead", workflow.submit), ("reviewer", workflow.publish)],
    "approved": [("lead", workflow.submit), ("reviewer", workflow.approve)],
    "published": [("lead", workflow.submit), ("reviewer", workflow.approve), ("reviewer", workflow.publish),
                  ("lead", workflow.withdraw), ("lead", workflow.return_to_draft)],
    "rejected": [("lead", workflow.submit), ("reviewer", workflow.approve), ("reviewer", workflow.publish),
                 ("lead", workflow.withdraw)],
    "withdrawn": [("lead", workflow.submit), ("reviewer", workflow.approve), ("reviewer", workflow.publish),
                  ("lead", workflow.withdraw)],
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
                   getattr(workflow, step)(s, s.get(Change, change_id), person(s, user), *extra))
    assert state_of(app, change_id) == state
    return change_id


@pytest.mark.parametrize("state", sorted(WRONG_STATE))
def test_an_action_that_does_not_apply_to_the_changes_state_is_refused_and_changes_nothing(app, lead, reviewer, state):
    change_id = _change_in(app, lead, reviewer, state)
    before = snapshot(app)
    for who, act in WRONG_STATE[state]:
        user = lead if who == "lead" else reviewer
        with pytest.raises(workflow.NotAllowed):
            in_service(app, lambda s, act=act, user=user: act(s, s.get(Change, change_id), person(s, user)))
        assert snapshot(app) == before, (state, act.__name__)
    if state != "draft":
        with pytest.raises(workflow.NotAllowed, match="no longer a draft"):
            in_service(app, lambda s: workflow.save_item(s, s.get(Change, change_id), person(s, lead), CFC, "x"))
    assert snapshot(app) == before


def test_publishing_the_same_change_again_fails(app, lead, reviewer, reviewer_client):
    change_id = approved(app, lead, reviewer, {CFC: reworded(app)})
    in_service(app, lambda s: workflow.publish(s, s.get(Change, change_id), person(s, reviewer)))
    before = registry_rows(app)
    with pytest.raises(workflow.NotAllowed, match="already been published"):
        in_service(app, lambda s: workflow.publish(s, s.get(Change, change_id), person(s, reviewer)))
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
        in_service(app, lambda s: workflow.publish(s, s.get(Change, change_id), person(s, reviewer)))
    assert len(written) == 2  # the first file's version had been written (flushed) when it failed
    assert registry_rows(app) == before
    assert state_of(app, change_id) == "approved"
    assert "publish" not in actions(app, change_id)
    assert live_label(app) == OLD_WORDING
    monkeypatch.setattr(registry, "with_version", real)
    in_service(app, lambda s: workflow.publish(s, s.get(Change, change_id), person(s, reviewer)))
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
                in_service(app, lambda s: workflow.publish(s, s.get(Change, change_id), person(s, user)))
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
    response = post(reviewer_client, "/admin/publications/1/rollback", {"reason": "Calls doubled overnight."})
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
        with pytest.raises(workflow.NotAllowed):
            in_service(app, lambda s, target=target: workflow.rollback(s, person(s, reviewer), target, "Why not?"))
    assert registry_rows(app) == after


# The stale base ---------------------------------------------------------------------------------------


def test_two_changes_editing_one_file_the_second_to_publish_is_refused(app, lead, reviewer, reviewer_client):
    first = approved(app, lead, reviewer, {CFC: reworded(app, "First wording?")})
    second = approved(app, lead, reviewer, {CFC: reworded(app, "Second wording?")})
    in_service(app, lambda s: workflow.publish(s, s.get(Change, first), person(s, reviewer)))
    before = registry_rows(app)
    with pytest.raises(workflow.NotAllowed, match="another change published forms/cause-for-concern.yaml"):
        in_service(app, lambda s: workflow.publish(s, s.get(Change, second), person(s, reviewer)))
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
        in_service(app, lambda s, change_id=change_id: workflow.publish(s, s.get(Change, change_id), person(s, reviewer)))
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
    with pytest.raises(workflow.NotAllowed, match="1 definition test"):
        in_service(app, lambda s: workflow.publish(s, s.get(Change, change_id), person(s, reviewer)))
    assert registry_rows(app) == before and state_of(app, change_id) == "approved"


def test_publishing_is_refused_while_the_definitions_have_problems(app, lead, reviewer, reviewer_client):
    broken = live_text(app).replace("show_if: consent.given == true", "show_if: consent.givn == true", 1)
    change_id = service_change(app, lead, {CFC: broken})
    with pytest.raises(workflow.NotAllowed, match="problem"):
        in_service(app, lambda s: workflow.submit(s, s.get(Change, change_id), person(s, lead)))
    in_service(app, lambda s: setattr(s.get(Change, change_id), "state", "approved"))  # as if it slipped through
    before = registry_rows(app)
    response = action(reviewer_client, change_id, "publish")
    assert "problem(s)" in reviewer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert registry_rows(app) == before
