"""The JSON API for other systems (issue 14): `/api/v1`, described by its own OpenAPI 3.1 document.

- `clients`: API clients and their tokens (made with `fanlight api-clients`);
- `problems`: every error as RFC 9457 problem details;
- `schemas`: a live form version's answers as JSON Schema, derived from the compiled form;
- `openapi`: the OpenAPI document, generated from the routes and the live forms;
- `endpoints`: the routes: forms, a dry-run evaluation, referrals sent and read;
- `acknowledgements`: the case system acknowledges a delivery, signed with its destination's secret.

The pages' session guard lets these routes through (`by_token`): each request is authenticated
here by its bearer token alone, never by a session cookie, so CSRF does not apply.
"""

from __future__ import annotations

from flask import Blueprint, Flask

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")


def register(app: Flask) -> None:
    from ..security import csrf  # noqa: PLC0415
    from . import acknowledgements, endpoints, openapi, problems  # noqa: F401, PLC0415  (their routes and handlers)

    csrf.exempt(blueprint)
    app.register_blueprint(blueprint)
