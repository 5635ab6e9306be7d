"""The OpenAPI 3.1 document of /api/v1, generated on each request from the API's routes (their
descriptions, endpoints.DOCS) and the live forms (each form version's answers schema), so it
always says what this server does now. Its shared schemas are below, in JSON Schema 2020-12."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, current_app, json

from .. import extensions
from ..access.permissions import public
from . import blueprint as bp
from . import endpoints, schemas
from .endpoints import DOCS

VERSION = "1.0.0"
_MESSAGE = {"type": "object", "required": ["field", "code", "message"],
            "properties": {"field": {"type": ["string", "null"]}, "code": {"type": "string"},
                           "message": {"type": "string"}}}
_TIME = {"type": "string", "format": "date-time"}
_REFERRAL_PROPERTIES = {
    "reference": {"type": "string"}, "form": {"type": "string"}, "version": {"type": "integer"},
    "status": {"type": "string", "enum": ["received", "in_triage", "awaiting_information", "decided", "delivered",
                                          "withdrawn"]},
    "received_at": _TIME, "due_at": {"type": ["string", "null"], "format": "date-time"}, "href": {"type": "string"},
}
_FORM_PROPERTIES = {"id": {"type": "string"}, "title": {"type": "string"}, "version": {"type": "integer"},
                    "content_hash": {"type": "string"}, "href": {"type": "string"}}
COMPONENTS: dict[str, dict[str, Any]] = {
    "Problem": {"type": "object", "description": "RFC 9457 problem details", "required": ["title", "status"],
                "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                               "detail": {"type": "string"}, "evaluation": {"$ref": "#/components/schemas/Evaluation"}}},
    "FormSummary": {"type": "object", "required": list(_FORM_PROPERTIES), "properties": _FORM_PROPERTIES},
    "FormList": {"type": "object", "required": ["forms"],
                 "properties": {"forms": {"type": "array", "items": {"$ref": "#/components/schemas/FormSummary"}}}},
    "Form": {"type": "object", "required": [*_FORM_PROPERTIES, "answers_schema"],
             "properties": {**_FORM_PROPERTIES, "answers_schema": {"type": "object"}}},
    "AnswersBody": {"type": "object", "required": ["answers"], "properties": {"answers": {"type": "object"}}},
    "ReferralBody": {"type": "object", "required": ["form", "answers"],
                     "properties": {"form": {"type": "string"}, "answers": {"type": "object"},
                                    "acknowledged": {
                                        "type": "array", "items": {"type": "string"},
                                        "description": "The rule ids (a warning's `code`) of the warnings the form's "
                                                       "rulesets say must be acknowledged (`acknowledge: true`) that "
                                                       "the referrer has read. A referral with one not listed is "
                                                       "refused (422, `unacknowledged`: their ids); the list is "
                                                       "recorded with the referral."}}},
    "Evaluation": {
        "type": "object", "description": "Exactly what `fanlight evaluate` prints",
        "required": ["form", "version", "complete", "visible_sections", "visible_fields", "errors", "warnings",
                     "derived", "threshold"],
        "additionalProperties": False,
        "properties": {
            "form": {"type": "string"}, "version": {"type": "integer"}, "complete": {"type": "boolean"},
            "visible_sections": {"type": "array", "items": {"type": "string"}},
            "visible_fields": {"type": "array", "items": {"type": "string"}},
            "errors": {"type": "array", "items": _MESSAGE}, "warnings": {"type": "array", "items": _MESSAGE},
            "derived": {"type": "object"},
            "threshold": {"anyOf": [{"type": "null"}, {
                "type": "object", "required": ["id", "level", "level_name", "matched"],
                "properties": {"id": {"type": "string"}, "level": {"type": ["integer", "null"]},
                               "level_name": {"type": ["string", "null"]},
                               "matched": {"type": "array", "items": {"type": "string"}}}}]},
        },
    },
    "AcknowledgementBody": {"type": "object", "required": ["id"],
                            "properties": {"id": {"type": ["string", "integer"], "minLength": 1, "maxLength": 200}}},
    "Acknowledgement": {"type": "object", "required": ["key", "state", "external_id"],
                        "properties": {"key": {"type": "string"}, "state": {"type": "string"},
                                       "external_id": {"type": ["string", "null"]}}},
    "Referral": {"type": "object", "required": list(_REFERRAL_PROPERTIES), "properties": _REFERRAL_PROPERTIES},
    "ReferralStatus": {
        "type": "object", "required": [*_REFERRAL_PROPERTIES, "history"],
        "properties": {**_REFERRAL_PROPERTIES, "history": {"type": "array", "items": {
            "type": "object", "required": ["what", "at"], "properties": {"what": {"type": "string"}, "at": _TIME}}}},
    },
}


@bp.route("/openapi.json")
@public
def openapi() -> Response:
    """This document (no token needed: it describes, and holds nothing of anyone's)."""
    return Response(json.dumps(document()), mimetype="application/json")


def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in current_app.url_map.iter_rules():
        described = DOCS.get(rule.endpoint)
        if described is None:
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule.endpoint, rule.arguments, described)
    catalogue = extensions.catalogue()
    answers = {f"Answers.{c.id}": schemas.answers_schema(c) for c in catalogue.forms() if c.form.audience != "front_door"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Fanlight referrals API", "version": VERSION,
                 "description": "Send referrals to the Family Front Door from another system, and follow them."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": {**COMPONENTS, **answers},
                       "securitySchemes": {
                           "token": {"type": "http", "scheme": "bearer"},
                           "signature": {"type": "apiKey", "in": "header", "name": "Fanlight-Signature",
                                         "description": "sha256=HEX: the HMAC-SHA256 of TIMESTAMP.BODY under the "
                                                        "destination's secret, with Fanlight-Timestamp"}}},
        "security": [{"token": []}],
    }


def _operation(endpoint: str, arguments: set[str] | frozenset[str], described: dict[str, Any]) -> dict[str, Any]:
    ok = described["ok"]
    responses: dict[str, Any] = {ok: {"description": "OK" if ok == "200" else "Created",
                                      "content": {"application/json": {"schema": _ref(described["result"])}}}}
    if ok == "201":
        responses[ok]["headers"] = {"Location": {"description": "the referral's own address",
                                                 "schema": {"type": "string"}}}
    for status, why in described["responses"].items():
        responses[status] = {"description": why, "content": {"application/problem+json": {"schema": _ref("Problem")}}}
    responses["429"] = {"description": "too many requests from this client",
                        "content": {"application/problem+json": {"schema": _ref("Problem")}}}
    operation: dict[str, Any] = {
        "operationId": endpoint.removeprefix("api."), "summary": described["summary"],
        "description": described["doc"] + (f"\n\nNeeds the `{described['scope']}` scope." if described["scope"] else ""),
        "parameters": [{"name": name, "in": "path", "required": True, "schema": {"type": "string", "maxLength": 80}}
                       for name in sorted(arguments)],
        "responses": responses,
    }
    if described["security"] != "token":
        operation["security"] = [{described["security"]: []}]
        operation["parameters"].append({"name": "Fanlight-Timestamp", "in": "header", "required": True,
                                        "schema": {"type": "string", "pattern": "^[0-9]{1,20}$"}})
    if described["body"]:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": _ref(described["body"])}}}
    if endpoint == "api.send_referral":
        operation["parameters"].append({"name": "Idempotency-Key", "in": "header", "required": True,
                                        "schema": {"type": "string", "minLength": 1, "maxLength": endpoints.MAX_KEY}})
    return operation


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}
