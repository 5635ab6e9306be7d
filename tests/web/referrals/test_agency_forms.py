"""An agency's definition says which forms its staff may use; the portal keeps to it."""

from __future__ import annotations

from fanlight.web import db
from fanlight.web.accounts.service import create_user
from fanlight.web.models import AuditEvent
from tests.support.factories import PASSWORD, User, csrf_token, sign_in


def surgery_gp(app) -> User:
    """A GP at Demo Surgery, whose definition lists only the cause-for-concern form."""
    with app.app_context():
        row = create_user("gp2@demo-surgery.example", "Dr Ana Head", "professional", PASSWORD, "Demo Surgery",
                          agency_id="demo-surgery")
        db.session().commit()
        return User(row.id, row.email, "professional", row.agency, row.name, PASSWORD)


def test_a_gp_is_offered_only_the_forms_the_surgery_uses(app):
    client = app.test_client()
    sign_in(client, surgery_gp(app))
    page = client.get("/your-forms").get_data(as_text=True)
    assert "/forms/cause-for-concern" in page
    assert "/forms/request-for-information" not in page


def test_a_form_the_agency_does_not_use_cannot_be_started_and_the_attempt_is_logged(app):
    client = app.test_client()
    sign_in(client, surgery_gp(app))
    token = csrf_token(client)
    with app.app_context():
        before = db.session().query(AuditEvent).filter_by(event="access_denied").count()
    assert client.get("/forms/request-for-information").status_code == 403
    assert client.post("/forms/request-for-information/drafts", data={"csrf_token": token}).status_code == 403
    assert client.get("/forms/cause-for-concern").status_code == 200
    with app.app_context():
        assert db.session().query(AuditEvent).filter_by(event="access_denied").count() == before + 2
