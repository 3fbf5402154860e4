"""The housekeeping round: rooms that became invisible, orphan visits, the clean stop."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import Event, EventSession, EventUser, SessionView
from plataforma.realtime import housekeeping
from plataforma.realtime.connections import presence
from plataforma.realtime.presence import RedisPresence
from plataforma.services import attendance, commit


def _visits(app) -> dict[str, bool]:
    """view id -> still open."""
    with app.app_context():
        rows = db.session.execute(sa.select(SessionView.id, SessionView.left_at)).all()
        db.session.remove()
        return {str(view_id): left_at is None for view_id, left_at in rows}


def _open_visit(app, user, session_id) -> str:
    """A visit as a process that then crashed would leave it: open, held by no connection."""
    with app.app_context():
        view = attendance.start_visit(uuid.UUID(user.id), db.session.get(EventSession, uuid.UUID(session_id)))
        commit()
        view_id = str(view.id)
        db.session.remove()
        return view_id


def _project_of(app, session_id) -> str:
    with app.app_context():
        session = db.session.get(EventSession, uuid.UUID(session_id))
        return str(db.session.get(Event, session.event_id).project_id)


# ---------------------------------------------------------------- visibility


def test_a_session_that_becomes_invisible_is_left_at_the_next_round(
    app, client, joined, attendee, moderator, admin, live_session
):
    """Membership was checked only at join: after its project went back to DRAFT, an attendee
    already in the room kept receiving the session's events."""
    attendee_socket = joined(attendee, live_session)
    moderator_socket = joined(moderator, live_session)
    admin_socket = joined(admin, live_session)
    project = _project_of(app, live_session)
    response = client.patch(f"/api/projects/{project}", json={"status": "DRAFT"}, headers=admin.headers)
    assert response.status_code == 200
    for socket in (attendee_socket, moderator_socket, admin_socket):
        socket.get_received()

    with app.app_context():
        done = housekeeping.run_once()

    assert sorted(session for _sid, session in done["removed"]) == [live_session, live_session]
    for socket in (attendee_socket, moderator_socket):
        assert socket.events("session_unavailable") == [{"sessionId": live_session}]
        assert socket.is_connected()
    assert admin_socket.events("viewer_count")[-1] == {"sessionId": live_session, "count": 1}
    body = {"sessionId": live_session, "text": "drafts only"}
    assert client.post("/api/messages", json=body, headers=admin.headers).status_code == 201
    assert [m["text"] for m in admin_socket.events("new_message")] == ["drafts only"]
    assert attendee_socket.events("new_message") == [] and moderator_socket.events("new_message") == []
    assert sorted(_visits(app).values()) == [False, False, True]  # the admin still watches
    with app.app_context():
        assert presence().count(live_session) == 1
    # Joining again is refused like any join to an invisible session; leaving answers 404 too.
    assert attendee_socket.ack("join_session", {"sessionId": live_session})["error"]["code"] == "not_found"


def test_visible_rooms_are_left_alone(app, joined, attendee, live_session):
    socket = joined(attendee, live_session)
    with app.app_context():
        assert housekeeping.run_once()["removed"] == []
    assert socket.events("session_unavailable") == []
    assert list(_visits(app).values()) == [True]


# ---------------------------------------------------------------- orphan visits


def test_at_start_up_without_redis_every_open_visit_not_held_here_is_closed(app, joined, attendee, make_user, content):
    """Visits left open by a stopped process were never closed (watch time lost)."""
    event_id = content.event()
    session_id = content.session(event_id)
    crashed = _open_visit(app, attendee, session_id)
    socket = joined(make_user(), session_id)  # a live viewer of this process

    with app.app_context():
        done = housekeeping.run_once()

    assert done["orphans_closed"] == 1
    visits = _visits(app)
    assert visits[crashed] is False and list(visits.values()).count(True) == 1
    with app.app_context():
        row = db.session.scalar(sa.select(EventUser).where(EventUser.user_id == uuid.UUID(attendee.id)))
        assert row.left_at is not None  # the attendance row was recomputed
    assert socket.is_connected()
    # Not again before VISIT_SWEEP_SECONDS.
    _open_visit(app, attendee, session_id)
    with app.app_context():
        assert housekeeping.run_once()["orphans_closed"] == 0


def test_a_second_tab_counts_against_one_orphan(app, joined, attendee, live_session):
    crashed = _open_visit(app, attendee, live_session)
    joined(attendee, live_session)  # the same user, still connected here

    with app.app_context():
        assert housekeeping.close_orphan_visits() == 1

    assert _visits(app)[crashed] is False
    assert list(_visits(app).values()).count(True) == 1


@pytest.fixture
def redis_presence(app, redis_url, unique_prefix):
    """This app's viewer counts in Redis (as with REDIS_URL), and a second client for "other processes"."""
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    original = app.extensions["plataforma.presence"]
    app.extensions["plataforma.presence"] = RedisPresence(client, unique_prefix, proc="here")
    yield lambda proc: RedisPresence(client, unique_prefix, proc=proc)
    app.extensions["plataforma.presence"] = original
    client.close()


def test_with_redis_visits_held_by_live_processes_stay_open(app, attendee, make_user, content, redis_presence):
    session_id = content.session()
    viewer, gone = make_user(), make_user()
    elsewhere = redis_presence("elsewhere")  # a live process holding one connection of `viewer`
    elsewhere.heartbeat()
    elsewhere.add(session_id, viewer.id)
    held = _open_visit(app, viewer, session_id)
    orphan_of_viewer = _open_visit(app, viewer, session_id)  # two open visits, one live connection
    orphan = _open_visit(app, gone, session_id)

    with app.app_context():
        assert housekeeping.close_orphan_visits() == 2

    visits = _visits(app)
    assert visits[held] is False and visits[orphan] is False  # the oldest of viewer's is the orphan
    assert visits[orphan_of_viewer] is True


def test_with_redis_one_process_per_interval_sweeps(app, attendee, live_session, redis_presence):
    other = redis_presence("other")
    assert other.claim("visit-sweep", 60) is True
    _open_visit(app, attendee, live_session)
    with app.app_context():
        assert housekeeping.run_once()["orphans_closed"] == 0  # "other" swept moments ago
    assert list(_visits(app).values()) == [True]


# ---------------------------------------------------------------- clean stop


def test_a_clean_stop_closes_this_process_visits(app, joined, attendee, make_user, content):
    one, two = content.session(), content.session()
    joined(attendee, one)
    joined(make_user(), two)
    joined(attendee, two)

    with app.app_context():
        assert housekeeping.shutdown() == 3
        assert presence().count(one) == presence().count(two) == 0

    assert list(_visits(app).values()) == [False, False, False]
