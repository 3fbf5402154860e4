"""The fan-out client manager: one ``write_many`` per room broadcast, every member the same packet."""

from __future__ import annotations

import pytest

from plataforma.extensions import socketio
from plataforma.realtime import broadcast, fanout


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


def test_the_app_uses_the_fanout_manager(app):
    assert isinstance(socketio.server.manager, fanout.FanoutManager)


def test_a_room_broadcast_is_one_write_of_one_packet_to_every_member(app, joined, make_user, live_session, writes):
    members = [joined(make_user(), live_session) for _ in range(3)]
    writes.clear()
    with app.app_context():
        broadcast.emit_now(live_session, "probe", {"text": "ação", "n": 1})
    assert len(writes) == 1
    eio_sids, encoded = writes[0]
    assert len(eio_sids) == 3
    assert encoded == '42["probe",{"text":"ação","n":1}]'
    assert [m.events("probe") for m in members] == [[{"text": "ação", "n": 1}]] * 3


def test_skip_sid_leaves_that_member_out(app, joined, make_user, live_session, writes):
    first, second = joined(make_user(), live_session), joined(make_user(), live_session)
    writes.clear()
    with app.app_context():
        skipped = socketio.server.manager.sid_from_eio_sid(first.eio_sid, "/")
        broadcast.emit_now(live_session, "probe", {"n": 2}, skip_sid=skipped)
    assert len(writes[0][0]) == 1
    assert first.events("probe") == [] and second.events("probe") == [{"n": 2}]


def test_an_empty_room_writes_nothing(app, writes):
    with app.app_context():
        broadcast.emit_now("00000000-0000-0000-0000-000000000000", "probe", {"n": 3})
    assert writes == []


def test_binary_payloads_keep_python_socketios_path(app, joined, make_user, live_session, writes):
    member = joined(make_user(), live_session)
    writes.clear()
    with app.app_context():
        broadcast.emit_now(live_session, "probe", {"blob": b"\x00\x01"})
    assert writes == []  # several engine.io packets per message: upstream's emit
    assert member.events("probe") == [{"blob": b"\x00\x01"}]


def test_the_redis_manager_fans_out_through_the_same_emit():
    import socketio as python_socketio

    order = fanout.FanoutRedisManager.__mro__.index
    assert order(python_socketio.PubSubManager) < order(fanout.FanoutManager) < order(python_socketio.Manager)
