"""Load test of the referrer's journey on loopback (the council's quality figure: "50 concurrent
referrers for 10 minutes: 0 server errors, 0 lost drafts, p95 < 500 ms; 20 submissions/s for 60 s:
100% success"). A benchmark, not a CI test.

    .venv/bin/python bench/load.py                          # the quality figure: about 13 minutes
    .venv/bin/python bench/load.py --quick                  # smoke run: 2 referrers for 30 s, 5 submissions/s for 10 s
    .venv/bin/python bench/load.py --referrers 10 --minutes 1 --rate 20 --seconds 20
    .venv/bin/python bench/load.py --workers 4 --threads 8 --json load.json

In one run, on loopback only (the pieces are bench/web.py's):
- a fresh PostgreSQL database `fanlight_bench_<random>` on the local server (127.0.0.1:5432, trust
  auth, user postgres; FANLIGHT_BENCH_POSTGRES names another server URL), migrated, the bundled
  definitions published, dropped at the end (also on Ctrl-C or SIGTERM);
- one professional account per referrer and per submitter (agency "Load Agency"), each signed in
  with a real POST /sign-in into its own cookie jar;
- the app under gunicorn (bench/web_app.py): 2 sync workers by default, as bench/web.py;
  --workers and --threads (gthread) to try others. The sign-in rate limit (30 a minute per address)
  is lifted for the run: every account signs in from 127.0.0.1, and it is the server that is
  measured, not the limit. No other limit applies to these pages.

Phase 1, referrers: each referrer (a thread) goes through the journey a person takes, again and
again, for --minutes: the form's start page, "Start" (POST, following the redirect to the first
section), the task list, then each section the task list offers: the section page, its answers
posted as the page names them (html_form.encode of the complete scenario of
definitions/tests/cause-for-concern-complete.yaml, with the page's token and revision; a page
that comes back with warnings is posted again with them, as "Save and continue" pressed twice),
following the redirect (to the next section or to check answers); then check answers, submit
(ticking every warning the page asks to acknowledge) and the confirmation page. Each referral's
concern description carries a unique marker. Between one page and the next request a person
thinks (--think, default 0.5-2 s, uniformly at random); redirects are followed at once. Every
request's latency and status is recorded: a 5xx or a connection failure is a server error; any
other answer than the journey expects (a 4xx, a 200 where a redirect was due) is reported too, and
that referrer starts a new referral.

Lost drafts: afterwards the database is read. For every draft a referrer started, each section
whose save the referrer saw succeed must hold, field by field, the answers it posted (compared as
the browser posts them, html_form.encode); a draft the referrer saw sent must be submitted, with
exactly one submission (the one its redirect named) holding those answers (those the engine keeps:
evaluate drops the answers of hidden questions). A draft differing in any field is a lost draft.

Phase 2, submissions: --rate submissions a second for --seconds, open loop: the request for the
i-th submission starts at start + i / rate whether or not earlier ones have been answered (a pool of
threads), each on its own complete draft written beforehand (bench/web.py's `prepare`), shared
round robin among --submitters signed-in accounts. A success is a 302 to the submission's
confirmation; its latency is counted from when it was due, so a late start counts against it.
Afterwards every draft of the phase must have at most one submission, and every success exactly one.

It prints the machine (cores, load, busy other processes: the figures move with them), a table of
figures and each target MET / NOT MET, and exits 0 (1 only if the run itself broke).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from sqlalchemy import create_engine, select, update  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

import web as webbench  # noqa: E402  (bench/web.py: database, app, server, browser, answers, machine)
from fanlight.engine import CompiledForm, evaluate  # noqa: E402
from fanlight.engine.definitions import model as m  # noqa: E402
from fanlight.renderers import html_form  # noqa: E402
from fanlight.web import create_app, db  # noqa: E402
from fanlight.web.accounts.service import create_user  # noqa: E402
from fanlight.web.models import Draft, Submission  # noqa: E402

COMMAND = ".venv/bin/python bench/load.py"
FORM = webbench.FORM
REPO = webbench.REPO
AGENCY = "Load Agency"
PASSWORD = "load-" + secrets.token_hex(8)  # pragma: allowlist secret (made afresh for each run)
MARKED = "concern_description"  # the free-text answer that carries each referral's own marker

# The quality figure.
REFERRERS, MINUTES, P95_TARGET_MS = 50, 10.0, 500.0
RATE, SECONDS = 20.0, 60.0
QUICK = {"referrers": 2, "minutes": 0.5, "rate": 5.0, "seconds": 10.0}
TIMEOUT = 60.0  # seconds a client waits for an answer (gunicorn's worker timeout is 30 s)


class Stop(Exception):
    """The phase is over (or the run is being stopped): the referrer stops where it is."""


class Broken(Exception):
    """An answer the journey did not expect: this referral is abandoned, a new one started."""


# Records -----------------------------------------------------------------------------------------------


@dataclass
class Sample:
    route: str
    status: int  # 0: no answer (connection refused, reset, timed out)
    ms: float
    error: str = ""
    at: float = field(default_factory=time.monotonic)  # when it was answered


class Recorder:
    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.unexpected: list[str] = []  # "route: status (what was expected)", first few kept whole
        self.lock = threading.Lock()

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def odd(self, what: str) -> None:
        with self.lock:
            self.unexpected.append(what)


@dataclass
class DraftLog:
    """What one referrer did to one draft, as the referrer saw it."""

    draft_id: str
    referrer: int
    saved: dict[str, dict[str, Any]] = field(default_factory=dict)  # section -> answers posted, save seen to succeed
    unsure: list[str] = field(default_factory=list)  # sections whose save got no clear answer (5xx, no answer)
    submission_id: str | None = None  # the confirmation the submit redirected to
    submit_tried: bool = False


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# HTTP ----------------------------------------------------------------------------------------------------


_LINK = re.compile(r'href="/drafts/([0-9a-f]{32})/sections/([^"?#]+)"')
_REVISION = re.compile(r'name="revision" value="(\d+)"')
_WARNED = re.compile(r'name="warned" value="([^"]+)"')
_ACKNOWLEDGE = re.compile(r'name="acknowledge" type="checkbox" value="([^"]+)"')
_SUBMISSION = re.compile(r"^/submissions/([0-9a-f]{32})$")


def request(port: int, method: str, path: str, cookie: str, body: bytes | None = None) -> tuple[int, str, str, str]:
    """One request on a new connection (as bench/web.py's Browser, with a longer time-out): status,
    Location, body, Set-Cookie headers joined by newlines."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        headers = {"Cookie": cookie} if cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read().decode("utf-8", "replace")
        cookies = "\n".join(v for k, v in response.getheaders() if k.lower() == "set-cookie")
        return response.status, urllib.parse.urlsplit(response.getheader("Location") or "").path, data, cookies
    finally:
        connection.close()


class Client(webbench.Browser):
    """A signed-in person's browser: its own cookie jar; every request timed and recorded."""

    def __init__(self, port: int, email: str, recorder: Recorder, stop: threading.Event) -> None:
        super().__init__(port)
        self.email = email
        self.recorder = recorder
        self.stop = stop
        self.last = 0  # the status of the last request (0: no answer)

    def sign_in(self) -> None:
        status, _, page = self.request("GET", "/sign-in")
        if status != 200:
            raise RuntimeError(f"GET /sign-in: {status}")
        form = [("email", self.email), ("password", PASSWORD), ("csrf_token", webbench.csrf_from(page))]
        status, _, body = self.request("POST", "/sign-in", form=form)
        if status != 302:
            raise RuntimeError(f"POST /sign-in as {self.email}: {status} (expected 302)\n{body[:500]}")

    def call(self, route: str, method: str, path: str, form: list[tuple[str, str]] | None = None,
             expect: int | tuple[int, ...] = 200) -> tuple[int, str, str]:
        """The request, recorded; (status, Location path, body). An answer other than `expect` is
        recorded as unexpected and raises Broken (its status in `self.last`)."""
        expected = (expect,) if isinstance(expect, int) else expect
        self.last = 0
        if self.stop.is_set():
            raise Stop
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        started = time.perf_counter()
        try:
            status, location, text, cookies = request(self.port, method, path, self.cookie_header, body)
        except (OSError, http.client.HTTPException) as error:
            self.recorder.add(Sample(route, 0, (time.perf_counter() - started) * 1000, type(error).__name__))
            self.recorder.odd(f"{route}: no answer ({type(error).__name__}: {error})")
            raise Broken(route) from None
        self.recorder.add(Sample(route, status, (time.perf_counter() - started) * 1000))
        self.last = status
        for line in cookies.splitlines():
            key, _, value = line.partition(";")[0].partition("=")
            self.cookies[key.strip()] = value.strip()
        if status not in expected:
            self.recorder.odd(f"{route}: {status} (expected {expect}) {method} {path} {_gist(text)}")
            raise Broken(route)
        return status, location, text


def _gist(html: str) -> str:
    title = re.search(r"<title>\s*([^<]*?)\s*</title>", html)
    return f"[{title.group(1)[:120]}]" if title else html[:120].replace("\n", " ")


# Phase 1: referrers ------------------------------------------------------------------------------------


@dataclass
class Journey:
    """The answers each section posts (the complete scenario's), and how a referrer thinks."""

    compiled: CompiledForm
    answers: dict[str, Any]
    think: tuple[float, float]

    def section(self, section_id: str) -> m.Section:
        found = next((s for s in self.compiled.form.sections if s.id == section_id), None)
        if found is None:
            raise RuntimeError(f"the task list links to {section_id!r}, not a section of {FORM}")
        return found

    def answers_for(self, section: m.Section, marker: str) -> dict[str, Any]:
        ids = {f.id for f in section.fields}
        chosen = {k: v for k, v in self.answers.items() if k in ids}
        if MARKED in chosen:
            chosen[MARKED] = f"{chosen[MARKED]} [{marker}]"
        return chosen


class Referrer:
    """One person, in their own thread, starting and sending referrals until the phase ends."""

    def __init__(self, number: int, client: Client, journey: Journey, deadline: float, rng: random.Random) -> None:
        self.number = number
        self.client = client
        self.journey = journey
        self.deadline = deadline
        self.rng = rng
        self.drafts: list[DraftLog] = []
        self.broken = 0

    def think(self) -> None:
        low, high = self.journey.think
        pause = self.rng.uniform(low, high)
        if time.monotonic() + pause >= self.deadline:
            self.client.stop.wait(max(0.0, self.deadline - time.monotonic()))
            raise Stop
        if self.client.stop.wait(pause):
            raise Stop

    def run(self) -> None:
        try:
            self.client.stop.wait(self.rng.uniform(0, self.journey.think[1]))  # people arrive one by one
            while time.monotonic() < self.deadline and not self.client.stop.is_set():
                try:
                    self.referral()
                except Broken:
                    self.broken += 1
        except Stop:
            pass

    def referral(self) -> None:
        c = self.client
        self.think()
        _, _, page = c.call("start page", "GET", f"/forms/{FORM}")
        token = webbench.csrf_from(page)
        self.think()
        _, location, _ = c.call("start (POST)", "POST", f"/forms/{FORM}/drafts", [("csrf_token", token)], expect=302)
        found = re.fullmatch(r"/drafts/([0-9a-f]{32})/sections/[^/]+", location)
        if not found:  # e.g. Your forms, when this person has too many forms in progress
            c.recorder.odd(f"start (POST): redirected to {location!r}, not to a section")
            raise Broken("start")
        draft = DraftLog(found.group(1), self.number)
        self.drafts.append(draft)
        marker = f"load referrer {self.number} referral {len(self.drafts)}"
        c.call("redirect: section page", "GET", location)
        self.think()
        _, _, tasks = c.call("task list", "GET", f"/drafts/{draft.draft_id}")
        offered = [sid for did, sid in _LINK.findall(tasks) if did == draft.draft_id]
        if not offered:
            c.recorder.odd("task list: no section links")
            raise Broken("task list")
        check_page = self.sections(draft, offered, marker)
        if check_page is None:
            self.think()
            _, _, check_page = c.call("check answers", "GET", f"/drafts/{draft.draft_id}/check")
        ticks = [("acknowledge", code) for code in dict.fromkeys(_ACKNOWLEDGE.findall(check_page))]
        self.think()
        draft.submit_tried = True
        _, location, _ = c.call("submit (POST)", "POST", f"/drafts/{draft.draft_id}/submit",
                                [("csrf_token", webbench.csrf_from(check_page)), *ticks], expect=302)
        sent = _SUBMISSION.match(location)
        if not sent:
            c.recorder.odd(f"submit (POST): redirected to {location!r}, not to a confirmation")
            raise Broken("submit")
        draft.submission_id = sent.group(1)
        c.call("redirect: confirmation", "GET", location)

    def sections(self, draft: DraftLog, offered: list[str], marker: str) -> str | None:
        """Each section the task list offers (and any the redirects lead to), saved in turn. Returns
        the check answers page when the last redirect led there."""
        c = self.client
        landed: tuple[str, str] | None = None  # (section id, its page) a redirect has just shown
        check_page = None
        while True:
            if landed is not None and landed[0] not in draft.saved:
                section_id, page = landed
            else:
                section_id = next((s for s in offered if s not in draft.saved), "")
                if not section_id:
                    return check_page
                self.think()
                _, _, page = c.call("section page", "GET", f"/drafts/{draft.draft_id}/sections/{section_id}")
            section = self.journey.section(section_id)
            answers = self.journey.answers_for(section, marker)
            self.think()  # filling the page in
            location = self.save(draft, section, answers, page)
            landed, check_page = None, None
            _, _, shown = c.call("redirect: next page", "GET", location)
            if location.endswith("/check"):
                check_page = shown
            else:
                found = re.fullmatch(r"/drafts/[0-9a-f]{32}/sections/([^/]+)", location)
                if found:
                    landed = (found.group(1), shown)


    def save(self, draft: DraftLog, section: m.Section, answers: dict[str, Any], page: str) -> str:
        """POST the section as its page names the fields; where it redirects to. A page that comes
        back listing warnings (a 200: the answers are saved) is posted again with them."""
        c = self.client
        path = f"/drafts/{draft.draft_id}/sections/{section.id}"
        fields = html_form.encode(section.fields, answers)
        warned: list[tuple[str, str]] = []
        for attempt in range(2):
            revision = _REVISION.search(page)
            if revision is None:
                c.recorder.odd(f"section {section.id}: no revision field on the page")
                raise Broken("section page")
            if attempt:
                self.think()  # reading the warnings, then "Save and continue" again
            form = [("csrf_token", webbench.csrf_from(page)), ("revision", revision.group(1)), *fields, *warned,
                    ("action", "continue")]
            route = "section save (POST)" if attempt == 0 else "section save again (POST)"
            try:
                status, location, body = c.call(route, "POST", path, form, expect=(302, 200))
            except Broken:
                draft.unsure.append(section.id)  # saved or not: the referrer cannot tell
                raise
            draft.saved[section.id] = answers  # a 302, or a 200 listing warnings: both saved the answers
            if status == 302:
                return location
            warned = [("warned", key) for key in _WARNED.findall(body)]
            if not warned:
                c.recorder.odd(f"section save (POST) {section.id}: 200 without warnings {_gist(body)}")
                raise Broken("section save")
            page = body
        c.recorder.odd(f"section save (POST) {section.id}: still listing warnings after posting them back")
        raise Broken("section save")


# Phase 2: submissions at a fixed rate ----------------------------------------------------------------------


@dataclass
class Sent:
    status: int
    location: str
    ms: float  # from when it was due to its answer
    service_ms: float  # from when it started to its answer
    late_ms: float  # how long after it was due it started
    error: str = ""


def submissions(port: int, accounts: list[tuple[str, str]], ids: list[str], owners: list[int], rate: float,
                count: int, ticks: list[tuple[str, str]], stop: threading.Event) -> tuple[list[Sent | None], float]:
    """Open loop: the i-th submit starts at begin + i / rate. Returns each one's answer (None if it
    never started) and the seconds from the first start to the last answer."""
    results: list[Sent | None] = [None] * count
    ends: list[float] = []
    begin = time.perf_counter() + 0.2

    def one(i: int) -> None:
        due = begin + i / rate
        started = time.perf_counter()
        cookie, token = accounts[owners[i]]
        body = urllib.parse.urlencode([("csrf_token", token), *ticks]).encode()
        status, location, error = 0, "", ""
        try:
            status, location, _, _ = request(port, "POST", f"/drafts/{ids[i]}/submit", cookie, body)
        except Exception as problem:  # no answer (refused, reset, timed out): a failure like any other
            error = f"{type(problem).__name__}: {problem}"
        ended = time.perf_counter()
        results[i] = Sent(status, location, (ended - due) * 1000, (ended - started) * 1000, (started - due) * 1000,
                          error)
        ends.append(ended)

    pool = ThreadPoolExecutor(max_workers=max(32, int(rate * 10)), thread_name_prefix="submit")
    interrupted = True
    try:
        for i in range(count):
            wait = begin + i / rate - time.perf_counter()
            if wait > 0 and stop.wait(wait):
                break
            pool.submit(one, i)
        interrupted = False
    finally:
        pool.shutdown(wait=not interrupted, cancel_futures=interrupted)
    return results, (max(ends) - begin) if ends else 0.0


# The database afterwards ----------------------------------------------------------------------------------


def _same(f: m.Field, sent: Any, stored: dict[str, Any]) -> bool:
    """Whether the stored answer posts as the sent one did (so a normalised value is not a loss)."""
    if f.id not in stored:
        return html_form.encode([f], {f.id: sent}) == html_form.encode([f], {f.id: None})
    return html_form.encode([f], {f.id: sent}) == html_form.encode([f], {f.id: stored[f.id]})


def check_referrers(url: str, logs: list[DraftLog], compiled: CompiledForm) -> dict[str, Any]:
    """Every draft against what its referrer saw: see the module's docstring."""
    sections = {s.id: s for s in compiled.form.sections}
    drafts, sent = _read(url, [d.draft_id for d in logs])
    out: dict[str, Any] = {"drafts_started": len(logs), "sections_saved": sum(len(d.saved) for d in logs),
                           "saves_unsure": sum(len(d.unsure) for d in logs),
                           "submissions_seen": sum(1 for d in logs if d.submission_id),
                           "sent_unseen": 0, "lost_drafts": 0, "duplicate_submissions": 0, "lost": []}
    compared: Counter[str] = Counter()
    for d in logs:
        row, subs = drafts.get(d.draft_id), sent.get(d.draft_id, [])
        problems: list[str] = []
        if len(subs) > 1:
            out["duplicate_submissions"] += 1
            problems.append(f"{len(subs)} submissions")
        if d.submission_id and [s_id for s_id, _ in subs] != [d.submission_id]:
            problems.append(f"the confirmation named {d.submission_id}, the database holds {[s for s, _ in subs]}")
        if subs and not d.submission_id:
            out["sent_unseen"] += 1  # its submit got no clear answer, but it was sent: checked below
        if row is None:
            problems.append("the draft is gone")
        elif not subs and row[0] != "draft":
            problems.append(f"draft status {row[0]!r} without a submission")
        stored = subs[0][1] if subs else (row[1] if row else {})
        problems += _differences(d, stored, sections, compiled if subs else None, compared)
        if problems:
            out["lost_drafts"] += 1
            out["lost"].append(f"{d.draft_id} (referrer {d.referrer}): " + "; ".join(problems[:4]))
    out["answers_compared"] = compared["fields"]
    return out


def _differences(d: DraftLog, stored: dict[str, Any], sections: dict[str, m.Section],
                 sent_on: CompiledForm | None, compared: Counter[str]) -> list[str]:
    """The fields of the sections `d` saved whose stored answer is not the one posted. `sent_on`:
    the draft was submitted, and its submission holds only what the engine keeps (answers to hidden
    questions are dropped), so only those are compared."""
    kept = None
    if sent_on is not None:
        kept = evaluate(sent_on, {k: v for answers in d.saved.values() for k, v in answers.items()}).answers
    found = []
    for section_id, answers in d.saved.items():
        if section_id in d.unsure:
            continue
        for f in sections[section_id].fields:
            if f.id in answers and (kept is None or f.id in kept):
                compared["fields"] += 1
                if not _same(f, answers[f.id], stored):
                    found.append(f"{section_id}.{f.id} differs")
    return found


def check_submissions(url: str, ids: list[str], results: list[Sent | None]) -> dict[str, Any]:
    _, sent = _read(url, ids, drafts_too=False)
    out: dict[str, Any] = {"duplicate_submissions": sum(1 for i in ids if len(sent.get(i, [])) > 1),
                           "success_not_stored": 0, "stored_after_failure": 0}
    for draft_id, result in zip(ids, results, strict=True):
        if result is None:
            continue
        found = _SUBMISSION.match(result.location) if result.status == 302 else None
        stored = [s for s, _ in sent.get(draft_id, [])]
        if found and stored != [found.group(1)]:
            out["success_not_stored"] += 1
        if not found and stored:
            out["stored_after_failure"] += 1
    return out


def _read(url: str, ids: list[str], drafts_too: bool = True,
          ) -> tuple[dict[str, tuple[str, dict[str, Any]]], dict[str, list[tuple[str, dict[str, Any]]]]]:
    engine = create_engine(url, poolclass=NullPool)
    drafts: dict[str, tuple[str, dict[str, Any]]] = {}
    sent: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    try:
        with engine.connect() as connection:
            for start in range(0, len(ids), 2000):
                chunk = ids[start:start + 2000]
                if drafts_too:
                    for row in connection.execute(select(Draft.id, Draft.status, Draft.answers).where(Draft.id.in_(chunk))):
                        drafts[row.id] = (row.status, row.answers or {})
                query = select(Submission.draft_id, Submission.id, Submission.answers).where(Submission.draft_id.in_(chunk))
                for row in connection.execute(query.order_by(Submission.submitted_at)):
                    sent[row.draft_id].append((row.id, row.answers or {}))
    finally:
        engine.dispose()
    return drafts, sent


# Setting up ---------------------------------------------------------------------------------------------------


class LoadServer(webbench.Server):
    """bench/web.py's gunicorn master, with the number of workers and threads (gthread) chosen."""

    def __init__(self, workers: int, threads: int, env: dict[str, str], workdir: Path) -> None:
        self.name = "app"
        self.workers = workers
        self.port = webbench.free_port()
        self.log = workdir / "app.log"
        kind = ["-k", "gthread", "--threads", str(threads)] if threads > 1 else ["-k", "sync"]
        command = [sys.executable, "-m", "gunicorn", "-w", str(workers), *kind, "-b", f"127.0.0.1:{self.port}",
                   "--pythonpath", str(HERE), "--error-logfile", str(self.log), "--graceful-timeout", "5",
                   "web_app:app"]
        self.process = subprocess.Popen(command, env={**os.environ, **env}, cwd=str(REPO), start_new_session=True,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.tail()}")
            try:
                request(self.port, "GET", path, "")
                if len(webbench._children(self.pid)) >= self.workers:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s: {self.tail()}")

    def problems(self) -> list[str]:
        """Errors and worker time-outs in gunicorn's log (the app logs its errors there), each error
        with the last line of its traceback (the exception)."""
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return []
        found: list[str] = []
        for n, line in enumerate(lines):
            if re.search(r"ERROR|CRITICAL|WORKER TIMEOUT", line):
                found.append(line.strip())
            elif line and not line[0].isspace() and n and lines[n - 1].startswith("    ") and ":" in line:
                found.append("  " + line.strip())  # an exception line, after a traceback's frames
        return found


def make_accounts(url: str, secret: str, workdir: Path, emails: list[str]) -> list[int]:
    """Professional accounts of one agency (agency_id empty: every form), all with PASSWORD."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "UPLOAD_FOLDER": str(workdir / "uploads"),
                      "DEFINITIONS_PATH": str(REPO / "definitions"), "SESSION_COOKIE_SECURE": False})
    try:
        with app.app_context():
            first = create_user(emails[0], "Load Referrer 0", "professional", PASSWORD, AGENCY)
            users = [first] + [create_user(e, f"Load Referrer {n}", "professional", "x", AGENCY)
                               for n, e in enumerate(emails[1:], 1)]
            for user in users[1:]:
                user.password_hash = first.password_hash  # one hash: the same password, hashed once
            db.session().commit()
            ids = [u.id for u in users]
            db.session().close()
        return ids
    finally:
        from fanlight.web import extensions

        extensions.db_engine(app).dispose()


def give_drafts(url: str, ids: list[str], owners: list[int], user_ids: list[int]) -> None:
    """The submitters' drafts: draft i belongs to submitter owners[i]."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            for k, user_id in enumerate(user_ids):
                mine = [d for d, o in zip(ids, owners, strict=True) if o == k]
                for start in range(0, len(mine), 2000):
                    connection.execute(update(Draft).where(Draft.id.in_(mine[start:start + 2000]))
                                       .values(owner_id=user_id))
    finally:
        engine.dispose()


def sign_in_all(clients: list[Client]) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        for done in [pool.submit(c.sign_in) for c in clients]:
            done.result()


# Figures ---------------------------------------------------------------------------------------------------


def latency(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(pct(values, 0.50), 1), "p95_ms": round(pct(values, 0.95), 1),
            "p99_ms": round(pct(values, 0.99), 1), "max_ms": round(max(values, default=float("nan")), 1)}


def cpu_figures(used: dict[str, float], client_cpu: float, seconds: float) -> dict[str, float]:
    """CPU in cores over the phase: the app, its PostgreSQL backends, this client, everything else."""
    others = used["machine"] - used["app"] - used["db"] - client_cpu
    return {k: round(v / seconds, 2) for k, v in
            (("app", used["app"]), ("postgresql", used["db"]), ("client", client_cpu), ("others", max(0.0, others)))}


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def referrer_figures(recorder: Recorder, begun: float, seconds: float, referrers: list[Referrer]) -> dict[str, Any]:
    samples = recorder.samples
    times = [s.ms for s in samples]
    statuses = Counter(s.status for s in samples)
    routes: dict[str, Any] = {}
    for route in dict.fromkeys(s.route for s in samples):
        mine = [s for s in samples if s.route == route]
        routes[route] = {"requests": len(mine), **latency([s.ms for s in mine]),
                         "server_errors": sum(1 for s in mine if s.status == 0 or s.status >= 500),
                         "other_4xx": sum(1 for s in mine if 400 <= s.status < 500)}
    return {
        "requests": len(samples), "per_second": round(len(samples) / seconds, 1) if seconds else 0.0,
        **latency(times), "over_500_ms": sum(1 for t in times if t >= P95_TARGET_MS),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "server_errors": sum(v for k, v in statuses.items() if k == 0 or k >= 500),
        "client_errors_4xx": sum(v for k, v in statuses.items() if 400 <= k < 500),
        "unexpected": len(recorder.unexpected), "unexpected_first": recorder.unexpected[:10],
        "referrals_abandoned": sum(r.broken for r in referrers),
        "slowest": [f"{s.route} {s.status} {s.ms:.0f} ms, {s.at - begun:.0f} s in"
                    for s in sorted(samples, key=lambda s: -s.ms)[:8]],
        "routes": routes,
    }


@dataclass
class Options:
    referrers: int
    minutes: float
    think: tuple[float, float]
    rate: float
    seconds: float
    submitters: int
    workers: int
    threads: int
    phases: str
    quick: bool
    log: str | None = None  # where to keep gunicorn's log

    @property
    def official(self) -> bool:
        """The quality figure's own parameters (the targets are judged either way)."""
        return (self.referrers >= REFERRERS and self.minutes >= MINUTES and self.rate >= RATE
                and self.seconds >= SECONDS and self.think == (0.5, 2.0))


def verdicts(options: Options, figures: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(what: str, value: str, target: str, met: bool) -> None:
        out.append({"what": what, "value": value, "target": target, "met": met})

    one = figures.get("referrers")
    if one:
        label = f"{options.referrers} referrers, {options.minutes:g} min"
        add(f"{label}: server errors", str(one["server_errors"]), "0", one["server_errors"] == 0)
        add(f"{label}: lost drafts", str(one["lost_drafts"]), "0", one["lost_drafts"] == 0)
        add(f"{label}: duplicate submissions", str(one["duplicate_submissions"]), "0",
            one["duplicate_submissions"] == 0)
        add(f"{label}: p95 latency", f"{one['p95_ms']:.0f} ms", f"< {P95_TARGET_MS:.0f} ms",
            one["p95_ms"] < P95_TARGET_MS)
    two = figures.get("submissions")
    if two:
        label = f"{options.rate:g} submissions/s, {options.seconds:g} s"
        ok = two["successes"] == two["scheduled"] and not two["duplicate_submissions"] and not two["success_not_stored"]
        add(f"{label}: success", f"{two['successes']}/{two['scheduled']} ({two['success_rate']:.1%})", "100%", ok)
        add(f"{label}: rate achieved", f"{two['achieved_per_second']:.1f}/s", f"≥ {options.rate:g}/s",
            two["achieved_per_second"] >= options.rate * 0.98 and ok)
    return out


def print_figures(options: Options, figures: dict[str, Any], checks: list[dict[str, Any]]) -> None:
    one, two = figures.get("referrers"), figures.get("submissions")
    if one:
        print(f"\nPhase 1: {options.referrers} referrers for {options.minutes:g} min, think "
              f"{options.think[0]:g}-{options.think[1]:g} s")
        print(f"  {one['requests']:,} requests ({one['per_second']}/s); latency p50 {one['p50_ms']} ms, p95 "
              f"{one['p95_ms']} ms, p99 {one['p99_ms']} ms, max {one['max_ms']} ms; {one['over_500_ms']} took "
              f"≥ {P95_TARGET_MS:.0f} ms")
        print(f"  statuses {one['statuses']}; server errors {one['server_errors']}; unexpected answers "
              f"{one['unexpected']}; referrals abandoned {one['referrals_abandoned']}")
        print(f"  drafts started {one['drafts_started']}, sections saved {one['sections_saved']} (no clear answer: "
              f"{one['saves_unsure']}), submissions seen {one['submissions_seen']} (sent, not seen: "
              f"{one['sent_unseen']}); lost drafts {one['lost_drafts']}, duplicate submissions "
              f"{one['duplicate_submissions']} ({one['answers_compared']:,} answers compared)")
        print(f"  slowest: {'; '.join(one['slowest'][:5])}")
        print(f"  CPU (cores): {one['cpu']}")
        print(f"  {'route':<28}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'5xx/none':>10}"
              f"{'4xx':>6}")
        for route, r in one["routes"].items():
            print(f"  {route:<28}{r['requests']:>9}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}{r['max_ms']:>9}"
                  f"{r['server_errors']:>10}{r['other_4xx']:>6}")
        for line in one["unexpected_first"] + one["lost"][:10]:
            print(f"  ! {line}")
    if two:
        print(f"\nPhase 2: {options.rate:g} submissions/s for {options.seconds:g} s (open loop), "
              f"{options.submitters} submitters")
        print(f"  {two['scheduled']} scheduled, {two['started']} started, {two['successes']} succeeded, "
              f"{two['failures']} failed {two['failure_statuses'] or ''}; achieved {two['achieved_per_second']}/s")
        print(f"  latency from when due: p50 {two['p50_ms']} ms, p95 {two['p95_ms']} ms, p99 {two['p99_ms']} ms, "
              f"max {two['max_ms']} ms; started late by up to {two['late_max_ms']} ms")
        print(f"  slowest: {'; '.join(two['slowest'])}")
        print(f"  time to answer once started (service), p95 {two['service_p95_ms']} ms; p50 of the first tenth "
              f"{two['service_p50_first_tenth_ms']} ms, of the last tenth {two['service_p50_last_tenth_ms']} ms")
        print(f"  duplicate submissions {two['duplicate_submissions']}, successes not stored "
              f"{two['success_not_stored']}, stored after a failure {two['stored_after_failure']}")
        print(f"  CPU (cores): {two['cpu']}")
    if figures.get("server_log"):
        print("\ngunicorn's log:")
        for line in figures["server_log"][:10]:
            print(f"  {line}")
    print()
    note = "" if options.official else "   (smoke parameters: not the quality figure)"
    print(f"{'target':<52}{'measured':>22}  {'required':<10}result{note}")
    for c in checks:
        print(f"{c['what']:<52}{c['value']:>22}  {c['target']:<10}{'MET' if c['met'] else 'NOT MET'}")


# The run ------------------------------------------------------------------------------------------------------


class Run:
    def __init__(self, options: Options, backend: webbench.Backend, workdir: Path) -> None:
        self.options = options
        self.backend = backend
        self.workdir = workdir
        self.secret = secrets.token_hex(32)
        self.stop = threading.Event()
        self.server: LoadServer | None = None
        self.figures: dict[str, Any] = {}

    def set_up(self) -> None:
        o = self.options
        count = int(o.rate * o.seconds) if o.phases != "referrers" else 0
        started = time.monotonic()
        self.prepared = webbench.prepare(self.backend, self.workdir, self.secret, {"submit": count})
        referrers = [f"referrer-{n}@load-agency.example" for n in range(o.referrers)]
        submitters = [f"submitter-{n}@load-agency.example" for n in range(o.submitters)]
        user_ids = make_accounts(self.backend.url, self.secret, self.workdir, referrers + submitters)
        self.pool = self.prepared.pools["submit"]
        self.owners = [i % o.submitters for i in range(len(self.pool))]
        give_drafts(self.backend.url, self.pool, self.owners, user_ids[o.referrers:])
        env = {
            "FANLIGHT_BENCH_DATABASE_URL": self.backend.url,
            "FANLIGHT_BENCH_SECRET_KEY": self.secret,
            "FANLIGHT_INSTANCE": str(self.workdir / "instance"),
            "FANLIGHT_BENCH_UPLOADS": str(self.workdir / "instance" / "uploads"),
            # Every account signs in from 127.0.0.1: the per-address sign-in limit is lifted.
            "FANLIGHT_RATELIMIT_SIGN_IN": "1000000 per minute",
        }
        self.server = LoadServer(o.workers, o.threads, env, self.workdir)
        self.server.wait_ready("/sign-in")
        self.recorder = Recorder()
        self.referrer_clients = [Client(self.server.port, e, self.recorder, self.stop) for e in referrers]
        self.submitter_clients = [Client(self.server.port, e, Recorder(), self.stop) for e in submitters]
        sign_in_all(self.referrer_clients + self.submitter_clients)
        self.figures["setup_seconds"] = round(time.monotonic() - started, 1)

    def meter(self) -> webbench.CpuMeter:
        assert self.server is not None
        return webbench.CpuMeter(self.server.pid, self.backend.url.rsplit("/", 1)[1])

    def referrers(self) -> None:
        o = self.options
        journey = Journey(self.prepared.compiled, webbench.complete_answers(), o.think)
        deadline = time.monotonic() + o.minutes * 60
        people = [Referrer(n, c, journey, deadline, random.Random(n)) for n, c in enumerate(self.referrer_clients)]
        threads = [threading.Thread(target=p.run, name=f"referrer-{p.number}", daemon=True) for p in people]
        print(f"phase 1: {o.referrers} referrers for {o.minutes:g} min ...", flush=True)
        meter, cpu = self.meter(), _own_cpu()
        meter.start()
        begun = time.monotonic()
        for t in threads:
            t.start()
        _join(threads)
        seconds = time.monotonic() - begun
        used, cpu = meter.stop(), _own_cpu() - cpu
        figures = referrer_figures(self.recorder, begun, seconds, people)
        logs = [d for p in people for d in p.drafts]
        checked = check_referrers(self.backend.url, logs, self.prepared.compiled)
        self.figures["referrers"] = {"seconds": round(seconds, 1), **figures, **checked,
                                     "cpu": cpu_figures(used, cpu, seconds)}

    def submissions(self) -> None:
        o = self.options
        accounts = []
        for c in self.submitter_clients:
            _, _, page = c.call("your forms", "GET", "/your-forms")
            accounts.append((c.cookie_header, webbench.csrf_from(page)))
        # The warnings the check answers page asks to acknowledge (none for the complete scenario today).
        _, _, page = self.submitter_clients[0].call("check answers", "GET", f"/drafts/{self.pool[0]}/check")
        ticks = [("acknowledge", code) for code in dict.fromkeys(_ACKNOWLEDGE.findall(page))]
        print(f"phase 2: {o.rate:g} submissions/s for {o.seconds:g} s ...", flush=True)
        meter, cpu = self.meter(), _own_cpu()
        meter.start()
        results, seconds = submissions(self.server.port if self.server else 0, accounts, self.pool, self.owners,
                                       o.rate, len(self.pool), ticks, self.stop)
        used, cpu = meter.stop(), _own_cpu() - cpu
        done = [r for r in results if r is not None]
        ok = [r for r in done if r.status == 302 and _SUBMISSION.match(r.location)]
        failures = Counter(r.error.split(":")[0] if r.status == 0 else str(r.status) for r in done if r not in ok)
        self.figures["submissions"] = {
            "scheduled": len(results), "started": len(done), "successes": len(ok), "failures": len(done) - len(ok),
            "failure_statuses": dict(failures), "success_rate": len(ok) / len(results) if results else 0.0,
            "seconds": round(seconds, 2), "achieved_per_second": round(len(ok) / seconds, 2) if seconds else 0.0,
            **latency([r.ms for r in done]), "service_p95_ms": round(pct([r.service_ms for r in done], 0.95), 1),
            "late_max_ms": round(max((r.late_ms for r in done), default=0.0), 1),
            # Does a submit cost more as referrals pile up (every one is about the same children)?
            "service_p50_first_tenth_ms": round(pct([r.service_ms for r in done[:max(1, len(done) // 10)]], 0.5), 1),
            "service_p50_last_tenth_ms": round(pct([r.service_ms for r in done[-max(1, len(done) // 10):]], 0.5), 1),
            "slowest": [f"#{i} {r.status} {r.ms:.0f} ms, {i / o.rate:.1f} s in" for i, r in
                        sorted(((i, r) for i, r in enumerate(results) if r), key=lambda x: -x[1].ms)[:5]],
            **check_submissions(self.backend.url, self.pool, results),
            "cpu": cpu_figures(used, cpu, seconds or 1.0),
        }

    def run(self) -> None:
        try:
            self.set_up()
            if self.options.phases in ("both", "referrers"):
                self.referrers()
            if self.options.phases in ("both", "submissions"):
                self.submissions()
        finally:
            self.stop.set()
            if self.server is not None:
                self.server.stop()
                self.figures["server_log"] = self.server.problems()[:50]
                if self.options.log:
                    shutil.copyfile(self.server.log, self.options.log)


def _join(threads: list[threading.Thread]) -> None:
    """Wait for the threads in a way Ctrl-C (or SIGTERM) still interrupts."""
    for t in threads:
        while t.is_alive():
            t.join(0.5)


def _think(value: str) -> tuple[float, float]:
    low, _, high = value.partition("-")
    pair = (float(low), float(high or low))
    if pair[0] < 0 or pair[1] < pair[0]:
        raise argparse.ArgumentTypeError("think time: MIN-MAX seconds, e.g. 0.5-2")
    return pair


def _stop(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2 referrers for 30 s, 5 submissions/s for 10 s (unless given)")
    parser.add_argument("--referrers", type=int, help=f"concurrent referrers (default {REFERRERS})")
    parser.add_argument("--minutes", type=float, help=f"length of phase 1 (default {MINUTES:g})")
    parser.add_argument("--think", type=_think, default=(0.5, 2.0), metavar="MIN-MAX",
                        help="seconds a referrer waits before each request, at random (default 0.5-2)")
    parser.add_argument("--rate", type=float, help=f"submissions a second in phase 2 (default {RATE:g})")
    parser.add_argument("--seconds", type=float, help=f"length of phase 2 (default {SECONDS:g})")
    parser.add_argument("--submitters", type=int, default=10, help="signed-in accounts sharing phase 2 (default 10)")
    parser.add_argument("--workers", type=int, default=webbench.WORKERS, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gunicorn worker (default 1: sync workers; more: gthread)")
    parser.add_argument("--phase", choices=("both", "referrers", "submissions"), default="both")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--log", metavar="PATH", help="keep gunicorn's log (errors, tracebacks) there")
    args = parser.parse_args(argv)
    quick = QUICK if args.quick else {"referrers": REFERRERS, "minutes": MINUTES, "rate": RATE, "seconds": SECONDS}
    options = Options(
        referrers=args.referrers or int(quick["referrers"]), minutes=args.minutes or quick["minutes"],
        think=args.think, rate=args.rate or quick["rate"], seconds=args.seconds or quick["seconds"],
        submitters=max(1, args.submitters), workers=args.workers, threads=args.threads, phases=args.phase,
        quick=args.quick, log=args.log,
    )
    about = webbench.machine()
    kind = f"gthread, {options.threads} threads each" if options.threads > 1 else "sync"
    print(f"Fanlight load test: gunicorn -w {options.workers} ({kind}), PostgreSQL, loopback")
    print(f"  {about['cores']} cores ({about['cpu']}), Python {about['python']}, gunicorn {about['gunicorn']}, "
          f"Flask {about['flask']}; load {' '.join(about['load_before'])}")
    neighbours = webbench.busy_neighbours()
    if neighbours:
        print(f"  WARNING: other processes are busy on this machine: {', '.join(neighbours)}")

    signal.signal(signal.SIGTERM, _stop)  # SIGTERM stops the run like Ctrl-C: server stopped, database dropped
    failed = False
    workdir = Path(tempfile.mkdtemp(prefix="fanlight-bench-load-"))
    run: Run | None = None
    try:
        backend = webbench.postgres_backend(os.environ.get("FANLIGHT_BENCH_POSTGRES") or webbench.POSTGRES_DEFAULT)
        try:
            run = Run(options, backend, workdir)
            run.run()
        finally:
            backend.drop()
    except (Exception, KeyboardInterrupt) as error:  # report and clean up, whatever went wrong
        failed = True
        print(f"\nFAILED: {type(error).__name__}: {error}", file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    figures = run.figures if run is not None else {}
    checks = verdicts(options, figures)
    print_figures(options, figures, checks)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"command": COMMAND + " " + " ".join(argv if argv is not None else sys.argv[1:]), "machine": about,
             "neighbours": neighbours, "options": asdict(options), "official": options.official,
             "figures": figures, "targets": checks}, indent=2, default=str))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
