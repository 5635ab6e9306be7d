"""WSGI entry point for bench/web.py: the Fanlight app, configured from environment variables.

    gunicorn --pythonpath bench 'web_app:app'

FANLIGHT_BENCH_DATABASE_URL (required), FANLIGHT_BENCH_SECRET_KEY (shared by every worker, so a
session cookie signed by one is read by the other), FANLIGHT_BENCH_UPLOADS; the instance folder
comes from FANLIGHT_INSTANCE as usual. The cookie is not Secure: the benchmark speaks plain
HTTP on loopback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
try:
    from fanlight.web import create_app
except ImportError:  # not installed in this interpreter: use the source tree
    sys.path[:0] = [str(REPO / "platform"), str(REPO / "renderers"), str(REPO / "admin")]
    from fanlight.web import create_app

app = create_app(
    {
        "DATABASE_URL": os.environ["FANLIGHT_BENCH_DATABASE_URL"],
        "SECRET_KEY": os.environ["FANLIGHT_BENCH_SECRET_KEY"],
        "UPLOAD_FOLDER": os.environ.get(
            "FANLIGHT_BENCH_UPLOADS", str(Path(os.environ.get("FANLIGHT_INSTANCE", ".")) / "uploads")
        ),
        "DEFINITIONS_PATH": str(REPO / "definitions"),
        "SESSION_COOKIE_SECURE": False,
        "FANLIGHT_DEMO_ACCOUNTS": False,
    }
)
