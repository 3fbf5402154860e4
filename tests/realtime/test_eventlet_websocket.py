"""The eventlet websocket adapter (wsgi.py only): compression negotiation and compress-once frames."""

from __future__ import annotations

import zlib

import pytest

eventlet_websocket = pytest.importorskip("plataforma.realtime.eventlet_websocket")


class FakeSocket:
    def __init__(self):
        self.sent: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.sent.append(data)


def _websocket(extensions):
    return eventlet_websocket.SharedDeflateWebSocket(FakeSocket(), {}, 13, extensions=extensions)


def test_negotiation_refuses_deflate_unless_configured():
    offer = {"permessage-deflate": [{"client_max_window_bits": True}]}
    refusing = eventlet_websocket.WebSocketWSGI.__new__(eventlet_websocket.WebSocketWSGI)
    assert refusing._negotiate_permessage_deflate(offer) is None
    accepting = type("On", (eventlet_websocket.WebSocketWSGI,), {"compression": True})
    accepted = accepting.__new__(accepting)._negotiate_permessage_deflate(offer)
    assert accepted["server_no_context_takeover"] is True
    assert accepting.__new__(accepting)._negotiate_permessage_deflate({}) is None


def test_a_broadcast_text_is_compressed_once_for_all_members(monkeypatch):
    calls = []
    real = zlib.compressobj

    def counting(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(eventlet_websocket, "frames", eventlet_websocket.FrameCache(size=2))
    monkeypatch.setattr(zlib, "compressobj", counting)
    options = {"permessage-deflate": {"server_no_context_takeover": True}}
    members = [_websocket(options) for _ in range(5)]
    text = '42["new_message",{"text":"' + "hello " * 50 + '"}]'
    for ws in members:
        ws.send(text)
    frames = {ws.socket.sent[0] for ws in members}
    assert len(frames) == 1 and len(calls) == 1
    (frame,) = frames
    assert frame[0] == 0xC1  # FIN + RSV1 (compressed) + text opcode
    assert frame[1] < 126  # a short frame: the 2-byte header, then the deflated text
    body = frame[2:]
    assert zlib.decompressobj(-15).decompress(body + b"\x00\x00\xff\xff").decode() == text


def test_the_frame_cache_forgets_the_oldest_and_keys_on_window_bits(monkeypatch):
    cache = eventlet_websocket.FrameCache(size=2)
    monkeypatch.setattr(eventlet_websocket, "frames", cache)
    narrow = _websocket({"permessage-deflate": {"server_no_context_takeover": True, "server_max_window_bits": 9}})
    wide = _websocket({"permessage-deflate": {"server_no_context_takeover": True}})
    narrow.send("a" * 300)
    wide.send("a" * 300)
    assert cache.misses == 2  # different windows, different frames
    wide.send("b" * 300)
    assert set(cache.frames) == {("a" * 300, 15), ("b" * 300, 15)}


def test_control_frames_and_bytes_bypass_the_cache(monkeypatch):
    cache = eventlet_websocket.FrameCache()
    monkeypatch.setattr(eventlet_websocket, "frames", cache)
    ws = _websocket({"permessage-deflate": {"server_no_context_takeover": True}})
    ws.send(b"\x00binary")
    ws.send("", control_code=9)
    assert cache.frames == {} and len(ws.socket.sent) == 2
