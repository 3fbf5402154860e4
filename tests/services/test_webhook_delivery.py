"""Webhook delivery (SPEC §16) against a loopback receiver: signatures, retries, claims, safety."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook as Verifier

from plataforma.extensions import db
from plataforma.models import DeliveryStatus, WebhookDelivery, utcnow
from plataforma.services import commit, webhooks
from plataforma.services import webhook_delivery as delivery
from plataforma.workers import webhooks as worker
from tests.conftest import UserFactory
from tests.webhook_support import Receiver, TLSReceiver, install_dns, self_signed


@pytest.fixture
def lenient(make_app):
    """An app that may call loopback receivers (WEBHOOK_ALLOW_PRIVATE)."""
    return make_app(WEBHOOK_ALLOW_PRIVATE=True)


def _hook(app, url: str, events=("message.created",)) -> tuple[str, str]:
    admin = UserFactory(app)("ADMIN")
    response = app.test_client().post("/api/webhooks", json={"url": url, "events": list(events)}, headers=admin.headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return body["id"], body["secret"]


def _enqueue(app, event="message.created", data=None) -> str:
    with app.app_context():
        rows = webhooks.enqueue(event, data if data is not None else {"id": "m1", "text": "hi"})
        commit()
        return str(rows[0].id)


def _row(app, delivery_id: str) -> WebhookDelivery:
    with app.app_context():
        row = db.session.get(WebhookDelivery, uuid.UUID(delivery_id))
        db.session.expunge(row)
        return row


def _make_due(app, delivery_id: str) -> None:
    """Skip the backoff wait (the schedule itself is asserted from the stored times)."""
    with app.app_context():
        row = db.session.get(WebhookDelivery, uuid.UUID(delivery_id))
        row.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()


def test_signed_delivery_retried_after_a_500_with_the_same_webhook_id(lenient):
    with Receiver(statuses=[500]) as receiver:
        _hook_id, secret = _hook(lenient, receiver.url)
        delivery_id = _enqueue(lenient, data={"id": "m1", "text": "héllo"})

        first = worker.run_once(lenient)
        assert first == [DeliveryStatus.PENDING]
        failed = _row(lenient, delivery_id)
        assert (failed.attempts, failed.last_status_code, failed.last_error) == (1, 500, "HTTP 500")
        assert worker.run_once(lenient) == []  # not due before the backoff
        _make_due(lenient, delivery_id)
        assert worker.run_once(lenient) == [DeliveryStatus.DELIVERED]

        requests = receiver.wait(2)
    ids = []
    for headers, body, path in requests:
        payload = Verifier(secret).verify(body, headers)  # raises unless the signature is right
        assert path == "/hooks" and headers["content-type"] == "application/json"
        assert payload == {
            "id": delivery_id,
            "type": "message.created",
            "createdAt": payload["createdAt"],
            "data": {"id": "m1", "text": "héllo"},
        }
        ids.append(headers["webhook-id"])
    assert ids == [delivery_id, delivery_id]
    done = _row(lenient, delivery_id)
    assert (done.status, done.attempts, done.last_status_code, done.last_error) == ("delivered", 2, 200, None)
    assert done.delivered_at is not None and done.next_attempt_at is None


def test_a_wrong_secret_does_not_verify(lenient):
    with Receiver() as receiver:
        _hook(lenient, receiver.url)
        _enqueue(lenient)
        worker.run_once(lenient)
        headers, body, _ = receiver.wait(1)[0]
    with pytest.raises(Exception, match="signature"):
        Verifier(webhooks.new_secret()).verify(body, headers)


def test_backoff_schedule_then_failed(lenient):
    with Receiver(statuses=[503] * 10) as receiver:
        _hook(lenient, receiver.url)
        delivery_id = _enqueue(lenient)
        waits = []  # (shortest, longest) delay the schedule can have used: the attempt itself takes time
        for _ in range(6):
            before = utcnow()
            assert len(worker.run_once(lenient)) == 1
            after = utcnow()
            row = _row(lenient, delivery_id)
            if row.next_attempt_at is not None:
                due = row.next_attempt_at.replace(tzinfo=before.tzinfo)
                waits.append(((due - after).total_seconds(), (due - before).total_seconds()))
                _make_due(lenient, delivery_id)
        receiver.wait(6)
    assert len(waits) == 5
    for expected, (shortest, longest) in zip([5, 30, 120, 600, 1800], waits, strict=True):
        assert shortest - 0.01 <= expected <= longest + 0.01, (expected, shortest, longest)
    final = _row(lenient, delivery_id)
    assert (final.status, final.attempts, final.attempts_left, final.next_attempt_at) == ("failed", 6, 0, None)
    assert worker.run_once(lenient) == []


def test_redirects_are_not_followed(lenient):
    with Receiver(statuses=[302], headers={"Location": "/elsewhere"}) as receiver:
        _hook(lenient, receiver.url)
        delivery_id = _enqueue(lenient)
        worker.run_once(lenient)
        assert [path for _, _, path in receiver.wait(1)] == ["/hooks"]
    row = _row(lenient, delivery_id)
    assert (row.status, row.last_status_code, row.last_error) == ("pending", 302, "HTTP 302")


def test_a_silent_receiver_times_out(make_app):
    app = make_app(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_TIMEOUT=0.5)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        _hook(app, f"http://127.0.0.1:{silent.getsockname()[1]}/")
        delivery_id = _enqueue(app)
        worker.run_once(app)
    row = _row(app, delivery_id)
    assert (row.status, row.last_status_code, row.last_error) == ("pending", None, "Timed out")


def test_delivery_connects_to_the_checked_address_with_the_urls_host(lenient, monkeypatch):
    dns = install_dns(monkeypatch)
    dns["hooks.internal.test"] = ["127.0.0.1"]
    with Receiver() as receiver:
        _hook(lenient, f"http://hooks.internal.test:{receiver.port}/in?x=1")
        _enqueue(lenient)
        worker.run_once(lenient)
        headers, _, path = receiver.wait(1)[0]
    assert headers["host"] == f"hooks.internal.test:{receiver.port}" and path == "/in?x=1"


def test_a_host_that_now_resolves_to_a_private_address_is_refused_at_delivery(app, monkeypatch):
    dns = install_dns(monkeypatch)
    dns["hooks.example.com"] = ["93.184.215.14"]
    _hook(app, "https://hooks.example.com/in")
    delivery_id = _enqueue(app)
    dns["hooks.example.com"] = ["127.0.0.1"]  # DNS rebinding
    sent = []
    monkeypatch.setattr(delivery, "_pool", lambda *a: sent.append(a))
    worker.run_once(app)
    assert sent == []  # never connected
    row = _row(app, delivery_id)
    assert row.last_error == "Refused: The host resolves to a loopback address." and row.status == "pending"


def test_a_row_is_claimed_once_and_a_lost_claim_records_nothing(lenient):
    with Receiver() as receiver:
        _hook(lenient, receiver.url)
        delivery_id = _enqueue(lenient)
        with lenient.app_context():
            jobs = delivery.claim_due(10)
            commit()
            assert [str(job.delivery_id) for job in jobs] == [delivery_id]
            assert delivery.claim_due(10) == []  # leased
            db.session.execute(sa.update(WebhookDelivery).values(claimed_until=utcnow() - timedelta(seconds=1)))
            commit()
            again = delivery.claim_due(10)  # the lease expired (a worker died): claimed anew
            commit()
            assert [str(job.delivery_id) for job in again] == [delivery_id]
            assert delivery.record(jobs[0], delivery.Outcome(status_code=200)) is None  # the old claim lost
            commit()
        assert _row(lenient, delivery_id).attempts == 0
        assert worker.attempt(lenient, again[0]) == DeliveryStatus.DELIVERED
        receiver.wait(1)


def test_concurrent_workers_claim_disjoint_rows(make_app, is_postgres):
    if not is_postgres:
        pytest.skip("concurrent claims need PostgreSQL (SQLite serialises writers)")
    app = make_app(WEBHOOK_ALLOW_PRIVATE=True)
    _hook(app, "http://127.0.0.1:9/")
    with app.app_context():
        for n in range(60):
            webhooks.enqueue("message.created", {"n": n})
        commit()
    barrier = threading.Barrier(6)
    claimed: list[list[str]] = []

    def claim():
        with app.app_context():
            barrier.wait()
            jobs = []
            while batch := delivery.claim_due(3):
                commit()
                jobs.extend(str(job.delivery_id) for job in batch)
            db.session.remove()
            claimed.append(jobs)

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    everything = [delivery_id for jobs in claimed for delivery_id in jobs]
    assert len(everything) == 60 and len(set(everything)) == 60
    assert sum(1 for jobs in claimed if jobs) > 1  # they really ran side by side


def test_ping_reaches_only_its_webhook(lenient):
    with Receiver() as one, Receiver() as two:
        hook_id, secret = _hook(lenient, one.url)
        _hook(lenient, two.url)
        admin = UserFactory(lenient)("ADMIN")
        assert lenient.test_client().post(f"/api/webhooks/{hook_id}/test", headers=admin.headers).status_code == 202
        worker.run_once(lenient)
        headers, body, _ = one.wait(1)[0]
        assert two.requests == []
    payload = Verifier(secret).verify(body, headers)
    assert payload["type"] == "ping" and payload["data"] == {"webhookId": hook_id}
    assert json.loads(body) == payload


def test_https_connects_to_the_checked_address_and_verifies_the_urls_name(make_app, tmp_path, monkeypatch):
    dns = install_dns(monkeypatch)
    dns["hooks.internal.test"] = ["127.0.0.1"]
    dns["other.internal.test"] = ["127.0.0.1"]
    cert, key = self_signed(tmp_path, "hooks.internal.test")
    app = make_app(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_CA_BUNDLE=cert)
    with TLSReceiver(cert, key) as receiver:
        _hook(app, f"https://hooks.internal.test:{receiver.port}/in")
        good = _enqueue(app)
        worker.run_once(app)
        headers, _, _ = receiver.wait(1)[0]
        assert headers["host"] == f"hooks.internal.test:{receiver.port}"
        assert _row(app, good).status == DeliveryStatus.DELIVERED

        # Same address, another name: the certificate does not match it, nothing is sent.
        with app.app_context():
            db.session.execute(sa.delete(WebhookDelivery))
            db.session.commit()
        _hook(app, f"https://other.internal.test:{receiver.port}/in", events=("poll.opened",))
        bad = _enqueue(app, "poll.opened")
        worker.run_once(app)
        assert len(receiver.requests) == 1
    row = _row(app, bad)
    assert row.status == "pending" and "SSLError" in row.last_error


def test_the_loop_delivers_by_itself_and_the_cli_runs_it(make_app, monkeypatch):
    app = make_app(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_POLL_SECONDS=0.05)
    assert worker.ensure_started(app) is False  # never under TESTING: tests drive it
    with Receiver() as receiver:
        _hook(app, receiver.url)
        delivery_id = _enqueue(app)
        worker.run_forever(app, should_stop=lambda: bool(receiver.requests))
        receiver.wait(1)
    deadline = utcnow() + timedelta(seconds=10)
    while _row(app, delivery_id).status != DeliveryStatus.DELIVERED and utcnow() < deadline:
        threading.Event().wait(0.05)
    assert _row(app, delivery_id).status == DeliveryStatus.DELIVERED

    ran = []
    monkeypatch.setattr(worker, "run_forever", lambda app: ran.append(app))
    result = app.test_cli_runner().invoke(args=["webhooks-worker"])
    assert result.exit_code == 0 and ran == [app]
