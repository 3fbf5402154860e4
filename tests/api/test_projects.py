"""/api/projects: admin management, visibility of DRAFT projects, cascade delete."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import Event, EventSession, Message, Poll, PollOption, Project, Room, Stream
from tests.api.content_helpers import READ, ROLES, Rows, admin_only, error_code, error_fields

PROJECT_KEYS = [
    "id",
    "name",
    "description",
    "status",
    "isOnDemand",
    "youtubeVideoId",
    "thumbnail",
    "createdAt",
    "updatedAt",
]


@pytest.fixture
def rows(app):
    return Rows(app)


# Role matrix: every route, every role.


@pytest.mark.parametrize("role", ROLES)
def test_list_projects_is_admin_only(client, users, rows, role):
    rows.project()
    response = client.get("/api/projects", headers=users[role])
    assert response.status_code == admin_only(200)[role]


@pytest.mark.parametrize("role", ROLES)
def test_create_project_is_admin_only(client, users, role):
    response = client.post("/api/projects", json={"name": "Launch"}, headers=users[role])
    assert response.status_code == admin_only(201)[role]


@pytest.mark.parametrize("role", ROLES)
def test_get_live_project_needs_a_token(client, users, rows, role):
    project_id = rows.project("LIVE")
    response = client.get(f"/api/projects/{project_id}", headers=users[role])
    assert response.status_code == READ[role]


@pytest.mark.parametrize("role", ROLES)
def test_update_project_is_admin_only(client, users, rows, role):
    project_id = rows.project()
    response = client.patch(f"/api/projects/{project_id}", json={"name": "Renamed"}, headers=users[role])
    assert response.status_code == admin_only(200)[role]


@pytest.mark.parametrize("role", ROLES)
def test_delete_project_is_admin_only(client, users, rows, role):
    project_id = rows.project()
    response = client.delete(f"/api/projects/{project_id}", headers=users[role])
    assert response.status_code == admin_only(204)[role]
    assert rows.exists(Project, project_id) == (role != "admin")


def test_anonymous_gets_the_json_error_contract(client):
    response = client.post("/api/projects", json={"name": "x"})
    assert response.status_code == 401
    assert error_code(response) == "unauthorized"


def test_moderator_is_forbidden_not_validated(client, moderator):
    # Permission is checked before the body: a forbidden caller learns nothing about validation.
    response = client.post("/api/projects", json={"bogus": 1}, headers=moderator.headers)
    assert response.status_code == 403
    assert error_code(response) == "forbidden"


# Create / read


def test_create_project_defaults_and_shape(client, admin):
    response = client.post("/api/projects", json={"name": "  Launch\x07 day "}, headers=admin.headers)
    assert response.status_code == 201
    body = response.get_json()
    assert list(body) == PROJECT_KEYS
    assert body["name"] == "Launch day"
    assert body["status"] == "DRAFT"
    assert body["isOnDemand"] is False
    assert body["description"] is None and body["youtubeVideoId"] is None and body["thumbnail"] is None
    assert body["createdAt"].endswith("Z") and body["updatedAt"].endswith("Z")
    uuid.UUID(body["id"])

    fetched = client.get(f"/api/projects/{body['id']}", headers=admin.headers)
    assert fetched.status_code == 200
    assert fetched.get_json() == body


def test_create_project_with_every_field(client, admin):
    payload = {
        "name": "Summit",
        "description": "Line one\nLine two",
        "status": "LIVE",
        "isOnDemand": True,
        "youtubeVideoId": "dQw4w9WgXcQ",
        "thumbnail": "https://cdn.example.com/summit.png",
    }
    response = client.post("/api/projects", json=payload, headers=admin.headers)
    assert response.status_code == 201
    body = response.get_json()
    assert {key: body[key] for key in payload} == payload


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": None}, "name"),
        ({"name": "ok", "status": "PUBLISHED"}, "status"),
        ({"name": "ok", "isOnDemand": "maybe"}, "isOnDemand"),
        ({"name": "ok", "thumbnail": "javascript:alert(1)"}, "thumbnail"),
        ({"name": "ok", "youtubeVideoId": "not an id"}, "youtubeVideoId"),
        ({"name": "ok", "owner": "me"}, "owner"),
        ({"name": "ok", "id": str(uuid.uuid4())}, "id"),
        ({"name": "ok", "createdAt": "2030-01-01T00:00:00Z"}, "createdAt"),
    ],
)
def test_create_project_validation(client, admin, payload, field):
    response = client.post("/api/projects", json=payload, headers=admin.headers)
    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert field in error_fields(response)


@pytest.mark.parametrize(("status", "role", "expected"), [
    ("DRAFT", "attendee", 404),
    ("DRAFT", "moderator", 404),
    ("DRAFT", "admin", 200),
    ("LIVE", "attendee", 200),
    ("ENDED", "attendee", 200),
    ("ENDED", "moderator", 200),
])  # fmt: skip
def test_draft_projects_are_hidden_from_non_admins(client, users, rows, status, role, expected):
    project_id = rows.project(status)
    response = client.get(f"/api/projects/{project_id}", headers=users[role])
    assert response.status_code == expected
    if expected == 404:
        assert error_code(response) == "not_found"


@pytest.mark.parametrize("project_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_unknown_project_is_404(client, admin, project_id):
    for method in ("GET", "PATCH", "DELETE"):
        response = client.open(f"/api/projects/{project_id}", method=method, json={}, headers=admin.headers)
        assert response.status_code == 404, method


# List


def test_list_projects_newest_first_with_filter_and_paging(client, admin, rows):
    first = rows.project("DRAFT", name="first")
    second = rows.project("LIVE", name="second")
    third = rows.project("ENDED", name="third")

    body = client.get("/api/projects", headers=admin.headers).get_json()
    assert [p["id"] for p in body] == [third, second, first]

    body = client.get("/api/projects?status=DRAFT", headers=admin.headers).get_json()
    assert [p["id"] for p in body] == [first]

    body = client.get("/api/projects?limit=1&offset=1", headers=admin.headers).get_json()
    assert [p["id"] for p in body] == [second]


@pytest.mark.parametrize("query", ["status=OPEN", "limit=0", "limit=201", "offset=-1", "limit=abc"])
def test_list_projects_rejects_bad_query(client, admin, query):
    response = client.get(f"/api/projects?{query}", headers=admin.headers)
    assert response.status_code == 400
    assert error_code(response) == "validation_error"


def _list_query_count(client, admin, count_queries) -> int:
    with count_queries() as queries:
        response = client.get("/api/projects?limit=200", headers=admin.headers)
    assert response.status_code == 200
    return queries.count, len(response.get_json())


def test_list_projects_query_count_does_not_grow(client, admin, rows, count_queries):
    rows.project()
    one, listed = _list_query_count(client, admin, count_queries)
    assert listed == 1
    rows.add_many(Project, [{"name": f"P{i}"} for i in range(49)])
    fifty, listed = _list_query_count(client, admin, count_queries)
    assert listed == 50
    assert fifty == one


# Update


def test_update_project(client, admin, rows):
    project_id = rows.project("DRAFT", name="Old", description="keep me")
    response = client.patch(
        f"/api/projects/{project_id}",
        json={"name": "New", "status": "LIVE", "isOnDemand": True, "thumbnail": None},
        headers=admin.headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["name"], body["status"], body["isOnDemand"], body["description"]) == ("New", "LIVE", True, "keep me")


def test_update_project_with_empty_body_changes_nothing(client, admin, rows):
    project_id = rows.project("LIVE", name="Same")
    before = client.get(f"/api/projects/{project_id}", headers=admin.headers).get_json()
    response = client.patch(f"/api/projects/{project_id}", json={}, headers=admin.headers)
    assert response.status_code == 200
    assert response.get_json() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"name": None}, "name"), ({"name": ""}, "name"), ({"status": "GONE"}, "status"), ({"extra": 1}, "extra")],
)
def test_update_project_validation(client, admin, rows, payload, field):
    project_id = rows.project()
    response = client.patch(f"/api/projects/{project_id}", json=payload, headers=admin.headers)
    assert response.status_code == 400
    assert field in error_fields(response)


# Delete


def test_deleting_a_project_deletes_everything_inside(app, client, admin, attendee, rows):
    project_id = rows.project("LIVE")
    event_id = rows.event(project_id)
    session_id = rows.session(event_id)
    stream_id = rows.stream(event_id)
    room_id = rows.room(event_id)
    message_id = rows.add(Message, session_id=uuid.UUID(session_id), user_id=uuid.UUID(attendee.id), text="hi")
    poll_id = rows.add(Poll, session_id=uuid.UUID(session_id), question="Q?")
    rows.add(PollOption, poll_id=uuid.UUID(poll_id), text="A", position=0)
    other_event = rows.event()  # in another project: untouched

    response = client.delete(f"/api/projects/{project_id}", headers=admin.headers)
    assert response.status_code == 204
    assert response.data == b""

    for model, ident in [
        (Project, project_id),
        (Event, event_id),
        (EventSession, session_id),
        (Stream, stream_id),
        (Room, room_id),
        (Message, message_id),
        (Poll, poll_id),
    ]:
        assert not rows.exists(model, ident), model.__name__
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PollOption)) == 0
    assert rows.exists(Event, other_event)
    assert client.get(f"/api/projects/{project_id}", headers=admin.headers).status_code == 404
    assert client.get(f"/api/events/{event_id}", headers=admin.headers).status_code == 404


CONTENT_ROUTES = [
    ("get", "/api/projects"),
    ("post", "/api/projects"),
    ("get", "/api/projects/{project_id}"),
    ("patch", "/api/projects/{project_id}"),
    ("delete", "/api/projects/{project_id}"),
    ("get", "/api/events"),
    ("post", "/api/events"),
    ("get", "/api/events/live"),
    ("get", "/api/events/{event_id}"),
    ("patch", "/api/events/{event_id}"),
    ("delete", "/api/events/{event_id}"),
    ("get", "/api/sessions/event/{event_id}"),
    ("post", "/api/sessions"),
    ("patch", "/api/sessions/{session_id}"),
    ("delete", "/api/sessions/{session_id}"),
    ("get", "/api/streams/{stream_id}"),
    ("get", "/api/streams/event/{event_id}"),
    ("get", "/api/streams/event/{event_id}/active"),
    ("post", "/api/streams"),
    ("patch", "/api/streams/{stream_id}"),
    ("get", "/api/rooms/event/{event_id}"),
    ("post", "/api/rooms"),
    ("patch", "/api/rooms/{room_id}"),
    ("delete", "/api/rooms/{room_id}"),
]


def test_content_routes_are_documented(client):
    spec = client.get("/api/openapi.json").get_json()
    for method, path in CONTENT_ROUTES:
        operation = spec["paths"][path][method]
        assert operation["summary"], (method, path)
    assert "EventCreate" in spec["components"]["schemas"]
    update = spec["components"]["schemas"]["EventUpdate"]
    assert update["properties"]["projectId"]["readOnly"] is True
    assert "required" not in update
    assert set(spec["components"]["schemas"]["EventCreate"]["required"]) == {"projectId", "title"}
