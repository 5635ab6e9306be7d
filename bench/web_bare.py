"""WSGI entry point for bench/web.py: a bare Flask route returning fixed bytes (the baseline).

    gunicorn --pythonpath bench 'web_bare:app'

FANLIGHT_BENCH_BARE_BODY names a file holding the body: bench/web.py writes there the exact
bytes of the Fanlight section page it measures, so both servers send the same payload.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

BODY = Path(os.environ["FANLIGHT_BENCH_BARE_BODY"]).read_bytes()

app = Flask(__name__)


@app.route("/page")
def page() -> Response:
    return Response(BODY, mimetype="text/html")
