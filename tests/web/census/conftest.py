"""The census tests' fixtures: the front door's people (tests/web/triage) and the seeded year."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.web.census.support import Seeded, seed
from tests.web.triage.conftest import staff  # noqa: F401 (the front door's people)
from tests.web.triage.support import Staff


@pytest.fixture
def seeded(app: Flask, staff: Staff) -> Seeded:  # noqa: F811
    return seed(app, staff)
