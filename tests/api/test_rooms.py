"""/api/rooms: an event's rooms (main stage first); admin changes."""

from __future__ import annotations

import uuid

import pytest

from plataforma.models import Room
from tests.api.content_helpers import READ, ROLES, Rows, admin_only, error_code, error_fields

ROOM_KEYS = ["id", "eventId", "name", "speaker", "topic", "thumbnail", "isMainStage"]


@pytest.fixture
def rows(app):
    return Rows(app)


@pytest.fixture
def event(rows):
    return rows.event(project_status="LIVE")


# Role matrix


@pytest.mark.parametrize("role", ROLES)
def test_list_needs_a_token(client, users, rows, event, role):
    rows.room(event)
    response = client.get(f"/api/rooms/event/{event}", headers=users[role])
    assert response.status_code == READ[role]


@pytest.mark.parametrize("role", ROLES)
def test_create_is_admin_only(client, users, event, role):
    response = client.post("/api/rooms", json={"eventId": event, "name": "Hall A"}, headers=users[role])
    assert response.status_code == admin_only(201)[role]


@pytest.mark.parametrize("role", ROLES)
def test_update_is_admin_only(client, users, rows, event, role):
    room = rows.room(event)
    response = client.patch(f"/api/rooms/{room}", json={"topic": "AI"}, headers=users[role])
    assert response.status_code == admin_only(200)[role]


@pytest.mark.parametrize("role", ROLES)
def test_delete_is_admin_only(client, users, rows, event, role):
    room = rows.room(event)
    response = client.delete(f"/api/rooms/{room}", headers=users[role])
    assert response.status_code == admin_only(204)[role]
    assert rows.exists(Room, room) == (role != "admin")


# List


def test_list_main_stage_first_then_creation_order(client, attendee, rows, event):
    side_a = rows.room(event, name="Side A")
    main = rows.room(event, name="Main", is_main_stage=True)
    side_b = rows.room(event, name="Side B")
    rows.room(rows.event(), name="Elsewhere", is_main_stage=True)
    response = client.get(f"/api/rooms/event/{event}", headers=attendee.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert [r["id"] for r in body] == [main, side_a, side_b]
    assert list(body[0]) == ROOM_KEYS


@pytest.mark.parametrize(("role", "expected"), [("attendee", 404), ("moderator", 404), ("admin", 200)])
def test_rooms_of_draft_projects_are_hidden(client, users, rows, role, expected):
    event = rows.event(project_status="DRAFT")
    rows.room(event)
    assert client.get(f"/api/rooms/event/{event}", headers=users[role]).status_code == expected


@pytest.mark.parametrize("event_id", [str(uuid.uuid4()), "nope"])
def test_list_of_unknown_event_is_404(client, attendee, event_id):
    response = client.get(f"/api/rooms/event/{event_id}", headers=attendee.headers)
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_list_query_count_is_the_same_for_1_and_50_rooms(client, attendee, rows, event, count_queries):
    def measure():
        with count_queries() as queries:
            response = client.get(f"/api/rooms/event/{event}", headers=attendee.headers)
        return queries.count, len(response.get_json())

    rows.room(event)
    one, listed = measure()
    assert listed == 1
    rows.add_many(Room, [{"event_id": uuid.UUID(event), "name": f"R{i}"} for i in range(49)])
    fifty, listed = measure()
    assert listed == 50
    assert fifty == one


# Create / update / delete


def test_create_room(client, admin, event):
    payload = {
        "eventId": event,
        "name": "Main Hall",
        "speaker": "Grace",
        "topic": "Compilers",
        "thumbnail": "https://cdn.example.com/hall.jpg",
        "isMainStage": True,
    }
    response = client.post("/api/rooms", json=payload, headers=admin.headers)
    assert response.status_code == 201
    body = response.get_json()
    assert list(body) == ROOM_KEYS
    assert {key: body[key] for key in payload} == payload


def test_create_room_defaults(client, admin, event):
    body = client.post("/api/rooms", json={"eventId": event, "name": "B"}, headers=admin.headers).get_json()
    assert (body["isMainStage"], body["speaker"], body["topic"], body["thumbnail"]) == (False, None, None, None)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": None}, "name"),
        ({"name": " \t "}, "name"),
        ({"eventId": None}, "eventId"),
        ({"isMainStage": "yes please"}, "isMainStage"),
        ({"thumbnail": "ftp://example.com/x.png"}, "thumbnail"),
        ({"topic": "x" * 501}, "topic"),
        ({"capacity": 10}, "capacity"),
    ],
)
def test_create_room_validation(client, admin, event, payload, field):
    body = {"eventId": event, "name": "Room", **payload}
    body = {key: value for key, value in body.items() if value is not None}
    response = client.post("/api/rooms", json=body, headers=admin.headers)
    assert response.status_code == 400
    assert field in error_fields(response)


def test_create_room_in_unknown_event_is_404(client, admin):
    response = client.post("/api/rooms", json={"eventId": str(uuid.uuid4()), "name": "R"}, headers=admin.headers)
    assert response.status_code == 404


def test_update_room(client, admin, rows, event):
    room = rows.room(event, name="Old", topic="Old topic")
    response = client.patch(f"/api/rooms/{room}", json={"name": "New", "isMainStage": True}, headers=admin.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["name"], body["topic"], body["isMainStage"]) == ("New", "Old topic", True)
    assert client.patch(f"/api/rooms/{room}", json={}, headers=admin.headers).get_json() == body


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"eventId": str(uuid.uuid4())}, "eventId"), ({"name": None}, "name"), ({"isMainStage": None}, "isMainStage")],
)
def test_update_room_validation(client, admin, rows, event, payload, field):
    room = rows.room(event)
    response = client.patch(f"/api/rooms/{room}", json=payload, headers=admin.headers)
    assert response.status_code == 400
    assert field in error_fields(response)


@pytest.mark.parametrize("room", [str(uuid.uuid4()), "x"])
def test_changing_an_unknown_room_is_404(client, admin, room):
    assert client.patch(f"/api/rooms/{room}", json={}, headers=admin.headers).status_code == 404
    assert client.delete(f"/api/rooms/{room}", headers=admin.headers).status_code == 404


def test_delete_room(client, admin, rows, event):
    room = rows.room(event)
    kept = rows.room(event)
    assert client.delete(f"/api/rooms/{room}", headers=admin.headers).status_code == 204
    assert [r["id"] for r in client.get(f"/api/rooms/event/{event}", headers=admin.headers).get_json()] == [kept]
