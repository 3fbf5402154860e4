"""/api/sessions: an event's sessions in order; admin changes."""

from __future__ import annotations

import uuid

import pytest

from plataforma.models import EventSession, Message, Question
from tests.api.content_helpers import READ, ROLES, Rows, admin_only, at, error_code, error_fields, iso

SESSION_KEYS = ["id", "eventId", "title", "description", "speaker", "startTime", "endTime", "settings"]


@pytest.fixture
def rows(app):
    return Rows(app)


@pytest.fixture
def event(rows):
    return rows.event(project_status="LIVE")


# Role matrix


@pytest.mark.parametrize("role", ROLES)
def test_list_needs_a_token(client, users, rows, event, role):
    rows.session(event)
    response = client.get(f"/api/sessions/event/{event}", headers=users[role])
    assert response.status_code == READ[role]


@pytest.mark.parametrize("role", ROLES)
def test_create_is_admin_only(client, users, event, role):
    response = client.post("/api/sessions", json={"eventId": event, "title": "Talk"}, headers=users[role])
    assert response.status_code == admin_only(201)[role]


@pytest.mark.parametrize("role", ROLES)
def test_update_is_admin_only(client, users, rows, event, role):
    session_id = rows.session(event)
    response = client.patch(f"/api/sessions/{session_id}", json={"title": "New"}, headers=users[role])
    assert response.status_code == admin_only(200)[role]


@pytest.mark.parametrize("role", ROLES)
def test_delete_is_admin_only(client, users, rows, event, role):
    session_id = rows.session(event)
    response = client.delete(f"/api/sessions/{session_id}", headers=users[role])
    assert response.status_code == admin_only(204)[role]
    assert rows.exists(EventSession, session_id) == (role != "admin")


# List


def test_list_orders_by_start_time_then_creation(client, attendee, rows, event):
    unscheduled_a = rows.session(event, title="u1")
    late = rows.session(event, start_time=at(3))
    early_a = rows.session(event, start_time=at(1))
    early_b = rows.session(event, start_time=at(1))
    unscheduled_b = rows.session(event, title="u2")
    rows.session(rows.event(), start_time=at(0))  # another event

    response = client.get(f"/api/sessions/event/{event}", headers=attendee.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert [s["id"] for s in body] == [early_a, early_b, late, unscheduled_a, unscheduled_b]
    assert list(body[0]) == SESSION_KEYS
    assert body[0]["startTime"] == iso(at(1))


@pytest.mark.parametrize(("role", "expected"), [("attendee", 404), ("moderator", 404), ("admin", 200)])
def test_sessions_of_draft_projects_are_hidden(client, users, rows, role, expected):
    event = rows.event(project_status="DRAFT")
    rows.session(event)
    response = client.get(f"/api/sessions/event/{event}", headers=users[role])
    assert response.status_code == expected


@pytest.mark.parametrize("event_id", [str(uuid.uuid4()), "nope"])
def test_list_of_unknown_event_is_404(client, attendee, event_id):
    response = client.get(f"/api/sessions/event/{event_id}", headers=attendee.headers)
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_list_query_count_is_the_same_for_1_and_50_sessions(client, attendee, rows, event, count_queries):
    def measure():
        with count_queries() as queries:
            response = client.get(f"/api/sessions/event/{event}", headers=attendee.headers)
        return queries.count, len(response.get_json())

    rows.session(event)
    one, listed = measure()
    assert listed == 1
    rows.add_many(EventSession, [{"event_id": uuid.UUID(event), "title": f"S{i}"} for i in range(49)])
    fifty, listed = measure()
    assert listed == 50
    assert fifty == one


# Create / update / delete


def test_create_session(client, admin, event):
    payload = {
        "eventId": event,
        "title": "Keynote",
        "description": "The opening\ntalk",
        "speaker": "Ada",
        "startTime": iso(at(1)),
        "endTime": iso(at(2)),
    }
    response = client.post("/api/sessions", json=payload, headers=admin.headers)
    assert response.status_code == 201
    body = response.get_json()
    assert list(body) == SESSION_KEYS
    assert {key: body[key] for key in payload} == payload
    listed = client.get(f"/api/sessions/event/{event}", headers=admin.headers).get_json()
    assert listed == [body]


def test_admin_may_add_sessions_to_draft_events(client, admin, rows):
    event = rows.event(project_status="DRAFT")
    response = client.post("/api/sessions", json={"eventId": event, "title": "Rehearsal"}, headers=admin.headers)
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "T"}, "eventId"),
        ({"eventId": "EVENT"}, "eventId"),
        ({"title": ""}, "title"),
        ({"speaker": "x" * 201}, "speaker"),
        ({"startTime": iso(at(2)), "endTime": iso(at(1))}, "endTime"),
        ({"room": "A"}, "room"),
    ],
)
def test_create_session_validation(client, admin, event, payload, field):
    body = {"eventId": event, "title": "T", **payload}
    if field == "eventId" and "eventId" not in payload:
        body.pop("eventId")
    response = client.post("/api/sessions", json=body, headers=admin.headers)
    assert response.status_code == 400
    assert field in error_fields(response)


def test_create_session_in_unknown_event_is_404(client, admin):
    response = client.post("/api/sessions", json={"eventId": str(uuid.uuid4()), "title": "T"}, headers=admin.headers)
    assert response.status_code == 404


def test_update_session(client, admin, rows, event):
    session_id = rows.session(event, title="Old", speaker="Ann", start_time=at(0))
    response = client.patch(
        f"/api/sessions/{session_id}",
        json={"title": "New", "speaker": None, "endTime": iso(at(1))},
        headers=admin.headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["title"], body["speaker"], body["startTime"], body["endTime"]) == ("New", None, iso(at(0)), iso(at(1)))
    assert client.patch(f"/api/sessions/{session_id}", json={}, headers=admin.headers).get_json() == body


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"endTime": iso(at(-1))}, "endTime"), ({"eventId": str(uuid.uuid4())}, "eventId"), ({"title": None}, "title")],
)
def test_update_session_validation(client, admin, rows, event, payload, field):
    session_id = rows.session(event, start_time=at(0))
    response = client.patch(f"/api/sessions/{session_id}", json=payload, headers=admin.headers)
    assert response.status_code == 400
    assert field in error_fields(response)


@pytest.mark.parametrize("session_id", [str(uuid.uuid4()), "x"])
def test_changing_an_unknown_session_is_404(client, admin, session_id):
    assert client.patch(f"/api/sessions/{session_id}", json={}, headers=admin.headers).status_code == 404
    assert client.delete(f"/api/sessions/{session_id}", headers=admin.headers).status_code == 404


def test_deleting_a_session_deletes_its_chat_and_questions(client, admin, attendee, rows, event):
    session_id = rows.session(event)
    other = rows.session(event)
    user = uuid.UUID(attendee.id)
    message = rows.add(Message, session_id=uuid.UUID(session_id), user_id=user, text="hello")
    question = rows.add(Question, session_id=uuid.UUID(session_id), user_id=user, text="why?")
    kept = rows.add(Message, session_id=uuid.UUID(other), user_id=user, text="still here")

    response = client.delete(f"/api/sessions/{session_id}", headers=admin.headers)
    assert response.status_code == 204
    assert not rows.exists(EventSession, session_id)
    assert not rows.exists(Message, message)
    assert not rows.exists(Question, question)
    assert rows.exists(Message, kept)
    assert [s["id"] for s in client.get(f"/api/sessions/event/{event}", headers=admin.headers).get_json()] == [other]
