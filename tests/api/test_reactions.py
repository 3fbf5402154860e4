"""Reactions over REST, the aggregator round and the durable totals (SPEC §10)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from plataforma.extensions import db
from plataforma.models import Reaction, ReactionTotal
from plataforma.services import reactions
from tests.conftest import UserFactory

ZERO = {"like": 0, "heart": 0, "fire": 0, "clap": 0}


def _react(client, user, session_id, kind="like"):
    return client.post("/api/reactions", json={"sessionId": session_id, "type": kind}, headers=user.headers)


def _totals(client, user, session_id) -> dict:
    response = client.get(f"/api/sessions/{session_id}/reactions", headers=user.headers)
    assert response.status_code == 200, response.json
    assert response.json["sessionId"] == session_id
    return response.json["totals"]


def _round(app) -> dict:
    with app.app_context():
        return reactions.run_once(app)


def test_reactions_are_accepted_then_counted_by_the_round(app, client, make_user, live_session):
    users = [make_user() for _ in range(3)]
    for user in users:
        for kind in ("like", "heart", "like"):
            response = _react(client, user, live_session, kind)
            assert response.status_code == 202 and response.json == {"accepted": True}
    response = _react(client, users[0], live_session, "clap")
    assert response.status_code == 202
    assert _totals(client, users[0], live_session) == ZERO  # not written yet: no row per reaction

    assert _round(app) == {"broadcasts": 1, "written": 10}
    assert _totals(client, users[1], live_session) == {"like": 6, "heart": 3, "fire": 0, "clap": 1}
    assert _round(app) == {"broadcasts": 0, "written": 0}  # idle: nothing to send or write

    _react(client, users[2], live_session, "fire")
    _round(app)
    assert _totals(client, users[1], live_session) == {"like": 6, "heart": 3, "fire": 1, "clap": 1}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReactionTotal)) == 4  # one row per type
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Reaction)) == 0


def test_two_processes_add_up_in_the_totals(app, make_app, client, attendee, live_session):
    """Each process aggregates its own reactions; the UPSERT adds them (count = count + n)."""
    other = make_app()
    with app.app_context():
        reactions.aggregator(app).add(uuid.UUID(live_session), "heart", 5)
    with other.app_context():
        reactions.aggregator(other).add(uuid.UUID(live_session), "heart", 7)
    _round(app)
    _round(other)
    assert _totals(client, attendee, live_session)["heart"] == 12


@pytest.mark.parametrize(
    "body",
    [{"sessionId": "S", "type": "love"}, {"sessionId": "S", "type": "LIKE"}, {"sessionId": "S"},
     {"type": "like"}, {"sessionId": "S", "type": "like", "extra": 1}, {"sessionId": "x", "type": "like"}],
)  # fmt: skip
def test_invalid_reactions_are_400(client, attendee, live_session, body):
    body = {key: (live_session if value == "S" else value) for key, value in body.items()}
    response = client.post("/api/reactions", json=body, headers=attendee.headers)
    assert response.status_code == 400 and response.json["error"]["code"] == "validation_error"


def test_reactions_need_a_token_and_a_visible_session(client, attendee, admin, draft_session):
    assert client.post("/api/reactions", json={"sessionId": draft_session, "type": "like"}).status_code == 401
    for session_id in (draft_session, str(uuid.uuid4())):
        response = _react(client, attendee, session_id)
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
        assert client.get(f"/api/sessions/{session_id}/reactions", headers=attendee.headers).status_code == 404
    assert _react(client, admin, draft_session).status_code == 202
    assert client.get(f"/api/sessions/{draft_session}/reactions").status_code == 401


def test_rate_limit_per_user_is_429_with_retry_after(make_app, content):
    app = make_app(REACTION_RATE_LIMIT="3 per minute")
    client = app.test_client()
    session_id = content.session()
    make_user = UserFactory(app)
    user, other = make_user(), make_user()
    assert [_react(client, user, session_id).status_code for _ in range(3)] == [202] * 3
    refused = _react(client, user, content.session())  # the budget is per user, across sessions
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert _react(client, other, session_id).status_code == 202
    with app.app_context():
        assert reactions.run_once(app)["written"] == 4  # the refused one was not counted


def test_a_failed_write_keeps_the_counts_for_the_next_round(app, client, attendee, live_session, monkeypatch):
    _react(client, attendee, live_session, "clap")

    def broken(unwritten):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database down"))

    monkeypatch.setattr(reactions, "write_totals", broken)
    assert _round(app)["written"] == 0
    monkeypatch.undo()
    assert _round(app)["written"] == 1
    assert _totals(client, attendee, live_session)["clap"] == 1


def test_reactions_of_a_deleted_session_are_dropped(app, client, admin, attendee, content):
    session_id = content.session()
    kept = content.session()
    _react(client, attendee, session_id)
    _react(client, attendee, kept)
    assert client.delete(f"/api/sessions/{session_id}", headers=admin.headers).status_code == 204
    assert _round(app)["written"] == 1
    assert _totals(client, attendee, kept)["like"] == 1


def test_shutdown_writes_what_is_pending(app, client, attendee, live_session):
    _react(client, attendee, live_session, "fire")
    with app.app_context():
        assert reactions.shutdown(app) == 1
    assert _totals(client, attendee, live_session)["fire"] == 1


def test_the_round_is_not_started_under_testing(app, client, attendee, live_session):
    _react(client, attendee, live_session)
    assert reactions.aggregator(app).started is False
