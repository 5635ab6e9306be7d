"""The referral page (issue 9, items 3–5): what was sent, and claiming, releasing, assigning and
rating it through plain POST forms (JavaScript off), each redirecting back with a banner."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fanlight.web.models import Submission
from tests.support.factories import (
    PDF,
    audit_rows,
    complete_answers,
    csrf_from,
    database,
    draft_row,
    fill_draft,
    snapshot,
    start_draft,
    submit,
    submitted_draft,
    upload,
)
from tests.web.triage.support import Staff, events, row
from tests.web.triage.test_holding_area import client_of


@pytest.fixture
def jo(app: Flask, staff: Staff) -> FlaskClient:
    return client_of(app, staff.jo)


@pytest.fixture
def page_of(app: Flask, referral_id: str) -> str:
    return f"/front-door/referrals/{row(app, referral_id).reference}"


def seen_form(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to `action` (its token and the referral as shown)."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S)
    assert form is not None, action
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1)))


def press(client: FlaskClient, page: str, action: str, **fields: str) -> str:
    """Press a button of the page as drawn now; follow the redirect back; the page after."""
    html = client.get(page).get_data(as_text=True)
    response = client.post(f"{page}/{action}", data={**seen_form(html, f"{page}/{action}"), **fields})
    assert response.status_code == 303, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.headers["Location"] == page
    return client.get(page).get_data(as_text=True)


def test_the_page_shows_what_was_sent_on_its_version_with_its_clock_threshold_and_timeline(app, staff, jo, page_of):
    html = jo.get(page_of).get_data(as_text=True)
    assert "Jordan" in html and "Morgan" in html  # the answers
    assert "Decision due" in html and "Why it is due then" in html
    assert "Suggested level of need" in html and "Level " in html
    assert "Sam Teacher sent this" in html  # the timeline
    assert "Case note (plain text)" in html
    sent = html.split("What was sent", 1)[1].split("Timeline", 1)[0]
    cards = re.findall(r'<h(\d) class="govuk-summary-card__title">(.*?)</h', sent)
    assert ("3", "The child or children") in cards and ("3", "Your concern") in cards  # a card per section
    children = [title for level, title in cards if level == "4" and title.startswith(("Jordan", "Mia"))]
    assert [t.split(",")[0] for t in children] == ["Jordan Morgan", "Mia Morgan"], cards  # and per child
    assert "Child 1:" not in sent
    note = jo.get(f"{page_of}/case-note.txt")
    assert note.status_code == 200 and note.mimetype == "text/plain"


def test_an_officer_claims_releases_and_assigns_it_through_the_page(app, staff, jo, page_of, referral_id):
    html = press(jo, page_of, "claim")
    assert "You claimed" in html and "Jo Officer claimed this" in html
    assert (row(app, referral_id).status, row(app, referral_id).assignee_id) == ("in_triage", staff.jo)

    html = press(jo, page_of, "release")
    assert "nobody has it now" in html and row(app, referral_id).assignee_id is None

    html = press(jo, page_of, "assign", to=str(staff.kim))
    assert "You assigned" in html and "Jo Officer assigned this to Kim Officer" in html
    assert row(app, referral_id).assignee_id == staff.kim
    assert [e.kind for e in events(app, referral_id)] == ["received", "claimed", "released", "assigned"]


def test_a_second_officer_is_told_who_claimed_it_and_nothing_she_sent_is_saved(app, staff, jo, page_of, referral_id):
    kim = client_of(app, staff.kim)
    drawn = kim.get(page_of).get_data(as_text=True)  # her page: nobody has it
    press(jo, page_of, "claim")
    before = snapshot(app, ignore_audit=True)

    response = kim.post(f"{page_of}/claim", data=seen_form(drawn, f"{page_of}/claim"))
    assert response.status_code == 303
    html = kim.get(page_of).get_data(as_text=True)
    assert "Jo Officer claimed this at" in html and "Nothing you sent was saved" in html
    assert snapshot(app, ignore_audit=True) == before

    # her rating, from a page drawn before Jo rated it, is not written over Jo's
    press(jo, page_of, "rating", rag="green", reason="Known to early help")
    rated = kim.post(f"{page_of}/rating", data={**seen_form(drawn, f"{page_of}/rating"), "rag": "red",
                                                "reason": "Baby at home"})
    assert rated.status_code == 303
    assert row(app, referral_id).rag == "green"
    html = kim.get(page_of).get_data(as_text=True)
    assert "Nothing you sent was saved" in html  # told who changed it since her page was drawn


def test_only_the_owner_or_a_manager_may_release_it(app, staff, jo, page_of, referral_id):
    press(jo, page_of, "claim")
    kim = client_of(app, staff.kim)
    html = kim.get(page_of).get_data(as_text=True)
    assert f'action="{page_of}/release"' not in html and f'action="{page_of}/claim"' not in html
    token = csrf_from(html)
    response = kim.post(f"{page_of}/release", data={"csrf_token": token})
    assert response.status_code == 403
    assert row(app, referral_id).assignee_id == staff.jo
    assert audit_rows(app, "access_denied")

    manager = client_of(app, staff.manager)
    html = press(manager, page_of, "release")
    assert "Ann Manager released this" in html


def test_a_rating_needs_a_choice_and_a_reason_and_every_change_is_kept(app, staff, jo, page_of, referral_id):
    html = jo.get(page_of).get_data(as_text=True)
    hidden = seen_form(html, f"{page_of}/rating")
    response = jo.post(f"{page_of}/rating", data={**hidden, "rag": "red", "reason": "  "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "govuk-error-summary" in page and "Say why you rate this referral so" in page
    assert '<title>Error:' in page and 'href="#reason"' in page
    assert row(app, referral_id).rag is None

    response = jo.post(f"{page_of}/rating", data={**hidden, "reason": "Because"})
    assert response.status_code == 422 and "Select a rating" in response.get_data(as_text=True)

    html = press(jo, page_of, "rating", rag="red", reason="A baby at home")
    assert "You rated" in html and "Jo Officer rated this red" in html and "Reason: A baby at home" in html
    press(jo, page_of, "rating", rag="amber", reason="Seen by the health visitor")
    assert row(app, referral_id).rag == "amber"
    rated = [e for e in events(app, referral_id) if e.kind == "rag_set"]
    assert [(e.detail["rag"], e.reason) for e in rated] == [("red", "A baby at home"),
                                                            ("amber", "Seen by the health visitor")]


def test_a_professional_gets_403_and_an_unknown_reference_404(app, staff, teacher_client, jo, page_of):
    assert teacher_client.get(page_of).status_code == 403
    assert jo.get("/front-door/referrals/FL-NONE-NONE").status_code == 404


def test_downloading_a_file_writes_an_event(app, staff, jo, teacher_client):
    draft_id = start_draft(teacher_client)
    assert upload(teacher_client, draft_id).status_code == 302
    files = draft_row(app, draft_id).answers["attachments"]
    fill_draft(app, draft_id, {**complete_answers(), "attachments": files})
    sent = submit(teacher_client, draft_id)
    assert sent.status_code == 302
    submission_id = sent.headers["Location"].rsplit("/", 1)[1]
    page = f"/front-door/referrals/{row(app, submission_id).reference}"

    html = jo.get(page).get_data(as_text=True)
    link = f"{page}/files/{files[0]['id']}"
    assert link in html
    response = jo.get(link)
    assert response.status_code == 200 and response.get_data() == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    downloaded = events(app, submission_id)[-1]
    assert (downloaded.kind, downloaded.actor_id, downloaded.detail["attachment_id"]) == (
        "attachment_downloaded", staff.jo, files[0]["id"])
    assert "Jo Officer downloaded chronology.pdf" in jo.get(page).get_data(as_text=True)
    assert jo.get(f"{page}/files/{'0' * 32}").status_code == 404


def test_the_referrer_sees_in_triage_on_your_forms(app, staff, jo, page_of, teacher_client):
    press(jo, page_of, "claim")
    assert "In triage" in teacher_client.get("/your-forms").get_data(as_text=True)


def test_a_manager_takes_it_from_its_owner_only_with_a_reason(app, staff, jo, page_of, referral_id):
    press(jo, page_of, "claim")
    manager = client_of(app, staff.manager)
    html = press(manager, page_of, "assign", to=str(staff.kim))
    assert "Say why you are taking this referral from its owner" in html
    assert row(app, referral_id).assignee_id == staff.jo
    html = press(manager, page_of, "assign", to=str(staff.kim), reason="Jo is on leave")
    assert "Ann Manager assigned this to Kim Officer" in html and "Reason: Jo is on leave" in html
    assert row(app, referral_id).assignee_id == staff.kim


def test_the_officer_sees_the_familys_other_referrals_with_why_each_matched(app, staff, jo, teacher_client):
    _, first = submitted_draft(app, teacher_client)
    _, second = submitted_draft(app, teacher_client)  # about the same children
    html = jo.get(f"/front-door/referrals/{row(app, second).reference}").get_data(as_text=True)
    section = html.split('id="family"', 1)[1].split("<h2", 1)[0]
    assert f'href="/front-door/referrals/{row(app, first).reference}"' in section
    assert "same NHS number" in section and "same surname and postcode: Morgan, WR1 2AB" in section
    assert f"/front-door/referrals/{row(app, second).reference}\"" not in section  # never itself


def test_the_officer_sees_the_warnings_the_referrer_was_shown_and_which_they_ticked(app, staff, jo, teacher_client):
    draft_id = start_draft(teacher_client)
    fill_draft(app, draft_id, {**complete_answers(), "discussed_with_dsl": False,
                               "concern_description": "Jordan came to school hungry again today, saying there is no food."})
    token = csrf_from(teacher_client.get(f"/drafts/{draft_id}/check").get_data(as_text=True))
    sent = teacher_client.post(f"/drafts/{draft_id}/submit",
                               data={"csrf_token": token, "acknowledge": "thin-concern-description"})
    assert sent.status_code == 302, sent.get_data(as_text=True)[:1000]

    with database(app) as s:
        reference = s.query(Submission).one().reference
    html = jo.get(f"/front-door/referrals/{reference}").get_data(as_text=True)

    shown = html.split('id="warnings"', 1)[1].split("</ul>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", shown, re.S)
    assert len(items) == 2, shown
    thin = next(i for i in items if "Your description is short." in i)
    dsl = next(i for i in items if "designated safeguarding lead" in i)
    assert "Referrer ticked to say they had read it" in thin
    assert "ticked" not in dsl
