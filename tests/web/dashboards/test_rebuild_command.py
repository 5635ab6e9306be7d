"""`fanlight dashboards rebuild-counts`: after SQL written around Fanlight has left the dashboards'
counts behind, the command counts them again from the referrals, in one transaction."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import delete

from fanlight.web import db
from fanlight.web.models import DailyCount
from tests.support.factories import DEFINITIONS, submitted_draft

from .test_counts_kept import rebuilt, stored

ROOT = Path(__file__).resolve().parents[3]


def fanlight(app: Flask, *args: str) -> subprocess.CompletedProcess[str]:
    environment: dict[str, Any] = {
        **os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "FANLIGHT_DEFINITIONS": str(DEFINITIONS),
        "FANLIGHT_INSTANCE": app.instance_path, "FANLIGHT_SECRET_KEY": app.config["SECRET_KEY"],
        "FANLIGHT_DEMO_ACCOUNTS": "0"}
    command = [sys.executable, "-c", "import sys; from fanlight.console import main; sys.exit(main())", *args]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=180, check=False)


def test_counts_wiped_around_fanlight_are_counted_again_from_the_referrals(app, teacher_client):
    submitted_draft(app, teacher_client)
    kept = stored(app)
    assert kept and kept == rebuilt(app)
    with app.app_context(), db.transaction() as s:  # a hand repair in SQL: the session events never see it
        s.connection().execute(delete(DailyCount))
    assert stored(app) == {}

    done = fanlight(app, "dashboards", "rebuild-counts")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("dashboard counts rebuilt from the referrals: ")
    assert stored(app) == kept
