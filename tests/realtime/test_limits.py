"""SPEC §17: the per-connection event budget and the per-user socket cap."""

from __future__ import annotations

import time
import uuid

import redis

from tests.conftest import UserFactory


def test_events_past_the_budget_are_refused_without_any_query(make_app, sio, count_queries, live_session):
    app = make_app(SOCKET_EVENT_BUDGET="5 per minute")
    user = UserFactory(app)()
    client = sio(user, on_app=app)
    answers = [client.ack("join_session", {"sessionId": live_session})]
    answers += [client.ack("send_message", {"sessionId": live_session, "text": f"m{i}"}) for i in range(4)]
    assert all(answer["ok"] for answer in answers), answers
    with count_queries() as queries:
        refused = [client.ack("send_message", {"sessionId": live_session, "text": "x"}) for _ in range(3)]
        refused.append(client.ack("no_such_event", {}))  # unknown events count too
    assert queries.count == 0
    assert {answer["error"]["code"] for answer in refused} == {"rate_limited"}
    assert client.is_connected()


def test_a_socket_far_past_its_budget_is_disconnected(make_app, sio, live_session):
    app = make_app(SOCKET_EVENT_BUDGET="2 per minute")
    client = sio(UserFactory(app)(), on_app=app)
    answers = [client.ack("no_such_event", {}) for _ in range(2 + 4 * 2 + 1)]
    assert answers[-1]["error"]["code"] == "rate_limited"
    assert client.wait_disconnected()


def test_a_user_has_at_most_max_sockets_per_user(make_app, sio):
    app = make_app(MAX_SOCKETS_PER_USER=2)
    factory = UserFactory(app)
    alice, bob = factory(), factory()
    first, second = sio(alice, on_app=app), sio(alice, on_app=app)
    assert first.is_connected() and second.is_connected()
    third = sio(alice, on_app=app)
    assert not third.is_connected()
    assert third.connect_errors[0]["data"]["code"] == "too_many_connections"
    assert sio(bob, on_app=app).is_connected()  # per user
    first.disconnect()
    assert sio(alice, on_app=app).is_connected()  # a closed socket frees its place


def test_the_cap_counts_the_sockets_of_other_processes_in_redis(make_app, sio, redis_url):
    channel = f"cap-{uuid.uuid4().hex[:8]}"
    app = make_app(MAX_SOCKETS_PER_USER=2, REDIS_URL=redis_url, SOCKETIO_CHANNEL=channel)
    user = UserFactory(app)()
    store = redis.Redis.from_url(redis_url, decode_responses=True)
    key = f"{channel}:sockets:{user.id}"
    try:
        # One live socket on another process, and one of a process that died (its expiry passed).
        store.zadd(key, {"other-process-sid": time.time() + 60, "dead-process-sid": time.time() - 1})
        first = sio(user, on_app=app)
        assert first.is_connected()
        assert store.zcard(key) == 2  # the dead one was dropped, ours added
        second = sio(user, on_app=app)
        assert not second.is_connected()
        assert second.connect_errors[0]["data"]["code"] == "too_many_connections"
        first.disconnect()
        assert store.zrange(key, 0, -1) == ["other-process-sid"]
    finally:
        store.delete(key)
        store.close()


def test_the_defaults_are_the_spec_s(app):
    assert app.config["SOCKET_EVENT_BUDGET"] == "50 per 5 seconds"
    assert app.config["MAX_SOCKETS_PER_USER"] == 10


def test_routine_events_read_no_identity_from_the_database(app, sio, attendee, live_session, count_queries):
    client = sio(attendee)
    assert client.ack("join_session", {"sessionId": live_session})["ok"]
    assert client.ack("send_message", {"sessionId": live_session, "text": "first"})["ok"]
    with count_queries() as queries:
        for i in range(3):  # within the chat flood limit (5 per 5 s)
            assert client.ack("send_message", {"sessionId": live_session, "text": f"m{i}"})["ok"]
    identity = [s for s in queries.statements if "FROM profiles" in s or "FROM revoked_tokens" in s]
    assert identity == []


def test_a_role_change_reaches_the_cached_actor_at_the_next_event(app, sio, moderator, live_session, admin):
    client = sio(moderator)
    assert client.ack("join_session", {"sessionId": live_session})["ok"]
    assert client.ack("send_message", {"sessionId": live_session, "text": "as a moderator"})["ok"]
    from plataforma.extensions import db
    from plataforma.models import Profile, Role

    with app.app_context():
        db.session.get(Profile, uuid.UUID(moderator.id)).role = Role.ATTENDEE
        db.session.commit()
        db.session.remove()
    from plataforma.realtime.connections import registry

    with app.app_context():
        [conn] = [c for c in registry().all() if str(c.user_id) == moderator.id]
    with app.test_request_context():
        from plataforma.realtime.guard import current_actor

        assert current_actor(conn).role == Role.ATTENDEE


def test_a_connections_inbox_hands_out_events_in_order_and_is_dropped_when_empty():
    import uuid

    from plataforma.realtime.connections import Connection

    conn = Connection(sid="s", user_id=uuid.uuid4(), jti=None, expires_at=None)
    assert conn.queue_event("first") is True  # nobody is handling: the caller starts a handler
    assert conn.queue_event("second") is False  # the running handler will take it
    assert [conn.next_event(), conn.next_event()] == ["first", "second"]
    assert conn.next_event() is None
    assert conn.inbox is None and conn.handling is False  # an idle socket keeps no queue
    assert conn.queue_event("third") is True


def test_connecting_and_joining_read_the_user_and_the_session_once(app, sio, attendee, live_session, count_queries):
    """What a connection and a join read before their commits is not read again after them: the
    profile once (connect), the session once (join), and nothing reloaded (1,000 clients arriving at
    once spent a third of their CPU on such reloads)."""
    with count_queries() as queries:
        client = sio(attendee)
        assert client.ack("join_session", {"sessionId": live_session})["ok"]
    profiles = [s for s in queries.statements if "FROM profiles" in s]
    sessions = [s for s in queries.statements if "FROM event_sessions" in s and "FROM event_sessions JOIN" not in s]
    visits = [s for s in queries.statements if s.lstrip().startswith("SELECT") and "FROM session_views" in s]
    assert len(profiles) == 1, profiles
    assert sessions == [], sessions  # only the visibility query, which joins the event
    assert visits == [], visits
    attendance = [s for s in queries.statements if "event_users" in s]
    assert len(attendance) == 1 and "ON CONFLICT" in attendance[0], attendance  # opened in one statement
