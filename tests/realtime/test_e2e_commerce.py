"""End to end: reactions and products against real ``python wsgi.py`` processes (eventlet), one and two
(sharing Redis), with real python-socketio clients."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from tests.realtime.e2e import WAIT, Server
from tests.realtime.test_e2e_redis import cluster  # noqa: F401  (two processes on one Redis)

pytestmark = pytest.mark.e2e
KINDS = ("like", "heart", "fire", "clap")


def _send_reactions(clients, session_id, per_client: int) -> dict:
    """Each client sends ``per_client`` reactions (cycling the types) from its own thread; returns the counts."""
    sent = {kind: 0 for kind in KINDS}
    lock = threading.Lock()
    errors = []

    def run(client, offset):
        for i in range(per_client):
            kind = KINDS[(i + offset) % 4]
            answer = client.call("send_reaction", {"sessionId": session_id, "type": kind})
            if answer != {"ok": True, "data": {"accepted": True}}:
                errors.append(answer)
                continue
            with lock:
                sent[kind] += 1

    threads = [threading.Thread(target=run, args=(c, i)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 3)
    assert not errors, errors[:3]
    return sent


def _summed(batches) -> dict:
    return {kind: sum(batch["counts"][kind] for batch in batches) for kind in KINDS}


def _wait_for_totals(url, user, session_id, expected) -> dict:
    deadline = time.monotonic() + WAIT
    while True:
        totals = requests.get(f"{url}/api/sessions/{session_id}/reactions", headers=user.headers, timeout=WAIT).json()
        if totals["totals"] == expected or time.monotonic() > deadline:
            return totals["totals"]
        time.sleep(0.2)


def _wait_for_batches(watcher, expected) -> list:
    deadline = time.monotonic() + WAIT
    while _summed(watcher.events("reactions")) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return watcher.events("reactions")


@pytest.fixture(scope="module")
def server(database_url):
    server = Server(database_url, RATELIMIT_REACTION="1000 per second").start()
    yield server
    server.stop()


def test_reactions_from_several_clients_arrive_as_batches_and_the_totals_match(
    server, e2e_users, e2e_content, e2e_clients
):
    session_id = e2e_content.session()
    watcher_user = e2e_users()
    watcher = e2e_clients(server.url, watcher_user.token)
    assert watcher.call("join_session", {"sessionId": session_id})["ok"]
    senders = [e2e_clients(server.url, e2e_users().token) for _ in range(5)]  # not joined: none needed

    sent = _send_reactions(senders, session_id, per_client=40)
    assert sum(sent.values()) == 200

    batches = _wait_for_batches(watcher, sent)
    assert _summed(batches) == sent
    assert all(batch["sessionId"] == session_id and set(batch["counts"]) == set(KINDS) for batch in batches)
    assert len(batches) < 200  # aggregated: far fewer broadcasts than reactions
    assert _wait_for_totals(server.url, watcher_user, session_id, sent) == sent


def test_products_changes_reach_the_room(server, e2e_users, e2e_content, e2e_clients):
    session_id = e2e_content.session()
    admin, viewer = e2e_users("ADMIN"), e2e_users()
    room = e2e_clients(server.url, viewer.token)
    assert room.call("join_session", {"sessionId": session_id})["ok"]
    product = requests.post(
        f"{server.url}/api/products", json={"name": "Hoodie", "price": "49.90"}, headers=admin.headers, timeout=WAIT
    ).json()
    body = {"productId": product["id"], "featured": True}
    attached = requests.post(
        f"{server.url}/api/sessions/{session_id}/products", json=body, headers=admin.headers, timeout=WAIT
    )
    assert attached.status_code == 201
    assert room.wait_for("products_updated") == {"sessionId": session_id, "products": [attached.json()]}
    assert room.wait_for("product_featured") == {"sessionId": session_id, "item": attached.json()}


def test_a_clean_stop_writes_the_pending_totals(database_url, e2e_users, e2e_content, e2e_clients):
    server = Server(database_url, RATELIMIT_REACTION="1000 per second").start()
    try:
        session_id = e2e_content.session()
        user = e2e_users()
        client = e2e_clients(server.url, user.token)
        sent = _send_reactions([client], session_id, per_client=30)
        client.close()
    finally:
        server.stop()  # SIGTERM: the clean stop writes what the last round had not
    with_other = Server(database_url).start()
    try:
        assert _wait_for_totals(with_other.url, user, session_id, sent) == sent
    finally:
        with_other.stop()


@pytest.mark.redis
def test_two_processes_on_redis_sum_their_reactions(cluster, e2e_users, e2e_content, e2e_clients):  # noqa: F811
    a, b, _store, _channel = cluster
    session_id = e2e_content.session()
    watcher_user = e2e_users()
    watcher = e2e_clients(a.url, watcher_user.token)
    assert watcher.call("join_session", {"sessionId": session_id})["ok"]
    on_a = [e2e_clients(a.url, e2e_users().token) for _ in range(3)]
    on_b = [e2e_clients(b.url, e2e_users().token) for _ in range(3)]

    # 10 per user per second across both processes (the default, counted in Redis): stay under it.
    sent_a = _send_reactions(on_a, session_id, per_client=8)
    sent_b = _send_reactions(on_b, session_id, per_client=8)
    expected = {kind: sent_a[kind] + sent_b[kind] for kind in KINDS}
    assert sum(expected.values()) == 48

    # The watcher on A hears B's batches too (through Redis), and the totals add up.
    assert _summed(_wait_for_batches(watcher, expected)) == expected
    assert _wait_for_totals(b.url, watcher_user, session_id, expected) == expected

    # One user's budget is shared by both processes.
    spender = e2e_users()
    first, second = e2e_clients(a.url, spender.token), e2e_clients(b.url, spender.token)
    answers = [c.call("send_reaction", {"sessionId": session_id, "type": "like"}) for c in (first, second) * 8]
    assert sum(answer["ok"] for answer in answers) <= 10
    assert {answer["error"]["code"] for answer in answers if not answer["ok"]} == {"rate_limited"}
