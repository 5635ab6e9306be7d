"""/api/v1: the forms a client's agency may use, a dry-run evaluation, and referrals sent and read.

Every route is described where it is declared (`documented`): openapi.py builds the document
from these descriptions and the URL map, so the document and the routes cannot drift apart.
A referral sent here goes the browser's way: the same evaluator, the same storage
(referrals.submissions.submit: its received event, its clock, its match keys) and the same
acknowledgement email (to the professional its answers name).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, g, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fanlight.engine import CompiledForm, Evaluation, evaluate

from .. import clock, db, extensions
from ..access.permissions import by_token
from ..definitions import agencies
from ..models import ApiClient, ApiIdempotencyKey, Draft, ReferralStatus, Submission, User
from ..referrals import journey, submissions
from ..triage import decisions, history
from . import blueprint as bp
from . import clients, schemas
from .problems import Problem

F = TypeVar("F", bound=Callable[..., Any])
MAX_KEY = 200
DOCS: dict[str, dict[str, Any]] = {}  # endpoint name -> its OpenAPI operation (openapi.py)


def documented(summary: str, *, scope: str | None, responses: dict[str, str], body: str | None = None,
               ok: str = "200", result: str | None = None, security: str = "token") -> Callable[[F], F]:
    """Describe an operation for the OpenAPI document: what it does, the scope it needs, its body
    and result (names of schemas in openapi.COMPONENTS), the errors it answers with, and how the
    caller proves who it is (a client's bearer token, or a destination's signature)."""

    def mark(view: F) -> F:
        DOCS[f"api.{view.__name__}"] = {"summary": summary, "scope": scope, "responses": responses, "body": body,
                                        "ok": ok, "result": result, "doc": (view.__doc__ or "").strip(),
                                        "security": security}
        return by_token(view)  # the pages' session guard lets it through: the token is checked here

    return mark


@bp.before_request
def _authenticate() -> None:
    if request.endpoint == "api.openapi" or DOCS.get(request.endpoint or "", {}).get("security") == "signature":
        return  # public, or signed by a delivery's destination (acknowledgements.py checks it)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    client = clients.by_token(token.strip()) if scheme.lower() == "bearer" else None
    if client is None:
        raise Problem(401, "Unauthorized", "Send a valid, unrevoked API token: Authorization: Bearer TOKEN.")
    g.api_client = client


def _client(scope: str | None = None) -> ApiClient:
    client: ApiClient = g.api_client
    if scope is not None and scope not in (client.scopes or []):
        raise Problem(403, "Forbidden", f"This client's token does not have the '{scope}' scope.")
    return client


def _account(client: ApiClient) -> User:
    account = db.session().get(User, client.user_id)
    if account is None:
        raise Problem(403, "Forbidden", "This client has no account to send referrals as.")
    return account


def _form(client: ApiClient, form_id: str) -> CompiledForm:
    """A live form the client's agency may use (404 otherwise, as for a form that does not exist)."""
    compiled = extensions.catalogue().current(form_id)
    agency = agencies.get(client.agency_id)
    if (compiled is None or compiled.form.audience == "front_door" or agency is None
            or form_id not in agency.forms):
        raise Problem(404, "Not Found", f"No form '{form_id[:80]}' is offered to this client's agency.")
    return compiled


def _json_body() -> dict[str, Any]:
    if not request.is_json:
        raise Problem(415, "Unsupported Media Type", "Send the body as application/json.")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Problem(400, "Bad Request", "The body must be a JSON object.")
    return data


def _answers(data: dict[str, Any]) -> dict[str, Any]:
    answers = data.get("answers")
    if not isinstance(answers, dict):
        raise Problem(400, "Bad Request", "'answers' must be a JSON object of answers, keyed by question id.")
    return answers


def _evaluate(compiled: CompiledForm, answers: dict[str, Any]) -> Evaluation:
    return evaluate(compiled, answers, now=clock.now())


def _form_summary(compiled: CompiledForm) -> dict[str, Any]:
    return {"id": compiled.id, "title": compiled.form.title, "version": compiled.form.version,
            "content_hash": compiled.form.content_hash, "href": url_for("api.form", form_id=compiled.id)}


# Forms ----------------------------------------------------------------------------------------------


@bp.route("/forms")
@documented("The forms this client's agency may send", scope=None, responses={"401": "no valid token"},
            result="FormList")
def forms() -> Response:
    """The live version of each form the client's agency lists."""
    client = _client()
    agency = agencies.get(client.agency_id)
    offered = [c for c in extensions.catalogue().forms()
               if agency is not None and c.id in agency.forms and c.form.audience != "front_door"]
    return _json({"forms": [_form_summary(c) for c in offered]})


@bp.route("/forms/<form_id>")
@documented("One form: its live version and the JSON Schema of its answers", scope=None,
            responses={"401": "no valid token", "404": "no such form for this agency"}, result="Form")
def form(form_id: str) -> Response:
    """The answers' schema says what each answer may look like; the evaluator says whether they are
    complete (POST .../evaluate)."""
    compiled = _form(_client(), form_id)
    return _json({**_form_summary(compiled), "answers_schema": schemas.answers_schema(compiled)})


@bp.route("/forms/<form_id>/evaluate", methods=["POST"])
@documented("Evaluate answers without sending them (a dry run)", scope="submit", body="AnswersBody",
            responses={"400": "not a JSON object of answers", "401": "no valid token", "403": "no submit scope",
                       "404": "no such form for this agency", "415": "not JSON"}, result="Evaluation")
def evaluate_answers(form_id: str) -> Response:
    """The evaluation in exactly the shape `fanlight evaluate` prints: nothing is stored."""
    compiled = _form(_client("submit"), form_id)
    return _json(_evaluate(compiled, _answers(_json_body())).to_json())


# Referrals ------------------------------------------------------------------------------------------


@bp.route("/referrals", methods=["POST"])
@documented("Send a referral", scope="submit", body="ReferralBody", ok="201", result="Referral",
            responses={"400": "no Idempotency-Key, or not a JSON referral", "401": "no valid token",
                       "403": "no submit scope", "404": "no such form for this agency",
                       "410": "the referral this key made is no longer kept (retention)", "413": "too large",
                       "415": "not JSON",
                       "422": "incomplete answers (the evaluation's errors), a warning to acknowledge not listed in "
                              "`acknowledged` (`unacknowledged`: their rule ids), or a key reused with another body"})
def send_referral() -> Response:
    """Send it with an `Idempotency-Key` header (any unique string of up to 200 characters): the same
    key and body sent again get the same answer, and never make a second referral."""
    client = _client("submit")
    key = _idempotency_key()
    data = _json_body()
    form_id, answers = data.get("form"), _answers(data)
    if not isinstance(form_id, str):
        raise Problem(400, "Bad Request", "'form' must be the id of a form (GET /api/v1/forms).")
    fingerprint = hashlib.sha256(json.dumps({"form": form_id, "answers": answers}, sort_keys=True,
                                            ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()
    replay = _replayed(client, key, fingerprint)
    if replay is not None:
        return replay
    compiled = _form(client, form_id)
    evaluation = _evaluate(compiled, answers)
    if evaluation.errors or not evaluation.complete:
        raise Problem(422, "Unprocessable Content", "The referral is not complete: nothing was stored.",
                      evaluation=evaluation.to_json())
    acknowledged = _acknowledged(data, evaluation)
    return _store(client, key, fingerprint, compiled, evaluation, acknowledged)


def _acknowledged(data: dict[str, Any], evaluation: Evaluation) -> list[str]:
    """The must-acknowledge warnings (rules with `acknowledge: true`) the body says were read: each
    one's rule id must be in its `acknowledged` list, as a referrer ticks them on check answers."""
    given = data.get("acknowledged", [])
    if not isinstance(given, list) or not all(isinstance(g, str) for g in given):
        raise Problem(400, "Bad Request", "'acknowledged' must be a list of rule ids.")
    needed = [w.code for w in journey.to_acknowledge(evaluation)]
    missing = [code for code in needed if code not in given]
    if missing:
        raise Problem(422, "Unprocessable Content",
                      "The referral has warnings the referrer must acknowledge: list their rule ids in "
                      f"'acknowledged' ({', '.join(missing)}). Nothing was stored.",
                      evaluation=evaluation.to_json(), unacknowledged=missing)
    return needed


def _idempotency_key() -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > MAX_KEY or not key.isprintable() or not key.isascii():
        raise Problem(400, "Bad Request", f"Send an Idempotency-Key header: 1 to {MAX_KEY} printable characters.")
    return key


def _replayed(client: ApiClient, key: str, fingerprint: str) -> Response | None:
    seen = db.session().get(ApiIdempotencyKey, (client.id, key))
    if seen is None:
        return None
    if seen.request_hash != fingerprint:
        raise Problem(422, "Unprocessable Content", "This Idempotency-Key was sent before with a different body.")
    sent = submissions.submission_for(seen.draft_id) if seen.draft_id is not None else None
    if sent is None:
        raise Problem(410, "Gone", "The referral sent with this Idempotency-Key is no longer kept.")
    return _created(sent, as_made=True)


def _store(client: ApiClient, key: str, fingerprint: str, compiled: CompiledForm, evaluation: Evaluation,
           acknowledged: list[str] | None = None) -> Response:
    """The draft, the key and the referral in one transaction: all of them, or none."""
    s = db.session()
    account = _account(client)
    try:
        draft = Draft(owner_id=account.id, form_id=compiled.id, form_version=compiled.version,
                      form_hash=compiled.form.content_hash, publication_id=extensions.catalogue().live,
                      answers=evaluation.answers, visited=[], revision=1)
        s.add(draft)
        s.flush()
        s.add(ApiIdempotencyKey(client_id=client.id, key=key, request_hash=fingerprint, draft_id=draft.id,
                                created_at=clock.now()))
        sent = submissions.submit(draft, account, evaluation, _referrer(compiled, evaluation), acknowledged=acknowledged)
    except IntegrityError:
        s.rollback()  # the same key, sent at the same moment, won: answer as it was answered
        replay = _replayed(client, key, fingerprint)
        if replay is None:
            raise
        return replay
    return _created(sent)


def _referrer(compiled: CompiledForm, evaluation: Evaluation) -> submissions.Recipient:
    """The professional the answers name, for the acknowledgement: the first email question answered
    (and the first name question beside it); none if the answers give no email address."""
    email = name = ""
    for section in compiled.form.sections:
        for f in section.fields:
            value = evaluation.answers.get(f.id)
            if f.type == "email" and isinstance(value, str) and not email:
                email = value
            if f.autocomplete == "name" and isinstance(value, str) and not name:
                name = value
    return submissions.Recipient(name or "colleague", email, has_account=False)


def _created(sent: Submission, *, as_made: bool = False) -> Response:
    """The 201. A replay (`as_made`) gets the answer the first request got, whatever has happened to
    the referral since: as made, it was received (GET its href for where it is now)."""
    made = {"status": ReferralStatus.RECEIVED.value} if as_made else {}
    response = _json({**_referral(sent), **made}, 201)
    response.headers["Location"] = url_for("api.referral", reference=sent.reference)
    return response


def _referral(sent: Submission) -> dict[str, Any]:
    return {"reference": sent.reference, "form": sent.form_id, "version": sent.form_version, "status": sent.status,
            "received_at": clock.utc(sent.received_at).isoformat(),
            "due_at": clock.utc(sent.due_at).isoformat() if sent.due_at is not None else None,
            "href": url_for("api.referral", reference=sent.reference)}


@bp.route("/referrals/<reference>")
@documented("A referral this client sent: its status and what has happened", scope="status",
            responses={"401": "no valid token", "403": "no status scope", "404": "no such referral from this client"},
            result="ReferralStatus")
def referral(reference: str) -> Response:
    """Only the client that sent it can read it; another client is told it does not exist."""
    client = _client("status")
    sent = db.session().scalar(select(Submission).where(Submission.reference == reference[:20],
                                                        Submission.owner_id == client.user_id))
    if sent is None:
        raise Problem(404, "Not Found", f"This client sent no referral '{reference[:20]}'.")
    steps = history.referrer_steps(history.events_of(sent.id), _outcome)
    return _json({**_referral(sent), "history": [{"what": said, "at": at.isoformat()} for said, at in steps]})


def _outcome(value: str) -> str:
    return decisions.label("outcome", value)


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
