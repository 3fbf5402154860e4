"""Resume after reconnect (SPEC §16): numbered room events, the event log, join with afterSeq."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine.interfaces import CacheStats

from plataforma.extensions import db
from plataforma.models import SessionEvent, utcnow
from plataforma.realtime import housekeeping
from plataforma.services import event_log
from tests.conftest import UserFactory


def _numbered(client) -> list[tuple[str, object, dict]]:
    """(event, data, meta) of every event received that carries the second argument."""
    return [
        (item["name"], item["args"][0], item["args"][1]) for item in client.get_received() if len(item["args"]) == 2
    ]


def _make_changes(client, session_id, attendee, moderator) -> None:
    """Chat, pin, delete, a question (asked, answered), a poll (created open, voted, closed) over REST."""
    post = client.post("/api/messages", json={"sessionId": session_id, "text": "hello"}, headers=attendee.headers)
    message_id = post.get_json()["id"]
    assert client.patch(f"/api/messages/{message_id}/pin", headers=moderator.headers).status_code == 200
    assert client.delete(f"/api/messages/{message_id}", headers=moderator.headers).status_code == 204
    asked = client.post("/api/questions", json={"sessionId": session_id, "text": "why?"}, headers=attendee.headers)
    question_id = asked.get_json()["id"]
    assert client.patch(f"/api/questions/{question_id}/answer", json={}, headers=moderator.headers).status_code == 200
    poll = client.post(
        "/api/polls",
        json={"sessionId": session_id, "question": "Which?", "options": ["A", "B"], "isActive": True},
        headers=moderator.headers,
    ).get_json()
    vote = {"pollId": poll["id"], "optionId": poll["options"][0]["id"]}
    assert client.post("/api/polls/vote", json=vote, headers=attendee.headers).status_code == 201
    closed = client.patch(f"/api/polls/{poll['id']}/activate", json={"isActive": False}, headers=moderator.headers)
    assert closed.status_code == 200


EXPECTED = [
    "new_message",
    "message_pinned",
    "message_deleted",
    "questions_updated",
    "questions_updated",
    "poll_updated",
    "poll_updated",
    "poll_updated",
]


def test_room_events_carry_a_gap_free_seq_and_are_logged_as_sent(client, joined, attendee, moderator, live_session):
    watcher = joined(attendee, live_session)
    _make_changes(client, live_session, attendee, moderator)

    received = _numbered(watcher)
    assert [name for name, _, _ in received] == EXPECTED
    assert [meta for _, _, meta in received] == [
        {"sessionId": live_session, "seq": seq} for seq in range(1, len(EXPECTED) + 1)
    ]
    log = client.get(f"/api/sessions/{live_session}/events", headers=attendee.headers).get_json()
    assert [(e["event"], e["data"], e["seq"]) for e in log] == [(n, d, m["seq"]) for n, d, m in received]
    assert all(e["createdAt"].endswith("Z") for e in log)


def test_rejoining_with_after_seq_replays_exactly_what_was_missed(
    client, sio, joined, attendee, moderator, live_session
):
    watcher = joined(moderator, live_session)
    away = sio(attendee)
    first = away.ack("join_session", {"sessionId": live_session})["data"]
    assert first["seq"] == 0 and "missed" not in first
    away.disconnect()

    _make_changes(client, live_session, attendee, moderator)
    sent = [{"event": name, "data": data, "seq": meta["seq"]} for name, data, meta in _numbered(watcher)]

    back = sio(attendee).ack("join_session", {"sessionId": live_session, "afterSeq": first["seq"]})["data"]
    assert back["missed"] == sent
    assert back["seq"] == len(EXPECTED) and "resync" not in back
    # The deleted message is replayed as its new_message, then its message_deleted (as attendees got them).
    assert back["missed"][0]["data"]["text"] == "hello" and back["missed"][2]["event"] == "message_deleted"

    partial = sio(attendee).ack("join_session", {"sessionId": live_session, "afterSeq": 5})["data"]
    assert [e["seq"] for e in partial["missed"]] == [6, 7, 8]
    up_to_date = sio(attendee).ack("join_session", {"sessionId": live_session, "afterSeq": 8})["data"]
    assert up_to_date["missed"] == [] and up_to_date["seq"] == 8


def test_a_socket_already_in_the_room_still_gets_its_replay(client, sio, attendee, moderator, live_session):
    socket = sio(attendee)
    assert socket.ack("join_session", {"sessionId": live_session})["ok"]
    client.post("/api/messages", json={"sessionId": live_session, "text": "one"}, headers=moderator.headers)
    again = socket.ack("join_session", {"sessionId": live_session, "afterSeq": 0})["data"]
    assert [e["seq"] for e in again["missed"]] == [1] and again["viewerCount"] == 1


def _fill_log(app, session_id, count: int, *, age_hours: float = 0) -> None:
    with app.app_context():
        created = utcnow() - timedelta(hours=age_hours)
        sid = uuid.UUID(session_id)
        for _ in range(count):
            event_log.record(sid, "new_message", {"text": "x"})
        db.session.execute(sa.update(SessionEvent).values(created_at=created))
        db.session.commit()


def test_more_than_a_thousand_missed_events_is_a_resync(app, sio, attendee, live_session):
    _fill_log(app, live_session, 1001)
    socket = sio(attendee)
    too_many = socket.ack("join_session", {"sessionId": live_session, "afterSeq": 0})["data"]
    assert too_many["resync"] is True and "missed" not in too_many and too_many["seq"] == 1001
    exactly = sio(attendee).ack("join_session", {"sessionId": live_session, "afterSeq": 1})["data"]
    assert len(exactly["missed"]) == 1000 and exactly["missed"][-1]["seq"] == 1001


def test_events_past_retention_are_pruned_and_asking_for_them_is_a_resync(make_app, sio, live_session):
    app = make_app(EVENT_RETENTION_HOURS=1)
    attendee = UserFactory(app)()
    _fill_log(app, live_session, 3, age_hours=2)
    with app.app_context():
        event_log.record(uuid.UUID(live_session), "new_message", {"text": "recent"})
        db.session.commit()
        assert housekeeping.prune_events() == 3
        assert housekeeping.prune_events() == 0
    socket = sio(attendee, on_app=app)
    gone = socket.ack("join_session", {"sessionId": live_session, "afterSeq": 1})["data"]
    assert gone["resync"] is True and gone["seq"] == 4
    kept = sio(attendee, on_app=app).ack("join_session", {"sessionId": live_session, "afterSeq": 3})["data"]
    assert kept["missed"] == [{"event": "new_message", "data": {"text": "recent"}, "seq": 4}]


def test_an_after_seq_ahead_of_the_log_is_a_resync(sio, attendee, live_session):
    answer = sio(attendee).ack("join_session", {"sessionId": live_session, "afterSeq": 5})["data"]
    assert answer == {"sessionId": live_session, "viewerCount": 1, "seq": 0, "resync": True}


@pytest.mark.parametrize("after_seq", [-1, "3", 1.5, True, 2**53])
def test_an_invalid_after_seq_is_a_validation_error(sio, attendee, live_session, after_seq):
    answer = sio(attendee).ack("join_session", {"sessionId": live_session, "afterSeq": after_seq})
    assert answer["ok"] is False and answer["error"]["code"] == "validation_error"


def test_stream_status_is_numbered_in_each_session_of_the_event(client, content, joined, admin, attendee):
    event = content.event()
    one, two = content.session(event), content.session(event)
    client.post("/api/messages", json={"sessionId": one, "text": "first"}, headers=attendee.headers)
    watchers = {one: joined(attendee, one), two: joined(admin, two)}
    stream = client.post("/api/streams", json={"eventId": event, "sourceType": "HLS"}, headers=admin.headers)
    patch = client.patch(f"/api/streams/{stream.get_json()['id']}", json={"status": "LIVE"}, headers=admin.headers)
    assert patch.status_code == 200
    assert [(n, m) for n, _, m in _numbered(watchers[one])] == [("stream_status", {"sessionId": one, "seq": 2})]
    assert [(n, m) for n, _, m in _numbered(watchers[two])] == [("stream_status", {"sessionId": two, "seq": 1})]


def test_viewer_counts_are_not_numbered(sio, joined, attendee, moderator, live_session):
    watcher = joined(moderator, live_session)
    sio(attendee).ack("join_session", {"sessionId": live_session})
    counts = [item for item in watcher.get_received() if item["name"] == "viewer_count"]
    assert counts and all(len(item["args"]) == 1 for item in counts)


def test_numbering_one_session_reuses_its_compiled_statement(app, live_session):
    """The hot path (every chat message) numbers one session: its SQL is compiled once, not per event
    (a multi-row VALUES has no cache key: it was built and compiled for every message)."""
    hits = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "session_event_counters" in statement:
            hits.append(context.cache_hit)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            first = event_log.next_seqs([uuid.UUID(live_session)])
            second = event_log.next_seqs([uuid.UUID(live_session), uuid.UUID(live_session)])
            db.session.rollback()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
    assert second[uuid.UUID(live_session)] == first[uuid.UUID(live_session)] + 1
    assert hits[1] is CacheStats.CACHE_HIT, hits


def test_a_rolled_back_change_takes_no_number(app, client, attendee, live_session, monkeypatch):
    from plataforma.services import flood

    client.post("/api/messages", json={"sessionId": live_session, "text": "one"}, headers=attendee.headers)
    with app.app_context():
        event_log.record(uuid.UUID(live_session), "new_message", {"text": "never committed"})
        db.session.rollback()
    monkeypatch.setattr(flood, "check_chat_rate", lambda *a: None)
    client.post("/api/messages", json={"sessionId": live_session, "text": "two"}, headers=attendee.headers)
    log = client.get(f"/api/sessions/{live_session}/events", headers=attendee.headers).get_json()
    assert [(e["seq"], e["data"]["text"]) for e in log] == [(1, "one"), (2, "two")]


def test_rest_event_log_pages_and_follows_visibility(client, attendee, admin, live_session, draft_session, app):
    _fill_log(app, live_session, 5)
    url = f"/api/sessions/{live_session}/events"
    page = client.get(url, query_string={"after": 2, "limit": 2}, headers=attendee.headers).get_json()
    assert [e["seq"] for e in page] == [3, 4]
    assert client.get(url, query_string={"limit": 0}, headers=attendee.headers).status_code == 400
    assert client.get(url, query_string={"after": -1}, headers=attendee.headers).status_code == 400
    assert client.get(url).status_code == 401
    hidden = f"/api/sessions/{draft_session}/events"
    assert client.get(hidden, headers=attendee.headers).status_code == 404
    assert client.get(hidden, headers=admin.headers).status_code == 200
    assert client.get(f"/api/sessions/{uuid.uuid4()}/events", headers=admin.headers).status_code == 404
