"""Decided referrals and a case system to deliver them to (tests/support/receiver.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from fanlight.web.delivery import worker
from fanlight.web.triage import decisions, workflow
from tests.support.factories import submitted_draft
from tests.web.test_mail import smtp_server  # noqa: F401 (a mail server on 127.0.0.1)
from tests.web.triage.conftest import staff  # noqa: F401 (the front door's people)
from tests.web.triage.support import Staff, acting

EARLY_HELP = {"outcome": "early_help", "level_applied": "2", "primary_need": "N1",
              "reasons": "Attendance has fallen and the family asked for support.",
              "reason_for_referrer": "The early help team will contact the family."}


@pytest.fixture
def fast_retries(app: Flask) -> None:
    app.config.update(FANLIGHT_DELIVERY_BACKOFF_SECONDS=0.0, FANLIGHT_DELIVERY_MAX_BACKOFF_SECONDS=0.0,
                      FANLIGHT_DELIVERY_TIMEOUT_SECONDS=1.0)


def to_case_system(app: Flask, address: str, secret: str = "") -> None:
    """Configure the bundled mapping's destination, as FANLIGHT_DESTINATION_CASE_SYSTEM would."""
    app.config["FANLIGHT_DESTINATIONS"] = {"FANLIGHT_DESTINATION_CASE_SYSTEM": {"address": address, "secret": secret}}


@pytest.fixture
def decide(app: Flask, staff: Staff, teacher_client: Any) -> Callable[..., str]:  # noqa: F811
    """Send a referral as the teacher, and decide it as Jo: its id."""

    def decided(decision: dict[str, Any] | None = None) -> str:
        referral_id = submitted_draft(app, teacher_client)[1]
        with acting(app, referral_id) as (referral, user):
            workflow.claim(referral, user(staff.jo))
            with app.test_request_context():
                evaluation = decisions.decide(referral, dict(decision or EARLY_HELP), user(staff.jo))
        assert evaluation.complete and not evaluation.errors
        return referral_id

    return decided


def work(app: Flask) -> worker.Pass:
    with app.app_context():
        return worker.work_once()
