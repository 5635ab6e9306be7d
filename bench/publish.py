"""Benchmarks for publishing: publish -> live on every worker, and the registry at scale.

    .venv/bin/python bench/publish.py                      # SQLite, about 3 minutes
    .venv/bin/python bench/publish.py --database postgresql
    .venv/bin/python bench/publish.py --quick              # a smoke run
    .venv/bin/python bench/publish.py --json out.json

1. Publish -> live. Three worker processes (gunicorn, one sync worker each, on their own
   ports, as three servers behind a load balancer) serve one database. This process
   publishes a change through the workflow (fanlight.admin.workflow: create, save, submit,
   approve, publish, commit) that rewords the consent question of the cause-for-concern
   form; the moment the commit returns, one client per worker starts a new referral on its
   worker and reads the consent question, again and again, until the new wording appears.
   The figure is the time from the commit to the first page with the new wording, per
   worker, and for the slowest of the three ("live everywhere"). Publishes are spaced by a
   random 0.2-0.7 s, so they fall at every point of the workers' polling cycle.

2. The registry at scale: 100 definitions (the 27 bundled files and 73 synthetic forms of
   40 fields) with 50 versions each (50 publications that each change every file: 5,000
   versions). Timed: `publish_texts` of all 100 changed files and of one changed file, on a
   registry that already holds them; a fresh process loading the live publication
   (registry read, then parse and compile); a worker compiling a new publication that
   changed one form, whole and from the live set (catalogue.incremental: only that form is
   compiled again), the changed file parsed beforehand; and publish -> live on three
   workers again, now serving those 100 definitions.

This is a measurement, not a test: it exits 0 whether or not the 1-second target is met.
"""

from __future__ import annotations

import argparse
import datetime
import http.cookiejar
import json
import os
import platform
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for root in ("platform", "renderers", "admin", "bench"):
    if str(REPO / root) not in sys.path:
        sys.path.insert(0, str(REPO / root))

DEFINITIONS = REPO / "definitions"
FORM, CFC = "cause-for-concern", "forms/cause-for-concern.yaml"
CONSENT_SECTION = "consent-and-informing-the-family"
OLD_WORDING = "Have you asked the family for consent to this referral?"
PASSWORD = "bench-password-2026"
TARGET_SECONDS = 1.0
POSTGRES = os.environ.get("FANLIGHT_TEST_POSTGRES") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# Databases ------------------------------------------------------------------------------------------


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A new, migrated database: a SQLite file, or a PostgreSQL database dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    from fanlight.web import migrate

    if kind == "sqlite":
        url = f"sqlite:///{folder / ('bench-' + secrets.token_hex(4) + '.sqlite')}"
        migrate.upgrade(url)
        yield url
        return
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"fanlight_bench_{secrets.token_hex(5)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(url: str, folder: Path) -> Any:
    from fanlight.web.app import create_app

    os.environ.setdefault("FANLIGHT_INSTANCE", str(folder / "instance"))
    return create_app({"DATABASE_URL": url, "DEFINITIONS_PATH": str(DEFINITIONS), "SECRET_KEY": "bench",
                       "UPLOAD_FOLDER": str(folder / "uploads"), "FANLIGHT_DEMO_ACCOUNTS": False})


# Workers ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_worker(url: str, folder: Path, n: int) -> tuple[str, subprocess.Popen[bytes]]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": url, "FANLIGHT_DEFINITIONS": str(DEFINITIONS),
           "FANLIGHT_INSTANCE": str(folder / "instance"), "FANLIGHT_SECRET_KEY": "bench-" + folder.name,
           "FANLIGHT_UPLOADS": str(folder / "uploads"), "FANLIGHT_DEMO_ACCOUNTS": "0",
           "FANLIGHT_RATELIMIT_SIGN_IN": "1000 per minute"}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    log = (folder / f"worker-{n}.log").open("wb")
    process = subprocess.Popen([gunicorn, "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                                "fanlight.web:create_app()"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"worker {n} stopped: {(folder / f'worker-{n}.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(base + "/sign-in", timeout=2) as response:
                if response.status == 200:
                    return base, process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"worker {n} did not start")


def _token(html: str) -> str:
    tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html)
    found = re.search(r'value="([^"]+)"', tag.group(0)) if tag else None
    if not found:
        raise SystemExit("no CSRF token on the page")
    return found.group(1)


class Watcher:
    """A professional on one worker: starts a referral and reads its consent question."""

    def __init__(self, base: str, email: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.get("/sign-in")
        self.post("/sign-in", {"email": email, "password": PASSWORD, "csrf_token": _token(page)})
        self.token = _token(self.get(f"/forms/{FORM}"))
        self.polls = 0

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            self.url = response.geturl()
            body: str = response.read().decode("utf-8")
            return body

    def post(self, path: str, data: dict[str, str]) -> str:
        with self.opener.open(self.base + path, urllib.parse.urlencode(data).encode(), timeout=10) as response:
            self.url = response.geturl()
            body: str = response.read().decode("utf-8")
            return body

    def shows(self, wording: str) -> bool:
        self.polls += 1
        self.post(f"/forms/{FORM}/drafts", {"csrf_token": self.token})
        draft = re.search(r"/drafts/([0-9a-f]{32})/", self.url)
        if draft is None:
            raise SystemExit(f"starting a referral went to {self.url}")
        return wording in self.get(f"/drafts/{draft.group(1)}/sections/{CONSENT_SECTION}")

    def seconds_until(self, wording: str, since: float, limit: float = 15.0) -> float:
        while not self.shows(wording):
            if time.monotonic() - since > limit:
                return float("inf")
        return time.monotonic() - since


def publish_wording(app: Any, lead_id: int, reviewer_id: int, wording: str) -> float:
    """Reword the consent question through the whole workflow; returns the publish transaction's seconds."""
    from fanlight.admin import workflow
    from fanlight.web import db
    from fanlight.web.definitions import registry
    from fanlight.web.models import User

    with app.app_context():
        s = db.session()
        lead, reviewer = s.get(User, lead_id), s.get(User, reviewer_id)
        live = registry.texts_of(s, registry.live_id(s) or 0)[CFC]
        text = re.sub(r"(      - id: consent\n        type: consent\n        label: ).*\n", rf"\g<1>{wording}\n", live, count=1)
        change = workflow.create(s, lead, f"Consent wording: {wording}", "A benchmark's change.")
        workflow.save_item(s, change, lead, CFC, text)
        workflow.submit(s, change, lead)
        workflow.approve(s, change, reviewer)
        s.commit()
        started = time.perf_counter()
        workflow.publish(s, change, reviewer)
        s.commit()
        took = time.perf_counter() - started
        s.close()
        return took


def publish_to_live(kind: str, folder: Path, publishes: int, n_workers: int) -> dict[str, Any]:
    with database(kind, folder) as url:
        return live_on_workers(url, folder, publishes, n_workers, f"{kind}, the bundled definitions")


def live_on_workers(url: str, folder: Path, publishes: int, n_workers: int, what: str) -> dict[str, Any]:
    from fanlight.web import db
    from fanlight.web.accounts.service import create_user

    processes: list[subprocess.Popen[bytes]] = []
    try:
        bases = []
        for n in range(n_workers):  # one after the other: on a new database the first publishes the bundled set
            base, process = start_worker(url, folder, n + 1)
            bases.append(base)
            processes.append(process)
        app = make_app(url, folder)
        tag = secrets.token_hex(3)
        with app.app_context():
            lead = create_user(f"lead-{tag}@bench.example", "Lead", "service_lead", PASSWORD)
            reviewer = create_user(f"reviewer-{tag}@bench.example", "Reviewer", "it_reviewer", PASSWORD)
            for n in range(n_workers):
                create_user(f"watcher-{n}-{tag}@bench.example", f"Watcher {n}", "professional", PASSWORD)
            db.session().commit()
            lead_id, reviewer_id = lead.id, reviewer.id
            db.session().close()
        watchers = [Watcher(base, f"watcher-{n}-{tag}@bench.example") for n, base in enumerate(bases)]
        rows: list[dict[str, Any]] = []
        for i in range(publishes):
            time.sleep(random.uniform(0.2, 0.7))
            wording = f"Have you asked the family whether they agree to this referral? ({tag} {i + 1})"
            transaction = publish_wording(app, lead_id, reviewer_id, wording)
            since = time.monotonic()
            found: list[float] = [0.0] * n_workers
            polls_before = [w.polls for w in watchers]

            def watch(n: int, wording: str = wording, since: float = since, found: list[float] = found) -> None:
                found[n] = watchers[n].seconds_until(wording, since)

            threads = [threading.Thread(target=watch, args=(n,)) for n in range(n_workers)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            rows.append({"publish": i + 1, "transaction_s": transaction, "workers_s": list(found),
                         "everywhere_s": max(found),
                         "polls": [w.polls - b for w, b in zip(watchers, polls_before, strict=True)]})
            print(f"  publish {i + 1:2d}: commit {transaction * 1000:5.0f} ms; live on workers after "
                  + ", ".join(f"{x * 1000:4.0f}" for x in found) + " ms", flush=True)
        dispose(app)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    everywhere = [r["everywhere_s"] for r in rows]
    each = [x for r in rows for x in r["workers_s"]]
    polls = [p for r in rows for p in r["polls"]]
    return {
        "what": what, "workers": n_workers, "publishes": publishes,
        "everywhere_median_s": statistics.median(everywhere), "everywhere_max_s": max(everywhere),
        "per_worker_median_s": statistics.median(each), "per_worker_max_s": max(each),
        "transaction_median_s": statistics.median(r["transaction_s"] for r in rows),
        "transaction_max_s": max(r["transaction_s"] for r in rows),
        "polls_per_worker_median": statistics.median(polls),
        "met": max(everywhere) < TARGET_SECONDS, "rows": rows,
    }


# The registry at scale -------------------------------------------------------------------------------


def hundred_definitions() -> dict[str, str]:
    """The 27 bundled files and 73 synthetic 40-field forms: 100 definitions, 0 problems."""
    import synthetic_forms
    from fanlight.web.definitions import registry

    texts = registry.folder_texts(DEFINITIONS)
    n = 0
    while len(texts) < 100:
        n += 1
        made = synthetic_forms.build(f"{n:03d}", n_fields=40, n_show_if=10, n_required_if=4, n_rules=0, n_sections=4)
        texts[f"forms/{made.form_id}.yaml"] = made.texts[f"{made.form_id}.yaml"]
    loaded = registry.load(texts)
    if loaded.problems:
        raise SystemExit("the synthetic definitions have problems:\n" + "\n".join(map(str, loaded.problems[:10])))
    return texts


def revised(texts: dict[str, str], k: int, paths: list[str] | None = None) -> dict[str, str]:
    """Every file (or the files in `paths`) changed: one comment line that says which revision it is."""
    return {path: (f"{text}# revision {k}\n" if paths is None or path in paths else text) for path, text in texts.items()}


def registry_at_scale(kind: str, folder: Path, versions: int, publishes: int, n_workers: int) -> dict[str, Any]:
    from fanlight.web import db
    from fanlight.web.definitions import registry

    texts = hundred_definitions()
    with database(kind, folder) as url:
        app = make_app(url, folder)
        all_changed: list[float] = []
        with app.app_context():
            s = db.session()
            for k in range(1, versions + 1):
                started = time.perf_counter()
                registry.publish_texts(s, revised(texts, k), change_id=None, user_id=None, note=f"revision {k}")
                s.commit()
                all_changed.append(time.perf_counter() - started)
            one_changed: list[float] = []
            for k in range(5):
                current = registry.texts_of(s, registry.live_id(s) or 0)
                started = time.perf_counter()
                registry.publish_texts(s, revised(current, 1000 + k, [CFC]), change_id=None, user_id=None, note="one")
                s.commit()
                one_changed.append(time.perf_counter() - started)
            stored = s.execute(db.Base.metadata.tables["definition_versions"].select()).all()
            live_texts = registry.texts_of(s, registry.live_id(s) or 0)
            s.close()
        dispose(app)
        # A worker that has the live set compiles a publication that changed one file: whole, and
        # from the live set (only the changed form again), as the catalogue does.
        from fanlight.web.definitions.catalogue import incremental

        live_set = registry.load(live_texts)
        recompile, from_live = [], []
        for k in range(5):
            texts_k = revised(live_texts, 2000 + k, [CFC])
            registry.parse(CFC, texts_k[CFC])  # parsed once either way; timed apart from both
            started = time.perf_counter()
            loaded = registry.load(texts_k)
            recompile.append(time.perf_counter() - started)
            started = time.perf_counter()
            made = incremental(live_texts, live_set, texts_k)
            from_live.append(time.perf_counter() - started)
            assert not loaded.problems and made is not None and set(made.compiled) == set(loaded.compiled)
        fresh = [fresh_process(url) for _ in range(5)]
        print(f"\npublishing {publishes} times to {n_workers} workers, 100 definitions x {versions} versions", flush=True)
        live = live_on_workers(url, folder, publishes, n_workers, f"{kind}, 100 definitions x {versions} versions")
    return {
        "publish_to_live": live,
        "database": kind, "definitions": len(texts), "versions_each": versions, "version_rows": len(stored),
        "publish_all_changed_median_s": statistics.median(all_changed), "publish_all_changed_max_s": max(all_changed),
        "publish_one_changed_median_s": statistics.median(one_changed), "publish_one_changed_max_s": max(one_changed),
        "recompile_one_changed_median_s": statistics.median(recompile), "recompile_one_changed_max_s": max(recompile),
        "from_live_one_changed_median_s": statistics.median(from_live), "from_live_one_changed_max_s": max(from_live),
        "fresh_process": {key: statistics.median(f[key] for f in fresh) for key in fresh[0]},
        "fresh_process_max_total_s": max(f["total_s"] for f in fresh),
    }


def fresh_process(url: str) -> dict[str, float]:
    result = subprocess.run([sys.executable, __file__, "--load-live", url], capture_output=True, text=True,
                            cwd=REPO, timeout=300, check=False)
    if result.returncode != 0:
        raise SystemExit(f"the fresh process failed: {result.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def load_live(url: str) -> None:
    """In a fresh process: how long until the live publication is ready to serve."""
    started = time.perf_counter()
    from sqlalchemy.orm import Session

    from fanlight.web import db
    from fanlight.web.definitions import registry
    imported = time.perf_counter()
    engine = db.make_engine(url)
    with Session(engine) as s:
        live = registry.live_id(s) or 0
        texts = registry.texts_of(s, live)
        read = time.perf_counter()
        loaded = registry.load(texts)
        done = time.perf_counter()
        assert not loaded.problems and len(texts) == 100, (len(texts), loaded.problems[:3])
    engine.dispose()
    print(json.dumps({"import_s": imported - started, "registry_read_s": read - imported,
                      "parse_and_compile_s": done - read, "total_s": done - imported}))


# Report ----------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.system(),
            "machine": platform.machine(), "date": datetime.date.today().isoformat(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}


def wait_quiet(limit: float) -> None:
    """Other work on the machine (a test run, another benchmark) skews every figure: wait it out."""
    deadline = time.monotonic() + limit
    while os.getloadavg()[0] >= 0.5 and time.monotonic() < deadline:
        time.sleep(5)
    print(f"1-minute load average at the start: {os.getloadavg()[0]:.2f}", flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def report_live(live: dict[str, Any]) -> None:
    verdict = "MET" if live["met"] else "NOT MET"
    print(f"\nPublish -> live on every one of {live['workers']} workers ({live['what']}, {live['publishes']} publishes)")
    print(f"  live everywhere: median {ms(live['everywhere_median_s'])}, max {ms(live['everywhere_max_s'])}"
          f"   target < {TARGET_SECONDS:.0f} s: {verdict}")
    print(f"  one worker:      median {ms(live['per_worker_median_s'])}, max {ms(live['per_worker_max_s'])}")
    print(f"  the publish transaction itself: median {ms(live['transaction_median_s'])}, max {ms(live['transaction_max_s'])}")
    print(f"  pages read per worker per publish: median {live['polls_per_worker_median']:.0f}")


def report(live: dict[str, Any], scale: dict[str, Any]) -> None:
    report_live(live)
    fresh = scale["fresh_process"]
    print(f"\nRegistry with {scale['definitions']} definitions x {scale['versions_each']} versions "
          f"({scale['version_rows']:,} version rows, {scale['database']})")
    print(f"  publish_texts, all 100 files changed: median {ms(scale['publish_all_changed_median_s'])}, "
          f"max {ms(scale['publish_all_changed_max_s'])}")
    print(f"  publish_texts, one file changed:      median {ms(scale['publish_one_changed_median_s'])}, "
          f"max {ms(scale['publish_one_changed_max_s'])}")
    print(f"  fresh process loads the live publication: median {ms(fresh['total_s'])} "
          f"(registry read {ms(fresh['registry_read_s'])}, parse and compile {ms(fresh['parse_and_compile_s'])}; "
          f"max {ms(scale['fresh_process_max_total_s'])}; imports before it {ms(fresh['import_s'])})")
    print(f"  a worker compiles a publication that changed one form, whole: median "
          f"{ms(scale['recompile_one_changed_median_s'])}, max {ms(scale['recompile_one_changed_max_s'])}; "
          f"from the live set (as workers do): median {ms(scale['from_live_one_changed_median_s'])}, "
          f"max {ms(scale['from_live_one_changed_max_s'])}")
    report_live(scale["publish_to_live"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--publishes", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--versions", type=int, default=50)
    parser.add_argument("--scale-publishes", type=int, default=10, help="publishes on the 100-definition registry")
    parser.add_argument("--quick", action="store_true", help="5 publishes and 5 versions: a smoke run")
    parser.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                        help="first wait (up to this long) until the 1-minute load average is below 0.5")
    parser.add_argument("--load-live", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_live:
        load_live(args.load_live)
        return 0
    if args.quick:
        args.publishes, args.versions, args.scale_publishes = 5, 5, 3
    if args.wait_quiet:
        wait_quiet(args.wait_quiet)
    print(f"machine: {machine()}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="fanlight-bench-publish-"))
    try:
        print(f"\npublishing {args.publishes} times to {args.workers} workers ({args.database})", flush=True)
        live = publish_to_live(args.database, folder, args.publishes, args.workers)
        print(f"\nfilling a registry with 100 definitions x {args.versions} versions ({args.database})", flush=True)
        scale = registry_at_scale(args.database, folder, args.versions, args.scale_publishes, args.workers)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report(live, scale)
    print(f"\n1-minute load average at the end: {os.getloadavg()[0]:.2f} (the benchmark itself counts for up to 2)")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "publish_to_live": live, "registry": scale},
                                              indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())


def dispose(app: Any) -> None:
    """Close the app's database connections."""
    from fanlight.web import extensions

    extensions.db_engine(app).dispose()
