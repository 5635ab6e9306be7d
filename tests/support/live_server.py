"""A real app on a real port, for the browser tests: a temporary SQLite database, served by
werkzeug in a background thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from fanlight.web import extensions
from tests.support.web import make_app, migrated_sqlite


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any) -> None:  # one line per request is noise in a test run
        pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def app_on_sqlite(root: Path, definitions: Path, **config: Any) -> Flask:
    """The app over a new, migrated SQLite database in `root` (a copy of this process's migrated template)."""
    url = migrated_sqlite(root / "fanlight.sqlite")
    return make_app({
        "DATABASE_URL": url, "UPLOAD_FOLDER": str(root / "uploads"), "SESSION_COOKIE_SECURE": False,
        "DEFINITIONS_PATH": str(definitions), "SECRET_KEY": "e2e-" + root.name, **config,
    })


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve the app on a free port until the block ends; yields its address."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name=f"fanlight-e2e-{port}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        extensions.db_engine(app).dispose()
