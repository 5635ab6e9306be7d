"""A stand-in case system on 127.0.0.1: it checks Fanlight's signature, applies each idempotency key
once (a key seen again gets the case it made the first time), and can misbehave on purpose."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "receiver-test-secret"  # noqa: S105 (a test's shared secret)


@dataclass
class Receiver:
    """What the case system saw and did. `answer` is the status it answers with (201 makes a case
    and returns its id; 202 accepts for a later acknowledgement); `chaos` is the share of requests
    that time out, fail with a 500 or drop the connection, at random."""

    url: str = ""
    answer: int = 201
    chaos: float = 0.0
    hang: float = 2.0  # how long a "timeout" keeps the caller waiting
    hang_first: bool = False  # hold the very first request (applying nothing) for `hang` seconds
    cases: dict[str, str] = field(default_factory=dict)  # idempotency key -> the case made for it
    payloads: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, bool]] = field(default_factory=list)  # (key, signature valid)
    made: int = 0  # cases made: one per key if every retry carried the same key
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(default_factory=lambda: random.Random(14))


def _valid(headers: Any, body: bytes) -> bool:
    timestamp = headers.get("Fanlight-Timestamp", "")
    expected = "sha256=" + hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers.get("Fanlight-Signature", ""))


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            return

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            key = self.headers.get("Idempotency-Key", "")
            valid = _valid(self.headers, body)
            with receiver.lock:
                receiver.requests.append((key, valid))
                roll = receiver.rng.random()
                first = receiver.hang_first and len(receiver.requests) == 1
            if first:
                time.sleep(receiver.hang)  # its worker is killed while it waits
                return
            if roll < receiver.chaos / 3:
                time.sleep(receiver.hang)  # longer than the worker waits: a timeout
                return
            if roll < 2 * receiver.chaos / 3:
                self._answer(500, {"error": "the case system is having a bad day"})
                return
            if not valid:
                self._answer(401, {"error": "bad signature"})
                return
            with receiver.lock:
                if key not in receiver.cases:
                    receiver.made += 1
                    receiver.cases[key] = f"CASE-{receiver.made:05d}"
                    receiver.payloads[key] = json.loads(body)
                case = receiver.cases[key]
            if roll < receiver.chaos:
                self.connection.shutdown(socket.SHUT_RDWR)  # applied, but the answer never arrives
                self.close_connection = True
                return
            if receiver.answer == 201:
                self._answer(201, {"id": case})
            else:
                self._answer(receiver.answer, {"detail": "as you asked"})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def receiving(**settings: Any) -> Iterator[Receiver]:
    receiver = Receiver(**settings)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/referrals"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
