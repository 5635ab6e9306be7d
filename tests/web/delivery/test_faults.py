"""The fault test of delivery (issue 14): a case system that times out, fails with a 500 or drops the
connection at random, several `fanlight worker` processes sharing the work, and one of them killed
mid-delivery. Every decided referral ends delivered, each under the one case the receiver made for
its idempotency key: retries carried the same key, and no key was applied twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from fanlight.web.models import Delivery, DeliveryAttempt, DeliveryState, ReferralStatus, Submission
from tests.support.factories import DEFINITIONS, database
from tests.support.receiver import SECRET, receiving

ROOT = Path(__file__).resolve().parents[3]
REFERRALS = 12


def start_worker(app, receiver_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "FANLIGHT_DEFINITIONS": str(DEFINITIONS),
           "FANLIGHT_INSTANCE": app.instance_path, "FANLIGHT_SECRET_KEY": app.config["SECRET_KEY"],
           "FANLIGHT_DESTINATION_CASE_SYSTEM": receiver_url, "FANLIGHT_DESTINATION_CASE_SYSTEM_SECRET": SECRET,
           "FANLIGHT_DELIVERY_TIMEOUT_SECONDS": "1", "FANLIGHT_DELIVERY_LEASE_SECONDS": "3",
           "FANLIGHT_DELIVERY_BACKOFF_SECONDS": "0.05", "FANLIGHT_DELIVERY_MAX_BACKOFF_SECONDS": "0.5",
           "FANLIGHT_DELIVERY_ATTEMPTS": "100", "FANLIGHT_ENV": "development", "FANLIGHT_DEMO_ACCOUNTS": "0"}
    command = [sys.executable, "-c", "import sys; from fanlight.console import main; sys.exit(main())",
               "worker", "--poll", "0.1"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def alive(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is not None:
        raise AssertionError(f"a worker stopped ({worker.returncode}): {worker.stderr.read().decode()[-2000:]}")


def held_by(app, worker: subprocess.Popen[bytes]) -> bool:
    with database(app) as s:
        return bool(s.scalar(select(Delivery.id).where(Delivery.state == DeliveryState.SENDING,
                                                       Delivery.claimed_by.contains(f":{worker.pid}:"))))


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def test_every_decided_referral_is_delivered_once_through_chaos_and_a_killed_worker(app, decide):
    referral_ids = [decide() for _ in range(REFERRALS)]
    workers: list[subprocess.Popen[bytes]] = []
    with receiving(chaos=0.4, hang=4.0, hang_first=True) as receiver:
        try:
            doomed = start_worker(app, receiver.url)
            workers.append(doomed)
            wait_for(lambda: alive(doomed) or (held_by(app, doomed) and len(receiver.requests) == 1), 60,
                     "the first delivery")
            doomed.kill()  # mid-delivery: the receiver is holding its request
            doomed.wait(10)
            workers += [start_worker(app, receiver.url) for _ in range(2)]

            def all_delivered() -> bool:
                for worker in workers[1:]:
                    alive(worker)
                with database(app) as s:
                    return not s.scalar(select(Submission.id).where(Submission.id.in_(referral_ids),
                                                                    Submission.status != ReferralStatus.DELIVERED))

            wait_for(all_delivered, 120, "every referral to be delivered")
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(15)
                if worker.stderr is not None:
                    worker.stderr.close()
    with database(app) as s:
        delivered = list(s.scalars(select(Delivery).where(Delivery.submission_id.in_(referral_ids))))
        tries = list(s.execute(select(DeliveryAttempt.delivery_id, DeliveryAttempt.outcome, DeliveryAttempt.status_code,
                                      DeliveryAttempt.error, DeliveryAttempt.worker)))
    outcomes = [t.outcome for t in tries]
    assert len(delivered) == REFERRALS and {d.state for d in delivered} == {DeliveryState.DELIVERED}
    keys = {d.key for d in delivered}
    assert len(keys) == REFERRALS
    assert {d.key: d.external_id for d in delivered} == {k: receiver.cases[k] for k in keys}
    assert receiver.made == REFERRALS  # one case per key, however often it came
    assert len(receiver.requests) > REFERRALS  # and it did come again: the chaos was real
    assert "abandoned" in outcomes  # the killed worker's delivery was taken over after its lease
    assert "sending" not in outcomes  # no attempt left open
    assert all(valid for _, valid in receiver.requests)
    # The worker was killed outright (SIGKILL: no handler, no clean-up), holding its delivery.
    assert doomed.returncode == -signal.SIGKILL
    assert [t.outcome for t in tries if f":{doomed.pid}:" in t.worker] == ["abandoned"]
    # Every fault happened: a timeout, a 500 and a connection dropped after the case was made.
    assert any(t.outcome == "transient" and t.status_code == 500 for t in tries)
    assert any(t.outcome == "transient" and "timed out" in t.error for t in tries)
    assert any(t.outcome == "transient" and ("RemoteDisconnected" in t.error or "reset" in t.error) for t in tries)
    # No idempotency key was applied twice: the receiver saw only these keys, made one case for each,
    # and each delivery was completed once (one `delivered` attempt; no second worker sent it after).
    assert {key for key, _ in receiver.requests} == keys
    assert sorted(t.delivery_id for t in tries if t.outcome == "delivered") == sorted(d.id for d in delivered)
    assert len(set(receiver.cases.values())) == REFERRALS


def test_fanlight_worker_once_delivers_what_is_due_and_says_what_it_did(app, decide, tmp_path):
    referral_id = decide()
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "FANLIGHT_DEFINITIONS": str(DEFINITIONS),
           "FANLIGHT_INSTANCE": app.instance_path, "FANLIGHT_SECRET_KEY": app.config["SECRET_KEY"],
           "FANLIGHT_DESTINATION_CASE_SYSTEM": str(tmp_path / "drop"), "FANLIGHT_DEMO_ACCOUNTS": "0"}
    command = [sys.executable, "-c", "import sys; from fanlight.console import main; sys.exit(main())", "worker", "--once"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("delivered 0, sent to await acknowledgement 1, acknowledged 0, to retry 0, dead 0, "
                                   "mail sent 0")
    with database(app) as s:
        key = s.scalar(select(Delivery.key).where(Delivery.submission_id == referral_id))
    assert (tmp_path / "drop" / f"{key}.json").exists()
