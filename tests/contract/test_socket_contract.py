"""The Socket.IO contract (plataforma/schemas/socket.py) names every event the server handles or emits,
and is served as AsyncAPI 3 (/api/asyncapi.json) and as socket.io-client types (/api/socket-events.d.ts).

Payloads are checked against it in every realtime test (tests/realtime/conftest.py RecordingClient)."""

from __future__ import annotations

import re
from pathlib import Path

import plataforma.services.events as events_module
from plataforma.extensions import socketio
from plataforma.schemas import socket

RESERVED = {"connect", "disconnect", "*"}


def test_every_client_event_handled_is_in_the_contract(app):
    handled = set(socketio.server.handlers["/"]) - RESERVED
    assert handled == set(socket.CLIENT_EVENTS)


def test_every_server_event_emitted_is_in_the_contract():
    source = Path(events_module.__file__).read_text()
    emitted = set(re.findall(r'_(?:queue|queue_many|emit_now)\([^"\n]*"([a-z_]+)"', source))
    assert emitted, "no emits found: the pattern no longer matches services/events.py"
    assert emitted == set(socket.SERVER_EVENTS)


def test_asyncapi_document_describes_every_event(client):
    doc = client.get("/api/asyncapi.json").get_json()
    assert doc["asyncapi"] == "3.0.0"
    messages = doc["channels"]["socketio"]["messages"]
    schemas = doc["components"]["schemas"]
    for name in socket.CLIENT_EVENTS:
        operation = doc["operations"][name]
        assert operation["action"] == "receive" and operation["reply"]["messages"]
        assert f"{name}_ack" in messages
    for name, spec in socket.SERVER_EVENTS.items():
        assert doc["operations"][name]["action"] == "send"
        payload = messages[name]["payload"]["schema"]
        ref = (payload["items"] if spec.many else payload)["$ref"]
        assert ref.rsplit("/", 1)[1] in schemas  # resolvable
    assert schemas["Message"]["required"]  # the same finished schemas as the OpenAPI document


def test_typescript_declarations_name_every_event(client):
    response = client.get("/api/socket-events.d.ts")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for name in [*socket.CLIENT_EVENTS, *socket.SERVER_EVENTS]:
        assert f"  {name}: (" in text
