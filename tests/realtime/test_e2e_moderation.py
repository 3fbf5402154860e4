"""Bans end to end (SPEC §15): a real ``python wsgi.py`` evicts a banned user's sockets at once, and two
processes sharing Redis do it for a ban decided on the other process."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
import requests

from tests.realtime.conftest import require_redis
from tests.realtime.e2e import WAIT, Server

pytestmark = pytest.mark.e2e


def _event_of(e2e_app, session_id) -> str:
    from plataforma.extensions import db
    from plataforma.models import EventSession

    with e2e_app.app_context():
        event_id = str(db.session.get(EventSession, uuid.UUID(session_id)).event_id)
        db.session.remove()
        return event_id


def _ban(url, moderator, event_id, user, **body):
    response = requests.post(
        f"{url}/api/events/{event_id}/bans", json={"userId": user.id, **body}, headers=moderator.headers, timeout=WAIT
    )
    assert response.status_code == 201, response.text
    return response.json()


def _check_evicted(victim, witness, session_id, post_url, moderator, ban):
    assert victim.wait_for("banned") == {"eventId": ban["eventId"], "until": ban["until"], "reason": ban["reason"]}
    witness.wait_for("viewer_count", lambda d: d == {"sessionId": session_id, "count": 1})
    requests.post(post_url, json={"sessionId": session_id, "text": "after"}, headers=moderator.headers, timeout=WAIT)
    witness.wait_for("new_message", lambda m: m["text"] == "after")
    assert [m["text"] for m in victim.events("new_message")] == []  # out of the room
    refused = victim.call("join_session", {"sessionId": session_id})
    assert refused["ok"] is False and refused["error"]["code"] == "banned"
    sent = victim.call("send_message", {"sessionId": session_id, "text": "still here?"})
    assert sent["ok"] is False and sent["error"]["code"] == "banned"


@pytest.fixture(scope="module")
def server(database_url):
    server = Server(database_url).start()
    yield server
    server.stop()


def test_a_ban_evicts_the_users_sockets_on_a_real_server(server, e2e_app, e2e_users, e2e_content, e2e_clients):
    session_id = e2e_content.session()
    event_id = _event_of(e2e_app, session_id)
    victim_user, witness_user, moderator = e2e_users(), e2e_users(), e2e_users("MODERATOR")
    victim = e2e_clients(server.url, victim_user.token)
    witness = e2e_clients(server.url, witness_user.token)
    assert victim.call("join_session", {"sessionId": session_id})["ok"]
    assert witness.call("join_session", {"sessionId": session_id})["ok"]
    witness.wait_for("viewer_count", lambda d: d == {"sessionId": session_id, "count": 2})

    ban = _ban(server.url, moderator, event_id, victim_user, durationSeconds=600, reason="flood")

    _check_evicted(victim, witness, session_id, f"{server.url}/api/messages", moderator, ban)


@pytest.fixture(scope="module")
def cluster(database_url):
    redis_url = require_redis()
    channel = f"plataforma-e2e-{uuid.uuid4().hex[:10]}"
    servers = []
    try:
        for _ in range(2):
            servers.append(Server(database_url, REDIS_URL=redis_url, SOCKETIO_CHANNEL=channel).start())
        yield servers
    finally:
        for server in servers:
            server.stop()
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(f"{channel}:*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.mark.redis
def test_a_ban_decided_on_one_process_evicts_on_the_other(cluster, e2e_app, e2e_users, e2e_content, e2e_clients):
    a, b = cluster
    session_id = e2e_content.session()
    event_id = _event_of(e2e_app, session_id)
    victim_user, witness_user, moderator = e2e_users(), e2e_users(), e2e_users("MODERATOR")
    victim = e2e_clients(b.url, victim_user.token)  # on B
    witness = e2e_clients(a.url, witness_user.token)
    assert victim.call("join_session", {"sessionId": session_id})["ok"]
    assert witness.call("join_session", {"sessionId": session_id})["ok"]
    witness.wait_for("viewer_count", lambda d: d == {"sessionId": session_id, "count": 2})
    # B has checked a ban before (its cache of the event's bans is warm): the ban must reach it anyway.
    reacted = victim.call("send_reaction", {"sessionId": session_id, "type": "like"})
    assert reacted["ok"] is True

    ban = _ban(a.url, moderator, event_id, victim_user)  # decided on A, until lifted

    _check_evicted(victim, witness, session_id, f"{a.url}/api/messages", moderator, ban)
    refused = victim.call("send_reaction", {"sessionId": session_id, "type": "like"})
    assert refused["ok"] is False and refused["error"]["code"] == "banned"
    # Lifted on A: B lets the user back in.
    lifted = requests.delete(
        f"{a.url}/api/events/{event_id}/bans/{victim_user.id}", headers=moderator.headers, timeout=WAIT
    )
    assert lifted.status_code == 204
    deadline = time.monotonic() + WAIT  # B hears of the lift through Redis, a moment later
    while not (answer := victim.call("join_session", {"sessionId": session_id}))["ok"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert answer["ok"] is True, answer
