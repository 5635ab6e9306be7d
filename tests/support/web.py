"""Integration tests of the web runtime through the Flask test client, on SQLite and PostgreSQL.

Every test that asks for `app` runs twice: on a temporary SQLite file and on a PostgreSQL
database made for this test session. PostgreSQL is the server named by
FANLIGHT_TEST_POSTGRES (scripts/test sets it; the default is the local trust-auth server).
The session creates one fresh database `fanlight_test_<random>` on it, runs the Alembic
migrations once, and drops it at the end; each test starts from empty tables (but for the
registry's bundled publication, kept from the test before when nothing changed it: see `clean`).

When PostgreSQL cannot be reached, its half of the suite is skipped with the reason, except
in CI (env CI set), where that is a failure: CI must exercise the production database.

CSRF protection stays on: the helpers in factories.py sign in and post forms the way a
browser does, with the token taken from the page.
"""

from __future__ import annotations

import atexit
import datetime
import hashlib
import os
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, create_engine, event, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from werkzeug.routing.rules import Rule

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


def _fingerprint(path: str) -> str:
    """The folder (or file) and every file's content: a test that writes definitions of its own and
    changes them between two apps gets each version loaded, never a stale one."""
    root = Path(path).resolve()
    files = sorted(f for f in root.rglob("*") if f.is_file()) if root.is_dir() else [root]
    digest = hashlib.sha256(str(root).encode())
    for f in files:
        digest.update(b"\0" + str(f.relative_to(root) if root.is_dir() else f.name).encode() + b"\0")
        digest.update(f.read_bytes())
    return digest.hexdigest()


def _cached_load(cls: type[Catalogue], path: str) -> Catalogue:
    if not Path(path).exists():
        return _real_load(cls, path)  # the real error
    key = _fingerprint(path)
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


# Every app registers ~1,150 URL rules, and werkzeug compiles two URL-building functions for each
# (Python source made from an AST, then compile()): ~70% of building an app, which every test does.
# The function compiled depends only on the rule's parts and its defaults, never on the app: it takes
# the rule as its first argument and reads the rule's own converters from there, holding nothing.
# So it is compiled once per rule and reused by every later app with the same rule.
_builders: dict[tuple[Any, ...], Callable[..., tuple[str, str]]] = {}
_real_compile_builder = Rule._compile_builder


def _cached_compile_builder(self: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
    # What werkzeug's _compile_builder reads: the trace, with a default in the rule as its constant.
    defaults = self.defaults or {}
    parts = tuple((False, self._converters[data].to_url(defaults[data])) if dynamic and data in defaults
                  else (dynamic, data) for dynamic, data in self._trace)
    key = (self.rule, parts, tuple(str(k) for k in defaults), append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _real_compile_builder(self, append_unknown)
    return builder


# The conftests take these fixtures with `from tests.support.web import *`, which skips names that
# start with an underscore: an autouse fixture named `_fast_setup` here was never seen by pytest (every
# test loaded and compiled the definitions and its templates again). Keep fixture names public.


@pytest.fixture(autouse=True)
def fast_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Catalogue, "load", classmethod(_cached_load))
    monkeypatch.setattr(Flask, "jinja_options", {**Flask.jinja_options, "bytecode_cache": _BYTECODE})
    monkeypatch.setattr(Rule, "_compile_builder", _cached_compile_builder)


@pytest.fixture
def clock() -> SettableClock:
    """The app's clock: it starts on the day the bundled scenarios are written for (their ages and
    dates hold), runs on with real time, and a test moves it with `clock.advance(seconds)`."""
    return SettableClock(datetime.datetime.combine(TODAY, datetime.time(9, 0), tzinfo=datetime.UTC))


# Databases -------------------------------------------------------------------------------------


@event.listens_for(Engine, "connect")
def _sqlite_commits_without_waiting_for_the_disk(connection: Any, _: Any) -> None:
    """The test databases commit without waiting for the disk: SQLite synchronous=NORMAL (in WAL
    mode a commit is not fsynced; a checkpoint is) and, on the PostgreSQL test database,
    synchronous_commit=off (set on the database in `postgresql_url`). What is read and written,
    the locking and the isolation are the same; only durability across a power cut is not, which
    no test needs. (test_access_matrix.py set this for itself first: each commit waited ~10 ms.)"""
    if isinstance(connection, sqlite3.Connection):
        cursor = connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


_template: list[Path] = []  # this process's migrated SQLite database, made once (see migrated_sqlite)


def migrated_sqlite(path: Path) -> str:
    """A new SQLite database at `path` with every migration applied: its URL.

    The migrations run once per test process, into a template file; each database asked for after
    that is a copy of it (SQLite's backup API: page for page, whatever its journal holds), as a
    fresh `migrate.upgrade` would leave it. The tests of the migrations themselves (`empty_url`)
    still run them for real."""
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="fanlight-template-"))
        atexit.register(shutil.rmtree, folder, True)
        migrate.upgrade(f"sqlite:///{folder / 'template.sqlite'}")
        _template.append(folder / "template.sqlite")
    source, target = sqlite3.connect(_template[0]), sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return migrated_sqlite(tmp_path_factory.mktemp("sqlite") / "fanlight.sqlite")


@contextmanager
def new_postgres_database(prefix: str) -> Iterator[str]:
    """A PostgreSQL database of its own on the test server, dropped afterwards: its URL. Skipped with
    the reason where the server is not reachable (a failure in CI: tests.support.services)."""
    server = os.environ.get("FANLIGHT_TEST_POSTGRES") or POSTGRES_DEFAULT
    shown = make_url(server).render_as_string(hide_password=True)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool,
                          connect_args={"connect_timeout": 5})
    name = f"{prefix}_{secrets.token_hex(6)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        unavailable(f"PostgreSQL is not reachable at {shown} (set FANLIGHT_TEST_POSTGRES): {error.orig}")
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    with new_postgres_database("fanlight_test") as url:
        name = make_url(url).database
        with create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool).connect() as connection:
            # Commits do not wait for the disk (see _sqlite_commits_without_waiting_for_the_disk).
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        migrate.upgrade(url)
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own with nothing in it yet, on SQLite and on PostgreSQL (for migration tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.sqlite'}"
        return
    with new_postgres_database("fanlight_upgrade") as url:
        yield url


def insert_row(engine: Engine, table: str, **values: Any) -> None:
    """One row, as the schema of the moment has it (reflected): a migration test's data from before."""
    tables = MetaData()
    tables.reflect(engine, only=[table])
    with engine.begin() as connection:
        connection.execute(tables.tables[table].insert().values(**values))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


_cleaners: dict[str, Engine] = {}
APPEND_ONLY = ("audit_events", "submission_events")  # tables whose triggers refuse UPDATE and DELETE
# The definition registry: what a new database holds once the app has published its bundled folder.
REGISTRY = ("publications", "definition_versions")
# Per database: the definitions folder (its fingerprint) whose bundled publication the registry
# holds, and those rows exactly as ensure_bundled wrote them.
_bundled: dict[str, tuple[str, list[Any]]] = {}


def _registry_rows(connection: Any) -> list[Any]:
    rows: list[Any] = []
    for name in REGISTRY:
        table = db.Base.metadata.tables[name]
        rows.append(connection.execute(select(*table.columns).order_by(*table.primary_key.columns)).all())
    return rows


def clean(url: str, *, keep_bundled: str | None = None) -> None:
    """Empty every table (children first), so each test starts from nothing.

    The append-only tables (APPEND_ONLY: the audit trail, QUALITY §17, and referrals' events)
    refuse UPDATE, DELETE and TRUNCATE: only here, between tests, are they emptied around their
    triggers. On PostgreSQL, as a replica would (triggers do not fire in session_replication_role
    'replica'); on SQLite by dropping the triggers and creating them again, from their own SQL,
    in the same transaction.

    `keep_bundled` (the `app` fixture) is the fingerprint of the definitions folder the next app
    uses: if the registry holds exactly that folder's bundled publication, row for row as
    ensure_bundled wrote it (no test has published, changed or removed anything since), it is kept,
    and the next app finds it as it would have written it. Publishing it costs ~70 queries a test.
    Anything else: every table is emptied, and the app publishes the folder again.

    On PostgreSQL every table is truncated all the same (TRUNCATE cannot leave the registry while
    emptying the tables it refers to, and DELETE would leave the planner other statistics); when the
    next app uses the folder whose bundled publication was saved, those saved rows are then written
    back (ids and all, each id sequence set to its highest id, as publishing them left it), in the
    same transaction: a few statements instead of publishing again.
    """
    engine = _cleaners.get(url)
    if engine is None:
        engine = _cleaners[url] = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        postgresql = url.startswith("postgresql")
        if postgresql:
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        saved = _bundled.get(url)
        # PostgreSQL: always TRUNCATE, as before: the planner's statistics of a truncated table (the
        # index tests EXPLAIN the queue's queries) are not those of one emptied with DELETE.
        keep = (keep_bundled is not None and saved is not None and saved[0] == keep_bundled
                and (postgresql or _registry_rows(connection) == saved[1]))
        if not keep:
            _bundled.pop(url, None)
        tables = [table for table in TABLES if not (keep and table in REGISTRY)]
        if postgresql:
            connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
            if keep and saved is not None:
                _restore_registry(connection, saved[1])
        else:
            triggers = connection.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                f"({', '.join(repr(table) for table in APPEND_ONLY)})")).all()
            for name, _ in triggers:
                connection.execute(text(f'DROP TRIGGER "{name}"'))
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
            for _, sql in triggers:
                connection.execute(text(sql))


def _restore_registry(connection: Any, saved: list[Any]) -> None:
    """PostgreSQL, just truncated: the registry's rows as ensure_bundled wrote them (see `clean`)."""
    for name, rows in zip(REGISTRY, saved, strict=True):
        table = db.Base.metadata.tables[name]
        if rows:
            connection.execute(table.insert(), [dict(row._mapping) for row in rows])
        connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                f"(SELECT max(id) FROM {name}))"))


def remember_bundled(url: str, fingerprint: str) -> None:
    """After an app has published `fingerprint`'s folder on an emptied database: keep those rows
    for the next test (see `clean`), if that is all the registry holds."""
    with _cleaners[url].connect() as connection:
        rows = _registry_rows(connection)
    if len(rows[0]) == 1:
        _bundled[url] = (fingerprint, rows)


@pytest.fixture(scope="session", autouse=True)
def dispose_cleaners() -> Iterator[None]:
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
    url = config["DATABASE_URL"]
    definitions = _fingerprint(config["DEFINITIONS_PATH"]) if Path(config["DEFINITIONS_PATH"]).exists() else None
    clean(url, keep_bundled=definitions)
    kept = url in _bundled
    application = make_app(config, clock)
    with application.app_context():
        # A running server has published its bundled definitions before anyone uses it.
        extensions.catalogue().refresh(db.session(), force=True)
    if definitions is not None and not kept:
        remember_bundled(url, definitions)
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
