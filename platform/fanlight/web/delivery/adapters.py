"""How a delivery reaches its destination: signed HTTP JSON, or a folder drop.

Each adapter returns an Outcome and never raises for anything the destination does: a timeout,
a dropped connection, a 408, 429 or any 5xx is `transient` (tried again later), a refusal such as
a 400 or a 404 is `permanent` (trying again would get the same answer, so the record stops, for
an operator).

Signed HTTP JSON: a POST of the payload with
    Idempotency-Key: the delivery's key (the same on every attempt: the receiver applies it once)
    Fanlight-Timestamp: seconds since 1970
    Fanlight-Signature: sha256=HEX, the HMAC-SHA256 of "TIMESTAMP.BODY" under the shared secret
A 200 or 201 whose JSON body has an "id" is delivered there and then (that id is the case
system's own); any other 2xx (a 202) means accepted, to be acknowledged later through
/api/v1/deliveries/{key}/acknowledgement. Redirects are not followed: a payload about a child
goes to the address IT configured, nowhere else.

Folder drop: KEY.txt (the case note) and then KEY.json (the payload) in the destination folder,
each written to a temporary name, flushed to disk and renamed, so an importer never reads half a
file; the .json appearing is the signal. The importer acknowledges by writing KEY.ack holding
the case system's id (the worker collects it).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..config import Destination
from ..files.storage import write_atomically

MAX_RESPONSE = 64 * 1024
MAX_ID = 200
# A passing failure: the case system timed out, is busy, or is down (any 5xx, as the README says);
# any other refusal (a 400, 401, 404, 422, a redirect...) would get the same answer again.
TRANSIENT_STATUSES = frozenset({408, 425, 429})


def transient(status: int) -> bool:
    return status in TRANSIENT_STATUSES or 500 <= status <= 599


class Result(StrEnum):
    DELIVERED = "delivered"  # the case system has it and gave its id
    ACCEPTED = "accepted"  # taken, to be acknowledged later
    TRANSIENT = "transient"  # try again later
    PERMANENT = "permanent"  # trying again would not help
    ABANDONED = "abandoned"  # the worker stopped before it knew (recorded by the lease, not an adapter)


@dataclass(frozen=True)
class Outcome:
    result: Result
    external_id: str | None = None
    status_code: int | None = None
    error: str = ""
    retry_after: float | None = None  # seconds, when the destination said (a 429 or 503)


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The Fanlight-Signature header's value for this body at this time."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def deliver(destination: Destination, key: str, payload: dict[str, Any], case_note: str,
            timeout: float) -> Outcome:
    if destination.is_http:
        return post(destination, key, payload, timeout)
    return drop(destination, key, payload, case_note)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is then answered as an HTTPError: permanent


_OPENER = urllib.request.build_opener(_NoRedirects)


def post(destination: Destination, key: str, payload: dict[str, Any], timeout: float) -> Outcome:
    body = body_of(payload)
    timestamp = str(int(time.time()))
    # is_http: only http(s) addresses reach here (no file: or custom schemes).
    request = urllib.request.Request(destination.address, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json", "Accept": "application/json", "User-Agent": "Fanlight delivery",
        "Idempotency-Key": key, "Fanlight-Timestamp": timestamp,
        "Fanlight-Signature": signature(destination.secret, timestamp, body)})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return _answered(response.status, response.read(MAX_RESPONSE))
    except urllib.error.HTTPError as error:
        status = error.code
        retry_after = _seconds(error.headers.get("Retry-After") if error.headers else None)
        result = Result.TRANSIENT if transient(status) else Result.PERMANENT
        return Outcome(result, status_code=status, error=f"HTTP {status} {error.reason}"[:500], retry_after=retry_after)
    except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException, OSError) as error:
        reason = getattr(error, "reason", None) or error
        return Outcome(Result.TRANSIENT, error=f"{type(error).__name__}: {reason}"[:500])


def _answered(status: int, body: bytes) -> Outcome:
    external_id = None
    if status in (200, 201):
        try:
            found = json.loads(body).get("id")
        except (ValueError, AttributeError):
            found = None
        if isinstance(found, (str, int)) and not isinstance(found, bool) and str(found).strip():
            external_id = str(found).strip()[:MAX_ID]
    if external_id is not None:
        return Outcome(Result.DELIVERED, external_id=external_id, status_code=status)
    return Outcome(Result.ACCEPTED, status_code=status)


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: the backoff decides instead


def drop(destination: Destination, key: str, payload: dict[str, Any], case_note: str) -> Outcome:
    folder = destination.folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / f"{key}.txt", case_note.encode("utf-8"))
        write_atomically(folder / f"{key}.json", body_of(payload))
    except OSError as error:
        return Outcome(Result.TRANSIENT, error=f"{type(error).__name__}: {error.strerror or error}"[:500])
    return Outcome(Result.ACCEPTED)


def acknowledgement(destination: Destination, key: str) -> str | None:
    """The case system's id from a folder's KEY.ack, if the importer has written one."""
    path = destination.folder / f"{key}.ack"
    try:
        text = path.read_text("utf-8", errors="replace")[:1000]
    except OSError:
        return None
    found = text.strip().splitlines()[0].strip()[:MAX_ID] if text.strip() else ""
    return found or None
