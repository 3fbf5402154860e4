"""The orjson codec of Socket.IO packets keeps the stdlib json module's results."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, datetime

import pytest

from plataforma.realtime import jsoncodec


def _stdlib(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))


PAYLOADS = [
    [
        "new_message",
        {"id": str(uuid.uuid4()), "text": 'olá, ação — 😀 "quoted" \\ <b>', "createdAt": "2026-12-02T05:00:00Z"},
    ],
    ["viewer_count", {"count": 1000, "sessionId": "s"}],
    ["products_updated", {"items": [{"price": 19.9, "stock": None, "active": True}], "nested": {"a": [1, [2, []]]}}],
    ["scores", {1: "one", 2.5: "two and a half", False: "no", None: "none"}],
    [{"big": 2**70}],
    [],
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_dumps_round_trips_to_what_the_stdlib_would_send(payload):
    encoded = jsoncodec.dumps(payload, separators=(",", ":"))
    assert isinstance(encoded, str)
    assert json.loads(encoded) == json.loads(_stdlib(payload))
    assert jsoncodec.loads(encoded) == json.loads(_stdlib(payload))


def test_non_ascii_is_utf8_not_escaped():
    assert jsoncodec.dumps(["ação"]) == '["ação"]'


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize("value", [datetime(2026, 12, 2, tzinfo=UTC), Point(1), object()])
def test_what_the_stdlib_refuses_is_still_refused(value):
    with pytest.raises(TypeError):
        jsoncodec.dumps({"value": value})


@pytest.mark.parametrize("text", ['{"n": NaN}', '{"n": 123456789012345678901234567890}', '["\\ud800"]'])
def test_loads_falls_back_to_the_stdlib_for_what_orjson_rejects(text):
    assert repr(jsoncodec.loads(text)) == repr(json.loads(text))  # repr: NaN != NaN, 1e29 != 10**29


def test_loads_still_rejects_malformed_json():
    with pytest.raises(ValueError):
        jsoncodec.loads('["unterminated')


def test_socketio_packets_use_the_codec(app):
    from socketio import packet

    assert packet.Packet.json is jsoncodec
    encoded = packet.Packet(packet.EVENT, data=["new_message", {"text": "ação"}]).encode()
    assert encoded == '2["new_message",{"text":"ação"}]'
