"""Socket.IO connection auth and client events (SPEC §7).

Each handler is thin: the payload is loaded with the schema REST uses, the
service does the work, ``commit()`` persists it and emits the queued room
events, and only then is the acknowledgement returned.
"""

from __future__ import annotations

import logging

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, join_room, leave_room
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError

from plataforma.errors import Unauthorized, remove_session, rollback
from plataforma.extensions import db, socketio
from plataforma.realtime import housekeeping, limits, viewers
from plataforma.realtime.batches import Batcher, Post
from plataforma.realtime.connections import Connection, Joined, presence, registry
from plataforma.realtime.guard import (
    authenticate_connection,
    check_room_rate,
    client_event,
    fail,
    forget_routing_error,
    require_joined,
)
from plataforma.realtime.visits import close_visits, leave_presence, leave_visits
from plataforma.schemas.integration import JoinSessionSchema
from plataforma.schemas.interaction import (
    MessageCreateSchema,
    PollVoteSchema,
    SessionRefSchema,
    UpvoteSchema,
)
from plataforma.services import attendance, bans, chat, commit, event_log, polls, qa, visibility
from plataforma.services.events import moderators_room, session_room

log = logging.getLogger(__name__)

session_ref_schema = SessionRefSchema()
join_session_schema = JoinSessionSchema()
message_create_schema = MessageCreateSchema()
upvote_schema = UpvoteSchema()
poll_vote_schema = PollVoteSchema()


# ---------------------------------------------------------------- connection

# python-socketio hands a client *event* named "connect" or "disconnect" to the connection handlers
# too (with whatever arguments the client sent). The real ones are told apart by the connection state:
# the real connect runs while the sid is still pending (not yet connected), the real disconnect once
# the sid is being disconnected (no longer connected). A client event runs on a connected socket.


def _manager():
    return socketio.server.manager


def _reserved(name: str) -> dict:
    return fail("unknown_event", f"{name!r} is reserved; it cannot be sent as an event.")


@socketio.on("connect")
def connect(auth=None):
    """Refuse connections without a valid, unrevoked access token."""
    forget_routing_error()
    if not _manager().is_pre_connected(request.sid, request.namespace or "/"):
        return _reserved("connect")
    try:
        conn = authenticate_connection(auth)
        if not limits.claim_socket(conn.user_id, conn.sid, registry().count_user(conn.user_id)):
            message = "Too many open connections for this user; close one first."
            raise ConnectionRefusedError(message, {"code": "too_many_connections", "message": message})
    except ConnectionRefusedError:
        raise
    except Exception as exc:  # never let a TypeError reach Flask-SocketIO's retry-without-args
        log.error("Socket connect failed: %r", exc, exc_info=not isinstance(exc, OperationalError | RedisError))
        rollback()
        message = "The server could not check the token; retry shortly."
        raise ConnectionRefusedError(message, {"code": "service_unavailable", "message": message}) from None
    finally:
        remove_session()
    if not registry().add(conn):  # never replace the record (joined rooms, visits) of a live sid
        raise ConnectionRefusedError("The connection is already open.", {"code": "conflict"})
    housekeeping.ensure_started(current_app._get_current_object())


@socketio.on("disconnect")
def disconnect(reason=None, *_extra):
    """Leave every joined session: viewer counts drop, visits close."""
    forget_routing_error()
    if _manager().is_connected(request.sid, request.namespace or "/"):
        return _reserved("disconnect")  # a client event: the socket is not going anywhere
    conn = registry().pop(request.sid)
    if conn is None:
        return None
    try:
        limits.release_socket(conn.user_id, conn.sid)
    except RedisError as exc:  # its entry expires without the heartbeat
        log.warning("Could not release socket %s in Redis: %s", conn.sid, exc)
    with conn.lock:
        conn.closed = True
        joined, conn.joined = list(conn.joined.values()), {}
    leave_visits(conn, joined, skip_sid=conn.sid)
    return None


# ---------------------------------------------------------------- rooms


def _still_open(conn: Connection) -> None:
    """Under ``conn.lock``: a disconnect that ran since the event started wins (no ghost viewer)."""
    if conn.closed:
        raise Unauthorized("The connection is closing.")


@client_event("join_session", join_session_schema)
def join_session(conn: Connection, actor, data) -> dict:
    """Join the session's room; the ack carries the viewer count, the latest ``seq`` and, with
    ``afterSeq``, what the room was sent since (``missed``) or ``resync: true`` (SPEC §16)."""
    session_id = data["session_id"]
    check_room_rate(conn)
    with conn.lock:
        _still_open(conn)
        if session_id in conn.joined:
            count, changed = presence().count(session_id), False
        else:
            session = visibility.visible_session(actor, session_id)
            bans.check_not_banned(actor, session.event_id)  # SPEC §15: refused with ``banned``
            count, changed = presence().join(session_id, actor.id)
            try:
                view = attendance.start_visit(actor.id, session, guest=actor.is_guest)
                # Read before the commit expires them (after it, three queries per join).
                joined = Joined(session_id=session_id, event_id=session.event_id, view_id=view.id)
                staff = actor.is_moderator
                commit()
            except Exception:
                try:
                    presence().leave(session_id, actor.id)
                except Exception:
                    log.exception("Could not undo the viewer count of session %s", session_id)
                raise
            conn.joined[session_id] = joined
            join_room(session_room(session_id))
            if staff:  # question_pending, poll_results (SPEC §15)
                join_room(moderators_room(session_id))
    if changed:
        viewers.changed(session_id, count)
    # Read after joining the room: an event is either in the log by now or still to be emitted to
    # this socket (possibly both: the client drops a seq it has already seen).
    replay = event_log.replay(session_id, data.get("after_seq"))
    db.session.rollback()
    return {"sessionId": str(session_id), "viewerCount": count} | replay


@client_event("leave_session", session_ref_schema)
def leave_session(conn: Connection, actor, data) -> dict:
    """Leave the session's room; leaving a session not joined (or twice) is harmless."""
    session_id = data["session_id"]
    check_room_rate(conn)
    with conn.lock:
        visit = conn.joined.pop(session_id, None)
        if visit is None:
            visibility.visible_session(actor, session_id)  # 404 for a session it may not see
            return {"sessionId": str(session_id), "viewerCount": presence().count(session_id)}
        leave_room(session_room(session_id))
        leave_room(moderators_room(session_id))
    try:
        count = leave_presence(conn, visit)
    finally:
        close_visits([visit])  # even when Redis failed (the ack is then service_unavailable)
    return {"sessionId": str(session_id), "viewerCount": count}


# ---------------------------------------------------------------- interaction


@client_event("send_message", message_create_schema)
def send_message(conn: Connection, actor, data) -> dict:
    """Persist a chat message, then ``new_message`` to the room; the ack carries the Message. Messages
    that arrive while others are being stored are stored together, in one transaction (``batches``)."""
    session_id = data["session_id"]
    require_joined(conn, actor, session_id)
    return _chat_batches.submit(Post(actor, session_id, data["text"]))


def _store_messages(batch: list[Post]) -> None:
    """Store a batch of chat messages in this event's transaction and set each one's outcome."""
    try:
        # Each actor was attached to its own event's session: a copy in this one (no query).
        posts = [(db.session.merge(post.actor, load=False), post.session_id, post.text) for post in batch]
        outcomes = chat.post_messages(posts)  # each message's JSON (the ack's data) or its error
        commit()
    except Exception as exc:
        rollback()
        outcomes = [exc] * len(batch)
    for post, outcome in zip(batch, outcomes, strict=True):
        post.outcome = outcome


_chat_batches = Batcher(_store_messages)


@client_event("upvote_question", upvote_schema)
def upvote_question(conn: Connection, actor, data) -> dict:
    """As PATCH /api/questions/:id/upvote (same visibility rules, no join needed); the ack carries the Question."""
    question = qa.upvote_question(actor, data["question_id"])
    payload = qa.question_json(actor, question)
    commit()
    return payload


@client_event("vote_poll", poll_vote_schema)
def vote_poll(conn: Connection, actor, data) -> dict:
    """As POST /api/polls/vote (same visibility rules, no join needed); the ack carries the Poll."""
    poll = polls.vote_in_poll(actor, data["poll_id"], data["option_id"])
    payload = polls.poll_payload(poll, viewer_id=actor.id, staff=actor.is_moderator)
    commit()
    return payload


@socketio.on("*")
def unknown_event(event, *_args):
    forget_routing_error()
    return fail("unknown_event", f"Unknown event {event!r}.")
