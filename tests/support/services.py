"""The real services the suite talks to (PostgreSQL, Redis, Chromium), and the one rule for when
one is missing: outside CI the tests that need it are skipped with the reason; in CI (env CI set)
that is a failure, because a test skipped in CI proves nothing."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

REDIS = os.environ.get("FANLIGHT_TEST_REDIS", "redis://127.0.0.1:6379")


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}. CI is set, so these tests must run.", pytrace=False)
    pytest.skip(reason)


def redis_connection():  # -> redis.Redis (the package is imported only by tests that need it)
    """A connection to the test Redis that answers, or the test is skipped (failed in CI)."""
    import redis

    connection = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as error:
        connection.close()
        unavailable(f"Redis is not reachable at {REDIS} (set FANLIGHT_TEST_REDIS): {error}")
    return connection
