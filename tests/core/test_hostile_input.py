"""Hostile input gets a clear 4xx and changes nothing (no 500, whatever the database)."""

import json

import pytest


@pytest.fixture
def event_id(content):
    return content.event()


def test_deeply_nested_json_is_invalid_json(client):
    body = "[" * 20000 + "]" * 20000
    response = client.post("/api/auth/signin", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"body": ["Invalid JSON body."]}


@pytest.mark.parametrize("field", ["email", "password"])
def test_lone_surrogates_in_plain_strings_are_invalid_json(client, field):
    body = {"email": "a@b.io", "password": "password123"}
    raw = json.dumps(body).replace(body[field], "\\ud800x")
    response = client.post("/api/auth/signin", data=raw, content_type="application/json")
    assert response.status_code == 400


def test_lone_surrogates_are_stripped_from_text(client, attendee, live_session):
    raw = json.dumps({"sessionId": live_session, "text": "PLACEHOLDER"}).replace("PLACEHOLDER", "hi\\ud800!")
    # The whole body is refused: a lone surrogate is never stored.
    response = client.post("/api/messages", data=raw, content_type="application/json", headers=attendee.headers)
    assert response.status_code == 400
    assert client.get(f"/api/messages/session/{live_session}", headers=attendee.headers).json == []


def test_nul_bytes_never_reach_the_database(client, attendee):
    assert client.get("/api/events/%00", headers=attendee.headers).status_code == 404
    signin = client.post("/api/auth/signin", json={"email": "a\u0000@b.io", "password": "password123"})
    assert signin.status_code == 401


@pytest.mark.parametrize("offset", ["9223372036854775808", "99999999999999999999999", "2147483648"])
def test_huge_offsets_are_400(client, admin, offset):
    for url in ("/api/events", "/api/projects"):
        response = client.get(f"{url}?offset={offset}", headers=admin.headers)
        assert response.status_code == 400
        assert "offset" in response.json["error"]["fields"]


def test_empty_query_values_mean_absent(client, attendee, event_id):
    response = client.get("/api/events?status=&projectId=", headers=attendee.headers)
    assert response.status_code == 200
    assert [e["id"] for e in response.json] == [event_id]


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_dates_past_the_calendar_edges_are_400(client, admin, event_id, when):
    response = client.post(
        "/api/sessions", headers=admin.headers, json={"eventId": event_id, "title": "s", "startTime": when}
    )
    assert response.status_code == 400
    assert "startTime" in response.json["error"]["fields"]


@pytest.mark.parametrize("value", ["yes", 1, "on", "true"])
def test_booleans_are_json_booleans(client, admin, value):
    response = client.post("/api/projects", headers=admin.headers, json={"name": "P", "isOnDemand": value})
    assert response.status_code == 400
    assert "isOnDemand" in response.json["error"]["fields"]


def test_anonymous_callers_get_401_before_any_validation(client, attendee):
    assert client.patch(f"/api/profiles/{attendee.id}", json={"bogus": 1}).status_code == 401
    assert client.post("/api/auth/signout", json={"bogus": 1}).status_code == 401
