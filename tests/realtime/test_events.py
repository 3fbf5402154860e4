"""send_message / upvote_question / vote_poll, and REST changes reaching sockets."""

from __future__ import annotations

import gc
import uuid

import pytest
import sqlalchemy as sa
from flask.ctx import RequestContext
from werkzeug.exceptions import NotFound

from plataforma.extensions import db
from plataforma.models import Message
from tests.conftest import UserFactory


def _messages(app, session_id) -> list[str]:
    with app.app_context():
        query = sa.select(Message.text).where(Message.session_id == uuid.UUID(session_id)).order_by(Message.created_at)
        return list(db.session.scalars(query))


def _poll(client, moderator, session_id, *, active=True) -> dict:
    body = {"sessionId": session_id, "question": "Best?", "options": ["A", "B"], "isActive": active}
    response = client.post("/api/polls", json=body, headers=moderator.headers)
    assert response.status_code == 201, response.json
    return response.json


def _question(client, user, session_id, text="Why?") -> dict:
    response = client.post("/api/questions", json={"sessionId": session_id, "text": text}, headers=user.headers)
    assert response.status_code == 201, response.json
    return response.json


# ---------------------------------------------------------------- send_message


def test_send_message_persists_then_reaches_the_room_sender_included(app, joined, attendee, make_user, live_session):
    other = joined(make_user(), live_session)
    sender = joined(attendee, live_session)
    other.get_received()

    answer = sender.ack("send_message", {"sessionId": live_session, "text": "  hello\u0000 world  "})

    assert answer["ok"] is True
    message = answer["data"]
    assert message["text"] == "hello world"
    assert message["sessionId"] == live_session and message["userId"] == attendee.id
    assert message["user"]["id"] == attendee.id and message["isPinned"] is False and message["isDeleted"] is False
    assert message["createdAt"].endswith("Z")
    assert _messages(app, live_session) == ["hello world"]
    assert sender.events("new_message") == [message]
    assert other.events("new_message") == [message]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"sessionId": None, "text": "x"}, "sessionId"),
        ({"text": "x"}, "sessionId"),
        ({"sessionId": "SESSION"}, "text"),
        ({"sessionId": "SESSION", "text": ""}, "text"),
        ({"sessionId": "SESSION", "text": "   \u0007  "}, "text"),
        ({"sessionId": "SESSION", "text": "x" * 501}, "text"),
        ({"sessionId": "SESSION", "text": 5}, "text"),
        ({"sessionId": "SESSION", "text": "x", "isPinned": True}, "isPinned"),
    ],
)
def test_send_message_validates_like_rest(app, joined, attendee, live_session, payload, field):
    client = joined(attendee, live_session)
    payload = {key: (live_session if value == "SESSION" else value) for key, value in payload.items()}
    answer = client.ack("send_message", payload)
    assert answer["ok"] is False
    assert answer["error"]["code"] == "validation_error"
    assert field in answer["error"]["fields"]
    assert client.events("new_message") == []
    assert _messages(app, live_session) == []


def test_500_characters_are_accepted(joined, attendee, live_session):
    answer = joined(attendee, live_session).ack("send_message", {"sessionId": live_session, "text": "x" * 500})
    assert answer["ok"] is True


def test_a_client_must_join_before_sending(app, sio, joined, attendee, make_user, live_session):
    member = joined(make_user(), live_session)
    outsider = sio(attendee)
    answer = outsider.ack("send_message", {"sessionId": live_session, "text": "let me in"})
    assert answer["ok"] is False and answer["error"]["code"] == "not_joined"
    assert member.events("new_message") == []
    assert _messages(app, live_session) == []


def test_sending_to_an_invisible_session_is_not_found(sio, attendee, draft_session):
    answer = sio(attendee).ack("send_message", {"sessionId": draft_session, "text": "hi"})
    assert answer["ok"] is False and answer["error"]["code"] == "not_found"


def test_chat_flood_is_rate_limited_per_user_per_session(make_app, content, sio):
    app = make_app(CHAT_RATE_LIMIT="3 per minute")
    user = UserFactory(app)()
    one, two = content.session(), content.session()
    socket = sio(user, on_app=app)
    for session_id in (one, two):
        assert socket.ack("join_session", {"sessionId": session_id})["ok"]

    answers = [socket.ack("send_message", {"sessionId": one, "text": f"m{i}"}) for i in range(4)]

    assert [a["ok"] for a in answers] == [True, True, True, False]
    assert answers[3]["error"]["code"] == "rate_limited"
    assert answers[3]["error"]["message"].startswith("Too many messages")
    assert [m["text"] for m in socket.events("new_message")] == ["m0", "m1", "m2"]
    assert _messages(app, one) == ["m0", "m1", "m2"]
    # Another session has its own budget.
    assert socket.ack("send_message", {"sessionId": two, "text": "elsewhere"})["ok"] is True


def test_rest_and_socket_share_one_chat_budget(make_app, content, sio):
    app = make_app(CHAT_RATE_LIMIT="2 per minute")
    user = UserFactory(app)()
    session_id = content.session()
    socket = sio(user, on_app=app)
    assert socket.ack("join_session", {"sessionId": session_id})["ok"]
    rest = app.test_client()
    for text in ("rest 1", "rest 2"):
        assert (
            rest.post("/api/messages", headers=user.headers, json={"sessionId": session_id, "text": text}).status_code
            == 201
        )
    answer = socket.ack("send_message", {"sessionId": session_id, "text": "socket 3"})
    assert answer["ok"] is False and answer["error"]["code"] == "rate_limited"
    refused = rest.post("/api/messages", headers=user.headers, json={"sessionId": session_id, "text": "rest 4"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60  # the chat window, not the API's 15 minutes
    assert _messages(app, session_id) == ["rest 1", "rest 2"]


def test_a_message_that_fails_to_persist_is_neither_acknowledged_nor_broadcast(
    app, joined, attendee, make_user, live_session, monkeypatch
):
    watcher = joined(make_user(), live_session)
    sender = joined(attendee, live_session)
    watcher.get_received()

    def broken_commit(*_args, **_kwargs):
        raise sa.exc.OperationalError("COMMIT", {}, Exception("disk full"))

    monkeypatch.setattr(db.session, "commit", broken_commit)
    answer = sender.ack("send_message", {"sessionId": live_session, "text": "lost?"})
    monkeypatch.undo()

    assert answer["ok"] is False and answer["error"]["code"] == "service_unavailable"
    assert watcher.events("new_message") == [] and sender.events("new_message") == []
    assert _messages(app, live_session) == []


def test_an_unexpected_error_is_an_internal_error_ack(joined, attendee, live_session, monkeypatch):
    from plataforma.services import chat

    sender = joined(attendee, live_session)
    monkeypatch.setattr(chat, "post_messages", lambda *a, **k: 1 / 0)
    answer = sender.ack("send_message", {"sessionId": live_session, "text": "boom"})
    assert answer == {"ok": False, "error": {"code": "internal_error", "message": "An unexpected error occurred."}}
    assert sender.is_connected()
    monkeypatch.undo()
    assert sender.ack("send_message", {"sessionId": live_session, "text": "fine again"})["ok"] is True


# ---------------------------------------------------------------- upvote_question


def test_upvote_question_as_rest(client, joined, attendee, make_user, live_session):
    asker = make_user()
    question = _question(client, asker, live_session)
    watcher = joined(asker, live_session)
    voter = joined(attendee, live_session)
    watcher.get_received()

    answer = voter.ack("upvote_question", {"questionId": question["id"]})

    assert answer["ok"] is True
    assert answer["data"]["id"] == question["id"]
    assert answer["data"]["upvotes"] == 1 and answer["data"]["hasUpvoted"] is True
    [update] = watcher.events("questions_updated")
    assert [(q["id"], q["upvotes"]) for q in update] == [(question["id"], 1)]

    again = voter.ack("upvote_question", {"questionId": question["id"]})
    assert again["ok"] is False and again["error"]["code"] == "already_upvoted"
    assert watcher.events("questions_updated") == []


def test_upvote_question_errors(client, sio, joined, attendee, moderator, admin, make_user, content, live_session):
    in_draft = _question(client, admin, content.session(project_status="DRAFT"))
    hidden = _question(client, attendee, live_session, "hide me")
    assert client.patch(f"/api/questions/{hidden['id']}/hide", headers=moderator.headers).status_code == 200
    voter = joined(make_user(), live_session)

    def code(payload):
        answer = voter.ack("upvote_question", payload)
        assert answer["ok"] is False
        return answer["error"]["code"]

    assert code({"questionId": str(uuid.uuid4())}) == "not_found"
    assert code({"questionId": hidden["id"]}) == "not_found"
    assert code({"questionId": in_draft["id"]}) == "not_found"
    assert code({"questionId": "nope"}) == "validation_error"
    assert code({}) == "validation_error"


# ---------------------------------------------------------------- vote_poll


def test_vote_poll_as_rest(client, joined, attendee, moderator, make_user, live_session):
    poll = _poll(client, moderator, live_session)
    watcher = joined(make_user(), live_session)
    voter = joined(attendee, live_session)
    watcher.get_received()
    option = poll["options"][1]["id"]

    answer = voter.ack("vote_poll", {"pollId": poll["id"], "optionId": option})

    assert answer["ok"] is True
    assert answer["data"]["userVoteOptionId"] == option
    assert [o["votes"] for o in answer["data"]["options"]] == [0, 1] and answer["data"]["totalVotes"] == 1
    [update] = watcher.events("poll_updated")
    assert update["id"] == poll["id"] and update["totalVotes"] == 1
    assert "userVoteOptionId" not in update

    again = voter.ack("vote_poll", {"pollId": poll["id"], "optionId": option})
    assert again["ok"] is False and again["error"]["code"] == "already_voted"


def test_vote_poll_errors(client, joined, moderator, admin, make_user, content, live_session):
    inactive = _poll(client, moderator, live_session, active=False)
    in_draft = _poll(client, admin, content.session(project_status="DRAFT"))
    active = _poll(client, moderator, live_session)
    voter = joined(make_user(), live_session)

    def error(payload):
        answer = voter.ack("vote_poll", payload)
        assert answer["ok"] is False
        return answer["error"]

    assert error({"pollId": inactive["id"], "optionId": inactive["options"][0]["id"]})["code"] == "poll_inactive"
    wrong_option = error({"pollId": active["id"], "optionId": inactive["options"][0]["id"]})
    assert wrong_option["code"] == "invalid_option" and "optionId" in wrong_option["fields"]
    assert error({"pollId": in_draft["id"], "optionId": in_draft["options"][0]["id"]})["code"] == "not_found"
    assert error({"pollId": str(uuid.uuid4()), "optionId": str(uuid.uuid4())})["code"] == "not_found"
    assert error({"pollId": active["id"]})["code"] == "validation_error"


def test_upvote_and_vote_need_no_join_like_rest(client, sio, joined, attendee, moderator, make_user, content):
    """SPEC §7: "as the REST upvote/vote": visibility is checked (404), joining the session is not."""
    session = content.session()
    question = _question(client, make_user(), session)
    poll = _poll(client, moderator, session)
    watcher = joined(make_user(), session)
    outsider = sio(attendee)  # has joined nothing

    upvoted = outsider.ack("upvote_question", {"questionId": question["id"]})
    voted = outsider.ack("vote_poll", {"pollId": poll["id"], "optionId": poll["options"][0]["id"]})

    assert upvoted["ok"] is True and upvoted["data"]["upvotes"] == 1
    assert voted["ok"] is True and voted["data"]["totalVotes"] == 1
    assert len(watcher.events("questions_updated")) == 1 and len(watcher.events("poll_updated")) == 1
    assert outsider.events("questions_updated") == [] and outsider.events("poll_updated") == []


# ---------------------------------------------------------------- REST -> socket


def test_rest_changes_reach_the_room(client, joined, attendee, moderator, live_session, content):
    socket = joined(attendee, live_session)
    bystander = joined(attendee, content.session())

    posted = client.post(
        "/api/messages", json={"sessionId": live_session, "text": "via REST"}, headers=attendee.headers
    )
    assert posted.status_code == 201
    assert socket.events("new_message") == [posted.json]

    message_id = posted.json["id"]
    assert client.patch(f"/api/messages/{message_id}/pin", headers=moderator.headers).status_code == 200
    assert socket.events("message_pinned") == [{"messageId": message_id, "isPinned": True}]
    assert client.delete(f"/api/messages/{message_id}", headers=moderator.headers).status_code == 204
    assert socket.events("message_deleted") == [{"messageId": message_id}]

    question = _question(client, attendee, live_session)
    assert [q["id"] for q in socket.events("questions_updated")[-1]] == [question["id"]]

    poll = _poll(client, moderator, live_session)
    assert socket.events("poll_updated")[-1]["id"] == poll["id"]

    assert bystander.get_received() == []


def test_socket_events_leave_no_request_context_to_the_cyclic_collector(joined, sio, attendee, live_session):
    """Each event's Flask request context is freed when the event ends, not at the next collection
    (every event used to leave one in a reference cycle through its routing ``NotFound``)."""
    sender = joined(attendee, live_session)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        assert sender.ack("send_message", {"sessionId": live_session, "text": "hi"})["ok"] is True
        assert sender.ack("no_such_event", {})["error"]["code"] == "unknown_event"
        sio(attendee).disconnect()  # connect and disconnect run in such a context too
        gc.collect()
        left = [type(obj).__name__ for obj in gc.garbage if isinstance(obj, RequestContext | NotFound)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []
