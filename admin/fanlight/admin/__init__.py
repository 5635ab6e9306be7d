"""The back office: the definition workbench (edit, preview, review, publish and roll back
definitions) and user administration."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Serve the back office: the workbench (blueprint "workbench", at /admin) and user
    administration (blueprint "users", at /admin/users), API clients (at /admin/api-clients) and
    deliveries to the case system (at /admin/deliveries). The views are imported here, not when
    this package is, so that importing fanlight.admin stays cheap."""
    from . import api_clients, deliveries, users  # noqa: PLC0415  (see above)
    from .views import bp  # noqa: PLC0415

    app.register_blueprint(bp)
    app.register_blueprint(users.bp)
    app.register_blueprint(api_clients.bp)
    app.register_blueprint(deliveries.bp)
