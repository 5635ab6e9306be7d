"""The one outbound mail interface: the outbox, written with the change that causes it; SMTP delivery."""

from __future__ import annotations

import datetime
import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.pool import NullPool

from fanlight import console
from fanlight.web import clock as clocks
from fanlight.web import mail, migrate
from fanlight.web.config import default_config
from fanlight.web.models import OutboxMessage, User
from tests.support.factories import count, database
from tests.support.mailbox import link_in, outbox, post_page, register
from tests.support.web import insert_row

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


def test_a_failed_delivery_is_kept_and_sent_again_later(app, client, smtp_server, clock):
    app.config["FANLIGHT_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_server.server_address[1]}"
    smtp_server.refuse = True
    register(client, GP).close()
    (stored,) = outbox(app, GP)
    assert stored.status == "failed" and stored.attempts == 1 and "554" in stored.last_error
    assert "/confirm-email/" in stored.body
    smtp_server.refuse = False
    with app.app_context():
        assert mail.deliver_pending() == (0, 0)  # it waits its backoff first
        clock.advance(app.config["FANLIGHT_MAIL_BACKOFF_SECONDS"] + 1)
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
        app, client, smtp_server, monkeypatch, clock):
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
    clock.advance(app.config["FANLIGHT_MAIL_BACKOFF_SECONDS"] + 1)
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


def test_every_attempt_at_one_message_carries_the_same_message_id(app, smtp_server, clock):
    app.config["FANLIGHT_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_server.server_address[1]}"
    smtp_server.refuse = True
    with app.test_request_context(), database(app) as s:
        mail.send(GP, "Confirm your email address", "a link", s)
        s.commit()
    with app.app_context():
        mail.deliver_pending()
        smtp_server.refuse = False
        clock.advance(app.config["FANLIGHT_MAIL_BACKOFF_SECONDS"] + 1)
        mail.deliver_pending()
    (_, _, email) = smtp_server.received[0]
    (stored,) = outbox(app, GP)
    assert email["Message-ID"].startswith(f"<fanlight-outbox-{stored.id}.")


# Retries: an exponential, jittered, capped wait between attempts --------------------------------


def _queue(app, to: str = GP) -> None:
    with app.test_request_context(), database(app) as s:
        mail.send(to, "Referral FL-TEST-0001 received", "what happens next", s)
        s.commit()


def _stored(app) -> OutboxMessage:
    (stored,) = outbox(app, GP)
    return stored


def test_a_message_the_web_process_could_not_send_waits_its_backoff_before_it_is_tried_again(
        app, client, smtp_server, clock):
    """Before the fix every pass of `fanlight worker` (every 2 s when idle) tried a failed message
    again, and five tries later it was failed for good: an SMTP outage of ten seconds lost it."""
    app.config["FANLIGHT_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_server.server_address[1]}"
    smtp_server.refuse = True
    register(client, GP).close()  # the first try, after the response: refused
    failed_at = clock.now()
    stored = _stored(app)
    assert (stored.status, stored.attempts) == ("failed", 1)
    wait = (clocks.utc(stored.next_attempt_at) - failed_at).total_seconds()
    assert 30 * 0.5 - 1 <= wait <= 30  # the first wait (FANLIGHT_MAIL_BACKOFF_SECONDS), jittered
    smtp_server.refuse = False
    with app.app_context():
        for _ in range(10):  # passes of the worker during the wait: none tries it
            assert mail.deliver_pending() == (0, 0)
        clock.advance(wait + 1)
        assert mail.deliver_pending() == (1, 0)
    assert (_stored(app).status, _stored(app).attempts) == ("sent", 2)
    assert len(smtp_server.received) == 1


def test_the_wait_doubles_after_each_failure_with_jitter_up_to_the_cap():
    settings = {"FANLIGHT_MAIL_BACKOFF_SECONDS": 10.0, "FANLIGHT_MAIL_MAX_BACKOFF_SECONDS": 60.0}
    for _ in range(50):
        waits = [mail.backoff(n, settings).total_seconds() for n in (1, 2, 3, 4, 5, 40)]
        assert 5 <= waits[0] <= 10 and 10 <= waits[1] <= 20 and 20 <= waits[2] <= 40
        assert 30 <= waits[3] <= 60 and 30 <= waits[4] <= 60 and 30 <= waits[5] <= 60


def test_an_smtp_outage_of_hours_is_ridden_out_and_the_message_sent_once(app, smtp_server, clock):
    app.config["FANLIGHT_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_server.server_address[1]}"
    _queue(app)
    smtp_server.refuse = True
    started, waits = clock.now(), []
    with app.app_context():
        while clock.now() - started < datetime.timedelta(hours=2):  # the mail server is down for two hours
            assert mail.deliver_pending() == (0, 1)
            stored = _stored(app)
            assert stored.status == "failed" and stored.next_attempt_at is not None
            waits.append((clocks.utc(stored.next_attempt_at) - clock.now()).total_seconds())
            clock.advance(waits[-1] + 1)
        assert len(waits) < app.config["FANLIGHT_MAIL_ATTEMPTS"]
        for attempt, wait in enumerate(waits, start=1):  # doubling, jittered, never past the cap
            full = min(30 * 2 ** (attempt - 1), 3600)
            assert full / 2 - 1 <= wait <= full
        smtp_server.refuse = False
        assert mail.deliver_pending() == (1, 0)
        assert mail.deliver_pending() == (0, 0)
    stored = _stored(app)
    assert (stored.status, stored.attempts, stored.body) == ("sent", len(waits) + 1, "")
    assert len(smtp_server.received) == 1


def test_a_message_is_given_up_after_its_last_attempt_and_the_outbox_still_shows_it(
        app, smtp_server, clock, monkeypatch, capsys):
    app.config.update(FANLIGHT_SMTP_URL=f"smtp://127.0.0.1:{smtp_server.server_address[1]}",
                      FANLIGHT_MAIL_ATTEMPTS=3, FANLIGHT_MAIL_BACKOFF_SECONDS=1.0)
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("FANLIGHT_DEFINITIONS", app.config["DEFINITIONS_PATH"])
    monkeypatch.setenv("FANLIGHT_SECRET_KEY", "console-test")
    _queue(app)
    smtp_server.refuse = True
    with app.app_context():
        for attempt in (1, 2, 3):
            assert mail.deliver_pending() == (0, 1)
            assert _stored(app).attempts == attempt
            if attempt == 1:  # waiting for its next try, and the outbox says so
                assert console.main(["mail", "outbox", "--to", GP]) == 0
                due = clocks.utc(_stored(app).next_attempt_at)
                assert f"(failed 1 try, tried again from {due:%Y-%m-%d %H:%M:%S} UTC)" in capsys.readouterr().out
            clock.advance(3600)
        smtp_server.refuse = False
        assert mail.deliver_pending() == (0, 0)  # given up: never tried again
    stored = _stored(app)
    assert (stored.status, stored.attempts, stored.next_attempt_at) == ("failed", 3, None)
    assert "554" in stored.last_error and stored.body == "what happens next"
    assert smtp_server.received == []
    assert console.main(["mail", "outbox", "--to", GP]) == 0
    out = capsys.readouterr().out
    assert f"Message {stored.id} (failed, given up after 3 tries)" in out and "what happens next" in out
    assert "Last error: " in out and "554" in out


def test_a_claim_that_died_is_due_at_once_and_on_the_last_attempt_it_is_given_up(
        app, smtp_server, monkeypatch, clock):
    app.config.update(FANLIGHT_SMTP_URL=f"smtp://127.0.0.1:{smtp_server.server_address[1]}", FANLIGHT_MAIL_ATTEMPTS=2)
    real = mail._smtp_send

    def killed(*args: Any) -> None:
        raise _Killed

    _queue(app)
    monkeypatch.setattr(mail, "_smtp_send", killed)
    with app.app_context():
        with pytest.raises(_Killed):
            mail.deliver_pending()  # attempt 1: its sender dies
        clock.advance(mail.CLAIM_TIMEOUT.total_seconds() + 1)
        with pytest.raises(_Killed):
            mail.deliver_pending()  # released, due at once (it has waited out the claim): attempt 2 dies too
        clock.advance(mail.CLAIM_TIMEOUT.total_seconds() + 1)
        monkeypatch.setattr(mail, "_smtp_send", real)
        assert mail.deliver_pending() == (0, 0)  # released on its last attempt: given up
    stored = _stored(app)
    assert (stored.status, stored.attempts, stored.next_attempt_at) == ("failed", 2, None)
    assert stored.last_error == "the sender stopped before it finished"
    assert smtp_server.received == []


def test_the_mail_retry_settings_are_read_from_the_environment(monkeypatch, tmp_path):
    defaults = default_config(str(tmp_path))
    assert (defaults["FANLIGHT_MAIL_ATTEMPTS"], defaults["FANLIGHT_MAIL_BACKOFF_SECONDS"],
            defaults["FANLIGHT_MAIL_MAX_BACKOFF_SECONDS"]) == (12, 30.0, 3600.0)
    monkeypatch.setenv("FANLIGHT_MAIL_ATTEMPTS", "20")
    monkeypatch.setenv("FANLIGHT_MAIL_BACKOFF_SECONDS", "5")
    monkeypatch.setenv("FANLIGHT_MAIL_MAX_BACKOFF_SECONDS", "600")
    configured = default_config(str(tmp_path))
    assert (configured["FANLIGHT_MAIL_ATTEMPTS"], configured["FANLIGHT_MAIL_BACKOFF_SECONDS"],
            configured["FANLIGHT_MAIL_MAX_BACKOFF_SECONDS"]) == (20, 5.0, 600.0)


# Migration 0017: when a failed message is tried next -------------------------------------------

BEFORE = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)


def test_upgrading_keeps_failed_messages_retrying_and_those_given_up_given_up(empty_url):
    migrate.upgrade(empty_url, "0016")
    engine = create_engine(empty_url, poolclass=NullPool)
    try:
        for number, (status, attempts) in enumerate(
                [("pending", 0), ("failed", 2), ("failed", 5), ("sent", 1), ("outbox", 0)], start=1):
            insert_row(engine, "mail_outbox", id=number, created_at=BEFORE, to_address=f"p{number}@x.example",
                       subject="s", body="b", status=status, attempts=attempts, last_error="",
                       claimed_at=None, sent_at=None)
        migrate.upgrade(empty_url)
        with engine.connect() as connection:
            due = dict(connection.execute(select(OutboxMessage.id, OutboxMessage.next_attempt_at)).all())
        # Failed with attempts left (the old limit was 5): due at once, as before. Given up: stays so.
        assert {n: (clocks.utc(at) if at else None) for n, at in due.items()} == {
            1: None, 2: BEFORE, 3: None, 4: None, 5: None}
        migrate.downgrade(empty_url, "0016")
        assert "next_attempt_at" not in {c["name"] for c in inspect(engine).get_columns("mail_outbox")}
        assert "ix_mail_outbox_due" not in {i["name"] for i in inspect(engine).get_indexes("mail_outbox")}
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM mail_outbox")).scalar() == 5
        migrate.upgrade(empty_url)
        assert "ix_mail_outbox_due" in {i["name"] for i in inspect(engine).get_indexes("mail_outbox")}
    finally:
        engine.dispose()
