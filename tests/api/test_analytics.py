"""Session and event analytics (SPEC §13) against hand-computed fixtures.

The fixture (times are minutes after 09:00, "now" is pinned at 11:00):

    A  tab 1  09:10 ─ 09:40          two tabs: union 09:10─10:20 = 4200 s
       tab 2       09:30 ─ 10:20
    B         09:50 ─ 10:05, 10:30 ─ (open)   900 + 1800 = 2700 s
    C                 10:05 ─ 10:10           300 s (joins as B leaves: no overlap)

5 views, 3 viewers, 7200 s in all, average 2400 s; retention over [300, 2700, 4200]
(nearest rank): p25 = 300, p50 = 2700, p75 = p90 = 4200; peak 2 viewers, first at 09:50.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from plataforma.extensions import db
from plataforma.models import EventUser, Message, Profile, Question, Role, SessionView
from plataforma.services import analytics
from tests.api.content_helpers import T0, Rows, iso

NOW = T0 + timedelta(hours=2)


def m(minutes: float):
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def rows(app):
    return Rows(app)


@pytest.fixture
def pinned_now(monkeypatch):
    monkeypatch.setattr(analytics, "utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def watched(rows, make_user, pinned_now):
    """The fixture of the module docstring; returns (event id, session id, {name: user})."""
    event_id = rows.event(title="Launch")
    session_id = rows.session(event_id, title="Keynote")
    people = {name: make_user("ATTENDEE", name=f"Viewer {name}") for name in "ABC"}
    visits = [
        ("A", 10, 40),
        ("A", 30, 80),
        ("B", 50, 65),
        ("B", 90, None),
        ("C", 65, 70),
    ]
    rows.add_many(
        SessionView,
        [
            {
                "session_id": uuid.UUID(session_id),
                "user_id": uuid.UUID(people[name].id),
                "joined_at": m(start),
                "left_at": None if end is None else m(end),
            }
            for name, start, end in visits
        ],
    )
    return event_id, session_id, people


ROLE_STATUS = {"anonymous": 401, "attendee": 403, "moderator": 200, "admin": 200}


@pytest.mark.parametrize("role", ROLE_STATUS)
def test_analytics_routes_are_for_moderators_and_admins(client, users, watched, role):
    event_id, session_id, _ = watched
    for url in (
        f"/api/sessions/{session_id}/analytics",
        f"/api/sessions/{session_id}/viewers",
        f"/api/events/{event_id}/analytics",
    ):
        assert client.get(url, headers=users[role]).status_code == ROLE_STATUS[role], url


def test_session_figures_are_exact(client, moderator, watched):
    _, session_id, _ = watched
    body = client.get(f"/api/sessions/{session_id}/analytics", headers=moderator.headers).get_json()
    assert body["sessionId"] == session_id
    assert body["liveViewers"] == 0  # nobody is connected to this test server
    assert body["totalViews"] == 5
    assert body["uniqueViewers"] == 3
    assert body["totalWatchSeconds"] == 7200
    assert body["avgWatchSeconds"] == 2400
    assert body["retention"] == {"p25": 300, "p50": 2700, "p75": 4200, "p90": 4200}
    assert body["peakConcurrent"] == 2
    assert body["peakAt"] == iso(m(50))


def test_hourly_timeline_has_every_bucket_up_to_now(client, moderator, watched):
    _, session_id, _ = watched
    body = client.get(f"/api/sessions/{session_id}/analytics", headers=moderator.headers).get_json()
    assert body["timeline"] == [
        {"start": iso(m(0)), "joins": 3, "leaves": 1, "peakConcurrent": 2},
        {"start": iso(m(60)), "joins": 2, "leaves": 3, "peakConcurrent": 2},
        # B is still watching at "now" (11:00): the open view is live in the last bucket.
        {"start": iso(m(120)), "joins": 0, "leaves": 0, "peakConcurrent": 1},
    ]


def test_minute_timeline_includes_empty_buckets(client, moderator, rows, make_user, pinned_now):
    session_id = rows.session(rows.event())
    user = make_user()
    uid = uuid.UUID(user.id)
    sid = uuid.UUID(session_id)
    rows.add_many(
        SessionView,
        [
            {"session_id": sid, "user_id": uid, "joined_at": m(1.5), "left_at": m(2.25)},
            {"session_id": sid, "user_id": uid, "joined_at": m(4), "left_at": m(4.5)},
        ],
    )
    response = client.get(f"/api/sessions/{session_id}/analytics?bucket=minute", headers=moderator.headers)
    body = response.get_json()
    assert [(b["start"], b["joins"], b["leaves"], b["peakConcurrent"]) for b in body["timeline"]] == [
        (iso(m(1)), 1, 0, 1),
        (iso(m(2)), 0, 1, 1),
        (iso(m(3)), 0, 0, 0),
        (iso(m(4)), 1, 1, 1),
    ]
    assert body["totalWatchSeconds"] == 75  # 45 s + 30 s
    assert body["uniqueViewers"] == 1 and body["totalViews"] == 2


def test_leaves_at_a_buckets_first_instant_count_after_all_of_them(client, moderator, rows, make_user, pinned_now):
    """Three viewers from 09:30; two leave at exactly 10:00 and the third stays until 10:30. From 10:00
    on one viewer watches (half-open intervals), so the 10:00 bucket's peak is 1, not the 2 seen between
    the two leaves at the same instant."""
    session_id = rows.session(rows.event())
    sid = uuid.UUID(session_id)
    rows.add_many(
        SessionView,
        [
            {"session_id": sid, "user_id": uuid.UUID(make_user().id), "joined_at": m(30), "left_at": m(end)}
            for end in (60, 60, 90)
        ],
    )
    body = client.get(f"/api/sessions/{session_id}/analytics", headers=moderator.headers).get_json()
    assert [(b["start"], b["joins"], b["leaves"], b["peakConcurrent"]) for b in body["timeline"]] == [
        (iso(m(0)), 3, 0, 3),
        (iso(m(60)), 0, 3, 1),
    ]
    assert body["peakConcurrent"] == 3 and body["peakAt"] == iso(m(30))


def test_a_view_closed_after_now_still_ends(client, moderator, rows, make_user, pinned_now):
    """A visit closed by a server whose clock runs ahead of this one is not "still watching"."""
    session_id = rows.session(rows.event())
    sid = uuid.UUID(session_id)
    first, second = (uuid.UUID(make_user().id) for _ in range(2))
    rows.add_many(
        SessionView,
        [
            {"session_id": sid, "user_id": first, "joined_at": m(100), "left_at": m(121)},  # now is m(120)
            {"session_id": sid, "user_id": second, "joined_at": m(122), "left_at": None},
        ],
    )
    body = client.get(f"/api/sessions/{session_id}/analytics?bucket=minute", headers=moderator.headers).get_json()
    assert body["peakConcurrent"] == 1 and body["peakAt"] == iso(m(100))
    assert body["timeline"][-1]["peakConcurrent"] == 1


def test_an_unknown_bucket_is_a_400(client, moderator, watched):
    _, session_id, _ = watched
    response = client.get(f"/api/sessions/{session_id}/analytics?bucket=week", headers=moderator.headers)
    assert response.status_code == 400


def test_empty_session_has_zero_figures(client, moderator, rows):
    session_id = rows.session(rows.event())
    body = client.get(f"/api/sessions/{session_id}/analytics", headers=moderator.headers).get_json()
    assert body["totalViews"] == 0 and body["uniqueViewers"] == 0 and body["peakAt"] is None
    assert body["timeline"] == [] and body["products"] == []
    assert body["retention"] == {"p25": 0, "p50": 0, "p75": 0, "p90": 0}
    assert body["engagement"]["reactions"] == {"like": 0, "heart": 0, "fire": 0, "clap": 0}


def test_engagement_counts(client, moderator, rows, watched):
    _, session_id, people = watched
    sid, a = uuid.UUID(session_id), uuid.UUID(people["A"].id)
    rows.add_many(Message, [{"session_id": sid, "user_id": a, "text": f"hi {i}"} for i in range(3)])
    rows.add(Message, session_id=sid, user_id=a, text="gone", is_deleted=True)
    rows.add(Question, session_id=sid, user_id=a, text="why?")
    body = client.get(f"/api/sessions/{session_id}/analytics", headers=moderator.headers).get_json()
    assert body["engagement"] == {
        "messages": 3,
        "questions": 1,
        "upvotes": 0,
        "pollVotes": 0,
        "surveyResponses": 0,
        "reactions": {"like": 0, "heart": 0, "fire": 0, "clap": 0},
    }


def test_draft_sessions_are_404_for_moderators_but_not_admins(client, moderator, admin, rows, pinned_now):
    event_id = rows.event(project_status="DRAFT")
    session_id = rows.session(event_id)
    assert client.get(f"/api/sessions/{session_id}/analytics", headers=moderator.headers).status_code == 404
    assert client.get(f"/api/events/{event_id}/analytics", headers=moderator.headers).status_code == 404
    assert client.get(f"/api/sessions/{session_id}/viewers", headers=moderator.headers).status_code == 404
    assert client.get(f"/api/sessions/{session_id}/analytics", headers=admin.headers).status_code == 200
    assert client.get(f"/api/sessions/{uuid.uuid4()}/analytics", headers=admin.headers).status_code == 404


def test_viewers_list(client, moderator, watched):
    _, session_id, people = watched
    body = client.get(f"/api/sessions/{session_id}/viewers", headers=moderator.headers).get_json()
    assert body == [
        {
            "userId": people["A"].id,
            "name": "Viewer A",
            "joinedAt": iso(m(10)),
            "leftAt": iso(m(80)),
            "watchSeconds": 4200,
            "live": False,
        },
        {
            "userId": people["B"].id,
            "name": "Viewer B",
            "joinedAt": iso(m(50)),
            "leftAt": None,
            "watchSeconds": 2700,
            "live": True,
        },
        {
            "userId": people["C"].id,
            "name": "Viewer C",
            "joinedAt": iso(m(65)),
            "leftAt": iso(m(70)),
            "watchSeconds": 300,
            "live": False,
        },
    ]
    live = client.get(f"/api/sessions/{session_id}/viewers?live=true", headers=moderator.headers).get_json()
    assert [v["name"] for v in live] == ["Viewer B"]
    gone = client.get(f"/api/sessions/{session_id}/viewers?live=false&limit=1&offset=1", headers=moderator.headers)
    assert [v["name"] for v in gone.get_json()] == ["Viewer C"]


def test_event_analytics(client, moderator, rows, watched):
    event_id, session_id, people = watched
    second = rows.session(event_id, title="Panel")
    # A watches the second session 10:00-10:30, overlapping their keynote tab: the event counts the union.
    rows.add(
        SessionView, session_id=uuid.UUID(second), user_id=uuid.UUID(people["A"].id), joined_at=m(60), left_at=m(90)
    )
    rows.add(
        EventUser,
        event_id=uuid.UUID(event_id),
        user_id=uuid.UUID(people["B"].id),
        joined_at=m(50),
        watch_time=2700,
        engagement_score=45.0,
    )
    rows.add(
        EventUser,
        event_id=uuid.UUID(event_id),
        user_id=uuid.UUID(people["A"].id),
        joined_at=m(10),
        watch_time=4800,
        engagement_score=80.0,
    )
    body = client.get(f"/api/events/{event_id}/analytics", headers=moderator.headers).get_json()
    assert body["eventId"] == event_id
    assert body["uniqueViewers"] == 3
    assert body["totalWatchSeconds"] == 4800 + 2700 + 300  # A: 09:10-10:30 over both sessions
    assert body["peakConcurrent"] == 2 and body["peakAt"] == iso(m(50))
    keynote, panel = body["sessions"]
    assert keynote["sessionId"] == session_id and keynote["totalWatchSeconds"] == 7200
    assert "timeline" not in keynote and "products" not in keynote
    assert panel["totalViews"] == 1 and panel["totalWatchSeconds"] == 1800 and panel["peakConcurrent"] == 1
    assert [a["name"] for a in body["topAttendees"]] == ["Viewer A", "Viewer B"]
    assert body["topAttendees"][0] == {
        "userId": people["A"].id,
        "name": "Viewer A",
        "watchSeconds": 4800,
        "engagementScore": 80.0,
    }


def test_session_analytics_runs_a_bounded_number_of_queries(app, rows, watched, count_queries):
    _, session_id, people = watched
    with app.test_request_context():
        actor = db.session.get(Profile, uuid.UUID(people["A"].id))
        actor.role = Role.ADMIN
        db.session.flush()
        analytics.session_analytics(actor, session_id)  # warm caches (which commerce tables exist)
        with count_queries() as counter:
            analytics.session_analytics(actor, session_id)
        first = counter.count
        # Ten times the views: the same number of queries.
        more = [
            SessionView(session_id=uuid.UUID(session_id), user_id=actor.id, joined_at=m(i), left_at=m(i + 0.5))
            for i in range(40)
        ]
        db.session.add_all(more)
        db.session.flush()
        with count_queries() as counter:
            analytics.session_analytics(actor, session_id)
        assert counter.count == first
        assert first <= 12
        db.session.rollback()


def test_event_analytics_runs_a_bounded_number_of_queries(app, rows, watched, count_queries):
    """Every session's figures and the event's come from one statement; reactions from one query."""
    event_id, _, people = watched

    def queries() -> tuple[int, dict]:
        with app.test_request_context():
            actor = db.session.get(Profile, uuid.UUID(people["A"].id))
            actor.role = Role.ADMIN
            db.session.flush()
            analytics.event_analytics(actor, event_id)  # warm caches (which commerce tables exist)
            with count_queries() as counter:
                body = analytics.event_analytics(actor, event_id)
            db.session.rollback()
        return counter.count, body

    first, body = queries()
    # One session: the event's figures are that session's (no second pass over the views).
    assert (body["unique_viewers"], body["total_watch_seconds"], body["peak_concurrent"]) == (3, 7200, 2)
    assert body["peak_at"] == m(50)
    # Three more sessions with views: the same number of queries.
    for n in range(3):
        session_id = rows.session(event_id, title=f"Extra {n}")
        rows.add(
            SessionView,
            session_id=uuid.UUID(session_id),
            user_id=uuid.UUID(people["C"].id),
            joined_at=m(n),
            left_at=m(n + 5),
        )
    count, body = queries()
    assert len(body["sessions"]) == 4
    assert count == first
    # visible event, its sessions, (PostgreSQL settings), the figures, engagement, reactions, top attendees
    assert first <= 7


@pytest.fixture
def commerce_tables():
    """The live-commerce tables the figures read (written directly, with known times)."""
    from plataforma.models.commerce import ProductClick, ProductFeatureSpan, ReactionTotal

    return {model.__tablename__: model.__table__ for model in (ProductClick, ProductFeatureSpan, ReactionTotal)}


def test_product_and_reaction_figures(client, moderator, make_user, rows, watched, commerce_tables):
    """Clicks, unique clickers (a guest counts once), featured seconds (open spans up to now), reactions."""
    from plataforma.models import Product, SessionProduct

    _, session_id, people = watched
    sid = uuid.UUID(session_id)
    mug = uuid.UUID(rows.add(Product, name="Mug", price=10))
    hat = uuid.UUID(rows.add(Product, name="Hat", price=20))
    attached = uuid.UUID(rows.add(Product, name="Attached only", price=5))
    rows.add_many(SessionProduct, [{"session_id": sid, "product_id": attached}])
    guest = uuid.uuid4()
    a, b = uuid.UUID(people["A"].id), uuid.UUID(people["B"].id)
    clicks = [(mug, a, None), (mug, a, None), (mug, None, guest), (mug, None, guest), (hat, b, None)]
    with client.application.app_context(), db.engine.begin() as conn:
        conn.execute(
            commerce_tables["product_clicks"].insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "session_id": sid,
                    "product_id": p,
                    "user_id": u,
                    "guest_id": g,
                    "created_at": m(60),
                }
                for p, u, g in clicks
            ],
        )
        conn.execute(
            commerce_tables["product_feature_spans"].insert(),
            [
                {"id": uuid.uuid4(), "session_id": sid, "product_id": hat, "started_at": m(10), "ended_at": m(20)},
                {"id": uuid.uuid4(), "session_id": sid, "product_id": hat, "started_at": m(110), "ended_at": None},
            ],
        )
        conn.execute(
            commerce_tables["reaction_totals"].insert(),
            [
                {"session_id": sid, "type": "like", "count": 7},
                {"session_id": sid, "type": "fire", "count": 2},
            ],
        )
    body = client.get(f"/api/sessions/{session_id}/analytics", headers=moderator.headers).get_json()
    assert body["products"] == [
        {"productId": str(mug), "name": "Mug", "clicks": 4, "uniqueClickers": 2, "featuredSeconds": 0},
        {"productId": str(hat), "name": "Hat", "clicks": 1, "uniqueClickers": 1, "featuredSeconds": 600 + 600},
        {"productId": str(attached), "name": "Attached only", "clicks": 0, "uniqueClickers": 0, "featuredSeconds": 0},
    ]
    assert body["engagement"]["reactions"] == {"like": 7, "heart": 0, "fire": 2, "clap": 0}
