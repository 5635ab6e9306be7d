"""Benchmark of delivery (issue 14, "Benchmark"): decided referrals delivered to a case system on
127.0.0.1 by 1, 2 and 4 `fanlight worker` processes, on PostgreSQL.

    .venv/bin/python bench/delivery.py                          # 2,000 deliveries for each of 1, 2, 4 workers
    .venv/bin/python bench/delivery.py --deliveries 5000 --workers 1 2 4 8 --receivers 2 --json out.json

On loopback only: a fresh database on the local PostgreSQL server (FANLIGHT_BENCH_POSTGRES names
another; never the tests' `test`) is migrated and the bundled definitions published. One referral
is made through the real code path: sent through POST /api/v1/referrals (the complete
cause-for-concern answers of definitions/tests), claimed and decided (early help) by a front-door
officer, which schedules its delivery with the bundled mapping (definitions/mappings/case-system.yaml)
and its case note (that record is then put out of the runs' way: never due).

The case system is a ThreadingHTTPServer in its own process (--receivers of them share the port
with SO_REUSEPORT), so it does not share a GIL with the workers or the measurement: it checks each
request's HMAC-SHA256 signature and answers 201 {"id": ...}.

For each worker count: the receiver and the workers (`fanlight worker --poll 0.05`, environment as
tests/web/delivery/test_faults.py) are started, and once each worker has said it is delivering,
a fresh set of N decided referrals is cloned from the real one in bulk, in one transaction:
drafts and submissions by INSERT ... SELECT over unnest (each with its own id and reference,
status decided), and a pending delivery each by executemany (its own idempotency key, the payload
the mapping renders for its own reference, the real case note, due a millisecond apart in the
second before, as if decided then), and the table ANALYZEd (as autovacuum would have). The
clock runs from that commit until every delivery is `delivered` (counted every 20 ms), so the
workers' start-up is not timed. Fresh rows per run rather than a reset: submission_events is
append-only. Each delivery is the worker's whole cycle: the claim (SELECT ... FOR UPDATE SKIP
LOCKED, compare-and-set to sending, the attempt row; one transaction), the record read again,
the signed POST, and the outcome (the attempt closed, the record delivered, the referral moved
to delivered with its event; one transaction).

It prints deliveries per second for each worker count, the claim-to-outcome time of an attempt
(p50, p99), and the CPU each delivery cost the workers, PostgreSQL's backends and the receiver;
and exits 0 (1 if any delivery or referral was not delivered, or the receiver saw a bad
signature). The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import hmac
import json
import multiprocessing
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

import web as webbench  # noqa: E402  (bench/web.py: the database, the complete answers)
from fanlight.engine.mappings import render_payload  # noqa: E402
from fanlight.web import create_app, db, extensions, migrate  # noqa: E402
from fanlight.web.accounts.service import create_user  # noqa: E402
from fanlight.web.api import clients  # noqa: E402
from fanlight.web.delivery import adapters, records  # noqa: E402
from fanlight.web.models import Delivery, Submission, User  # noqa: E402
from fanlight.web.triage import decisions, workflow  # noqa: E402

SERVER = os.environ.get("FANLIGHT_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
AGENCY = "county-police"
MAPPING = "case-system-referral"
RECEIVER_SECRET = "bench-receiver-secret"  # noqa: S105 (the bench's own shared secret)
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
EARLY_HELP = {"outcome": "early_help", "level_applied": "2", "primary_need": "N1",
              "reasons": "Attendance has fallen and the family asked for support.",
              "reason_for_referrer": "The early help team will contact the family."}
NOT_YET = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)
_TICK = os.sysconf("SC_CLK_TCK")


# The case system ---------------------------------------------------------------------------------


def _receive(port: int, ready: Any, stop: Any, results: Any) -> None:
    """One receiver process: answer until told to stop, then report what it saw and its CPU."""
    secret = RECEIVER_SECRET.encode()
    seen = {"requests": 0, "bad": 0}
    keys: set[str] = set()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            return

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            stamp = self.headers.get("Fanlight-Timestamp", "")
            expected = "sha256=" + hmac.new(secret, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
            good = hmac.compare_digest(expected, self.headers.get("Fanlight-Signature", ""))
            key = self.headers.get("Idempotency-Key", "")
            with lock:
                seen["requests"] += 1
                seen["bad"] += not good
                keys.add(key)
            status, data = (201, b'{"id": "CASE-' + key[-12:].encode() + b'"}') if good else (401, b"{}")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128

        def server_bind(self) -> None:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            super().server_bind()

    server = Server(("127.0.0.1", port), Handler)
    ready.put(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    stop.wait()
    server.shutdown()
    server.server_close()
    results.put({"requests": seen["requests"], "bad": seen["bad"], "keys": sorted(keys),
                 "cpu": time.process_time()})


@dataclasses.dataclass
class Receivers:
    processes: list[Any]
    stop: Any
    results: Any
    url: str

    @classmethod
    def start(cls, count: int) -> Receivers:
        context = multiprocessing.get_context("fork")
        ready, results, stop = context.Queue(), context.Queue(), context.Event()
        processes = []
        port = 0
        for _ in range(count):
            process = context.Process(target=_receive, args=(port, ready, stop, results), daemon=True)
            process.start()
            processes.append(process)
            port = ready.get(timeout=30)
        return cls(processes, stop, results, f"http://127.0.0.1:{port}/referrals")

    def finish(self) -> dict[str, Any]:
        self.stop.set()
        reports = [self.results.get(timeout=30) for _ in self.processes]
        for process in self.processes:
            process.join(10)
        keys: set[str] = set()
        for report in reports:
            keys.update(report["keys"])
        return {"requests": sum(r["requests"] for r in reports), "bad": sum(r["bad"] for r in reports),
                "keys": keys, "cpu": sum(r["cpu"] for r in reports)}


# The database ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Origin:
    """The one referral made through the real code path, and its delivery, to clone."""

    submission_id: str
    draft_id: str
    facts: Any  # its DecidedReferral, as the mapping read it
    case_note: str
    payload: dict[str, Any]  # as the decision stored it
    mapping_version: int
    submission_columns: list[str]
    draft_columns: list[str]


def prepare(url: str, secret: str, workdir: Path) -> tuple[Any, Origin]:
    """Migrate, publish the bundled definitions, and send, claim and decide one referral."""
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "UPLOAD_FOLDER": str(workdir / "uploads"),
                      "DEFINITIONS_PATH": str(REPO / "definitions"), "SESSION_COOKIE_SECURE": False,
                      "FANLIGHT_DEMO_ACCOUNTS": False})
    with app.app_context():
        extensions.catalogue(app).refresh(db.session(), force=True)
        token = clients.create("Benchmark police system", AGENCY).token
        officer = create_user("officer@bench.example", "Bench Officer", "front_door_officer",
                              secrets.token_urlsafe(16))
        db.session().commit()
        officer_id = officer.id
        db.session().close()
    answers = {**webbench.complete_answers(), "secure_email": "pc.bench@demo-police.example",
               "agency_type": "police", "referrer_agency": "County Police"}
    sent = app.test_client().post("/api/v1/referrals", json={"form": "cause-for-concern", "answers": answers},
                                  headers={"Authorization": f"Bearer {token}",
                                           "Idempotency-Key": secrets.token_hex(16)})
    if sent.status_code != 201:
        raise SystemExit(f"the referral was not sent: {sent.status_code} {sent.get_data(as_text=True)[:500]}")
    reference = sent.get_json()["reference"]
    with app.app_context():
        s = db.session()
        referral = s.scalar(select(Submission).where(Submission.reference == reference))
        officer = s.get(User, officer_id)
        assert referral is not None and officer is not None
        workflow.claim(referral, officer)
        with app.test_request_context():
            evaluation = decisions.decide(referral, dict(EARLY_HELP), officer)
        if not evaluation.complete or evaluation.errors:
            raise SystemExit(f"the referral was not decided: {evaluation.errors}")
        s = db.session()
        referral = s.scalar(select(Submission).where(Submission.reference == reference))
        assert referral is not None
        delivery = s.scalar(select(Delivery).where(Delivery.submission_id == referral.id))
        if referral.status != "decided" or delivery is None or delivery.state != "pending":
            raise SystemExit(f"the decision did not schedule a pending delivery ({referral.status}, {delivery})")
        decided_at = delivery.created_at
        facts = records.decided(referral, dict(EARLY_HELP), decided_at)
        compiled = extensions.catalogue().definitions.compiled_mappings[MAPPING]
        if render_payload(compiled, facts) != delivery.payload:
            raise SystemExit("the mapping rendered another payload than the decision stored")

        def columns(table: str) -> list[str]:
            return list(s.scalars(text("SELECT column_name FROM information_schema.columns WHERE table_name = :t "
                                       "AND table_schema = current_schema() ORDER BY ordinal_position"), {"t": table}))

        s.execute(text("UPDATE deliveries SET next_attempt_at = :never WHERE id = :id"),
                  {"never": NOT_YET, "id": delivery.id})  # it stays out of the runs (pending, never due)
        s.commit()
        origin = Origin(referral.id, referral.draft_id, facts, delivery.case_note, delivery.payload,
                        delivery.mapping_version,
                        columns("submissions"), columns("drafts"))
        s.close()
    return app, origin


def _reference() -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"FL-{body[:4]}-{body[4:]}"


def _clone(table: str, columns: list[str], replaced: dict[str, str], alias: str) -> str:
    chosen = ", ".join(replaced.get(c, f"{alias}.{c}") for c in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {chosen}"


def seed(app: Any, c: Any, origin: Origin, count: int) -> tuple[int, int]:
    """N decided referrals, cloned from the origin, each with its pending delivery, due a
    millisecond apart in the second before now (as if decided then), and the table analysed (as
    autovacuum would have), on the connection `c`, uncommitted: the range of their delivery ids."""
    ids = [secrets.token_hex(16) for _ in range(count)]
    drafts = [secrets.token_hex(16) for _ in range(count)]
    references: list[str] = []
    while len(references) < count:
        references = list(dict.fromkeys([*references, *(_reference() for _ in range(count - len(references)))]))
    due = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    with app.app_context():
        compiled = extensions.catalogue().definitions.compiled_mappings[MAPPING]
        rows = [{"key": f"fanlight-{secrets.token_hex(16)}", "submission_id": i, "destination": "case-system",
                 "mapping_id": MAPPING, "mapping_version": origin.mapping_version,
                 "payload": render_payload(compiled, dataclasses.replace(origin.facts, reference=r)),
                 "case_note": origin.case_note, "state": "pending", "attempts": 0,
                 "next_attempt_at": due - datetime.timedelta(milliseconds=count - k),
                 "created_at": due - datetime.timedelta(milliseconds=count - k), "claimed_by": "", "last_error": ""}
                for k, (i, r) in enumerate(zip(ids, references, strict=True))]
    c.execute(text(_clone("drafts", origin.draft_columns, {"id": "g.id"}, "d")
                   + " FROM drafts d, unnest(CAST(:ids AS text[])) AS g(id) WHERE d.id = :origin"),
              {"ids": drafts, "origin": origin.draft_id})
    c.execute(text(_clone("submissions", origin.submission_columns,
                          {"id": "g.id", "reference": "g.reference", "draft_id": "g.draft", "status": "'decided'"}, "o")
                   + " FROM submissions o, unnest(CAST(:ids AS text[]), CAST(:references AS text[]), "
                     "CAST(:drafts AS text[])) AS g(id, reference, draft) WHERE o.id = :origin"),
              {"ids": ids, "references": references, "drafts": drafts, "origin": origin.submission_id})
    c.execute(insert(Delivery.__table__), rows)
    first, last = c.execute(text("SELECT min(id), max(id) FROM deliveries WHERE submission_id = ANY(:ids)"),
                            {"ids": ids}).one()
    c.execute(text("ANALYZE deliveries"))
    return first, last


# The workers -------------------------------------------------------------------------------------


def start_worker(url: str, secret: str, workdir: Path, receiver_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "FANLIGHT_DEFINITIONS": str(REPO / "definitions"),
           "FANLIGHT_INSTANCE": str(workdir), "FANLIGHT_SECRET_KEY": secret,
           "FANLIGHT_DESTINATION_CASE_SYSTEM": receiver_url, "FANLIGHT_DESTINATION_CASE_SYSTEM_SECRET": RECEIVER_SECRET,
           "FANLIGHT_DELIVERY_TIMEOUT_SECONDS": "10", "FANLIGHT_ENV": "development", "FANLIGHT_DEMO_ACCOUNTS": "0"}
    command = [sys.executable, "-c", "import sys; from fanlight.console import main; sys.exit(main())",
               "worker", "--poll", "0.05"]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _started(processes: list[subprocess.Popen[bytes]]) -> None:
    """Each worker says it is delivering once its app is made, before its first pass."""
    for process in processes:
        assert process.stderr is not None
        line = process.stderr.readline().decode()
        if "delivering" not in line:
            raise SystemExit(f"a worker did not start: {line}{process.stderr.read().decode()[-2000:]}")
    time.sleep(0.5)  # their first (idle) pass: connected


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy (every core, since boot)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:7]) - fields[3] - fields[4]) / _TICK  # user, nice, system, irq, softirq (not steal)


def _cpu_now(c: Any, processes: list[subprocess.Popen[bytes]]) -> dict[str, float]:
    """CPU seconds used so far by the workers, PostgreSQL (this database's backends, less the
    bench's own, and the server's own processes: WAL writer, checkpointer...) and the machine."""
    postgres = list(c.execute(text("SELECT pid FROM pg_stat_activity WHERE (datname = current_database() "
                                   "OR backend_type <> 'client backend') AND pid <> pg_backend_pid()")).scalars())
    return {"workers": sum(_cpu(p.pid) for p in processes), "postgres": sum(_cpu(pid) for pid in postgres),
            "machine": _machine_busy()}


def _until_delivered(c: Any, rows: dict[str, int], count: int, processes: list[subprocess.Popen[bytes]],
                     timeout: float) -> tuple[float, str, dict[str, float]]:
    """Commit the seeded deliveries (due), and time until all are delivered: the seconds, what
    went wrong if they were not, and the CPU used meanwhile."""
    before = _cpu_now(c, processes)
    c.commit()
    begun = time.perf_counter()
    done, progressed, seen, failure = 0, begun, -1, ""
    while done < count:
        time.sleep(0.02)
        done = c.execute(text("SELECT count(*) FROM deliveries WHERE id BETWEEN :first AND :last "
                              "AND state = 'delivered'"), rows).scalar_one()
        c.rollback()
        now = time.perf_counter()
        if done != seen:
            seen, progressed = done, now
        stopped = [p for p in processes if p.poll() is not None]
        if stopped or now - progressed > timeout:
            why = f"{len(stopped)} worker(s) stopped" if stopped else f"no delivery for {timeout:.0f} s"
            failure = f"{why} with {done} of {count} delivered"
            break
    took = time.perf_counter() - begun
    after = _cpu_now(c, processes)
    return took, failure, {k: after[k] - before[k] for k in after}


def _measure(c: Any, rows: dict[str, int]) -> dict[str, Any]:
    """What the run left: the states, the referrals moved, the attempts' times."""
    in_run = "d.id BETWEEN :first AND :last"
    return {
        "states": dict(c.execute(text(f"SELECT state, count(*) FROM deliveries d WHERE {in_run} GROUP BY state"),
                                 rows).all()),
        "statuses": dict(c.execute(text("SELECT s.status, count(*) FROM submissions s JOIN deliveries d "
                                        f"ON d.submission_id = s.id WHERE {in_run} GROUP BY s.status"), rows).all()),
        "events": c.execute(text("SELECT count(*) FROM submission_events e JOIN deliveries d ON d.submission_id = "
                                 f"e.submission_id WHERE {in_run} AND e.kind = 'delivered'"), rows).scalar_one(),
        "spans": [float(v) for v in c.execute(text(
            "SELECT extract(epoch FROM a.finished_at - a.started_at) FROM delivery_attempts a JOIN deliveries d "
            f"ON d.id = a.delivery_id WHERE {in_run} AND a.finished_at IS NOT NULL"), rows).scalars()],
    }


def _stop(processes: list[subprocess.Popen[bytes]]) -> list[str]:
    """Stop the workers (SIGTERM: each finishes the delivery in hand): what they said on stderr."""
    for process in processes:
        process.terminate()
    said = []
    for process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if process.stderr is not None:
            tail = process.stderr.read().decode().strip()
            if tail:
                said.append(tail[-1500:])
            process.stderr.close()
    return said


def run(app: Any, origin: Origin, url: str, secret: str, workdir: Path, workers: int, count: int,
        receivers: int, timeout: float) -> dict[str, Any]:
    receiver = Receivers.start(receivers)
    watcher = create_engine(url, poolclass=NullPool, connect_args={"application_name": "fanlight-bench"})
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes = [start_worker(url, secret, workdir, receiver.url) for _ in range(workers)]
        _started(processes)
        with watcher.connect() as c:
            first, last = seed(app, c, origin, count)
            rows = {"first": first, "last": last}
            took, failure, used = _until_delivered(c, rows, count, processes, timeout)
            left = _measure(c, rows)
    finally:
        said = _stop(processes)
        seen = receiver.finish()
        watcher.dispose()
    delivered = left["states"].get("delivered", 0)
    problems = [failure] if failure else []
    if delivered != count:
        problems.append(f"{count - delivered} deliveries not delivered: {left['states']}")
    if left["statuses"].get("delivered", 0) != count:
        problems.append(f"referrals not all delivered: {left['statuses']}")
    if left["events"] != count:
        problems.append(f"{left['events']} delivered events for {count} referrals")
    if seen["bad"]:
        problems.append(f"the receiver saw {seen['bad']} bad signatures")
    if len(seen["keys"]) != count:
        problems.append(f"the receiver saw {len(seen['keys'])} keys for {count} deliveries")
    per = 1000 / max(delivered, 1)
    return {
        "workers": workers, "deliveries": count, "delivered": delivered, "seconds": round(took, 2),
        "per_second": round(delivered / took, 1) if took else 0.0, "attempts": len(left["spans"]),
        "posts": seen["requests"],
        "attempt_p50_ms": round(pct(left["spans"], 0.50) * 1000, 1),
        "attempt_p99_ms": round(pct(left["spans"], 0.99) * 1000, 1),
        "cpu_ms_per_delivery": {"workers": round(used["workers"] * per, 2),
                                "postgres": round(used["postgres"] * per, 2),
                                "receiver": round(seen["cpu"] * per, 2)},
        # How many of the cores were busy while it ran, and how much of that was none of the above
        # (the bench's own polling, the kernel's loopback work, and anything else on the machine).
        "cores_busy": round(used["machine"] / took, 2) if took else 0.0,
        # The rate if the workers, PostgreSQL and the receiver had every core to themselves.
        "cpu_bound_per_second": round((os.cpu_count() or 1) * delivered
                                      / max(used["workers"] + used["postgres"] + seen["cpu"], 1e-9), 1),
        "cores_other": round(max(0.0, used["machine"] - used["workers"] - used["postgres"] - seen["cpu"]) / took, 2)
        if took else 0.0,
        "problems": problems, "worker_stderr": said if problems else [],
    }


def baseline(receivers: int, payload: dict[str, Any], count: int = 1000) -> dict[str, Any]:
    """The case system alone: the same signed POSTs (fanlight.web.delivery.adapters.post) sent one
    after another from this process, no database: the rate the receiver and urllib allow."""
    receiver = Receivers.start(receivers)
    destination = adapters.Destination("case-system", receiver.url, RECEIVER_SECRET)
    try:
        begun = time.perf_counter()
        cpu = time.process_time()
        outcomes = [adapters.post(destination, f"fanlight-{i:032d}", payload, 10.0).result for i in range(count)]
        took, cpu = time.perf_counter() - begun, time.process_time() - cpu
    finally:
        seen = receiver.finish()
    return {"posts": count, "per_second": round(count / took, 1), "delivered": outcomes.count(adapters.Result.DELIVERED),
            "sender_cpu_ms": round(cpu * 1000 / count, 2), "receiver_cpu_ms": round(seen["cpu"] * 1000 / count, 2)}


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    engine = create_engine(SERVER, poolclass=NullPool)
    with engine.connect() as c:
        postgres = c.execute(text("SHOW server_version")).scalar_one()
    engine.dispose()
    return {"cpus": os.cpu_count(), "cpu": model, "python": platform.python_version(), "postgresql": postgres,
            "load_before": Path("/proc/loadavg").read_text().split()[:3], "busy_before": webbench.busy_neighbours(),
            **{name: metadata.version(name) for name in ("flask", "sqlalchemy", "psycopg")}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=2000, help="deliveries in each run (default 2,000)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4], help="worker counts (default 1 2 4)")
    parser.add_argument("--receivers", type=int, default=1, help="receiver processes (default 1)")
    parser.add_argument("--timeout", type=float, default=60.0, help="give up after this long without a delivery")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    secret = secrets.token_hex(32)
    about = machine()
    backend = webbench.postgres_backend(SERVER)
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="fanlight-bench-delivery-") as folder:
        workdir = Path(folder)
        try:
            app, origin = prepare(backend.url, secret, workdir)
            alone = baseline(args.receivers, origin.payload)
            print(f"  the receiver alone: {alone['per_second']} signed POSTs/s from one client", flush=True)
            for workers in args.workers:
                runs.append(run(app, origin, backend.url, secret, workdir, workers, args.deliveries,
                                args.receivers, args.timeout))
                print(f"  {workers} worker(s): {runs[-1]['per_second']} deliveries/s", flush=True)
            extensions.db_engine(app).dispose()
        finally:
            backend.drop()
    result = {"command": "bench/delivery.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "receivers": args.receivers, "receiver_alone": alone, "runs": runs, "machine": about,
              "payload_bytes": len(adapters.body_of(origin.payload)), "case_note_chars": len(origin.case_note)}
    print(f"\nDelivery to a case system on 127.0.0.1 (PostgreSQL {about['postgresql']}), {args.deliveries} "
          f"deliveries a run, {args.receivers} receiver process(es):")
    print("  workers | delivered | seconds | deliveries/s | attempt p50 / p99 ms | CPU ms/delivery: "
          "workers / postgres / receiver | cores busy (other) | CPU-bound rate")
    for r in runs:
        cpu = r["cpu_ms_per_delivery"]
        print(f"  {r['workers']:7} | {r['delivered']:9} | {r['seconds']:7.2f} | {r['per_second']:12.1f} | "
              f"{r['attempt_p50_ms']:8.1f} / {r['attempt_p99_ms']:6.1f}     | "
              f"{cpu['workers']:.2f} / {cpu['postgres']:.2f} / {cpu['receiver']:.2f} | "
              f"{r['cores_busy']:.2f} ({r['cores_other']:.2f}) | {r['cpu_bound_per_second']:.0f}/s")
        for problem in r["problems"]:
            print(f"    PROBLEM: {problem}")
        for tail in r["worker_stderr"]:
            print(f"    worker stderr: {tail}")
    print("  cores busy: of the machine's, while the run ran; (other): busy with none of the three (the bench's own\n"
          "  polling, the kernel, anything else running); CPU-bound rate: the cores divided by the CPU a delivery\n"
          "  cost the workers, PostgreSQL and the receiver (the rate if they had the machine to themselves).")
    print(f"  the receiver alone (no database; one client sending the same signed POSTs one after another): "
          f"{alone['per_second']} POSTs/s, CPU ms/POST: sender {alone['sender_cpu_ms']} / receiver "
          f"{alone['receiver_cpu_ms']}; payload {result['payload_bytes']} bytes, case note {result['case_note_chars']} "
          "characters")
    print(f"machine: {about['cpus']} cores, {about['cpu']}; Python {about['python']}; PostgreSQL "
          f"{about['postgresql']}; SQLAlchemy {about['sqlalchemy']}, psycopg {about['psycopg']}; "
          f"load before {' '.join(about['load_before'])}; busy before: {', '.join(about['busy_before']) or 'nothing'}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 1 if any(r["problems"] for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
