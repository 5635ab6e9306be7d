"""Benchmark of the front door at a million referrals (issue 9, "Benchmark").

    .venv/bin/python bench/front_door.py                     # 1,000,000 referrals: generate (~15 min), then measure
    .venv/bin/python bench/front_door.py --keep              # measure again on the database a run left (no generation)
    .venv/bin/python bench/front_door.py --referrals 20000   # a smaller run (a smoke test)
    .venv/bin/python bench/front_door.py --json out.json

Target: on PostgreSQL with 1,000,000 referrals (and their events), the holding area's first
page under each filter and sort, the referral page and claiming, each p95 <= 100 ms server time
with 16 concurrent clients.

In one run, on loopback only:

1. The database `fanlight_bench` on the local PostgreSQL server (FANLIGHT_BENCH_POSTGRES names
   another server; never the tests' `test`) is dropped, created and migrated with the project's
   own migrations (`fanlight.web.migrate.upgrade`), and the bundled definitions are published.
   With --keep an existing `fanlight_bench` holding the same number of referrals is used as it
   is; anything else is generated afresh.
2. N referrals are generated with set-based SQL (INSERT ... SELECT over generate_series): each
   with its draft, the complete cause-for-concern answers of
   definitions/tests/cause-for-concern-complete.yaml with its own children (1-3, from a pool of
   families, some referred again and again), categories of concern (1-3, a realistic skew),
   referrer's view and Fanlight's suggested level and priority; received across the year before
   generation (about 2,700 a day); statuses by age (the last days mostly open, older ones
   decided or delivered, a few stuck open: overdue); a RAG rating, an owner among 30 officers,
   an agency among 300 (10% council staff with none); their events (received, claimed, rated,
   asked for information, decided, delivered, withdrawn: about 3 a referral) and their match
   keys. While loading, the plain indexes of the four tables are dropped and then rebuilt from
   their own definitions (as the migrations made them), and foreign-key triggers are off;
   afterwards VACUUM ANALYZE. A sample of rows is checked against the Python definitions
   (`Submission.names_of`, `family.keys_of`).
3. The app runs under `gunicorn -w 2 -k sync` (this module's `timed_app()`: bench/web_app.py's
   app wrapped to time each request). One front-door officer signs in through the sign-in page.
4. Each scenario sends its requests (default 16 x 12) from 16 client threads at once, each
   request with its own values (the filter's value, the reference, the name searched) drawn
   from the data. **Server time** is the time the worker spends in the WSGI app for the request:
   from the call to the app (after gunicorn has read and parsed the request) to its return
   (the page rendered, the transaction committed, the session closed), so it includes waiting
   for PostgreSQL and for the CPU, but not the time queued before a worker picks the request up
   (with 16 clients and 2 workers most of a request's life is that queue), nor sending the
   response. The client-side latency is printed beside it. Each scenario is warmed up first
   (one round of 16 requests, not counted).

It prints p50, p95 and max server time for each scenario against the 100 ms target (MET / NOT
MET) and always exits 0 (1 only if the run itself failed). The database is kept (for --keep);
drop it with `dropdb -h 127.0.0.1 -U postgres fanlight_bench`.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import math
import os
import platform
import queue
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
try:
    from fanlight.web import create_app
except ImportError:  # not installed in this interpreter: use the source tree
    sys.path[:0] = [str(REPO / "platform"), str(REPO / "renderers"), str(REPO / "admin")]
    from fanlight.web import create_app

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

COMMAND = ".venv/bin/python bench/front_door.py"
DATABASE = "fanlight_bench"
POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
EMAIL = "officer@bench.example"
TARGET_MS = 100.0
FORM = "cause-for-concern"
OFFICERS, MANAGERS, AGENCIES, REFERRERS_PER_AGENCY = 30, 3, 300, 10
FAMILIES, FREQUENT_FAMILIES = 350_000, 5_000  # a fifth of referrals are about 5,000 families
CHUNK = 100_000

FORENAMES = """Oliver George Noah Arthur Harry Leo Muhammad Jack Charlie Oscar Jacob Henry Thomas Freddie Alfie
Theo William Theodore Archie Joshua Alexander James Isaac Edward Lucas Tommy Finley Max Logan Ethan Teddy Benjamin
Arlo Joseph Sebastian Mason Dylan Elijah Albert Adam Olivia Amelia Isla Ava Ivy Freya Lily Florence Mia Willow Rosie
Sophia Isabella Grace Daisy Sienna Poppy Elsie Emily Ella Evelyn Phoebe Sofia Evie Charlotte Harper Millie Matilda
Maya Sophie Alice Emilia Isabelle Ruby Luna Maisie Aria Penelope Mila Bonnie Eva Hallie Eliza Ada Violet Esme Imogen
Jordan Kai Reggie Ronnie Bobby Rory Jaxon Hudson Ezra Frankie Zara Aisha Fatima Maryam Amira Hannah""".split()
SURNAMES = """Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson Evans Walker
White Roberts Green Hall Thomas Clarke Jackson Wood Harris Edwards Turner Martin Cooper Hill Ward Hughes Moore
Clark King Harrison Lewis Baker Lee Allen Morris Khan Scott Watson Davis Parker James Bennett Young Phillips Richardson
Mitchell Bailey Carter Cook Singh Shaw Bell Collins Morgan Kelly Begum Miller Cox Hussain Marshall Simpson Price
Anderson Adams Wilkinson Ali Ahmed Foster Ellis Murphy Chapman Mason Gray Richards Webb Griffiths Hunt Palmer Campbell
Holmes Mills Rogers Barnes Knight Matthews Barker Powell Stevens Kaur Fisher Butler Dixon Russell Harvey Pearson Graham
Fletcher Howard Gibson Walsh Reid Lloyd Ford Stewart Jenkins Murray Cole Hunter Kennedy Wells Dean Lawrence
Rahman Nowak Kowalski Popescu Okafor Mensah Ibrahim Chen Nguyen""".split()
# Categories of concern, commonest first (a referral has 1-3; the first is picked most often).
CATEGORIES = ["neglect", "domestic_abuse", "emotional_abuse", "parental_mental_health", "physical_abuse",
              "child_mental_health", "parental_substance_misuse", "socially_unacceptable_behaviour", "self_harm",
              "sexual_abuse", "missing", "child_criminal_exploitation", "child_sexual_exploitation", "other",
              "child_disability", "young_carer", "child_substance_misuse", "gangs", "unborn_baby",
              "unaccompanied_asylum_seeking", "private_fostering", "trafficking_modern_slavery",
              "faith_or_belief_abuse", "fgm"]
CONCERN_LEVELS = ["universal", "additional_needs", "complex_needs", "acute"]
PRIORITIES = ["low", "medium", "high", "urgent"]
LEVEL_NAMES = {1: "Universal", 2: "Additional needs", 3: "Complex needs", 4: "Acute / specialist"}
AGENCY_TYPES = [("Primary School", "2A"), ("Secondary School", "2A"), ("Police", "6"), ("GP Surgery", "3A"),
                ("Hospital", "3B"), ("Health Visiting", "3C"), ("Housing", "8"), ("Nursery", "2B")]
STATUSES = ["received", "in_triage", "awaiting_information", "decided", "withdrawn", "delivered"]
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


# The app under gunicorn, timed ---------------------------------------------------------------------


class Timed:
    """WSGI middleware: how long the app took over each request tagged X-Bench-Request, one line
    per request ("tag<TAB>status<TAB>ms") in a file per worker process."""

    def __init__(self, app: Any, folder: Path) -> None:
        self.app, self.folder = app, folder
        self.out: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        tag = environ.get("HTTP_X_BENCH_REQUEST")
        if not tag:
            return self.app(environ, start_response)
        status: list[str] = []

        def starting(code: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            status.append(code.split(maxsplit=1)[0])
            return start_response(code, headers, *exc)

        start = time.perf_counter()
        try:
            # Flask renders the whole response, commits and closes the session (teardown) before
            # this returns; the body is then an already built list of bytes.
            return self.app(environ, starting)
        finally:
            elapsed = (time.perf_counter() - start) * 1000
            if self.out is None:
                self.out = (self.folder / f"{os.getpid()}.tsv").open("a", buffering=1)
            self.out.write(f"{tag}\t{status[0] if status else '-'}\t{elapsed:.3f}\n")


def timed_app() -> Timed:
    """gunicorn's entry point: `gunicorn --pythonpath bench 'front_door:timed_app()'`."""
    from web_app import app  # configured from FANLIGHT_BENCH_* (bench/web_app.py)

    return Timed(app, Path(os.environ["FANLIGHT_BENCH_TIMES"]))


# Generating the referrals --------------------------------------------------------------------------


def _log(message: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


def _sql_list(values: Iterable[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


# The people: 30 front-door officers (3 of them managers, one the benchmark's own, made first), 10
# referrers in each of 300 agencies, 20 council staff; and tables numbering them for the generator.
PEOPLE = f"""
            INSERT INTO users (email, name, role, agency, agency_id, password_hash, active, session_nonce, created_at)
            SELECT 'officer' || i || '@bench.example', ({_sql_list(FORENAMES)})[1 + i % {len(FORENAMES)}] || ' '
                   || ({_sql_list(SURNAMES)})[1 + (i * 7) % {len(SURNAMES)}],
                   CASE WHEN i <= {MANAGERS} THEN 'manager' ELSE 'front_door_officer' END, '', '', 'x', true, '', now()
            FROM generate_series(1, {OFFICERS + MANAGERS - 1}) i;
            INSERT INTO users (email, name, role, agency, agency_id, password_hash, active, session_nonce, created_at)
            SELECT 'referrer' || a || '-' || r || '@bench.example', 'Referrer ' || a || '-' || r, 'professional',
                   'Bench ' || ({_sql_list(t for t, _ in AGENCY_TYPES)})[1 + a % {len(AGENCY_TYPES)}] || ' ' || a,
                   'bench-agency-' || lpad(a::text, 3, '0'), 'x', true, '', now()
            FROM generate_series(0, {AGENCIES - 1}) a, generate_series(0, {REFERRERS_PER_AGENCY - 1}) r;
            INSERT INTO users (email, name, role, agency, agency_id, password_hash, active, session_nonce, created_at)
            SELECT 'council' || i || '@bench.example', 'Council worker ' || i, 'professional', '', '', 'x', true, '', now()
            FROM generate_series(1, 20) i;
            CREATE TABLE bench_staff AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM users
                WHERE role IN ('front_door_officer', 'manager');
            CREATE TABLE bench_referrers AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, agency, agency_id
                FROM users WHERE email LIKE 'referrer%';
            CREATE TABLE bench_council AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM users
                WHERE email LIKE 'council%';
            """


@dataclass
class Generated:
    referrals: int
    generated_at: datetime.datetime
    seconds: float
    steps: dict[str, float] = field(default_factory=dict)


def create_database(server: str) -> str:
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return make_url(server).set(database=DATABASE).render_as_string(hide_password=False)


def existing(server: str, referrals: int) -> tuple[str, Generated] | None:
    """The database a previous run left, if it holds `referrals` referrals (migrated to the newest revision)."""
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import DBAPIError

    from fanlight.web import migrate

    url = make_url(server).set(database=DATABASE).render_as_string(hide_password=False)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            meta = connection.execute(text("SELECT referrals, generated_at, seconds, steps FROM bench_meta")).one()
    except DBAPIError:
        return None
    finally:
        engine.dispose()
    if meta.referrals != referrals:
        return None
    head = ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head()
    if version != head:  # migrations added since it was generated: run them on it
        _log(f"migrating {DATABASE} from {version} to {head}")
        migrate.upgrade(url)
    return url, Generated(meta.referrals, meta.generated_at, meta.seconds, json.loads(meta.steps))


def _publish(url: str, secret: str, workdir: Path) -> tuple[Any, Any, int]:
    """The app on the new database, its bundled definitions published, and the bench officer's account."""
    from fanlight.web import db, extensions
    from fanlight.web.accounts.service import create_user

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "UPLOAD_FOLDER": str(workdir / "uploads"),
                      "DEFINITIONS_PATH": str(REPO / "definitions"), "SESSION_COOKIE_SECURE": False})
    with app.app_context():
        catalogue = extensions.catalogue(app)
        catalogue.refresh(db.session(), force=True)
        compiled = catalogue.current(FORM)
        publication_id = catalogue.live
        if compiled is None or publication_id is None:
            raise RuntimeError(f"the bundled definitions have no live {FORM} form")
        create_user(EMAIL, "Bench Officer", "front_door_officer", PASSWORD)
        db.session().commit()
        db.session().close()
    return app, compiled, publication_id


def _templates(compiled: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The complete answers (less children and categories), one child's answers, and their stored evaluation."""
    import web as webbench  # bench/web.py: the complete answers
    from fanlight.engine import evaluate
    from fanlight.web.referrals.submissions import _stored_evaluation

    answers = webbench.complete_answers()
    evaluation = evaluate(compiled, answers)
    if not evaluation.complete:
        raise RuntimeError(f"the complete scenario is not complete: {evaluation.errors[:3]}")
    base_answers = {k: v for k, v in answers.items() if k not in ("children", "categories")}
    return base_answers, dict(answers["children"][0]), _stored_evaluation(evaluation)


def generate(url: str, n: int, secret: str, workdir: Path) -> Generated:
    """Migrate, publish the definitions, make the people, and generate n referrals with set-based SQL."""
    from fanlight.web import extensions, migrate

    started = time.perf_counter()
    steps: dict[str, float] = {}

    def step(name: str, sql: str, connection: Any, **params: Any) -> None:
        t = time.perf_counter()
        for statement in sql.split(";\n"):  # one statement at a time (psycopg's extended protocol)
            if statement.strip():
                connection.execute(text(statement), params)
        steps[name] = steps.get(name, 0.0) + time.perf_counter() - t

    _log("migrating")
    t = time.perf_counter()
    migrate.upgrade(url)
    steps["migrate"] = time.perf_counter() - t
    app, compiled, publication_id = _publish(url, secret, workdir)
    base_answers, child, stored = _templates(compiled)
    engine = extensions.db_engine(app)
    generated_at = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("SET session_replication_role = replica"))  # no FK triggers while loading
        c.execute(text("SET maintenance_work_mem = '1GB'"))
        c.execute(text("SET work_mem = '256MB'"))
        c.execute(text("SET default_toast_compression = 'lz4'"))  # twice as fast to write as pglz
        c.execute(text("SELECT setseed(0.42)"))
        tables = ("drafts", "submissions", "submission_events", "referral_match_keys")
        indexes = c.execute(text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename = ANY(:t)"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)"), {"t": list(tables)}).all()
        for name, _ in indexes:
            c.execute(text(f'DROP INDEX "{name}"'))
        _log(f"dropped {len(indexes)} plain indexes for the load (rebuilt from their definitions after)")
        step("people", PEOPLE, c)
        staff = int(c.execute(text("SELECT count(*) FROM bench_staff")).scalar() or 0)
        for lo in range(0, n, CHUNK):
            hi = min(n, lo + CHUNK)
            _generate_chunk(c, step, lo, hi, n, generated_at, staff, publication_id, compiled, base_answers, child,
                            stored)
            _log(f"  {hi:,} referrals")
        c.execute(text("SET session_replication_role = origin"))
        for name, definition in indexes:
            t = time.perf_counter()
            c.execute(text(definition))
            steps[f"index {name}"] = time.perf_counter() - t
        _log(f"rebuilt {len(indexes)} indexes in {sum(v for k, v in steps.items() if k.startswith('index ')):.0f} s")
        step("select events id sequence", "SELECT setval(pg_get_serial_sequence('submission_events', 'id'),"
             " (SELECT max(id) FROM submission_events))", c)
        c.execute(text("DROP TABLE bench_staff, bench_referrers, bench_council"))
        t = time.perf_counter()
        c.execute(text("VACUUM ANALYZE"))
        c.execute(text("CHECKPOINT"))
        steps["vacuum analyze"] = time.perf_counter() - t
        seconds = time.perf_counter() - started
        c.execute(text("CREATE TABLE bench_meta (referrals integer, generated_at timestamptz, seconds float,"
                       " steps text)"))
        c.execute(text("INSERT INTO bench_meta VALUES (:n, :at, :s, :steps)"),
                  {"n": n, "at": generated_at, "s": seconds, "steps": json.dumps(steps)})
    engine.dispose()
    return Generated(n, generated_at, seconds, steps)


def _generate_chunk(c: Any, step: Callable[..., None], lo: int, hi: int, n: int, generated_at: datetime.datetime,
                    staff: int, publication_id: int, compiled: Any, base_answers: dict[str, Any],
                    child: dict[str, Any], stored: dict[str, Any]) -> None:
    """Referrals lo..hi-1 (of n), their drafts, events and match keys."""
    per_day = n / 365.0
    params = {"lo": lo, "hi": hi - 1, "at": generated_at, "base": json.dumps(base_answers),
              "child": json.dumps(child), "evaluation": json.dumps(stored), "form": compiled.id,
              "version": compiled.version, "hash": compiled.form.content_hash, "publication": publication_id}
    # 1. What each referral is: when it came, from whom, its state, its family and concerns.
    step("gen", f"""
        CREATE UNLOGGED TABLE gen AS
        WITH r AS (
            SELECT i, random() AS r_agency, random() AS r_person, random() AS r_status, random() AS r_rag,
                   random() AS r_owner, random() AS r_family, random() AS r_kids, random() AS r_level,
                   random() AS r_view, random() AS r_cat1, random() AS r_cat2, random() AS r_cat3, random() AS r_n,
                   -- received: i-th of n, evenly over the year before now, newest last (a little jitter)
                   CAST(:at AS timestamptz) - make_interval(secs => (({n} - i) / {per_day}) * 86400 * (1 + 0.02 * random()))
                       AS received_at
            FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) i
        ), s AS (
            SELECT r.*, extract(epoch FROM CAST(:at AS timestamptz) - received_at) / 86400 AS age,
                   CASE WHEN r_agency < 0.1 THEN NULL ELSE floor({AGENCIES} * power((r_agency - 0.1) / 0.9, 1.6))::int
                   END AS agency
            FROM r
        ), t AS (
            SELECT s.*, CASE
                WHEN age < 1 THEN CASE WHEN r_status < 0.6 THEN 'received' WHEN r_status < 0.9 THEN 'in_triage'
                                       WHEN r_status < 0.95 THEN 'awaiting_information' ELSE 'decided' END
                WHEN age < 3 THEN CASE WHEN r_status < 0.1 THEN 'received' WHEN r_status < 0.4 THEN 'in_triage'
                                       WHEN r_status < 0.6 THEN 'awaiting_information' ELSE 'decided' END
                WHEN age < 30 THEN CASE WHEN r_status < 0.02 THEN 'in_triage'
                                        WHEN r_status < 0.07 THEN 'awaiting_information'
                                        WHEN r_status < 0.10 THEN 'withdrawn' WHEN r_status < 0.12 THEN 'delivered'
                                        ELSE 'decided' END
                ELSE CASE WHEN r_status < 0.005 THEN 'in_triage' WHEN r_status < 0.01 THEN 'awaiting_information'
                          WHEN r_status < 0.04 THEN 'withdrawn' WHEN r_status < 0.30 THEN 'delivered' ELSE 'decided' END
                END AS status
            FROM s
        )
        SELECT i, md5('s' || i) AS id, md5('d' || i) AS draft_id,
               'FL-' || (SELECT string_agg(substr('{REFERENCE_ALPHABET}', (
                              (((i::bigint * 2654435761) % 1099511627776) >> (5 * d)) % 32 + 1)::int, 1), ''
                              ORDER BY d) FROM generate_series(0, 3) d) || '-' ||
                        (SELECT string_agg(substr('{REFERENCE_ALPHABET}', (
                              (((i::bigint * 2654435761) % 1099511627776) >> (5 * d)) % 32 + 1)::int, 1), ''
                              ORDER BY d) FROM generate_series(4, 7) d) AS reference,
               agency, received_at, status,
               CASE WHEN agency IS NOT NULL THEN agency * {REFERRERS_PER_AGENCY} + floor(r_person * {REFERRERS_PER_AGENCY})::int
               END AS referrer_k,
               CASE WHEN agency IS NULL THEN floor(r_person * 20)::int END AS council_k,
               -- the working day after (a weekend skipped), as the calendar roughly would
               received_at + CASE WHEN extract(isodow FROM received_at) >= 5 THEN interval '3 days'
                                  ELSE interval '1 day' END AS due_at,
               CASE WHEN status = 'received' OR (status = 'withdrawn' AND r_owner < 0.5) THEN NULL
                    ELSE floor({staff} * power(r_owner, 1.3))::int END AS owner_k,
               CASE WHEN status = 'received' OR r_rag < 0.1 THEN NULL WHEN r_rag < 0.25 THEN 'red'
                    WHEN r_rag < 0.6 THEN 'amber' ELSE 'green' END AS rag,
               CASE WHEN r_family < 0.2 THEN floor({FREQUENT_FAMILIES} * r_family / 0.2)::int
                    ELSE {FREQUENT_FAMILIES} + floor(({FAMILIES} - {FREQUENT_FAMILIES}) * (r_family - 0.2) / 0.8)::int
               END AS family,
               CASE WHEN r_kids < 0.6 THEN 1 WHEN r_kids < 0.9 THEN 2 ELSE 3 END AS kids,
               r_person, r_level, r_view,
               (SELECT jsonb_agg(DISTINCT c) FROM unnest(ARRAY[
                    ({_sql_list(CATEGORIES)})[1 + floor({len(CATEGORIES)} * power(r_cat1, 2.2))::int],
                    CASE WHEN r_n < 0.5 THEN ({_sql_list(CATEGORIES)})[1 + floor({len(CATEGORIES)} * power(r_cat2, 1.8))::int] END,
                    CASE WHEN r_n < 0.2 THEN ({_sql_list(CATEGORIES)})[1 + floor({len(CATEGORIES)} * power(r_cat3, 1.5))::int] END
               ]) c WHERE c IS NOT NULL) AS categories
        FROM t
        """, c, **params)
    # 2. Their children: a family's surname and postcode, each child's forename, birth date and NHS number.
    step("gen children", f"""
        CREATE UNLOGGED TABLE gen_children AS
        SELECT g.i, j,
               ({_sql_list(FORENAMES)})[1 + (g.family * 7 + j * 31) % {len(FORENAMES)}] AS forename,
               ({_sql_list(SURNAMES)})[1 + (g.family * 13) % {len(SURNAMES)}] AS surname,
               (date '2008-01-01' + (g.family * 37 + j * 811) % 6500)::text AS dob,
               lpad(((g.family::bigint * 10 + j) * 7919 % 9999999999)::text, 10, '0') AS nhs,
               (ARRAY['WR', 'B', 'DY', 'HR', 'GL', 'CV'])[1 + g.family % 6] || (1 + g.family % 15) || ' '
                   || (g.family % 10) || chr(65 + g.family % 26) || chr(65 + (g.family / 26) % 26) AS postcode
        FROM gen g, generate_series(0, g.kids - 1) j
        """, c)
    step("gen children", """
        CREATE UNLOGGED TABLE gen_kids AS
        SELECT i, jsonb_agg(CAST(:child AS jsonb) || jsonb_build_object(
                   'child_forename', forename, 'child_surname', surname, 'child_dob', dob, 'nhs_number', nhs,
                   'child_postcode', postcode) ORDER BY j) AS children,
               string_agg(lower(forename || ' ' || surname), E'\\n' ORDER BY j) AS names
        FROM gen_children GROUP BY i;
        """, c, child=params["child"])
    c.execute(text("ANALYZE gen, gen_children, gen_kids"))  # else the planner joins them row by row
    # 3. The drafts, the referrals, their events and their match keys.
    step("drafts", """
        INSERT INTO drafts (id, owner_id, form_id, form_version, form_hash, publication_id, answers, visited, revision,
                            status, created_at, updated_at)
        SELECT g.draft_id, coalesce(p.id, cc.id), :form, :version, :hash, :publication, '{}', '[]', 2, 'submitted',
               g.received_at - interval '40 minutes', g.received_at
        FROM gen g LEFT JOIN bench_referrers p ON p.k = g.referrer_k LEFT JOIN bench_council cc ON cc.k = g.council_k
        """, c, form=params["form"], version=params["version"], hash=params["hash"],
         publication=params["publication"])
    step("submissions", f"""
        INSERT INTO submissions (id, reference, draft_id, owner_id, agency, agency_id, cin_referral_source, form_id,
                                 form_version, form_hash, publication_id, answers, evaluation, status, submitted_at,
                                 received_at, due_at, assignee_id, rag, child_names, concern_categories)
        SELECT g.id, g.reference, g.draft_id, coalesce(p.id, cc.id), coalesce(p.agency, ''), p.agency_id,
               CASE WHEN g.agency IS NOT NULL
                    THEN ({_sql_list(code for _, code in AGENCY_TYPES)})[1 + g.agency % {len(AGENCY_TYPES)}] END,
               :form, :version, :hash, :publication,
               CAST(:base AS jsonb) || jsonb_build_object(
                   'children', k.children, 'categories', g.categories, 'primary_category', g.categories -> 0,
                   'concern_level', ({_sql_list(CONCERN_LEVELS)})[1 + floor(4 * g.r_view)::int]),
               jsonb_set(jsonb_set(jsonb_set(CAST(:evaluation AS jsonb),
                   '{{threshold,level}}', to_jsonb(1 + floor(4 * g.r_level)::int)),
                   '{{threshold,level_name}}', to_jsonb(({_sql_list(LEVEL_NAMES.values())})[1 + floor(4 * g.r_level)::int])),
                   '{{derived,suggested_priority}}', to_jsonb(({_sql_list(PRIORITIES)})[1 + floor(4 * g.r_level)::int])),
               g.status, g.received_at, g.received_at, g.due_at, st.id, g.rag, k.names,
               ' ' || (SELECT string_agg(v, ' ' ORDER BY o) FROM jsonb_array_elements_text(g.categories)
                       WITH ORDINALITY AS x(v, o)) || ' '
        FROM gen g JOIN gen_kids k USING (i)
        LEFT JOIN bench_referrers p ON p.k = g.referrer_k LEFT JOIN bench_council cc ON cc.k = g.council_k
        LEFT JOIN bench_staff st ON st.k = g.owner_k
        """, c, **params)
    step("events", """
        INSERT INTO submission_events (submission_id, actor_id, kind, from_status, to_status, reason, detail, at)
        SELECT s.id, e.actor, e.kind, e.from_status, e.to_status, e.reason, e.detail, e.at
        FROM gen g JOIN submissions s ON s.id = g.id
        CROSS JOIN LATERAL (VALUES
            (1, s.owner_id, 'received', NULL, 'received', '', jsonb_build_object('reference', s.reference),
             s.received_at, true),
            (2, s.assignee_id, 'claimed', 'received', 'in_triage', '', jsonb_build_object('assignee_id', s.assignee_id),
             s.received_at + interval '20 minutes', s.assignee_id IS NOT NULL),
            (3, s.assignee_id, 'rag_set', NULL, NULL, 'Rated on what the referral says',
             jsonb_build_object('rag', s.rag, 'previous_rag', NULL), s.received_at + interval '30 minutes',
             s.rag IS NOT NULL),
            (4, s.assignee_id, 'information_requested', 'in_triage', 'awaiting_information', 'Please tell us more',
             '{}'::jsonb, s.received_at + interval '40 minutes', s.status = 'awaiting_information'),
            (5, s.assignee_id, 'decided', 'in_triage', 'decided', 'Decided', '{}'::jsonb,
             s.received_at + interval '3 hours', s.status IN ('decided', 'delivered')),
            (6, NULL, 'delivered', 'decided', 'delivered', '', '{}'::jsonb, s.received_at + interval '4 hours',
             s.status = 'delivered'),
            (7, s.owner_id, 'withdrawn', CASE WHEN s.assignee_id IS NULL THEN 'received' ELSE 'in_triage' END,
             'withdrawn', 'Withdrawn by the referrer', '{}'::jsonb, s.received_at + interval '1 hour',
             s.status = 'withdrawn')
        ) AS e(n, actor, kind, from_status, to_status, reason, detail, at, happened)
        WHERE e.happened
        ORDER BY s.received_at, e.n
        """, c)
    step("match keys", """
        INSERT INTO referral_match_keys (submission_id, kind, key)
        SELECT DISTINCT g.id, v.kind,
               encode(sha256(convert_to(v.kind, 'UTF8') || '\\x00'::bytea || convert_to(v.value, 'UTF8')), 'hex')
        FROM gen_children ch JOIN gen g USING (i)
        CROSS JOIN LATERAL (VALUES ('nhs', ch.nhs),
                                   ('name_dob', lower(ch.forename) || '|' || lower(ch.surname) || '|' || ch.dob),
                                   ('surname_postcode', lower(ch.surname) || '|' || upper(replace(ch.postcode, ' ', '')))
                            ) AS v(kind, value)
        """, c)
    c.execute(text("DROP TABLE gen, gen_children, gen_kids"))


def check_sample(url: str) -> list[str]:
    """Rows as generated agree with the Python definitions: child_names, match keys, references."""
    from fanlight.web.models import Submission
    from fanlight.web.triage import family, queue

    problems = []
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as c:
        rows = c.execute(text("SELECT id, reference, answers, child_names, concern_categories FROM submissions TABLESAMPLE SYSTEM (0.1)"
                              " LIMIT 300")).all()
        for row in rows:
            if Submission.names_of(row.answers) != row.child_names:
                problems.append(f"{row.reference}: child_names {row.child_names!r}")
            if Submission.categories_of(row.answers) != row.concern_categories:
                problems.append(f"{row.reference}: concern_categories {row.concern_categories!r}")
            keys = {(k.kind, k.key) for k in family.keys_of(row.answers)}
            stored = {(kind, key) for kind, key in c.execute(
                text("SELECT kind, key FROM referral_match_keys WHERE submission_id = :id"), {"id": row.id})}
            if keys != stored:
                problems.append(f"{row.reference}: match keys differ")
            if not queue.REFERENCE.match(row.reference):
                problems.append(f"{row.reference}: not a reference")
    engine.dispose()
    return problems[:10]


def describe(url: str) -> dict[str, Any]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as c:
        facts: dict[str, Any] = {
            "referrals": c.execute(text("SELECT count(*) FROM submissions")).scalar(),
            "events": c.execute(text("SELECT count(*) FROM submission_events")).scalar(),
            "match_keys": c.execute(text("SELECT count(*) FROM referral_match_keys")).scalar(),
            "by_status": dict(c.execute(text("SELECT status, count(*) FROM submissions GROUP BY 1 ORDER BY 2 DESC"))
                              .all()),
            "by_rag": {str(k): v for k, v in c.execute(text("SELECT rag, count(*) FROM submissions GROUP BY 1"))},
            "unassigned": c.execute(text("SELECT count(*) FROM submissions WHERE assignee_id IS NULL")).scalar(),
            "open_overdue": c.execute(text("SELECT count(*) FROM submissions WHERE status IN ('received', 'in_triage',"
                                           " 'awaiting_information') AND due_at < now()")).scalar(),
            "database_size": c.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))")).scalar(),
            "submissions_size": c.execute(text("SELECT pg_size_pretty(pg_total_relation_size('submissions'))"))
            .scalar(),
        }
    engine.dispose()
    return facts


# Measuring -----------------------------------------------------------------------------------------

PASSWORD = "bench-" + secrets.token_hex(8)


@dataclass
class Request:
    method: str
    path: str
    form: list[tuple[str, str]] | None = None
    expect: int = 200


@dataclass
class Scenario:
    key: str
    label: str
    make: Callable[[random.Random, int], Request]


@dataclass
class Result:
    key: str
    label: str
    count: int
    p50: float
    p95: float
    max: float
    client_p50: float
    client_p95: float
    bad: int
    app_cpu_ms: float
    db_cpu_ms: float
    seconds: float

    @property
    def met(self) -> bool:
        return self.bad == 0 and self.p95 <= TARGET_MS


@dataclass
class Data:
    """What the scenarios draw their values from."""

    references: list[str]
    to_claim: list[tuple[str, str]]  # (reference, its status as seen) nobody owns, still open
    agencies: list[str]
    officers: list[int]
    me: int
    names: list[str]


def load_data(url: str, officer_email: str) -> Data:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as c:
        references = list(c.execute(text("SELECT reference FROM submissions TABLESAMPLE SYSTEM (1) LIMIT 5000"))
                          .scalars())
        to_claim = [(r, s) for r, s in c.execute(text(
            "SELECT reference, status FROM submissions WHERE status = 'received' AND assignee_id IS NULL"))]
        agencies = list(c.execute(text("SELECT DISTINCT agency_id FROM submissions TABLESAMPLE SYSTEM (1)"
                                       " WHERE agency_id IS NOT NULL")).scalars())
        officers = list(c.execute(text("SELECT id FROM users WHERE role IN ('front_door_officer', 'manager')"))
                        .scalars())
        me = c.execute(text("SELECT id FROM users WHERE email = :e"), {"e": officer_email}).scalar_one()
        names = list(c.execute(text("SELECT child_names FROM submissions TABLESAMPLE SYSTEM (0.5) LIMIT 3000"))
                     .scalars())
    engine.dispose()
    return Data(references, to_claim, sorted(agencies), officers, me, names)


def _reference_for(rnd: random.Random, references: list[str]) -> str:
    """A whole reference, or its first 7 characters ("FL-ABCD")."""
    reference = rnd.choice(references)
    return reference if rnd.random() < 0.5 else reference[:7]


def _search_for(rnd: random.Random, names: list[str]) -> str:
    """How an officer searches for a child: a surname, a forename, a full name, or the start of a name."""
    child = rnd.choice(rnd.choice(names).split("\n"))
    forename, _, surname = child.partition(" ")
    kind = rnd.random()
    if kind < 0.35:
        return surname.title()
    if kind < 0.55:
        return forename
    if kind < 0.85:
        return f"{forename.title()} {surname.title()}"
    return surname[:4]


def scenarios(data: Data) -> list[Scenario]:
    statuses = STATUSES
    filters: list[tuple[str, str, Callable[[random.Random], dict[str, str]]]] = [
        ("all", "no filter", lambda rnd: {}),
        ("status", "status (each of the 6)", lambda rnd: {"status": rnd.choice(statuses)}),
        ("rag", "RAG (red, amber, green, not rated)", lambda rnd: {"rag": rnd.choice(["red", "amber", "green",
                                                                                         "none"])}),
        ("category", "category (each of the 24)", lambda rnd: {"category": rnd.choice(CATEGORIES)}),
        ("agency", "referring agency (one of 300)", lambda rnd: {"agency": rnd.choice(data.agencies)}),
        ("mine", "owner: mine", lambda rnd: {"owner": "mine"}),
        ("unassigned", "owner: unassigned", lambda rnd: {"owner": "unassigned"}),
        ("owner", "owner: a colleague (one of 33)", lambda rnd: {"owner": str(rnd.choice(data.officers))}),
        ("due-today", "due today", lambda rnd: {"due": "today"}),
        ("overdue", "overdue", lambda rnd: {"due": "overdue"}),
        ("search-reference", "search: a reference (whole, or its first 7)",
         lambda rnd: {"q": _reference_for(rnd, data.references)}),
        ("search-name", "search: a child's name (surname, forename, both, or 4 letters)",
         lambda rnd: {"q": _search_for(rnd, data.names)}),
    ]
    found = []
    for sort, sort_label in (("received", "newest first"), ("due", "due soonest"), ("rag", "RAG, red first")):
        for key, label, values in filters:
            def make(rnd: random.Random, _i: int, values: Callable[[random.Random], dict[str, str]] = values,
                     sort: str = sort) -> Request:
                args = values(rnd)
                if sort != "received":
                    args["sort"] = sort
                query = urllib.parse.urlencode(args)
                return Request("GET", "/front-door/" + (f"?{query}" if query else ""))
            found.append(Scenario(f"holding/{sort}/{key}", f"holding area, {sort_label}: {label}", make))
    found.append(Scenario("referral", "referral page (a random referral of all)",
                          lambda rnd, _i: Request("GET", f"/front-door/referrals/{rnd.choice(data.references)}")))
    return found


def claim_scenario(data: Data, token: str) -> Scenario:
    claims = iter(data.to_claim)

    def make(_rnd: random.Random, _i: int) -> Request:
        reference, status = next(claims)
        return Request("POST", f"/front-door/referrals/{reference}/claim",
                       [("csrf_token", token), ("seen_status", status), ("seen_owner", ""), ("seen_rag", "")],
                       expect=303)
    return Scenario("claim", "claim (a received referral nobody owns)", make)


class Client:
    """One signed-in browser's cookies, shared read-only by the client threads."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port, self.cookie = port, cookie

    def send(self, request: Request, tag: str) -> tuple[int, float]:
        headers = {"Cookie": self.cookie, "X-Bench-Request": tag}
        body = None
        if request.form is not None:
            body = urllib.parse.urlencode(request.form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(request.method, request.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status, (time.perf_counter() - start) * 1000
        finally:
            connection.close()


def run_requests(client: Client, requests: list[tuple[str, Request]], clients: int) -> dict[str, tuple[int, float]]:
    """Send every request from `clients` threads at once; {tag: (status, client ms)}."""
    work: queue.Queue[tuple[str, Request]] = queue.Queue()
    for item in requests:
        work.put(item)
    done: dict[str, tuple[int, float]] = {}
    lock = threading.Lock()

    def worker() -> None:
        while True:
            try:
                tag, request = work.get_nowait()
            except queue.Empty:
                return
            try:
                status, ms = client.send(request, tag)
            except OSError:
                status, ms = -1, 0.0
            if status != request.expect:
                status = -abs(status)
            with lock:
                done[tag] = (status, ms)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done


def read_times(folder: Path) -> dict[str, float]:
    found: dict[str, float] = {}
    for path in folder.glob("*.tsv"):
        for line in path.read_text().splitlines():
            tag, _status, ms = line.split("\t")
            found[tag] = float(ms)
    return found


def _pct(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def measure(scenario: Scenario, client: Client, times: Path, count: int, clients: int, rnd: random.Random,
            meter: Any) -> Result:
    warm = [(f"w-{scenario.key}-{i}-{secrets.token_hex(3)}", scenario.make(rnd, i)) for i in range(clients)]
    run_requests(client, warm, clients)
    batch = [(f"m-{scenario.key}-{i}-{secrets.token_hex(3)}", scenario.make(rnd, i)) for i in range(count)]
    meter.start()
    start = time.perf_counter()
    answers = run_requests(client, batch, clients)
    seconds = time.perf_counter() - start
    used = meter.stop()
    time.sleep(0.2)  # the last lines reach the workers' files
    server = read_times(times)
    ms = [server[tag] for tag, _ in batch if tag in server]
    client_ms = [answers[tag][1] for tag, _ in batch if tag in answers]
    bad = sum(1 for tag, _ in batch if tag not in answers or answers[tag][0] < 0) + (len(batch) - len(ms))
    return Result(scenario.key, scenario.label, len(ms), _pct(ms, 0.5), _pct(ms, 0.95), max(ms, default=math.nan),
                  _pct(client_ms, 0.5), _pct(client_ms, 0.95), bad, used["app"] * 1000 / max(1, len(batch)),
                  used["db"] * 1000 / max(1, len(batch)), seconds)


def sign_in(port: int) -> tuple[str, str]:
    """Sign the bench officer in through the pages: (the session cookie, the session's CSRF token)."""
    import web as webbench

    browser = webbench.Browser(port)
    status, _, page = browser.request("GET", "/sign-in")
    status, _, body = browser.request("POST", "/sign-in", form=[("email", EMAIL), ("password", PASSWORD),
                                                                ("csrf_token", webbench.csrf_from(page))])
    if status != 302:
        raise RuntimeError(f"POST /sign-in: {status}\n{body[:300]}")
    status, _, page = browser.request("GET", "/front-door/")
    if status != 200:
        raise RuntimeError(f"GET /front-door/: {status}")
    return browser.cookie_header, webbench.csrf_from(page)


def machine() -> dict[str, Any]:
    from importlib import metadata

    lscpu = subprocess.run(["lscpu"], check=False, capture_output=True, text=True).stdout.splitlines()
    model = next((line.split(":", 1)[1].strip() for line in lscpu if line.startswith("Model name:")), "")
    return {"cores": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "load": Path("/proc/loadavg").read_text().split()[:3],
            **{name: metadata.version(name) for name in ("flask", "gunicorn", "sqlalchemy", "psycopg")}}


def reset_password(url: str) -> None:
    """This run's password for the bench officer (a kept database has the previous run's)."""
    from fanlight.web.accounts.service import DEFAULT_HASHER

    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as c:
        c.execute(text("UPDATE users SET password_hash = :h, session_nonce = '' WHERE email = :e"),
                  {"h": DEFAULT_HASHER.hash(PASSWORD), "e": EMAIL})
        c.execute(text("DELETE FROM sign_in_throttles"))
    engine.dispose()


def _stop(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def set_database(name: str) -> None:
    global DATABASE  # noqa: PLW0603  (the name every step uses)
    DATABASE = name


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true",
                        help="use the database a previous run left, if it has as many referrals")
    parser.add_argument("--requests", type=int, default=192, help="measured requests per scenario (default 192)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2, one a core)")
    parser.add_argument("--only", help="only the scenarios whose key contains one of these (comma-separated)")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--database", default="fanlight_bench", help="the database's name (default fanlight_bench)")
    args = parser.parse_args(argv)
    if args.database in ("test", "postgres", "template0", "template1"):
        parser.error(f"--database {args.database}: not that one")
    return args


def prepare(args: argparse.Namespace, server: str, secret: str, workdir: Path) -> tuple[str, Generated, dict[str, Any]]:
    """The database: kept from a previous run (--keep), or generated; described and checked."""
    found = existing(server, args.referrals) if args.keep else None
    if found is not None:
        url, generated = found
        _log(f"using {DATABASE}: {generated.referrals:,} referrals generated at {generated.generated_at}")
    else:
        url = create_database(server)
        generated = generate(url, args.referrals, secret, workdir)
        _log(f"generated {generated.referrals:,} referrals in {generated.seconds:.0f} s")
    for name, seconds in sorted(generated.steps.items(), key=lambda kv: -kv[1])[:12]:
        print(f"    {name:40} {seconds:8.1f} s")
    facts = describe(url)
    print(f"data: {json.dumps(facts, default=str)}", flush=True)
    problems = check_sample(url)
    if problems:
        raise RuntimeError("generated rows disagree with the Python definitions: " + "; ".join(problems))
    return url, generated, facts


def run(args: argparse.Namespace, url: str, secret: str, workdir: Path) -> list[Result]:
    """Start the app, sign in, and measure every scenario."""
    import web as webbench

    reset_password(url)
    data = load_data(url, EMAIL)
    times = workdir / "times"
    times.mkdir()
    webbench.WORKERS = args.workers
    env = {"FANLIGHT_BENCH_DATABASE_URL": url, "FANLIGHT_BENCH_SECRET_KEY": secret,
           "FANLIGHT_BENCH_UPLOADS": str(workdir / "uploads"), "FANLIGHT_INSTANCE": str(workdir),
           "FANLIGHT_BENCH_TIMES": str(times)}
    gunicorn = webbench.Server("front-door", "front_door:timed_app()", env, workdir)
    try:
        gunicorn.wait_ready("/sign-in")
        cookie, token = sign_in(gunicorn.port)
        client = Client(gunicorn.port, cookie)
        meter = webbench.CpuMeter(gunicorn.pid, DATABASE)
        rnd = random.Random(20261130)
        chosen = [*scenarios(data), claim_scenario(data, token)]
        if args.only:
            chosen = [s for s in chosen if any(part in s.key for part in args.only.split(","))]
        needed = (args.requests + args.clients) * sum(1 for s in chosen if s.key == "claim")
        if needed > len(data.to_claim):
            raise RuntimeError(f"only {len(data.to_claim)} referrals left to claim, {needed} needed: generate again")
        results = []
        print(f"\n{'scenario':70} {'p50':>7} {'p95':>8} {'max':>8}  {'client p50/p95':>14}  {'app/db CPU':>11}"
              "  load", flush=True)
        for scenario in chosen:
            result = measure(scenario, client, times, args.requests, args.clients, rnd, meter)
            results.append(result)
            verdict = "MET" if result.met else "NOT MET"
            print(f"{result.label[:70]:70} {result.p50:7.1f}  {result.p95:7.1f}  {result.max:7.1f}   "
                  f"{result.client_p50:6.0f}/{result.client_p95:<6.0f}  {result.app_cpu_ms:5.1f}/{result.db_cpu_ms:<5.1f}"
                  f"  {Path('/proc/loadavg').read_text().split()[0]:>4}  {verdict}"
                  f"{f' ({result.bad} bad)' if result.bad else ''}", flush=True)
        return results
    finally:
        if gunicorn.process.poll() is not None:
            print(gunicorn.tail())
        gunicorn.stop()


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    set_database(args.database)
    signal.signal(signal.SIGTERM, _stop)
    server = os.environ.get("FANLIGHT_BENCH_POSTGRES") or POSTGRES_DEFAULT
    workdir = Path(tempfile.mkdtemp(prefix="fanlight-front-door-"))
    secret = secrets.token_hex(32)
    try:
        print(f"machine: {machine()}", flush=True)
        url, generated, facts = prepare(args, server, secret, workdir)
        if args.generate_only:
            return 0
        results = run(args, url, secret, workdir)
        met = sum(r.met for r in results)
        print(f"\n{met} of {len(results)} scenarios MET (p95 server time <= {TARGET_MS:.0f} ms, no failed request);"
              f" load average now {Path('/proc/loadavg').read_text().split()[:3]}")
        if args.json:
            Path(args.json).write_text(json.dumps({
                "command": COMMAND, "machine": machine(), "data": facts, "generation_seconds": generated.seconds,
                "generation_steps": generated.steps, "clients": args.clients, "workers": args.workers,
                "results": [r.__dict__ for r in results]}, indent=2, default=str))
        return 0
    except KeyboardInterrupt:
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as problem:
        print(f"front_door: {problem}", file=sys.stderr)
        sys.exit(1)
