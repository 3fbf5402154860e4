"""Banned users leave the event's rooms at once (SPEC §15), on every process.

:mod:`plataforma.services.bans` calls :func:`evict` after a ban commits: in the process that made
it directly, in the others through its Redis listener (``<SOCKETIO_CHANNEL>:bans``). Here, each of
this process's sockets of the banned user leaves every room of the event's sessions it joined
(its viewer is uncounted at once; its visit is closed by a background task, so no database work
happens inside the request that banned) and receives ``banned {eventId, until, reason}``. The
socket stays connected: it can still watch other events, and ``join_session`` in this event is
refused with ``banned`` until the ban ends or is lifted.
"""

from __future__ import annotations

import logging
import uuid

from flask import current_app

from plataforma.extensions import socketio
from plataforma.realtime.connections import registry
from plataforma.realtime.visits import close_visits, leave_presence
from plataforma.services import bans, events

log = logging.getLogger(__name__)


def evict(change: dict) -> list[str]:
    """Take the banned user's sockets out of the event's rooms; returns the sids told ``banned``."""
    if change.get("lifted") or "userId" not in change:
        return []
    user_id, event_id = uuid.UUID(change["userId"]), uuid.UUID(change["eventId"])
    payload = bans.banned_event_payload(change)
    told: list[str] = []
    for conn in registry().all():
        if conn.user_id != user_id:
            continue
        with conn.lock:
            if conn.closed:
                continue
            gone = [conn.joined.pop(sid) for sid, visit in list(conn.joined.items()) if visit.event_id == event_id]
            for visit in gone:
                for room in (events.session_room(visit.session_id), events.moderators_room(visit.session_id)):
                    try:
                        socketio.server.leave_room(conn.sid, room, namespace="/")
                    except Exception:
                        log.debug("Could not take %s out of %s", conn.sid, room, exc_info=True)
        events.banned(conn.sid, payload)
        told.append(conn.sid)
        for visit in gone:
            try:
                leave_presence(conn, visit)
            except Exception:
                log.exception("Could not update the viewer count of session %s", visit.session_id)
        if gone:
            socketio.start_background_task(_close_visits, current_app._get_current_object(), gone)
    return told


def _close_visits(app, visits) -> None:
    with app.app_context():
        close_visits(visits)


bans.subscribe(evict)
