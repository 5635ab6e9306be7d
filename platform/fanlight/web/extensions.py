"""Typed access to what the app holds that many modules share: its catalogue of definitions
and its database (the clock's is clock.current()). No module looks these up by a string of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app
from sqlalchemy.engine import Engine

from . import clock as clock_module

if TYPE_CHECKING:
    from .definitions.catalogue import Catalogue

CATALOGUE = "fanlight.catalogue"
DB_ENGINE = "fanlight.db_engine"
SESSIONS = "fanlight.db_sessions"
LIMITER = "fanlight.limiter"
SCANNER = "fanlight.scanner"
ATTACHMENT_STORE = "fanlight.attachment_store"
REPORTING_ENGINE = "fanlight.reporting_engine"  # FANLIGHT_REPORTING_DATABASE_URL's (dashboards.reporting)
REPORTING_SESSIONS = "fanlight.reporting_sessions"


def catalogue(app: Flask | None = None) -> Catalogue:
    found: Catalogue = (app or current_app).extensions[CATALOGUE]
    return found


def db_engine(app: Flask | None = None) -> Engine:
    found: Engine = (app or current_app).extensions[DB_ENGINE]
    return found


def reporting_engine(app: Flask | None = None) -> Engine | None:
    """The reporting replica's engine, or None: the dashboards read the primary."""
    found: Engine | None = (app or current_app).extensions.get(REPORTING_ENGINE)
    return found


def set_clock(app: Flask, clock: clock_module.Clock) -> None:
    app.extensions[clock_module.KEY] = clock
