"""Asking the referrer for more information through the portal (issue 9, item 6): the officer asks,
the referral waits, the referrer is emailed a link, sees the request on Your forms, answers it and
amends the sections they were allowed to; the referral comes back to the queue flagged."""

from __future__ import annotations

import datetime
import re
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fanlight.renderers import html_form
from fanlight.web.models import ReferralStatus, Submission
from fanlight.web.models.information import InformationRequest
from fanlight.web.triage import history, information, workflow
from tests.support.factories import compiled_form, count, csrf_from, database, multidict, section_of, snapshot
from tests.support.mailbox import outbox
from tests.web.triage.support import Staff, acting, events, row
from tests.web.triage.test_acknowledgement import child_details
from tests.web.triage.test_holding_area import client_of

QUESTION = "Does the family know you have referred? Please tell us what mum said when you spoke to her."
SECTION = "about-this-referral"


def claimed(app: Flask, referral_id: str, officer: int) -> None:
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(officer))


def ask(client: FlaskClient, app: Flask, referral_id: str, **form: Any) -> Any:
    """The officer's "Send the request", from the referral page as it is now."""
    reference = row(app, referral_id).reference
    page = client.get(f"/front-door/referrals/{reference}").get_data(as_text=True)
    now = row(app, referral_id)
    data = [("csrf_token", csrf_from(page)), ("seen_status", now.status),
            ("seen_owner", str(now.assignee_id or "")), ("seen_rag", now.rag or "")]
    for name, value in form.items():
        data += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
    return client.post(f"/front-door/referrals/{reference}/more-information", data=multidict(data))


def amend(client: FlaskClient, app: Flask, referral_id: str, section_id: str, answers: dict[str, Any]) -> Any:
    path = f"/submissions/{referral_id}/more-information/sections/{section_id}"
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    fields = html_form.encode(section_of(compiled_form(app), section_id).fields, answers)
    return client.post(path, data=multidict([("csrf_token", csrf_from(page.get_data(as_text=True))), *fields,
                                             ("action", "continue")]))


def answer(client: FlaskClient, referral_id: str, reply: str) -> Any:
    page = client.get(f"/submissions/{referral_id}/more-information")
    assert page.status_code == 200, page.status_code
    return client.post(f"/submissions/{referral_id}/more-information",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True)), "reply": reply})


def test_an_officer_asks_and_the_referral_waits_and_the_teacher_is_emailed_a_link_not_the_question(
        app, referral_id, staff: Staff, teacher):
    claimed(app, referral_id, staff.jo)
    jo = client_of(app, staff.jo)

    response = ask(jo, app, referral_id, question=QUESTION, sections=[SECTION])

    assert response.status_code == 303
    referral = row(app, referral_id)
    assert referral.status == ReferralStatus.AWAITING_INFORMATION
    event = events(app, referral_id)[-1]
    assert (event.kind, event.actor_id, event.from_status, event.to_status, event.reason) == (
        "information_requested", staff.jo, "in_triage", "awaiting_information", QUESTION)
    assert event.detail["sections"] == [SECTION]
    with database(app) as s:
        request = s.query(InformationRequest).filter_by(submission_id=referral_id).one()
        assert (request.question, request.sections, request.asked_by_id, request.answered_at) == (
            QUESTION, [SECTION], staff.jo, None)
    message = outbox(app, teacher.email)[-1]
    assert message.subject == f"Referral {referral.reference}: the Family Front Door needs more information"
    assert f"/submissions/{referral_id}/more-information" in message.body
    assert QUESTION not in message.body and "mum" not in message.body
    assert not [d for d in child_details(referral.answers) if d in message.body]
    assert "asked for more information" in jo.get(f"/front-door/referrals/{referral.reference}").get_data(as_text=True)


def test_the_teacher_amends_a_section_and_answers_and_it_returns_to_the_queue_flagged(
        app, referral_id, staff: Staff, teacher_client: FlaskClient):
    claimed(app, referral_id, staff.jo)
    jo = client_of(app, staff.jo)
    ask(jo, app, referral_id, question=QUESTION, sections=[SECTION])
    sent = dict(row(app, referral_id).answers)
    assert sent["concern_level"] == "complex_needs"
    officers_page = f"/front-door/referrals/{row(app, referral_id).reference}"
    assert "Additional needs" not in jo.get(officers_page).get_data(as_text=True)

    your_forms = teacher_client.get("/your-forms").get_data(as_text=True)
    assert f"/submissions/{referral_id}/more-information" in your_forms and "Awaiting information" in your_forms
    request_page = teacher_client.get(f"/submissions/{referral_id}/more-information").get_data(as_text=True)
    assert "Does the family know you have referred?" in request_page

    amended = {**sent, "concern_level": "additional_needs"}
    assert amend(teacher_client, app, referral_id, SECTION, amended).status_code == 303
    assert row(app, referral_id).status == ReferralStatus.AWAITING_INFORMATION  # not sent until answered
    assert answer(teacher_client, referral_id, "Mum knows and agrees; she asked for help with housing.").status_code == 303

    referral = row(app, referral_id)
    assert referral.status == ReferralStatus.IN_TRIAGE and referral.information_received_at is not None
    assert referral.answers == sent  # what was sent is kept as it was
    event = events(app, referral_id)[-1]
    assert (event.kind, event.actor_id, event.from_status, event.to_status) == (
        "information_received", staff.teacher, "awaiting_information", "in_triage")
    assert event.detail["answered"] is True and event.detail["amended_sections"] == [SECTION]
    with database(app) as s:
        request = s.query(InformationRequest).filter_by(submission_id=referral_id).one()
        assert request.amendments[SECTION]["concern_level"] == "additional_needs"
        assert request.answered_by_id == staff.teacher

    page = jo.get(f"/front-door/referrals/{referral.reference}").get_data(as_text=True)
    assert "Mum knows and agrees" in page and "Amended" in page
    assert "Additional needs" in page and "Complex needs" in page  # the amendment, beside what was sent
    assert "answered the request for more information, and amended 1 section" in page
    assert "In triage: information received" in jo.get("/front-door/").get_data(as_text=True)


def test_the_teacher_may_amend_only_the_sections_named_and_a_bad_amendment_saves_nothing(
        app, referral_id, staff: Staff, teacher_client: FlaskClient):
    claimed(app, referral_id, staff.jo)
    ask(client_of(app, staff.jo), app, referral_id, question=QUESTION, sections=[SECTION])
    assert teacher_client.get(f"/submissions/{referral_id}/more-information/sections/household").status_code == 404

    before = snapshot(app, ignore_audit=True)
    broken = {**row(app, referral_id).answers, "concern_level": None}  # a required answer taken away
    response = amend(teacher_client, app, referral_id, SECTION, broken)
    assert response.status_code == 422
    assert "How serious do you think the concern is?" in response.get_data(as_text=True)
    assert snapshot(app, ignore_audit=True) == before


def test_nobody_else_sees_the_request_and_an_empty_answer_is_refused(app, referral_id, staff: Staff,
                                                                     teacher_client: FlaskClient):
    claimed(app, referral_id, staff.jo)
    ask(client_of(app, staff.jo), app, referral_id, question=QUESTION)
    stranger = client_of(app, staff.stranger)
    assert stranger.get(f"/submissions/{referral_id}/more-information").status_code == 404

    response = answer(teacher_client, referral_id, "   ")
    assert response.status_code == 422
    assert "Write your answer" in response.get_data(as_text=True)
    assert row(app, referral_id).status == ReferralStatus.AWAITING_INFORMATION


def test_an_answer_sent_twice_moves_the_referral_once(app, referral_id, staff: Staff, teacher_client: FlaskClient):
    claimed(app, referral_id, staff.jo)
    ask(client_of(app, staff.jo), app, referral_id, question=QUESTION)
    page = teacher_client.get(f"/submissions/{referral_id}/more-information").get_data(as_text=True)
    token = csrf_from(page)
    for _ in range(2):  # a double click, or a second tab
        teacher_client.post(f"/submissions/{referral_id}/more-information", data={"csrf_token": token, "reply": "Yes."})
    assert [e.kind for e in events(app, referral_id)].count("information_received") == 1
    assert count(app, InformationRequest) == 1


def test_asking_needs_words_and_a_template_sends_its_own(app, referral_id, staff: Staff, teacher):
    claimed(app, referral_id, staff.jo)
    jo = client_of(app, staff.jo)
    refused = ask(jo, app, referral_id, question="  ")
    assert refused.status_code == 422
    assert "Write what you need to know" in refused.get_data(as_text=True)
    assert row(app, referral_id).status == ReferralStatus.IN_TRIAGE

    assert ask(jo, app, referral_id, template="consent", question="").status_code == 303
    with database(app) as s:
        request = s.query(InformationRequest).filter_by(submission_id=referral_id).one()
        assert request.template == "consent"
        assert request.question.startswith("Please tell us whether the family knows about this referral")


def test_an_officer_records_information_that_came_by_phone(app, referral_id, staff: Staff):
    claimed(app, referral_id, staff.jo)
    jo = client_of(app, staff.jo)
    ask(jo, app, referral_id, question=QUESTION)
    reference = row(app, referral_id).reference
    page = jo.get(f"/front-door/referrals/{reference}").get_data(as_text=True)
    response = jo.post(f"/front-door/referrals/{reference}/information-received",
                       data={"csrf_token": csrf_from(page), "seen_status": "awaiting_information",
                             "seen_owner": str(staff.jo), "seen_rag": "",
                             "reason": "The teacher phoned: mum knows and agrees."})
    assert response.status_code == 303
    event = events(app, referral_id)[-1]
    assert (event.kind, event.actor_id, event.reason) == (
        "information_received", staff.jo, "The teacher phoned: mum knows and agrees.")
    assert "answered" not in event.detail
    assert row(app, referral_id).status == ReferralStatus.IN_TRIAGE
    with database(app) as s:  # the request is closed with it: nobody can answer it now
        closed = s.query(InformationRequest).filter_by(submission_id=referral_id).one()
        assert closed.answered_at is not None and closed.answered_by_id == staff.jo and closed.reply == ""
    assert "Recorded by the front door" in jo.get(f"/front-door/referrals/{reference}").get_data(as_text=True)


def test_changes_the_teacher_saved_but_never_sent_are_not_part_of_the_referral(
        app, referral_id, staff: Staff, teacher_client: FlaskClient):
    claimed(app, referral_id, staff.jo)
    jo = client_of(app, staff.jo)
    ask(jo, app, referral_id, question=QUESTION, sections=[SECTION])
    amend(teacher_client, app, referral_id, SECTION, {**row(app, referral_id).answers, "concern_level": "additional_needs"})
    reference = row(app, referral_id).reference
    page = jo.get(f"/front-door/referrals/{reference}").get_data(as_text=True)
    assert "Additional needs" not in page  # saved on the request, not sent
    jo.post(f"/front-door/referrals/{reference}/information-received",
            data={"csrf_token": csrf_from(page), "seen_status": "awaiting_information", "seen_owner": str(staff.jo),
                  "seen_rag": "", "reason": "Phoned the teacher instead."})
    assert "Additional needs" not in jo.get(f"/front-door/referrals/{reference}").get_data(as_text=True)


def test_an_answer_to_a_request_since_replaced_is_refused_and_nothing_is_saved(
        app, referral_id, staff: Staff, teacher_client: FlaskClient):
    claimed(app, referral_id, staff.jo)
    jo = client_of(app, staff.jo)
    ask(jo, app, referral_id, question=QUESTION)
    page = teacher_client.get(f"/submissions/{referral_id}/more-information").get_data(as_text=True)
    with acting(app, referral_id) as (referral, user):  # answered by phone, then a new question
        information.record_arrived(referral, user(staff.jo), "Phoned")
    ask(jo, app, referral_id, question="A second, different question")
    old_id = re.search(r'name="request_id" value="([0-9a-f]+)"', page).group(1)
    response = teacher_client.post(f"/submissions/{referral_id}/more-information",
                                   data={"csrf_token": csrf_from(page), "request_id": old_id, "reply": "Yes"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/more-information")
    assert row(app, referral_id).status == ReferralStatus.AWAITING_INFORMATION
    with database(app) as s:
        assert [r.reply for r in s.query(InformationRequest).order_by(InformationRequest.asked_at)] == ["", ""]


def test_a_referral_sent_by_another_system_cannot_be_asked_in_the_portal(app, staff: Staff):
    from tests.web.api.support import api_client, police_referral

    token = api_client(app)
    client = app.test_client()
    sent = client.post("/api/v1/referrals", json={"form": "cause-for-concern", "answers": police_referral()},
                       headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k"})
    reference = sent.get_json()["reference"]
    with database(app) as s:
        referral_id = s.query(Submission).filter_by(reference=reference).one().id
    claimed(app, referral_id, staff.jo)
    jo = client_of(app, staff.jo)
    page = jo.get(f"/front-door/referrals/{reference}").get_data(as_text=True)
    assert "The referrer cannot answer in Fanlight" in page and "Send the request" not in page
    with acting(app, referral_id) as (referral, user), pytest.raises(workflow.IllegalMove):
        information.ask(referral, user(staff.jo), QUESTION)
    assert row(app, referral_id).status == ReferralStatus.IN_TRIAGE


def test_the_teacher_sees_what_happened_but_not_who_at_the_front_door_or_its_rating(
        app, referral_id, staff: Staff, teacher_client: FlaskClient):
    claimed(app, referral_id, staff.jo)
    with acting(app, referral_id) as (referral, user):
        workflow.set_rag(referral, "red", "Bruising seen twice", user(staff.jo))
    ask(client_of(app, staff.jo), app, referral_id, question=QUESTION)

    page = teacher_client.get(f"/submissions/{referral_id}").get_data(as_text=True)
    assert "The Family Front Door started looking at it" in page
    assert "The Family Front Door asked you for more information" in page
    assert "Read the request and answer it" in page
    assert "Jo Officer" not in page and "Bruising seen twice" not in page and "RAG" not in page


def test_time_waiting_for_the_referrer_is_added_up_beside_the_clock_not_taken_off_it():
    def at(hour: int, minute: int = 0) -> datetime.datetime:
        return datetime.datetime(2026, 11, 30, hour, minute, tzinfo=datetime.UTC)

    def moved(to: str, when: datetime.datetime) -> SimpleNamespace:
        return SimpleNamespace(kind="move", to_status=to, at=when, detail={})

    happened = [moved("received", at(9)), moved("in_triage", at(9, 5)), moved("awaiting_information", at(9, 30)),
                SimpleNamespace(kind="rag_set", to_status=None, at=at(10), detail={}),
                moved("in_triage", at(11, 15)), moved("awaiting_information", at(14))]
    assert history.time_waiting(happened[:5], at(16)) == datetime.timedelta(hours=1, minutes=45)
    assert history.time_waiting(happened, at(16)) == datetime.timedelta(hours=3, minutes=45)  # still waiting
    assert history.duration(datetime.timedelta(hours=3, minutes=45)) == "3 hours 45 minutes"
    assert history.duration(datetime.timedelta(days=1, hours=1, minutes=3)) == "1 day 1 hour"
    assert history.duration(datetime.timedelta(seconds=20)) == "less than a minute"


def test_the_referral_page_shows_the_time_spent_waiting(app, referral_id, staff: Staff):
    claimed(app, referral_id, staff.jo)
    jo = client_of(app, staff.jo)
    page = f"/front-door/referrals/{row(app, referral_id).reference}"
    assert "Waiting for the referrer" not in jo.get(page).get_data(as_text=True)
    ask(jo, app, referral_id, question=QUESTION)
    assert "Waiting for the referrer: less than a minute in all" in jo.get(page).get_data(as_text=True)
