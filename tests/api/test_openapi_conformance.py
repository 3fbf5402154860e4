"""Issue #11: the OpenAPI document and the responses agree (nullables, slug length, error fields, Allow)."""

from __future__ import annotations

import pytest

from tests.api.content_helpers import Rows


@pytest.fixture
def spec(client):
    return client.get("/api/openapi.json").get_json()


def test_stream_times_are_declared_nullable(spec, client, admin, app):
    for name in ("startedAt", "endedAt"):
        assert spec["components"]["schemas"]["Stream"]["properties"][name]["nullable"] is True
    event = Rows(app).event()
    body = {"eventId": event, "sourceType": "YOUTUBE", "sourceUrl": "https://www.youtube.com/watch?v=abc"}
    created = client.post("/api/streams", json=body, headers=admin.headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["startedAt"] is None and created.get_json()["endedAt"] is None


def test_derived_slugs_stay_within_200_characters(spec, client, admin, app):
    assert spec["components"]["schemas"]["Event"]["properties"]["slug"]["maxLength"] == 200
    project = Rows(app).project("LIVE")
    title = "word " * 40  # slugifies to 199 characters
    slugs = []
    for _ in range(12):
        response = client.post("/api/events", json={"projectId": project, "title": title}, headers=admin.headers)
        assert response.status_code == 201, response.get_json()
        slugs.append(response.get_json()["slug"])
    assert len(set(slugs)) == 12
    assert max(len(slug) for slug in slugs) <= 200
    assert slugs[-1].endswith("-12")


def test_nested_validation_errors_are_name_to_list_of_messages(spec, client, moderator, app):
    declared = spec["components"]["schemas"]["ErrorDetail"]["properties"]["fields"]
    assert declared["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
    rows = Rows(app)
    session = rows.session(rows.event())
    body = {"sessionId": session, "question": "Pick", "options": ["ok", "  ", "x" * 201]}
    response = client.post("/api/polls", json=body, headers=moderator.headers)
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"options.1", "options.2"}
    assert all(isinstance(messages, list) and all(isinstance(m, str) for m in messages) for messages in fields.values())


def test_options_lists_only_the_methods_of_the_route(client, attendee):
    live = client.options("/api/events/live")
    assert set(live.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    profile = client.options(f"/api/profiles/{attendee.id}")
    assert set(profile.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "PATCH"}
