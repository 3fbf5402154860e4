"""join_session / leave_session / disconnect: rooms, viewer counts, payload validation."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from flask import request
from redis import exceptions as redis_errors

from plataforma.extensions import db
from plataforma.models import SessionView
from plataforma.realtime import guard
from plataforma.realtime.connections import presence
from tests.conftest import UserFactory


def test_join_answers_the_viewer_count_and_tells_the_room(sio, attendee, make_user, live_session):
    first = sio(attendee)
    answer = first.ack("join_session", {"sessionId": live_session})
    assert answer == {"ok": True, "data": {"sessionId": live_session, "viewerCount": 1, "seq": 0}}
    assert first.events("viewer_count") == [{"sessionId": live_session, "count": 1}]

    second = sio(make_user())
    assert second.ack("join_session", {"sessionId": live_session})["data"]["viewerCount"] == 2
    assert first.events("viewer_count") == [{"sessionId": live_session, "count": 2}]
    assert second.events("viewer_count") == [{"sessionId": live_session, "count": 2}]


def test_two_tabs_of_one_user_count_once(sio, joined, attendee, make_user, live_session):
    watcher = joined(make_user(), live_session)
    tab1 = joined(attendee, live_session)
    tab2 = sio(attendee)
    assert tab2.ack("join_session", {"sessionId": live_session})["data"]["viewerCount"] == 2
    # The second tab does not change the count: the room hears nothing new.
    assert [e["count"] for e in watcher.events("viewer_count")] == [2]

    tab1.disconnect()
    assert watcher.events("viewer_count") == []
    tab2.disconnect()
    assert watcher.events("viewer_count") == [{"sessionId": live_session, "count": 1}]


def test_joining_twice_on_one_socket_is_harmless(sio, attendee, live_session):
    client = sio(attendee)
    assert client.ack("join_session", {"sessionId": live_session})["data"]["viewerCount"] == 1
    assert client.ack("join_session", {"sessionId": live_session})["data"]["viewerCount"] == 1
    assert client.ack("leave_session", {"sessionId": live_session})["data"]["viewerCount"] == 0


def test_leave_answers_and_tells_the_room(joined, attendee, make_user, live_session):
    watcher = joined(make_user(), live_session)
    leaver = joined(attendee, live_session)
    watcher.get_received()

    answer = leaver.ack("leave_session", {"sessionId": live_session})

    assert answer == {"ok": True, "data": {"sessionId": live_session, "viewerCount": 1}}
    assert watcher.events("viewer_count") == [{"sessionId": live_session, "count": 1}]
    # Out of the room: no more room events.
    watcher.ack("send_message", {"sessionId": live_session, "text": "bye"})
    assert leaver.events("new_message") == []


def test_disconnect_drops_the_count(joined, attendee, make_user, live_session):
    watcher = joined(make_user(), live_session)
    leaver = joined(attendee, live_session)
    watcher.get_received()
    leaver.disconnect()
    assert watcher.events("viewer_count") == [{"sessionId": live_session, "count": 1}]


def test_leaving_is_idempotent(sio, joined, attendee, make_user, live_session, draft_session):
    """Leaving twice, or a session never joined, answers the current count (it used to be not_joined)."""
    joined(make_user(), live_session)
    client = joined(attendee, live_session)
    assert client.ack("leave_session", {"sessionId": live_session})["data"]["viewerCount"] == 1
    assert client.ack("leave_session", {"sessionId": live_session}) == {
        "ok": True,
        "data": {"sessionId": live_session, "viewerCount": 1},
    }
    assert sio(attendee).ack("leave_session", {"sessionId": live_session})["data"]["viewerCount"] == 1
    # ...but not for a session it may not see (no viewer count of a hidden session).
    assert client.ack("leave_session", {"sessionId": draft_session})["error"]["code"] == "not_found"


def test_rooms_are_isolated(joined, attendee, make_user, content):
    one, two = content.session(), content.session()
    in_one = joined(attendee, one)
    in_two = joined(make_user(), two)
    assert in_one.ack("send_message", {"sessionId": one, "text": "only for one"})["ok"]
    assert [m["text"] for m in in_one.events("new_message")] == ["only for one"]
    assert in_two.events("new_message") == []
    assert in_two.events("viewer_count") == []


@pytest.mark.parametrize("event", ["join_session", "leave_session"])
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (None, "body"),
        ("a string", "body"),
        ([1, 2], "body"),
        ({}, "sessionId"),
        ({"sessionId": "not-a-uuid"}, "sessionId"),
        ({"sessionId": None}, "sessionId"),
        ({"sessionId": str(uuid.uuid4()), "extra": 1}, "extra"),
    ],
)
def test_bad_payloads_are_validation_errors(sio, attendee, event, payload, field):
    client = sio(attendee)
    answer = client.ack(event, payload) if payload is not None else client.ack(event)
    assert answer["ok"] is False
    assert answer["error"]["code"] == "validation_error"
    assert field in answer["error"]["fields"]
    assert client.is_connected()


def test_an_unknown_session_is_not_found(sio, attendee):
    answer = sio(attendee).ack("join_session", {"sessionId": str(uuid.uuid4())})
    assert answer == {"ok": False, "error": {"code": "not_found", "message": "Session not found."}}


def test_a_draft_session_is_hidden_from_attendees_but_not_admins(sio, attendee, moderator, admin, draft_session):
    for user in (attendee, moderator):
        assert sio(user).ack("join_session", {"sessionId": draft_session})["error"]["code"] == "not_found"
    assert sio(admin).ack("join_session", {"sessionId": draft_session})["ok"] is True


def test_an_unknown_event_is_answered(sio, attendee):
    answer = sio(attendee).ack("launch_rockets", {"now": True})
    assert answer["ok"] is False and answer["error"]["code"] == "unknown_event"


def test_the_test_only_slow_query_event_is_not_in_the_package(sio, attendee):
    answer = sio(attendee).ack("debug_slow_query", {"seconds": 0})
    assert answer["ok"] is False and answer["error"]["code"] == "unknown_event"


def test_big_rooms_hear_coalesced_counts(make_app, content, sio, background_tasks):
    app = make_app(VIEWER_COUNT_IMMEDIATE_MAX=2, VIEWER_COUNT_INTERVAL=2)
    users = UserFactory(app)
    session_id = content.session()
    watcher = sio(users(), on_app=app)
    answers = [watcher.ack("join_session", {"sessionId": session_id})]
    for _ in range(3):
        answers.append(sio(users(), on_app=app).ack("join_session", {"sessionId": session_id}))
    assert [a["data"]["viewerCount"] for a in answers] == [1, 2, 3, 4]  # acks stay exact

    for task in background_tasks:
        task.join(timeout=5)

    # 1 was sent at once; 2, 3 and 4 arrived while one broadcast was pending: it carried 4.
    assert watcher.events("viewer_count") == [{"sessionId": session_id, "count": c} for c in (1, 4)]


# ---------------------------------------------------------------- races, failures, floods


def _open_visits(app) -> int:
    with app.app_context():
        query = sa.select(sa.func.count()).select_from(SessionView).where(SessionView.left_at.is_(None))
        count = db.session.scalar(query)
        db.session.remove()
        return count


def _count(app, session_id) -> int:
    with app.app_context():
        return presence().count(session_id)


def test_a_join_racing_a_disconnect_leaves_no_ghost_viewer(app, sio, attendee, live_session, monkeypatch):
    """The disconnect ran between the join's token check and its lock: the join went on, counted a
    viewer and opened a visit for a connection that was gone (for good: nobody would remove them)."""
    client = sio(attendee)
    check = guard.current_actor

    def disconnect_meanwhile(conn):
        actor = check(conn)
        if request.event["message"] == "join_session":
            client.disconnect()  # the disconnect handler runs now, before the join takes the lock
        return actor

    monkeypatch.setattr(guard, "current_actor", disconnect_meanwhile)
    client.emit("join_session", {"sessionId": live_session}, callback=True)

    assert _count(app, live_session) == 0
    assert _open_visits(app) == 0
    assert app.extensions["plataforma.connections"].all() == []


def test_a_redis_error_at_disconnect_still_closes_every_visit(app, sio, attendee, content, monkeypatch):
    """The first presence failure used to abort the disconnect before any visit was closed."""
    one, two = content.session(), content.session()
    client = sio(attendee)
    for session_id in (one, two):
        assert client.ack("join_session", {"sessionId": session_id})["ok"]
    assert _open_visits(app) == 2
    with app.app_context():
        store = presence()
    leave = store.leave
    calls = []

    def flaky(session_id, user_id):
        calls.append(session_id)
        if len(calls) == 1:
            raise redis_errors.ConnectionError("Redis is down")
        return leave(session_id, user_id)

    monkeypatch.setattr(store, "leave", flaky)
    client.disconnect()

    assert len(calls) == 2  # the second session was still left
    assert _open_visits(app) == 0


def test_a_redis_error_at_leave_still_closes_the_visit(app, joined, attendee, live_session, monkeypatch):
    client = joined(attendee, live_session)
    with app.app_context():
        store = presence()

    def down(*_args):
        raise redis_errors.ConnectionError("Redis is down")

    monkeypatch.setattr(store, "leave", down)
    answer = client.ack("leave_session", {"sessionId": live_session})

    assert answer["ok"] is False and answer["error"]["code"] == "service_unavailable"
    assert _open_visits(app) == 0
    monkeypatch.undo()
    assert client.ack("leave_session", {"sessionId": live_session})["ok"] is True  # it did leave


def test_joins_and_leaves_are_rate_limited_per_connection(app, sio, joined, attendee, make_user, live_session):
    """92 join/leave cycles in 5 s used to write 92 visits and push 184 viewer counts to the room."""
    watcher = joined(make_user(), live_session)
    flooder = sio(attendee)
    answers = []
    for _ in range(15):
        answers.append(flooder.ack("join_session", {"sessionId": live_session}))
        answers.append(flooder.ack("leave_session", {"sessionId": live_session}))

    assert all(a["ok"] for a in answers[:20])
    refused = answers[20:]
    assert refused and all(a["ok"] is False and a["error"]["code"] == "rate_limited" for a in refused)
    assert "wait" in refused[0]["error"]["message"]
    assert len(watcher.events("viewer_count")) == 20
    with app.app_context():
        visits = db.session.scalar(sa.select(sa.func.count()).select_from(SessionView))
    assert visits == 1 + 10
    assert sio(attendee).ack("join_session", {"sessionId": live_session})["ok"] is True  # per connection


def test_the_room_rate_limit_is_configurable(make_app, content, sio):
    app = make_app(ROOM_RATE_LIMIT="2 per 10 seconds")
    user = UserFactory(app)()
    session_id = content.session()
    client = sio(user, on_app=app)
    assert client.ack("join_session", {"sessionId": session_id})["ok"]
    assert client.ack("leave_session", {"sessionId": session_id})["ok"]
    assert client.ack("join_session", {"sessionId": session_id})["error"]["code"] == "rate_limited"
