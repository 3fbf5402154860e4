"""Two ``python wsgi.py`` processes sharing Redis behave as one server."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
import requests

from tests.realtime.conftest import require_redis
from tests.realtime.e2e import WAIT, Server

pytestmark = [pytest.mark.e2e, pytest.mark.redis]


@pytest.fixture(scope="module")
def cluster(database_url):
    redis_url = require_redis()
    channel = f"plataforma-e2e-{uuid.uuid4().hex[:10]}"  # parallel runs must not hear each other
    servers = []
    try:
        for _ in range(2):
            servers.append(Server(database_url, REDIS_URL=redis_url, SOCKETIO_CHANNEL=channel).start())
        yield servers[0], servers[1], redis.Redis.from_url(redis_url, decode_responses=True), channel
    finally:
        for server in servers:
            server.stop()
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(f"{channel}:*"))
        if keys:
            client.delete(*keys)
        client.close()


def test_two_processes_behave_as_one(cluster, e2e_users, e2e_content, e2e_clients):
    a, b, store, channel = cluster
    assert requests.get(f"{a.url}/health", timeout=WAIT).json()["redis"] == "ok"
    session_id = e2e_content.session()
    alice, bob = e2e_users(), e2e_users()
    on_a = e2e_clients(a.url, alice.token)
    on_b = e2e_clients(b.url, bob.token)

    # Viewer counts include both processes.
    assert on_a.call("join_session", {"sessionId": session_id})["data"]["viewerCount"] == 1
    assert on_b.call("join_session", {"sessionId": session_id})["data"]["viewerCount"] == 2
    on_a.wait_for("viewer_count", lambda d: d == {"sessionId": session_id, "count": 2})
    assert store.hlen(f"{channel}:viewers:s:{session_id}") == 2

    # A REST call on process B reaches a client on process A.
    body = {"sessionId": session_id, "text": "REST on B"}
    posted = requests.post(f"{b.url}/api/messages", json=body, headers=bob.headers, timeout=WAIT)
    assert posted.status_code == 201
    assert on_a.wait_for("new_message") == posted.json()

    # A socket message on process A reaches a client on process B (and its sender).
    sent = on_a.call("send_message", {"sessionId": session_id, "text": "socket on A"})
    assert sent["ok"]
    assert on_b.wait_for("new_message", lambda m: m["id"] == sent["data"]["id"]) == sent["data"]
    on_a.wait_for("new_message", lambda m: m["id"] == sent["data"]["id"])

    # Alice's second tab, on the other process, does not count twice.
    alice_tab2 = e2e_clients(b.url, alice.token)
    assert alice_tab2.call("join_session", {"sessionId": session_id})["data"]["viewerCount"] == 2

    def one_viewer(data):
        return data == {"sessionId": session_id, "count": 1}

    on_b.close()
    on_a.wait_for("viewer_count", one_viewer, nth=2)  # the first "1" was Alice's own join
    heard = len(on_a.events("viewer_count"))
    alice_tab2.close()  # Alice is still there on A: the count does not change
    deadline = time.monotonic() + WAIT
    while store.hget(f"{channel}:viewers:s:{session_id}", alice.id) != "1" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.hget(f"{channel}:viewers:s:{session_id}", alice.id) == "1"
    assert len(on_a.events("viewer_count")) == heard  # ...so the room hears nothing
    assert on_a.call("leave_session", {"sessionId": session_id})["data"]["viewerCount"] == 0
    assert store.hlen(f"{channel}:viewers:s:{session_id}") == 0
