"""Event bans (SPEC §15): who may no longer take part in an event, and until when.

A banned user (until ``until``; NULL = until lifted) gets 403 ``banned`` on chat, questions,
upvotes, votes, survey responses and reactions in the event, and ``join_session`` there is
refused. Expiry needs no job: ``until`` is compared with the clock on every check.

**The check is cheap** (reactions come at 10/s per user): each process keeps, per event, the map
user → until of the event's bans, read in one query and reused until a ban or a lift commits
anywhere. A commit that bans or lifts bumps a generation number here at once and publishes the
change on Redis (``<SOCKETIO_CHANNEL>:bans``), where every other process's listener bumps its own
(and evicts its sockets of the banned user, see :func:`subscribe`); a changed generation makes the
next check re-read the event's bans. ``BAN_CACHE_SECONDS`` (30 s) bounds the staleness should a
publication be lost. Staff are never banned, so their checks cost nothing.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from plataforma.errors import Conflict, Forbidden, NotFound
from plataforma.extensions import db, socketio
from plataforma.models import EventBan, EventSession, Profile, utcnow
from plataforma.schemas.moderation import BannedSchema, BanSchema
from plataforma.services import audit, events, parse_uuid, redis, webhooks
from plataforma.services.redis import redis_client
from plataforma.services.visibility import require_staff, visible_event
from plataforma.values import as_utc

log = logging.getLogger(__name__)

BAN_CACHE_SECONDS = 30.0
SESSION_CACHE_MAX = 10_000
ban_schema = BanSchema()
banned_schema = BannedSchema()

_lock = threading.Lock()
_state: dict = {"generation": 0, "bans": {}, "session_events": {}, "subscribers": [], "listening": set()}
PROCESS_ID = uuid.uuid4().hex  # tells this process's own publications apart


def bump() -> None:
    with _lock:
        _state["generation"] += 1


def subscribe(callback: Callable[[dict], None]) -> None:
    """Call ``callback(change)`` in every process after a ban or lift commits anywhere; ``change`` is
    ``{eventId, userId, until, reason, lifted}`` (the realtime layer evicts sockets with it)."""
    if callback not in _state["subscribers"]:
        _state["subscribers"].append(callback)


# ---------------------------------------------------------------- the check


def _event_bans(event_id: uuid.UUID) -> dict:
    now = time.monotonic()
    generation = _state["generation"]
    entry = _state["bans"].get(event_id)
    if entry is not None and entry[0] == generation and now - entry[1] < BAN_CACHE_SECONDS:
        return entry[2]
    rows = db.session.execute(sa.select(EventBan.user_id, EventBan.until).where(EventBan.event_id == event_id)).all()
    found = {user_id: as_utc(until) for user_id, until in rows}
    _state["bans"][event_id] = (generation, now, found)
    return found


def active_ban_until(event_id, user_id):
    """``(True, until)`` if ``user_id`` is banned from the event now, else ``(False, None)``."""
    bans = _event_bans(event_id)
    if user_id not in bans:
        return False, None
    until = bans[user_id]
    return (until is None or until > utcnow()), until


def check_not_banned(actor: Profile | None, event_id) -> None:
    """403 ``banned`` if ``actor`` is banned from the event now (staff: never)."""
    if actor is None or actor.is_moderator:
        return
    ensure_listening()
    banned, until = active_ban_until(event_id, actor.id)
    if banned:
        when = "until it is lifted" if until is None else f"until {until.isoformat(timespec='seconds')}"
        raise Forbidden(f"You are banned from this event {when}.", code="banned")


def event_of_session(session_id) -> uuid.UUID | None:
    """The event of a session (sessions never move: cached for good in this process)."""
    session_id = parse_uuid(session_id, "session")
    cache = _state["session_events"]
    event_id = cache.get(session_id)
    if event_id is None:
        event_id = db.session.scalar(sa.select(EventSession.event_id).where(EventSession.id == session_id))
        if event_id is not None:
            if len(cache) >= SESSION_CACHE_MAX:
                cache.clear()
            cache[session_id] = event_id
    return event_id


def check_session(actor: Profile | None, session_id) -> None:
    """:func:`check_not_banned` for the event of a session (a query at most once per session)."""
    if actor is None or actor.is_moderator:
        return
    event_id = event_of_session(session_id)
    if event_id is not None:
        check_not_banned(actor, event_id)


# ---------------------------------------------------------------- changes


def ban_payload(ban: EventBan) -> dict:
    return ban_schema.dump(ban)


def list_bans(actor: Profile, event_id, *, limit: int = 50, offset: int = 0) -> list[EventBan]:
    """The event's bans in force (expired ones left out), newest first (moderator+)."""
    require_staff(actor, "Only moderators can see bans.")
    event = visible_event(actor, event_id)
    query = (
        sa.select(EventBan)
        .where(EventBan.event_id == event.id, sa.or_(EventBan.until.is_(None), EventBan.until > utcnow()))
        .order_by(EventBan.created_at.desc(), EventBan.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(db.session.scalars(query))


def ban_user(actor: Profile, event_id, user_id, duration_seconds: int | None = None, reason: str | None = None):
    """Ban ``user_id`` from the event for ``duration_seconds`` (None: until lifted); banning again
    replaces the ban. Staff cannot be banned (409 ``cannot_ban_staff``). Queues the eviction of the
    user's sockets, ``user.banned`` and an audit entry."""
    require_staff(actor, "Only moderators can ban users.")
    event = visible_event(actor, event_id)
    target = db.session.get(Profile, parse_uuid(user_id, "user"))
    if target is None:
        raise NotFound("User not found.")
    if target.is_moderator:
        raise Conflict("Moderators and admins cannot be banned.", code="cannot_ban_staff")
    now = utcnow()
    until = now + timedelta(seconds=duration_seconds) if duration_seconds else None
    ban = db.session.scalar(sa.select(EventBan).where(EventBan.event_id == event.id, EventBan.user_id == target.id))
    if ban is None:
        ban = EventBan(event_id=event.id, user_id=target.id)
        try:
            with db.session.begin_nested():
                db.session.add(ban)
                _fill(ban, actor, until, reason, now)
        except IntegrityError:  # banned concurrently: replace that one
            ban = db.session.scalar(
                sa.select(EventBan).where(EventBan.event_id == event.id, EventBan.user_id == target.id)
            )
    _fill(ban, actor, until, reason, now)
    db.session.flush()
    payload = ban_payload(ban)
    webhooks.enqueue("user.banned", payload)
    details = {"until": payload["until"], "reason": reason, "durationSeconds": duration_seconds}
    audit.record(actor, event.id, None, "user.ban", "user", target.id, details)
    _announce_after_commit(payload, lifted=False)
    return ban


def _fill(ban: EventBan, actor: Profile, until, reason, now) -> None:
    ban.until, ban.reason, ban.created_by, ban.created_at = until, reason, actor.id, now


def lift_ban(actor: Profile, event_id, user_id) -> None:
    """Lift a ban (moderator+); 404 when the user has none in this event (an expired one is lifted too)."""
    require_staff(actor, "Only moderators can lift bans.")
    event = visible_event(actor, event_id)
    target_id = parse_uuid(user_id, "ban")
    ban = db.session.scalar(sa.select(EventBan).where(EventBan.event_id == event.id, EventBan.user_id == target_id))
    if ban is None:
        raise NotFound("Ban not found.")
    payload = ban_payload(ban)
    db.session.delete(ban)
    db.session.flush()
    audit.record(actor, event.id, None, "user.unban", "user", target_id, {})
    _announce_after_commit(payload, lifted=True)


# ---------------------------------------------------------------- telling every process


def _announce_after_commit(payload: dict, *, lifted: bool) -> None:
    change = {
        "eventId": payload["eventId"],
        "userId": payload["userId"],
        "until": payload["until"],
        "reason": payload["reason"],
        "lifted": lifted,
    }
    app = current_app._get_current_object()
    events.after_commit(lambda: _announce(app, change))


def _announce(app, change: dict) -> None:
    """After the commit: this process at once, the others through Redis."""
    bump()
    client = redis_client(app)
    if client is not None:
        try:
            client.publish(_channel(app), json.dumps({"origin": PROCESS_ID, "change": change}))
        except Exception as exc:  # the others still re-read within BAN_CACHE_SECONDS
            log.warning("Could not publish a ban change on Redis: %s", exc)
    _notify(change)


def _notify(change: dict) -> None:
    for callback in list(_state["subscribers"]):
        try:
            callback(change)
        except Exception:
            log.exception("A ban subscriber failed")


def banned_event_payload(change: dict) -> dict:
    """The ``banned`` event's payload, ``{eventId, until, reason}``."""
    return {"eventId": change["eventId"], "until": change["until"], "reason": change["reason"]}


def _channel(app) -> str:
    return f"{app.config['SOCKETIO_CHANNEL']}:bans"


def ensure_listening(app=None) -> None:
    """Start this process's listener for other processes' ban changes (once; only with Redis, never
    under ``TESTING``)."""
    app = app or current_app._get_current_object()
    key = id(app)
    if key in _state["listening"] or app.config.get("TESTING") or not app.config.get("REDIS_URL"):
        return
    with _lock:
        if key in _state["listening"]:
            return
        _state["listening"].add(key)
    socketio.start_background_task(_listen, app)


def _listen(app) -> None:
    def on_message(data) -> None:
        try:
            body = json.loads(data)
        except ValueError:
            return
        if body.get("origin") == PROCESS_ID:
            return  # acted on at commit
        bump()
        with app.app_context():
            _notify(body.get("change") or {})

    redis.listen(app.config["REDIS_URL"], _channel(app), on_message, bump, name="Ban listener", sleep=socketio.sleep)
