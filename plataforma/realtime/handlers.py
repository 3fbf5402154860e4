"""Socket.IO connection auth and client events (SPEC §7).

Each handler is thin: the payload is loaded with the schema REST uses, the
service does the work, ``commit()`` persists it and emits the queued room
events, and only then is the acknowledgement returned.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app, request
from flask_socketio import ConnectionRefusedError, join_room, leave_room
from marshmallow import fields, validate

from plataforma.errors import NotFound, ValidationFailed
from plataforma.extensions import db, socketio
from plataforma.models import Poll, Question
from plataforma.realtime import housekeeping, viewers
from plataforma.realtime.broadcast import session_room
from plataforma.realtime.connections import Connection, Joined, presence, registry
from plataforma.realtime.guard import (
    authenticate_connection,
    client_event,
    fail,
    require_joined,
)
from plataforma.schemas.base import CamelSchema
from plataforma.schemas.interaction import (
    MessageCreateSchema,
    PollVoteSchema,
    QuestionViewSchema,
    SessionRefSchema,
    UpvoteSchema,
)
from plataforma.services import attendance, chat, commit, polls, qa, visibility

log = logging.getLogger(__name__)

session_ref_schema = SessionRefSchema()
message_create_schema = MessageCreateSchema()
upvote_schema = UpvoteSchema()
poll_vote_schema = PollVoteSchema()
question_schema = QuestionViewSchema()


# ---------------------------------------------------------------- connection


@socketio.on("connect")
def connect(auth=None):
    """Refuse connections without a valid, unrevoked access token."""
    try:
        conn = authenticate_connection(auth)
    except ConnectionRefusedError:
        raise
    except Exception:  # never let a TypeError reach Flask-SocketIO's retry-without-args
        log.exception("Socket connect failed")
        db.session.rollback()
        raise ConnectionRefusedError("The server could not check the token.", {"code": "service_unavailable"}) from None
    finally:
        db.session.remove()
    registry().add(conn)
    housekeeping.ensure_started(current_app._get_current_object())


@socketio.on("disconnect")
def disconnect(reason=None):
    """Leave every joined session: viewer counts drop, visits close."""
    conn = registry().pop(request.sid)
    if conn is None:
        return
    with conn.lock:
        conn.closed = True
        joined, conn.joined = list(conn.joined.values()), {}
    for visit in joined:
        _leave(conn, visit, skip_sid=conn.sid)
    _close_visits(joined)


def _leave(conn: Connection, visit: Joined, *, skip_sid: str | None = None) -> int:
    count = presence().remove(visit.session_id, conn.user_id)
    viewers.changed(visit.session_id, count, skip_sid=skip_sid)
    return count


def _close_visits(visits: list[Joined]) -> None:
    """Attendance is bookkeeping: a failure is logged, it does not undo the leave."""
    if not visits:
        return
    try:
        for visit in visits:
            attendance.end_visit(visit.view_id)
        commit()
    except Exception:
        db.session.rollback()
        log.exception("Could not record the end of %d visit(s)", len(visits))
    finally:
        db.session.remove()


# ---------------------------------------------------------------- rooms


@client_event("join_session", session_ref_schema)
def join_session(conn: Connection, actor, data) -> dict:
    """Join the session's room; the ack carries the viewer count."""
    session_id = data["session_id"]
    with conn.lock:
        if session_id in conn.joined:
            return {"sessionId": str(session_id), "viewerCount": presence().count(session_id)}
        session = visibility.visible_session(actor, session_id)
        count = presence().add(session_id, actor.id)
        try:
            view = attendance.start_visit(actor.id, session)
            commit()
        except Exception:
            presence().remove(session_id, actor.id)
            raise
        conn.joined[session_id] = Joined(session_id=session_id, event_id=session.event_id, view_id=view.id)
        join_room(session_room(session_id))
    viewers.changed(session_id, count)
    return {"sessionId": str(session_id), "viewerCount": count}


@client_event("leave_session", session_ref_schema)
def leave_session(conn: Connection, actor, data) -> dict:
    """Leave the session's room."""
    session_id = data["session_id"]
    with conn.lock:
        visit = conn.joined.pop(session_id, None)
        if visit is None:
            require_joined(conn, actor, session_id)  # raises not_found / not_joined
        leave_room(session_room(session_id))
        count = _leave(conn, visit)
    _close_visits([visit])
    return {"sessionId": str(session_id), "viewerCount": count}


# ---------------------------------------------------------------- interaction


@client_event("send_message", message_create_schema)
def send_message(conn: Connection, actor, data) -> dict:
    """Persist a chat message, then ``new_message`` to the room; the ack carries the Message."""
    session_id = data["session_id"]
    require_joined(conn, actor, session_id)
    message = chat.post_message(actor, session_id, data["text"])
    payload = chat.message_payload(message)
    commit()
    return payload


def _session_of(model, ident, what: str):
    session_id = db.session.scalar(sa.select(model.session_id).where(model.id == ident))
    if session_id is None:
        raise NotFound(f"{what} not found.")
    return session_id


@client_event("upvote_question", upvote_schema)
def upvote_question(conn: Connection, actor, data) -> dict:
    """As PATCH /api/questions/:id/upvote; the ack carries the Question."""
    require_joined(conn, actor, _session_of(Question, data["question_id"], "Question"))
    question = qa.upvote_question(actor, data["question_id"])
    payload = question_schema.dump(qa.mark_upvoted(actor, [question])[0])
    commit()
    return payload


@client_event("vote_poll", poll_vote_schema)
def vote_poll(conn: Connection, actor, data) -> dict:
    """As POST /api/polls/vote; the ack carries the Poll with the caller's vote."""
    require_joined(conn, actor, _session_of(Poll, data["poll_id"], "Poll"))
    poll = polls.vote_in_poll(actor, data["poll_id"], data["option_id"])
    payload = polls.poll_payload(poll, viewer_id=actor.id)
    commit()
    return payload


# ---------------------------------------------------------------- test hook


class SlowQuerySchema(CamelSchema):
    seconds = fields.Float(required=True, validate=validate.Range(min=0, max=5))


@client_event("debug_slow_query", SlowQuerySchema())
def debug_slow_query(conn: Connection, actor, data) -> dict:
    """Only with TESTING_SLOW_QUERY_EVENT (never in production): run pg_sleep to prove nothing stalls."""
    if not current_app.config.get("TESTING_SLOW_QUERY_EVENT"):
        raise NotFound("Unknown event.", code="unknown_event")
    if db.session.get_bind().dialect.name != "postgresql":
        raise ValidationFailed("pg_sleep needs PostgreSQL.")
    db.session.execute(sa.text("SELECT pg_sleep(:seconds)"), {"seconds": data["seconds"]})
    db.session.rollback()
    return {"slept": data["seconds"]}


@socketio.on("*")
def unknown_event(event, *_args):
    return fail("unknown_event", f"Unknown event {event!r}.")
