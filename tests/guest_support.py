"""Helpers for the guest tests (SPEC §12): two events that allow guests, each with a session, a stream,
a room, a message, a question, an active poll and a product on show; GUEST tokens for one of them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from plataforma.extensions import db
from plataforma.models import Event, EventSession, EventStatus, Project, ProjectStatus, Room, Stream, StreamSource
from plataforma.models import StreamStatus as S
from plataforma.models import utcnow as now
from tests.api.commerce_support import attach, make_product


@dataclass
class Place:
    event: str
    session: str
    stream: str
    room: str
    message: str
    question: str
    poll: str
    option: str
    product: str


def _rows(app, *, allow_guests: bool, status: EventStatus = EventStatus.LIVE) -> tuple[str, str, str, str]:
    with app.app_context():
        project = Project(name="Project", status=ProjectStatus.LIVE)
        event = Event(
            project=project,
            title="Guest night",
            slug=f"guest-night-{uuid.uuid4().hex[:8]}",
            status=status,
            allow_guests=allow_guests,
        )
        session = EventSession(event=event, title="Main stage")
        db.session.add_all([project, event, session])
        db.session.flush()
        stream = Stream(
            event_id=event.id, source_type=StreamSource.AGORA, source_url="stage-1", status=S.LIVE, started_at=now()
        )
        room = Room(event_id=event.id, name="Lobby")
        db.session.add_all([stream, room])
        db.session.commit()
        ids = str(event.id), str(session.id), str(stream.id), str(room.id)
        db.session.remove()
        return ids


def place(app, client, admin, moderator, attendee, *, allow_guests: bool = True) -> Place:
    """An event with one of everything a guest may read, made through the API where it can be."""
    event, session, stream, room = _rows(app, allow_guests=allow_guests)
    message = client.post("/api/messages", json={"sessionId": session, "text": "hi"}, headers=attendee.headers)
    question = client.post("/api/questions", json={"sessionId": session, "text": "why?"}, headers=attendee.headers)
    poll = client.post(
        "/api/polls",
        json={"sessionId": session, "question": "Best?", "options": ["A", "B"], "isActive": True},
        headers=moderator.headers,
    )
    product = make_product(client, admin, name=f"Mug {uuid.uuid4().hex[:4]}")
    attach(client, moderator, session, product["id"], featured=True)
    assert {message.status_code, question.status_code, poll.status_code} == {201}
    return Place(
        event=event,
        session=session,
        stream=stream,
        room=room,
        message=message.get_json()["id"],
        question=question.get_json()["id"],
        poll=poll.get_json()["id"],
        option=poll.get_json()["options"][0]["id"],
        product=product["id"],
    )


def guest_session(client, event_id: str) -> dict:
    response = client.post("/api/auth/guest", json={"eventId": event_id})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["session"]


def guest_headers(client, event_id: str) -> dict:
    return {"Authorization": f"Bearer {guest_session(client, event_id)['access_token']}"}


def expired_guest_token(app, event_id: str) -> str:
    """A GUEST token for ``event_id`` that expired 30 seconds ago."""
    from flask_jwt_extended import create_access_token

    from plataforma.services.tokens import GUEST_EVENT_CLAIM

    with app.app_context():
        return create_access_token(
            identity=str(uuid.uuid4()),
            additional_claims={"role": "guest", GUEST_EVENT_CLAIM: event_id},
            expires_delta=timedelta(seconds=-30),
        )
