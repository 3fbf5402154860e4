"""Guests (SPEC §12) on Socket.IO: a GUEST token connects; every client event of the contract tried with it
(join / leave / reactions work, the rest is `guest_not_allowed`); other events are 404; guests count in
`viewer_count`, as anonymous visits in `session_views` and as one viewer each in the analytics."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from flask_jwt_extended import decode_token

from plataforma.extensions import db
from plataforma.models import EventUser, SessionView
from plataforma.realtime import housekeeping
from plataforma.schemas import socket as catalogue
from plataforma.services import reactions
from tests.guest_support import expired_guest_token, guest_session, place

# SPEC §12's socket allow-list, as the contract catalogue declares it (the guard reads the same flags).
ALLOWED = {name for name, event in catalogue.CLIENT_EVENTS.items() if event.guests}


@pytest.fixture
def world(app, client, admin, moderator, attendee):
    return {
        "own": place(app, client, admin, moderator, attendee),
        "other": place(app, client, admin, moderator, attendee),
    }


@pytest.fixture
def guest_token(client, world):
    return guest_session(client, world["own"].event)["access_token"]


def _guest_id(app, token) -> uuid.UUID:
    with app.app_context():
        return uuid.UUID(decode_token(token)["sub"])


def _payloads(place) -> dict:
    return {
        "join_session": {"sessionId": place.session},
        "send_reaction": {"sessionId": place.session, "type": "heart"},
        "leave_session": {"sessionId": place.session},
    }


def test_a_guest_token_connects(sio, guest_token):
    assert sio(auth={"token": guest_token}).is_connected()


def test_every_client_event_with_a_guest_socket(sio, guest_token, world):
    client = sio(auth={"token": guest_token})
    assert {"join_session", "leave_session", "send_reaction"} == ALLOWED
    for name in catalogue.CLIENT_EVENTS:
        if name in ALLOWED:
            continue
        answer = client.ack(name, {})
        assert answer["ok"] is False and answer["error"]["code"] == "guest_not_allowed", (name, answer)
    for name, payload in _payloads(world["own"]).items():  # join, react, leave: in this order
        answer = client.ack(name, payload)
        assert answer["ok"] is True, (name, answer)
    assert client.is_connected()  # a refusal is an answer, not a disconnect


def test_refused_events_change_nothing(app, client, sio, guest_token, world, attendee):
    own = world["own"]
    socket = sio(auth={"token": guest_token})
    assert socket.ack("join_session", {"sessionId": own.session})["ok"]
    refused = {
        "send_message": {"sessionId": own.session, "text": "hello"},
        "upvote_question": {"questionId": own.question},
        "vote_poll": {"pollId": own.poll, "optionId": own.option},
    }
    for name, payload in refused.items():
        assert socket.ack(name, payload)["error"]["code"] == "guest_not_allowed"
    messages = client.get(f"/api/messages/session/{own.session}", headers=attendee.headers).get_json()
    assert len(messages) == 1
    poll = client.get(f"/api/polls/session/{own.session}/active", headers=attendee.headers).get_json()
    assert poll["totalVotes"] == 0


def test_another_events_sessions_are_404(sio, guest_token, world):
    client = sio(auth={"token": guest_token})
    other = world["other"]
    for name, payload in _payloads(other).items():
        answer = client.ack(name, payload)
        assert answer["ok"] is False and answer["error"]["code"] == "not_found", (name, answer)
    answer = client.ack("join_session", {"sessionId": str(uuid.uuid4())})
    assert answer["error"]["code"] == "not_found"


def test_an_expired_guest_token_is_refused_at_connect(app, sio, world):
    client = sio(auth={"token": expired_guest_token(app, world["own"].event)})
    assert not client.is_connected()
    assert client.connect_errors[-1]["data"]["code"] == "token_expired"


def test_a_guest_socket_hears_the_room(client, sio, guest_token, world, attendee, moderator):
    own = world["own"]
    socket = sio(auth={"token": guest_token})
    assert socket.ack("join_session", {"sessionId": own.session})["ok"]
    socket.get_received()
    client.post("/api/messages", json={"sessionId": own.session, "text": "to the room"}, headers=attendee.headers)
    client.post(f"/api/streams/{own.stream}/pause", headers=moderator.headers)
    assert [m["text"] for m in socket.events("new_message")] == ["to the room"]
    assert socket.events("stream_status") == [{"streamId": own.stream, "eventId": own.event, "status": "PAUSED"}]


def test_guests_count_as_viewers_and_visit_anonymously(app, client, sio, joined, world, attendee):
    own = world["own"]
    watcher = joined(attendee, own.session)
    tokens = [guest_session(client, own.event)["access_token"] for _ in range(2)]
    sockets = [sio(auth={"token": token}) for token in tokens]
    for socket in sockets:
        assert socket.ack("join_session", {"sessionId": own.session})["data"]["viewerCount"] >= 2
    assert watcher.events("viewer_count")[-1] == {"sessionId": own.session, "count": 3}
    second_tab = sio(auth={"token": tokens[0]})  # the same guest twice is one viewer
    assert second_tab.ack("join_session", {"sessionId": own.session})["data"]["viewerCount"] == 3

    guest_ids = {_guest_id(app, token) for token in tokens}
    with app.app_context():
        visits = db.session.execute(
            sa.select(SessionView.user_id, SessionView.guest_id).where(SessionView.session_id == uuid.UUID(own.session))
        ).all()
        assert {guest for user, guest in visits if user is None} == guest_ids
        assert sum(1 for user, _ in visits if user is None) == 3
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EventUser)) == 1  # the attendee only
        db.session.remove()

    assert sockets[1].ack("leave_session", {"sessionId": own.session})["data"]["viewerCount"] == 2
    with app.app_context():
        closed = db.session.scalar(
            sa.select(SessionView.left_at).where(SessionView.guest_id == _guest_id(app, tokens[1]))
        )
        assert closed is not None
        db.session.remove()


def test_a_guest_is_one_anonymous_viewer_in_the_analytics(app, client, sio, joined, world, attendee, moderator):
    own = world["own"]
    joined(attendee, own.session)
    token = guest_session(client, own.event)["access_token"]
    tabs = [sio(auth={"token": token}) for _ in range(2)]
    for tab in tabs:
        assert tab.ack("join_session", {"sessionId": own.session})["ok"]
    figures = client.get(f"/api/sessions/{own.session}/analytics", headers=moderator.headers).get_json()
    assert (figures["liveViewers"], figures["uniqueViewers"], figures["totalViews"]) == (2, 2, 3)
    viewers = client.get(f"/api/sessions/{own.session}/viewers", headers=moderator.headers).get_json()
    assert sorted((v["userId"] is None, v["name"] is None) for v in viewers) == [(False, False), (True, True)]


def test_guest_reactions_count(app, client, sio, guest_token, world, attendee):
    own = world["own"]
    socket = sio(auth={"token": guest_token})
    for _ in range(3):
        assert socket.ack("send_reaction", {"sessionId": own.session, "type": "fire"})["ok"]
    with app.app_context():
        reactions.run_once(app)
    totals = client.get(f"/api/sessions/{own.session}/reactions", headers=attendee.headers).get_json()
    assert totals["totals"]["fire"] == 3


def test_turning_guests_off_takes_guest_sockets_out_of_the_room(app, client, sio, guest_token, world, admin):
    own = world["own"]
    socket = sio(auth={"token": guest_token})
    assert socket.ack("join_session", {"sessionId": own.session})["ok"]
    socket.get_received()
    client.patch(f"/api/events/{own.event}", json={"allowGuests": False}, headers=admin.headers)
    with app.app_context():
        removed = housekeeping.sweep_hidden_rooms()
    assert [session for _sid, session in removed] == [own.session]
    assert socket.events("session_unavailable") == [{"sessionId": own.session}]
    assert socket.ack("join_session", {"sessionId": own.session})["error"]["code"] == "not_found"


def test_orphan_guest_visits_are_closed_by_the_sweep(app, client, world):
    own = world["own"]
    token = guest_session(client, own.event)["access_token"]
    from plataforma.models import EventSession
    from plataforma.services import attendance

    with app.app_context():
        session = db.session.get(EventSession, uuid.UUID(own.session))
        attendance.start_visit(_guest_id(app, token), session, guest=True)
        db.session.commit()
        assert housekeeping.close_orphan_visits() == 1
        assert db.session.scalar(sa.select(SessionView.left_at)) is not None
        db.session.remove()
