"""/api/streams: reads, the active stream, admin changes and the `stream_status` broadcast."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from plataforma.models import Stream
from tests.api.content_helpers import READ, ROLES, Rows, admin_only, at, error_code, error_fields, record_emits

STREAM_KEYS = ["id", "eventId", "sourceType", "sourceUrl", "status", "startedAt", "endedAt"]


@pytest.fixture
def rows(app):
    return Rows(app)


@pytest.fixture
def emits(monkeypatch):
    return record_emits(monkeypatch)


@pytest.fixture
def event(rows):
    return rows.event(project_status="LIVE")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# Role matrix


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/{stream}", "/event/{event}", "/event/{event}/active"])
def test_reads_need_a_token(client, users, rows, event, role, path):
    stream = rows.stream(event, status="LIVE", started_at=at(0))
    response = client.get("/api/streams" + path.format(stream=stream, event=event), headers=users[role])
    assert response.status_code == READ[role]


@pytest.mark.parametrize("role", ROLES)
def test_create_is_admin_only(client, users, event, emits, role):
    response = client.post("/api/streams", json={"eventId": event, "sourceType": "YOUTUBE"}, headers=users[role])
    assert response.status_code == admin_only(201)[role]


@pytest.mark.parametrize("role", ROLES)
def test_update_is_admin_only(client, users, rows, event, emits, role):
    rows.session(event)
    stream = rows.stream(event)
    response = client.patch(f"/api/streams/{stream}", json={"status": "LIVE"}, headers=users[role])
    assert response.status_code == admin_only(200)[role]
    assert len(emits.named("stream_status")) == (1 if role == "admin" else 0)


# Reads


def test_get_stream(client, attendee, rows, event):
    stream = rows.stream(event, source_type="HLS", source_url="https://cdn.example.com/live.m3u8")
    response = client.get(f"/api/streams/{stream}", headers=attendee.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == STREAM_KEYS
    assert body == {
        "id": stream,
        "eventId": event,
        "sourceType": "HLS",
        "sourceUrl": "https://cdn.example.com/live.m3u8",
        "status": "IDLE",
        "startedAt": None,
        "endedAt": None,
    }


@pytest.mark.parametrize(("role", "expected"), [("attendee", 404), ("moderator", 404), ("admin", 200)])
def test_streams_of_draft_projects_are_hidden(client, users, rows, role, expected):
    event = rows.event(project_status="DRAFT")
    stream = rows.stream(event, status="LIVE", started_at=at(0))
    for path in (f"/{stream}", f"/event/{event}", f"/event/{event}/active"):
        assert client.get("/api/streams" + path, headers=users[role]).status_code == expected, path


@pytest.mark.parametrize("ident", [str(uuid.uuid4()), "nope"])
def test_unknown_stream_or_event_is_404(client, admin, ident):
    for path in (f"/{ident}", f"/event/{ident}", f"/event/{ident}/active"):
        assert client.get("/api/streams" + path, headers=admin.headers).status_code == 404, path
    assert client.patch(f"/api/streams/{ident}", json={}, headers=admin.headers).status_code == 404


def test_active_stream(client, attendee, rows, event):
    url = f"/api/streams/event/{event}/active"
    rows.stream(event, status="IDLE")
    rows.stream(event, status="ENDED", started_at=at(0), ended_at=at(1))
    rows.stream(rows.event(), status="LIVE", started_at=at(5))  # another event's
    response = client.get(url, headers=attendee.headers)
    assert response.status_code == 404
    assert error_code(response) == "no_active_stream"

    rows.stream(event, status="LIVE", started_at=at(2))
    newest = rows.stream(event, status="LIVE", started_at=at(3))
    response = client.get(url, headers=attendee.headers)
    assert response.status_code == 200
    assert response.get_json()["id"] == newest


def test_list_streams_of_an_event(client, attendee, rows, event, count_queries):
    first = rows.stream(event)
    second = rows.stream(event, source_type="YOUTUBE")
    rows.stream(rows.event())
    with count_queries() as two:
        body = client.get(f"/api/streams/event/{event}", headers=attendee.headers).get_json()
    assert [s["id"] for s in body] == [first, second]

    rows.add_many(Stream, [{"event_id": uuid.UUID(event), "source_type": "HLS"} for _ in range(48)])
    with count_queries() as fifty:
        body = client.get(f"/api/streams/event/{event}", headers=attendee.headers).get_json()
    assert len(body) == 50
    assert fifty.count == two.count


# Create / update


def test_create_stream_defaults_to_idle(client, admin, event, emits):
    response = client.post(
        "/api/streams",
        json={"eventId": event, "sourceType": "YOUTUBE", "sourceUrl": "dQw4w9WgXcQ"},
        headers=admin.headers,
    )
    assert response.status_code == 201
    body = response.get_json()
    assert list(body) == STREAM_KEYS
    assert (body["status"], body["startedAt"], body["endedAt"]) == ("IDLE", None, None)
    assert emits.named("stream_status") == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"sourceType": None}, "sourceType"),
        ({"sourceType": "TWITCH"}, "sourceType"),
        ({"eventId": None}, "eventId"),
        ({"status": "PAUSED"}, "status"),
        ({"status": "ENDED"}, "status"),
        ({"status": "STOPPED"}, "status"),
        ({"startedAt": "2030-01-01T00:00:00Z"}, "startedAt"),
        ({"sourceType": "HLS", "sourceUrl": "rtmp://ingest.example.com/live"}, "sourceUrl"),
        ({"sourceType": "RTMP", "sourceUrl": "https://example.com/x"}, "sourceUrl"),
        ({"sourceUrl": "x" * 1001}, "sourceUrl"),
    ],
)
def test_create_stream_validation(client, admin, event, emits, payload, field):
    body = {"eventId": event, "sourceType": "AGORA", **payload}
    body = {key: value for key, value in body.items() if value is not None}
    response = client.post("/api/streams", json=body, headers=admin.headers)
    assert response.status_code == 400
    assert field in error_fields(response)
    assert emits.calls == []


def test_create_stream_in_unknown_event_is_404(client, admin):
    response = client.post(
        "/api/streams", json={"eventId": str(uuid.uuid4()), "sourceType": "HLS"}, headers=admin.headers
    )
    assert response.status_code == 404


def test_status_changes_stamp_start_and_end(client, admin, rows, event, emits):
    rows.session(event)
    stream = rows.stream(event)
    url = f"/api/streams/{stream}"

    live = client.patch(url, json={"status": "LIVE"}, headers=admin.headers).get_json()
    assert live["status"] == "LIVE" and live["startedAt"] is not None and live["endedAt"] is None

    paused = client.patch(url, json={"status": "PAUSED"}, headers=admin.headers).get_json()
    assert paused["startedAt"] == live["startedAt"] and paused["endedAt"] is None

    ended = client.patch(url, json={"status": "ENDED"}, headers=admin.headers).get_json()
    assert ended["startedAt"] == live["startedAt"]
    assert parse(ended["endedAt"]) >= parse(ended["startedAt"])

    # An ended stream stays ended, and nothing goes back to IDLE (SPEC §11; the whole table: test_stream_lifecycle).
    for status in ("LIVE", "IDLE"):
        response = client.patch(url, json={"status": status}, headers=admin.headers)
        assert response.status_code == 409 and error_code(response) == "invalid_transition"
    assert [payload["status"] for payload, _room in emits.named("stream_status")] == ["LIVE", "PAUSED", "ENDED"]


def test_status_change_emits_to_every_session_room_of_the_event(client, admin, rows, event, emits):
    sessions = {rows.session(event) for _ in range(3)}
    rows.session(rows.event())  # another event's session: not told
    stream = rows.stream(event)

    response = client.patch(f"/api/streams/{stream}", json={"status": "LIVE"}, headers=admin.headers)
    assert response.status_code == 200
    calls = emits.named("stream_status")
    assert {room for _payload, room in calls} == {f"session:{s}" for s in sessions}
    assert len(calls) == 3
    for payload, _room in calls:
        assert payload == {"streamId": stream, "eventId": event, "status": "LIVE"}


def test_creating_a_live_stream_emits(client, admin, rows, event, emits):
    session = rows.session(event)
    response = client.post("/api/streams", json={"eventId": event, "sourceType": "AGORA", "status": "LIVE"},
                           headers=admin.headers)  # fmt: skip
    assert response.status_code == 201
    body = response.get_json()
    assert body["startedAt"] is not None
    assert emits.named("stream_status") == [
        ({"streamId": body["id"], "eventId": event, "status": "LIVE"}, f"session:{session}")
    ]


def test_no_emit_without_a_status_change(client, admin, rows, event, emits):
    rows.session(event)
    stream = rows.stream(event, status="LIVE", started_at=at(0))
    response = client.patch(
        f"/api/streams/{stream}",
        json={"status": "LIVE", "sourceUrl": "https://cdn.example.com/b.m3u8"},
        headers=admin.headers,
    )
    assert response.status_code == 200
    assert response.get_json()["startedAt"] == "2030-05-01T09:00:00.000Z"
    assert client.patch(f"/api/streams/{stream}", json={}, headers=admin.headers).status_code == 200
    assert emits.named("stream_status") == []


def test_no_emit_when_the_change_is_refused(client, admin, rows, event, emits):
    rows.session(event)
    stream = rows.stream(event, source_type="HLS")
    response = client.patch(
        f"/api/streams/{stream}",
        json={"status": "LIVE", "sourceUrl": "rtmp://wrong.example.com"},
        headers=admin.headers,
    )
    assert response.status_code == 400
    assert emits.calls == []
    assert client.get(f"/api/streams/{stream}", headers=admin.headers).get_json()["status"] == "IDLE"


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"eventId": str(uuid.uuid4())}, "eventId"), ({"endedAt": None}, "endedAt"), ({"sourceType": None}, "sourceType")],
)
def test_update_stream_validation(client, admin, rows, event, payload, field):
    stream = rows.stream(event)
    response = client.patch(f"/api/streams/{stream}", json=payload, headers=admin.headers)
    assert response.status_code == 400
    assert field in error_fields(response)


def test_changing_source_type_checks_the_stored_url(client, admin, rows, event):
    stream = rows.stream(event, source_type="HLS", source_url="https://cdn.example.com/a.m3u8")
    response = client.patch(f"/api/streams/{stream}", json={"sourceType": "RTMP"}, headers=admin.headers)
    assert response.status_code == 400
    assert "sourceUrl" in error_fields(response)
    response = client.patch(
        f"/api/streams/{stream}",
        json={"sourceType": "RTMP", "sourceUrl": "rtmps://ingest.example.com/app/key"},
        headers=admin.headers,
    )
    assert response.status_code == 200


def test_status_broadcast_costs_one_query_however_many_sessions(client, admin, rows, event, emits, count_queries):
    def toggle(stream, status):
        with count_queries() as queries:
            response = client.patch(f"/api/streams/{stream}", json={"status": status}, headers=admin.headers)
        assert response.status_code == 200
        return queries.count

    # From two sessions: one session alone is numbered and logged in one statement on PostgreSQL.
    rows.session(event)
    rows.session(event)
    stream = rows.stream(event)
    two = toggle(stream, "LIVE")
    for _ in range(18):
        rows.session(event)
    twenty = toggle(stream, "ENDED")
    assert twenty == two
    assert len(emits.named("stream_status")) == 2 + 20


@pytest.mark.parametrize(
    ("source_type", "url", "ok"),
    [
        ("YOUTUBE", "dQw4w9WgXcQ", True),
        ("YOUTUBE", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", True),
        ("YOUTUBE", "javascript:alert(1)", False),
        ("YOUTUBE", "data:text/html,<script>", False),
        ("AGORA", "room:1", True),
        ("AGORA", "JavaScript:alert(1)", False),
        ("AGORA", "x" * 65, False),
    ],
)
def test_youtube_and_agora_sources_cannot_carry_script_urls(client, admin, rows, source_type, url, ok):
    event = rows.event(project_status="LIVE")
    response = client.post(
        "/api/streams", headers=admin.headers, json={"eventId": event, "sourceType": source_type, "sourceUrl": url}
    )
    assert response.status_code == (201 if ok else 400)
    if not ok:
        assert "sourceUrl" in response.json["error"]["fields"]
