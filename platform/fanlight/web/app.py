"""create_app: the application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from flask_htmx import HTMX

from . import db, security
from .catalogue import Catalogue
from .config import default_config

def _renderers_folder() -> Path:
    """Templates and static files live with the renderers (a source root of their own)."""
    import fanlight.renderers

    return Path(fanlight.renderers.__file__).resolve().parent


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
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    app.extensions["fanlight.catalogue"] = Catalogue.load(app.config["DEFINITIONS_PATH"])
    db.init_app(app)
    security.init_app(app)
    HTMX(app)

    from fanlight.renderers.html import init_templates

    from . import attachments, auth, guidance, portal

    init_templates(app)
    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(guidance.bp)
    app.register_blueprint(attachments.bp)
    return app
