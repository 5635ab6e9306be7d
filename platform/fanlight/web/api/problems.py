"""Every API error as RFC 9457 problem details (`application/problem+json`): a type, a title, the
status, a detail a developer can act on, and where it helps the evaluation's errors."""

from __future__ import annotations

from typing import Any

from flask import Response, json
from werkzeug.exceptions import HTTPException

from .. import ratelimit
from . import blueprint as bp

MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """Raise to answer with problem details."""

    def __init__(self, status: int, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def response(status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE, headers=headers)


@bp.errorhandler(Problem)
def _problem(error: Problem) -> Response:
    if error.status == 401:  # a missing or wrong token or signature: counted by address
        wait = ratelimit.refused_too_often()
        if wait is not None:
            return response(429, "Too Many Requests", "Too many requests from this address without a valid token "
                            "or signature: wait before trying again.", {"Retry-After": str(wait)})
    headers = {"WWW-Authenticate": 'Bearer realm="fanlight"'} if error.status == 401 else None
    return response(error.status, error.title, error.detail, headers, **error.extra)


@bp.errorhandler(HTTPException)
def _http(error: HTTPException) -> Response:
    """werkzeug's errors (405, 413, 415, a 429 from the rate limit...) in the same shape."""
    status = error.code or 500
    kept = {k: v for k, v in error.get_headers() if k in ("Allow", "Retry-After")}  # a 405's Allow, a 429's Retry-After
    return response(status, error.name, error.description or error.name, kept or None)
