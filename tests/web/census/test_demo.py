"""`fanlight census export` on the bundled demo data, as `scripts/start` leaves it: the migrations, the
bundled definitions and the demo accounts (fanlight.web.accounts.demo). The demo has no referrals, so
the first export is an empty census, which must still be written and pass; then the demo teacher
sends the bundled complete referral through the pages and the demo officer decides it for an
assessment, and the export writes its children and checks them."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from flask import Flask

from fanlight.console import DEMO_PASSWORD
from fanlight.web import db, extensions, migrate
from fanlight.web.accounts.demo import seed_demo_accounts
from fanlight.web.models import User
from fanlight.web.triage import decisions, workflow
from tests.support import factories
from tests.support.factories import DEFINITIONS, signed_in_client, submitted_draft
from tests.support.web import make_app
from tests.web.census.test_command import census_export
from tests.web.triage.support import acting

TEACHER, OFFICER = "teacher@demo-school.example", "officer@demo-council.example"


@pytest.fixture
def demo(tmp_path: Path, clock, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setenv("FANLIGHT_INSTANCE", str(tmp_path / "instance"))
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    migrate.upgrade(url)  # `fanlight serve` upgrades, then seeds the demo accounts
    app = make_app({"TESTING": True, "DATABASE_URL": url, "DEFINITIONS_PATH": str(DEFINITIONS),
                    "SESSION_COOKIE_SECURE": False, "SECRET_KEY": "demo-census-tests",
                    "UPLOAD_FOLDER": str(tmp_path / "uploads")}, clock)
    with app.app_context():
        extensions.catalogue().refresh(db.session(), force=True)
        seed_demo_accounts(DEMO_PASSWORD)
    yield app
    extensions.db_engine(app).dispose()


def person(app: Flask, email: str) -> factories.User:
    with app.app_context():
        row = db.session().query(User).filter_by(email=email).one()
        return factories.User(row.id, row.email, row.role, row.agency, row.name, DEMO_PASSWORD)


def test_census_export_works_on_the_bundled_demo_data(demo: Flask, tmp_path):
    out = tmp_path / "cin.xml"
    done = census_export(demo, "--year", "2026-27", "--out", str(out), FANLIGHT_LA_CODE="938")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[1:4] == [
        "referrals: 0 in the census, 0 awaiting a decision, 0 resolved at the front door (not CSC referrals), "
        "0 withdrawn", "children: 0 (0 with every item)", "items missing: 0"]
    root = ET.parse(out).getroot()  # noqa: S314
    assert root.findtext("Header/CollectionDetails/Year") == "2027" and root.findall("Children/Child") == []

    teacher = signed_in_client(demo, person(demo, TEACHER))
    referral_id = submitted_draft(demo, teacher)[1]
    officer = person(demo, OFFICER)
    with acting(demo, referral_id) as (referral, user):
        workflow.claim(referral, user(officer.id))
        with demo.test_request_context():
            decided = decisions.decide(referral, {"outcome": "cin_s17", "level_applied": "3", "primary_need": "N1",
                                                  "reasons": "Neglect indicators"}, user(officer.id))
        assert decided.complete and not decided.errors
    done = census_export(demo, "--year", "2026-27", "--out", str(out), FANLIGHT_LA_CODE="938")
    root = ET.parse(out).getroot()  # noqa: S314
    assert [c.findtext("CINdetails/ReferralSource") for c in root.findall("Children/Child")] == ["2A", "2A"]
    lines = done.stderr.splitlines()
    assert lines[2:4] == ["children: 2 (2 with every item)", "items missing: 0"]
    # Every item is there, and the validator finds nothing wrong with them.
    assert [line for line in lines if line.startswith("  ")] == []
    assert done.returncode == 0, done.stderr
