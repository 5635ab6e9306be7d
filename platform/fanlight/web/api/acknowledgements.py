"""The case system acknowledges a delivery: `POST /api/v1/deliveries/{key}/acknowledgement`.

A destination that answered a delivery with 202 (or a folder's importer that prefers HTTP to a
KEY.ack file) says later that it has the referral, and under which id of its own. It proves it is
the destination by signing, as Fanlight signs its deliveries: the HMAC-SHA256 of
"TIMESTAMP.BODY" under the destination's secret, in `Fanlight-Timestamp` and `Fanlight-Signature`,
at most five minutes old. It has no API token: an unknown key and a wrong signature are the same
401, so nobody learns which keys exist. Acknowledging twice with the same id is harmless.
"""

from __future__ import annotations

import hmac
import time

from flask import Response, current_app, request
from sqlalchemy import select

from .. import db
from ..config import find_destination
from ..delivery import adapters, records
from ..models import Delivery
from . import blueprint as bp
from .endpoints import _json, _json_body, documented
from .problems import Problem

MAX_SKEW = 300  # seconds either way: an old signed request cannot be replayed much later


@bp.route("/deliveries/<key>/acknowledgement", methods=["POST"])
@documented("Acknowledge a delivery: the case system has the referral, under its own id", scope=None,
            security="signature", body="AcknowledgementBody", result="Acknowledgement",
            responses={"400": "no id in the body", "401": "no valid signature for this delivery",
                       "409": "acknowledged already under another id, or cancelled", "415": "the body is not JSON"})
def acknowledge_delivery(key: str) -> Response:
    """Signed by the destination (see the Fanlight-Signature header): the delivery becomes delivered,
    and its referral too once every delivery of it is."""
    delivery = _signed_for(key)
    external_id = _json_body().get("id")
    if isinstance(external_id, bool) or not isinstance(external_id, (str, int)) or not str(external_id).strip():
        raise Problem(400, "Bad Request", "Send the case system's own id for the referral: {\"id\": \"...\"}.")
    try:
        records.acknowledge(db.session(), delivery, str(external_id))
    except records.NotChanged as refused:
        raise Problem(409, "Conflict", str(refused)) from None
    return _json({"key": delivery.key, "state": delivery.state, "external_id": delivery.external_id})


def _signed_for(key: str) -> Delivery:
    unsigned = Problem(401, "Unauthorized", "Sign the request with this delivery's destination secret: "
                       "Fanlight-Timestamp and Fanlight-Signature, as on the delivery.")
    timestamp = request.headers.get("Fanlight-Timestamp", "")
    given = request.headers.get("Fanlight-Signature", "")
    if not timestamp.isascii() or not timestamp.isdigit() or abs(time.time() - int(timestamp[:20])) > MAX_SKEW:
        raise unsigned
    delivery = db.session().scalar(select(Delivery).where(Delivery.key == key[:64]))
    destination = find_destination(delivery.destination, current_app.config) if delivery is not None else None
    if delivery is None or destination is None or not destination.secret:
        raise unsigned
    expected = adapters.signature(destination.secret, timestamp, request.get_data(cache=True))
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
        raise unsigned
    return delivery
