"""A background task per server process: viewer-count heartbeat and revoked-token sweep.

Every ``HEARTBEAT_SECONDS`` it marks this process alive in Redis and reaps
processes that stopped heartbeating (their viewers no longer count; the rooms
concerned get a fresh ``viewer_count``), and it disconnects the sockets of this
process whose token has been revoked since they connected (signout), so a
revoked token loses even a passive socket without waiting for its next event.
Not started under ``TESTING``: tests call :func:`run_once` themselves.
"""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa

from plataforma.extensions import db, socketio
from plataforma.models import RevokedToken
from plataforma.realtime import viewers
from plataforma.realtime.broadcast import emit_now
from plataforma.realtime.connections import presence, registry
from plataforma.realtime.presence import HEARTBEAT_SECONDS

log = logging.getLogger(__name__)

_lock = threading.Lock()
_STARTED = "plataforma.housekeeping"
JTI_BATCH = 500


def ensure_started(app) -> None:
    if app.config.get("TESTING") or app.extensions.get(_STARTED):
        return
    with _lock:
        if app.extensions.get(_STARTED):
            return
        app.extensions[_STARTED] = True
    socketio.start_background_task(_loop, app)


def _loop(app) -> None:
    while True:
        with app.app_context():
            try:
                run_once()
            except Exception:
                log.exception("Realtime housekeeping failed")
            finally:
                db.session.remove()
        socketio.sleep(HEARTBEAT_SECONDS)


def run_once() -> dict:
    """One round; returns what it did (for tests and logs)."""
    touched = presence().heartbeat()
    for session_id in touched:
        emit_now(session_id, "viewer_count", viewers.payload(session_id, presence().count(session_id)))
    revoked = sweep_revoked()
    return {"recounted": touched, "disconnected": revoked}


def sweep_revoked() -> list[str]:
    """Disconnect this process's sockets whose token has been revoked; returns their sids."""
    by_jti = {}
    for conn in registry().all():
        if conn.jti and not conn.closed:
            by_jti.setdefault(conn.jti, []).append(conn.sid)
    jtis = list(by_jti)
    gone: list[str] = []
    for start in range(0, len(jtis), JTI_BATCH):
        batch = jtis[start : start + JTI_BATCH]
        for jti in db.session.scalars(sa.select(RevokedToken.jti).where(RevokedToken.jti.in_(batch))):
            gone.extend(by_jti[jti])
    for sid in gone:
        try:
            socketio.server.disconnect(sid, namespace="/")
        except Exception:
            log.debug("Could not disconnect %s", sid, exc_info=True)
    return gone
