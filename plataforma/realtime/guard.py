"""Who is on the other end of a socket, and the wrapper every client event runs in.

Every client event answers its acknowledgement ``{ok: true, data}`` or
``{ok: false, error: {code, message, fields?}}`` with the codes REST uses; no
exception escapes a handler. Before each event the connection's token is
checked again (revoked or expired: ``token_revoked`` / ``token_expired`` and the
socket is disconnected) and the user's profile is reloaded, so a role change
takes effect on the open socket at the next event.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from typing import NoReturn

import sqlalchemy as sa
from flask import current_app, request
from flask_socketio import ConnectionRefusedError
from limits import parse
from marshmallow import Schema, ValidationError
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import make_transient_to_detached

from plataforma.errors import (
    AppError,
    Forbidden,
    GuestNotAllowed,
    RateLimited,
    Unauthorized,
    flatten_validation_messages,
    remove_session,
    rollback,
)
from plataforma.extensions import db, socketio
from plataforma.models import Guest, Profile
from plataforma.realtime import actors
from plataforma.realtime.connections import Connection, registry
from plataforma.schemas import socket as socket_contract
from plataforma.services import accounts, bans, commit, tokens, visibility

log = logging.getLogger(__name__)

# Give the acknowledgement of the refused event time to leave before the socket closes.
DISCONNECT_DELAY_SECONDS = 0.2


_parse_limit = functools.lru_cache(maxsize=8)(parse)


class SessionEnded(Unauthorized):
    """The connection's token is no longer good: answer, then disconnect."""


def ok(data=None) -> dict:
    return {"ok": True, "data": data}


def fail(code: str, message: str, fields: dict | None = None, *, retry_after: int | None = None) -> dict:
    """An error acknowledgement; ``retryAfter`` (seconds) for rate limits, as REST's ``Retry-After``."""
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    if retry_after is not None:
        error["retryAfter"] = retry_after
    return {"ok": False, "error": error}


# ---------------------------------------------------------------- connect


def _refuse(code: str, message: str) -> NoReturn:
    # socket.io-client: ``err.message`` is the message, ``err.data.code`` the code.
    raise ConnectionRefusedError(message, {"code": code, "message": message})


def _token_from(auth) -> str | None:
    token = auth.get("token") if isinstance(auth, dict) else None
    token = token or request.args.get("token")
    if isinstance(token, str) and token.lower().startswith("bearer "):
        token = token[7:]
    return token.strip() if isinstance(token, str) and token.strip() else None


def authenticate_connection(auth) -> Connection:
    """Verify the access token of a new connection; ConnectionRefusedError if it is not good."""
    token = _token_from(auth)
    if token is None:
        _refuse("unauthorized", "Authentication required: connect with auth: {token}.")
    try:
        claims = tokens.decode(token, "access")
    except Unauthorized as exc:
        _refuse(exc.code, exc.message)
    generation = actors.generation()  # before the reads: a change committed after them shows at the next event
    if tokens.is_revoked(claims):
        _refuse(tokens.REVOKED, "The token has been revoked.")
    profile = accounts.user_for_claims(claims)
    if profile is None:
        _refuse("invalid_token", "The token's user does not exist.")
    # Read before the commit expires the profile. The first event then finds the actor cached, as
    # current_actor would have left it (reading both again cost two queries per connection).
    guest_event_id = profile.event_id if profile.is_guest else None
    actor = None if profile.is_guest else _detached_copy(profile)
    user_id = profile.id
    commit()  # a Supabase token may have provisioned its profile
    exp = claims.get("exp")
    conn = Connection(
        sid=request.sid,
        user_id=user_id,
        jti=tokens.revocation_id(claims),  # Supabase tokens have no jti; see services.tokens
        expires_at=float(exp) if exp is not None else None,
        guest_event_id=guest_event_id,
    )
    if actor is not None:
        conn.actor, conn.actor_loaded_at, conn.actor_generation = actor, time.monotonic(), generation
    return conn


# ---------------------------------------------------------------- client events


def current_actor(conn: Connection) -> Profile:
    """The connection's user; SessionEnded if its token no longer holds.

    The profile and the token's revocation are read again only when something that could change
    them committed (``actors.generation()`` moved: a revocation, a role change, in any process)
    or after ``ACTOR_CACHE_SECONDS`` (default 30 s, a safety net); routine events attach the
    cached profile to their session without a query.
    """
    if conn.closed:
        raise SessionEnded("The connection is closing.", code="unauthorized")
    if tokens.is_expired(conn.expires_at):
        raise SessionEnded("The token has expired; reconnect with a fresh one.", code=tokens.EXPIRED)
    now, current = time.monotonic(), actors.generation()
    fresh = now - conn.actor_loaded_at < current_app.config["ACTOR_CACHE_SECONDS"]
    if conn.guest_event_id is not None:
        return _current_guest(conn, now, current, fresh)
    if conn.actor is not None and conn.actor_generation == current and fresh:
        return db.session.merge(conn.actor, load=False)
    if tokens.still_good(conn.jti, conn.expires_at) == tokens.REVOKED:
        raise SessionEnded("The token has been revoked.", code=tokens.REVOKED)
    profile = db.session.get(Profile, conn.user_id)
    if profile is None:
        raise SessionEnded("The user no longer exists.", code="unauthorized")
    conn.actor, conn.actor_loaded_at, conn.actor_generation = _detached_copy(profile), now, current
    return profile


def _current_guest(conn: Connection, now: float, current: int, fresh: bool) -> Guest:
    """A guest has no profile to reload: only its token's revocation is read again, as for users."""
    if conn.actor_generation != current or not fresh:
        if tokens.still_good(conn.jti, conn.expires_at) == tokens.REVOKED:
            raise SessionEnded("The token has been revoked.", code=tokens.REVOKED)
        conn.actor_loaded_at, conn.actor_generation = now, current
    return Guest(id=conn.user_id, event_id=conn.guest_event_id)


def _detached_copy(profile: Profile) -> Profile:
    """A copy of ``profile``'s column values that no session owns (later commits cannot expire it)."""
    copy = Profile(**{attr.key: getattr(profile, attr.key) for attr in sa.inspect(Profile).column_attrs})
    make_transient_to_detached(copy)
    return copy


def check_room_rate(conn: Connection) -> None:
    """Flood control of join_session / leave_session: ``ROOM_RATE_LIMIT`` (default 20 per 10 s) per connection.

    Each join opens a visit (a row) and each join or leave may broadcast a viewer count to the
    room, so a join/leave loop is a write and fan-out amplifier. Per connection, in this process:
    a connection lives on one process only.
    """
    item = _parse_limit(current_app.config["ROOM_RATE_LIMIT"])
    window = item.get_expiry()
    now = time.monotonic()
    with conn.lock:
        events = conn.room_events
        while events and events[0] <= now - window:
            events.popleft()
        if len(events) >= item.amount:
            retry_after = max(1, math.ceil(events[0] + window - now))
            raise RateLimited(
                f"Too many joins and leaves; wait {retry_after} s before trying again.", retry_after=retry_after
            )
        events.append(now)


def require_joined(conn: Connection, actor: Profile, session_id) -> None:
    """A client sends to a session only after joining it (404 first if it may not see it; ``banned``
    before ``not_joined`` for a user banned from its event, whose socket was taken out of the room)."""
    if session_id in conn.joined:
        return
    session = visibility.visible_session(actor, session_id)
    bans.check_not_banned(actor, session.event_id)
    raise Forbidden("Join the session before sending to it.", code="not_joined")


def disconnect_later(sid: str, delay: float = DISCONNECT_DELAY_SECONDS) -> None:
    """Disconnect ``sid`` once the current acknowledgement has been sent."""
    server = socketio.server

    def run():
        try:
            socketio.sleep(delay)
            server.disconnect(sid, namespace="/")
        except Exception:  # the client may be gone already
            log.debug("Could not disconnect %s", sid, exc_info=True)

    socketio.start_background_task(run)


def forget_routing_error() -> None:
    """Flask-SocketIO runs every socket event in a request context made from the socket's own request
    (``/socket.io/``), which no Flask route matches: the context keeps the ``NotFound`` it raised, and
    that exception's traceback holds the frame that holds the context: a reference cycle that only the
    cyclic collector frees (58 of the 66 objects a chat message left to it). Dropping the exception
    breaks the cycle, so the context is freed when the event ends: fewer collector pauses under load."""
    request.routing_exception = None


def run_event(fn, schema: Schema | None, payload, guests: bool = False):
    """Run one client event and return its acknowledgement; never raises. A guest's event that is not
    on the guests' allow-list (``guests``) is refused with ``guest_not_allowed`` before anything else."""
    forget_routing_error()
    sid = request.sid
    try:
        conn = registry().get(sid)
        if conn is None:
            raise Unauthorized("The connection is not authenticated.")
        actor = current_actor(conn)
        if actor.is_guest and not guests:
            raise GuestNotAllowed()
        data = schema.load(payload) if schema is not None else payload
        return ok(fn(conn, actor, data))
    except SessionEnded as exc:
        rollback()
        disconnect_later(sid)
        return fail(exc.code, exc.message)
    except AppError as exc:
        rollback()
        return fail(exc.code, exc.message, exc.fields, retry_after=getattr(exc, "retry_after", None))
    except ValidationError as exc:
        rollback()
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return fail("validation_error", "The request is invalid.", flatten_validation_messages({"json": messages}))
    except OperationalError as exc:
        rollback()
        log.error("Database unavailable in socket event: %s", exc.orig)
        return fail("service_unavailable", "The database is unavailable; retry shortly.")
    except RedisError as exc:
        rollback()
        log.error("Redis unavailable in socket event: %s", exc)
        return fail("service_unavailable", "A backing service is unavailable; retry shortly.")
    except Exception:
        rollback()
        log.exception("Socket event failed")
        return fail("internal_error", "An unexpected error occurred.")
    finally:
        remove_session()


def client_event(name: str, schema: Schema | None = None):
    """Register ``fn(conn, actor, data) -> ack data`` as the handler of client event ``name``; a guest's
    socket may send it only when the socket contract says so (``CLIENT_EVENTS[name].guests``, SPEC §12)."""
    spec = socket_contract.CLIENT_EVENTS.get(name)
    guests = bool(spec and spec.guests)

    def decorator(fn):
        @functools.wraps(fn)
        def handler(payload=None, *_extra):
            return run_event(fn, schema, payload, guests)

        socketio.on_event(name, handler)
        return fn

    return decorator
