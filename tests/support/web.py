"""Integration tests of the web runtime through the Flask test client, on SQLite and PostgreSQL.

Every test that asks for `app` runs twice: on a temporary SQLite file and on a PostgreSQL
database made for this test session. PostgreSQL is the server named by
FANLIGHT_TEST_POSTGRES (scripts/test sets it; the default is the local trust-auth server).
The session creates one fresh database `fanlight_test_<random>` on it, runs the Alembic
migrations once, and drops it at the end; each test starts from empty tables.

When PostgreSQL cannot be reached, its half of the suite is skipped with the reason, except
in CI (env CI set), where that is a failure: CI must exercise the production database.

CSRF protection stays on: the helpers in factories.py sign in and post forms the way a
browser does, with the token taken from the page.
"""

from __future__ import annotations

import datetime
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from fanlight.web import db, extensions, migrate
from fanlight.web.accounts import service
from fanlight.web.app import create_app
from fanlight.web.clock import SettableClock
from fanlight.web.definitions.catalogue import Catalogue
from tests.support.factories import DEFINITIONS, TABLES, TODAY, User, make_user, sign_in
from tests.support.services import unavailable

POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# Argon2 with the production parameters costs ~0.3 s a hash; the suite makes hundreds of
# accounts. These parameters keep the real code path (argon2id hash and verify) but cheap.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

# Loading and compiling the bundled definitions takes ~0.4 s; it is pure, so load it once.
_catalogues: dict[str, Catalogue] = {}
_real_load = Catalogue.load.__func__  # type: ignore[attr-defined]


def _cached_load(cls: type[Catalogue], path: str) -> Catalogue:
    key = str(Path(path).resolve())
    if key not in _catalogues:
        _catalogues[key] = _real_load(cls, path)
    # A new catalogue for every app: the publications it has compiled belong to one test's
    # database (ids start again at 1 in the next test). Compiled sets are shared by content.
    return cls(_catalogues[key].folder, _catalogues[key].bundled)


class _SharedBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates shared by every test's app (each app has its own Jinja environment).

    Jinja checks each entry against the template's source checksum, so an edited template is
    compiled afresh.
    """

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _SharedBytecodeCache()


@pytest.fixture(autouse=True)
def _fast_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Catalogue, "load", classmethod(_cached_load))
    monkeypatch.setattr(Flask, "jinja_options", {**Flask.jinja_options, "bytecode_cache": _BYTECODE})


@pytest.fixture
def clock() -> SettableClock:
    """The app's clock: it starts on the day the bundled scenarios are written for (their ages and
    dates hold), runs on with real time, and a test moves it with `clock.advance(seconds)`."""
    return SettableClock(datetime.datetime.combine(TODAY, datetime.time(9, 0), tzinfo=datetime.UTC))


# Databases -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'fanlight.sqlite'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    server = os.environ.get("FANLIGHT_TEST_POSTGRES") or POSTGRES_DEFAULT
    shown = make_url(server).render_as_string(hide_password=True)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool,
                          connect_args={"connect_timeout": 5})
    name = f"fanlight_test_{secrets.token_hex(6)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        unavailable(f"PostgreSQL is not reachable at {shown} (set FANLIGHT_TEST_POSTGRES): {error.orig}")
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


_cleaners: dict[str, Engine] = {}
APPEND_ONLY = ("audit_events", "submission_events")  # tables whose triggers refuse UPDATE and DELETE


def clean(url: str) -> None:
    """Empty every table (children first), so each test starts from nothing.

    The append-only tables (APPEND_ONLY: the audit trail, QUALITY §17, and referrals' events)
    refuse UPDATE, DELETE and TRUNCATE: only here, between tests, are they emptied around their
    triggers. On PostgreSQL, as a replica would (triggers do not fire in session_replication_role
    'replica'); on SQLite by dropping the triggers and creating them again, from their own SQL,
    in the same transaction.
    """
    engine = _cleaners.get(url)
    if engine is None:
        engine = _cleaners[url] = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        if url.startswith("postgresql"):
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        else:
            triggers = connection.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                f"({', '.join(repr(table) for table in APPEND_ONLY)})")).all()
            for name, _ in triggers:
                connection.execute(text(f'DROP TRIGGER "{name}"'))
            for table in TABLES:
                connection.execute(text(f"DELETE FROM {table}"))
            for _, sql in triggers:
                connection.execute(text(sql))


@pytest.fixture(scope="session", autouse=True)
def _dispose_cleaners() -> Iterator[None]:
    yield
    for engine in _cleaners.values():
        engine.dispose()
    _cleaners.clear()


# The application ----------------------------------------------------------------------------------


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> dict[str, Any]:
    """What create_app is given; a test may change it before asking for `app`."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "SESSION_COOKIE_SECURE": False,
        "DEFINITIONS_PATH": str(DEFINITIONS),
        "SECRET_KEY": "web-tests-" + secrets.token_hex(8),
    }


@pytest.fixture
def app(config: dict[str, Any], clock: SettableClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setenv("FANLIGHT_INSTANCE", str(tmp_path / "instance"))
    clean(config["DATABASE_URL"])
    application = make_app(config, clock)
    with application.app_context():
        # A running server has published its bundled definitions before anyone uses it.
        extensions.catalogue().refresh(db.session(), force=True)
    try:
        yield application
    finally:
        extensions.db_engine(application).dispose()


def make_app(config: dict[str, Any], clock: SettableClock | None = None) -> Flask:
    """create_app with the tests' cheap password hashing (the real argon2id code path, cheaper
    parameters: the suite makes hundreds of accounts)."""
    application = create_app(config, clock_=clock)
    application.extensions[service.HASHER] = FAST_HASHER
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def uploads(app: Flask) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


@pytest.fixture
def user_factory(app: Flask) -> Callable[..., User]:
    def make(role: str = "professional", **kwargs: Any) -> User:
        return make_user(app, role, **kwargs)

    return make


@pytest.fixture
def teacher(app: Flask) -> User:
    return make_user(app, "professional", name="Sam Teacher", agency="Demo Primary School")


@pytest.fixture
def teacher_client(app: Flask, teacher: User) -> FlaskClient:
    """A professional, signed in."""
    c = app.test_client()
    sign_in(c, teacher)
    return c
