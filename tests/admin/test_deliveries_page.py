"""Administrators see deliveries to the case system by state, open one (its attempts and payload),
and resend or cancel it (issue 14, item 4). A change that the delivery's state no longer allows is
refused with a banner and changes nothing; everyone else is refused the pages (403, audited)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from flask import Flask
from sqlalchemy import select

from fanlight.web import clock
from fanlight.web.models import Delivery, DeliveryAttempt, DeliveryState, Submission
from tests.admin.test_users import post_form
from tests.support.factories import audit_rows, csrf_from, database, signed_in_client, snapshot
from tests.web.triage.support import child, referral_about

PAGE = "/admin/deliveries/"
S = DeliveryState


def a_delivery(app: Flask, referrer: int, state: str = S.PENDING, *, attempts: int = 0, last_error: str = "",
               external_id: str | None = None, tries: int = 0, destination: str = "case-system") -> tuple[int, str]:
    """A decided referral's delivery, made as records.schedule makes one, in `state`: (its id, the
    referral's reference). `tries` attempts are logged, the last one failing."""
    submission_id = referral_about(app, referrer, child("Jordan", "Smith", "2015-04-01"), status="decided")
    with database(app) as s:
        now = clock.now()
        record = Delivery(submission_id=submission_id, destination=destination, mapping_id="case-system-referral",
                          mapping_version=1, payload={"reference": "x", "children": [{"forename": "Jordan"}]},
                          case_note="", state=state, attempts=attempts, next_attempt_at=now, claimed_by="",
                          last_error=last_error, external_id=external_id, created_at=now,
                          delivered_at=now if state == S.DELIVERED else None)
        s.add(record)
        s.flush()
        for number in range(1, tries + 1):
            s.add(DeliveryAttempt(delivery_id=record.id, number=number, worker="worker-1",
                                  started_at=now - datetime.timedelta(minutes=10 - number), finished_at=now,
                                  outcome="failed" if number == tries else "retry", status_code=503,
                                  error=f"the case system said 503 (try {number})"))
        reference = s.get(Submission, submission_id).reference
        s.commit()
        return record.id, reference


def stored(app: Flask, delivery_id: int) -> Delivery:
    with database(app) as s:
        found = s.get(Delivery, delivery_id)
        s.expunge(found)
        return found


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_an_administrator_sees_deliveries_by_state_with_counts_newest_first(app, user_factory, teacher):
    dead, dead_ref = a_delivery(app, teacher.id, S.DEAD, attempts=5, last_error="the case system said 400", tries=5)
    _, pending_ref = a_delivery(app, teacher.id, S.PENDING)
    _, sent_ref = a_delivery(app, teacher.id, S.SENT, attempts=1)
    _, delivered_ref = a_delivery(app, teacher.id, S.DELIVERED, attempts=1, external_id="CASE-0042")
    admin = signed_in_client(app, user_factory("administrator"))

    waiting = admin.get(PAGE)
    assert waiting.status_code == 200
    html = waiting.get_data(as_text=True)
    text = text_of(waiting)
    for label in ("Waiting (1)", "Sent awaiting acknowledgement (1)", "Dead (1)", "Delivered (1)", "Cancelled (0)",
                  "All (4)"):
        assert label in text, label
    assert pending_ref in text and dead_ref not in text and 'href="/admin/deliveries/"' in html
    assert "/front-door/referrals/" not in html  # the referral is the front door's to open, not IT's

    dead_tab = admin.get(f"{PAGE}?state=dead")
    text = text_of(dead_tab)
    assert dead_ref in text and pending_ref not in text
    assert "the case system said 400" in text and "Dead" in text
    assert f'href="/admin/deliveries/{dead}"' in dead_tab.get_data(as_text=True)
    assert "CASE-0042" in text_of(admin.get(f"{PAGE}?state=delivered"))

    everything = text_of(admin.get(f"{PAGE}?state=all"))
    positions = [everything.index(ref) for ref in (delivered_ref, sent_ref, pending_ref, dead_ref)]
    assert positions == sorted(positions)  # newest first (made in the opposite order)
    assert "page 1 of" not in everything  # 4 rows: one page
    assert admin.get(f"{PAGE}?state=nonsense&page=x").status_code == 200


def test_a_destination_nobody_configured_says_so(app, user_factory, teacher):
    delivery_id, _ = a_delivery(app, teacher.id, S.PENDING)
    admin = signed_in_client(app, user_factory("administrator"))
    assert "Not configured" not in text_of(admin.get(PAGE))  # development drops into a folder
    app.config["FANLIGHT_ENV"] = "production"
    assert "Not configured: set FANLIGHT_DESTINATION_CASE_SYSTEM" in text_of(admin.get(PAGE))
    assert "Not configured: set FANLIGHT_DESTINATION_CASE_SYSTEM" in text_of(admin.get(f"{PAGE}{delivery_id}"))


def test_an_administrator_opens_a_delivery_and_sees_its_attempts_but_not_the_childs_details(
        app, user_factory, teacher):
    delivery_id, reference = a_delivery(app, teacher.id, S.DEAD, attempts=3, last_error="gave up", tries=3)
    admin = signed_in_client(app, user_factory("administrator"))
    page = admin.get(f"{PAGE}{delivery_id}")
    assert page.status_code == 200
    html, text = page.get_data(as_text=True), text_of(page)
    assert f"{reference} to case-system" in text and "case-system-referral, version 1" in text
    for number in (1, 2, 3):
        assert f"the case system said 503 (try {number})" in text
    assert "Jordan" not in html and "fanlight-payload" not in html  # IT is not the front door
    assert "Its top-level parts: children, reference." in text
    assert "/front-door/referrals/" not in html  # nor may IT open the referral
    assert "GMT" in text or "UTC" in text  # times in the front door's zone, saying which
    # From dead: resend and cancel.
    assert f'action="/admin/deliveries/{delivery_id}/resend"' in html
    assert f'action="/admin/deliveries/{delivery_id}/cancel"' in html
    assert admin.get(f"{PAGE}999999").status_code == 404


def test_an_administrator_resends_a_dead_delivery(app, user_factory, teacher):
    delivery_id, reference = a_delivery(app, teacher.id, S.DEAD, attempts=5, last_error="the case system said 400",
                                        tries=5)
    admin = signed_in_client(app, user_factory("administrator"))
    page = f"{PAGE}{delivery_id}"
    response = post_form(admin, page, f"{page}/resend")
    assert response.status_code == 303 and response.headers["Location"] == page
    after = stored(app, delivery_id)
    assert (after.state, after.attempts, after.last_error) == (S.PENDING, 0, "")
    (row,) = audit_rows(app, "delivery_resent")
    assert f"delivery {delivery_id}" in row.target and reference in row.target
    shown = admin.get(page)
    assert "govuk-notification-banner--success" in shown.get_data(as_text=True)
    assert f"You resent {reference} to case-system" in text_of(shown)
    assert f'action="{page}/resend"' not in shown.get_data(as_text=True)  # pending: cancel only
    assert f'action="{page}/cancel"' in shown.get_data(as_text=True)


def test_an_administrator_cancels_a_pending_delivery(app, user_factory, teacher):
    delivery_id, _ = a_delivery(app, teacher.id, S.PENDING)
    admin = signed_in_client(app, user_factory("administrator"))
    page = f"{PAGE}{delivery_id}"
    response = post_form(admin, page, f"{page}/cancel")
    assert response.status_code == 303
    assert stored(app, delivery_id).state == S.CANCELLED
    assert [r.event for r in audit_rows(app) if r.event.startswith("delivery_")] == ["delivery_cancelled"]
    shown = admin.get(page).get_data(as_text=True)
    assert f'action="{page}/resend"' in shown and f'action="{page}/cancel"' not in shown  # cancelled: resend only
    assert "Cancelled (1)" in text_of(admin.get(PAGE))


def test_resending_a_delivered_delivery_is_refused_with_a_banner_and_changes_nothing(app, user_factory, teacher):
    delivery_id, reference = a_delivery(app, teacher.id, S.DELIVERED, attempts=1, external_id="CASE-0042")
    admin = signed_in_client(app, user_factory("administrator"))
    page = f"{PAGE}{delivery_id}"
    html = admin.get(page).get_data(as_text=True)
    assert "/resend" not in html and "/cancel" not in html  # delivered: nothing to do
    before = snapshot(app, ignore_audit=True)
    response = admin.post(f"{page}/resend", data={"csrf_token": csrf_from(html)})  # a stale page, say
    assert response.status_code == 303
    assert snapshot(app, ignore_audit=True) == before
    assert not audit_rows(app, "delivery_resent")
    shown = text_of(admin.get(page))
    assert f"The delivery of {reference} to case-system could not be resent: it is delivered now." in shown
    assert "Nothing was changed" in shown
    assert stored(app, delivery_id).external_id == "CASE-0042"


def test_only_administrators_see_or_change_deliveries_and_each_refusal_is_audited(app, user_factory, teacher):
    delivery_id, _ = a_delivery(app, teacher.id, S.DEAD)
    others = {role: signed_in_client(app, user_factory(role))
              for role in ("front_door_officer", "manager", "professional", "service_lead", "it_reviewer")}
    before = snapshot(app, ignore_audit=True)
    for role, other in others.items():
        token = csrf_from(other.get("/account").get_data(as_text=True))
        denied = len(audit_rows(app, "access_denied"))
        assert other.get(PAGE).status_code == 403, role
        assert other.get(f"{PAGE}{delivery_id}").status_code == 403, role
        for action in ("resend", "cancel"):
            assert other.post(f"{PAGE}{delivery_id}/{action}", data={"csrf_token": token}).status_code == 403, role
        assert len(audit_rows(app, "access_denied")) == denied + 4, role
    assert snapshot(app, ignore_audit=True) == before
    assert stored(app, delivery_id).state == S.DEAD


def test_a_resend_without_a_csrf_token_is_refused(app, user_factory, teacher):
    delivery_id, _ = a_delivery(app, teacher.id, S.DEAD)
    admin = signed_in_client(app, user_factory("administrator"))
    before = snapshot(app, ignore_audit=True)
    for action in ("resend", "cancel"):
        assert admin.post(f"{PAGE}{delivery_id}/{action}").status_code == 400
    assert snapshot(app, ignore_audit=True) == before
    assert stored(app, delivery_id).state == S.DEAD


def test_deliveries_are_listed_fifty_to_a_page(app, user_factory, teacher):
    a_delivery(app, teacher.id, S.DEAD)
    with database(app) as s:
        first = s.scalars(select(Delivery)).one()
        for n in range(50):
            s.add(Delivery(submission_id=first.submission_id, destination=f"drop-{n:02d}", mapping_id="m",
                           mapping_version=1, payload={}, case_note="", state=S.DEAD, claimed_by="", last_error="",
                           created_at=first.created_at + datetime.timedelta(seconds=n + 1)))
        s.commit()
    admin = signed_in_client(app, user_factory("administrator"))
    one = admin.get(f"{PAGE}?state=dead")
    assert one.get_data(as_text=True).count('data-label="Destination"') == 50
    assert "drop-49" in text_of(one) and "page 1 of 2" in text_of(one) and "Dead (51)" in text_of(one)
    two = admin.get(f"{PAGE}?state=dead&page=2")
    assert two.get_data(as_text=True).count('data-label="Destination"') == 1
    assert "drop-49" not in text_of(two) and "case-system" in text_of(two)  # the oldest, last
    assert 'rel="prev"' in two.get_data(as_text=True)
    assert admin.get(f"{PAGE}?state=dead&page=9").status_code == 200  # past the end: the last page

