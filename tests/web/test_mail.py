"""The one outbound mail interface: the outbox, written with the change that causes it; SMTP delivery."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest

from fanlight.web import mail
from fanlight.web.models import OutboxMessage, User
from tests.support.factories import count, database
from tests.support.mailbox import link_in, outbox, post_page, register

GP = "rowan.hale@demo-surgery.example"


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self) -> None:
        server: Any = self.server
        self._say("220 test ESMTP")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250 test")
            elif verb == "MAIL":
                sender = command[10:].strip("<>")
                self._say("250 OK")
            elif verb == "RCPT":
                recipients.append(command[8:].strip("<>"))
                self._say("250 OK")
            elif verb == "DATA":
                if server.refuse:
                    self._say("554 no thank you")
                    continue
                self._say("354 go on")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                server.received.append((sender, recipients, message_from_bytes(data)))
                self._say("250 OK")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 OK")

    def _say(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.received, server.refuse = [], False  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_without_smtp_mail_stays_in_the_outbox(app, client):
    register(client, GP)
    (message,) = outbox(app, GP)
    assert (message.status, message.subject, message.sent_at) == ("outbox", "Confirm your email address", None)
    assert "/confirm-email/" in message.body


def test_a_message_is_written_in_the_same_transaction_as_the_change_that_causes_it(app):
    with app.test_request_context(), database(app) as s:
        mail.send("someone@example.org", "Hello", "body", s)
        s.add(User(email="x@example.org", name="X", role="professional", password_hash="x"))
        s.rollback()  # the change fails: no message about it either
    assert count(app, OutboxMessage) == 0


def test_with_smtp_mail_is_delivered_after_the_response_and_its_body_blanked(app, client, smtp_server):
    app.config["FANLIGHT_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_server.server_address[1]}"
    app.config["FANLIGHT_MAIL_FROM"] = "Family Front Door <no-reply@council.example>"
    response = register(client, GP)
    response.close()  # the WSGI server closes the response once it has been sent: delivery happens then
    (sender, recipients, email) = smtp_server.received[0]
    assert (sender, recipients) == ("no-reply@council.example", [GP])
    assert email["Subject"] == "Confirm your email address" and email["To"] == GP
    assert email["Auto-Submitted"] == "auto-generated"
    body = email.get_payload(decode=True).decode()
    assert "/confirm-email/" in body
    (stored,) = outbox(app, GP)
    assert stored.status == "sent" and stored.body == "" and stored.sent_at is not None  # no live link kept
    assert post_page(client, link_in(type("M", (), {"body": body})(), "/confirm-email/")).status_code == 302


def test_a_failed_delivery_is_kept_and_sent_again_later(app, client, smtp_server):
    app.config["FANLIGHT_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_server.server_address[1]}"
    smtp_server.refuse = True
    register(client, GP).close()
    (stored,) = outbox(app, GP)
    assert stored.status == "failed" and stored.attempts == 1 and "554" in stored.last_error
    assert "/confirm-email/" in stored.body
    smtp_server.refuse = False
    with app.app_context():
        assert mail.deliver_pending() == (1, 0)
        assert mail.deliver_pending() == (0, 0)  # never twice
    (stored,) = outbox(app, GP)
    assert stored.status == "sent" and stored.attempts == 2
    assert len(smtp_server.received) == 1


def test_an_unreachable_mail_server_never_breaks_the_page(app, client):
    app.config["FANLIGHT_SMTP_URL"] = "smtp://127.0.0.1:9"  # nothing listens on the discard port
    response = register(client, GP)
    assert response.status_code == 302
    response.close()
    (stored,) = outbox(app, GP)
    assert stored.status == "failed"


def test_outside_development_no_link_is_ever_built_on_the_requests_host(app, client):
    app.config.update(FANLIGHT_ENV="production", FANLIGHT_BASE_URL="")
    with pytest.raises(RuntimeError, match="FANLIGHT_BASE_URL"), app.test_request_context(base_url="http://evil.example"):
        mail.external_url("auth.sign_in")
    app.config["FANLIGHT_BASE_URL"] = "https://referrals.council.example/"
    with app.test_request_context(base_url="http://evil.example"):
        assert mail.external_url("auth.sign_in") == "https://referrals.council.example/sign-in"


class _Killed(BaseException):
    """The worker process dying mid-send: nothing after this line of the sender runs."""


def test_an_unexpected_error_while_sending_marks_the_message_failed_and_it_is_sent_later(
        app, client, smtp_server, monkeypatch):
    """Before the fix, only OSError and SMTPException were caught: anything else stranded the
    message in "sending", a status the retry never selects (a lost confirmation email)."""
    app.config["FANLIGHT_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_server.server_address[1]}"
    real = mail._smtp_send

    def broken(*args: Any) -> None:
        raise UnicodeEncodeError("ascii", "é", 0, 1, "a surprise")

    monkeypatch.setattr(mail, "_smtp_send", broken)
    register(client, GP).close()
    (stored,) = outbox(app, GP)
    assert (stored.status, stored.attempts) == ("failed", 1)
    monkeypatch.setattr(mail, "_smtp_send", real)
    with app.app_context():
        assert mail.deliver_pending() == (1, 0)
    assert [r for _, r, _ in smtp_server.received] == [[GP]]


def test_a_worker_killed_mid_send_leaves_the_message_to_be_delivered_once_after_the_claim_runs_out(
        app, client, smtp_server, monkeypatch, clock):
    app.config["FANLIGHT_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_server.server_address[1]}"
    with app.test_request_context(), database(app) as s:
        mail.send(GP, "Reset your password", "a link", s)
        s.commit()
    real = mail._smtp_send

    def killed(*args: Any) -> None:
        raise _Killed

    monkeypatch.setattr(mail, "_smtp_send", killed)
    with app.app_context(), pytest.raises(_Killed):
        mail.deliver_pending()
    (stored,) = outbox(app, GP)
    assert stored.status == "sending"  # claimed, and its sender gone
    monkeypatch.setattr(mail, "_smtp_send", real)
    with app.app_context():
        assert mail.deliver_pending() == (0, 0)  # a fresh claim is somebody else's: never sent twice
        clock.advance(mail.CLAIM_TIMEOUT.total_seconds() + 1)
        assert mail.deliver_pending() == (1, 0)
        assert mail.deliver_pending() == (0, 0)
    (stored,) = outbox(app, GP)
    assert (stored.status, stored.attempts) == ("sent", 2)
    assert len(smtp_server.received) == 1


def test_a_message_claimed_before_claims_had_a_time_is_not_stranded(app, smtp_server):
    """Messages left "sending" by the code before migration 0004 have no claim time."""
    app.config["FANLIGHT_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_server.server_address[1]}"
    with app.test_request_context(), database(app) as s:
        message = mail.send(GP, "Confirm your email address", "a link", s)
        message.status, message.attempts = "sending", 1
        s.commit()
    with app.app_context():
        assert mail.deliver_pending() == (1, 0)
    assert len(smtp_server.received) == 1


def test_a_sender_slower_than_its_claim_never_overwrites_what_the_next_sender_recorded(
        app, smtp_server, monkeypatch, clock):
    app.config["FANLIGHT_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_server.server_address[1]}"
    with app.test_request_context(), database(app) as s:
        mail.send(GP, "Reset your password", "a link", s)
        s.commit()
    real = mail._smtp_send
    slow_sender_took_over = []

    def slow_then_failing(*args: Any) -> None:
        if not slow_sender_took_over:  # the first sender stalls past its claim; another sends meanwhile
            slow_sender_took_over.append(True)
            clock.advance(mail.CLAIM_TIMEOUT.total_seconds() + 1)
            with app.app_context():
                assert mail.deliver_pending() == (1, 0)
            raise TimeoutError("the first sender finally gives up")
        real(*args)

    monkeypatch.setattr(mail, "_smtp_send", slow_then_failing)
    with app.app_context():
        mail.deliver_pending()
    (stored,) = outbox(app, GP)
    assert stored.status == "sent"  # the stalled sender's failure did not overwrite it
    assert len(smtp_server.received) == 1


def test_every_attempt_at_one_message_carries_the_same_message_id(app, smtp_server):
    app.config["FANLIGHT_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_server.server_address[1]}"
    smtp_server.refuse = True
    with app.test_request_context(), database(app) as s:
        mail.send(GP, "Confirm your email address", "a link", s)
        s.commit()
    with app.app_context():
        mail.deliver_pending()
        smtp_server.refuse = False
        mail.deliver_pending()
    (_, _, email) = smtp_server.received[0]
    (stored,) = outbox(app, GP)
    assert email["Message-ID"].startswith(f"<fanlight-outbox-{stored.id}.")
