"""Delivery to the case system (issue 14, item 4): a record per referral and destination written with
the decision, a signed POST or a folder drop, retries with backoff, a stop on a permanent error, an
attempt log, and the referral delivered once the case system acknowledges it."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from fanlight.web import db
from fanlight.web.config import production_problems
from fanlight.web.delivery import adapters, records, worker
from fanlight.web.models import Delivery, DeliveryAttempt, DeliveryState, ReferralStatus, Submission
from fanlight.web.triage import decisions, history, workflow
from tests.support.factories import count, database, submitted_draft
from tests.support.mailbox import register
from tests.support.receiver import SECRET, receiving
from tests.web.delivery.conftest import EARLY_HELP, to_case_system, work
from tests.web.referrals.test_retention import DAY, SEVEN_YEARS
from tests.web.referrals.test_retention import run as run_retention
from tests.web.test_mail import GP
from tests.web.triage.support import acting, events, row

pytestmark = pytest.mark.usefixtures("fast_retries")


def deliveries(app, referral_id=None):
    with database(app) as s:
        query = select(Delivery).order_by(Delivery.id)
        if referral_id is not None:
            query = query.where(Delivery.submission_id == referral_id)
        found = list(s.scalars(query))
        for d in found:
            s.expunge(d)
        return found


def attempts(app, delivery_id):
    with database(app) as s:
        found = list(s.scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id)
                               .order_by(DeliveryAttempt.number)))
        for a in found:
            s.expunge(a)
        return found


def test_an_early_help_decision_writes_its_delivery_with_the_payload_the_mapping_renders(app, decide):
    referral_id = decide()
    [delivery] = deliveries(app, referral_id)
    referral = row(app, referral_id)
    assert (delivery.destination, delivery.mapping_id, delivery.state) == (
        "case-system", "case-system-referral", DeliveryState.PENDING)
    assert delivery.payload["reference"] == referral.reference
    assert delivery.payload["decision"]["outcome"] == "early_help"
    assert delivery.payload["referral_source_code"] == "2A"  # the school's census code
    assert referral.reference in delivery.case_note
    assert delivery.key.startswith("fanlight-")


def test_the_delivery_record_is_written_in_the_decisions_transaction(
        app, staff, teacher_client, monkeypatch):
    """All or nothing: when the decision's transaction fails after its delivery record was added, neither
    the decision nor the record is kept (and a decided referral always has its record, as above)."""
    referral_id = submitted_draft(app, teacher_client)[1]
    scheduled = records.schedule

    def schedule_then_fail(*args, **kwargs):
        made = scheduled(*args, **kwargs)
        assert len(made) == 1 and made[0] in db.session().new  # added to the decision's session
        raise RuntimeError("the database went away before the commit")

    monkeypatch.setattr(records, "schedule", schedule_then_fail)
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
        with app.test_request_context(), pytest.raises(RuntimeError):
            decisions.decide(referral, dict(EARLY_HELP), user(staff.jo))
    assert deliveries(app, referral_id) == []
    assert row(app, referral_id).status == ReferralStatus.IN_TRIAGE
    assert "decided" not in [e.kind for e in events(app, referral_id)]


def test_no_further_action_is_not_sent_to_the_case_system(app, decide):
    referral_id = decide({**EARLY_HELP, "outcome": "nfa", "level_applied": "1"})
    assert deliveries(app, referral_id) == []  # the mapping's `when` leaves it in Fanlight


def test_the_worker_posts_a_signed_payload_and_the_case_systems_id_makes_the_referral_delivered(app, decide):
    with receiving() as receiver:
        to_case_system(app, receiver.url, SECRET)
        referral_id = decide()
        done = work(app)
    assert done.delivered == 1
    [delivery] = deliveries(app, referral_id)
    assert delivery.state == DeliveryState.DELIVERED
    assert delivery.external_id == receiver.cases[delivery.key] == "CASE-00001"
    assert receiver.requests == [(delivery.key, True)]  # signed with the shared secret
    assert receiver.payloads[delivery.key] == delivery.payload
    assert row(app, referral_id).status == ReferralStatus.DELIVERED
    last = events(app, referral_id)[-1]
    assert (last.kind, last.actor_id, last.detail["external_id"]) == ("delivered", None, "CASE-00001")
    assert history.describe(last, {}) == "The case system received this (its reference CASE-00001)"
    [attempt] = attempts(app, delivery.id)
    assert (attempt.outcome, attempt.status_code, attempt.number) == ("delivered", 201, 1)


def test_a_500_is_tried_again_and_a_400_stops_at_once_each_attempt_logged(app, decide):
    with receiving(answer=503) as receiver:
        to_case_system(app, receiver.url, SECRET)
        referral_id = decide()
        work(app)
        [delivery] = deliveries(app, referral_id)
        assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 1)
        assert "503" in delivery.last_error
        receiver.answer = 400
        work(app)
    [delivery] = deliveries(app, referral_id)
    assert (delivery.state, delivery.attempts) == (DeliveryState.DEAD, 2)  # never retried after a 400
    assert [(a.outcome, a.status_code) for a in attempts(app, delivery.id)] == [("transient", 503), ("permanent", 400)]
    assert row(app, referral_id).status == ReferralStatus.DECIDED


@pytest.mark.parametrize("status", [408, 429, 501, 502, 507])
def test_a_timeout_a_rate_limit_or_any_5xx_is_tried_again(app, decide, status):
    """The README's promise: a 408, 429 or 5xx is a passing failure (the case system is busy, down or
    half-deployed), never a reason to give up on a child's referral at the first try."""
    with receiving(answer=status) as receiver:
        to_case_system(app, receiver.url, SECRET)
        referral_id = decide()
        work(app)
    [delivery] = deliveries(app, referral_id)
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 1)
    assert [(a.outcome, a.status_code) for a in attempts(app, delivery.id)] == [("transient", status)]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 422])
def test_any_other_refusal_is_permanent_and_not_tried_again(app, decide, status):
    with receiving(answer=status) as receiver:
        to_case_system(app, receiver.url, SECRET)
        referral_id = decide()
        work(app)
        work(app)
    [delivery] = deliveries(app, referral_id)
    assert (delivery.state, delivery.attempts, len(receiver.requests)) == (DeliveryState.DEAD, 1, 1)


def test_a_delivery_that_keeps_failing_is_dead_after_the_configured_attempts(app, decide):
    app.config["FANLIGHT_DELIVERY_ATTEMPTS"] = 3
    with receiving(answer=500) as receiver:
        to_case_system(app, receiver.url, SECRET)
        referral_id = decide()
        for _ in range(5):
            work(app)
    [delivery] = deliveries(app, referral_id)
    assert (delivery.state, delivery.attempts, len(receiver.requests)) == (DeliveryState.DEAD, 3, 3)


def test_a_worker_leaves_a_failing_destination_alone_for_the_rest_of_its_pass(app, decide):
    with receiving(answer=500) as receiver:
        to_case_system(app, receiver.url, SECRET)
        decide()
        decide()
        done = work(app)
    assert (done.retrying, len(receiver.requests)) == (1, 1)  # the second waits for the next pass


def test_backoff_doubles_and_respects_the_cap():
    config_ = {"FANLIGHT_DELIVERY_BACKOFF_SECONDS": 10.0, "FANLIGHT_DELIVERY_MAX_BACKOFF_SECONDS": 60.0}
    transient = adapters.Outcome(adapters.Result.TRANSIENT)
    waits = [worker._backoff(n, transient, config_).total_seconds() for n in (1, 2, 3, 4, 5)]
    assert 5 <= waits[0] <= 10 and 10 <= waits[1] <= 20 and 20 <= waits[2] <= 40
    assert 30 <= waits[3] <= 60 and waits[4] <= 60
    told = adapters.Outcome(adapters.Result.TRANSIENT, retry_after=7)
    assert worker._backoff(1, told, config_).total_seconds() == 7  # the destination's Retry-After


def test_a_202_waits_for_a_signed_acknowledgement(app, decide, client):
    with receiving(answer=202) as receiver:
        to_case_system(app, receiver.url, SECRET)
        referral_id = decide()
        done = work(app)
    assert done.accepted == 1
    [delivery] = deliveries(app, referral_id)
    assert delivery.state == DeliveryState.SENT and row(app, referral_id).status == ReferralStatus.DECIDED
    path = f"/api/v1/deliveries/{delivery.key}/acknowledgement"

    def signed(body, secret=SECRET, at=None):
        data = json.dumps(body).encode()
        stamp = str(int(at if at is not None else time.time()))
        return client.post(path, data=data, content_type="application/json", headers={
            "Fanlight-Timestamp": stamp, "Fanlight-Signature": adapters.signature(secret, stamp, data)})

    assert signed({"id": "MOSAIC-77"}, secret="not-the-secret").status_code == 401
    assert signed({"id": "MOSAIC-77"}, at=time.time() - 3600).status_code == 401  # an old request replayed
    assert client.post(path, json={"id": "MOSAIC-77"}).status_code == 401  # unsigned
    answer = signed({"id": "MOSAIC-77"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json() == {"key": delivery.key, "state": "delivered", "external_id": "MOSAIC-77"}
    assert signed({"id": "MOSAIC-77"}).status_code == 200  # the same again: harmless
    assert signed({"id": "MOSAIC-78"}).status_code == 409
    assert row(app, referral_id).status == ReferralStatus.DELIVERED
    assert deliveries(app, referral_id)[0].external_id == "MOSAIC-77"


def test_an_unknown_delivery_key_is_the_same_401_as_a_bad_signature(app, client):
    data = b'{"id": "X"}'
    stamp = str(int(time.time()))
    answer = client.post("/api/v1/deliveries/fanlight-nope/acknowledgement", data=data,
                         content_type="application/json",
                         headers={"Fanlight-Timestamp": stamp, "Fanlight-Signature": adapters.signature(SECRET, stamp, data)})
    assert answer.status_code == 401
    assert answer.content_type == "application/problem+json"


def test_the_folder_drop_writes_payload_and_case_note_and_collects_the_importers_acknowledgement(
        app, decide, tmp_path):
    drop = tmp_path / "case-system-drop"
    to_case_system(app, f"file://{drop}")
    referral_id = decide()
    assert work(app).accepted == 1
    [delivery] = deliveries(app, referral_id)
    assert delivery.state == DeliveryState.SENT
    assert json.loads((drop / f"{delivery.key}.json").read_text()) == delivery.payload
    assert (drop / f"{delivery.key}.txt").read_text() == delivery.case_note
    assert sorted(p.name for p in drop.iterdir()) == sorted([f"{delivery.key}.json", f"{delivery.key}.txt"])  # nothing half-written left
    (drop / f"{delivery.key}.ack").write_text("LL-123456\n")
    assert work(app).acknowledged == 1
    delivered = deliveries(app, referral_id)[0]
    assert (delivered.state, delivered.external_id) == (DeliveryState.DELIVERED, "LL-123456")
    assert row(app, referral_id).status == ReferralStatus.DELIVERED


def test_a_worker_that_dies_mid_delivery_leaves_a_claim_another_takes_over_after_the_lease(
        app, decide, clock):
    app.config["FANLIGHT_DELIVERY_LEASE_SECONDS"] = 60
    with receiving() as receiver:
        to_case_system(app, receiver.url, SECRET)
        referral_id = decide()
        with app.app_context(), database(app) as s:
            claimed = worker.claim(s, "a worker that is about to die", ["case-system"])
        assert claimed is not None
        assert work(app).attempts == 0  # still held: nobody else sends it
        clock.advance(seconds=61)
        assert work(app).delivered == 1
    [delivery] = deliveries(app, referral_id)
    assert delivery.state == DeliveryState.DELIVERED
    assert [a.outcome for a in attempts(app, delivery.id)] == ["abandoned", "delivered"]
    assert len(receiver.cases) == 1


def test_a_mapping_that_cannot_render_never_costs_the_decision(app, decide, monkeypatch):
    def broken(*_args, **_kwargs):
        raise ValueError("an answer the mapping did not expect")

    monkeypatch.setattr(records, "render_payload", broken)
    referral_id = decide()
    assert row(app, referral_id).status == ReferralStatus.DECIDED
    [delivery] = deliveries(app, referral_id)
    assert delivery.state == DeliveryState.DEAD
    assert "an answer the mapping did not expect" in delivery.last_error


def test_an_unconfigured_destination_waits_outside_development(app, decide):
    referral_id = decide()
    app.config["FANLIGHT_ENV"] = "test"
    app.config["FANLIGHT_DESTINATIONS"] = {}
    assert work(app).attempts == 0
    assert deliveries(app, referral_id)[0].state == DeliveryState.PENDING


def test_the_worker_sends_the_mail_outbox_too(app, client, smtp_server, clock):
    app.config["FANLIGHT_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_server.server_address[1]}"
    smtp_server.refuse = True
    register(client, GP).close()  # tried after the response, and refused
    smtp_server.refuse = False
    assert work(app).mail_sent == 0  # the worker leaves it alone until its wait is over
    clock.advance(app.config["FANLIGHT_MAIL_BACKOFF_SECONDS"] + 1)
    assert work(app).mail_sent == 1
    assert [recipients for _, recipients, _ in smtp_server.received] == [[GP]]


def test_outside_development_a_destination_must_use_https_and_have_a_secret():
    def refused(address, secret="s3cret", environment="production"):
        config = {"FANLIGHT_ENV": environment, "SECRET_KEY": "k", "RATELIMIT_STORAGE_URI": "redis://r:6379",
                  "FANLIGHT_DESTINATIONS": {"FANLIGHT_DESTINATION_CASE_SYSTEM": {"address": address, "secret": secret}}}
        return production_problems(config)

    assert refused("https://case.council.example/in") == []
    assert refused("http://case.council.example/in") == [
        "FANLIGHT_DESTINATION_CASE_SYSTEM is plain HTTP: a referral is only ever sent over HTTPS"]
    assert refused("http://case.council.example/in", environment="staging")  # not only in production
    assert refused("https://case.council.example/in", secret="")[0].startswith(
        "FANLIGHT_DESTINATION_CASE_SYSTEM_SECRET is not set")
    assert refused("file:///srv/drop", secret="") == []  # a folder is not signed
    assert refused("http://case.council.example/in", environment="development") == []


def test_retention_deletes_a_referrals_deliveries_and_their_attempts_with_it(app, decide, clock, tmp_path):
    to_case_system(app, f"file://{tmp_path / 'drop'}")
    referral_id = decide()
    work(app)
    assert count(app, Delivery) == 1 and count(app, DeliveryAttempt) == 1
    clock.advance((SEVEN_YEARS + 1) * DAY)
    assert run_retention(app).deleted_submissions == 1
    assert (count(app, Submission), count(app, Delivery), count(app, DeliveryAttempt)) == (0, 0, 0)
    assert referral_id not in {d.submission_id for d in deliveries(app)}


def test_releasing_a_record_another_worker_already_took_over_never_marks_that_workers_attempt_abandoned(
        app, decide, clock, tmp_path):
    """Two workers release the same expired claim at once: the first releases it and a third worker
    claims it again before the second's release runs. The second's release changes nothing (the
    claim it saw has gone), and must leave the live attempt alone: it once marked every open attempt
    of the record abandoned, the live one too, while that worker was still sending."""
    app.config["FANLIGHT_DELIVERY_LEASE_SECONDS"] = 60
    to_case_system(app, f"file://{tmp_path / 'drop'}")
    referral_id = decide()
    with app.app_context(), database(app) as s:
        assert worker.claim(s, "a worker that is about to die", ["case-system"]) is not None
    clock.advance(seconds=61)
    live: list[worker.Claim] = []

    with app.app_context(), database(app) as s:
        execute = s.execute

        def meanwhile_another_worker_releases_and_claims(statement, *args, **kwargs):
            result = execute(statement, *args, **kwargs)
            if live:
                return result
            stale = result.all()  # what the slower worker saw: the expired claim
            with database(app) as other:
                assert worker.release_expired(other, app.config) == 1
                taken = worker.claim(other, "the worker that took it over", ["case-system"])
            assert taken is not None
            live.append(taken)
            return stale

        s.execute = meanwhile_another_worker_releases_and_claims  # type: ignore[method-assign]
        released = worker.release_expired(s, app.config)

    [delivery] = deliveries(app, referral_id)
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENDING, 2)
    tries = attempts(app, delivery.id)
    assert [(a.worker, a.outcome) for a in tries] == [
        ("a worker that is about to die", "abandoned"), ("the worker that took it over", "sending")]
    assert tries[1].finished_at is None  # still its worker's: not abandoned under it
    assert released == 0  # nothing of its own released
    with app.app_context(), database(app) as s:
        worker.finish(s, live[0], adapters.Outcome(adapters.Result.ACCEPTED), app.config, worker.Pass())
    assert [a.outcome for a in attempts(app, delivery.id)] == ["abandoned", "accepted"]
