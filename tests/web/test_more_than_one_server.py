"""More than one server (README, "Running more than one server"): two gunicorn servers on
different ports, over one PostgreSQL database and one Redis, as a council runs them behind a
load balancer. Each server has an instance and upload folder of its own, so anything a request
needed from one server's disk would show here.

- a file uploaded through one server is downloaded through the other;
- a rate limit is counted once across both;
- a publication made through one is served by the other within a second.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from fanlight.web import extensions
from tests.support.factories import DEFINITIONS, csrf_from, make_user
from tests.support.live_server import free_port
from tests.support.services import REDIS, redis_connection
from tests.support.web import clean, make_app

ROOT = Path(__file__).resolve().parents[2]
CFC = "forms/cause-for-concern.yaml"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" + secrets.token_bytes(64)


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def _start(root: Path, env: dict[str, str]) -> Server:
    port = free_port()
    root.mkdir()
    log = root / "gunicorn.log"
    own = {**env, "FANLIGHT_INSTANCE": str(root / "instance"), "FANLIGHT_UPLOADS": str(root / "uploads")}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "fanlight.web:create_app()"],
            cwd=root, env=own, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server stopped: {log.read_text()}")
        try:
            if requests.get(f"{url}/sign-in", timeout=20).status_code == 200:
                return Server(url, process, log)
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    process.wait()
    pytest.fail(f"the server did not start: {log.read_text()}")


@pytest.fixture(scope="module")
def servers(postgresql_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    """Started once for this module's stories (each person in them is new, with an address of their own)."""
    tmp_path = tmp_path_factory.mktemp("servers")
    redis_connection().close()
    clean(postgresql_url)
    prefix = f"fanlight-test-{secrets.token_hex(6)}"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(ROOT / r) for r in ("platform", "renderers", "admin")),
        "FANLIGHT_ENV": "production", "FANLIGHT_INSECURE_COOKIES": "1",  # plain HTTP on the loopback
        "DATABASE_URL": postgresql_url, "FANLIGHT_DEFINITIONS": str(DEFINITIONS),
        "FANLIGHT_SECRET_KEY": secrets.token_hex(32),
        "FANLIGHT_RATELIMIT_STORAGE": REDIS, "FANLIGHT_RATELIMIT_PREFIX": prefix,
        "FANLIGHT_RATELIMIT_SIGN_IN": "4 per minute",
        "FANLIGHT_TRUSTED_PROXIES": "1",  # the load balancer says who the client is
        "FANLIGHT_ATTACHMENT_STORAGE": "database",
    }
    env.pop("FANLIGHT_DEMO_ACCOUNTS", None)
    started: list[Server] = []
    try:
        started.append(_start(tmp_path / "one", env))
        started.append(_start(tmp_path / "two", env))
        yield started[0], started[1]
    finally:
        for server in started:
            server.process.terminate()
            server.process.wait(timeout=20)
        import redis

        connection = redis.Redis.from_url(REDIS)
        keys = connection.keys(f"*{prefix}*")
        if keys:
            connection.delete(*keys)
        connection.close()


@pytest.fixture
def people(postgresql_url: str, tmp_path: Path) -> dict[str, Any]:
    """A teacher, a service lead and an IT reviewer, in the database both servers share."""
    app = make_app({"DATABASE_URL": postgresql_url, "DEFINITIONS_PATH": str(DEFINITIONS), "SECRET_KEY": "people",
                    "UPLOAD_FOLDER": str(tmp_path / "unused")})
    try:
        return {role: make_user(app, role=role) for role in ("professional", "service_lead", "it_reviewer")}
    finally:
        extensions.db_engine(app).dispose()


class Browser:
    """One person's browser: its cookies go to whichever server the load balancer picks."""

    def __init__(self, address: str) -> None:
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = address

    def get(self, url: str) -> requests.Response:
        return self.http.get(url, timeout=10, allow_redirects=False)

    def post(self, url: str, data: dict[str, Any] | list[tuple[str, str]], token_from: str,
             files: dict[str, Any] | None = None) -> requests.Response:
        page = self.get(token_from)
        fields = [*(data.items() if isinstance(data, dict) else data), ("csrf_token", csrf_from(page.text))]
        return self.http.post(url, data=fields, files=files, timeout=30, allow_redirects=False)

    def sign_in(self, server: Server, person: Any) -> requests.Response:
        return self.post(f"{server.url}/sign-in", {"email": person.email, "password": person.password},
                         token_from=f"{server.url}/sign-in")


def test_a_file_uploaded_through_one_server_is_downloaded_through_the_other(servers, people):
    one, two = servers
    teacher = Browser("198.51.100.10")
    assert teacher.sign_in(one, people["professional"]).status_code == 302
    started = teacher.post(f"{one.url}/forms/cause-for-concern/drafts", {}, token_from=f"{one.url}/forms/cause-for-concern")
    draft_id = re.match(r"^/drafts/([0-9a-f]{32})/", started.headers["Location"]).group(1)
    section = f"/drafts/{draft_id}/sections/documents"
    revision = re.search(r'name="revision" value="(\d+)"', teacher.get(one.url + section).text).group(1)
    sent = teacher.post(f"{one.url}/drafts/{draft_id}/files/attachments", [("revision", revision)],
                        token_from=one.url + section, files={"attachments": ("school-log.pdf", PDF, "application/pdf")})
    assert sent.status_code == 302, sent.text[:500]

    page = teacher.get(two.url + section)  # the same session, on the other server
    assert page.status_code == 200 and "school-log.pdf" in page.text
    link = re.search(r'href="(/attachments/[0-9a-f]+)"', page.text).group(1)
    download = teacher.get(two.url + link)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert not any((Path(one.log).parent / "uploads").glob("*")), "the file was kept on one server's disk"


def test_a_rate_limit_is_counted_once_across_both_servers(servers):
    one, two = servers
    guesser = Browser("203.0.113.66")
    statuses = []
    for n in range(6):
        server = (one, two)[n % 2]
        response = guesser.post(f"{server.url}/sign-in", {"email": f"guess{n}@example.org", "password": "wrong"},
                                token_from=f"{server.url}/sign-in")
        statuses.append(response.status_code)
    assert statuses == [401, 401, 401, 401, 429, 429]  # 4 a minute in all, not 4 on each server
    assert Browser("203.0.113.67").post(f"{two.url}/sign-in", {"email": "someone@example.org", "password": "x"},
                                        token_from=f"{two.url}/sign-in").status_code == 401  # others are not held


def test_a_publication_made_through_one_server_is_served_by_the_other_within_a_second(servers, people):
    one, two = servers
    new_title = f"Cause for concern ({secrets.token_hex(3)})"
    lead, reviewer, teacher = Browser("198.51.100.20"), Browser("198.51.100.21"), Browser("198.51.100.22")
    for browser, role in ((lead, "service_lead"), (reviewer, "it_reviewer"), (teacher, "professional")):
        assert browser.sign_in(one, people[role]).status_code == 302
    start = f"{two.url}/forms/cause-for-concern"
    assert "Cause for concern" in teacher.get(start).text and new_title not in teacher.get(start).text

    created = lead.post(f"{one.url}/admin/changes", {"path": CFC, "title": "A clearer title",
                                                       "reason": "The old title confuses referrers."}, token_from=f"{one.url}/admin/")
    change_id = re.match(r"^/admin/changes/(\d+)/", created.headers["Location"]).group(1)
    change = f"{one.url}/admin/changes/{change_id}"
    text = (DEFINITIONS / CFC).read_text().replace("title: Cause for concern\n", f"title: {new_title}\n", 1)
    assert lead.post(f"{change}/edit", {"path": CFC, "text": text}, token_from=f"{one.url}/admin/").status_code == 302
    assert lead.post(f"{change}/submit", {}, token_from=f"{one.url}/admin/").status_code == 302
    assert reviewer.post(f"{change}/approve", {}, token_from=f"{one.url}/admin/").status_code == 302
    published = reviewer.post(f"{change}/publish", {}, token_from=f"{one.url}/admin/")
    assert published.status_code == 302
    at = time.monotonic()
    while new_title not in teacher.get(start).text:
        assert time.monotonic() - at < 1.0, "the other server still serves the old version after a second"
        time.sleep(0.05)
