"""Event bans and the audit log (SPEC §15), over REST."""

from __future__ import annotations

import uuid

import pytest

from tests.api.interaction_support import error_code, record_emits, seed_poll, seed_question, seed_survey
from tests.api.moderation_support import audit_actions, ban, event_of, expire_ban, patch_settings


@pytest.fixture
def event_id(content):
    return content.event()


@pytest.fixture
def session_id(content, event_id):
    return content.session(event_id)


def _banned_everywhere(app, client, user, session_id) -> dict:
    """Each participation path §15 lists -> its status code (and error code)."""
    poll = seed_poll(app, session_id, active=True)
    question = seed_question(app, session_id, user.id, "q")
    survey = seed_survey(app, session_id)
    headers = user.headers
    answers = {
        "chat": client.post("/api/messages", json={"sessionId": session_id, "text": "hi"}, headers=headers),
        "question": client.post("/api/questions", json={"sessionId": session_id, "text": "q?"}, headers=headers),
        "upvote": client.patch(f"/api/questions/{question}/upvote", headers=headers),
        "vote": client.post(
            "/api/polls/vote", json={"pollId": poll["id"], "optionId": poll["options"][0]}, headers=headers
        ),
        "survey": client.post(
            "/api/surveys/response",
            json={"surveyId": survey["id"], "responses": {survey["rating"]: 5}},
            headers=headers,
        ),
        "reaction": client.post("/api/reactions", json={"sessionId": session_id, "type": "like"}, headers=headers),
    }
    return {name: (r.status_code, (r.get_json() or {}).get("error", {}).get("code")) for name, r in answers.items()}


def test_a_banned_user_is_refused_everywhere_in_the_event(app, client, attendee, moderator, event_id, session_id):
    created = ban(client, moderator, event_id, attendee, durationSeconds=600, reason="spam")
    assert created.status_code == 201
    body = created.get_json()
    assert body["userId"] == attendee.id and body["eventId"] == event_id and body["reason"] == "spam"
    assert body["createdBy"] == moderator.id and body["until"].endswith("Z")
    refused = _banned_everywhere(app, client, attendee, session_id)
    assert refused == {name: (403, "banned") for name in refused}


def test_a_ban_is_per_event(app, client, attendee, moderator, content, event_id):
    ban(client, moderator, event_id, attendee)
    elsewhere = content.session()
    allowed = _banned_everywhere(app, client, attendee, elsewhere)
    assert allowed == {
        "chat": (201, None),
        "question": (201, None),
        "upvote": (200, None),
        "vote": (201, None),
        "survey": (201, None),
        "reaction": (202, None),
    }


def test_lifting_and_expiry_end_a_ban(app, client, attendee, make_user, moderator, event_id, session_id):
    def chat(user):
        body = {"sessionId": session_id, "text": "back"}
        return client.post("/api/messages", json=body, headers=user.headers).status_code

    ban(client, moderator, event_id, attendee)  # until lifted
    assert client.get(f"/api/events/{event_id}/bans", headers=moderator.headers).get_json()[0]["until"] is None
    assert chat(attendee) == 403
    assert client.delete(f"/api/events/{event_id}/bans/{attendee.id}", headers=moderator.headers).status_code == 204
    assert chat(attendee) == 201
    again = client.delete(f"/api/events/{event_id}/bans/{attendee.id}", headers=moderator.headers)
    assert again.status_code == 404

    other = make_user()
    ban(client, moderator, event_id, other, durationSeconds=3600)
    assert chat(other) == 403
    expire_ban(app, event_id, other.id)  # no job: the end is checked on use
    assert chat(other) == 201
    assert client.get(f"/api/events/{event_id}/bans", headers=moderator.headers).get_json() == []


def test_banning_again_replaces_the_ban(client, attendee, moderator, event_id):
    ban(client, moderator, event_id, attendee, durationSeconds=600)
    ban(client, moderator, event_id, attendee, reason="for good")
    listed = client.get(f"/api/events/{event_id}/bans", headers=moderator.headers).get_json()
    assert len(listed) == 1 and listed[0]["until"] is None and listed[0]["reason"] == "for good"


def test_staff_cannot_be_banned(client, moderator, make_user, admin, event_id):
    for target in (make_user("MODERATOR"), admin):
        response = ban(client, moderator, event_id, target)
        assert response.status_code == 409 and error_code(response) == "cannot_ban_staff"


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 403), ("moderator", 201), ("admin", 201)])
def test_ban_permissions(client, users, make_user, event_id, role, status):
    target = make_user()
    response = client.post(f"/api/events/{event_id}/bans", json={"userId": target.id}, headers=users[role])
    assert response.status_code == status


@pytest.mark.parametrize("path", ["bans", "audit"])
@pytest.mark.parametrize("role, status", [("anonymous", 401), ("attendee", 403), ("moderator", 200), ("admin", 200)])
def test_list_permissions(client, users, event_id, path, role, status):
    assert client.get(f"/api/events/{event_id}/{path}", headers=users[role]).status_code == status


@pytest.mark.parametrize(
    "body, field",
    [
        ({"durationSeconds": 0}, "durationSeconds"),
        ({"durationSeconds": "60"}, "durationSeconds"),
        ({"reason": "x" * 501}, "reason"),
        ({"userId": "nope"}, "userId"),
        ({"extra": 1}, "extra"),
    ],
)
def test_ban_validation(client, attendee, moderator, event_id, body, field):
    response = client.post(
        f"/api/events/{event_id}/bans", json={"userId": attendee.id} | body, headers=moderator.headers
    )
    assert response.status_code == 400 and field in response.get_json()["error"]["fields"]


def test_ban_unknown_user_or_event_is_not_found(client, moderator, attendee, event_id, content):
    unknown = {"userId": str(uuid.uuid4())}
    assert client.post(f"/api/events/{event_id}/bans", json=unknown, headers=moderator.headers).status_code == 404
    draft = content.event(project_status="DRAFT")
    assert ban(client, moderator, draft, attendee).status_code == 404


def test_ban_enqueues_user_banned_webhook(app, client, monkeypatch, admin, attendee, moderator, event_id):
    import sqlalchemy as sa

    from plataforma.extensions import db
    from plataforma.models import WebhookDelivery
    from tests.webhook_support import install_dns

    install_dns(monkeypatch)["hooks.example.com"] = ["93.184.215.14"]
    hook = {"url": "https://hooks.example.com/bans", "events": ["user.banned"]}
    assert client.post("/api/webhooks", json=hook, headers=admin.headers).status_code == 201
    body = ban(client, moderator, event_id, attendee, reason="spam").get_json()
    with app.app_context():
        delivery = db.session.scalar(sa.select(WebhookDelivery))
        assert delivery.event == "user.banned" and delivery.payload["data"] == body


# ---------------------------------------------------------------- the audit log


def test_every_moderator_action_is_audited(app, client, monkeypatch, attendee, moderator, admin, event_id, session_id):
    record_emits(monkeypatch)
    headers = moderator.headers
    message = client.post("/api/messages", json={"sessionId": session_id, "text": "hi"}, headers=attendee.headers)
    message_id = message.get_json()["id"]
    client.patch(f"/api/messages/{message_id}/pin", headers=headers)
    client.patch(f"/api/messages/{message_id}/pin", headers=headers)
    client.delete(f"/api/messages/{message_id}", headers=headers)
    question = client.post("/api/questions", json={"sessionId": session_id, "text": "q"}, headers=attendee.headers)
    question_id = question.get_json()["id"]
    client.patch(f"/api/questions/{question_id}/answer", headers=headers)
    client.patch(f"/api/questions/{question_id}/hide", headers=headers)
    patch_settings(client, moderator, session_id, questionModeration=True)
    pending = client.post("/api/questions", json={"sessionId": session_id, "text": "p"}, headers=attendee.headers)
    client.patch(f"/api/questions/{pending.get_json()['id']}/approve", headers=headers)
    body = {"sessionId": session_id, "question": "Q", "options": ["A", "B"]}
    poll = client.post("/api/polls", json=body, headers=headers).get_json()
    client.patch(f"/api/polls/{poll['id']}/activate", headers=headers)
    client.patch(f"/api/polls/{poll['id']}/activate", headers=headers)
    ban(client, moderator, event_id, attendee, durationSeconds=60)
    client.delete(f"/api/events/{event_id}/bans/{attendee.id}", headers=headers)
    product = client.post("/api/products", json={"name": "Mug", "price": "9.90"}, headers=admin.headers)
    product_id = product.get_json()["id"]
    client.post(f"/api/sessions/{session_id}/products", json={"productId": product_id}, headers=headers)
    client.patch(f"/api/sessions/{session_id}/products/{product_id}", json={"featured": True}, headers=headers)
    client.delete(f"/api/sessions/{session_id}/products/{product_id}", headers=headers)

    assert audit_actions(app, event_id) == [
        "message.pin",
        "message.unpin",
        "message.delete",
        "question.answer",
        "question.hide",
        "session.settings",
        "question.approve",
        "poll.create",
        "poll.open",
        "poll.close",
        "user.ban",
        "user.unban",
        "product.attach",
        "product.feature",
        "product.detach",
    ]
    entries = client.get(f"/api/events/{event_id}/audit?limit=200", headers=headers).get_json()
    assert [e["action"] for e in entries][0] == "product.detach"  # newest first
    ban_entry = next(e for e in entries if e["action"] == "user.ban")
    assert ban_entry["actorId"] == moderator.id and ban_entry["targetType"] == "user"
    assert ban_entry["targetId"] == attendee.id and ban_entry["details"]["durationSeconds"] == 60
    assert ban_entry["sessionId"] is None and ban_entry["eventId"] == event_id
    pin = next(e for e in entries if e["action"] == "message.pin")
    assert pin["sessionId"] == session_id and pin["targetId"] == message_id


def test_the_audit_log_pages_back_with_before(app, client, moderator, event_id, session_id):
    for seconds in range(1, 8):
        patch_settings(client, moderator, session_id, slowModeSeconds=seconds)
    url = f"/api/events/{event_id}/audit"
    everything = client.get(url, headers=moderator.headers).get_json()
    assert [e["details"]["slowModeSeconds"] for e in everything] == [7, 6, 5, 4, 3, 2, 1]
    first = client.get(url + "?limit=3", headers=moderator.headers).get_json()
    second = client.get(url + f"?limit=3&before={first[-1]['id']}", headers=moderator.headers).get_json()
    third = client.get(url + f"?limit=3&before={second[-1]['id']}", headers=moderator.headers).get_json()
    assert [e["id"] for e in first + second + third] == [e["id"] for e in everything]
    bad = client.get(url + f"?before={uuid.uuid4()}", headers=moderator.headers)
    assert bad.status_code == 400 and error_code(bad) == "invalid_cursor"
    assert client.get(url + "?limit=0", headers=moderator.headers).status_code == 400


def test_the_audit_log_cannot_be_changed_through_the_api(client, moderator, event_id):
    url = f"/api/events/{event_id}/audit"
    for method in ("post", "patch", "put", "delete"):
        assert getattr(client, method)(url, headers=moderator.headers).status_code == 405


def test_a_rolled_back_action_leaves_no_entry(app, client, moderator, event_id, session_id):
    patch_settings(client, moderator, session_id, slowModeSeconds=9999)  # 400: nothing done
    response = client.post(f"/api/events/{event_id}/bans", json={"userId": moderator.id}, headers=moderator.headers)
    assert response.status_code == 409
    assert audit_actions(app, event_of(app, session_id)) == []
