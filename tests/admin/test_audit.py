"""The workbench's record of what happened: one definition event per action, the history pages,
and an audit row for each request refused for who is asking."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from fanlight.admin import workflow
from fanlight.web.definitions import registry
from fanlight.web.models import AuditEvent, DefinitionEvent
from tests.admin.workbench_helpers import (
    CFC,
    CONSENT,
    NEW_WORDING,
    action,
    actions,
    change_text,
    in_service,
    live_id,
    person,
    post,
    quick_edit,
    reword_consent,
    reworded,
    service_change,
    start_change,
    token,
)
from tests.support.factories import audit_rows, database

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
    one_more("rollback", lambda: post(reviewer_client, "/admin/publications/1/rollback", {"reason": "Calls doubled."}))

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
    one_more("import", lambda: in_service(app, lambda s: workflow.import_folder(
        s, person(s, lead), registry.folder_texts(folder), "Import")))

    # Refused actions write no event.
    before = actions(app)
    action(lead_client, change_id, "approve")
    action(reviewer_client, change_id, "publish")
    action(reviewer_client, withdrawn, "approve")
    post(reviewer_client, f"/admin/publications/{live_id(app)}/rollback", {"reason": "Already live."})
    post(reviewer_client, "/admin/publications/1/rollback", {"reason": " "})  # no reason given
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
    for line in ("Began the change, by Sam Lead",
                 f"Edited {CFC}: changed the label of consent, by Sam Lead", "Sent for review, by Sam Lead",
                 "Approved, by Ira Reviewer", "Published as Publication 2, by Ira Reviewer"):
        assert line in page, line
    assert re.search(r'id="live-version">2<', page)
    history = reviewer_client.get("/admin/history").get_data(as_text=True)
    assert history.count("Ira Reviewer") >= 2 and "Sam Lead" in history


def test_refused_workflow_requests_by_role_are_each_audited_once(app, lead, lead_client):
    change_id = service_change(app, lead, {CFC: reworded(app)})
    before = len(audit_rows(app))
    action(lead_client, change_id, "approve")
    rows = audit_rows(app)[before:]
    assert [r.event for r in rows] == ["access_denied"]
    assert isinstance(rows[0], AuditEvent) and str(change_id) in rows[0].target
