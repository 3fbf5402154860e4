"""Websockets read from eventlet's hub, not a green thread each (``eventlet_websocket.HubReader``), on
the real server (``python wsgi.py``), with raw frames from websocket-client: fragments, websocket
pings, protocol errors, a client that sends faster than it is served, and the connection limit."""

from __future__ import annotations

import struct
import time

import pytest
import requests
import websocket
from websocket import ABNF

from tests.realtime.e2e import WAIT, Server, open_raw

pytestmark = pytest.mark.e2e


def _answer(ws, prefix: str) -> str:
    """The next frame starting with ``prefix`` (Engine.IO pings are skipped)."""
    while True:
        frame = ws.recv()
        if frame.startswith(prefix):
            return frame


def _close_status(ws) -> int | None:
    """The status of the server's close frame (None if the connection just ended)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            opcode, data = ws.recv_data(control_frame=True)
        except (websocket.WebSocketConnectionClosedException, ConnectionError):
            return None
        if opcode == ABNF.OPCODE_CLOSE:
            return struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1005
    raise AssertionError("the server did not close the websocket")


def test_a_fragmented_message_with_a_ping_between_its_fragments_is_handled(server, e2e_users):
    ws = open_raw(server, e2e_users().token)
    try:
        text = '421["no_such_event",{"padding":"' + "é" * 3000 + '"}]'
        encoded = text.encode()
        ws.send_frame(ABNF.create_frame(encoded[:1001], ABNF.OPCODE_TEXT, fin=0))  # splits an "é" in two
        ws.ping(b"still there?")
        ws.send_frame(ABNF.create_frame(encoded[1001:], ABNF.OPCODE_CONT, fin=1))
        opcode, data = ws.recv_data(control_frame=True)
        assert (opcode, data) == (ABNF.OPCODE_PONG, b"still there?")
        assert '"unknown_event"' in _answer(ws, "431")
        for i in range(200):  # many small messages in one burst come out in order, each answered
            ws.send(f'42{i}["no_such_event",{{}}]')
        assert [int(_answer(ws, "43")[2:].split("[")[0]) for _ in range(200)] == list(range(200))
    finally:
        ws.close()


@pytest.mark.parametrize(
    ("frame", "status"),
    [
        (bytes([0x81, 0x02]) + b"hi", 1002),  # not masked
        (ABNF.create_frame(b"\xff\xfe", ABNF.OPCODE_TEXT).format(), 1007),  # not UTF-8
        (ABNF.create_frame(b"x" * 2_000_000, ABNF.OPCODE_BINARY).format()[:14], 1009),  # over the limit
    ],
    ids=["unmasked", "not-utf8", "too-long"],
)
def test_a_protocol_error_closes_with_its_status_and_nobody_else_notices(server, e2e_users, frame, status):
    ws = open_raw(server, e2e_users().token)
    try:
        ws.sock.sendall(frame)
        assert _close_status(ws) == status
    finally:
        ws.shutdown()
    healthy = open_raw(server, e2e_users().token)
    try:
        healthy.send('421["no_such_event",{}]')
        assert _answer(healthy, "431")
    finally:
        healthy.close()
    time.sleep(0.2)
    assert "Traceback" not in server.output()


def test_a_client_that_closes_is_gone_and_its_descriptor_is_reused_cleanly(server, e2e_users):
    """Connections come and go on the same descriptors: each new one is read, none by a stale listener."""
    user = e2e_users()
    for _ in range(30):
        ws = open_raw(server, user.token)
        ws.send('421["no_such_event",{}]')
        assert _answer(ws, "431")
        ws.close()
    assert requests.get(f"{server.url}/health", timeout=WAIT).status_code == 200
    time.sleep(0.2)
    output = server.output()
    assert "Traceback" not in output and "Bad file descriptor" not in output


def test_websockets_read_from_the_hub_still_count_against_max_connections(database_url, e2e_users):
    """MAX_CONNECTIONS bounds open connections, websockets read from the hub included: with the pool
    full, the next HTTP request waits until a websocket closes."""
    server = Server(database_url, MAX_CONNECTIONS=3).start()
    sockets = []
    try:
        sockets = [open_raw(server, e2e_users().token) for _ in range(3)]
        with pytest.raises(requests.RequestException):
            requests.get(f"{server.url}/health", timeout=1.5)
        sockets.pop().close()
        assert requests.get(f"{server.url}/health", timeout=WAIT).status_code == 200
        for ws in sockets:  # the others are still served
            ws.send('421["no_such_event",{}]')
            assert _answer(ws, "431")
    finally:
        for ws in sockets:
            ws.close()
        server.stop()
