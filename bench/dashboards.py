"""Benchmark of the managers' dashboards at a million referrals (issue 10, "Benchmark").

    .venv/bin/python bench/dashboards.py                     # 1,000,000 referrals: generate (~15 min), fill, measure
    .venv/bin/python bench/dashboards.py --keep              # on the database bench/front_door.py (or a run) left
    .venv/bin/python bench/dashboards.py --referrals 20000 --database fanlight_bench_small   # a smoke test
    .venv/bin/python bench/dashboards.py --keep --profile-only      # only where the time goes (no HTTP)
    .venv/bin/python bench/dashboards.py --keep --json out.json

Target: every dashboard view for a quarter and for a year over 1,000,000 referrals on
PostgreSQL, p95 <= 200 ms server time.

In one run, on loopback only:

1. The database is bench/front_door.py's (`fanlight_bench`: its `prepare`, generated afresh or
   kept with --keep). Its generator predates migration 0013 (the reporting facts), so its
   decided events carry no decision and the new columns are empty. This script then, with
   set-based SQL (once: a kept database that has them is left as it is):
   - gives each `decided` event a decision (`detail->'decision'`: an outcome and the level
     applied, drawn from the level Fanlight suggested: 70% the same, 15% one lower, 15% one
     higher; the outcome by the level applied), as decisions.py records it;
   - fills the submissions' columns from what they are kept in step with: `decided_at`,
     `outcome`, `level_applied` from each referral's newest `decided` event; `level_referrer`
     from `answers->>'referrer_threshold_level'`; `level_suggested` from the stored evaluation's
     threshold level; `information_requested` from `information_requested` events and
     `information_requests` rows; `re_referral` when another referral with one of its match
     keys was received in the 365 days before (the previous referral per key, by a window);
   - with the submissions' plain indexes dropped while it writes and rebuilt from their own
     definitions after (as the generator does), then VACUUM ANALYZE.
   A sample of rows is checked against the Python definitions (`Submission.referrer_level_of`,
   `suggested_level_of`, `level_number`, and the match keys of `family.keys_of`).
   The dashboards' counts kept in step (`dashboard_counts`, migration 0015) are then checked
   against the referrals and written again from them (`dashboards.daily.rebuild`) when they
   differ or the facts were just filled (SQL the app's session events never see).
2. Where the time goes, in this process (no HTTP): the dashboard of each period built table by
   table (dashboard.TABLES) on the bench database, each table's time and number of queries, and
   the charts; then every table built again with the filters' own queries instead of the kept
   counts and compared, number by number and filter by filter (`--no-check` skips it); then
   EXPLAIN (ANALYZE, BUFFERS) of the slowest statements; then the CPU time of a whole signed-in
   request for each period's page, 20 of each through Flask's test client (`request_cpu`). `--prototypes` adds the prototypes of
   fewer queries measured before the counts were kept: (a) the period's single counts as one
   count(*) FILTER statement, (b) the page so built, (c) and the categories one GROUP BY a
   period. `--index make` first makes the covering index tried then (`--index drop`).
   PGOPTIONS="-c jit=off" runs it without PostgreSQL's JIT.
3. The app under gunicorn (bench/front_door.py's timed app, `gunicorn -w 2 -k sync`); a manager
   (`manager@bench.example`, role `manager`) signs in through the sign-in page; each view
   (`/dashboards/?period=quarter`, `?period=year`, and one table's CSV export for the year) is
   requested by 16 client threads at once (--clients), after a warm-up round of as many. Server time as front_door.py
   measures it (the WSGI app's own time, page rendered, session closed).

It prints p50/p95/max server time of each view against the 200 ms target (MET / NOT MET), the
load average and the other processes using CPU before and after (the machine is shared). Always
exits 0 (1 only if the run itself failed).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import secrets
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

import front_door as fd  # noqa: E402  (bench/front_door.py: generation, the timed app, the client)

COMMAND = ".venv/bin/python bench/dashboards.py"
TARGET_MS = 200.0
MANAGER = "manager@bench.example"
PASSWORD = "bench-" + secrets.token_hex(8)
VIEWS = {  # key: (label, path)
    "quarter": ("dashboard, this quarter (/dashboards/?period=quarter)", "/dashboards/?period=quarter"),
    "year": ("dashboard, this year (/dashboards/?period=year)", "/dashboards/?period=year"),
    "export-year": ("CSV export of one table, this year (by-category)",
                    "/dashboards/export/by-category.csv?period=year"),
}


def _log(message: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


# 1. The reporting facts (migration 0013's columns), consistent with the generated events -----------

# Each decided event's decision: the level applied near the level suggested, the outcome by it.
DECISIONS = """
    CREATE UNLOGGED TABLE bench_decisions AS
    WITH d AS (
        SELECT e.id AS event_id,
               CASE WHEN btrim(s.evaluation -> 'threshold' ->> 'level') IN ('1', '2', '3', '4')
                    THEN btrim(s.evaluation -> 'threshold' ->> 'level')::int ELSE 2 END AS suggested,
               random() AS r_shift, random() AS r_outcome
        FROM submission_events e JOIN submissions s ON s.id = e.submission_id
        WHERE e.kind = 'decided' AND NOT (e.detail ? 'decision')
    ), a AS (
        SELECT event_id, r_outcome,
               greatest(1, least(4, suggested + CASE WHEN r_shift < 0.15 THEN -1 WHEN r_shift < 0.30 THEN 1
                                                     ELSE 0 END)) AS applied
        FROM d
    )
    SELECT event_id, applied, CASE applied
        WHEN 1 THEN CASE WHEN r_outcome < 0.4 THEN 'nfa' WHEN r_outcome < 0.7 THEN 'information_advice'
                         ELSE 'signpost_universal' END
        WHEN 2 THEN CASE WHEN r_outcome < 0.7 THEN 'early_help' WHEN r_outcome < 0.85 THEN 'signpost_universal'
                         WHEN r_outcome < 0.95 THEN 'information_advice' ELSE 'nfa' END
        WHEN 3 THEN CASE WHEN r_outcome < 0.7 THEN 'cin_s17' WHEN r_outcome < 0.9 THEN 'early_help'
                         ELSE 'transferred' END
        ELSE CASE WHEN r_outcome < 0.7 THEN 'strategy_s47' ELSE 'cin_s17' END
    END AS outcome
    FROM a
"""
DECIDE_EVENTS = """
    UPDATE submission_events e
    SET detail = jsonb_build_object('decision', jsonb_build_object(
                     'outcome', b.outcome, 'level_applied', b.applied::text, 'reasons', 'Decided'),
                 'derived', '{}'::jsonb)
    FROM bench_decisions b WHERE e.id = b.event_id
"""
# Every submission's facts, from what each is kept in step with (as migration 0013 backfills them).
FACTS = """
    CREATE UNLOGGED TABLE bench_facts AS
    WITH decided AS (
        SELECT DISTINCT ON (submission_id) submission_id, at, detail -> 'decision' AS decision
        FROM submission_events WHERE kind = 'decided' ORDER BY submission_id, id DESC
    ), asked AS (
        SELECT submission_id FROM submission_events WHERE kind = 'information_requested'
        UNION SELECT submission_id FROM information_requests
    ), previous AS (  -- each key's referrals in order: the one before, if any, of another referral
        SELECT k.submission_id, s.received_at,
               lag(s.received_at) OVER (PARTITION BY k.kind, k.key ORDER BY s.received_at, s.id) AS before
        FROM referral_match_keys k JOIN submissions s ON s.id = k.submission_id
    ), again AS (
        SELECT DISTINCT submission_id FROM previous WHERE before >= received_at - interval '365 days'
    )
    SELECT s.id,
           CASE WHEN btrim(regexp_replace(s.answers ->> 'referrer_threshold_level', '^level_', ''))
                     IN ('1', '2', '3', '4')
                THEN btrim(regexp_replace(s.answers ->> 'referrer_threshold_level', '^level_', ''))::int
           END AS level_referrer,
           CASE WHEN btrim(s.evaluation -> 'threshold' ->> 'level') IN ('1', '2', '3', '4')
                THEN btrim(s.evaluation -> 'threshold' ->> 'level')::int END AS level_suggested,
           d.at AS decided_at,
           nullif(left(coalesce(d.decision ->> 'outcome', ''), 40), '') AS outcome,
           CASE WHEN btrim(d.decision ->> 'level_applied') IN ('1', '2', '3', '4')
                THEN btrim(d.decision ->> 'level_applied')::int END AS level_applied,
           a.submission_id IS NOT NULL AS information_requested,
           g.submission_id IS NOT NULL AS re_referral
    FROM submissions s
    LEFT JOIN decided d ON d.submission_id = s.id
    LEFT JOIN asked a ON a.submission_id = s.id
    LEFT JOIN again g ON g.submission_id = s.id
    ORDER BY s.received_at, s.id  -- the order the UPDATE writes the rows' new versions in: as received
"""
SET_FACTS = """
    UPDATE submissions s
    SET level_referrer = f.level_referrer, level_suggested = f.level_suggested, decided_at = f.decided_at,
        outcome = f.outcome, level_applied = f.level_applied, information_requested = f.information_requested,
        re_referral = f.re_referral
    FROM bench_facts f WHERE f.id = s.id
"""


# The index tried (--index): every column the dashboards' period counts read, beside received_at,
# so that each count over a period is an index-only scan of it instead of a read of the heap.
INDEX_NAME = "bench_ix_submissions_reporting"
INDEX = (f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON submissions (received_at) INCLUDE (status, agency_id,"
         " cin_referral_source, concern_categories, outcome, decided_at, due_at, level_referrer, level_suggested,"
         " level_applied, information_requested, re_referral)")


def set_index(url: str, wanted: bool) -> dict[str, Any]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        t = time.perf_counter()
        if wanted:
            c.execute(text("SET maintenance_work_mem = '1GB'"))
            c.execute(text(INDEX))
            c.execute(text("VACUUM ANALYZE submissions"))  # the visibility map, for index-only scans
        else:
            c.execute(text(f"DROP INDEX IF EXISTS {INDEX_NAME}"))
        seconds = time.perf_counter() - t
        size = c.execute(text(f"SELECT pg_size_pretty(pg_relation_size(to_regclass('{INDEX_NAME}')))")).scalar()
    engine.dispose()
    _log(f"index {INDEX_NAME}: {'made' if wanted else 'dropped'} in {seconds:.0f} s ({size or 'none'})")
    return {"index": INDEX if wanted else None, "seconds": seconds, "size": size}


def facts_filled(url: str) -> bool:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as c:
        found = c.execute(text("SELECT to_regclass('bench_facts_meta') IS NOT NULL")).scalar()
    engine.dispose()
    return bool(found)


def fill_facts(url: str) -> dict[str, float]:
    """Decisions in the decided events, then the reporting columns from the events (see the docstring)."""
    steps: dict[str, float] = {}
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        def step(name: str, sql: str) -> None:
            t = time.perf_counter()
            c.execute(text(sql))
            steps[name] = steps.get(name, 0.0) + time.perf_counter() - t
            _log(f"  {name}: {steps[name]:.0f} s")

        # The events are append-only (migration 0007's trigger): as a load, with triggers off.
        c.execute(text("SET session_replication_role = replica"))
        c.execute(text("SET maintenance_work_mem = '1GB'"))
        c.execute(text("SET work_mem = '256MB'"))
        c.execute(text("SELECT setseed(0.1013)"))
        c.execute(text("DROP TABLE IF EXISTS bench_decisions, bench_facts"))
        step("decisions drawn", DECISIONS)
        step("decided events given their decision", DECIDE_EVENTS)
        step("facts computed", FACTS)
        indexes = c.execute(text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public'"
            " AND i.tablename = 'submissions'"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)")).all()
        for name, _ in indexes:
            c.execute(text(f'DROP INDEX "{name}"'))
        step("submissions updated", SET_FACTS)
        t = time.perf_counter()
        for _name, definition in indexes:
            c.execute(text(definition))
        steps["indexes rebuilt"] = time.perf_counter() - t
        _log(f"  {len(indexes)} indexes rebuilt: {steps['indexes rebuilt']:.0f} s")
        c.execute(text("SET session_replication_role = origin"))
        c.execute(text("DROP TABLE bench_decisions, bench_facts"))
        step("vacuum analyze", "VACUUM ANALYZE submissions")
        step("vacuum analyze events", "VACUUM ANALYZE submission_events")
        c.execute(text("CREATE TABLE bench_facts_meta (filled_at timestamptz, steps text)"))
        c.execute(text("INSERT INTO bench_facts_meta VALUES (now(), :s)"), {"s": json.dumps(steps)})
    engine.dispose()
    return steps


def counts_in_step(url: str, secret: str, workdir: Path, facts_written: bool) -> dict[str, Any]:
    """The dashboards' counts kept in step (`dashboard_counts`, migration 0015), written again from the
    referrals when the facts were just written here around the app (set-based SQL the app's session
    events never see), or when they disagree with the referrals' own counts."""
    from fanlight.web import create_app, db
    from fanlight.web.dashboards import daily

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "UPLOAD_FOLDER": str(workdir / "uploads"),
                      "DEFINITIONS_PATH": str(fd.REPO / "definitions"), "SESSION_COOKIE_SECURE": False,
                      "FANLIGHT_DEMO_ACCOUNTS": False})
    kept = ("SELECT (SELECT coalesce(sum(n), 0) FROM dashboard_counts WHERE span = 'day' AND dimension = 'all'),"
            " (SELECT coalesce(sum(n), 0) FROM dashboard_counts WHERE span = 'month' AND dimension = 'decided'"
            "  AND first = 'no'), (SELECT coalesce(sum(n), 0) FROM dashboard_counts WHERE span = 'month'"
            "  AND dimension = 'outcome' AND first = 'nfa')")
    counted = ("SELECT count(*), count(*) FILTER (WHERE decided_at IS NULL),"
               " count(*) FILTER (WHERE outcome = 'nfa') FROM submissions")
    with app.app_context():
        s = db.session()
        found, wanted = tuple(s.execute(text(kept)).one()), tuple(s.execute(text(counted)).one())
        if found == wanted and not facts_written:
            _log(f"dashboard counts in step with the referrals (received, undecided, NFA: {found}): kept")
            return {"rebuilt": False}
        t = time.perf_counter()
        rows = daily.rebuild(s.connection())
        s.commit()
        seconds = time.perf_counter() - t
        s.connection().execute(text("ANALYZE dashboard_counts"))
        s.commit()
    _log(f"dashboard counts written again from the referrals: {rows:,} rows in {seconds:.0f} s")
    return {"rebuilt": True, "rows": rows, "seconds": seconds}


def check_facts(url: str) -> list[str]:
    """A sample of rows agrees with the Python definitions of each column."""
    from fanlight.web.models import Submission
    from fanlight.web.models.referrals import level_number
    from fanlight.web.triage import family

    problems: list[str] = []
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as c:
        rows = c.execute(text(
            "SELECT id, reference, answers, evaluation, received_at, level_referrer, level_suggested, decided_at,"
            " outcome, level_applied, information_requested, re_referral"
            " FROM submissions TABLESAMPLE SYSTEM (0.1) LIMIT 300")).all()
        for r in rows:
            if Submission.referrer_level_of(r.answers) != r.level_referrer:
                problems.append(f"{r.reference}: level_referrer {r.level_referrer}")
            if Submission.suggested_level_of(r.evaluation) != r.level_suggested:
                problems.append(f"{r.reference}: level_suggested {r.level_suggested}")
            newest = c.execute(text("SELECT at, detail FROM submission_events WHERE submission_id = :id"
                                    " AND kind = 'decided' ORDER BY id DESC LIMIT 1"), {"id": r.id}).first()
            decision = (newest.detail.get("decision") or {}) if newest is not None else {}
            expected = ((newest.at if newest else None), str(decision.get("outcome") or "")[:40] or None,
                        level_number(decision.get("level_applied")))
            if expected != (r.decided_at, r.outcome, r.level_applied):
                problems.append(f"{r.reference}: decision {(r.decided_at, r.outcome, r.level_applied)} not {expected}")
            asked = bool(c.execute(text(
                "SELECT EXISTS (SELECT 1 FROM submission_events WHERE submission_id = :id"
                " AND kind = 'information_requested') OR EXISTS (SELECT 1 FROM information_requests"
                " WHERE submission_id = :id)"), {"id": r.id}).scalar())
            if asked != r.information_requested:
                problems.append(f"{r.reference}: information_requested {r.information_requested}")
            keys = family.keys_of(r.answers)
            again = bool(c.execute(text(
                "SELECT EXISTS (SELECT 1 FROM unnest(CAST(:kinds AS text[]), CAST(:keys AS text[])) w(kind, key)"
                " JOIN referral_match_keys k ON k.kind = w.kind AND k.key = w.key"
                " JOIN submissions s2 ON s2.id = k.submission_id"
                " WHERE k.submission_id <> :id AND s2.received_at <= :at"
                " AND s2.received_at >= CAST(:at AS timestamptz) - interval '365 days')"),
                {"kinds": [k.kind for k in keys], "keys": [k.key for k in keys], "id": r.id,
                 "at": r.received_at}).scalar())
            if again != r.re_referral:
                problems.append(f"{r.reference}: re_referral {r.re_referral}")
    engine.dispose()
    return problems[:10]


def describe_facts(url: str) -> dict[str, Any]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as c:
        def pairs(sql: str) -> dict[str, int]:
            return {str(k): int(v) for k, v in c.execute(text(sql))}

        facts = {
            "decided": c.execute(text("SELECT count(*) FROM submissions WHERE decided_at IS NOT NULL")).scalar(),
            "by_outcome": pairs("SELECT outcome, count(*) FROM submissions GROUP BY 1 ORDER BY 2 DESC"),
            "by_level_referrer": pairs("SELECT level_referrer, count(*) FROM submissions GROUP BY 1 ORDER BY 1"),
            "by_level_suggested": pairs("SELECT level_suggested, count(*) FROM submissions GROUP BY 1 ORDER BY 1"),
            "information_requested": c.execute(text(
                "SELECT count(*) FROM submissions WHERE information_requested")).scalar(),
            "re_referrals": c.execute(text("SELECT count(*) FROM submissions WHERE re_referral")).scalar(),
            "submissions_size": c.execute(text(
                "SELECT pg_size_pretty(pg_total_relation_size('submissions'))")).scalar(),
            "submissions_heap": c.execute(text("SELECT pg_size_pretty(pg_relation_size('submissions'))")).scalar(),
        }
    engine.dispose()
    return facts


# 2. Where the time goes: each table of each period, built in this process --------------------------


def profile(url: str, secret: str, workdir: Path, kinds: tuple[str, ...], explain: int,  # noqa: C901, PLR0915
            prototypes: bool = False, check: bool = True) -> dict[str, Any]:
    """Each table's time and queries, per period; EXPLAIN ANALYZE of the slowest statements."""
    from fanlight.web import create_app, extensions
    from fanlight.web.dashboards import charts, dashboard, periods

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "UPLOAD_FOLDER": str(workdir / "uploads"),
                      "DEFINITIONS_PATH": str(fd.REPO / "definitions"), "SESSION_COOKIE_SECURE": False,
                      "FANLIGHT_DEMO_ACCOUNTS": False})
    engine = extensions.db_engine(app)
    seen: list[tuple[str, Any, float]] = []
    started: dict[int, float] = {}

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        started[id(cursor)] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        seen.append((statement, parameters, (time.perf_counter() - started.pop(id(cursor), time.perf_counter()))
                     * 1000))

    found: dict[str, Any] = {}
    slowest: list[tuple[float, str, str, Any]] = []
    with app.test_request_context("/dashboards/"):
        from fanlight.web import clock

        for kind in kinds:
            now = clock.now()
            period = periods.period_of(kind, dashboard.today(now))
            rows: dict[str, Any] = {}
            seen.clear()
            t0 = time.perf_counter()
            scope = dashboard.scope_for(period, now)
            rows["(choices: agencies, staff)"] = {"ms": (time.perf_counter() - t0) * 1000, "queries": len(seen),
                                                  "db_ms": sum(s[2] for s in seen)}
            for key, builder in dashboard.TABLES.items():
                seen.clear()
                t = time.perf_counter()
                builder(scope)
                rows[key] = {"ms": (time.perf_counter() - t) * 1000, "queries": len(seen),
                             "db_ms": sum(s[2] for s in seen),
                             "slowest_ms": max((s[2] for s in seen), default=0.0)}
                slowest.extend((ms, kind, key, (statement, parameters)) for statement, parameters, ms in seen)
            tables = {key: builder(scope) for key, builder in dashboard.TABLES.items()}
            for _ in range(2):  # the second time: pygal warm, as in a worker that has drawn before
                t = time.perf_counter()
                for section in dashboard.SECTIONS:
                    for key in section.charts:
                        charts.chart(tables[key])
            rows["(charts: pygal SVG, no query)"] = {"ms": (time.perf_counter() - t) * 1000, "queries": 0,
                                                     "db_ms": 0.0}
            batched = _prototypes(scope, engine, seen, tables, period, now) if prototypes else {}
            total = sum(r["ms"] for r in rows.values())
            found[kind] = {"period": f"{period.start} to {period.end}", "previous":
                           f"{period.previous().start} to {period.previous().end}", "tables": rows,
                           "total_ms": total, "queries": sum(r["queries"] for r in rows.values()),
                           "batched": batched, "checked": _check_counts(scope, tables) if check else None}
            print(f"\n{kind}: {period.start} to {period.end} (previous {period.previous().start} to "
                  f"{period.previous().end}): {found[kind]['queries']} queries, {total:,.0f} ms in all, one "
                  "request alone", flush=True)
            print(f"    {'table':28} {'queries':>7} {'ms':>9} {'db ms':>9} {'slowest query ms':>17}")
            for key, r in rows.items():
                print(f"    {key:28} {r['queries']:7d} {r['ms']:9.1f} {r['db_ms']:9.1f} "
                      f"{r.get('slowest_ms', 0.0):17.1f}", flush=True)
            _print_check(found[kind]["checked"])
            if not prototypes:
                continue
            b = batched
            print(f"    prototype: the {b['counts']} single counts of the period (of {b['queries']} queries) as ONE"
                  f" statement, count(*) FILTER (WHERE <each filter's WHERE>): {b['ms']:.1f} ms"
                  f" (as separate queries: {b['separate_ms']:.1f} ms); same numbers: {b['same']}", flush=True)
            print(f"    prototype page: every table built with the counts prefetched so: {b['page_statements']}"
                  f" statements, {b['page_ms']:,.0f} ms (tables only, no charts); same tables: {b['page_same']}",
                  flush=True)
            print(f"    prototype page, and the categories one GROUP BY a period: {b['grouped_statements']}"
                  f" statements, {b['grouped_ms']:,.0f} ms (tables only, no charts); same tables: {b['grouped_same']}",
                  flush=True)
        plans: list[dict[str, Any]] = []
        if explain:
            slowest.sort(key=lambda s: -s[0])
            done: set[tuple[str, str]] = set()
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                for ms, kind, key, (statement, parameters) in slowest:
                    if len(plans) >= explain or (kind, key) in done:
                        continue
                    done.add((kind, key))
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                    plans.append({"period": kind, "table": key, "ms": ms, "sql": _inline(statement, parameters),
                                  "plan": plan})
                    print(f"\n--- {kind} / {key}: {ms:.1f} ms in the page\n{_inline(statement, parameters)}\n{plan}",
                          flush=True)
                raw.rollback()
            finally:
                raw.close()
        found["explained"] = plans
    found["request_cpu"] = request_cpu(app, url, kinds)
    engine.dispose()
    return found


def request_cpu(app: Any, url: str, kinds: tuple[str, ...], requests: int = 20) -> dict[str, Any]:
    """The CPU of a whole signed-in request for each period's page, in this process (Flask's test
    client: routing, session, the tables, the charts, the HTML): a busy machine stretches a
    request's server time by the wait for a core, not its CPU time. After two unmeasured requests."""
    import statistics

    import web as webbench

    set_manager(url)
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    signed_in = client.post("/sign-in", data={"email": MANAGER, "password": PASSWORD,
                                              "csrf_token": webbench.csrf_from(page)})
    if signed_in.status_code != 302:
        raise RuntimeError(f"POST /sign-in (test client): {signed_in.status_code}")
    found: dict[str, Any] = {}
    for kind in kinds:
        spent = []
        for number in range(requests + 2):
            started = time.process_time()
            response = client.get(f"/dashboards/?period={kind}")
            if response.status_code != 200:
                raise RuntimeError(f"GET /dashboards/?period={kind} (test client): {response.status_code}")
            if number >= 2:
                spent.append((time.process_time() - started) * 1000)
        spent.sort()
        found[kind] = {"requests": requests, "median_ms": statistics.median(spent),
                       "mean_ms": statistics.fmean(spent), "p95_ms": spent[int(0.95 * (len(spent) - 1))],
                       "max_ms": spent[-1], "bytes": len(response.data)}
        f = found[kind]
        print(f"{kind}: a whole signed-in request, CPU ms over {requests} in this process: median "
              f"{f['median_ms']:.1f}, mean {f['mean_ms']:.1f}, p95 {f['p95_ms']:.1f}, max {f['max_ms']:.1f} "
              f"({f['bytes']:,} bytes; load {Path('/proc/loadavg').read_text().split()[0]})", flush=True)
    return found


def _prototypes(scope: Any, engine: Any, seen: list[Any], tables: dict[str, Any], period: Any,
                now: datetime.datetime) -> dict[str, Any]:
    """The prototypes measured before the counts were kept in step (--prototypes): (a), (b), (c)."""
    batched = _batched(scope, engine)
    seen.clear()
    t = time.perf_counter()
    proto, _statements = prefetched_build(period, now)
    batched["page_ms"] = (time.perf_counter() - t) * 1000
    batched["page_statements"] = len(seen)
    batched["page_same"] = _same(tables, proto)
    seen.clear()
    t = time.perf_counter()
    proto, _statements = prefetched_build(period, now, categories_grouped=True)
    batched["grouped_ms"] = (time.perf_counter() - t) * 1000
    batched["grouped_statements"] = len(seen)
    batched["grouped_same"] = _same(tables, proto)
    return batched


def _print_check(checked: dict[str, Any] | None) -> None:
    if checked is not None:
        print(f"    every table counted again with the filters' own queries (not the kept counts): "
              f"{checked['ms']:,.0f} ms; the same numbers and filters: {checked['same']}"
              f"{'' if checked['same'] else ' (differ: ' + ', '.join(checked['differ']) + ')'}", flush=True)


class _NotKept:
    """A Counter's kept counts that answer nothing: every figure counted with its filter's own query."""

    def count(self, _chosen: Any) -> None:
        return None

    def by(self, _chosen: Any, _fields: Any) -> None:
        return None

    def hours(self, _chosen: Any) -> None:
        return None


def _check_counts(scope: Any, tables: dict[str, Any]) -> dict[str, Any]:
    """The page's tables (read from the kept counts) against the same tables counted with the
    filters' own queries over the million referrals: every number and every filter behind it."""
    from dataclasses import replace

    from fanlight.web.dashboards import dashboard
    from fanlight.web.dashboards.figures import Counter

    counter = Counter(scope.counter.session, scope.counter.now)
    counter.kept = _NotKept()  # type: ignore[assignment]
    plain = replace(scope, counter=counter)
    t = time.perf_counter()
    counted = {key: builder(plain) for key, builder in dashboard.TABLES.items()}
    differ = [key for key in tables if not _same({key: tables[key]}, {key: counted[key]})]
    return {"ms": (time.perf_counter() - t) * 1000, "same": not differ, "differ": differ}


def _batched(scope: Any, engine: Any) -> dict[str, Any]:
    """A prototype of fewer queries: every single count (Counter.count) the period's tables make,
    over the period and the one before, in one statement of count(*) FILTER (WHERE <that filter's
    own conditions>), checked against the counts one at a time."""
    from sqlalchemy import and_, func, select, true

    from fanlight.web.dashboards import dashboard
    from fanlight.web.dashboards.figures import Counter
    from fanlight.web.models import Submission
    from fanlight.web.triage.deadlines import start_of_day as local_midnight

    counted: list[tuple[Any, int, float]] = []

    class Recording(Counter):
        def count(self, chosen: Any, id: str = "") -> Any:  # noqa: A002
            t = time.perf_counter()
            cell = super().count(chosen, id)
            counted.append((chosen, cell.count, (time.perf_counter() - t) * 1000))
            return cell

    recording = Recording(scope.counter.session, scope.counter.now)
    mine = type(scope)(scope.period, scope.previous, scope.choices, recording)
    queries = [0]

    def _count(*_a: Any) -> None:
        queries[0] += 1

    event.listen(engine, "after_cursor_execute", _count)
    try:
        for builder in dashboard.TABLES.values():
            builder(mine)
    finally:
        event.remove(engine, "after_cursor_execute", _count)
    bound = [(f, n, ms) for f, n, ms in counted if f.received_from and f.received_to]
    unique = list({f: (f, n, ms) for f, n, ms in bound}.values())
    now = scope.counter.now
    first = min(f.received_from for f, _, _ in unique)
    last = max(f.received_to for f, _, _ in unique)
    statement = select(*(func.count().filter(and_(true(), *f.where(now))) for f, _, _ in unique)).select_from(
        Submission).where(Submission.received_at >= local_midnight(first),
                          Submission.received_at < local_midnight(last + datetime.timedelta(days=1)))
    session = scope.counter.session
    session.execute(statement).one()  # planned once
    t = time.perf_counter()
    row = session.execute(statement).one()
    ms = (time.perf_counter() - t) * 1000
    return {"counts": len(bound), "distinct": len(unique), "queries": queries[0], "ms": ms,
            "separate_ms": sum(m for _, _, m in bound),
            "same": all(row[i] == n for i, (_, n, _) in enumerate(unique))}


def _categories_grouped(scope: Any) -> Any:
    """demand.by_category with one GROUP BY a period over each referral's categories (its
    `concern_categories` split: each a count of `category=<value>`, as a referral names a category
    once) instead of a count per category and period: the same rows, cells and filters."""
    from dataclasses import replace

    from sqlalchemy import func, select, true

    from fanlight.web.dashboards.figures import Cell, Row, Table
    from fanlight.web.models import Submission

    def grouped(chosen: Any) -> dict[str, int]:
        split = func.unnest(func.string_to_array(func.btrim(Submission.concern_categories), " ")).table_valued(
            "value").render_derived(name="category")
        statement = (select(split.c.value, func.count()).select_from(Submission).join(split, true())
                     .where(*chosen.where(scope.counter.now)).group_by(split.c.value))
        return {str(v): int(n) for v, n in scope.counter.session.execute(statement)}

    now, before = grouped(scope.now), grouped(scope.before)
    rows = []
    for value, label in scope.choices.categories:
        here = Cell(now.get(value, 0), replace(scope.now, category=value))
        there = Cell(before.get(value, 0), replace(scope.before, category=value))
        if here.count or there.count:
            rows.append(Row(label, (here, there)))
    return Table("by-category", "Contacts received by category of concern", ("Category of concern", *scope.periods),
                 tuple(rows), note="A referral may give several categories: the rows can add up to more than the "
                                   "contacts received. Categories with no referral in either period are left out.")


def prefetched_build(period: Any, now: datetime.datetime,  # noqa: C901
                     categories_grouped: bool = False) -> tuple[dict[str, Any], int]:
    """A prototype of the page's queries cut from about 110 to about 20 (the change proposed in
    /tmp/dashboards-bench-proposal.md, done here from outside the app): the tables are built
    twice, the first time only noting the single counts they ask for (answered 0) while their
    GROUP BYs and percentiles run and are kept; then every count bound to a period is counted in
    ONE statement (count(*) FILTER (WHERE <that filter's own conditions>) over the referrals
    received between the first and the last day of the two periods), the others one by one; the
    second build reads them all. Returns the tables and the number of statements."""
    from sqlalchemy import and_, func, select, true

    from fanlight.web.dashboards import dashboard
    from fanlight.web.dashboards.figures import Cell, Counter
    from fanlight.web.dashboards.tables import timeliness
    from fanlight.web.models import Submission
    from fanlight.web.triage.deadlines import start_of_day as local_midnight

    class Prefetching(Counter):
        def __init__(self, session: Any, at: datetime.datetime) -> None:
            super().__init__(session, at)
            self.known: dict[Any, int] = {}
            self.grouped: dict[Any, Any] = {}
            self.kept = _NotKept()  # type: ignore[assignment]  # the prototypes count the filters themselves
            self.wanted: list[Any] = []
            self.recording = True

        def count(self, chosen: Any, id: str = "") -> Any:  # noqa: A002
            if chosen in self.known:
                return Cell(self.known[chosen], chosen, id)
            if self.recording:
                self.wanted.append(chosen)
                return Cell(0, chosen, id)
            return super().count(chosen, id)

        def by(self, chosen: Any, column: Any, field: str) -> Any:
            key = ("by", chosen, str(column), field)
            if key not in self.grouped:
                self.grouped[key] = super().by(chosen, column, field)
            return self.grouped[key]

        def pairs(self, chosen: Any, columns: Any, fields: Any) -> Any:
            key = ("pairs", chosen, tuple(str(c) for c in columns), fields)
            if key not in self.grouped:
                self.grouped[key] = super().pairs(chosen, columns, fields)
            return self.grouped[key]

        def fetch(self) -> int:
            """The counts wanted: those of a period in one statement, the others one by one."""
            wanted = list(dict.fromkeys(self.wanted))
            bound = [f for f in wanted if f.received_from and f.received_to]
            statements = 0
            if bound:
                first = min(f.received_from for f in bound)
                last = max(f.received_to for f in bound)
                row = self.session.execute(select(
                    *(func.count().filter(and_(true(), *f.where(self.now))) for f in bound)).select_from(
                    Submission).where(Submission.received_at >= local_midnight(first),
                                      Submission.received_at < local_midnight(last + datetime.timedelta(days=1)))).one()
                self.known.update(zip(bound, row, strict=True))
                statements += 1
            for f in wanted:
                if f not in self.known:
                    self.known[f] = self.session.scalar(f.count_query(self.now)) or 0
                    statements += 1
            self.recording = False
            return statements

    original_hours = timeliness.hours
    measured: dict[Any, Any] = {}

    def hours(counter: Any, decided: Any) -> Any:
        if decided not in measured:
            measured[decided] = original_hours(counter, decided)
        return measured[decided]

    scope = dashboard.scope_for(period, now)
    counter = Prefetching(scope.counter.session, now)
    scope = type(scope)(scope.period, scope.previous, scope.choices, counter)
    timeliness.hours = hours
    builders = dict(dashboard.TABLES)
    if categories_grouped:
        built: dict[str, Any] = {}

        def by_category(s: Any) -> Any:  # once: both builds read the same table
            if "table" not in built:
                built["table"] = _categories_grouped(s)
            return built["table"]

        builders["by-category"] = by_category
    try:
        for builder in builders.values():
            builder(scope)
        statements = 2 + len(counter.grouped) + len(measured) + counter.fetch()  # 2: the choices
        tables = {key: builder(scope) for key, builder in builders.items()}
    finally:
        timeliness.hours = original_hours
    return tables, statements


def _same(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """Two builds' tables show the same numbers, with the same filters behind them."""
    def shown(tables: dict[str, Any]) -> list[Any]:
        return [(k, [(row.label, [getattr(v, "text", v) for v in row.values]) for row in t.rows],
                 [c.filter for c in t.cells()]) for k, t in tables.items()]
    return shown(first) == shown(second)


def _inline(statement: str, parameters: Any) -> str:
    """A statement with its parameters written in (for reading and for psql)."""
    if isinstance(parameters, dict):
        out = statement
        for name in sorted(parameters, key=len, reverse=True):
            value = parameters[name]
            shown = f"'{value}'" if isinstance(value, (str, datetime.date, datetime.datetime)) else str(value)
            out = out.replace(f"%({name})s", shown)
        return " ".join(out.split())
    return " ".join(statement.split()) + f"  -- {parameters!r}"


# 3. The views over HTTP --------------------------------------------------------------------------------


def set_manager(url: str) -> None:
    """The bench manager's account, with this run's password (made the first time)."""
    from fanlight.web.accounts.service import DEFAULT_HASHER

    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as c:
        c.execute(text(
            "INSERT INTO users (email, name, role, agency, agency_id, password_hash, active, session_nonce, created_at)"
            " SELECT CAST(:e AS varchar), 'Bench Manager', 'manager', '', '', 'x', true, '', now()"
            " WHERE NOT EXISTS (SELECT 1 FROM users WHERE email = :e)"), {"e": MANAGER})
        c.execute(text("UPDATE users SET password_hash = :h, session_nonce = '', role = 'manager', active = true,"
                       " email_verified_at = coalesce(email_verified_at, now()) WHERE email = :e"), {"h": DEFAULT_HASHER.hash(PASSWORD), "e": MANAGER})
        c.execute(text("DELETE FROM sign_in_throttles"))
    engine.dispose()


def sign_in_manager(port: int) -> str:
    """As front_door.sign_in, for the manager: the session cookie (checked on the dashboard)."""
    import web as webbench

    browser = webbench.Browser(port)
    _status, _, page = browser.request("GET", "/sign-in")
    status, _, body = browser.request("POST", "/sign-in", form=[("email", MANAGER), ("password", PASSWORD),
                                                                ("csrf_token", webbench.csrf_from(page))])
    if status != 302:
        raise RuntimeError(f"POST /sign-in: {status}\n{body[:300]}")
    status, _, _page = browser.request("GET", "/dashboards/?period=today")
    if status != 200:
        raise RuntimeError(f"GET /dashboards/: {status}")
    return str(browser.cookie_header)


def measure_views(args: argparse.Namespace, url: str, secret: str, workdir: Path) -> list[fd.Result]:
    import web as webbench

    set_manager(url)
    times = workdir / "times"
    times.mkdir()
    webbench.WORKERS = args.workers
    env = {"FANLIGHT_BENCH_DATABASE_URL": url, "FANLIGHT_BENCH_SECRET_KEY": secret,
           "FANLIGHT_BENCH_UPLOADS": str(workdir / "uploads"), "FANLIGHT_INSTANCE": str(workdir),
           "FANLIGHT_BENCH_TIMES": str(times)}
    gunicorn = webbench.Server("dashboards", "front_door:timed_app()", env, workdir)
    try:
        gunicorn.wait_ready("/sign-in")
        client = fd.Client(gunicorn.port, sign_in_manager(gunicorn.port))
        meter = webbench.CpuMeter(gunicorn.pid, fd.DATABASE)
        rnd = random.Random(20261130)
        chosen = [k for k in VIEWS if not args.only or any(p in k for p in args.only.split(","))]
        results = []
        print(f"\n{'view':60} {'p50':>8} {'p95':>8} {'max':>8}  {'client p50/p95':>15}  {'app/db CPU ms':>13}  load",
              flush=True)
        for key in chosen:
            label, path = VIEWS[key]
            scenario = fd.Scenario(key, label, lambda _rnd, _i, path=path: fd.Request("GET", path))
            result = fd.measure(scenario, client, times, args.requests, args.clients, rnd, meter)
            results.append(result)
            met = result.bad == 0 and result.p95 <= TARGET_MS
            print(f"{label[:60]:60} {result.p50:8.1f} {result.p95:8.1f} {result.max:8.1f}  "
                  f"{result.client_p50:7.0f}/{result.client_p95:<7.0f}  "
                  f"{result.app_cpu_ms:6.0f}/{result.db_cpu_ms:<6.0f}  "
                  f"{Path('/proc/loadavg').read_text().split()[0]:>4}  {'MET' if met else 'NOT MET'}"
                  f"{f' ({result.bad} bad)' if result.bad else ''}", flush=True)
        return results
    finally:
        if gunicorn.process.poll() is not None:
            print(gunicorn.tail())
        gunicorn.stop()


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true",
                        help="use the database a previous run (or bench/front_door.py) left, if it has as many")
    parser.add_argument("--requests", type=int, default=32, help="measured requests per view (default 32)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2, one a core)")
    parser.add_argument("--only", help="only the views whose key contains one of these (quarter,year,export)")
    parser.add_argument("--explain", type=int, default=6, help="EXPLAIN ANALYZE this many of the slowest (default 6)")
    parser.add_argument("--profile-only", action="store_true", help="where the time goes only (no HTTP)")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--prototypes", action="store_true",
                        help="also the prototypes measured before the counts were kept in step (slow)")
    parser.add_argument("--no-check", action="store_true",
                        help="skip counting every table again with the filters' own queries (about a minute)")
    parser.add_argument("--index", choices=("keep", "make", "drop"), default="keep",
                        help=f"the index tried, {INDEX_NAME}: make it, drop it, or leave it as it is (default)")
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--database", default="fanlight_bench", help="the database's name (default fanlight_bench)")
    args = parser.parse_args(argv)
    if args.database in ("test", "postgres", "template0", "template1"):
        parser.error(f"--database {args.database}: not that one")
    return args


def main(argv: list[str] | None = None) -> int:
    import web as webbench

    args = _arguments(argv)
    fd.set_database(args.database)
    signal.signal(signal.SIGTERM, fd._stop)
    server = os.environ.get("FANLIGHT_BENCH_POSTGRES") or fd.POSTGRES_DEFAULT
    workdir = Path(tempfile.mkdtemp(prefix="fanlight-dashboards-"))
    secret = secrets.token_hex(32)
    about: dict[str, Any] = {"command": COMMAND, "machine": fd.machine(), "busy_before": webbench.busy_neighbours()}
    try:
        print(f"machine: {about['machine']}\nbusy before: {', '.join(about['busy_before']) or 'nothing'}", flush=True)
        fd_args = argparse.Namespace(referrals=args.referrals, keep=args.keep)
        url, generated, facts = fd.prepare(fd_args, server, secret, workdir)
        written = not facts_filled(url)
        if not written:
            _log("reporting facts already filled (bench_facts_meta): kept")
        else:
            _log("filling the reporting facts (migration 0013's columns) from the events")
            about["facts_steps"] = fill_facts(url)
        about["counts"] = counts_in_step(url, secret, workdir, written)
        problems = check_facts(url)
        if problems:
            raise RuntimeError("reporting facts disagree with the Python definitions: " + "; ".join(problems))
        if args.index != "keep":
            about["index"] = set_index(url, args.index == "make")
        about["data"] = {**facts, **describe_facts(url)}
        print(f"reporting facts: {json.dumps(describe_facts(url), default=str)}", flush=True)
        if not args.no_profile:
            about["profile"] = profile(url, secret, workdir, ("quarter", "year"), args.explain, args.prototypes,
                                       not args.no_check)
        results: list[fd.Result] = []
        if not args.profile_only:
            results = measure_views(args, url, secret, workdir)
            met = sum(r.bad == 0 and r.p95 <= TARGET_MS for r in results)
            print(f"\n{met} of {len(results)} views MET (p95 server time <= {TARGET_MS:.0f} ms, no failed request)")
        about["load_after"] = Path("/proc/loadavg").read_text().split()[:3]
        about["busy_after"] = webbench.busy_neighbours()
        print(f"load average now {about['load_after']}; busy after: {', '.join(about['busy_after']) or 'nothing'}")
        if args.json:
            Path(args.json).write_text(json.dumps({**about, "clients": args.clients, "workers": args.workers,
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
        print(f"dashboards: {problem}", file=sys.stderr)
        sys.exit(1)
