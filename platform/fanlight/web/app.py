"""create_app: the application factory, and the composition root of the web layer.

Features are wired together here and only here: the access guard is given the accounts
feature's session functions, and this is the one web module that imports the back office
(`fanlight.admin`), so no feature package depends on another's internals.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_htmx import HTMX

import fanlight.admin
import fanlight.renderers
from fanlight.renderers.html import init_templates

from . import clock, db, errors, extensions, guidance, ratelimit, security
from .access import guard
from .accounts import demo, sessions, sign_in
from .accounts import register as register_accounts
from .api import register as register_api
from .census import register as register_census
from .config import UnsafeProduction, default_config, production_problems
from .dashboards import register as register_dashboards
from .definitions.catalogue import Catalogue
from .files import uploads
from .referrals import register as register_referrals
from .triage import deadlines
from .triage import register as register_triage


def _renderers_folder() -> Path:
    """Templates and static files live with the renderers (a source root of their own)."""
    return Path(fanlight.renderers.__file__).resolve().parent


def _follow_publications() -> None:
    if request.endpoint != "static":
        extensions.catalogue().refresh(db.session())


def _refuse_demo_accounts(app: Flask) -> None:
    """Production never serves requests while demo accounts, whose password is published, can sign in.

    A command (`fanlight db upgrade`, `fanlight users retire-demo`) may still run on such a
    database: it is how they are removed.
    """
    with app.app_context():
        present = demo.active_demo_accounts()
    if present:
        extensions.db_engine(app).dispose()
        raise UnsafeProduction([f"demo accounts exist in this database ({', '.join(present)}): remove them with "
                                "`fanlight users retire-demo`"])


def create_app(config: dict[str, Any] | None = None, *, clock_: clock.Clock | None = None,
               serving: bool = True) -> Flask:
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

    extensions.set_clock(app, clock_ or clock.SYSTEM)
    app.extensions[extensions.CATALOGUE] = Catalogue.load(app.config["DEFINITIONS_PATH"])
    refused = production_problems(app.config)  # before anything is opened: nothing to close
    if refused:
        raise UnsafeProduction(refused)
    db.init_app(app)
    if serving and app.config["FANLIGHT_ENV"] == "production":
        _refuse_demo_accounts(app)
    security.init_app(app)
    errors.init_app(app)
    HTMX(app)
    init_templates(app)
    uploads.init_app(app)
    app.before_request(_follow_publications)  # first: every page serves the newest published set
    guard.init_app(app, identify=sessions.identify, hold=sessions.hold_answers, ended_message=sessions.ended_message)
    sessions.init_app(app)
    sign_in.init_app(app)
    register_accounts(app)
    register_referrals(app)
    register_triage(app)
    register_dashboards(app)
    register_api(app)
    register_census(app)
    app.register_blueprint(guidance.bp)
    fanlight.admin.register(app)
    ratelimit.init_app(app)  # last: it wraps the registered sign-in, registration and reset views
    if serving:
        deadlines.warm_up(app)
    return app
