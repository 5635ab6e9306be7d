"""Database engine and sessions (SQLAlchemy 2): one session per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import JSON, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from . import extensions

# JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    pass


def make_engine(url: str) -> Engine:
    options: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        options.update(pool_pre_ping=True, pool_size=5, max_overflow=5)
    engine = create_engine(url, **options)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        event.listen(engine, "connect", _utc_session, insert=True)
    return engine


def _utc_session(connection: Any, _: Any) -> None:
    """Times come back in UTC whatever the server's time zone (often Europe/London): the
    pages and case notes label them UTC."""
    autocommit = connection.autocommit
    connection.autocommit = True
    cursor = connection.cursor()
    cursor.execute("SET TIME ZONE 'UTC'")
    cursor.close()
    connection.autocommit = autocommit


def _sqlite_pragmas(connection: Any, _: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[extensions.SESSIONS] = sessionmaker(engine, expire_on_commit=False)
    app.extensions[extensions.DB_ENGINE] = engine
    app.teardown_appcontext(_close_session)


def session() -> Session:
    """The request's session, created on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions[extensions.SESSIONS]()
    s: Session = g.db_session
    return s


def _close_session(_: BaseException | None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


@contextmanager
def transaction() -> Iterator[Session]:
    """Commit on success, roll back on any failure: no partial records."""
    s = session()
    try:
        yield s
        s.commit()
    except BaseException:
        s.rollback()
        raise
