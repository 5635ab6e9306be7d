"""The one way Fanlight sends email: a transactional outbox, delivered by SMTP in production.

`send()` writes the message to the `mail_outbox` table in the caller's database session, so
it is committed (or rolled back) together with the change that causes it: no email about an
account that was never created, and no account whose email was lost.

- Without FANLIGHT_SMTP_URL (the default) the outbox is where messages stay: read them with
  `fanlight mail outbox [--to EMAIL]` (the tests read the table).
- With FANLIGHT_SMTP_URL, messages are delivered after the response has been sent (so how long
  sending takes tells nobody whether an address has an account), and `fanlight worker` (or
  `fanlight mail send`) retries any that failed. A delivered message's body is blanked: it may
  hold a live link.

Retries: a message the SMTP server did not take waits FANLIGHT_MAIL_BACKOFF_SECONDS x 2^(attempt-1)
(with jitter, at most FANLIGHT_MAIL_MAX_BACKOFF_SECONDS) before it is due again, wherever it was
tried (a web process after its response, a worker, the command); after FANLIGHT_MAIL_ATTEMPTS tries
it is given up: `failed` with no next attempt, kept with its body in the outbox for
`fanlight mail outbox` to show. With the defaults (30 s, 1 h, 12) an outage of two and a half hours
at least is ridden out.

FANLIGHT_SMTP_URL: `smtp+starttls://user:password@host:587` (STARTTLS required),
`smtps://user:password@host:465` (TLS from the start), or `smtp://host:25` (no encryption:
only for a relay on the same machine).
"""

from __future__ import annotations

import datetime
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Flask, after_this_request, current_app, has_request_context, request, url_for
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from . import clock, db, extensions
from .models import MailStatus, OutboxMessage

# A claim older than this is a sender that died or hit something unexpected mid-send: the
# message counts as failed and is tried again. Longer than any SMTP exchange (20 s timeout).
CLAIM_TIMEOUT = datetime.timedelta(minutes=5)


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for an email: on FANLIGHT_BASE_URL, never on the request's Host header
    (which a client chooses: a reset link must not point at somebody else's site)."""
    base = current_app.config.get("FANLIGHT_BASE_URL")
    if not base:
        if current_app.config.get("FANLIGHT_ENV", "development") != "development":
            raise RuntimeError("FANLIGHT_BASE_URL is not set: no link is sent on the request's Host header")
        base = request.host_url  # development only
    return str(base).rstrip("/") + url_for(endpoint, **values)


def send(to: str, subject: str, body: str, s: Session | None = None) -> OutboxMessage:
    """Queue one plain-text message in the current transaction; the caller commits."""
    smtp = bool(current_app.config.get("FANLIGHT_SMTP_URL"))
    message = OutboxMessage(to_address=to.strip().lower()[:254], subject=subject[:200], body=body,
                            status=MailStatus.PENDING if smtp else MailStatus.OUTBOX)
    (s or db.session()).add(message)
    if smtp:
        _deliver_after_response(current_app._get_current_object())  # type: ignore[attr-defined]
    return message


def _deliver_after_response(app: Flask) -> None:
    if not has_request_context():
        return  # a command: `fanlight mail send` delivers

    @after_this_request
    def _later(response: Response) -> Response:
        def deliver() -> None:
            with app.app_context():
                deliver_pending()

        response.call_on_close(deliver)
        return response


def backoff(attempt: int, config: Mapping[str, Any]) -> datetime.timedelta:
    """How long a message waits after its `attempt`-th failure (clock.backoff, with the mail settings)."""
    return clock.backoff(attempt, float(config["FANLIGHT_MAIL_BACKOFF_SECONDS"]),
                         float(config["FANLIGHT_MAIL_MAX_BACKOFF_SECONDS"]))


def _failed(attempts: int, config: Mapping[str, Any]) -> dict[str, Any]:
    """A failed attempt's record: due again after its backoff, or given up (no next attempt) if it
    was the last one allowed."""
    if attempts >= int(config["FANLIGHT_MAIL_ATTEMPTS"]):
        return {"status": MailStatus.FAILED, "next_attempt_at": None}
    return {"status": MailStatus.FAILED, "next_attempt_at": clock.now() + backoff(attempts, config)}


def _release_dead_claims(s: Session) -> None:
    """A claim not finished within CLAIM_TIMEOUT (its sender died mid-send, or it was claimed
    before claims had a time) counts as a failed attempt: the message is due again at once (it has
    waited out the claim), or given up if that was its last attempt."""
    last = int(current_app.config["FANLIGHT_MAIL_ATTEMPTS"])
    dead = and_(OutboxMessage.status == MailStatus.SENDING,
                or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < clock.now() - CLAIM_TIMEOUT))
    stopped = "the sender stopped before it finished"
    s.execute(update(OutboxMessage).where(dead, OutboxMessage.attempts < last)
              .values(status=MailStatus.FAILED, next_attempt_at=clock.now(), last_error=stopped))
    s.execute(update(OutboxMessage).where(dead, OutboxMessage.attempts >= last)
              .values(status=MailStatus.FAILED, next_attempt_at=None, last_error=stopped))
    s.commit()


def _claimable(now: datetime.datetime) -> Any:
    """Pending, or failed and due (a failed message with no next attempt has been given up)."""
    return or_(OutboxMessage.status == MailStatus.PENDING,
               and_(OutboxMessage.status == MailStatus.FAILED, OutboxMessage.next_attempt_at <= now))


def deliver_pending(limit: int = 100) -> tuple[int, int]:
    """Send messages waiting for SMTP; returns (sent, failed).

    Each message is claimed first (a compare-and-set), so two senders never send it at the same
    time, and its result is recorded only by the sender that still holds the claim. A failed
    message waits its backoff before it is due again (see the module's docstring). Delivery is
    at least once: a sender that dies after the SMTP server took the message but before recording
    it leaves the message to be sent again; its Message-ID stays the same, so mail systems can
    tell the copies apart.
    """
    url = current_app.config.get("FANLIGHT_SMTP_URL")
    if not url:
        return 0, 0
    sent = failed = 0
    with Session(extensions.db_engine()) as s:
        _release_dead_claims(s)
        ids = list(s.scalars(select(OutboxMessage.id).where(_claimable(clock.now()))
                             .order_by(OutboxMessage.id).limit(limit)))
        for message_id in ids:
            claim = clock.now()
            claimed = s.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, _claimable(claim))
                                .values(status=MailStatus.SENDING, claimed_at=claim, attempts=OutboxMessage.attempts + 1))
            s.commit()
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue  # another sender has it
            if _deliver_one(s, url, message_id, claim):
                sent += 1
            else:
                failed += 1
    return sent, failed


def _deliver_one(s: Session, url: str, message_id: int, claim: datetime.datetime) -> bool:
    message = s.get(OutboxMessage, message_id)
    assert message is not None
    outcome: dict[str, Any]
    try:
        _smtp_send(url, current_app.config["FANLIGHT_MAIL_FROM"], message)
        outcome = {"status": MailStatus.SENT, "body": "", "sent_at": clock.now()}
    except Exception as error:  # noqa: BLE001 (whatever goes wrong, the message is marked failed, never stranded)
        outcome = _failed(message.attempts, current_app.config)
        outcome["last_error"] = f"{type(error).__name__}: {error}"[:500]
        if outcome["next_attempt_at"] is None:
            current_app.logger.error("mail %s to the outbox's recipient was not sent after %s attempts: given up (%s)",
                                     message_id, message.attempts, type(error).__name__)
        else:
            current_app.logger.warning("mail %s to the outbox's recipient was not sent (attempt %s): %s; "
                                       "tried again after %s", message_id, message.attempts, type(error).__name__,
                                       outcome["next_attempt_at"].isoformat(timespec="seconds"))
    # Only while the claim is still ours: a sender slower than CLAIM_TIMEOUT must not overwrite
    # what the sender that took the message over recorded.
    s.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == MailStatus.SENDING,
                                          OutboxMessage.claimed_at == claim).values(**outcome)
              .execution_options(synchronize_session=False))
    s.commit()
    return bool(outcome["status"] == MailStatus.SENT)


def _smtp_send(url: str, sender: str, message: OutboxMessage) -> None:
    parts = urlsplit(url)
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    # The same for every attempt at one message: a copy sent twice is recognisably one message.
    host = parts.hostname or "fanlight.invalid"
    email["Message-ID"] = f"<fanlight-outbox-{message.id}.{message.created_at:%Y%m%d%H%M%S}@{host}>"
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    host, timeout = parts.hostname or "localhost", 20
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, parts.port or 465, timeout=timeout,
                                                context=ssl.create_default_context())
    elif parts.scheme in ("smtp", "smtp+starttls"):
        client = smtplib.SMTP(host, parts.port or (587 if parts.scheme == "smtp+starttls" else 25), timeout=timeout)
    else:
        raise smtplib.SMTPException(f"FANLIGHT_SMTP_URL has an unknown scheme {parts.scheme!r}")
    with client:
        if parts.scheme == "smtp+starttls":
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(email)


def outbox(s: Session, to: str | None = None) -> list[OutboxMessage]:
    """Messages in the outbox, oldest first (for `fanlight mail outbox` and the tests)."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if to:
        query = query.where(OutboxMessage.to_address == to.strip().lower())
    return list(s.scalars(query))
