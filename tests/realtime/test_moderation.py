"""Moderation controls over Socket.IO (SPEC §15): settings, slow mode, blocked terms, the approval
queue (never leaked to attendees), poll results visibility, and bans (eviction, refusals)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import SessionView
from tests.api.interaction_support import seed_poll, seed_question
from tests.api.moderation_support import ban, event_of, expire_ban, patch_settings


def _send(socket, session_id, text="hi"):
    return socket.ack("send_message", {"sessionId": session_id, "text": text})


# ---------------------------------------------------------------- settings


def test_session_settings_reaches_the_room_numbered(client, joined, attendee, moderator, live_session):
    watcher = joined(attendee, live_session)
    settings = patch_settings(client, moderator, live_session, chatEnabled=False).get_json()
    received = [item for item in watcher.get_received() if item["name"] == "session_settings"]
    assert len(received) == 1
    data, meta = received[0]["args"]
    assert data == {"sessionId": live_session, "settings": settings}
    assert meta["sessionId"] == live_session and meta["seq"] >= 1
    # Resume replays it.
    again = joined(attendee, live_session)
    answer = again.ack("join_session", {"sessionId": live_session, "afterSeq": 0})
    assert answer["ok"]


def test_chat_off_and_moderators_exempt_on_sockets(client, joined, attendee, moderator, live_session):
    patch_settings(client, moderator, live_session, chatEnabled=False)
    answer = _send(joined(attendee, live_session), live_session)
    assert answer["ok"] is False and answer["error"]["code"] == "chat_disabled"
    assert _send(joined(moderator, live_session), live_session)["ok"] is True


def test_slow_mode_ack_carries_retry_after(client, joined, attendee, moderator, live_session):
    patch_settings(client, moderator, live_session, slowModeSeconds=120)
    socket = joined(attendee, live_session)
    assert _send(socket, live_session, "one")["ok"] is True
    refused = _send(socket, live_session, "two")
    assert refused["ok"] is False and refused["error"]["code"] == "slow_mode"
    assert 1 <= refused["error"]["retryAfter"] <= 120
    # Shared with REST: the REST path is refused too.
    rest = client.post("/api/messages", json={"sessionId": live_session, "text": "3"}, headers=attendee.headers)
    assert rest.status_code == 429 and rest.get_json()["error"]["code"] == "slow_mode"
    mod = joined(moderator, live_session)
    assert all(_send(mod, live_session, t)["ok"] for t in ("a", "b"))


def test_slow_mode_with_redis_is_shared_by_processes(make_app, redis_url, unique_prefix, content):
    from tests.conftest import UserFactory
    from tests.realtime.e2e import JWT_SECRET_KEY, SECRET_KEY

    config = {"REDIS_URL": redis_url, "RATELIMIT_KEY_PREFIX": unique_prefix, "SOCKETIO_CHANNEL": unique_prefix}
    config |= {"SECRET_KEY": SECRET_KEY, "JWT_SECRET_KEY": JWT_SECRET_KEY}  # one deployment: one signing key
    first, second = make_app(**config), make_app(**config)
    user, moderator = UserFactory(first)(), UserFactory(first)("MODERATOR")
    session_id = content.session()
    patch_settings(first.test_client(), moderator, session_id, slowModeSeconds=60)
    body = {"sessionId": session_id, "text": "one"}
    assert first.test_client().post("/api/messages", json=body, headers=user.headers).status_code == 201
    refused = second.test_client().post("/api/messages", json=body, headers=user.headers)
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "slow_mode"


def test_blocked_term_on_sockets_never_echoes_the_term(client, joined, attendee, moderator, live_session):
    patch_settings(client, moderator, live_session, blockedTerms=["frobnicate"])
    socket = joined(attendee, live_session)
    answer = _send(socket, live_session, "let us FROBNICATE")
    assert answer["ok"] is False and answer["error"]["code"] == "blocked_term"
    assert "frobnicate" not in str(answer).lower()
    assert socket.events("new_message") == []


# ---------------------------------------------------------------- the approval queue


def test_the_queue_never_leaks_to_attendee_sockets(client, joined, attendee, make_user, moderator, live_session):
    patch_settings(client, moderator, live_session, questionModeration=True)
    viewer = joined(make_user(), live_session)
    author = joined(attendee, live_session)
    mod = joined(moderator, live_session)
    asked = client.post("/api/questions", json={"sessionId": live_session, "text": "secret?"}, headers=attendee.headers)
    question_id = asked.get_json()["id"]
    for socket in (viewer, author):
        received = socket.get_received()
        assert all(item["name"] != "question_pending" for item in received)
        assert question_id not in str(received)  # in no payload at all
    pending = mod.events("question_pending")
    assert len(pending) == 1 and pending[0]["question"]["id"] == question_id
    # An update of the room while it is pending still leaves it out.
    visible = client.post("/api/questions", json={"sessionId": live_session, "text": "ok"}, headers=moderator.headers)
    updates = viewer.events("questions_updated")
    assert updates and all(question_id not in [q["id"] for q in update] for update in updates)
    assert [q["id"] for q in updates[-1]] == [visible.get_json()["id"]]
    # Approved: now it is in questions_updated.
    client.patch(f"/api/questions/{question_id}/approve", headers=moderator.headers)
    assert question_id in [q["id"] for q in viewer.events("questions_updated")[-1]]


def test_a_moderator_who_left_no_longer_hears_the_queue(client, joined, attendee, moderator, live_session):
    patch_settings(client, moderator, live_session, questionModeration=True)
    mod = joined(moderator, live_session)
    assert mod.ack("leave_session", {"sessionId": live_session})["ok"]
    client.post("/api/questions", json={"sessionId": live_session, "text": "q"}, headers=attendee.headers)
    assert mod.events("question_pending") == []


def test_anonymous_author_hidden_in_room_events(client, joined, attendee, moderator, live_session):
    patch_settings(client, moderator, live_session, anonymousQuestions=True)
    viewer = joined(moderator, live_session)
    body = {"sessionId": live_session, "text": "anon?", "anonymous": True}
    client.post("/api/questions", json=body, headers=attendee.headers)
    (question,) = viewer.events("questions_updated")[-1]
    assert question["userId"] is None and question["user"] is None and question["isAnonymous"] is True


# ---------------------------------------------------------------- poll results visibility


def test_after_close_on_sockets(client, joined, attendee, make_user, moderator, live_session):
    body = {
        "sessionId": live_session,
        "question": "Q",
        "options": ["A", "B"],
        "isActive": True,
        "resultsVisibility": "AFTER_CLOSE",
    }
    poll = client.post("/api/polls", json=body, headers=moderator.headers).get_json()
    viewer = joined(make_user(), live_session)
    mod = joined(moderator, live_session)
    voter = joined(attendee, live_session)
    answer = voter.ack("vote_poll", {"pollId": poll["id"], "optionId": poll["options"][0]["id"]})
    assert answer["ok"] and answer["data"]["totalVotes"] is None
    assert answer["data"]["options"][0]["votes"] is None
    update = viewer.events("poll_updated")[-1]
    assert update["totalVotes"] is None and all(o["votes"] is None for o in update["options"])
    assert viewer.events("poll_results") == []
    results = mod.events("poll_results")
    assert results and results[-1]["totalVotes"] == 1
    client.patch(f"/api/polls/{poll['id']}/activate", json={"isActive": False}, headers=moderator.headers)
    closed = viewer.events("poll_updated")[-1]
    assert closed["isActive"] is False and closed["totalVotes"] == 1


# ---------------------------------------------------------------- bans


def test_a_ban_takes_the_users_sockets_out_of_the_event_at_once(
    app, client, joined, sio, attendee, make_user, moderator, content, background_tasks
):
    event_id = content.event()
    one, two = content.session(event_id), content.session(event_id)
    elsewhere = content.session()
    banned_socket = joined(attendee, one)
    assert banned_socket.ack("join_session", {"sessionId": two})["ok"]
    assert banned_socket.ack("join_session", {"sessionId": elsewhere})["ok"]
    banned_socket.get_received()
    witness = joined(make_user(), one)

    created = ban(client, moderator, event_id, attendee, durationSeconds=600, reason="spam").get_json()

    told = banned_socket.events("banned")
    assert told == [{"eventId": event_id, "until": created["until"], "reason": "spam"}]
    # Out of both rooms of the event, not of the other event's.
    client.post("/api/messages", json={"sessionId": one, "text": "room one"}, headers=moderator.headers)
    client.post("/api/messages", json={"sessionId": elsewhere, "text": "elsewhere"}, headers=moderator.headers)
    heard = [m["text"] for m in banned_socket.events("new_message")]
    assert heard == ["elsewhere"]
    assert [m["text"] for m in witness.events("new_message")] == ["room one"]
    assert witness.events("viewer_count")[-1] == {"sessionId": one, "count": 1}
    # Its visits are closed (by a background task).
    for task in background_tasks:
        task.join(timeout=10)
    with app.app_context():
        open_visits = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(SessionView)
            .where(SessionView.user_id == uuid.UUID(attendee.id), SessionView.left_at.is_(None))
        )
    assert open_visits == 1  # the other event's session only
    # Refused from now on, with ``banned``.
    for session_id in (one, two):
        join = banned_socket.ack("join_session", {"sessionId": session_id})
        assert join["ok"] is False and join["error"]["code"] == "banned"
        assert _send(banned_socket, session_id)["error"]["code"] == "banned"
    question = seed_question(app, one, moderator.id)
    poll = seed_poll(app, one, active=True)
    assert banned_socket.ack("upvote_question", {"questionId": question})["error"]["code"] == "banned"
    vote = banned_socket.ack("vote_poll", {"pollId": poll["id"], "optionId": poll["options"][0]})
    assert vote["error"]["code"] == "banned"
    assert banned_socket.ack("send_reaction", {"sessionId": one, "type": "like"})["error"]["code"] == "banned"
    assert banned_socket.ack("send_reaction", {"sessionId": elsewhere, "type": "like"})["ok"] is True
    # A fresh socket is refused too.
    assert sio(attendee).ack("join_session", {"sessionId": one})["error"]["code"] == "banned"


def test_lifted_or_expired_ban_lets_the_user_back(app, client, sio, attendee, moderator, live_session):
    event_id = event_of(app, live_session)
    ban(client, moderator, event_id, attendee, durationSeconds=600)
    socket = sio(attendee)
    assert socket.ack("join_session", {"sessionId": live_session})["error"]["code"] == "banned"
    expire_ban(app, event_id, attendee.id)
    assert socket.ack("join_session", {"sessionId": live_session})["ok"] is True
    ban(client, moderator, event_id, attendee)  # until lifted: the joined socket is taken out again
    assert socket.events("banned")[-1]["until"] is None
    assert socket.ack("join_session", {"sessionId": live_session})["error"]["code"] == "banned"
    client.delete(f"/api/events/{event_id}/bans/{attendee.id}", headers=moderator.headers)
    assert socket.ack("join_session", {"sessionId": live_session})["ok"] is True
    assert _send(socket, live_session)["ok"] is True


def test_the_ban_check_on_reactions_costs_no_query(app, sio, client, attendee, moderator, live_session, count_queries):
    socket = sio(attendee)
    assert socket.ack("send_reaction", {"sessionId": live_session, "type": "like"})["ok"]  # caches warm up
    with count_queries() as queries:
        for _ in range(5):
            assert socket.ack("send_reaction", {"sessionId": live_session, "type": "clap"})["ok"]
    assert queries.count == 0
    ban(client, moderator, event_of(app, live_session), attendee)  # invalidates the cache at once
    assert socket.ack("send_reaction", {"sessionId": live_session, "type": "like"})["error"]["code"] == "banned"
