"""Engine.IO sockets on the real server (``python wsgi.py``): heartbeats from the shared pinger,
the polling-to-websocket upgrade, and writes without a writer green thread (``LeanSocket``)."""

from __future__ import annotations

import json
import time

import pytest
import socketio
import websocket

from tests.realtime.e2e import WAIT, Server

pytestmark = pytest.mark.e2e

PING_INTERVAL, PING_TIMEOUT = 1, 1


@pytest.fixture
def server(database_url):
    running = Server(database_url, SOCKETIO_PING_INTERVAL=PING_INTERVAL, SOCKETIO_PING_TIMEOUT=PING_TIMEOUT).start()
    yield running
    running.stop()


def _raw(server, token) -> websocket.WebSocket:
    url = server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(url, origin=server.url, timeout=WAIT)
    opened = ws.recv()
    assert opened.startswith("0{")
    assert json.loads(opened[1:])["pingInterval"] == PING_INTERVAL * 1000
    ws.send("40" + json.dumps({"token": token}))
    assert ws.recv().startswith("40{")
    return ws


def test_pings_arrive_every_interval_and_answered_sockets_stay(server, e2e_users):
    ws = _raw(server, e2e_users().token)
    try:
        pings = []
        deadline = time.monotonic() + 4.5 * PING_INTERVAL
        while time.monotonic() < deadline:
            frame = ws.recv()
            if frame == "2":
                pings.append(time.monotonic())
                ws.send("3")  # pong
        assert len(pings) >= 3
        gaps = [b - a for a, b in zip(pings, pings[1:], strict=False)]
        assert all(0.5 * PING_INTERVAL < gap < 2.5 * PING_INTERVAL for gap in gaps), gaps
        ws.send('421["no_such_event",{}]')  # still served
        assert ws.recv().startswith("431")
    finally:
        ws.close()


def test_a_socket_that_never_answers_a_ping_is_closed(server, e2e_users):
    ws = _raw(server, e2e_users().token)
    began = time.monotonic()
    try:
        frames = []
        while True:
            try:
                frame = ws.recv()
            except (websocket.WebSocketConnectionClosedException, ConnectionError):
                break
            if frame == "":
                break
            frames.append(frame)
            assert time.monotonic() - began < WAIT, frames
        assert frames[0] == "2"  # a ping, never answered
        # Closed after the interval plus the timeout (engine.io's service task checks every few seconds).
        assert time.monotonic() - began >= PING_INTERVAL + PING_TIMEOUT - 0.25
    finally:
        ws.shutdown()  # close() does nothing once the peer has closed; the socket must still be freed


def test_polling_clients_upgrade_to_websocket_and_get_everything(server, e2e_users, e2e_content):
    """The SPA's socket.io-client starts on long-polling and upgrades; the upgrade handshake is ours."""
    session_id = e2e_content.session()
    received = []
    clients = []

    def on_message(data, *_rest):  # (the event's sequence number follows)
        received.append(data)

    try:
        for user in (e2e_users(), e2e_users()):
            client = socketio.Client(reconnection=False)
            client.on("new_message", on_message)
            client.connect(server.url, auth={"token": user.token}, wait_timeout=WAIT)  # polling, then upgrade
            clients.append(client)
            assert client.call("join_session", {"sessionId": session_id}, timeout=WAIT)["ok"]
        deadline = time.monotonic() + WAIT
        while any(c.transport() != "websocket" for c in clients) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [c.transport() for c in clients] == ["websocket", "websocket"]
        texts = [f"message {i}" for i in range(5)]  # within the chat limit
        for text in texts:
            answer = clients[0].call("send_message", {"sessionId": session_id, "text": text}, timeout=WAIT)
            assert answer["ok"], answer
        deadline = time.monotonic() + WAIT
        while len(received) < 2 * len(texts) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(3 * PING_INTERVAL)  # the heartbeat keeps both alive across several intervals
        assert all(c.connected for c in clients)
        assert sorted(m["text"] for m in received) == sorted(texts * 2)
    finally:
        for client in clients:
            client.disconnect()


def test_coalesced_broadcasts_arrive_complete_and_in_order(database_url, e2e_users, e2e_content):
    """Under load (here: any time spent writing broadcasts counts as load) broadcasts wait and go
    out together; every listener still gets every message once, in order, and every sender its acks."""
    running = Server(
        database_url, BROADCAST_COALESCE_MS=300, BROADCAST_COALESCE_BUSY=0.000001, RATELIMIT_CHAT="1000 per 5 seconds"
    ).start()
    session_id = e2e_content.session()
    received: dict[str, list] = {"sender": [], "listener": []}
    acks, timeline = [], []
    clients = []
    try:
        for role in ("sender", "listener"):
            client = socketio.Client(reconnection=False)

            def on_message(data, *_rest, role=role):
                received[role].append(data["text"])
                if role == "sender":  # its own broadcasts and its acks, in arrival order
                    timeline.append(("message", data["text"]))

            client.on("new_message", on_message)
            client.connect(running.url, auth={"token": e2e_users().token}, transports=["websocket"], wait_timeout=WAIT)
            clients.append(client)
            assert client.call("join_session", {"sessionId": session_id}, timeout=WAIT)["ok"]
        sender = clients[0]
        assert sender.call("send_message", {"sessionId": session_id, "text": "first"}, timeout=WAIT)["ok"]
        time.sleep(1.2)  # a measurement window is over: the next broadcast starts coalescing
        texts = [f"burst {i}" for i in range(20)]
        for text in texts:
            sender.emit(
                "send_message",
                {"sessionId": session_id, "text": text},
                callback=lambda ack: (acks.append(ack), timeline.append(("ack", ack["data"]["text"]))),
            )
        deadline = time.monotonic() + WAIT
        while (len(acks) < len(texts) or len(received["listener"]) < 21) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [ack["ok"] for ack in acks] == [True] * len(texts)
        assert received["listener"] == ["first", *texts]  # each once, in the order sent
        assert received["sender"] == ["first", *texts]
        for text in texts:  # each ack after the broadcast of its own message
            assert timeline.index(("message", text)) < timeline.index(("ack", text))
        assert "Broadcasts coalesced (every 300 ms)" in running.output()
    finally:
        for client in clients:
            client.disconnect()
        running.stop()
