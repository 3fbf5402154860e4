"""Packets no Socket.IO client would send (real ``python wsgi.py``, raw websocket frames)."""

from __future__ import annotations

import json
import time

import pytest
import websocket

from tests.realtime.e2e import WAIT, open_raw

pytestmark = pytest.mark.e2e


def _closed(ws) -> bool:
    """True once the server closes the connection (Engine.IO pings are skipped)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            frame = ws.recv()
        except (websocket.WebSocketConnectionClosedException, ConnectionError):
            return True
        if frame in ("", "1"):  # close frame, or Engine.IO close packet
            return True
    return False


@pytest.mark.parametrize(
    "frame",
    ["42garbage", "42" + "[" * 1000 + "]" * 1000, '42["send_message",' + "[" * 5000 + "]" * 5000 + "]"],
    ids=["garbage", "nested-1000", "nested-5000"],
)
def test_a_malformed_packet_closes_the_socket_without_a_traceback(server, e2e_users, frame):
    ws = open_raw(server, e2e_users().token)
    try:
        ws.send(frame)
        assert _closed(ws)
    finally:
        ws.close()
    time.sleep(0.2)
    output = server.output()
    assert "Traceback" not in output
    assert "Malformed Socket.IO packet" in output
    # The server is fine: the next client gets its answers.
    healthy = open_raw(server, e2e_users().token)
    try:
        healthy.send('421["no_such_event",{}]')
        answer = healthy.recv()
        assert answer.startswith("431") and '"unknown_event"' in answer
    finally:
        healthy.close()


def test_a_deep_but_parseable_payload_gets_an_ack(server, e2e_users):
    ws = open_raw(server, e2e_users().token)
    try:
        ws.send('427["send_message",' + "[" * 500 + "]" * 500 + "]")
        answer = ws.recv()
        assert answer.startswith("437")
        assert json.loads(answer[3:])[0]["error"]["code"] == "validation_error"
    finally:
        ws.close()
    assert "Traceback" not in server.output()
