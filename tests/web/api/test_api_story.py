"""The API story (issue 14): a police system sends a referral, replays it with the same key, and reads
its status; another agency's system cannot read it; nothing half-stored, ever."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient

from fanlight.engine import evaluate
from fanlight.web.models import ApiIdempotencyKey, Draft, ReferralStatus, Submission
from tests.support.factories import compiled_form, count, database, snapshot
from tests.support.mailbox import outbox
from tests.web.api.support import FORM, REFERRER, Api, api_client, police_referral


def test_a_police_system_sends_a_referral_replays_it_and_reads_its_status(app: Flask, client: FlaskClient):
    police = Api(client, api_client(app))
    body = {"form": FORM, "answers": police_referral()}

    sent = police.post("/referrals", body, key="pnc-2026-000123")
    assert sent.status_code == 201, sent.get_data(as_text=True)
    created = sent.get_json()
    reference = created["reference"]
    assert sent.headers["Location"] == f"/api/v1/referrals/{reference}"
    assert (created["form"], created["status"]) == (FORM, "received")

    replayed = police.post("/referrals", body, key="pnc-2026-000123")
    assert (replayed.status_code, replayed.get_json()) == (201, created)
    assert count(app, Submission) == 1 and count(app, ApiIdempotencyKey) == 1

    with database(app) as s:
        referral = s.query(Submission).one()
        assert (referral.agency_id, referral.cin_referral_source, referral.agency) == ("county-police", "6",
                                                                                       "County Police")
        assert referral.status == ReferralStatus.RECEIVED
    acknowledged = outbox(app, REFERRER)
    assert [m.subject for m in acknowledged] == [f"Referral {reference} received"]
    assert "Your forms" not in acknowledged[0].body  # the officer has no account here to sign in to

    status = police.get(f"/referrals/{reference}")
    assert status.status_code == 200
    assert status.get_json()["status"] == "received"
    assert [h["what"] for h in status.get_json()["history"]] == ["You sent it, and the Family Front Door received it"]


def test_another_agencys_system_cannot_read_it_and_a_bad_token_is_401(app: Flask, client: FlaskClient):
    police = Api(client, api_client(app))
    reference = police.post("/referrals", {"form": FORM, "answers": police_referral()}, key="k1").get_json()["reference"]
    health = Api(client, api_client(app, "Health visiting EPR", "county-health-visiting"))
    refused = health.get(f"/referrals/{reference}")
    assert refused.status_code == 404
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["status"] == 404

    for token in ("", "fl_not-a-real-token", "Basic dXNlcjpwYXNz"):
        answer = client.get("/api/v1/forms", headers={"Authorization": f"Bearer {token}"} if token else {})
        assert answer.status_code == 401, token
        assert answer.mimetype == "application/problem+json"
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_same_key_with_another_body_and_an_incomplete_referral_are_refused_and_nothing_is_stored(
        app: Flask, client: FlaskClient):
    police = Api(client, api_client(app))
    assert police.post("/referrals", {"form": FORM, "answers": police_referral()}, key="k1").status_code == 201
    before = snapshot(app, ignore_audit=True)

    other = police.post("/referrals", {"form": FORM, "answers": {**police_referral(), "referrer_name": "PC Other"}},
                        key="k1")
    assert other.status_code == 422
    assert "different body" in other.get_json()["detail"]

    incomplete = police.post("/referrals", {"form": FORM, "answers": {"immediate_danger": False}}, key="k2")
    assert incomplete.status_code == 422
    problem = incomplete.get_json()
    assert problem["evaluation"]["complete"] is False
    assert {"field": "concern_level", "code": "required"}.items() <= {
        k: v for e in problem["evaluation"]["errors"] if e["field"] == "concern_level" for k, v in e.items()}.items()
    assert police.post("/referrals", {"form": FORM, "answers": police_referral()}).status_code == 400  # no key
    assert snapshot(app, ignore_audit=True) == before
    assert count(app, Draft) == 1


def test_a_dry_run_evaluates_exactly_as_fanlight_evaluate_prints(app: Flask, client: FlaskClient, clock):
    police = Api(client, api_client(app))
    answers = {"immediate_danger": False, "concern_level": "complex_needs"}
    dry = police.post(f"/forms/{FORM}/evaluate", {"answers": answers})
    assert dry.status_code == 200
    assert dry.get_json() == json.loads(json.dumps(evaluate(compiled_form(app), answers, now=clock.now()).to_json()))
    assert count(app, Draft) == 0


def test_a_client_sees_only_its_agencys_forms_and_needs_the_scope_to_send(app: Flask, client: FlaskClient):
    police = Api(client, api_client(app))
    listed = police.get("/forms").get_json()["forms"]
    assert sorted(f["id"] for f in listed) == ["cause-for-concern", "request-for-information"]
    assert police.get("/forms/front-door-decision").status_code == 404  # the front door's own form
    schema = police.get(f"/forms/{FORM}").get_json()["answers_schema"]
    assert schema["properties"]["immediate_danger"] == {"anyOf": [
        {"type": "boolean", "description": "Is the child in immediate danger right now?"}, {"type": "null"}]}

    reader = Api(client, api_client(app, "Read only", scopes=["status"]))
    refused = reader.post("/referrals", {"form": FORM, "answers": police_referral()}, key="k")
    assert refused.status_code == 403 and "'submit' scope" in refused.get_json()["detail"]


def test_every_error_under_the_api_is_problem_details(app: Flask, client: FlaskClient):
    police = Api(client, api_client(app))
    for answer in (police.get("/no-such-thing"), client.delete("/api/v1/forms"),
                   police.post("/referrals", {"form": FORM, "answers": {"x": "a\u0000b"}}, key="k")):
        assert answer.mimetype == "application/problem+json", answer.status_code
        assert answer.get_json()["status"] == answer.status_code and 400 <= answer.status_code < 500


def test_a_replay_after_retention_deleted_the_referral_is_told_it_is_gone_and_makes_no_second(
        app: Flask, client: FlaskClient):
    police = Api(client, api_client(app))
    body = {"form": FORM, "answers": police_referral()}
    assert police.post("/referrals", body, key="k1").status_code == 201
    with database(app) as s:  # as the retention job leaves a deleted referral's key
        s.query(ApiIdempotencyKey).update({"draft_id": None})
        s.commit()
    gone = police.post("/referrals", body, key="k1")
    assert gone.status_code == 410 and gone.mimetype == "application/problem+json"
    assert count(app, Submission) == 1


def test_a_replay_gets_the_same_answer_after_the_front_door_has_moved_the_referral_on(
        app: Flask, client: FlaskClient):
    """The same key and body get the same response, whenever they come again (a system that lost the
    first answer retries later): the 201 as it was made. Where the referral is now is its href's."""
    police = Api(client, api_client(app))
    body = {"form": FORM, "answers": police_referral()}
    sent = police.post("/referrals", body, key="pnc-2026-000124")
    assert sent.status_code == 201
    with database(app) as s:  # as the front door claiming it leaves it
        s.query(Submission).update({"status": ReferralStatus.IN_TRIAGE})
        s.commit()

    replayed = police.post("/referrals", body, key="pnc-2026-000124")
    assert (replayed.status_code, replayed.get_json()) == (201, sent.get_json())
    assert replayed.headers["Location"] == sent.headers["Location"]
    assert police.get(sent.headers["Location"].removeprefix("/api/v1")).get_json()["status"] == "in_triage"
    assert count(app, Submission) == 1
