"""Replays, double clicks and two tabs (QUALITY §8, §9): nothing doubled, nothing silently overwritten."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fanlight.web import db
from fanlight.web.models import Draft, Submission, SubmissionEvent
from fanlight.web.referrals import drafts, submissions
from tests.support.factories import (
    complete_answers,
    count,
    csrf_from,
    draft_row,
    fill_draft,
    multidict,
    post_section,
    section_page,
    session_cookie,
    start_draft,
    submit,
)

SECTION = "about-this-referral"


def from_account(user: Any) -> dict[str, Any]:
    """What a new draft starts with: the referrer's details from their account (prefill: account.*)."""
    return {"referrer_name": user.name, "referrer_agency": user.agency, "secure_email": user.email}


def twin(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another tab (or a replaying proxy) with the same session cookie."""
    other = app.test_client()
    value = session_cookie(client)
    assert value is not None
    other.set_cookie("session", value)
    return other


def ready_to_send(app: Flask, client: FlaskClient) -> tuple[str, str]:
    draft_id = start_draft(client)
    fill_draft(app, draft_id, complete_answers())
    page = client.get(f"/drafts/{draft_id}/check")
    return draft_id, csrf_from(page.get_data(as_text=True))


def test_a_submit_replayed_twenty_times_makes_exactly_one_submission(app, teacher_client):
    draft_id, token = ready_to_send(app, teacher_client)
    locations = set()
    for _ in range(20):
        response = submit(teacher_client, draft_id, token)
        assert response.status_code == 302
        locations.add(response.headers["Location"])
    assert len(locations) == 1
    assert locations.pop().startswith("/submissions/")
    assert count(app, Submission) == 1
    assert count(app, SubmissionEvent) == 1


def test_a_submit_sent_from_eight_tabs_at_once_makes_exactly_one_submission(app, teacher_client):
    draft_id, token = ready_to_send(app, teacher_client)
    tabs = [twin(app, teacher_client) for _ in range(8)]
    start = threading.Barrier(len(tabs))

    def send(tab: FlaskClient) -> tuple[int, str]:
        start.wait(timeout=30)
        response = submit(tab, draft_id, token)
        return response.status_code, response.headers.get("Location", "")

    with ThreadPoolExecutor(len(tabs)) as pool:
        results = list(pool.map(send, tabs))
    assert {status for status, _ in results} == {302}, results
    assert len({location for _, location in results}) == 1, results
    assert count(app, Submission) == 1
    assert count(app, SubmissionEvent) == 1


def test_a_submit_that_loses_the_race_to_the_database_answers_with_the_winners_confirmation(
        app, teacher_client):
    """The unique constraint is the last line: a request that read the draft before the winner
    committed (an open draft is not looked up first: the claim and the constraint decide)."""
    draft_id, token = ready_to_send(app, teacher_client)
    seen = draft_row(app, draft_id)
    first = submit(teacher_client, draft_id, token)
    with app.app_context():
        with db.transaction() as s:  # as the losing request saw the draft: not yet submitted
            draft = s.get(Draft, draft_id)
            draft.status, draft.answers = "draft", seen.answers
    second = submit(teacher_client, draft_id, token)
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count(app, Submission) == 1
    assert count(app, SubmissionEvent) == 1


def test_a_save_from_another_tab_landing_while_the_form_is_sent_is_never_silently_dropped(
        app, teacher_client, monkeypatch):
    """The other tab's autosave commits after "Accept and send" read the draft, before it is sent."""
    draft_id, token = ready_to_send(app, teacher_client)
    real = submissions.submit

    def the_other_tab_saves_first(draft: Draft, owner: Any, evaluation: Any, *args: Any, **kwargs: Any) -> Any:
        with app.app_context():  # a request of its own, with its own database session
            other = db.session().get(Draft, draft_id)
            drafts.save_answers(other, other.revision, {"referrer_phone": "07700 900999"})
        return real(draft, owner, evaluation, *args, **kwargs)

    monkeypatch.setattr(submissions, "submit", the_other_tab_saves_first)
    response = submit(teacher_client, draft_id, token)
    assert response.status_code == 409
    assert "changed in another tab or window" in response.get_data(as_text=True)
    assert count(app, Submission) == 0
    draft = draft_row(app, draft_id)
    assert (draft.status, draft.answers["referrer_phone"]) == ("draft", "07700 900999")

    monkeypatch.undo()
    assert submit(teacher_client, draft_id).status_code == 302  # checked again, and sent
    with app.app_context():
        assert db.session().query(Submission).one().answers["referrer_phone"] == "07700 900999"


def test_a_failure_in_the_middle_of_a_submit_leaves_no_partial_record(app, teacher_client, monkeypatch):
    draft_id, token = ready_to_send(app, teacher_client)
    before = draft_row(app, draft_id)

    def broken(**_: Any) -> Any:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(submissions, "SubmissionEvent", broken)
    response = submit(teacher_client, draft_id, token)
    assert response.status_code == 500
    assert "the disk is full" not in response.get_data(as_text=True)
    assert count(app, Submission) == 0
    after = draft_row(app, draft_id)
    assert (after.status, after.answers, after.revision) == ("draft", before.answers, before.revision)

    monkeypatch.undo()
    assert submit(teacher_client, draft_id, token).status_code == 302
    assert count(app, Submission) == 1


# Two tabs on one draft -----------------------------------------------------------------------------


def test_two_tabs_a_save_from_the_stale_tab_is_refused_and_the_first_tabs_answers_are_kept(app, teacher_client, teacher):
    draft_id = start_draft(teacher_client)
    tab_two = twin(app, teacher_client)
    token, revision = section_page(teacher_client, draft_id, SECTION)  # both tabs open the page at revision 1
    first = post_section(teacher_client, draft_id, SECTION, {"immediate_danger": False, "concern_level": "complex_needs"},
                         revision=revision, token=token, action="later")
    assert first.status_code == 302

    stale = post_section(tab_two, draft_id, SECTION, {"immediate_danger": True, "concern_level": "additional_needs"},
                         revision=revision, token=token)
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "This form was changed in another tab or window." in html
    assert "nothing was overwritten" in html
    draft = draft_row(app, draft_id)
    assert draft.answers == {**from_account(teacher), "immediate_danger": False, "concern_level": "complex_needs"}
    assert draft.revision == revision + 1


def test_a_save_without_a_revision_is_refused_and_changes_nothing(app, teacher_client, teacher):
    draft_id = start_draft(teacher_client)
    token, _ = section_page(teacher_client, draft_id, SECTION)
    for bad in ([], [("revision", "")], [("revision", "two")], [("revision", "9" * 400)]):
        response = teacher_client.post(f"/drafts/{draft_id}/sections/{SECTION}", data=multidict([
            ("csrf_token", token), ("_present", "immediate_danger"), ("immediate_danger", "yes"), *bad]))
        assert response.status_code in (400, 409), (bad, response.status_code)
    assert draft_row(app, draft_id).answers == from_account(teacher)


@pytest.mark.parametrize("tabs", [2, 4])
def test_interleaved_saves_from_several_tabs_never_silently_overwrite(app, teacher_client, tabs):
    """Each tab saves, and on a conflict reloads and tries again: every accepted save was made on
    the latest revision, so the count of accepted saves is exactly the revisions added."""
    draft_id = start_draft(teacher_client)
    clients = [twin(app, teacher_client) for _ in range(tabs)]
    token, _ = section_page(teacher_client, draft_id, SECTION)
    accepted: list[int] = []
    lock = threading.Lock()
    saves_each = 12

    def tab(index: int) -> list[int]:
        client = clients[index]
        statuses = []
        for n in range(saves_each):
            _, revision = section_page(client, draft_id, SECTION)
            response = post_section(client, draft_id, SECTION, {"spoke_to": f"tab {index} save {n}"},
                                    revision=revision, token=token, action="later")
            statuses.append(response.status_code)
            if response.status_code == 302:
                with lock:
                    accepted.append(revision)
        return statuses

    with ThreadPoolExecutor(tabs) as pool:
        results = [s for r in pool.map(tab, range(tabs)) for s in r]
    assert set(results) <= {302, 409}, results
    assert len(accepted) == len(set(accepted)), "two saves were accepted on the same revision"
    assert draft_row(app, draft_id).revision == 1 + len(accepted)


# htmx autosave ------------------------------------------------------------------------------------------


def test_the_live_endpoint_saves_and_returns_the_fields_and_partials(app, teacher_client, teacher):
    draft_id = start_draft(teacher_client)
    response = post_section(teacher_client, draft_id, SECTION,
                            {"immediate_danger": False, "concern_level": "suspected_significant_harm"}, live=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="revision" value="2"' in html
    assert "Have you already phoned the Front Door about this concern?" in html  # shown by the new answer
    assert html.count("<hx-partial") >= 2
    assert 'hx-target="#section-nav"' in html and 'hx-target="#threshold-panel"' in html
    assert "<html" not in html  # a fragment, not a page
    assert draft_row(app, draft_id).answers == {**from_account(teacher), "immediate_danger": False,
                                                "concern_level": "suspected_significant_harm"}
    assert draft_row(app, draft_id).visited == []  # autosave is not "Save and continue"


def test_the_live_endpoint_on_a_stale_revision_retargets_the_conflict_banner(app, teacher_client, teacher):
    draft_id = start_draft(teacher_client)
    post_section(teacher_client, draft_id, SECTION, {"immediate_danger": False}, live=True)
    stale = post_section(teacher_client, draft_id, SECTION, {"immediate_danger": True}, live=True, revision=1)
    assert stale.status_code == 409
    assert stale.headers["HX-Retarget"] == "#conflict"
    assert "This form was changed in another tab or window." in stale.get_data(as_text=True)
    assert draft_row(app, draft_id).answers == {**from_account(teacher), "immediate_danger": False}


def test_the_live_endpoint_uses_the_csrf_header_htmx_sends(app, teacher_client, teacher):
    draft_id = start_draft(teacher_client)
    token, revision = section_page(teacher_client, draft_id, SECTION)
    response = teacher_client.post(
        f"/drafts/{draft_id}/sections/{SECTION}/live",
        data={"revision": str(revision), "_present": "immediate_danger", "immediate_danger": "no"},
        headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    assert draft_row(app, draft_id).answers == {**from_account(teacher), "immediate_danger": False}


def test_the_live_endpoint_after_the_form_was_sent_changes_nothing(app, teacher_client):
    draft_id, token = ready_to_send(app, teacher_client)
    assert submit(teacher_client, draft_id, token).status_code == 302
    response = teacher_client.post(
        f"/drafts/{draft_id}/sections/{SECTION}/live",
        data={"csrf_token": token, "revision": "99", "_present": "immediate_danger", "immediate_danger": "yes"},
        headers={"HX-Request": "true"})
    assert response.status_code == 409
    with app.app_context():
        submission = db.session().query(Submission).one()
        assert submission.answers["immediate_danger"] is False
