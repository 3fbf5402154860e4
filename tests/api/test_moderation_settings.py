"""Session settings (SPEC §15): the Session's ``settings``, PATCH …/settings, ``session_settings``;
chat and questions off, slow mode, blocked terms, anonymous questions (REST)."""

from __future__ import annotations

import uuid

import pytest

from tests.api.interaction_support import error_code, record_emits, room
from tests.api.moderation_support import audit_actions, event_of, patch_settings

DEFAULTS = {
    "chatEnabled": True,
    "slowModeSeconds": 0,
    "questionsEnabled": True,
    "questionModeration": False,
    "anonymousQuestions": False,
    "blockedTerms": [],
}


def _post(client, user, session_id, text="hello"):
    return client.post("/api/messages", json={"sessionId": session_id, "text": text}, headers=user.headers)


def _ask(client, user, session_id, text="Why?", **extra):
    return client.post("/api/questions", json={"sessionId": session_id, "text": text, **extra}, headers=user.headers)


def test_the_session_object_carries_its_settings(client, attendee, content):
    event_id = content.event()
    content.session(event_id)
    sessions = client.get(f"/api/sessions/event/{event_id}", headers=attendee.headers).get_json()
    assert sessions[0]["settings"] == DEFAULTS


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 403), ("moderator", 200), ("admin", 200)])
def test_patch_settings_permissions(client, users, live_session, role, status):
    response = client.patch(f"/api/sessions/{live_session}/settings", json={"chatEnabled": False}, headers=users[role])
    assert response.status_code == status
    if status == 200:
        assert response.get_json() == DEFAULTS | {"chatEnabled": False}


def test_patch_settings_emits_a_numbered_session_settings_and_is_audited(
    app, client, monkeypatch, moderator, live_session
):
    emits = record_emits(monkeypatch)
    terms = ["Spam", "spam", "free  money", "Café"]
    response = patch_settings(client, moderator, live_session, blockedTerms=terms, slowModeSeconds=30)
    assert response.status_code == 200
    settings = response.get_json()
    assert settings["blockedTerms"] == ["Spam", "free money", "Café"]  # duplicates (any case) dropped, spaces folded
    data, to = emits.only("session_settings")
    assert to == room(live_session) and data == {"sessionId": live_session, "settings": settings}
    assert emits.meta == [("session_settings", {"sessionId": live_session, "seq": 1})]
    assert audit_actions(app, event_of(app, live_session)) == ["session.settings"]
    # Nothing changes: no event, no entry.
    emits.clear()
    assert patch_settings(client, moderator, live_session, slowModeSeconds=30).status_code == 200
    assert emits.events() == []
    assert audit_actions(app, event_of(app, live_session)) == ["session.settings"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"slowModeSeconds": 3601}, "slowModeSeconds"),
        ({"slowModeSeconds": -1}, "slowModeSeconds"),
        ({"slowModeSeconds": "5"}, "slowModeSeconds"),
        ({"chatEnabled": "no"}, "chatEnabled"),
        ({"blockedTerms": ["x" * 51]}, "blockedTerms.0"),
        ({"blockedTerms": ["   "]}, "blockedTerms.0"),
        ({"blockedTerms": [f"term{i}" for i in range(201)]}, "blockedTerms"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_patch_settings_validation(client, moderator, live_session, body, field):
    response = client.patch(f"/api/sessions/{live_session}/settings", json=body, headers=moderator.headers)
    assert response.status_code == 400 and error_code(response) == "validation_error"
    assert field in response.get_json()["error"]["fields"]


def test_two_hundred_terms_are_accepted(client, moderator, live_session):
    terms = [f"term{i}" for i in range(200)]
    assert patch_settings(client, moderator, live_session, blockedTerms=terms).get_json()["blockedTerms"] == terms


def test_settings_of_an_invisible_session_are_not_found(client, moderator, draft_session):
    assert patch_settings(client, moderator, draft_session, chatEnabled=False).status_code == 404
    assert patch_settings(client, moderator, str(uuid.uuid4()), chatEnabled=False).status_code == 404


def test_settings_cannot_be_set_through_the_admin_session_patch(client, admin, live_session):
    response = client.patch(f"/api/sessions/{live_session}", json={"settings": {}}, headers=admin.headers)
    assert response.status_code == 400


# ---------------------------------------------------------------- chat and questions off


def test_chat_off_refuses_attendees_not_moderators(client, attendee, moderator, admin, live_session):
    patch_settings(client, moderator, live_session, chatEnabled=False)
    refused = _post(client, attendee, live_session)
    assert refused.status_code == 403 and error_code(refused) == "chat_disabled"
    assert _post(client, moderator, live_session).status_code == 201
    assert _post(client, admin, live_session).status_code == 201
    patch_settings(client, moderator, live_session, chatEnabled=True)
    assert _post(client, attendee, live_session).status_code == 201


def test_questions_off_refuses_attendees_not_moderators(client, attendee, moderator, live_session):
    patch_settings(client, moderator, live_session, questionsEnabled=False)
    refused = _ask(client, attendee, live_session)
    assert refused.status_code == 403 and error_code(refused) == "questions_disabled"
    assert _ask(client, moderator, live_session).status_code == 201
    # Chat is not affected.
    assert _post(client, attendee, live_session).status_code == 201


# ---------------------------------------------------------------- slow mode


def test_slow_mode_refuses_a_second_message_with_retry_after(client, attendee, make_user, moderator, live_session):
    patch_settings(client, moderator, live_session, slowModeSeconds=60)
    assert _post(client, attendee, live_session, "first").status_code == 201
    refused = _post(client, attendee, live_session, "second")
    assert refused.status_code == 429 and error_code(refused) == "slow_mode"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Per user: someone else may still talk; moderators are exempt.
    assert _post(client, make_user(), live_session).status_code == 201
    for text in ("m1", "m2", "m3"):
        assert _post(client, moderator, live_session, text).status_code == 201


def test_slow_mode_is_per_session(client, attendee, moderator, content):
    event_id = content.event()
    one, two = content.session(event_id), content.session(event_id)
    patch_settings(client, moderator, one, slowModeSeconds=60)
    assert _post(client, attendee, one).status_code == 201
    assert _post(client, attendee, two).status_code == 201
    assert _post(client, attendee, two).status_code == 201  # no slow mode there


def test_slow_mode_off_again_lets_messages_through(client, attendee, moderator, live_session):
    patch_settings(client, moderator, live_session, slowModeSeconds=60)
    assert _post(client, attendee, live_session).status_code == 201
    patch_settings(client, moderator, live_session, slowModeSeconds=0)
    assert _post(client, attendee, live_session).status_code == 201


# ---------------------------------------------------------------- blocked terms


def test_blocked_terms_refuse_messages_and_questions_without_echoing_the_term(
    client, monkeypatch, attendee, moderator, live_session
):
    patch_settings(client, moderator, live_session, blockedTerms=["zorglub", "free money"])
    emits = record_emits(monkeypatch)
    for response in (
        _post(client, attendee, live_session, "ZORGLUB!"),
        _post(client, attendee, live_session, "get Free   Money"),
        _ask(client, attendee, live_session, "is ｚｏｒｇｌｕｂ real?"),
        _post(client, moderator, live_session, "zorglub"),  # moderators too: only slow mode and on/off spare them
    ):
        assert response.status_code == 400 and error_code(response) == "blocked_term"
        body = response.get_data(as_text=True).lower()
        assert "zorglub" not in body and "money" not in body
    assert emits.events() == []
    assert _post(client, attendee, live_session, "zorglubs and moneyed are fine").status_code == 201


# ---------------------------------------------------------------- anonymous questions


def test_anonymous_is_refused_where_the_session_does_not_allow_it(client, attendee, live_session):
    response = _ask(client, attendee, live_session, anonymous=True)
    assert response.status_code == 400 and "anonymous" in response.get_json()["error"]["fields"]
    assert _ask(client, attendee, live_session, anonymous=False).status_code == 201


def test_anonymous_questions_hide_the_author_from_attendees_only(
    client, monkeypatch, attendee, make_user, moderator, live_session
):
    patch_settings(client, moderator, live_session, anonymousQuestions=True)
    emits = record_emits(monkeypatch)
    asked = _ask(client, attendee, live_session, "Who am I?", anonymous=True)
    assert asked.status_code == 201
    mine = asked.get_json()
    assert mine["isAnonymous"] is True and mine["userId"] is None and mine["user"] is None
    (broadcast,), _to = emits.only("questions_updated")
    assert broadcast["userId"] is None and broadcast["user"] is None
    other = client.get(f"/api/questions/session/{live_session}", headers=make_user().headers).get_json()
    assert other[0]["userId"] is None and other[0]["user"] is None
    staff = client.get(f"/api/questions/session/{live_session}", headers=moderator.headers).get_json()
    assert staff[0]["userId"] == attendee.id and staff[0]["user"]["id"] == attendee.id
