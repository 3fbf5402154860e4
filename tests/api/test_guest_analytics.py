"""Guests in the analytics (SPEC §12, §13): a guest's visits (no user, its guest id) make one viewer, with the
union of its tabs as watch time — the figures of test_analytics.py's fixture are unchanged when its viewer A
is a guest instead of a user; the viewers list shows the guest without user id or name."""

from __future__ import annotations

import uuid

import pytest

from plataforma.models import SessionView
from tests.api.content_helpers import Rows, iso
from tests.api.test_analytics import m, pinned_now  # noqa: F401  (fixture)


@pytest.fixture
def rows(app):
    return Rows(app)


@pytest.fixture
def watched_with_a_guest(rows, make_user, pinned_now):  # noqa: F811
    event_id = rows.event(title="Launch")
    session_id = rows.session(event_id, title="Keynote")
    guest = uuid.uuid4()
    people = {name: make_user("ATTENDEE", name=f"Viewer {name}") for name in "BC"}
    visits = [("A", 10, 40), ("A", 30, 80), ("B", 50, 65), ("B", 90, None), ("C", 65, 70)]
    rows.add_many(
        SessionView,
        [
            {
                "session_id": uuid.UUID(session_id),
                "user_id": None if name == "A" else uuid.UUID(people[name].id),
                "guest_id": guest if name == "A" else None,
                "joined_at": m(start),
                "left_at": None if end is None else m(end),
            }
            for name, start, end in visits
        ],
    )
    return event_id, session_id, guest


def test_a_guest_is_one_viewer_with_the_union_of_its_tabs(client, moderator, watched_with_a_guest):
    _, session_id, _ = watched_with_a_guest
    body = client.get(f"/api/sessions/{session_id}/analytics", headers=moderator.headers).get_json()
    assert (body["totalViews"], body["uniqueViewers"]) == (5, 3)
    assert (body["totalWatchSeconds"], body["avgWatchSeconds"]) == (7200, 2400)
    assert body["retention"] == {"p25": 300, "p50": 2700, "p75": 4200, "p90": 4200}
    assert body["peakConcurrent"] == 2


def test_the_viewers_list_shows_a_guest_anonymously(client, moderator, watched_with_a_guest):
    _, session_id, _ = watched_with_a_guest
    viewers = client.get(f"/api/sessions/{session_id}/viewers", headers=moderator.headers).get_json()
    guest = [v for v in viewers if v["userId"] is None]
    assert guest == [
        {
            "userId": None,
            "name": None,
            "joinedAt": iso(m(10)),
            "leftAt": iso(m(80)),
            "watchSeconds": 4200,
            "live": False,
        }
    ]
    assert len(viewers) == 3


def test_event_figures_count_the_guest_once(client, moderator, watched_with_a_guest):
    event_id, _, _ = watched_with_a_guest
    body = client.get(f"/api/events/{event_id}/analytics", headers=moderator.headers).get_json()
    assert body["uniqueViewers"] == 3
    assert all(attendee["userId"] is not None for attendee in body["topAttendees"])  # guests have no attendance row


def test_a_visit_has_a_user_or_a_guest_never_both_nor_neither(app, rows, make_user):
    import sqlalchemy as sa

    from plataforma.extensions import db

    session_id = uuid.UUID(rows.session(rows.event()))
    user_id = uuid.UUID(make_user().id)
    with app.app_context():
        for user, guest in ((None, None), (user_id, uuid.uuid4())):
            db.session.add(SessionView(session_id=session_id, user_id=user, guest_id=guest, joined_at=m(0)))
            with pytest.raises(sa.exc.IntegrityError):
                db.session.flush()
            db.session.rollback()
        db.session.remove()
