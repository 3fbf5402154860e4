"""join_session / leave_session / disconnect: rooms, viewer counts, payload validation."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import UserFactory


def test_join_answers_the_viewer_count_and_tells_the_room(sio, attendee, make_user, live_session):
    first = sio(attendee)
    answer = first.ack("join_session", {"sessionId": live_session})
    assert answer == {"ok": True, "data": {"sessionId": live_session, "viewerCount": 1}}
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
    assert [e["count"] for e in watcher.events("viewer_count")] == [2, 2]

    tab1.disconnect()
    assert watcher.events("viewer_count") == [{"sessionId": live_session, "count": 2}]
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


def test_leaving_a_session_not_joined_is_refused(sio, attendee, live_session):
    answer = sio(attendee).ack("leave_session", {"sessionId": live_session})
    assert answer["ok"] is False
    assert answer["error"]["code"] == "not_joined"


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


def test_the_slow_query_hook_is_off_by_default(sio, attendee):
    answer = sio(attendee).ack("debug_slow_query", {"seconds": 0})
    assert answer["ok"] is False and answer["error"]["code"] == "unknown_event"


def test_big_rooms_hear_coalesced_counts(make_app, content, sio, background_tasks):
    app = make_app(VIEWER_COUNT_IMMEDIATE_MAX=2, VIEWER_COUNT_INTERVAL=0.05)
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
