"""An incremental reader of the frames a websocket client sends (RFC 6455 §5), for bytes that arrive
in pieces: :class:`FrameReader` takes whatever the socket gave and returns what is complete.

The eventlet adapter reads websockets from the event hub instead of a green thread per connection
(``eventlet_websocket.HubReader``), so nothing may block waiting for the rest of a frame: the bytes
wait here. The rules are eventlet's (``RFC6455WebSocket._recv_frame``), which served these sockets
before: a client masks every frame, no reserved bits (no extension is in use), control frames are
whole and at most 125 bytes, continuation frames only inside a fragmented message, text is UTF-8,
and a message longer than the limit is refused before its bytes are buffered. A broken rule is a
:class:`ProtocolError` carrying the close status to answer with (1002, 1007 or 1009).
"""

from __future__ import annotations

import struct

TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA
_KNOWN_OPCODES = frozenset((0x0, TEXT, BINARY, CLOSE, PING, PONG))
# The close codes a peer may send (RFC 6455 §7.4), as eventlet checks them.
_VALID_CLOSE_STATUS = frozenset((*range(1000, 1004), *range(1007, 1012), *range(3000, 5000)))


class ProtocolError(Exception):
    """The client broke the websocket protocol: close with ``status``. ``complete`` holds the frames
    that came whole before the broken one (they are the client's, and are handled first)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason
        self.complete: list[tuple[int, object]] = []


def unmask(data: bytes, mask: bytes) -> bytes:
    """XOR the payload with the 4-byte mask, as one big-integer operation (not a loop per byte)."""
    n = len(data)
    if not n:
        return b""
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")


class FrameReader:
    """Bytes in, complete client frames out.

    :meth:`feed` returns a list of ``(opcode, payload)``: ``TEXT`` with a ``str`` and ``BINARY`` with
    ``bytes`` for each complete message (fragments joined), and the control frames ``CLOSE`` (payload:
    the close status), ``PING`` and ``PONG`` (payload: their bytes) where they come. ``max_length``
    bounds a message (all its fragments together).
    """

    __slots__ = ("buffer", "fragments", "fragment_opcode", "fragment_length", "max_length")

    def __init__(self, max_length: int):
        self.buffer = b""
        self.fragments: list[bytes] | None = None
        self.fragment_opcode = 0
        self.fragment_length = 0
        self.max_length = max_length

    def feed(self, data: bytes) -> list[tuple[int, object]]:
        out: list[tuple[int, object]] = []
        try:
            return self._feed(data, out)
        except ProtocolError as error:
            error.complete = out
            raise

    def _feed(self, data: bytes, out: list) -> list[tuple[int, object]]:
        buffer = self.buffer + data if self.buffer else data
        pos, end = 0, len(buffer)
        while end - pos >= 2:
            first, second = buffer[pos], buffer[pos + 1]
            final, opcode, length = first & 0x80, first & 0x0F, second & 0x7F
            if first & 0x70:
                raise ProtocolError(1002, "RSV1, RSV2, RSV3: MUST be 0 unless an extension is negotiated.")
            if opcode not in _KNOWN_OPCODES:
                raise ProtocolError(1002, "Unknown opcode received.")
            if not second & 0x80:
                raise ProtocolError(1002, "A client MUST mask all frames that it sends to the server.")
            header = 2
            if opcode & 0x8:
                if not final:
                    raise ProtocolError(1002, "Control frames must not be fragmented.")
                if length > 125:
                    raise ProtocolError(1002, "All control frames MUST have a payload length of 125 bytes or less.")
            elif opcode and self.fragments is not None:
                raise ProtocolError(1002, "Received a non-continuation opcode within fragmented message.")
            elif not opcode and self.fragments is None:
                raise ProtocolError(1002, "Received continuation opcode with no previous fragments received.")
            if length == 126:
                if end - pos < 4:
                    break
                length = struct.unpack_from("!H", buffer, pos + 2)[0]
                header = 4
            elif length == 127:
                if end - pos < 10:
                    break
                length = struct.unpack_from("!Q", buffer, pos + 2)[0]
                header = 10
            if not opcode & 0x8 and self.fragment_length + length > self.max_length:
                raise ProtocolError(1009, f"Incoming message above the length limit of {self.max_length} bytes.")
            start = pos + header + 4
            if end - start < length:
                break
            payload = unmask(buffer[start : start + length], buffer[pos + header : start])
            pos = start + length
            if opcode & 0x8:
                out.append((opcode, _close_status(payload) if opcode == CLOSE else payload))
                if opcode == CLOSE:
                    break  # nothing after a close frame counts
                continue
            if opcode:
                self.fragments, self.fragment_opcode = [], opcode
            self.fragments.append(payload)
            self.fragment_length += length
            if final:
                message = b"".join(self.fragments) if len(self.fragments) > 1 else self.fragments[0]
                kind, self.fragments, self.fragment_length = self.fragment_opcode, None, 0
                if kind == TEXT:
                    try:
                        out.append((TEXT, message.decode("utf-8")))
                    except UnicodeDecodeError:
                        raise ProtocolError(1007, "Text data must be valid utf-8.") from None
                else:
                    out.append((BINARY, message))
        self.buffer = buffer[pos:] if pos < end else b""
        return out


def _close_status(payload: bytes) -> int:
    """The status of a client's close frame (1000 without one); a malformed one is a protocol error."""
    if not payload:
        return 1000
    if len(payload) < 2:
        raise ProtocolError(1002, "Close frame payload too short.")
    status = struct.unpack_from("!H", payload)[0]
    if status not in _VALID_CLOSE_STATUS:
        raise ProtocolError(1002, "Unexpected close status code.")
    try:
        payload[2:].decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(1002, "Close message data should be valid UTF-8.") from None
    return status
