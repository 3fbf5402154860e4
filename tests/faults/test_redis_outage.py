"""Redis goes away and comes back: REST answers, /health says 503, sockets say service_unavailable,
and everything works again without a restart."""

from __future__ import annotations

import logging
import time
import uuid

import redis

from tests.conftest import ContentFactory, UserFactory


def _limit_keys(url: str) -> list:
    """Flask-Limiter's keys (this Redis is the test's own; the limiter is module-global, so its
    prefix is the first app's of the process: tests/core/test_hardening.py checks the prefix)."""
    client = redis.Redis.from_url(url)
    try:
        return [key for key in client.scan_iter("*") if b"LIMITER" in key]
    finally:
        client.close()


def test_redis_outage_and_recovery(make_app, redis_server, sio, caplog):
    channel = f"outage-{uuid.uuid4().hex[:8]}"
    app = make_app(REDIS_URL=redis_server.url, RATELIMIT_STORAGE_URI=redis_server.url, SOCKETIO_CHANNEL=channel)
    user = UserFactory(app)()
    content = ContentFactory(app)
    first, second = content.session(), content.session()
    client = app.test_client()
    profile = f"/api/profiles/{user.id}"

    assert client.get(profile, headers=user.headers).status_code == 200
    assert client.get("/health").json["redis"] == "ok"
    assert _limit_keys(redis_server.url)  # the REST limits count in Redis
    socket = sio(user, on_app=app)
    assert socket.ack("join_session", {"sessionId": first})["ok"]

    redis_server.stop()
    caplog.set_level(logging.WARNING)
    for _ in range(3):  # REST keeps answering: the limits fall back to memory
        assert client.get(profile, headers=user.headers).status_code == 200
    assert "falling back to in-memory storage" in caplog.text
    posted = client.post("/api/messages", json={"sessionId": first, "text": "still here"}, headers=user.headers)
    assert posted.status_code == 201, posted.json
    health = client.get("/health")
    assert health.status_code == 503
    assert health.json == {"status": "unavailable", "database": "ok", "redis": "down"}
    # Sockets: what needs Redis (viewer counts) answers service_unavailable, the rest works.
    refused = socket.ack("join_session", {"sessionId": second})
    assert refused["ok"] is False
    assert refused["error"]["code"] == "service_unavailable"
    assert socket.ack("send_message", {"sessionId": first, "text": "socket too"})["ok"]
    assert socket.is_connected()

    redis_server.start()  # same port, empty: nothing restarts on our side
    assert client.get("/health").status_code == 200
    assert socket.ack("join_session", {"sessionId": second})["ok"]
    assert client.get(profile, headers=user.headers).status_code == 200
    # Flask-Limiter probes the storage with a growing back-off; its counters return to Redis.
    deadline = time.monotonic() + 90
    while not _limit_keys(redis_server.url) and time.monotonic() < deadline:
        assert client.get(profile, headers=user.headers).status_code == 200
        time.sleep(0.5)
    assert _limit_keys(redis_server.url)
