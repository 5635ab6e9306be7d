"""Where the dashboards read from (issue 10, item 6): a reporting replica when one is configured.

FANLIGHT_REPORTING_DATABASE_URL names a second database (a PostgreSQL read replica of the
primary): the dashboards' counts and their exports read through an engine on it, so a regional
deployment's reporting never slows the front door. Unset, they read the primary in the request's
own session. The holding area always reads the primary: a drilled list is live, a replica may lag
it by its replication delay (seconds), which the dashboard page says.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session, sessionmaker

from .. import db, extensions

URL = "FANLIGHT_REPORTING_DATABASE_URL"


def init_app(app: Flask) -> None:
    url = str(app.config.get(URL) or "").strip()
    if not url:
        return
    engine = db.make_engine(url)
    app.extensions[extensions.REPORTING_ENGINE] = engine
    app.extensions[extensions.REPORTING_SESSIONS] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close)


def session() -> Session:
    """The request's reporting session: the replica's, or the primary's own when there is none."""
    if extensions.reporting_engine() is None:
        return db.session()
    if "reporting_session" not in g:
        g.reporting_session = current_app.extensions[extensions.REPORTING_SESSIONS]()
    found: Session = g.reporting_session
    return found


def replica() -> bool:
    return extensions.reporting_engine() is not None


def _close(_: BaseException | None) -> None:
    found = g.pop("reporting_session", None)
    if found is not None:
        found.close()
