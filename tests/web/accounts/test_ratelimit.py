"""Rate limits on the ways in (Flask-Limiter): per client address, per inbox; in memory and in Redis."""

from __future__ import annotations

import secrets

import pytest

from fanlight.web import extensions
from fanlight.web.models import AuditEvent
from tests.support.factories import audit_rows, count, csrf_from
from tests.support.mailbox import outbox, post_page
from tests.support.services import REDIS, redis_connection
from tests.web.accounts.test_lockout import attempt


@pytest.fixture
def config(config):
    """Small limits, so a test reaches them quickly."""
    return {**config, "FANLIGHT_RATELIMIT_SIGN_IN": "5 per minute", "FANLIGHT_RATELIMIT_REGISTER": "4 per minute",
            "FANLIGHT_RATELIMIT_RESET": "4 per minute", "FANLIGHT_RATELIMIT_MAIL_TO": "2 per hour"}


def test_sign_in_is_rate_limited_per_client_address(app, teacher):
    client = app.test_client()
    here = {"environ_base": {"REMOTE_ADDR": "203.0.113.7"}}
    for n in range(5):  # five different addresses: the lockout never starts, the rate limit does
        assert attempt(client, f"person{n}@test-agency.example", "wrong", **here).status_code == 401
    limited = attempt(client, teacher.email, teacher.password, **here)
    assert limited.status_code == 429
    assert "Too many attempts" in limited.get_data(as_text=True)
    assert int(limited.headers["Retry-After"]) > 0
    # Another client address is not affected; pages (GET) are never limited.
    elsewhere = {"environ_base": {"REMOTE_ADDR": "198.51.100.9"}}
    assert attempt(client, teacher.email, teacher.password, **elsewhere).status_code == 302
    assert client.get("/sign-in", **here).status_code == 200
    (row,) = audit_rows(app, "rate_limited")
    assert (row.remote_addr, row.target) == ("203.0.113.7", "POST /sign-in (5 per 1 minute)")


def test_registration_and_reset_are_rate_limited(app):
    client = app.test_client()
    for n in range(4):
        assert post_page(client, "/register", {"email": f"x{n}@gmail.example"}).status_code == 403
    assert post_page(client, "/register", {"email": "x@gmail.example"}).status_code == 429
    for n in range(4):
        assert post_page(client, "/forgot-password", {"email": f"y{n}@demo-school.example"}).status_code == 200
    assert post_page(client, "/forgot-password", {"email": "y@demo-school.example"}).status_code == 429
    assert [r.target for r in audit_rows(app, "rate_limited")] == [
        "POST /register (4 per 1 minute)", "POST /forgot-password (4 per 1 minute)"]


def test_nobody_can_flood_one_inbox(app, teacher):
    sent = []
    for n in range(4):
        client = app.test_client()  # a different session each time, and a different client address
        response = post_page(client, "/forgot-password", {"email": teacher.email},
                             environ_base={"REMOTE_ADDR": f"192.0.2.{n}"})
        sent.append(response.status_code)
    assert sent == [200, 200, 429, 429]
    assert len(outbox(app, teacher.email)) == 2


def test_rate_limits_kept_in_redis_are_shared_by_every_worker(config, tmp_path):
    """FANLIGHT_RATELIMIT_STORAGE=redis://…: two apps (two workers) count together."""
    from tests.support.web import clean
    from tests.support.web import make_app as create_app

    connection = redis_connection()
    prefix = f"fanlight-test-{secrets.token_hex(6)}"
    shared = {**config, "RATELIMIT_STORAGE_URI": REDIS, "RATELIMIT_KEY_PREFIX": prefix}
    clean(config["DATABASE_URL"])
    first, second = create_app(shared), create_app(shared)
    try:
        here = {"environ_base": {"REMOTE_ADDR": "203.0.113.50"}}
        statuses = []
        for n in range(6):
            worker = (first, second)[n % 2].test_client()
            statuses.append(attempt(worker, f"p{n}@test-agency.example", "wrong", **here).status_code)
        assert statuses == [401, 401, 401, 401, 401, 429]
        assert connection.keys(f"*{prefix}*"), "the counts are not in Redis"
        assert count(first, AuditEvent, AuditEvent.event == "rate_limited") == 1
    finally:
        keys = connection.keys(f"*{prefix}*")
        if keys:
            connection.delete(*keys)
        connection.close()
        for app in (first, second):
            extensions.db_engine(app).dispose()


@pytest.mark.parametrize("proxies", [0, 1])
def test_behind_a_trusted_proxy_the_forwarded_client_address_counts(config, proxies):
    """Behind FANLIGHT_TRUSTED_PROXIES proxies, each person has their own limits and audit address;
    without it, X-Forwarded-For is only a header anyone can send, and is ignored."""
    from tests.support.web import clean
    from tests.support.web import make_app as create_app

    clean(config["DATABASE_URL"])
    app = create_app({**config, "FANLIGHT_TRUSTED_PROXIES": proxies})
    try:
        proxy = {"environ_base": {"REMOTE_ADDR": "10.0.0.5"}}
        statuses = []
        for n in range(6):
            forwarded = {"X-Forwarded-For": f"198.51.100.{n}"}
            client = app.test_client()
            page = client.get("/sign-in", headers=forwarded, **proxy).get_data(as_text=True)
            statuses.append(client.post("/sign-in", headers=forwarded, **proxy, data={
                "email": f"p{n}@test-agency.example", "password": "wrong", "csrf_token": csrf_from(page)}).status_code)
        addresses = [r.remote_addr for r in audit_rows(app, "sign_in_failed")]
    finally:
        extensions.db_engine(app).dispose()
    if proxies:
        assert statuses == [401] * 6 and addresses == [f"198.51.100.{n}" for n in range(6)]
    else:
        assert statuses == [401] * 5 + [429] and set(addresses) == {"10.0.0.5"}
