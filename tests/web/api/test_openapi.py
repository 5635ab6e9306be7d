"""The API's OpenAPI document is valid OpenAPI 3.1, and the API keeps to it: schemathesis sends it
generated requests (valid and invalid) and checks every response against the document: no
server error, and no response that breaks its schema, status codes or media types."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from tests.web.api.support import FORM, Api, api_client


@pytest.fixture
def api_token(app: Flask) -> str:
    app.config["FANLIGHT_RATELIMIT_API"] = "100000 per minute"  # the limit is tested on its own; here, coverage
    app.config["FANLIGHT_RATELIMIT_API_REFUSED"] = "100000 per minute"  # (unsigned acknowledgements are 401s)
    return api_client(app)


def test_the_document_is_valid_openapi_3_1_and_describes_every_route(app: Flask, client: FlaskClient):
    response = client.get("/api/v1/openapi.json")  # no token needed: it holds nobody's data
    assert response.status_code == 200
    document = response.get_json()
    validate(document)  # raises on anything that is not valid OpenAPI 3.1
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {"/api/v1/forms", "/api/v1/forms/{form_id}", "/api/v1/forms/{form_id}/evaluate",
                                      "/api/v1/referrals", "/api/v1/referrals/{reference}",
                                      "/api/v1/deliveries/{key}/acknowledgement"}
    routes = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("api.") and r.endpoint != "api.openapi"}
    assert len(routes) == len(document["paths"])
    assert f"Answers.{FORM}" in document["components"]["schemas"]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_to_its_document(app: Flask, api_token: str, mode: GenerationMode) -> None:
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) == 6

    for operation in operations:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def keeps_to_it(case: Any) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {api_token}"}, excluded_checks=[
                # A body the document allows is still refused when the evaluator says its answers are
                # incomplete (a 422), or when it holds a NUL character (a 400: never stored anywhere):
                # a free-form answers object cannot say either. Every response is still checked.
                positive_data_acceptance])

        keeps_to_it()


def test_the_rate_limit_is_per_client_and_answers_in_problem_details(app: Flask, client: FlaskClient):
    app.config["FANLIGHT_RATELIMIT_API"] = "3 per minute"
    first, second = Api(client, api_client(app)), Api(client, api_client(app, "Second system"))
    answers = [first.get(path).status_code for path in ("/forms", "/forms/cause-for-concern", "/forms", "/forms")]
    assert answers == [200, 200, 200, 429]  # one count over the whole API, not one per endpoint
    assert first.get("/forms").mimetype == "application/problem+json"
    assert second.get("/forms").status_code == 200  # another client's requests are counted apart


def test_guessing_tokens_is_counted_by_address_and_stopped(app: Flask, client: FlaskClient):
    """Each wrong token was a rate-limit count of its own: one machine could try them without end."""
    app.config["FANLIGHT_RATELIMIT_API_REFUSED"] = "3 per minute"
    guesser = {"REMOTE_ADDR": "203.0.113.9"}
    answers = [client.get("/api/v1/forms", headers={"Authorization": f"Bearer guess-{n}"}, environ_base=guesser)
               .status_code for n in range(2)]
    unsigned = client.post("/api/v1/deliveries/some-key/acknowledgement", json={"id": "X1"}, environ_base=guesser)
    answers += [unsigned.status_code, *(client.get("/api/v1/forms", environ_base=guesser).status_code for _ in range(2))]
    assert answers == [401, 401, 401, 429, 429]  # wrong tokens and a missing signature count alike
    refused = client.get("/api/v1/forms", environ_base=guesser)
    assert refused.mimetype == "application/problem+json" and int(refused.headers["Retry-After"]) > 0
    token = api_client(app)  # a system with a real token behind the same address is not locked out
    assert client.get("/api/v1/forms", headers={"Authorization": f"Bearer {token}"}, environ_base=guesser).status_code == 200
    elsewhere = {"REMOTE_ADDR": "198.51.100.7"}
    for _ in range(5):  # good requests are never counted as refusals
        assert client.get("/api/v1/forms", headers={"Authorization": f"Bearer {token}"}, environ_base=elsewhere).status_code == 200
    assert [client.get("/api/v1/forms", environ_base=elsewhere).status_code for _ in range(4)] == [401, 401, 401, 429]

