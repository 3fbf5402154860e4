"""Room broadcasts encoded once: a python-socketio client manager (``client_manager=``).

python-socketio already encodes a broadcast's Socket.IO packet once; then it hands the same
engine.io packet to every member, one ``Server._send_eio_packet`` each, and engine.io queues it
for the member's writer green thread, which encodes the engine.io packet and the websocket frame
again, per member. ``FanoutManager.emit`` collects a room's members and gives the packet and the
whole list to ``write_many`` in one call. The default ``write_many`` is engine.io's own path (one
``_send_eio_packet`` per member: what the threading tests and gevent run); ``wsgi.py`` installs the
eventlet adapter's, which builds the websocket frame once and writes those bytes straight to
every idle socket (``plataforma.realtime.eventlet_websocket``).

Emits with an ack callback or binary attachments keep python-socketio's own path. With Redis,
``FanoutRedisManager`` sits between ``PubSubManager`` and ``Manager`` (C3 order), so the local
emit every process makes for a published message goes through ``FanoutManager.emit`` too, and
the pub/sub messages use the same JSON codec as the packets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet

WriteMany = Callable[[object, list, eio_packet.Packet], None]


def engineio_write_many(server, eio_sids: Iterable[str], pkt: eio_packet.Packet) -> None:
    """python-socketio's own path: engine.io queues ``pkt`` for each socket's writer."""
    for eio_sid in eio_sids:
        server._send_eio_packet(eio_sid, pkt)


class FanoutManager(socketio.Manager):
    write_many: WriteMany = staticmethod(engineio_write_many)

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kwargs):
        room = to or room
        if callback is not None or namespace not in self.rooms:
            return super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, **kwargs)
        if isinstance(data, tuple):  # as python-socketio: a tuple is several arguments
            args = list(data)
        elif data is not None:
            args = [data]
        else:
            args = []
        encoded = self.server.packet_class(sio_packet.EVENT, namespace=namespace, data=[event, *args]).encode()
        if isinstance(encoded, list):  # binary attachments: several engine.io packets each
            return super().emit(event, data, namespace, room=room, skip_sid=skip_sid, **kwargs)
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        members = [eio_sid for sid, eio_sid in self.get_participants(namespace, room) if sid not in skip]
        if members:
            self.write_many(self.server, members, eio_packet.Packet(eio_packet.MESSAGE, encoded))


class FanoutRedisManager(socketio.RedisManager, FanoutManager):
    """Redis pub/sub between processes; each process fans out to its own members once."""


def client_manager(redis_url: str | None, channel: str, json) -> FanoutManager:
    if redis_url:
        return FanoutRedisManager(redis_url, channel=channel, json=json)
    return FanoutManager()
