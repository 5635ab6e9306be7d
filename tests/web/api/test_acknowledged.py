"""A referral sent through the API with a warning its rules mark `acknowledge: true` (issue 13,
item 1): refused (422, with the evaluation) unless the body lists the rule in `acknowledged`."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from fanlight.web.api.openapi import COMPONENTS
from fanlight.web.models import ApiIdempotencyKey, Draft, Submission
from tests.support.factories import count, database
from tests.web.api.support import FORM, Api, api_client, police_referral

ONE_LINE = "Jordan came to school hungry again today, saying there is no food at home."  # 74 characters
TICK = "thin-concern-description"


def _thin() -> dict:
    return {**police_referral(), "concern_description": ONE_LINE}


def test_a_thin_referral_without_acknowledged_is_refused_and_nothing_is_stored(app: Flask, client: FlaskClient):
    police = Api(client, api_client(app))

    refused = police.post("/referrals", {"form": FORM, "answers": _thin()}, key="k1")

    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    problem = refused.get_json()
    assert problem["unacknowledged"] == [TICK]
    assert TICK in problem["detail"] and "acknowledged" in problem["detail"]
    assert problem["evaluation"]["complete"] is True
    assert [w["code"] for w in problem["evaluation"]["warnings"]] == [TICK]
    assert (count(app, Submission), count(app, Draft), count(app, ApiIdempotencyKey)) == (0, 0, 0)

    wrong = police.post("/referrals", {"form": FORM, "answers": _thin(), "acknowledged": ["something-else"]}, key="k2")
    assert wrong.status_code == 422 and count(app, Submission) == 0
    bad = police.post("/referrals", {"form": FORM, "answers": _thin(), "acknowledged": TICK}, key="k3")
    assert bad.status_code == 400 and count(app, Submission) == 0


def test_with_acknowledged_it_is_sent_and_the_acknowledgement_recorded(app: Flask, client: FlaskClient):
    police = Api(client, api_client(app))

    sent = police.post("/referrals", {"form": FORM, "answers": _thin(), "acknowledged": [TICK]}, key="k1")

    assert sent.status_code == 201, sent.get_data(as_text=True)
    with database(app) as s:
        assert s.query(Submission).one().evaluation["acknowledged"] == [TICK]


def test_a_referral_with_nothing_to_acknowledge_needs_no_list(app: Flask, client: FlaskClient):
    police = Api(client, api_client(app))
    sent = police.post("/referrals", {"form": FORM, "answers": police_referral()}, key="k1")
    assert sent.status_code == 201
    with database(app) as s:
        assert "acknowledged" not in s.query(Submission).one().evaluation


def test_the_openapi_body_documents_acknowledged():
    body = COMPONENTS["ReferralBody"]["properties"]
    assert body["acknowledged"]["type"] == "array" and body["acknowledged"]["items"] == {"type": "string"}
    assert "acknowledge: true" in body["acknowledged"]["description"]
