"""The referrer is kept informed (issue 9, item 9): one acknowledgement email on receipt, through
the mail outbox, in the submission's transaction: its reference, when it was received, what
happens next and by when; never the child's details."""

from __future__ import annotations

import re
from typing import Any

from fanlight.web.models import OutboxMessage
from fanlight.web.referrals import submissions
from tests.support.factories import (
    complete_answers,
    count,
    csrf_from,
    fill_draft,
    start_draft,
    submit,
    submitted_draft,
)
from tests.support.mailbox import link_in, outbox
from tests.web.triage.support import row

# The clock starts on Sunday 22 November 2026 at 9am: a decision is due within Monday, the next working day.
DUE = re.compile(r"by \d{1,2}:\d\d[ap]m on Monday 23 November 2026")


def child_details(answers: dict[str, Any]) -> list[str]:
    """Every value of the children's answers that could identify a child (names, dates, numbers, address)."""
    found: list[str] = []
    for child in answers["children"]:
        for field in ("child_forename", "child_surname", "child_dob", "nhs_number", "child_address", "child_postcode",
                      "upn", "school_or_setting", "gp"):
            if child.get(field):
                found.append(str(child[field]))
    found += [m["member_name"] for m in answers.get("household_members", [])]
    return found


def test_a_teacher_who_sends_a_referral_gets_one_acknowledgement_with_its_reference_and_due_time(
        app, staff, teacher, teacher_client):
    _, submission_id = submitted_draft(app, teacher_client)
    referral = row(app, submission_id)

    (message,) = outbox(app)
    assert message.to_address == teacher.email
    assert message.subject == f"Referral {referral.reference} received"
    assert referral.reference in message.body
    assert referral.due_at is not None
    with app.app_context():  # in the front door's time zone, as the page shows it
        due, received = submissions._in_words(referral.due_at), submissions._in_words(referral.received_at)
    assert f"by {due}" in message.body and DUE.search(message.body), message.body
    assert f"received your referral at {received}" in message.body
    assert "within one working day" in message.body
    assert "If a child is in immediate danger, call 999" in message.body
    assert app.config["FANLIGHT_FRONT_DOOR_PHONE"] in message.body
    assert link_in(message, "/your-forms") == "/your-forms"


def test_the_acknowledgement_never_holds_the_childs_details(app, staff, teacher_client):
    answers = complete_answers()
    submitted_draft(app, teacher_client, answers)

    (message,) = outbox(app)
    details = child_details(answers)
    assert {"Jordan", "Morgan", "2017-03-14", "9434765919", "WR1 2AB", "14 Orchard Close, Worcester"} <= set(details)
    text = f"{message.subject}\n{message.body}".casefold()
    for value in details:
        assert value.casefold() not in text, value
    for spelled in ("14 March 2017", "943 476 5919", "WR12AB"):  # nor the same details written differently
        assert spelled.casefold() not in text, spelled


def test_a_referral_sent_twice_is_acknowledged_once(app, staff, teacher_client):
    draft_id = start_draft(teacher_client)
    fill_draft(app, draft_id, complete_answers())
    token = csrf_from(teacher_client.get(f"/drafts/{draft_id}/check").get_data(as_text=True))
    first = submit(teacher_client, draft_id, token)
    second = submit(teacher_client, draft_id, token)  # a double click, or a replayed request

    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count(app, OutboxMessage) == 1


def test_without_a_working_calendar_the_acknowledgement_says_within_one_working_day_without_a_time(
        app, staff, teacher_client, monkeypatch):
    from fanlight.web.triage import deadlines

    monkeypatch.setattr(deadlines, "calendar", lambda: None)
    submitted_draft(app, teacher_client)

    (message,) = outbox(app)
    assert "within one working day." in message.body
    assert " by " not in message.body
