"""/api/messages: chat listing, posting, pinning and soft deletion."""

import uuid

import pytest

from plataforma.extensions import db
from plataforma.models import Message
from tests.api.interaction_support import (
    MISSING_ID,
    ROLES,
    error_code,
    record_emits,
    room,
    seed_messages,
)

MESSAGE_KEYS = ["id", "sessionId", "userId", "user", "text", "isPinned", "isDeleted", "createdAt"]


@pytest.fixture
def message_id(app, live_session, attendee):
    return seed_messages(app, live_session, attendee.id, 1)[0]


def _post(client, headers, session_id, text="hello"):
    return client.post("/api/messages", json={"sessionId": session_id, "text": text}, headers=headers)


# ---------------------------------------------------------------- permissions


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 200), ("moderator", 200), ("admin", 200)])
def test_list_permissions(client, users, live_session, message_id, role, status):
    response = client.get(f"/api/messages/session/{live_session}", headers=users[role])
    assert response.status_code == status
    if status == 200:
        assert [m["id"] for m in response.get_json()] == [message_id]


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 201), ("moderator", 201), ("admin", 201)])
def test_post_permissions(client, users, live_session, role, status):
    assert _post(client, users[role], live_session).status_code == status


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 403), ("moderator", 200), ("admin", 200)])
def test_pin_permissions(client, users, message_id, role, status):
    response = client.patch(f"/api/messages/{message_id}/pin", headers=users[role])
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["isPinned"] is True


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 403), ("moderator", 204), ("admin", 204)])
def test_delete_permissions(client, users, message_id, role, status):
    response = client.delete(f"/api/messages/{message_id}", headers=users[role])
    assert response.status_code == status
    if status == 204:
        assert response.data == b""


@pytest.mark.parametrize("role, visible", [("attendee", False), ("moderator", False), ("admin", True)])
def test_draft_project_is_invisible_to_non_admins(app, client, users, draft_session, admin, role, visible):
    [seeded] = seed_messages(app, draft_session, admin.id, 1)
    headers = users[role]
    listing = client.get(f"/api/messages/session/{draft_session}", headers=headers)
    posting = _post(client, headers, draft_session)
    pinning = client.patch(f"/api/messages/{seeded}/pin", headers=headers)
    deleting = client.delete(f"/api/messages/{seeded}", headers=headers)
    if visible:
        assert (listing.status_code, posting.status_code, pinning.status_code, deleting.status_code) == (
            200,
            201,
            200,
            204,
        )
    else:
        moderation = (pinning, deleting) if role == "moderator" else ()
        for response in (listing, posting, *moderation):
            assert response.status_code == 404, response.get_json()
            assert error_code(response) == "not_found"
        if role == "attendee":  # the role check comes first: attendees never moderate
            assert pinning.status_code == deleting.status_code == 403


def test_unknown_and_malformed_ids_are_404(client, moderator):
    for path in (f"/api/messages/session/{MISSING_ID}", "/api/messages/session/not-a-uuid"):
        assert client.get(path, headers=moderator.headers).status_code == 404
    assert _post(client, moderator.headers, MISSING_ID).status_code == 404
    for message in (MISSING_ID, "nope"):
        assert client.patch(f"/api/messages/{message}/pin", headers=moderator.headers).status_code == 404
        assert client.delete(f"/api/messages/{message}", headers=moderator.headers).status_code == 404


# ---------------------------------------------------------------- posting


def test_post_returns_the_message_and_emits_it_to_the_session_room(client, monkeypatch, attendee, live_session):
    emits = record_emits(monkeypatch)
    response = _post(client, attendee.headers, live_session, "  hi\x00\x07 there\u200b  ")
    assert response.status_code == 201
    body = response.get_json()
    assert list(body) == MESSAGE_KEYS
    assert body["text"] == "hi there"
    assert body["sessionId"] == live_session and body["userId"] == attendee.id
    assert body["user"] == {"id": attendee.id, "name": "User 1", "avatar": None, "role": "ATTENDEE"}
    assert body["isPinned"] is False and body["isDeleted"] is False
    assert body["createdAt"].endswith("Z")
    data, to = emits.only("new_message")
    assert data == body
    assert to == room(live_session)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"text": ""}, "text"),
        ({"text": "   \x00\t "}, "text"),
        ({"text": "x" * 501}, "text"),
        ({"text": 5}, "text"),
        ({}, "text"),
        ({"text": "hi", "sessionId": "not-a-uuid"}, "sessionId"),
        ({"text": "hi", "extra": 1}, "extra"),
    ],
)
def test_post_validation(client, monkeypatch, attendee, live_session, payload, field):
    emits = record_emits(monkeypatch)
    body = {"sessionId": live_session, **payload}
    response = client.post("/api/messages", json=body, headers=attendee.headers)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert emits == []


def test_post_accepts_exactly_500_characters(client, attendee, live_session):
    response = _post(client, attendee.headers, live_session, " " + "é" * 500 + " ")
    assert response.status_code == 201
    assert response.get_json()["text"] == "é" * 500


def test_post_is_rate_limited_per_user(app, client, attendee, moderator, live_session):
    app.config["CHAT_RATE_LIMIT"] = "2 per minute"
    assert _post(client, attendee.headers, live_session).status_code == 201
    assert _post(client, attendee.headers, live_session).status_code == 201
    limited = _post(client, attendee.headers, live_session)
    assert limited.status_code == 429
    assert error_code(limited) == "rate_limited"
    assert "Retry-After" in limited.headers
    assert _post(client, moderator.headers, live_session).status_code == 201


# ---------------------------------------------------------------- listing


def test_list_returns_the_newest_limit_oldest_first_and_pages_with_before(app, client, attendee, live_session):
    ids = seed_messages(app, live_session, attendee.id, 7)  # message 0 (oldest) .. message 6
    url = f"/api/messages/session/{live_session}"

    first = client.get(url, query_string={"limit": 3}, headers=attendee.headers).get_json()
    assert [m["text"] for m in first] == ["message 4", "message 5", "message 6"]

    second = client.get(url, query_string={"limit": 3, "before": first[0]["id"]}, headers=attendee.headers).get_json()
    assert [m["text"] for m in second] == ["message 1", "message 2", "message 3"]

    last = client.get(url, query_string={"limit": 3, "before": second[0]["id"]}, headers=attendee.headers).get_json()
    assert [m["id"] for m in last] == [ids[0]]

    default = client.get(url, headers=attendee.headers).get_json()
    assert [m["id"] for m in default] == ids


def test_list_limit_defaults_to_50_and_allows_200(app, client, attendee, live_session):
    seed_messages(app, live_session, attendee.id, 60)
    url = f"/api/messages/session/{live_session}"
    default = client.get(url, headers=attendee.headers).get_json()
    assert len(default) == 50 and default[-1]["text"] == "message 59"
    assert len(client.get(url, query_string={"limit": 200}, headers=attendee.headers).get_json()) == 60


def test_list_keeps_messages_with_equal_timestamps_on_one_page_or_the_next(app, client, attendee, live_session):
    from datetime import UTC, datetime

    same = datetime(2031, 1, 1, tzinfo=UTC)
    ids = [seed_messages(app, live_session, attendee.id, 1, created_at=same)[0] for _ in range(4)]
    url = f"/api/messages/session/{live_session}"
    page = client.get(url, query_string={"limit": 2}, headers=attendee.headers).get_json()
    rest = client.get(url, query_string={"limit": 10, "before": page[0]["id"]}, headers=attendee.headers).get_json()
    assert sorted(m["id"] for m in page + rest) == sorted(ids)


@pytest.mark.parametrize("limit", ["0", "201", "-1", "ten"])
def test_list_rejects_limit_out_of_range(client, attendee, live_session, limit):
    response = client.get(f"/api/messages/session/{live_session}?limit={limit}", headers=attendee.headers)
    assert response.status_code == 400
    assert "limit" in response.get_json()["error"]["fields"]


def test_list_rejects_unknown_or_foreign_cursor(app, client, content, attendee, live_session):
    other_session = content.session()
    [foreign] = seed_messages(app, other_session, attendee.id, 1)
    url = f"/api/messages/session/{live_session}"
    for before in ("not-a-uuid", MISSING_ID, foreign):
        response = client.get(url, query_string={"before": before}, headers=attendee.headers)
        assert response.status_code == 400, before
        assert "before" in response.get_json()["error"]["fields"]


def test_deleted_messages_reach_moderators_only_when_asked(app, client, attendee, moderator, live_session):
    kept, deleted = seed_messages(app, live_session, attendee.id, 2)
    assert client.delete(f"/api/messages/{deleted}", headers=moderator.headers).status_code == 204
    url = f"/api/messages/session/{live_session}"

    for headers in (attendee.headers, moderator.headers):
        assert [m["id"] for m in client.get(url, headers=headers).get_json()] == [kept]
    # Attendees asking for deleted messages still do not get them.
    attendee_view = client.get(url, query_string={"includeDeleted": "true"}, headers=attendee.headers).get_json()
    assert [m["id"] for m in attendee_view] == [kept]

    moderator_view = client.get(url, query_string={"includeDeleted": "true"}, headers=moderator.headers).get_json()
    assert [(m["id"], m["isDeleted"]) for m in moderator_view] == [(kept, False), (deleted, True)]


def test_a_deleted_message_still_works_as_a_cursor(app, client, attendee, moderator, live_session):
    first, second = seed_messages(app, live_session, attendee.id, 2)
    client.delete(f"/api/messages/{second}", headers=moderator.headers)
    response = client.get(
        f"/api/messages/session/{live_session}", query_string={"before": second}, headers=attendee.headers
    )
    assert [m["id"] for m in response.get_json()] == [first]


@pytest.mark.parametrize("role", ["attendee", "moderator"])
def test_list_runs_the_same_number_of_queries_for_1_and_50_messages(
    app, client, make_user, users, content, count_queries, role
):
    counts = []
    for n in (1, 50):
        session_id = content.session()
        authors = [make_user() for _ in range(min(n, 5))]
        for i in range(n):
            seed_messages(app, session_id, authors[i % len(authors)].id, 1, start=i)
        query = {"includeDeleted": "true"} if role == "moderator" else {}
        with count_queries() as q:
            response = client.get(f"/api/messages/session/{session_id}", query_string=query, headers=users[role])
        assert response.status_code == 200 and len(response.get_json()) == n
        assert {m["user"]["id"] for m in response.get_json()} == {a.id for a in authors}
        counts.append(q.count)
    assert counts[0] == counts[1]


# ---------------------------------------------------------------- moderation


def test_pin_toggles_and_emits_message_pinned(client, monkeypatch, moderator, live_session, message_id):
    emits = record_emits(monkeypatch)
    first = client.patch(f"/api/messages/{message_id}/pin", headers=moderator.headers)
    second = client.patch(f"/api/messages/{message_id}/pin", headers=moderator.headers)
    assert first.status_code == second.status_code == 200
    assert list(first.get_json()) == MESSAGE_KEYS
    assert (first.get_json()["isPinned"], second.get_json()["isPinned"]) == (True, False)
    assert emits == [
        ("message_pinned", {"messageId": message_id, "isPinned": True}, room(live_session)),
        ("message_pinned", {"messageId": message_id, "isPinned": False}, room(live_session)),
    ]


def test_delete_is_soft_unpins_and_emits_once(app, client, monkeypatch, moderator, live_session, message_id):
    client.patch(f"/api/messages/{message_id}/pin", headers=moderator.headers)
    emits = record_emits(monkeypatch)
    assert client.delete(f"/api/messages/{message_id}", headers=moderator.headers).status_code == 204
    assert client.delete(f"/api/messages/{message_id}", headers=moderator.headers).status_code == 204
    assert emits == [("message_deleted", {"messageId": message_id}, room(live_session))]

    with app.app_context():
        stored = db.session.get(Message, uuid.UUID(message_id))
        assert stored is not None and stored.is_deleted and not stored.is_pinned
        assert stored.text == "message 0"


def test_a_deleted_message_cannot_be_pinned(client, monkeypatch, moderator, message_id):
    client.delete(f"/api/messages/{message_id}", headers=moderator.headers)
    emits = record_emits(monkeypatch)
    response = client.patch(f"/api/messages/{message_id}/pin", headers=moderator.headers)
    assert response.status_code == 409
    assert error_code(response) == "message_deleted"
    assert emits == []


@pytest.mark.parametrize("role", ROLES[:2])
def test_refused_moderation_emits_nothing(client, monkeypatch, users, message_id, role):
    emits = record_emits(monkeypatch)
    client.patch(f"/api/messages/{message_id}/pin", headers=users[role])
    client.delete(f"/api/messages/{message_id}", headers=users[role])
    assert emits == []


def test_a_posted_message_is_the_sessions_own_object_for_the_rest_of_the_transaction(app, moderator, live_session):
    """post_message inserts with Core, then attaches the Message as stored: pinning it in the same
    transaction changes that object, and nothing is inserted twice at commit."""
    from plataforma.models import Profile
    from plataforma.services import chat, commit

    with app.test_request_context():
        actor = db.session.get(Profile, uuid.UUID(moderator.id))
        message = chat.post_message(actor, live_session, "pinned at once")
        assert db.session.get(Message, message.id) is message
        chat.toggle_pin(actor, message.id)
        assert message.is_pinned
        commit()
        assert db.session.get(Message, message.id).is_pinned
        assert db.session.query(Message).filter_by(text="pinned at once").count() == 1


def test_posting_a_message_runs_the_fewest_statements(client, attendee, live_session, count_queries, is_postgres):
    """On PostgreSQL each statement is a round trip. Posting reads the token's revocation and the
    author (authentication), the session with its chat settings, inserts the message, numbers and
    stores its event (the counter's upsert and the event row: one statement on PostgreSQL, two on
    SQLite), reads the webhook subscriptions, and reads the message back for the response."""
    body = {"sessionId": live_session, "text": "first"}
    assert client.post("/api/messages", json=body, headers=attendee.headers).status_code == 201
    with count_queries() as q:
        response = client.post("/api/messages", json={**body, "text": "second"}, headers=attendee.headers)
    assert response.status_code == 201
    assert q.count == (7 if is_postgres else 8)
    numbered = [s for s in q.statements if "session_event_counters" in s]
    assert len(numbered) == 1 and ("INSERT INTO session_events" in numbered[0]) == is_postgres
