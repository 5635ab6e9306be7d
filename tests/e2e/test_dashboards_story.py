"""A manager's story, in Chromium (issue 10): open the dashboards, see this week's counts, click
"overdue", land on exactly those referrals, and download them. (Every dashboard view is checked with
axe and at 320 px by the page tours, test_accessibility.py.)"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from sqlalchemy import select, update

from fanlight.web import clock, db
from fanlight.web.access.audit import AuditEvent
from fanlight.web.models import ReferralStatus, Submission, User
from fanlight.web.triage import deadlines, queue
from tests.web.triage.support import child, referral_about

from .conftest import LiveServer, assert_no_axe_violations
from .test_front_door_story import signed_in


def overdue_referrals(server: LiveServer, referrer: int, count: int) -> list[str]:
    """Referrals received two days ago whose decision was due yesterday, still waiting."""
    made = [referral_about(server.app, referrer, child("Ava", f"Overdue{i}", "2018-05-0" + str(i + 1)), days_ago=2)
            for i in range(count)]
    with server.app.app_context():
        s = db.session()
        s.execute(update(Submission).where(Submission.id.in_(made))
                  .values(due_at=clock.now() - datetime.timedelta(days=1), status=ReferralStatus.RECEIVED))
        s.commit()
        return list(s.scalars(select(Submission.reference).where(Submission.id.in_(made))))


def listed(server: LiveServer, **args: str) -> tuple[int, set[str]]:
    """What the holding area's filter says, straight from the database: its count and references."""
    with server.app.test_request_context():
        chosen = queue.QueueFilter.from_args(args, None, queue.choices_for())
        now = clock.now()
        counted = db.session().scalar(chosen.count_query(now)) or 0
        references = set(db.session().scalars(chosen.query(now).with_only_columns(Submission.reference)))
    return counted, references


def test_a_manager_drills_from_this_weeks_overdue_count_to_the_referrals_and_downloads_them(
        page: Any, live_server: LiveServer, new_user: Any) -> None:
    teacher = new_user()
    manager_email = live_server.create_user(f"manager-{teacher}", name="Ann Manager", role="manager")
    mine = overdue_referrals(live_server, _user_id(live_server, teacher), 3)

    manager = signed_in(page.context, live_server, manager_email)
    manager.goto(live_server.url + "/dashboards/")
    assert_no_axe_violations(manager, "dashboards, this week")
    monday = _monday(live_server)
    received, _ = listed(live_server, **{"from": monday.isoformat(), "to": (monday + datetime.timedelta(days=6)).isoformat()})
    assert figure(manager, "figure-received") == f"{received:,}"  # this week's contacts
    overdue, expected = listed(live_server, due="overdue")
    assert set(mine) <= expected
    assert figure(manager, "figure-overdue") == f"{overdue:,}"

    with manager.expect_navigation():
        manager.locator("#figure-overdue").click()
    assert "due=overdue" in manager.url
    assert_no_axe_violations(manager, "the holding area, overdue")
    shown = {row.split("\t")[0].split()[0] for row in manager.locator("main table tbody tr").all_inner_texts()}
    assert shown == expected  # exactly those referrals (fewer than a page of them)

    with manager.expect_download() as downloading:
        manager.locator("#export-list").click()
    text = downloading.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert {row[0] for row in rows[1:]} == expected
    with live_server.app.app_context():
        exported = db.session().scalars(select(AuditEvent).where(AuditEvent.event == "referrals_exported")
                                        .order_by(AuditEvent.id.desc())).first()
    assert exported is not None and "due=overdue" in exported.target


def figure(page: Any, figure_id: str) -> str:
    """A figure's number as shown (its link's text, without the words for screen readers)."""
    text: str = page.locator(f"#{figure_id}").evaluate("e => e.firstChild.textContent")
    return text.strip()


def _monday(server: LiveServer) -> datetime.date:
    with server.app.app_context():  # the front door's calendar says which day it is
        today = deadlines.local(clock.now()).date()
    return today - datetime.timedelta(days=today.weekday())


def _user_id(server: LiveServer, email: str) -> int:
    with server.app.app_context():
        found = db.session().scalar(select(User.id).where(User.email == email))
        assert found is not None
        return found
