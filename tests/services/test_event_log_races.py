"""The event log under concurrent writers (SPEC §16): no gaps, no duplicates, payloads in order.

PostgreSQL only: SQLite serialises writers, so it cannot show a race."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import SessionEvent, SessionEventCounter
from tests.api.interaction_support import seed_question
from tests.api.test_races import _run_together


@pytest.fixture(autouse=True)
def _postgres_only(is_postgres):
    if not is_postgres:
        pytest.skip("race tests need PostgreSQL (set TEST_DATABASE_URL); SQLite serialises all writers")


def _log(app, session_id) -> list[SessionEvent]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(SessionEvent).where(SessionEvent.session_id == uuid.UUID(session_id)).order_by(SessionEvent.seq)
        ).all()
        db.session.expunge_all()
        return rows


def test_concurrent_writers_get_consecutive_seqs(app, make_user, moderator, admin, content):
    session_id = content.session()
    other_session = content.session()
    question_id = seed_question(app, session_id, admin.id)
    writers = [make_user() for _ in range(16)]
    requests = [
        lambda c, h=w.headers: c.post("/api/messages", json={"sessionId": session_id, "text": "hi"}, headers=h)
        for w in writers
    ]
    requests += [lambda c, h=w.headers: c.patch(f"/api/questions/{question_id}/upvote", headers=h) for w in writers]
    requests += [
        lambda c, h=w.headers: c.post("/api/messages", json={"sessionId": other_session, "text": "x"}, headers=h)
        for w in writers[:4]
    ]
    results = _run_together(app, requests)
    assert {status for status, _ in results} <= {200, 201}

    rows = _log(app, session_id)
    assert [row.seq for row in rows] == list(range(1, 33))  # no gap, no duplicate
    assert sorted(row.event for row in rows) == ["new_message"] * 16 + ["questions_updated"] * 16
    # Each questions_updated was computed after the seq was taken: upvote counts never go back.
    upvotes = [row.data[0]["upvotes"] for row in rows if row.event == "questions_updated"]
    assert upvotes == list(range(1, 17))
    assert [row.seq for row in _log(app, other_session)] == [1, 2, 3, 4]
    with app.app_context():
        counters = dict(
            db.session.execute(sa.select(SessionEventCounter.session_id, SessionEventCounter.last_seq)).all()
        )
    assert counters == {uuid.UUID(session_id): 32, uuid.UUID(other_session): 4}


def test_concurrent_stream_changes_across_sessions_do_not_deadlock(app, admin, content):
    event = content.event()
    sessions = [content.session(event) for _ in range(5)]
    client = app.test_client()
    streams = [
        client.post("/api/streams", json={"eventId": event, "sourceType": "HLS"}, headers=admin.headers).get_json()[
            "id"
        ]
        for _ in range(6)
    ]
    results = _run_together(
        app,
        [lambda c, s=s: c.patch(f"/api/streams/{s}", json={"status": "LIVE"}, headers=admin.headers) for s in streams],
    )
    assert results == [(200, None)] * 6
    for session_id in sessions:
        assert [row.seq for row in _log(app, session_id)] == list(range(1, 7))
