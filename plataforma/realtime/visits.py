"""Leaving sessions: viewer counts first, then the attendance visits, each failure contained.

Shared by the disconnect and leave handlers and by housekeeping (a session that became
invisible, a clean shutdown).
"""

from __future__ import annotations

import logging

from plataforma.extensions import db
from plataforma.realtime import viewers
from plataforma.realtime.connections import Connection, Joined, presence
from plataforma.services import attendance, commit

log = logging.getLogger(__name__)

VISIT_BATCH = 100  # visits closed per commit by housekeeping and the clean stop


def leave_presence(conn: Connection, visit: Joined, *, skip_sid: str | None = None) -> int:
    """Take the connection out of the session's viewer count; tell the room if the count changed."""
    count, changed = presence().leave(visit.session_id, conn.user_id)
    if changed:
        viewers.changed(visit.session_id, count, skip_sid=skip_sid)
    return count


def leave_visits(conn: Connection, visits: list[Joined], *, skip_sid: str | None = None) -> None:
    """Viewer counts, then the visits' end: a failure on one (Redis down) skips neither the others nor
    the attendance records. The caller has taken ``visits`` out of ``conn.joined`` (under its lock)."""
    for visit in visits:
        try:
            leave_presence(conn, visit, skip_sid=skip_sid)
        except Exception:
            log.exception("Could not update the viewer count of session %s", visit.session_id)
    close_visits(visits)


def close_visits(visits: list[Joined]) -> None:
    """Attendance is bookkeeping: a failure is logged, it does not undo the leave."""
    end_visits([visit.view_id for visit in visits], batch=max(len(visits), 1))


def end_visits(view_ids: list, *, batch: int = VISIT_BATCH) -> int:
    """Close visits (and recompute their attendance rows), one commit per ``batch``; a failed batch
    is rolled back and logged, the others still close. Returns how many closed."""
    closed = 0
    for start in range(0, len(view_ids), batch):
        chunk = view_ids[start : start + batch]
        try:
            closed += sum(attendance.close_visit(view_id) for view_id in chunk)
            commit()
        except Exception:
            db.session.rollback()
            log.exception("Could not record the end of %d visit(s)", len(chunk))
        finally:
            db.session.remove()
    return closed
