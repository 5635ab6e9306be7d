"""Benchmark of the API (issue 14, "Benchmark"): referrals sent through POST /api/v1/referrals on
PostgreSQL, by 16 clients at once.

    .venv/bin/python bench/api.py                     # 20 s of sending, after 3 s of warming up
    .venv/bin/python bench/api.py --seconds 60 --clients 16 --json out.json

On loopback only: a fresh database on the local PostgreSQL server (FANLIGHT_BENCH_POSTGRES names
another; never the tests' `test`) is migrated, the bundled definitions published and one API client
made for County Police (its rate limit lifted: it is the server that is measured, not the limit).
The app runs under gunicorn with 2 sync workers (one a core; bench/web_app.py). Each client thread
keeps one connection and sends complete cause-for-concern referrals, each with its own
Idempotency-Key, as fast as it is answered; every answer must be a 201. Each referral is stored
as the browser's are: evaluated, its draft, submission, received event, match keys, idempotency
key and acknowledgement email in one transaction.

It prints the referrals stored per second and the client-side latency (p50, p99, max), and exits 0
(1 if any answer was not a 201). The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import secrets
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import web as webbench  # noqa: E402  (bench/web.py: the server, the backend, the complete answers)
from fanlight.web import create_app, db, extensions, migrate  # noqa: E402
from fanlight.web.api import clients  # noqa: E402

REPO = HERE.parent
SERVER = os.environ.get("FANLIGHT_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
AGENCY = "county-police"


def prepare(url: str, secret: str, workdir: Path) -> str:
    """Migrate, publish the bundled definitions and make the client: its token."""
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "UPLOAD_FOLDER": str(workdir / "uploads"),
                      "DEFINITIONS_PATH": str(REPO / "definitions"), "SESSION_COOKIE_SECURE": False})
    with app.app_context():
        extensions.catalogue(app).refresh(db.session(), force=True)
        token = clients.create("Benchmark police system", AGENCY).token
        db.session().close()
    extensions.db_engine(app).dispose()
    return token


def referral_body() -> bytes:
    answers = {**webbench.complete_answers(), "secure_email": "pc.bench@demo-police.example",
               "agency_type": "police", "referrer_agency": "County Police"}
    return json.dumps({"form": "cause-for-concern", "answers": answers}).encode()


def send(port: int, token: str, body: bytes, until: float, warm_until: float, times: list[float],
         failures: list[str], lock: threading.Lock) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while (started := time.perf_counter()) < until:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                   "Idempotency-Key": secrets.token_hex(16)}
        connection.request("POST", "/api/v1/referrals", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        took = time.perf_counter() - started
        with lock:
            if response.status != 201:
                failures.append(f"{response.status}")
            elif started >= warm_until:
                times.append(took)
    connection.close()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    secret = secrets.token_hex(32)
    backend = webbench.postgres_backend(SERVER)
    with tempfile.TemporaryDirectory(prefix="fanlight-bench-api-") as folder:
        workdir = Path(folder)
        server = None
        try:
            token = prepare(backend.url, secret, workdir)
            env = {"FANLIGHT_BENCH_DATABASE_URL": backend.url, "FANLIGHT_BENCH_SECRET_KEY": secret,
                   "FANLIGHT_INSTANCE": str(workdir), "FANLIGHT_RATELIMIT_API": "100000000 per minute"}
            server = webbench.Server("api", "web_app:app", env, workdir)
            server.wait_ready("/api/v1/openapi.json")
            times: list[float] = []
            failures: list[str] = []
            lock = threading.Lock()
            body = referral_body()
            begun = time.perf_counter()
            warm_until, until = begun + args.warmup, begun + args.warmup + args.seconds
            threads = [threading.Thread(target=send, args=(server.port, token, body, until, warm_until, times,
                                                           failures, lock)) for _ in range(args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            if server is not None:
                server.stop()
            backend.drop()
    result = {
        "command": "bench/api.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "clients": args.clients, "seconds": args.seconds, "referrals": len(times),
        "per_second": round(len(times) / args.seconds, 1),
        "p50_ms": round(pct(times, 0.50) * 1000, 1), "p99_ms": round(pct(times, 0.99) * 1000, 1),
        "max_ms": round(max(times, default=float("nan")) * 1000, 1), "failures": len(failures),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    **{name: metadata.version(name) for name in ("flask", "gunicorn", "sqlalchemy", "psycopg")}},
    }
    print(f"API submits on PostgreSQL, {args.clients} clients, {args.seconds:.0f} s, gunicorn 2 sync workers:")
    print(f"  {result['per_second']} referrals/s ({result['referrals']} stored); latency p50 {result['p50_ms']} ms, "
          f"p99 {result['p99_ms']} ms, max {result['max_ms']} ms; {len(failures)} answers not 201")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
