"""What every table shares: unguessable ids, and timestamps from the app's clock."""

from __future__ import annotations

import datetime
import uuid

from .. import clock


def new_id() -> str:
    return uuid.uuid4().hex  # unguessable: ids appear in URLs


def now() -> datetime.datetime:
    return clock.now()
