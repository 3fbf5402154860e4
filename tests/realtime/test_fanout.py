"""The fan-out client manager: one ``write_many`` per room broadcast, every member the same packet."""

from __future__ import annotations

import json
import uuid

import pytest
from flask_socketio.test_client import SocketIOTestClient

from plataforma.extensions import socketio
from plataforma.realtime import fanout
from plataforma.services import events


@pytest.fixture
def writes(monkeypatch):
    """Every ``write_many`` call: (member count, the encoded engine.io packet)."""
    calls = []
    manager = socketio.server.manager

    def recording(server, eio_sids, pkt):
        calls.append((list(eio_sids), pkt.encode()))
        fanout.engineio_write_many(server, eio_sids, pkt)

    monkeypatch.setattr(manager, "write_many", recording)
    return calls


def _message(session_id) -> dict:
    """A ``new_message`` payload as the socket contract declares it (non-ASCII text)."""
    author = str(uuid.uuid4())
    return {
        "id": str(uuid.uuid4()),
        "sessionId": str(session_id),
        "userId": author,
        "user": {"id": author, "name": "Zoë", "avatar": None, "role": "ATTENDEE"},
        "text": "ação",
        "isPinned": False,
        "isDeleted": False,
        "createdAt": "2026-12-02T07:00:00Z",
    }


def test_the_app_uses_the_fanout_manager(app):
    assert isinstance(socketio.server.manager, fanout.FanoutManager)


def test_a_room_broadcast_is_one_write_of_one_packet_to_every_member(app, joined, make_user, live_session, writes):
    members = [joined(make_user(), live_session) for _ in range(3)]
    writes.clear()
    message = _message(live_session)
    with app.app_context():
        events.new_message(live_session, message)
        events.dispatch_pending()
    assert len(writes) == 1
    eio_sids, encoded = writes[0]
    assert len(eio_sids) == 3
    # A numbered room event: the Message, then {sessionId, seq} (resume after reconnect).
    packet = ["new_message", message, {"sessionId": str(live_session), "seq": 1}]
    assert encoded == "42" + json.dumps(packet, ensure_ascii=False, separators=(",", ":"))
    assert [m.events("new_message") for m in members] == [[message]] * 3


def test_skip_sid_leaves_that_member_out(app, joined, make_user, live_session, writes):
    first, second = joined(make_user(), live_session), joined(make_user(), live_session)
    first.get_received()  # the count the second join sent
    writes.clear()
    with app.app_context():
        skipped = socketio.server.manager.sid_from_eio_sid(first.eio_sid, "/")
        events.viewer_count(live_session, 7, skip_sid=skipped)
    assert len(writes[0][0]) == 1
    assert first.events("viewer_count") == [] and [e["count"] for e in second.events("viewer_count")] == [7]


def test_an_empty_room_writes_nothing(app, writes):
    with app.app_context():
        events.viewer_count("00000000-0000-0000-0000-000000000000", 3)
    assert writes == []


def test_binary_payloads_keep_python_socketios_path(app, joined, make_user, live_session, writes):
    member = joined(make_user(), live_session)
    writes.clear()
    with app.app_context():  # an event sent at once (numbered events are stored as JSON: no bytes there)
        events.viewer_count(live_session, b"\x00\x01")
    assert writes == []  # several engine.io packets per message: upstream's emit
    # Bytes are no part of the socket contract: read the packets without its check.
    received = SocketIOTestClient.get_received(member)
    counts = [item["args"][0]["count"] for item in received if item["name"] == "viewer_count"]
    assert counts[-1] == b"\x00\x01"


def test_the_redis_manager_fans_out_through_the_same_emit():
    import socketio as python_socketio

    order = fanout.FanoutRedisManager.__mro__.index
    assert order(python_socketio.PubSubManager) < order(fanout.FanoutManager) < order(python_socketio.Manager)
