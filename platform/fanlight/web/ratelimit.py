"""Rate limits on the ways in (Flask-Limiter): sign-in, registration, password reset, the API.

Per client address, so one machine cannot try passwords or create accounts by the thousand;
and per email address for anything that sends mail, so nobody's inbox can be flooded. The
limits are configuration (FANLIGHT_RATELIMIT_*), counted only for POSTs, kept in memory by
default and in Redis with FANLIGHT_RATELIMIT_STORAGE=redis://host:6379 (shared by every
worker and server). Each app gets its own Limiter, so two apps in one process (the tests)
never share counts. Going over a limit is a 429 page and one audit row.

(Repeated failed sign-ins for one account are slowed and then locked by accounts/lockout.py,
whatever address they come from.)
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable

from flask import Flask, current_app, request, session
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from . import db, extensions
from .access.audit import audit

log = logging.getLogger(__name__)


def _posted_email() -> str:
    return request.form.get("email", "").strip().lower()[:254] or "-"


def _registering_email() -> str:
    value = session.get("registering")
    return value if isinstance(value, str) and value else "-"


def _counted(response: Response) -> bool:
    return response.status_code < 400


# (endpoint, config key of its limits, scope shared by the endpoints that count together, key)
RULES: list[tuple[str, str, str, Callable[[], str]]] = [
    ("auth.sign_in", "FANLIGHT_RATELIMIT_SIGN_IN", "sign-in", get_remote_address),
    ("accounts.register", "FANLIGHT_RATELIMIT_REGISTER", "register", get_remote_address),
    ("accounts.register_details", "FANLIGHT_RATELIMIT_REGISTER", "register", get_remote_address),
    ("accounts.register_details", "FANLIGHT_RATELIMIT_MAIL_TO", "mail-to", _registering_email),
    ("accounts.forgot_password", "FANLIGHT_RATELIMIT_RESET", "reset", get_remote_address),
    ("accounts.forgot_password", "FANLIGHT_RATELIMIT_MAIL_TO", "mail-to", _posted_email),
    ("accounts.reset_password", "FANLIGHT_RATELIMIT_RESET", "reset", get_remote_address),
    ("accounts.verify", "FANLIGHT_RATELIMIT_RESET", "reset", get_remote_address),
]


def _breached(limit: RequestLimit) -> None:
    audit("rate_limited", f"{request.method} {request.path} ({limit.limit})")
    db.session().commit()


def init_app(app: Flask) -> Limiter:
    """Call after every blueprint is registered: the limits wrap the registered views.

    Behind FANLIGHT_TRUSTED_PROXIES reverse proxies, the client address is the one they
    forward (ProxyFix): otherwise every person would share the proxy's address, and its limits.
    """
    proxies = int(app.config.get("FANLIGHT_TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter = Limiter(get_remote_address, app=app, storage_uri=app.config.get("RATELIMIT_STORAGE_URI") or "memory://",
                      on_breach=_breached)
    for endpoint, key, scope, key_func in RULES:
        view = app.view_functions.get(endpoint)
        if view is None:
            continue
        rule = limiter.shared_limit(_config(key), scope=scope, key_func=key_func, methods=["POST"],
                                    deduct_when=_counted if scope == "mail-to" else None)
        app.view_functions[endpoint] = rule(view)  # type: ignore[assignment]
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith("api.") and endpoint != "api.openapi":  # per client: its token, hashed
            # shared: one count per client over the whole API, not one per endpoint
            app.view_functions[endpoint] = limiter.shared_limit(_config("FANLIGHT_RATELIMIT_API"), scope="api",
                                                                key_func=_api_client)(view)  # type: ignore[assignment]
    app.extensions[extensions.LIMITER] = limiter
    return limiter


def _refusals() -> tuple[list[RateLimitItem], list[str]]:
    key = [str(current_app.config.get("RATELIMIT_KEY_PREFIX") or ""), "api-refused", get_remote_address()]
    return parse_many(current_app.config["FANLIGHT_RATELIMIT_API_REFUSED"]), [k for k in key if k]


def refused_too_often() -> int | None:
    """Count one more API request from this address refused for want of a valid token or signature
    (a 401); past FANLIGHT_RATELIMIT_API_REFUSED, the seconds to wait instead (it is answered 429).

    Such a request is refused before any view, so the per-client limit never sees it, and each wrong
    token would be a count of its own. A request with a valid token never comes here: a case system
    is not locked out because something else behind the same address guessed."""
    limiter: Limiter = current_app.extensions[extensions.LIMITER]
    if not limiter.enabled:
        return None
    try:
        limits, key = _refusals()
        for item in limits:
            if not limiter.limiter.test(item, *key):
                reset_at, _ = limiter.limiter.get_window_stats(item, *key)
                return max(1, int(reset_at - time.time()))
        for item in limits:
            limiter.limiter.hit(item, *key)
    except Exception:  # noqa: BLE001 (the counts' store is down: the request is refused all the same)
        log.warning("could not count a refused API request", exc_info=True)
    return None


def _api_client() -> str:
    """An API request's rate-limit key: its token's hash (the token itself is never kept)."""
    token = request.headers.get("Authorization", "").partition(" ")[2].strip()
    if not token:  # a case system acknowledging a delivery signs, it has no token: count by address
        return "api-address:" + get_remote_address()
    return "api:" + hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _config(key: str) -> Callable[[], str]:
    def limits() -> str:
        value: str = current_app.config[key]
        return value

    return limits
