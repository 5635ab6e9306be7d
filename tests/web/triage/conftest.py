"""The front door's people and a referral, for the triage tests (tests/support/web.py gives the app)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.factories import make_user, submitted_draft
from tests.web.triage.support import Staff, in_agency


@pytest.fixture
def staff(app: Flask, teacher: Any) -> Staff:
    in_agency(app, teacher.id)
    return Staff(
        jo=make_user(app, "front_door_officer", name="Jo Officer").id,
        kim=make_user(app, "front_door_officer", name="Kim Officer").id,
        manager=make_user(app, "manager", name="Ann Manager").id,
        teacher=teacher.id,
        stranger=make_user(app, "professional", name="Pat Other").id,
    )


@pytest.fixture
def referral_id(app: Flask, staff: Staff, teacher_client: FlaskClient) -> str:
    """A cause-for-concern sent by the teacher (of Demo Primary School), through the pages."""
    return submitted_draft(app, teacher_client)[1]
