"""The one place that emits Socket.IO events.

Services *queue* an event while they change data; the event is emitted only
after the surrounding transaction commits (``plataforma.services.commit``), so
a change that fails to persist is never broadcast. A rollback drops the queue.
A payload may be a callable, evaluated after the commit so that it reads the
committed state (e.g. the whole visible question list).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plataforma.extensions import db, socketio

log = logging.getLogger(__name__)

_KEY = "plataforma.pending_emits"

Payload = dict | list | Callable[[], Any]


def session_room(session_id) -> str:
    return f"session:{session_id}"


def queue(event: str, payload: Payload, *, room: str | None = None) -> None:
    """Emit ``event`` to ``room`` once the current transaction has committed."""
    db.session.info.setdefault(_KEY, []).append((event, payload, room))


def to_session(session_id, event: str, payload: Payload) -> None:
    queue(event, payload, room=session_room(session_id))


def discard_pending() -> None:
    db.session.info.pop(_KEY, None)


def dispatch_pending() -> None:
    """Emit everything queued; called right after a successful commit."""
    pending = db.session.info.pop(_KEY, [])
    for event, payload, room in pending:
        data = payload() if callable(payload) else payload
        try:
            socketio.emit(event, data, to=room)
        except Exception:  # a broken queue must not turn a committed change into an error
            log.exception("Could not emit %s to %s", event, room)


@sa.event.listens_for(Session, "after_rollback")
def _drop_on_rollback(session: Session) -> None:
    session.info.pop(_KEY, None)


def emit_now(session_id, event: str, payload: dict, *, skip_sid: str | None = None) -> None:
    """Emit to a session room right away: for state that does not live in the database (viewer counts)."""
    try:
        socketio.emit(event, payload, to=session_room(session_id), skip_sid=skip_sid)
    except Exception:
        log.exception("Could not emit %s to session %s", event, session_id)
