"""The incremental websocket frame reader the hub-read websockets use (``realtime.websocket_frames``).

Frames are built by websocket-client (``websocket.ABNF``), the reference implementation of the client
side here: what it masks and fragments, the reader must give back.
"""

from __future__ import annotations

import os
import struct

import pytest
from websocket import ABNF

from plataforma.realtime.websocket_frames import BINARY, CLOSE, PING, PONG, TEXT, FrameReader, ProtocolError, unmask


def client_frame(payload, opcode=ABNF.OPCODE_TEXT, fin=1) -> bytes:
    """A frame as a client sends it: masked by websocket-client."""
    return ABNF.create_frame(payload, opcode, fin).format()


def test_unmask_matches_websocket_client():
    mask = os.urandom(4)
    for size in (0, 1, 3, 4, 5, 125, 126, 4096, 70_000):
        data = os.urandom(size)
        assert unmask(data, mask) == ABNF.mask(mask, data)


def test_whole_messages_come_out_text_as_str_and_binary_as_bytes():
    reader = FrameReader(1_000_000)
    data = client_frame('42["send_message",{"text":"olá"}]') + client_frame(b"\x00\x01", ABNF.OPCODE_BINARY)
    assert reader.feed(data) == [(TEXT, '42["send_message",{"text":"olá"}]'), (BINARY, b"\x00\x01")]


@pytest.mark.parametrize("size", [10, 200, 70_000])  # 7-bit, 16-bit and 64-bit lengths
def test_a_frame_split_anywhere_comes_out_once_it_is_complete(size):
    text = "x" * size
    data = client_frame(text)
    for cut in {1, 2, 3, 5, 9, 11, len(data) - 1}:
        reader = FrameReader(1_000_000)
        assert reader.feed(data[:cut]) == []
        assert reader.feed(data[cut:]) == [(TEXT, text)]
        assert reader.buffer == b""


def test_byte_by_byte():
    reader = FrameReader(1_000)
    out = []
    for byte in client_frame("hello") + client_frame("again"):
        out += reader.feed(bytes([byte]))
    assert out == [(TEXT, "hello"), (TEXT, "again")]


def test_fragments_are_joined_and_control_frames_may_come_between_them():
    reader = FrameReader(1_000)
    data = (
        client_frame("hel", fin=0)
        + client_frame(b"are you there", ABNF.OPCODE_PING)
        + client_frame("lo ", ABNF.OPCODE_CONT, fin=0)
        + client_frame("world", ABNF.OPCODE_CONT)
    )
    assert reader.feed(data) == [(PING, b"are you there"), (TEXT, "hello world")]


def test_a_utf8_character_split_between_fragments_is_whole_in_the_message():
    encoded = "ação".encode()
    reader = FrameReader(1_000)
    data = client_frame(encoded[:2], fin=0) + client_frame(encoded[2:], ABNF.OPCODE_CONT)
    assert reader.feed(data) == [(TEXT, "ação")]


def test_close_gives_its_status_and_nothing_after_it_counts():
    reader = FrameReader(1_000)
    close = client_frame(struct.pack("!H", 1001) + b"bye", ABNF.OPCODE_CLOSE)
    assert reader.feed(close + client_frame("late")) == [(CLOSE, 1001)]
    assert FrameReader(1_000).feed(client_frame(b"", ABNF.OPCODE_CLOSE)) == [(CLOSE, 1000)]


def test_pong_frames_are_reported():
    assert FrameReader(1_000).feed(client_frame(b"x", ABNF.OPCODE_PONG)) == [(PONG, b"x")]


def unmasked(payload: bytes, opcode=1) -> bytes:
    return bytes([0x80 | opcode, len(payload)]) + payload


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (unmasked(b"hi"), 1002),  # a client must mask
        (bytes([0xC1]) + client_frame("x")[1:], 1002),  # RSV1 without an extension
        (bytes([0x83]) + client_frame("x")[1:], 1002),  # opcode 3 is reserved
        (client_frame("x", ABNF.OPCODE_CONT), 1002),  # continuation with nothing to continue
        (client_frame("a", fin=0) + client_frame("b"), 1002),  # a new message inside a fragmented one
        (client_frame(b"p", ABNF.OPCODE_PING, fin=0), 1002),  # a fragmented control frame
        (client_frame(b"p" * 126, ABNF.OPCODE_PING), 1002),  # a control frame over 125 bytes
        (client_frame(b"\xff\xfe"), 1007),  # text that is not UTF-8
        (client_frame(struct.pack("!H", 1005), ABNF.OPCODE_CLOSE), 1002),  # a status a peer may not send
        (client_frame(b"\x03", ABNF.OPCODE_CLOSE), 1002),  # a one-byte close payload
    ],
    ids=[
        "unmasked",
        "rsv1",
        "opcode",
        "lone-continuation",
        "interleaved",
        "fragmented-ping",
        "long-ping",
        "utf8",
        "close-1005",
        "close-short",
    ],
)
def test_protocol_errors_name_their_close_status(data, status):
    with pytest.raises(ProtocolError) as error:
        FrameReader(1_000).feed(data)
    assert error.value.status == status


def test_a_message_over_the_limit_is_refused_from_its_header_before_its_bytes_arrive():
    reader = FrameReader(100)
    header = client_frame("x" * 101)[:8]  # 2 + 2 length bytes + 4 mask bytes, no payload yet
    with pytest.raises(ProtocolError) as error:
        reader.feed(header)
    assert error.value.status == 1009


def test_fragments_count_together_against_the_limit():
    reader = FrameReader(100)
    assert reader.feed(client_frame("x" * 60, fin=0)) == []
    with pytest.raises(ProtocolError) as error:
        reader.feed(client_frame("x" * 60, ABNF.OPCODE_CONT))
    assert error.value.status == 1009
    assert FrameReader(100).feed(client_frame("x" * 100)) == [(TEXT, "x" * 100)]


def test_frames_that_came_whole_before_a_broken_one_are_kept_with_the_error():
    reader = FrameReader(1_000)
    with pytest.raises(ProtocolError) as error:
        reader.feed(client_frame("first") + client_frame(b"pong", ABNF.OPCODE_PING) + unmasked(b"bad"))
    assert error.value.status == 1002
    assert error.value.complete == [(TEXT, "first"), (PING, b"pong")]
