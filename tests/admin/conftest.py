"""The back office's tests: the web fixtures (tests/support/web.py), and the workbench's people."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.admin.workbench_helpers import client_for
from tests.support.factories import User as Person
from tests.support.factories import make_user
from tests.support.web import *  # noqa: F403


@pytest.fixture
def lead(app: Flask) -> Person:
    return make_user(app, "service_lead", name="Sam Lead", agency="Children's Services")


@pytest.fixture
def reviewer(app: Flask) -> Person:
    return make_user(app, "it_reviewer", name="Ira Reviewer", agency="IT")


@pytest.fixture
def lead_client(app: Flask, lead: Person) -> FlaskClient:
    return client_for(app, lead)


@pytest.fixture
def reviewer_client(app: Flask, reviewer: Person) -> FlaskClient:
    return client_for(app, reviewer)
