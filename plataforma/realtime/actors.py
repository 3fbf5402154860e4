"""When the cached user of an open socket must be read again.

Sockets keep their user's profile between events (see ``guard.current_actor``). Whatever could
change what that user may do — a token revoked (signout, refresh rotation), a role changed, a
profile deleted — bumps a generation number when its transaction commits, wherever it was made
(REST, dashboard, CLI): found in the session's flushes, so no service has to remember to call
anything. The bump is local at once and published on Redis (``<SOCKETIO_CHANNEL>:actors``) for
the other processes, whose listener bumps theirs. A changed generation makes every socket of the
process read its user again at its next event: coarse, but these changes are rare.
"""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from plataforma.models import Profile, RevokedToken
from plataforma.services import redis
from plataforma.services.redis import redis_client

log = logging.getLogger(__name__)

_lock = threading.Lock()
_state = {"generation": 0}
_FLAG = "plataforma.actors_changed"


def generation() -> int:
    return _state["generation"]


def bump() -> None:
    with _lock:
        _state["generation"] += 1


def _channel(app) -> str:
    return f"{app.config['SOCKETIO_CHANNEL']}:actors"


@sa.event.listens_for(Session, "after_flush")
def _note_changes(session, _flush_context) -> None:
    if session.info.get(_FLAG):
        return
    for obj in session.new:
        if isinstance(obj, RevokedToken):
            session.info[_FLAG] = True
            return
    for obj in session.deleted:
        if isinstance(obj, Profile | RevokedToken):
            session.info[_FLAG] = True
            return
    for obj in session.dirty:
        if isinstance(obj, Profile) and sa.inspect(obj).attrs.role.history.has_changes():
            session.info[_FLAG] = True
            return


@sa.event.listens_for(Session, "after_commit")
def _announce(session) -> None:
    if not session.info.pop(_FLAG, False):
        return
    bump()
    try:
        app = current_app._get_current_object()
    except RuntimeError:  # no application (a script's own session)
        return
    client = redis_client(app)
    if client is None:
        return
    try:
        client.publish(_channel(app), "changed")
    except Exception as exc:  # the other processes still re-read within ACTOR_CACHE_SECONDS
        log.warning("Could not announce an actor change on Redis: %s", exc)


@sa.event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    session.info.pop(_FLAG, None)


def listen(app) -> None:
    """Background task: bump the generation when another process announces a change."""
    from plataforma.extensions import socketio

    url = app.config.get("REDIS_URL")
    if url:
        redis.listen(url, _channel(app), lambda _data: bump(), bump, name="Actor change listener", sleep=socketio.sleep)
