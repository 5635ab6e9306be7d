"""create_app: the application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request
from flask_htmx import HTMX

import fanlight.renderers
from fanlight.admin import views as admin_views
from fanlight.renderers.html import init_templates

from . import accounts, attachments, auth, db, guidance, portal, ratelimit, security, users
from .catalogue import Catalogue
from .config import default_config


def _renderers_folder() -> Path:
    """Templates and static files live with the renderers (a source root of their own)."""
    return Path(fanlight.renderers.__file__).resolve().parent


def _follow_publications() -> None:
    if request.endpoint != "static":
        current_app.extensions["fanlight.catalogue"].refresh(db.session())


def create_app(config: dict[str, Any] | None = None) -> Flask:
    renderers = _renderers_folder()
    app = Flask(
        "fanlight.web",
        root_path=str(Path(__file__).resolve().parent),
        instance_path=os.environ.get("FANLIGHT_INSTANCE", str(Path.cwd() / "instance")),
        template_folder=str(renderers / "templates"),
        static_folder=str(renderers / "static"),
    )
    app.config.update(default_config(app.instance_path))
    app.config.update(config or {})
    if app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_NAME"] == "session":
        # On HTTPS the cookie is bound to this exact host (QUALITY §14): the __Host- prefix makes
        # browsers refuse it unless it is Secure, has Path=/ and no Domain.
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    app.extensions["fanlight.catalogue"] = Catalogue.load(app.config["DEFINITIONS_PATH"])
    db.init_app(app)
    security.init_app(app)
    HTMX(app)
    init_templates(app)
    app.before_request(_follow_publications)  # first: every page serves the newest published set
    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(guidance.bp)
    app.register_blueprint(attachments.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(users.bp)
    ratelimit.init_app(app)  # last: it wraps the registered sign-in, registration and reset views
    return app
