"""``viewer_count`` broadcasts: immediate in small rooms, coalesced in big ones.

Sending the count to the whole room on every join is O(viewers) per join, so
O(viewers²) while a big audience arrives (1,000 joins = 500,000 deliveries).
Below ``VIEWER_COUNT_IMMEDIATE_MAX`` viewers every change is sent at once; at
or above it a change schedules one broadcast ``VIEWER_COUNT_INTERVAL`` seconds
later carrying the count as it is then, so a room hears the latest number at
most once per interval (per server process).
"""

from __future__ import annotations

import logging
import threading

from flask import current_app

from plataforma.extensions import socketio
from plataforma.realtime.connections import presence
from plataforma.services import events

log = logging.getLogger(__name__)

_lock = threading.Lock()
_SCHEDULED = "plataforma.viewer_count_scheduled"


def changed(session_id, count: int, *, skip_sid: str | None = None) -> None:
    """The room's count is now ``count``: tell the room (now, or soon with the then-current count)."""
    app = current_app._get_current_object()
    scheduled: set = app.extensions.setdefault(_SCHEDULED, set())
    key = str(session_id)
    with _lock:
        if key in scheduled:
            return  # the pending broadcast will carry the latest count
        immediate = count < app.config["VIEWER_COUNT_IMMEDIATE_MAX"] or app.config["VIEWER_COUNT_INTERVAL"] <= 0
        if not immediate:
            scheduled.add(key)
    if immediate:
        events.viewer_count(session_id, count, skip_sid=skip_sid)
    else:
        socketio.start_background_task(_send_later, app, key)


def _send_later(app, session_id: str) -> None:
    try:
        socketio.sleep(app.config["VIEWER_COUNT_INTERVAL"])
    finally:
        with _lock:
            app.extensions[_SCHEDULED].discard(session_id)
    try:
        with app.app_context():
            events.viewer_count(session_id, presence().count(session_id))
    except Exception:
        log.exception("Could not send the viewer count of %s", session_id)
