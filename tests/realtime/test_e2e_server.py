"""End to end: real python-socketio clients against a real ``python wsgi.py`` (eventlet)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import requests
import socketio

from tests.realtime.e2e import WAIT, Client, Server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(database_url):
    server = Server(database_url, script="tests/realtime/slow_query.py").start()
    yield server
    server.stop()


def _refused(server, **kwargs) -> dict:
    client = Client(server.url, **kwargs)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect()
    assert not client.sio.connected
    return client.connect_error["data"]


def test_refused_connections(server, e2e_app, e2e_users):
    from flask_jwt_extended import create_access_token

    user = e2e_users()
    with e2e_app.app_context():
        expired = create_access_token(identity=user.id, expires_delta=timedelta(seconds=-5))
    assert _refused(server, auth=None)["code"] == "unauthorized"
    assert _refused(server, token="garbage")["code"] == "invalid_token"
    assert _refused(server, token=expired)["code"] == "token_expired"
    assert _refused(server, token=user.session["refresh_token"])["code"] == "invalid_token"

    signout = requests.post(f"{server.url}/api/auth/signout", headers=user.headers, timeout=WAIT)
    assert signout.status_code == 204
    assert _refused(server, token=user.token)["code"] == "token_revoked"


def test_the_token_query_parameter_works(server, e2e_users, e2e_clients):
    user = e2e_users()
    client = e2e_clients(server.url, auth={}, query=f"token={user.token}")
    assert client.sio.connected


def test_broadcast_room_isolation_and_viewer_counts(server, e2e_users, e2e_content, e2e_clients):
    one, two = e2e_content.session(), e2e_content.session()
    alice, bob, carol = e2e_users(), e2e_users(), e2e_users()
    a = e2e_clients(server.url, alice.token)
    b = e2e_clients(server.url, bob.token)
    c = e2e_clients(server.url, carol.token)

    assert a.call("join_session", {"sessionId": one}) == {
        "ok": True,
        "data": {"sessionId": one, "viewerCount": 1, "seq": 0},
    }
    assert b.call("join_session", {"sessionId": one})["data"]["viewerCount"] == 2
    a.wait_for("viewer_count", lambda d: d == {"sessionId": one, "count": 2})
    assert c.call("join_session", {"sessionId": two})["data"]["viewerCount"] == 1

    sent = a.call("send_message", {"sessionId": one, "text": "hello room one"})
    assert sent["ok"] is True
    assert a.wait_for("new_message") == sent["data"]
    assert b.wait_for("new_message") == sent["data"]

    # Carol's own message is a sync point: had room one's message reached her, it would be first.
    assert c.call("send_message", {"sessionId": two, "text": "room two"})["ok"]
    assert [m["text"] for m in [c.wait_for("new_message")]] == ["room two"]
    assert [m["text"] for m in c.events("new_message")] == ["room two"]
    assert [d["count"] for d in c.events("viewer_count")] == [1]

    # A second tab of Bob's does not change the count; closing both does.
    b2 = e2e_clients(server.url, bob.token)
    assert b2.call("join_session", {"sessionId": one})["data"]["viewerCount"] == 2
    b.close()
    b2.close()
    a.wait_for("viewer_count", lambda d: d == {"sessionId": one, "count": 1})


def test_rest_changes_reach_sockets(server, e2e_users, e2e_content, e2e_clients):
    session_id = e2e_content.session()
    moderator, attendee = e2e_users("MODERATOR"), e2e_users()
    socket = e2e_clients(server.url, attendee.token)
    assert socket.call("join_session", {"sessionId": session_id})["ok"]

    body = {"sessionId": session_id, "text": "from REST"}
    posted = requests.post(f"{server.url}/api/messages", json=body, headers=attendee.headers, timeout=WAIT)
    assert posted.status_code == 201
    assert socket.wait_for("new_message") == posted.json()

    message_id = posted.json()["id"]
    pinned = requests.patch(f"{server.url}/api/messages/{message_id}/pin", headers=moderator.headers, timeout=WAIT)
    assert pinned.status_code == 200
    assert socket.wait_for("message_pinned") == {"messageId": message_id, "isPinned": True}

    poll = {"sessionId": session_id, "question": "Yes?", "options": ["yes", "no"], "isActive": True}
    created = requests.post(f"{server.url}/api/polls", json=poll, headers=moderator.headers, timeout=WAIT)
    assert created.status_code == 201
    assert socket.wait_for("poll_updated")["id"] == created.json()["id"]

    vote = {"pollId": created.json()["id"], "optionId": created.json()["options"][0]["id"]}
    answer = socket.call("vote_poll", vote)
    assert answer["ok"] and answer["data"]["userVoteOptionId"] == vote["optionId"]
    socket.wait_for("poll_updated", lambda p: p["totalVotes"] == 1)


def test_signout_disconnects_the_open_socket(server, e2e_users, e2e_content, e2e_clients):
    session_id = e2e_content.session()
    user = e2e_users()
    socket = e2e_clients(server.url, user.token)
    assert socket.call("join_session", {"sessionId": session_id})["ok"]
    assert requests.post(f"{server.url}/api/auth/signout", headers=user.headers, timeout=WAIT).status_code == 204

    answer = socket.call("send_message", {"sessionId": session_id, "text": "after signout"})

    assert answer["ok"] is False and answer["error"]["code"] == "token_revoked"
    assert socket.disconnected.wait(WAIT)


def _wait_for_pg_sleep(app) -> None:
    """Until the server's pg_sleep is running (so the next step really overlaps it)."""
    import sqlalchemy as sa

    from plataforma.extensions import db

    running = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND state = 'active' AND query LIKE 'SELECT pg_sleep%'"
    )
    deadline = time.monotonic() + WAIT
    with app.app_context():
        while not db.session.scalar(running):
            db.session.rollback()
            assert time.monotonic() < deadline, "the slow query never started"
            time.sleep(0.02)
        db.session.remove()


def test_a_slow_query_does_not_stall_other_clients(server, is_postgres, e2e_app, e2e_users, e2e_content, e2e_clients):
    if not is_postgres:
        pytest.skip("pg_sleep needs PostgreSQL (set TEST_DATABASE_URL)")
    session_id = e2e_content.session()
    sleeper = e2e_clients(server.url, e2e_users().token)
    chatter = e2e_clients(server.url, e2e_users().token)
    assert chatter.call("join_session", {"sessionId": session_id})["ok"]

    order: list[str] = []
    slept = threading.Event()

    def on_slept(answer):
        order.append("slow")
        assert answer == {"ok": True, "data": {"slept": 2}}
        slept.set()

    sleeper.sio.emit("debug_slow_query", {"seconds": 2}, callback=on_slept)
    _wait_for_pg_sleep(e2e_app)
    answer = chatter.call("send_message", {"sessionId": session_id, "text": "not stalled"})
    order.append("message")

    assert answer["ok"] is True
    assert slept.wait(WAIT)
    assert order == ["message", "slow"]


def test_one_sockets_events_are_handled_one_at_a_time_in_order(
    server, is_postgres, e2e_users, e2e_content, e2e_clients
):
    """A connection's handlers run one after another (as Node runs a socket's), so a burst from one
    socket occupies one green thread, not fifty; its acks come back in the order it sent."""
    if not is_postgres:
        pytest.skip("pg_sleep needs PostgreSQL (set TEST_DATABASE_URL)")
    session_id = e2e_content.session()
    client = e2e_clients(server.url, e2e_users().token)
    order: list[str] = []
    done = threading.Event()

    def on_slept(answer):
        order.append("slow")

    def on_joined(answer):
        assert answer["ok"] is True
        order.append("join")
        done.set()

    client.sio.emit("debug_slow_query", {"seconds": 0.5}, callback=on_slept)
    client.sio.emit("join_session", {"sessionId": session_id}, callback=on_joined)
    assert done.wait(WAIT)
    assert order == ["slow", "join"]


def test_chat_messages_sent_together_are_stored_together_each_answered_as_if_alone(
    server, e2e_users, e2e_content, e2e_clients
):
    """Messages that arrive while a batch is being stored are stored in the next one, in one
    transaction: each sender's ack carries its own message, a message that a check refuses gets its
    error and changes nothing, and the room gets the others once each, numbered without a gap."""
    session_id = e2e_content.session(blocked_terms=["forbidden"])
    listener = e2e_clients(server.url, e2e_users().token)
    bob = e2e_users()
    users = [e2e_users(), e2e_users(), bob, bob, e2e_users(), e2e_users()]  # bob: two tabs, one batch
    senders = [e2e_clients(server.url, user.token) for user in users]
    for client in [listener, *senders]:
        assert client.call("join_session", {"sessionId": session_id})["ok"]
    received: list[tuple[str, int]] = []
    listener.sio.on("new_message", lambda message, meta: received.append((message["text"], meta["seq"])))
    sizes_before = listener.call("debug_chat_batches", {"holdSeconds": 1.0})["data"]["sizes"]

    acks: dict[int, dict] = {}
    all_acked = threading.Event()

    def send(index: int, text: str) -> None:
        def on_ack(answer):
            acks[index] = answer
            if len(acks) == len(senders):
                all_acked.set()

        senders[index].sio.emit("send_message", {"sessionId": session_id, "text": text}, callback=on_ack)

    send(0, "first, held")
    deadline = time.monotonic() + WAIT
    while len(listener.call("debug_chat_batches", {})["data"]["sizes"]) == len(sizes_before):
        assert time.monotonic() < deadline, "the first message's batch did not start"
        time.sleep(0.01)
    # The first message's batch is held (a second): the others queue behind it.
    texts = ["two", "three (bob)", "four (bob, another tab)", "a forbidden word", "six"]
    for index, text in enumerate(texts, start=1):
        send(index, text)
    assert all_acked.wait(WAIT)

    sizes = listener.call("debug_chat_batches", {})["data"]["sizes"][len(sizes_before) :]
    assert sizes == [1, 5]
    assert acks[0]["ok"] and acks[0]["data"]["text"] == "first, held"
    for index, text in enumerate(texts, start=1):
        if "forbidden" in text:
            assert acks[index]["ok"] is False
            assert acks[index]["error"]["code"] == "blocked_term"
        else:
            assert acks[index]["ok"], acks[index]
            assert acks[index]["data"]["text"] == text
            assert acks[index]["data"]["userId"] == users[index].id
    stored = ["first, held", "two", "three (bob)", "four (bob, another tab)", "six"]
    # The batch keeps the order in which the server read the messages (not necessarily the order of
    # sending: they came on six sockets), and numbers them in that order.
    texts = _numbered_and_stored_in_order(server, session_id, bob.token, received, len(stored))
    assert texts[0] == "first, held"
    assert sorted(texts) == sorted(stored)


def _numbered_and_stored_in_order(server, session_id, token: str, received: list, count: int) -> list[str]:
    """Once ``count`` messages came (and no more): their seqs follow each other and the history holds
    them in that order; their texts."""
    deadline = time.monotonic() + WAIT
    while len(received) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # nothing more comes
    assert len(received) == count
    first_seq = received[0][1]
    assert [seq for _, seq in received] == list(range(first_seq, first_seq + count))
    history = requests.get(
        f"{server.url}/api/messages/session/{session_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=WAIT,
    ).json()
    texts = [text for text, _ in received]
    assert [message["text"] for message in history] == texts
    return texts


def test_one_sockets_burst_of_messages_is_stored_together_in_the_order_sent(
    server, e2e_users, e2e_content, e2e_clients
):
    """A socket's events are handled in order, one at a time, but a chat message lets the next one
    start once it is queued for storing: the messages one socket sends while a batch is stored go into
    the next batch together, stored and numbered in the order sent, each checked as if alone (the
    sixth is past the flood limit, 5 per 5 s: refused, nothing stored); an event that is not a chat
    message is answered only after the messages sent before it."""
    session_id = e2e_content.session()
    user = e2e_users()
    sender = e2e_clients(server.url, user.token)
    watcher = e2e_clients(server.url, e2e_users().token)  # another socket: the sender's own events queue
    assert sender.call("join_session", {"sessionId": session_id})["ok"]
    received: list[tuple[str, int]] = []
    sender.sio.on("new_message", lambda message, meta: received.append((message["text"], meta["seq"])))
    sizes_before = watcher.call("debug_chat_batches", {"holdSeconds": 1.0})["data"]["sizes"]

    answers: list[tuple[str, dict]] = []
    all_answered = threading.Event()
    texts = ["first, held", "two", "three", "four", "five", "six, one too many"]
    stored = texts[:5]

    def on_answer(name):
        def record(answer):
            answers.append((name, answer))
            if len(answers) == len(texts) + 1:
                all_answered.set()

        return record

    sender.sio.emit("send_message", {"sessionId": session_id, "text": texts[0]}, callback=on_answer(texts[0]))
    deadline = time.monotonic() + WAIT
    while len(watcher.call("debug_chat_batches", {})["data"]["sizes"]) == len(sizes_before):
        assert time.monotonic() < deadline, "the first message's batch did not start"
        time.sleep(0.01)
    # The first message's batch is held (a second): the sender's next messages queue behind it.
    for text in texts[1:]:
        sender.sio.emit("send_message", {"sessionId": session_id, "text": text}, callback=on_answer(text))
    sender.sio.emit("debug_chat_batches", {}, callback=on_answer("sizes"))
    assert all_answered.wait(WAIT)

    assert [name for name, _ in answers][-1] == "sizes"  # after every message sent before it
    sizes = answers[-1][1]["data"]["sizes"][len(sizes_before) :]
    assert sizes == [1, 5]  # five messages of one socket, one transaction
    assert sorted(name for name, _ in answers[:-1]) == sorted(texts)  # a batch's answers: in any order
    for name, answer in answers[:-1]:
        if name in stored:
            assert answer["ok"] and answer["data"]["text"] == name, answer
        else:
            assert answer["ok"] is False and answer["error"]["code"] == "rate_limited"
    assert _numbered_and_stored_in_order(server, session_id, user.token, received, len(stored)) == stored
