"""End to end (real ``python wsgi.py``): permessage-deflate is a decision (off by default); a room
broadcast is one frame, the same bytes for every member (compressed once when compression is on);
a member that reads slowly gets every message, in order, without holding the others up."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import zlib

import pytest

from tests.realtime.e2e import WAIT, Server

pytestmark = pytest.mark.e2e

OFFER = "permessage-deflate; client_max_window_bits"


class RawSocketIO:
    """A websocket client by hand, so the test sees the handshake headers and every frame's bytes."""

    def __init__(self, url: str, *, offer: str | None = OFFER, receive_buffer: int | None = None):
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.socket()
        if receive_buffer:  # before connecting: the window the server may fill
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(WAIT)
        self.sock.connect((host, int(port)))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: {host}:{port}\r\nOrigin: {url}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            + (f"Sec-WebSocket-Extensions: {offer}\r\n" if offer else "")
            + "\r\n"
        )
        self.sock.sendall(request.encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        self.status = lines[0]
        self.headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        self.deflate = "permessage-deflate" in self.headers.get("sec-websocket-extensions", "")

    def _recv(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection")
        return data

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self.buffer += self._recv()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def frame(self) -> tuple[bytes, str]:
        """The next text frame: (its bytes as sent, its text)."""
        head = self._take(2)
        length = head[1] & 0x7F
        extra = b""
        if length == 126:
            extra = self._take(2)
            length = struct.unpack("!H", extra)[0]
        elif length == 127:
            extra = self._take(8)
            length = struct.unpack("!Q", extra)[0]
        payload = self._take(length)
        raw = head + extra + payload
        assert head[0] & 0x80, "fragmented frames are not expected here"
        if head[0] & 0x40:  # RSV1: compressed (RFC 7692), no context kept between messages
            assert self.deflate
            payload = zlib.decompressobj(-15).decompress(payload + b"\x00\x00\xff\xff")
        return raw, payload.decode()

    def send(self, text: str) -> None:
        data, mask = text.encode(), os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        size = struct.pack("!B", 0x80 | len(data)) if len(data) < 126 else struct.pack("!BH", 0x80 | 126, len(data))
        self.sock.sendall(b"\x81" + size + mask + masked)

    def event(self, prefix: str) -> tuple[bytes, str]:
        """The next frame whose text starts with ``prefix``, answering pings on the way."""
        while True:
            raw, text = self.frame()
            if text == "2":
                self.send("3")
            elif text.startswith(prefix):
                return raw, text

    def connect(self, token: str, session_id) -> None:
        self.event("0")  # engine.io open
        self.send("40" + json.dumps({"token": token}))
        self.event("40")
        self.send("421" + json.dumps(["join_session", {"sessionId": str(session_id)}]))
        _, ack = self.event("431")
        assert json.loads(ack[3:])[0]["ok"], ack

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def plain_server(database_url):
    # One sender sends more than the chat limit and the per-socket event budget (SPEC §17) allow.
    server = Server(database_url, RATELIMIT_CHAT="1000 per 5 seconds", SOCKET_EVENT_BUDGET="1000 per 5 seconds").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def deflate_server(database_url):
    server = Server(database_url, WEBSOCKET_COMPRESSION="true").start()
    yield server
    server.stop()


def test_compression_is_refused_by_default(plain_server):
    client = RawSocketIO(plain_server.url)
    try:
        assert client.status.startswith("HTTP/1.1 101")
        assert "sec-websocket-extensions" not in client.headers
        _, opened = client.event("0")
        assert json.loads(opened[1:])["sid"]
    finally:
        client.close()


def test_compression_is_accepted_without_context_takeover_when_configured(deflate_server):
    client = RawSocketIO(deflate_server.url)
    try:
        assert client.status.startswith("HTTP/1.1 101")
        accepted = client.headers["sec-websocket-extensions"]
        assert accepted.startswith("permessage-deflate")
        assert "server_no_context_takeover" in accepted
        raw, opened = client.event("0")
        assert raw[0] & 0x40  # the open packet itself came compressed
        assert json.loads(opened[1:])["sid"]
    finally:
        client.close()


def test_a_client_that_offers_nothing_gets_plain_frames_from_a_compressing_server(deflate_server):
    client = RawSocketIO(deflate_server.url, offer=None)
    try:
        assert "sec-websocket-extensions" not in client.headers
        raw, _ = client.event("0")
        assert not raw[0] & 0x40
    finally:
        client.close()


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "deflate"])
def test_a_broadcast_reaches_every_member_as_the_same_bytes(
    compressed, plain_server, deflate_server, e2e_users, e2e_content, e2e_clients
):
    server = deflate_server if compressed else plain_server
    session = e2e_content.session()
    sender = e2e_clients(server.url, e2e_users().token)  # python-socketio: offers no compression
    listeners = [RawSocketIO(server.url) for _ in range(3)]
    try:
        for listener in listeners:
            listener.connect(e2e_users().token, session)
        assert sender.call("join_session", {"sessionId": session})["ok"]
        text = " ".join(["same bytes for everyone"] * 20)  # long enough for deflate to shrink it
        assert sender.call("send_message", {"sessionId": session, "text": text})["ok"]
        received = [listener.event('42["new_message"') for listener in listeners]
        frames = {raw for raw, _ in received}
        assert len(frames) == 1, "every member got the very same frame"
        raw, decoded = received[0]
        assert bool(raw[0] & 0x40) is compressed
        assert json.loads(decoded[2:])[1]["text"] == text
        if compressed:
            assert len(raw) < len(decoded)
    finally:
        for listener in listeners:
            listener.close()


def test_a_slow_reader_gets_every_message_in_order_and_holds_nobody_up(
    plain_server, e2e_users, e2e_content, e2e_clients
):
    """The slow member's tiny receive window fills; the direct writes to it and engine.io's queue
    (partial writes: tests/realtime/test_eventlet_websocket.py) keep its messages whole and in order."""
    session = e2e_content.session()
    sender = e2e_clients(plain_server.url, e2e_users().token)
    slow = RawSocketIO(plain_server.url, offer=None, receive_buffer=4096)
    fast = RawSocketIO(plain_server.url, offer=None)
    count = 60
    try:
        slow.connect(e2e_users().token, session)
        fast.connect(e2e_users().token, session)
        assert sender.call("join_session", {"sessionId": str(session)})["ok"]
        for seq in range(count):  # more than the slow member's window
            text = f"{seq:04d} " + "x" * 490
            assert sender.call("send_message", {"sessionId": str(session), "text": text})["ok"]
        fast_seqs = [int(json.loads(fast.event('42["new_message"')[1][2:])[1]["text"][:4]) for _ in range(count)]
        assert fast_seqs == list(range(count))  # the fast member already has everything
        slow_seqs = [int(json.loads(slow.event('42["new_message"')[1][2:])[1]["text"][:4]) for _ in range(count)]
        assert slow_seqs == list(range(count))
    finally:
        slow.close()
        fast.close()
