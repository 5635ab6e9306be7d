"""The web tests' fixtures (an app on SQLite and on PostgreSQL, signed-in clients): tests/support/web.py."""

from tests.support.web import *  # noqa: F403
