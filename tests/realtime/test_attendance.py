"""Attendance: session_views visits, event_users watch time and engagement score."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import EventSession, EventUser, SessionView
from plataforma.services import attendance, commit

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


# ---------------------------------------------------------------- the formula


def test_engagement_score_weights():
    assert attendance.engagement_score(0) == 0
    assert attendance.engagement_score(30 * 60) == 30.0  # 1 point per watched minute
    assert attendance.engagement_score(0, messages=3) == 6.0
    assert attendance.engagement_score(0, questions=2) == 10.0
    assert attendance.engagement_score(0, upvotes=4) == 4.0
    assert attendance.engagement_score(0, votes=2) == 6.0
    assert attendance.engagement_score(0, surveys=1) == 10.0
    assert attendance.engagement_score(90, messages=1, questions=1, upvotes=1, votes=1, surveys=1) == 22.5


def test_engagement_score_caps_watch_time_and_messages():
    assert attendance.engagement_score(10 * 3600) == 240.0
    assert attendance.engagement_score(0, messages=500) == 100.0
    assert attendance.engagement_score(-60) == 0


def test_overlapping_visits_count_once():
    intervals = [(at(0), at(10)), (at(5), at(15)), (at(30), at(40)), (at(35), at(36)), (at(50), at(50))]
    assert attendance.union_seconds(intervals) == 25 * 60
    assert attendance.union_seconds([]) == 0
    naive = [(at(0).replace(tzinfo=None), at(1).replace(tzinfo=None))]
    assert attendance.union_seconds(naive) == 60


# ---------------------------------------------------------------- the records


@pytest.fixture
def in_app(app):
    with app.app_context():
        yield
        db.session.remove()


def _session(session_id) -> EventSession:
    return db.session.get(EventSession, uuid.UUID(session_id))


def _row(event_id, user_id) -> EventUser:
    return db.session.scalar(
        sa.select(EventUser).where(EventUser.event_id == event_id, EventUser.user_id == uuid.UUID(user_id))
    )


def test_visits_accumulate_watch_time_and_engagement(in_app, client, attendee, content):
    event_id = content.event()
    first, second = content.session(event_id), content.session(event_id)
    for text in ("one", "two"):
        body = {"sessionId": first, "text": text}
        assert client.post("/api/messages", json=body, headers=attendee.headers).status_code == 201
    user = uuid.UUID(attendee.id)

    visit = attendance.start_visit(user, _session(first), at=at(0))
    commit()
    row = _row(uuid.UUID(event_id), attendee.id)
    assert row.left_at is None and row.watch_time == 0
    assert attendance.end_visit(visit.id, at=at(10)).watch_time == 600

    # Two tabs on the second session overlap the same five minutes.
    tab1 = attendance.start_visit(user, _session(second), at=at(20))
    tab2 = attendance.start_visit(user, _session(second), at=at(22))
    attendance.end_visit(tab1.id, at=at(25))
    row = attendance.end_visit(tab2.id, at=at(25))
    commit()

    assert row.watch_time == 15 * 60
    assert row.engagement_score == attendance.engagement_score(15 * 60, messages=2)
    assert row.engagement_score == 19.0
    assert row.joined_at.replace(tzinfo=None) == at(0).replace(tzinfo=None)
    assert row.left_at.replace(tzinfo=None) == at(25).replace(tzinfo=None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventUser)) == 1
    views = db.session.scalars(sa.select(SessionView).order_by(SessionView.joined_at)).all()
    assert [(str(v.session_id), v.left_at is not None) for v in views] == [
        (first, True),
        (second, True),
        (second, True),
    ]
    assert attendance.end_visit(tab1.id, at=at(30)) is None  # closing twice changes nothing


def test_activity_counts_cover_every_kind_of_interaction(in_app, client, attendee, moderator, content):
    event_id = content.event()
    session_id = content.session(event_id)
    other_event_session = content.session()
    headers = attendee.headers
    client.post("/api/messages", json={"sessionId": session_id, "text": "hi"}, headers=headers)
    client.post("/api/messages", json={"sessionId": other_event_session, "text": "elsewhere"}, headers=headers)
    question = client.post("/api/questions", json={"sessionId": session_id, "text": "q?"}, headers=headers).json
    assert client.patch(f"/api/questions/{question['id']}/upvote", headers=headers).status_code == 200
    poll = client.post(
        "/api/polls",
        json={"sessionId": session_id, "question": "?", "options": ["a", "b"], "isActive": True},
        headers=moderator.headers,
    ).json
    vote = {"pollId": poll["id"], "optionId": poll["options"][0]["id"]}
    assert client.post("/api/polls/vote", json=vote, headers=headers).status_code == 201

    counts = attendance.activity_counts(uuid.UUID(event_id), uuid.UUID(attendee.id))

    assert counts == {"messages": 1, "questions": 1, "upvotes": 1, "votes": 1, "surveys": 0}


def test_joining_and_leaving_over_sockets_records_attendance(app, sio, attendee, live_session):
    socket = sio(attendee)
    assert socket.ack("join_session", {"sessionId": live_session})["ok"]
    with app.app_context():
        [view] = db.session.scalars(sa.select(SessionView)).all()
        assert str(view.user_id) == attendee.id and str(view.session_id) == live_session and view.left_at is None
        event_id = _session(live_session).event_id
        assert _row(event_id, attendee.id).left_at is None

    assert socket.ack("send_message", {"sessionId": live_session, "text": "engaged"})["ok"]
    assert socket.ack("leave_session", {"sessionId": live_session})["ok"]
    with app.app_context():
        [view] = db.session.scalars(sa.select(SessionView)).all()
        assert view.left_at is not None
        row = _row(event_id, attendee.id)
        assert row.left_at is not None
        assert row.engagement_score >= 2.0  # the message counts

    assert socket.ack("join_session", {"sessionId": live_session})["ok"]
    socket.disconnect()
    with app.app_context():
        views = db.session.scalars(sa.select(SessionView)).all()
        assert len(views) == 2 and all(v.left_at is not None for v in views)


def test_left_at_waits_for_the_last_open_visit_at_the_event(in_app, attendee, content):
    """Leaving one session while still watching another of the event used to set left_at."""
    event_id = content.event()
    first, second = content.session(event_id), content.session(event_id)
    user = uuid.UUID(attendee.id)
    tab1 = attendance.start_visit(user, _session(first), at=at(0))
    tab2 = attendance.start_visit(user, _session(second), at=at(5))
    commit()

    attendance.end_visit(tab1.id, at=at(10))
    commit()
    assert _row(uuid.UUID(event_id), attendee.id).left_at is None  # still watching the second session

    attendance.end_visit(tab2.id, at=at(30))
    commit()
    row = _row(uuid.UUID(event_id), attendee.id)
    assert row.left_at.replace(tzinfo=None) == at(30).replace(tzinfo=None)
    assert row.watch_time == 30 * 60


def test_joining_again_reopens_the_row_this_transaction_had_read(in_app, attendee, content):
    """The row is reopened by one statement in the database; a copy this transaction had loaded (the
    visit before it was closed here) must not keep the old left_at."""
    event_id = content.event()
    session = _session(content.session(event_id))
    user = uuid.UUID(attendee.id)
    first = attendance.start_visit(user, session, at=at(0))
    closed = attendance.end_visit(first.id, at=at(10))  # loads the row and closes it
    assert closed.left_at is not None

    attendance.start_visit(user, session, at=at(20))

    assert _row(uuid.UUID(event_id), attendee.id) is closed  # the same object, brought up to date
    assert closed.left_at is None and closed.watch_time == 600
    commit()
    db.session.expire_all()
    assert _row(uuid.UUID(event_id), attendee.id).left_at is None


def test_a_join_while_the_row_is_open_leaves_it_unwritten(in_app, attendee, content):
    """A second tab's join finds the row open: nothing to reopen, so the row is not written again."""
    event_id = content.event()
    session = _session(content.session(event_id))
    user = uuid.UUID(attendee.id)
    attendance.start_visit(user, session, at=at(0))
    commit()
    before = _row(uuid.UUID(event_id), attendee.id).updated_at

    attendance.start_visit(user, session, at=at(5))
    commit()
    db.session.expire_all()

    row = _row(uuid.UUID(event_id), attendee.id)
    assert row.left_at is None and row.updated_at == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionView)) == 2


def test_two_tabs_joining_at_the_same_moment_share_one_attendance_row(app, attendee, content, is_postgres):
    """The second tab's upsert waits for the first tab's transaction, then inserts nothing and finds the
    row the first one committed already open: both visits open, one row, neither join fails."""
    if not is_postgres:
        pytest.skip("needs PostgreSQL: SQLite serialises all writers, so no two joins overlap")
    event_id = content.event()
    first, second = content.session(event_id), content.session(event_id)
    user = uuid.UUID(attendee.id)
    inserted, outcomes = threading.Event(), {}

    def tab(session_id, name):
        with app.app_context():
            try:
                if name == "second":
                    assert inserted.wait(10)
                visit = attendance.start_visit(user, _session(session_id), at=at(0))
                if name == "first":
                    inserted.set()
                    time.sleep(0.5)  # the second tab's insert now waits for this transaction
                commit()
                outcomes[name] = visit.id
            except Exception as exc:
                outcomes[name] = exc
            finally:
                db.session.remove()

    tabs = ((first, "first"), (second, "second"))
    threads = [threading.Thread(target=tab, args=(session_id, name)) for session_id, name in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(isinstance(outcome, uuid.UUID) for outcome in outcomes.values()) and len(outcomes) == 2, outcomes
    with app.app_context():
        rows = db.session.scalars(
            sa.select(EventUser).where(EventUser.event_id == uuid.UUID(event_id), EventUser.user_id == user)
        ).all()
        assert len(rows) == 1 and rows[0].left_at is None
        views = db.session.scalars(sa.select(SessionView.left_at).where(SessionView.user_id == user)).all()
        assert views == [None, None]
